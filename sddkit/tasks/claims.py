"""Claims and task-level blocks: ``sdd start``/``release``/``block``/``unblock`` on one task.

A claim is a child line under the task, ``- claimed: NAME 2026-11-30T04:40Z`` (UTC, to the
minute); a task-level block is ``- blocked: REASON``; a stolen claim leaves
``- note: NAME took over from OLD (claimed DATE)``. The tasks gate hash leaves these lines
out (``phases.gate_hash``), so none of them reopens the gate, and the tasks.md merge driver
(``sddkit/repository/merge_drivers.py``) merges them as state. The box is not changed: ``[-]`` stays a Kiro
list's own mark, and only the ``claimed:`` line says who holds a task.

Every edit is staged in the caller's :class:`~sddkit.io.fileio.Transaction`, which holds the
repository lock while the project is read: two concurrent ``sdd start`` of one task read
one after the other, so exactly one of them finds it unclaimed.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sddkit.errors import SddkitError, TaskError
from sddkit.tasks.child_lines import set_child
from sddkit.tasks.claimant import agent_name  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from sddkit import json_shapes as shape
    from sddkit.io.fileio import Transaction
    from sddkit.projects.project import Project
    from sddkit.workspace import Workspace

#: Default age after which a claim is stale (reported, and takeable with ``--steal``).
DEFAULT_CLAIM_TTL = timedelta(hours=8)
_TTL = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 3600}


@dataclass
class Claim:
    """Who holds a task: ``name`` and ``at`` (the ``claimed:`` line's date, UTC), ``stale``
    when older than the claim age (:func:`claim_ttl`)."""

    name: str
    at: str | None
    stale: bool


@dataclass
class TaskChange:
    """The result of a start/release/block/unblock: the project, the task, whether the file
    changed, a sentence for a person, and the claim taken over (``--steal``), if any."""

    project: Project
    task: Any  # tasks.Task
    changed: bool
    message: str
    stolen_from: Claim | None = None


def claim_ttl() -> timedelta:
    """The claim age: ``SDDKIT_CLAIM_TTL`` (a number of hours, or ``90m``, ``8h``, ``2d``,
    ``30s``), else :data:`DEFAULT_CLAIM_TTL`. Raises :class:`SddkitError` for another value."""
    raw = os.environ.get("SDDKIT_CLAIM_TTL")
    if raw is None or not raw.strip():
        return DEFAULT_CLAIM_TTL
    match = _TTL.fullmatch(raw)
    if match is None:
        raise SddkitError(f"SDDKIT_CLAIM_TTL must be an age such as 8h, 90m or 2d, not {raw!r}")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])


def now_stamp(now: datetime | None = None) -> str:
    """``2026-11-30T04:40Z``: the claim date, UTC, to the minute."""
    return (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%MZ")


def parse_stamp(stamp: str | None) -> datetime | None:
    """A claim's date (``2026-11-30``, ``2026-11-30T04:40Z``, seconds allowed), UTC, or None."""
    if not stamp:
        return None
    text = stamp.strip().rstrip("Zz").replace(" ", "T")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def claim_of(task: Any, ttl: timedelta | None = None, now: datetime | None = None) -> Claim | None:
    """The claim on ``task`` (a ``tasks.Task``), or None. A claim without a readable date is
    stale (nobody can say how old it is)."""
    if not getattr(task, "claimed_by", None):
        return None
    at = parse_stamp(task.claimed_at)
    age_limit = ttl if ttl is not None else claim_ttl()
    stale = at is None or (now or datetime.now(timezone.utc)) - at > age_limit
    return Claim(task.claimed_by, task.claimed_at, stale)


# --- the actions -----------------------------------------------------------------------


def _find(ws: Workspace, tx: Transaction, ref: str, project: str | None) -> tuple[Project, Any]:
    from sddkit.tasks.mark_done import _find as find_task

    return find_task(ws, tx, ref, project)


def _write(tx: Transaction, project: Project, text: str) -> bool:
    doc = project.docs["tasks"]
    if text == doc.text:
        return False
    tx.write(doc.path, text)
    return True


def start(ws: Workspace, tx: Transaction, ref: str, project_name: str | None, name: str,
          steal: bool = False, now: datetime | None = None) -> TaskChange:
    """Claim ``ref`` for ``name``: the ``claimed:`` child line. Refuses (``TaskError``) a
    task that is done, a parent, held (dependencies open, blocked) or claimed by another
    name, unless that claim is stale and ``steal`` is given (then recorded in a ``note:``).
    """
    from sddkit.projects.blockers import task_blocker
    from sddkit.tasks.mark_done import _gate

    project, task = _find(ws, tx, ref, project_name)
    _gate(project)
    tasks = project.tasks
    assert tasks is not None
    path, where = project.docs["tasks"].path, f"{task.key} of {project.name}"
    if tasks.is_done(task):
        raise TaskError(f"{where} is already done", path, task.line)
    if not task.is_leaf:
        raise TaskError(f"{where} has subtasks ({', '.join(task.children)}): start one of them",
                        path, task.line)
    if (why := task_blocker(tasks, task, project.name)) is not None:
        raise TaskError(f"{where} cannot start: {why.reason}", path, task.line)
    held = claim_of(task, now=now)
    stamp = now_stamp(now)
    if held is not None and held.name == name:
        return TaskChange(project, task, False, f"{where} is already claimed by {name}")
    note = None
    if held is not None:
        since = f" since {held.at}" if held.at else ""
        if not held.stale:
            raise TaskError(f"{where} is claimed by {held.name}{since}; take another task "
                            f"(`sdd next --as {shlex.quote(name)}`)", path, task.line)
        if not steal:
            raise TaskError(f"{where} is claimed by {held.name}{since}, a stale claim: "
                            f"`sdd start {task.key} --project {project.name} --steal` takes it "
                            "over", path, task.line)
        note = f"note: {name} took over from {held.name} (claimed {held.at or 'undated'}) {stamp}"
    elif steal:
        steal = False  # nothing to take over: a plain claim
    _write(tx, project, set_child(project.docs["tasks"].text, task, "claimed", f"{name} {stamp}",
                                  note))
    took = f" (taken over from {held.name})" if held is not None else ""
    return TaskChange(project, task, True, f"{where} claimed by {name}{took}: {task.text}",
                      stolen_from=held)


def release(ws: Workspace, tx: Transaction, ref: str, project_name: str | None, name: str,
            force: bool = False) -> TaskChange:
    """Drop the claim on ``ref``. Another name's fresh claim is refused without ``force``."""
    project, task = _find(ws, tx, ref, project_name)
    where = f"{task.key} of {project.name}"
    held = claim_of(task)
    if held is None:
        return TaskChange(project, task, False, f"{where} is not claimed")
    if held.name != name and not held.stale and not force:
        raise TaskError(f"{where} is claimed by {held.name}, not {name} (--force drops it anyway)",
                        project.docs["tasks"].path, task.line)
    _write(tx, project, set_child(project.docs["tasks"].text, task, "claimed", None))
    return TaskChange(project, task, True, f"{where} released (was claimed by {held.name})")


def block_task(ws: Workspace, tx: Transaction, ref: str, project_name: str | None,
               reason: str | None) -> TaskChange:
    """Write (``reason``) or remove (None) the task's ``blocked:`` child line. The tasks gate
    stays approved: the line is left out of its hash."""
    project, task = _find(ws, tx, ref, project_name)
    where = f"{task.key} of {project.name}"
    if reason is not None:
        reason = " ".join(reason.split())
        if not reason:
            raise TaskError("--reason cannot be empty")
        changed = _write(tx, project, set_child(project.docs["tasks"].text, task, "blocked",
                                                reason))
        return TaskChange(project, task, changed, f"{where} is blocked: {reason}")
    if task.blocked is None:
        return TaskChange(project, task, False, f"{where} is not blocked")
    changed = _write(tx, project, set_child(project.docs["tasks"].text, task, "blocked", None))
    return TaskChange(project, task, changed, f"{where} is no longer blocked")


def names_a_task(ws: Workspace, ref: str) -> bool:
    """Whether some project's task list has a task ``ref``."""
    from sddkit.projects.project import load_projects

    return any(p.tasks is not None and p.tasks.get(ref) is not None for p in load_projects(ws))


def change_json(change: TaskChange, ws: Workspace, action: str) -> shape.Claim:
    """``sddkit.claim/1`` (docs/json.md)."""
    task = change.task
    stolen = change.stolen_from
    return {
        "schema": "sddkit.claim/1",
        "action": action,
        "project": change.project.name,
        "task": task.key,
        "text": task.text,
        "file": ws.rel(change.project.docs["tasks"].path),
        "line": task.line,
        "changed": change.changed,
        "message": change.message,
        "stolen_from": None if stolen is None else {"name": stolen.name, "at": stolen.at},
    }
