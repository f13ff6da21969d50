"""One small row per project: everything the listing commands need, cached per project.

``sdd next``, ``sdd status``, ``sdd open sdd`` and the inventory read every project but
need only a dozen facts about each. A :class:`ProjectRow` holds those facts; it is kept
in the ``rows`` cache keyed by the stat signatures of the project's four documents, so a
repository of ten thousand projects is listed without loading forty thousand documents.
A row is computed from the full :class:`~sddkit.project.Project` whenever a document
changed (and always for documents staged in a transaction).
"""

from __future__ import annotations

import os
import stat
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _cache
from ._fileio import inside_root
from .blockers import BLOCKED, IN_REVIEW, TASKS_HELD, Blocker, project_blocker
from .project import STATES, Project, project_loader, project_names
from .workspace import PHASES, Workspace

if TYPE_CHECKING:
    from ._fileio import Transaction
    from .tasks import TaskSummary


@dataclass(frozen=True)
class ProjectRow:
    """One project as the listing commands see it, derived from the project model by
    :func:`row_of` and nothing else. ``blocker`` is what holds it back (None when it can
    move or is complete); the wording is rendered from it on every read, never stored."""

    name: str
    title: str
    state: str
    phase: str
    flags: tuple[str, ...]  # "changed-since-approval:spec", "stale:plan" (the JSON shape)
    done: int
    total: int
    clean_phases: int
    implementing: bool
    priority: int
    blocked: str | None
    updated: str
    notes: str
    blocker: Blocker | None
    next_task: str | None  # "T003 the task's text": the task `sdd next` gives, when one can start
    tasks: tuple[Any, ...] | None = None  # TaskSummary.to_tuple() when the tasks gate is open

    @property
    def task_summary(self) -> TaskSummary | None:
        if self.tasks is None:
            return None
        from .tasks import TaskSummary

        return TaskSummary.from_tuple(self.tasks)

    @property
    def progress_text(self) -> str:
        if self.implementing:
            return f"{self.done}/{self.total} tasks"
        return f"{self.clean_phases}/4 phases"

    @property
    def next_short(self) -> str:
        """The inventory's Next column (and ``sdd status``'s ``next``)."""
        if self.blocker is not None:
            return self.blocker.short()
        return self.next_task or "-"  # no task left: completed

    @property
    def next_kind(self) -> str:
        """What ``sdd next`` on this project alone gives: task|blocked|done|write|approve."""
        blocker = self.blocker
        if blocker is None:  # implementing: a task can start, or none is left
            return "task" if self.next_task is not None else "done"
        if blocker.kind in (BLOCKED, TASKS_HELD):
            return "blocked"
        return "approve" if blocker.kind == IN_REVIEW else "write"


_NAMES = tuple(f.name for f in fields(ProjectRow))


def row_of(project: Project) -> ProjectRow:
    """The one way a row is made: from the project model."""
    done, total = project.progress
    blocker = project_blocker(project)
    summary = project.task_summary if project.implementing else None
    upcoming = summary.next if summary is not None and blocker is None else None
    return ProjectRow(
        name=project.name,
        title=project.title,
        state=project.state,
        phase=project.current_phase,
        flags=tuple(project.flags),
        done=done,
        total=total,
        clean_phases=sum(1 for p in PHASES if project.clean(p)),
        implementing=project.implementing,
        priority=project.priority,
        blocked=project.blocked,
        updated=project.updated,
        notes=project.notes,
        blocker=blocker,
        next_task=f"{upcoming.key} {upcoming.text}" if upcoming is not None else None,
        tasks=summary.to_tuple() if summary is not None else None,
    )


_FLAGS, _BLOCKER = _NAMES.index("flags"), _NAMES.index("blocker")


def _to_cache(row: ProjectRow) -> tuple[Any, ...]:
    """The row as plain values in field order (the blocker as a plain tuple)."""
    values = list(astuple(row))
    if row.blocker is not None:
        values[_BLOCKER] = tuple(row.blocker)
    return tuple(values)


def _from_cache(hit: Any) -> ProjectRow | None:
    """A cached row; None for an entry of another shape (compute it again)."""
    if not isinstance(hit, (tuple, list)) or len(hit) != len(_NAMES):
        return None
    values = list(hit)
    try:
        values[_FLAGS] = tuple(values[_FLAGS])
        held = values[_BLOCKER]
        if held is not None:
            values[_BLOCKER] = Blocker._make(held)
        return ProjectRow(*values)
    except (TypeError, ValueError):
        return None


def _signature(ws: Workspace, folder: str) -> tuple[tuple[int, int, int, int] | None, ...] | None:
    """The four documents' stat signatures (None for a missing one); None to skip the cache."""
    sigs: list[tuple[int, int, int, int] | None] = []
    for phase in PHASES:
        file = f"{folder}{os.sep}{phase}.md"
        try:
            st = os.lstat(file)
            if stat.S_ISLNK(st.st_mode):
                inside_root(ws.root, Path(file))
                st = os.stat(file)
        except (FileNotFoundError, NotADirectoryError):
            sigs.append(None)
            continue
        if not stat.S_ISREG(st.st_mode):
            return None  # a folder where a document should be: let the loader say so
        sigs.append(_cache.signature(st))
    return tuple(sigs)


def _newest(sig: tuple[tuple[int, int, int, int] | None, ...]) -> int:
    return max((s[1] for s in sig if s is not None), default=0)


def rows(ws: Workspace, tx: Transaction | None = None) -> list[ProjectRow]:
    """A row for every project, sorted by name. Bad folders and documents are errors."""
    folders = ws.project_folders()
    names = project_names(ws, set(folders), tx)
    pending: set[str] = set()
    if tx is not None:
        pending = {p.parent.name for p in tx.pending if p.parent.parent == ws.assets}
    cache = _cache.for_root(ws.root, "rows")
    loader = project_loader(ws, tx)
    assets = str(ws.assets)
    out: list[ProjectRow] = []
    for name in names:
        sig = None
        if cache is not None and name not in pending and not folders.get(name, True):
            sig = _signature(ws, f"{assets}{os.sep}{name}")
        if sig is not None and cache is not None:
            restored = _from_cache(cache.get(name, sig))
            if restored is not None:
                out.append(restored)
                continue
        found = row_of(loader.project(name))
        if sig is not None and cache is not None:
            cache.put(name, sig, _to_cache(found), _newest(sig))
        out.append(found)
    return out


def sort_key(row: ProjectRow) -> tuple[int, str]:
    return (STATES.index(row.state), row.name)
