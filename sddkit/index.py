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
from .names import natural_key
from .project import STATES, Project, project_loader, project_names
from .workspace import PHASES, Workspace

if TYPE_CHECKING:
    from ._fileio import Transaction
    from .tasks import TaskSummary


@dataclass(frozen=True)
class ProjectRow:
    name: str
    title: str
    state: str
    phase: str
    flags: tuple[str, ...]
    done: int
    total: int
    clean_phases: int
    implementing: bool
    priority: int
    blocked: str | None
    updated: str
    notes: str
    next_short: str  # the inventory's Next column
    next_kind: str  # what `sdd next` on this project alone gives: task|blocked|done|write|approve
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


def _short_next(project: Project) -> str:
    state = project.state
    if state == "blocked":
        return f"blocked: {project.blocked}"
    if state == "completed":
        return "-"
    if state == "implementing":
        summary = project.task_summary
        assert summary is not None
        if summary.next_key is None:
            return "all remaining tasks blocked"
        return f"{summary.next_key} {summary.next_text}"
    phase = project.current_phase
    doc = project.docs.get(phase)
    if doc is not None and doc.changed:
        return f"re-approve {phase} (changed since approval)"
    if project.stale(phase):
        return f"update and re-approve {phase} (stale)"
    if doc is not None and doc.status == "review":
        return f"approve {phase} (a person)"
    return f"write {phase}, then `sdd ready`"


def _next_kind(project: Project) -> str:
    if project.blocked:
        return "blocked"
    if project.implementing:
        summary = project.task_summary
        assert summary is not None
        if summary.all_done:
            return "done"
        return "task" if summary.next_key is not None else "blocked"
    doc = project.current_doc
    phase = project.current_phase
    if doc is not None and doc.status == "review" and not doc.changed and not project.stale(phase):
        return "approve"
    return "write"


_FIELDS = len(fields(ProjectRow))


def row_of(project: Project) -> ProjectRow:
    done, total = project.progress
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
        next_short=_short_next(project),
        next_kind=_next_kind(project),
        tasks=project.task_summary.to_tuple() if project.implementing and project.task_summary
        else None,
    )


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
            hit = cache.get(name, sig)
            if hit is not None and len(hit) == _FIELDS:  # another shape: compute it again
                values = list(hit)
                values[4] = tuple(values[4])
                out.append(ProjectRow(*values))
                continue
        found = row_of(loader.project(name))
        if sig is not None and cache is not None:
            cache.put(name, sig, astuple(found), _newest(sig))
        out.append(found)
    return out


def sort_key(row: ProjectRow) -> tuple[int, tuple[tuple[int, int | str], ...]]:
    """State order, then names in natural order (``story-1-2`` before ``story-1-10``)."""
    return (STATES.index(row.state), natural_key(row.name))
