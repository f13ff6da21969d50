"""Project and gate use cases: ``sdd new``, ``ready``, ``approve``, ``reopen``. The gate rules themselves
live in :mod:`sddkit.projects.transitions`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sddkit.operations.outcome import Outcome, Staged, lines, write
from sddkit.workspace import PHASES, Workspace


@dataclass(kw_only=True)
class ProjectCreated(Outcome):
    """``sdd new``: the project and its constitution's path."""

    project: str
    path: Path


@dataclass(kw_only=True)
class GateMoved(Outcome):
    """A gate transition: which project and phase, the new status, and the document."""

    project: str
    phase: str
    status: str
    path: Path | None = None


@dataclass(kw_only=True)
class Approved(GateMoved):
    """``sdd approve``: who, when, and the document scaffolded for the next phase."""

    by: str
    at: str
    forced: bool
    scaffolded: Path | None
    commit: str | None = None  # the approval commit's sha, with ``commit`` or a signed policy


def new_project(ws: Workspace, name: str, title: str | None = None, source: Path | None = None,
                dry_run: bool = False) -> ProjectCreated:
    """Scaffold ``AGENTS.ctx/sdd/assets/NAME/constitution.md`` (draft); ``source`` is kept
    verbatim as ``source.md``. Raises :class:`SddkitError` for a bad or taken name."""
    from sddkit.projects.transitions import new_project as stage

    path, staged = write(ws, dry_run, lambda tx: stage(ws, tx, name, title, source),
                         optimistic=True)
    text = [f"created {ws.rel(path)}"]
    if source is not None:
        text.append(f"kept {source} verbatim as {ws.rel(path.parent / 'source.md')}; its text "
                    "seeds the spec and plan drafts")
        from sddkit.projects.plan_import import markdown_of, plan_steps

        count = len(plan_steps(markdown_of(source.read_text(encoding="utf-8"))[1]))
        if count:
            text.append(f"{count} steps found: they seed tasks.md (with their checks and "
                        "dependencies) when the plan is approved")
    text.append(f"Next: write the constitution, then `sdd ready {name}`.")
    return ProjectCreated(text=lines(*text), project=name, path=path, **staged.outcome_fields())


def _repaired(ws: Workspace, name: str, path: Path, staged: Staged) -> GateMoved:
    """``ready``/``approve`` recreated the current phase's missing document instead (an
    interrupted write or a deleted file; ``sdd check`` reports the state as SDD-014)."""
    text = lines(f"created {ws.rel(path)} (draft): it was missing (an interrupted write or a "
                 f"deleted file); write it, then `sdd ready {name}`.")
    return GateMoved(text=text, project=name, phase=path.stem, status="draft", path=path,
                     **staged.outcome_fields())


def ready(ws: Workspace, name: str, dry_run: bool = False) -> GateMoved:
    """The current draft -> review (refused while it is incomplete: :class:`GateError`).
    A current phase whose document is missing is scaffolded as a draft instead."""
    from sddkit.projects.transitions import ready as stage
    from sddkit.projects.transitions import repair_missing_phase

    doc, staged = write(ws, dry_run, lambda tx: repair_missing_phase(ws, tx, name)
                        or stage(ws, tx, name), optimistic=True)
    if isinstance(doc, Path):
        return _repaired(ws, name, doc, staged)
    text = lines(f"{doc.phase} of {name} is in review; a person approves it with "
                 f"`sdd approve {name}`.")
    return GateMoved(text=text, project=name, phase=doc.phase, status="review", path=doc.path,
                     **staged.outcome_fields())


def approve(ws: Workspace, name: str, by: str | None = None, force: bool = False,
            dry_run: bool = False, commit: bool = False) -> Approved | GateMoved:
    """The phase in review -> approved (a person's act: the front end asks who is there,
    :func:`sddkit.approvals.person.require_person`); scaffolds the next phase. With ``commit``, or
    when the sdd context sets ``signed_approvals: true`` (then signed), the files written
    are committed; if that fails they are put back and :class:`SddkitError` is raised."""
    from sddkit.projects.transitions import approve as stage
    from sddkit.projects.transitions import repair_missing_phase

    # The next draft renders outside the lock (a slow template never keeps a writer waiting).
    result, staged = write(ws, dry_run, lambda tx: repair_missing_phase(ws, tx, name)
                           or stage(ws, tx, name, by, force), optimistic=True)
    if isinstance(result, Path):
        return _repaired(ws, name, result, staged)
    phase = result.doc.phase
    forced = " (forced)" if result.forced else ""
    text = [f"approved {phase} of {name} by {result.by} at {result.at}{forced}"]
    sha = None
    if (result.signed or commit) and not dry_run:
        sha = _commit_approval(ws, staged, result)
        text.append(f"committed {'signed ' if result.signed else ''}approval {sha[:7]}")
    if result.scaffolded is not None:
        text.append(f"created {ws.rel(result.scaffolded)} (draft): the next phase")
    elif phase == "tasks":
        text.append(f"Implementation can start: `sdd next {name}`.")
    return Approved(text=lines(*text), project=name, phase=phase, status="approved",
                    by=result.by, at=result.at, forced=result.forced,
                    scaffolded=result.scaffolded, commit=sha, **staged.outcome_fields())


def _commit_approval(ws: Workspace, staged: Staged, result: Any) -> str:
    """Commit what the approval wrote (signed when the policy asks); on failure put every
    file back as it was, so a refused signature leaves no unsigned approval behind."""
    from sddkit.errors import SddkitError
    from sddkit.io.fileio import transaction
    from sddkit.io.git import commit_files

    doc = result.doc
    message = (f"sdd approve {doc.project}: {doc.phase} approved by {result.by}"
               f"\n\nSddkit-Approval: {doc.project}/{doc.phase}\n")
    try:
        return commit_files(ws.root, [ws.root / path for path in staged.files], message,
                            sign=result.signed)
    except SddkitError as exc:
        with transaction(ws.root) as undo:
            for path, old in staged.originals.items():
                if old is None:
                    undo.delete(ws.root / path)
                else:
                    undo.write(ws.root / path, old)
        raise SddkitError(f"{exc.message}; the approval was not recorded", exc.path) from None


def approve_imported(ws: Workspace, name: str, by: str | None = None,
                     dry_run: bool = False) -> Outcome:
    """Approve, in order, every phase of ``name`` that ``sdd adopt`` imported (recorded as
    an import; see :func:`sddkit.repository.adopt.approve_imported`)."""
    from sddkit.repository.adopt import approve_imported as stage

    phases, staged = write(ws, dry_run, lambda tx: stage(ws, tx, name, by), optimistic=True)
    return Outcome(text=lines(f"approved {', '.join(phases)} of {name} (imported)"),
                   **staged.outcome_fields())


def reopen(ws: Workspace, name: str, phase: str, reason: str,
           dry_run: bool = False) -> GateMoved:
    """A phase in review or approved -> draft; the later phases become stale."""
    from sddkit.projects.transitions import reopen as stage

    _doc, staged = write(ws, dry_run, lambda tx: stage(ws, tx, name, phase, reason),
                         optimistic=True)
    later = PHASES[PHASES.index(phase) + 1 :]
    stale = f"; {', '.join(later)} must be approved again" if later else ""
    return GateMoved(text=lines(f"{phase} of {name} is draft again{stale}."), project=name,
                     phase=phase, status="draft", **staged.outcome_fields())
