"""Handing tasks out and holding them: ``sdd start``, ``sdd release`` (claims) and
``sdd block``/``unblock`` (a project, or one task). The rules live in :mod:`sddkit.tasks.claims`
and :mod:`sddkit.projects.transitions`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sddkit.operations.outcome import Outcome, lines, write
from sddkit.workspace import Workspace


@dataclass(kw_only=True)
class TaskChanged(Outcome):
    """A claim or a task's block changed: ``data`` is ``sddkit.claim/1`` (docs/json.md)."""

    project: str
    task: Any  # tasks.Task
    box_changed: bool = False


@dataclass(kw_only=True)
class BlockChanged(Outcome):
    """``sdd block`` / ``sdd unblock`` of a project: its name, reason (None once unblocked)
    and constitution (``path``, which holds the mark). A task's block is a
    :class:`TaskChanged`."""

    project: str
    reason: str | None
    path: Path | None = None


def _task_change(ws: Workspace, action: str, dry_run: bool, stage: Any) -> TaskChanged:
    from sddkit.tasks.claims import change_json

    change, staged = write(ws, dry_run, stage, refresh=lambda done: done.changed)
    return TaskChanged(text=lines(change.message), data=change_json(change, ws, action),
                       project=change.project.name, task=change.task,
                       **staged.outcome_fields())


def start(ws: Workspace, task: str, project: str | None = None, as_name: str | None = None,
          steal: bool = False, dry_run: bool = False) -> TaskChanged:
    """Claim ``task`` for ``as_name`` (default :func:`sddkit.tasks.claims.agent_name`): writes
    ``- claimed: NAME DATE`` under it. Refused (:class:`TaskError`) when it is done, a
    parent, held (:func:`sddkit.projects.blockers.task_blocker`) or claimed by another name (a
    stale claim is taken over with ``steal``, and a ``note:`` records it)."""
    from sddkit.tasks.claims import agent_name, claim_ttl
    from sddkit.tasks.claims import start as stage

    name = agent_name(as_name)
    claim_ttl()  # a bad SDDKIT_CLAIM_TTL is refused before anything is read
    return _task_change(ws, "start", dry_run,
                        lambda tx: stage(ws, tx, task, project, name, steal))


def release(ws: Workspace, task: str, project: str | None = None, as_name: str | None = None,
            force: bool = False, dry_run: bool = False) -> TaskChanged:
    """Drop the claim on ``task``: the caller's own, a stale one, or (``force``) any."""
    from sddkit.tasks.claimant import agent_name
    from sddkit.tasks.claims import release as stage

    name = agent_name(as_name)
    return _task_change(ws, "release", dry_run,
                        lambda tx: stage(ws, tx, task, project, name, force))


#: A task reference no project name can be (``T003``, ``t2a``, ``2.1``, ``#3``).
_TASK_SHAPED = re.compile(r"#\d+|[Tt]\d+(?:\.\d+)*[A-Za-z]?|\d+(?:\.\d+)+[A-Za-z]?")


def _names_project(ws: Workspace, name: str, project: str | None) -> bool:
    """Whether ``name`` names a project (``sdd block PROJECT``) rather than a task: without
    ``project``, a project of that name, else a project-shaped name that is no project's
    task (so a mistyped project gets the project's error, a mistyped task the task's)."""
    if project is not None:
        return False
    if name in ws.project_names():
        return True
    from sddkit.names import SLUG

    if not SLUG.fullmatch(name) and _TASK_SHAPED.fullmatch(name):  # ``T003``, ``2.1``, ``#3``
        return False  # no project can have that name: the task's error, not the name's
    from sddkit.tasks.claims import names_a_task

    return not names_a_task(ws, name)


def block(ws: Workspace, name: str, reason: str, project: str | None = None,
          dry_run: bool = False) -> BlockChanged | TaskChanged:
    """Block the project ``name`` (``blocked: REASON`` in its constitution), or, when
    ``project`` is given or no project is called ``name``, the task ``name`` (a ``blocked:``
    line under it; the tasks gate stays approved). Whitespace in ``reason`` is folded."""
    if not _names_project(ws, name, project):
        from sddkit.tasks.claims import block_task

        return _task_change(ws, "block", dry_run,
                            lambda tx: block_task(ws, tx, name, project, reason))
    from sddkit.projects.transitions import set_blocked

    doc, staged = write(ws, dry_run, lambda tx: set_blocked(ws, tx, name, reason),
                        optimistic=True)
    folded = " ".join(reason.split())
    return BlockChanged(text=lines(f"{name} is blocked: {folded}"), project=name, reason=folded,
                        path=doc.path,
                        **staged.outcome_fields())


def unblock(ws: Workspace, name: str, project: str | None = None,
            dry_run: bool = False) -> BlockChanged | TaskChanged:
    """Clear the project ``name``'s ``blocked`` (refused when it is not blocked), or the task's
    ``blocked:`` line (chosen as :func:`block` chooses)."""
    if not _names_project(ws, name, project):
        from sddkit.tasks.claims import block_task

        return _task_change(ws, "unblock", dry_run,
                            lambda tx: block_task(ws, tx, name, project, None))
    from sddkit.projects.transitions import set_blocked

    doc, staged = write(ws, dry_run, lambda tx: set_blocked(ws, tx, name, None),
                        optimistic=True)
    return BlockChanged(text=lines(f"{name} is no longer blocked."), project=name, reason=None,
                        path=doc.path,
                        **staged.outcome_fields())
