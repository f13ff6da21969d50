"""Projects: the four phase documents of ``AGENTS.ctx/sdd/assets/<name>/`` and their derived state."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._fileio import inside_root, read_text
from .errors import SddkitError, UnsafePath
from .names import SLUG, check_slug, shown
from .phases import PhaseDoc, load_doc, phase_index
from .workspace import PHASES, Workspace

if TYPE_CHECKING:
    from .tasks import TaskList

#: Derived states, in the order the inventory lists them.
STATES = ("implementing", "awaiting-approval", "drafting", "blocked", "completed")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass
class Project:
    name: str
    path: Path
    docs: dict[str, PhaseDoc] = field(default_factory=dict)

    # --- project-wide fields (constitution front matter) ----------------------------
    @property
    def constitution(self) -> PhaseDoc:
        return self.docs["constitution"]

    def _field(self, key: str) -> Any:
        return self.constitution.meta.get(key)

    @property
    def title(self) -> str:
        return str(self._field("title") or self.name)

    @property
    def notes(self) -> str:
        return str(self._field("notes") or "")

    @property
    def priority(self) -> int:
        value = self._field("priority")
        return value if isinstance(value, int) else 0

    @property
    def blocked(self) -> str | None:
        value = self._field("blocked")
        return str(value) if value else None

    # --- gates -----------------------------------------------------------------------
    def stale(self, phase: str) -> bool:
        """Approved, but an earlier phase's approval is not the one it was based on."""
        doc = self.docs.get(phase)
        if doc is None or not doc.approved:
            return False
        based = doc.based_on
        for earlier in PHASES[: phase_index(phase)]:
            prev = self.docs.get(earlier)
            current = prev.approved_sha256 if prev is not None and prev.approved else None
            if current is None or based.get(earlier) != current:
                return True
        return False

    def clean(self, phase: str) -> bool:
        """Approved, unchanged since approval, and not stale: its gate is open."""
        doc = self.docs.get(phase)
        return doc is not None and doc.approved and not doc.changed and not self.stale(phase)

    @property
    def current_phase(self) -> str:
        """The first phase whose gate is not open (``tasks`` once all four are)."""
        for phase in PHASES:
            if not self.clean(phase):
                return phase
        return "tasks"

    @property
    def current_doc(self) -> PhaseDoc | None:
        return self.docs.get(self.current_phase)

    @property
    def flags(self) -> list[str]:
        out = []
        for phase in PHASES:
            doc = self.docs.get(phase)
            if doc is not None and doc.changed:
                out.append(f"changed-since-approval:{phase}")
            if self.stale(phase):
                out.append(f"stale:{phase}")
        return out

    @property
    def implementing(self) -> bool:
        return all(self.clean(phase) for phase in PHASES)

    @cached_property
    def tasks(self) -> TaskList | None:
        doc = self.docs.get("tasks")
        if doc is None:
            return None
        from .tasks import parse_tasks

        return parse_tasks(doc.text, doc.path)

    @property
    def progress(self) -> tuple[int, int]:
        tasks = self.tasks
        return tasks.progress() if tasks is not None else (0, 0)

    @property
    def state(self) -> str:
        if self.blocked:
            return "blocked"
        if self.implementing:
            done, total = self.progress
            return "completed" if done == total else "implementing"
        doc = self.current_doc
        if doc is not None and doc.status == "review":
            return "awaiting-approval"
        return "drafting"

    @property
    def updated(self) -> str:
        """The latest date stored in the files: approvals, done marks, created."""
        dates = []
        created = self._field("created")
        if isinstance(created, str):
            dates += _DATE.findall(created)
        for doc in self.docs.values():
            value = doc.meta.get("approved_at")
            if isinstance(value, str):
                dates += _DATE.findall(value)
        tasks = self.tasks
        if tasks is not None:
            for task in tasks.tasks:
                if task.done_mark:
                    dates += _DATE.findall(task.done_mark)
        return max(dates) if dates else ""


Reader = Callable[[Path], "str | None"]


def _read_disk(path: Path) -> str | None:
    if not path.exists() and not path.is_symlink():
        return None
    return read_text(path)


def load_project(ws: Workspace, name: str, read: Reader | None = None) -> Project:
    """Read and validate one project. Unknown names list the known ones.

    ``read`` returns a file's text or None when it does not exist (a transaction's
    view of the files); by default the disk is read.
    """
    read = read or _read_disk
    check_slug(name, "project")
    path = ws.assets / name
    if not path.is_dir() and read(path / "constitution.md") is None:
        known = [n for n in ws.project_names() if SLUG.fullmatch(n)]
        listing = ", ".join(known) if known else "none yet (create one with `sdd new NAME`)"
        raise SddkitError(f"unknown project '{shown(name)}'; known projects: {listing}")
    try:
        inside_root(ws.root, path)
    except UnsafePath:
        raise UnsafePath(
            "project folder resolves outside the repository (a symlink?); refusing to read it",
            path,
        ) from None
    project = Project(name, path)
    missing: str | None = None
    for phase in PHASES:
        doc_path = path / f"{phase}.md"
        if doc_path.is_symlink() or doc_path.exists():
            inside_root(ws.root, doc_path)
        text = read(doc_path)
        if text is None:
            missing = missing or phase
            continue
        if missing is not None:
            raise SddkitError(
                f"{missing}.md is missing but {phase}.md exists (deleted by hand?); "
                f"restore it, e.g. `git checkout -- {ws.rel(path / (missing + '.md'))}`",
                path / f"{missing}.md",
            )
        project.docs[phase] = load_doc(doc_path, text, name, phase)
    if "constitution" not in project.docs:
        raise SddkitError(
            "project folder has no constitution.md; recreate it with `sdd new` or restore it",
            path,
        )
    return project


def load_projects(ws: Workspace, read: Reader | None = None, extra: set[str] | None = None
                  ) -> list[Project]:
    """Every project, sorted by name. A folder that is not a valid slug is an error.

    ``extra`` adds names not on disk yet (created earlier in the same transaction).
    """
    projects = []
    for name in sorted(set(ws.project_names()) | (extra or set())):
        if not SLUG.fullmatch(name):
            raise SddkitError(
                "project folder name is not a valid slug; rename it (lowercase letters, digits, "
                "hyphens)",
                ws.assets / name,
            )
        projects.append(load_project(ws, name, read))
    return projects
