"""Projects: the four phase documents of ``AGENTS.ctx/sdd/assets/<name>/`` and their derived state."""

from __future__ import annotations

import gc
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sddkit.errors import SddkitError, UnsafePath
from sddkit.io import cache as _cache
from sddkit.io import content_keys
from sddkit.io.reading import decode, inside_root, read_bytes
from sddkit.names import SLUG, check_slug, shown
from sddkit.projects.phases import PhaseDoc, load_doc
from sddkit.tasks import memo
from sddkit.workspace import PHASES, Workspace

if TYPE_CHECKING:
    from sddkit.io.fileio import Transaction
    from sddkit.tasks import TaskList, TaskSummary

#: Derived states, in the order the inventory lists them.
STATES = ("implementing", "awaiting-approval", "drafting", "blocked", "completed")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


#: Task lists derived from an edit of a parsed list (a ``done``), by the id of the edited text
#: object; the text is kept, so the id names that very string (see :func:`remember_tasks`).
_derived: dict[int, tuple[str, TaskList]] = {}


def remember_tasks(project: Project, text: str, tasks: TaskList) -> None:
    """``tasks`` is what parsing ``text`` gives, known without parsing it (a ``done`` ticked
    one box of a parsed list): loading that very string, or the same text read back from
    disk, again in this process (the inventory row of the project just changed, the
    report) uses it. (Nothing keeps a long list across processes: storing it cost a fifth
    of the first ``done`` in a 50,000-task list and loading it back a third of a parse.)"""
    _derived.clear()  # one at a time: the memory of a big list is not kept twice
    _derived[id(text)] = (text, tasks)
    doc = project.docs.get("tasks")
    if doc is not None:
        memo.keep(doc.path, text, tasks)


@dataclass
class Project:
    """One SDD project: its folder under ``sdd/assets/`` and its phase documents by phase."""

    name: str
    path: Path
    docs: dict[str, PhaseDoc] = field(default_factory=dict)
    root: Path | None = None  # the repository root (where the caches are), when known

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
    @cached_property
    def _gates(self) -> dict[str, tuple[bool, bool]]:
        """phase -> (stale, clean), computed once: the documents do not change once loaded."""
        out: dict[str, tuple[bool, bool]] = {}
        for position, phase in enumerate(PHASES):
            doc = self.docs.get(phase)
            stale = False
            if doc is not None and doc.approved:
                based = doc.based_on
                for earlier in PHASES[:position]:
                    prev = self.docs.get(earlier)
                    current = prev.approved_sha256 if prev is not None and prev.approved else None
                    if current is None or based.get(earlier) != current:
                        stale = True
                        break
            clean = doc is not None and doc.approved and not stale and not doc.changed
            out[phase] = (stale, clean)
        return out

    def stale(self, phase: str) -> bool:
        """Approved, but an earlier phase's approval is not the one it was based on."""
        return self._gates[phase][0]

    def clean(self, phase: str) -> bool:
        """Approved, unchanged since approval, and not stale: its gate is open."""
        return self._gates[phase][1]

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

    def phase_flags(self, phase: str) -> list[str]:
        """The blocker kinds shown beside ``phase``: ``changed-since-approval``, ``stale``."""
        from sddkit.projects.blockers import CHANGED, STALE

        doc = self.docs.get(phase)
        changed = [CHANGED] if doc is not None and doc.changed else []
        return changed + ([STALE] if self.stale(phase) else [])

    @property
    def flags(self) -> list[str]:
        """``KIND:PHASE`` for every phase flag (the JSON shape of ``sdd status``)."""
        return [f"{flag}:{phase}" for phase in PHASES for flag in self.phase_flags(phase)]

    @property
    def implementing(self) -> bool:
        return all(clean for _stale, clean in self._gates.values())  # (every phase's gate)

    @cached_property
    def tasks(self) -> TaskList | None:
        doc = self.docs.get("tasks")
        if doc is None:
            return None
        text = doc.text
        known = _derived.get(id(text))
        if known is not None and known[0] is text:
            return known[1]
        return memo.parsed_tasks(text, doc.path)

    @property
    def task_summary(self) -> TaskSummary | None:
        """Progress, next task and latest done date (from the cache when it has them)."""
        doc = self.docs.get("tasks")
        if doc is None:
            return None
        if doc.summary is None:
            assert self.tasks is not None
            doc.summary = memo.summary_of(self.tasks)
        summary: TaskSummary = doc.summary
        return summary

    @property
    def progress(self) -> tuple[int, int]:
        summary = self.task_summary
        return (summary.done, summary.total) if summary is not None else (0, 0)

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
        summary = self.task_summary
        if summary is not None and summary.last_done:
            dates.append(summary.last_done)
        return max(dates) if dates else ""


class _Loader:
    """Loads the documents of projects: staged in a transaction, from the parse cache (with a
    snapshot: many projects), or parsed from disk (one project: a write, ``sdd status P``)."""

    def __init__(self, ws: Workspace, tx: Transaction | None,
                 snapshot: content_keys.Snapshot | None = None) -> None:
        self.ws = ws
        self.tx = tx
        self.snapshot = snapshot
        #: Whether documents are looked up in the parse cache (by content key). A caller
        #: that loads only a few projects turns it off: loading the whole file costs more
        #: than parsing their documents (17 MB, 0.15 s, at 10,000 projects).
        self.parse_cache = True
        self._cache_looked_up: tuple[_cache.Cache | None] | None = None
        self.assets = str(ws.assets)
        if os.path.islink(self.assets):
            inside_root(ws.root, ws.assets)

    def _parse_cache(self) -> _cache.Cache | None:
        """The parse cache, looked up once per loader (not once per document: the lookup
        reads the environment)."""
        if self._cache_looked_up is None:
            self._cache_looked_up = (_cache.for_root(self.ws.root, "parse"),)
        return self._cache_looked_up[0]

    def doc(self, folder: str, name: str, phase: str, key: Any = None) -> PhaseDoc | None:
        """One phase document; ``key`` is its content key when the snapshot knows it."""
        file = f"{folder}{os.sep}{phase}.md"
        tx = self.tx
        if tx is not None and tx.is_pending(Path(file)):
            text = tx.read(Path(file))
            return None if text is None else load_doc(Path(file), text, name, phase)
        try:
            st = os.lstat(file)
            if stat.S_ISLNK(st.st_mode):
                inside_root(self.ws.root, Path(file))  # a link leaving the root is refused
                st = os.stat(file)
        except (FileNotFoundError, NotADirectoryError):
            return None
        cache = self._parse_cache() if key is not None and self.parse_cache else None
        entry = f"{name}/{phase}/{key}"
        if cache is not None:
            hit = cache.get(entry)
            if hit is not None:
                try:
                    meta, digest, summary = hit
                    doc = PhaseDoc(name, phase, file, None, dict(meta), str(digest), key=key,
                                   reader=tx.read if tx is not None else None)
                    if summary is not None:
                        from sddkit.tasks import TaskSummary

                        doc.summary = TaskSummary.from_tuple(summary)
                    return doc
                except (TypeError, ValueError):  # an entry of another shape: parse the file
                    pass
        if tx is not None:
            text = tx.read(Path(file))
            data = None if text is None else text.encode("utf-8")
        else:
            data = _read(file, st)
            text = decode(data, file)
        if text is None:  # pragma: no cover - raced with a deletion
            return None
        doc = load_doc(file, text, name, phase)
        if key is not None and data is not None and _cache.blob_id(data) == key:
            doc.key = key  # the bytes read are the ones the key names: safe to remember
        if cache is not None and doc.key is not None:
            summary_tuple = None
            if phase == "tasks":
                doc.summary = memo.summary_of(memo.parsed_tasks(text, file))
                summary_tuple = doc.summary.to_tuple()
            meta = {sys.intern(k): v for k, v in doc.meta.items()}  # smaller, faster cache
            cache.put(entry, (meta, doc.current_hash, summary_tuple))
        return doc

    def project(self, name: str) -> Project:
        """The project ``name`` with its documents (and its task list parsed, when it is not
        in the parse cache), read with Python's cyclic garbage collector paused, as
        :func:`sddkit.tasks.parse.parse_tasks` reads a list: loading makes thousands of
        objects, none of them garbage, and the collections on the way walk every project
        loaded before (a tenth of a cold listing at 10,000 projects). It runs again as
        soon as the load returns."""
        if not gc.isenabled():
            return self._project(name)
        gc.disable()
        try:
            return self._project(name)
        finally:
            gc.enable()

    def _project(self, name: str) -> Project:
        ws, tx = self.ws, self.tx
        check_slug(name, "project")
        path = ws.assets / name
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            st = None
        linked = st is not None and stat.S_ISLNK(st.st_mode)
        if linked:
            try:
                inside_root(ws.root, path)
            except UnsafePath:
                raise UnsafePath(
                    "project folder resolves outside the repository (a symlink?); refusing to "
                    "read it",
                    path,
                ) from None
            st = os.stat(path) if path.exists() else None
        pending = tx is not None and tx.is_pending(path / "constitution.md")
        if (st is None or not stat.S_ISDIR(st.st_mode)) and not pending:
            raise SddkitError(f"unknown project '{shown(name)}'; {known_listing(ws, name)}")
        project = Project(name, path, root=ws.root)
        missing: str | None = None
        folder = str(path)
        keys: tuple[Any, ...] = (None,) * len(PHASES)
        if self.snapshot is not None and st is not None and not linked:
            try:
                keys = self.snapshot.project_keys(name)
            except content_keys.Uncacheable:
                pass
        for position, phase in enumerate(PHASES):
            doc = self.doc(folder, name, phase, keys[position])
            if doc is None:
                missing = missing or phase
                continue
            if missing is not None:
                raise SddkitError(
                    f"{missing}.md is missing but {phase}.md exists (deleted by hand?); "
                    f"restore it, e.g. `git checkout -- {ws.rel(path / (missing + '.md'))}`",
                    path / f"{missing}.md",
                )
            project.docs[phase] = doc
        if "constitution" not in project.docs:
            raise SddkitError(
                f"project folder has no constitution.md; recreate it with `sdd new {path.name}` "
                "or restore it",
                path,
            )
        return project


def _read(file: str, st: os.stat_result) -> bytes:
    """The bytes of ``file`` (``st``: its stat, links followed), read without building a
    :class:`~pathlib.Path` (a cold listing reads 33,500 documents); anything but a regular
    file that reads is left to :func:`~sddkit.io.reading.read_bytes`, whose error it gives."""
    if stat.S_ISREG(st.st_mode):
        try:
            with open(file, "rb") as handle:  # noqa: PTH123 - a str path: see above
                return handle.read()
        except OSError:
            pass
    return read_bytes(Path(file))


def known_listing(ws: Workspace, name: str, limit: int = 8) -> str:
    """"known projects: a, b" — or the nearest few when there are many; for a project
    ``sdd archive`` moved, where it went."""
    moved = _archive_folder(ws, name)
    if moved is not None:
        return f"it was archived to {moved}/ (`sdd status --archived`)"
    known = [n for n in ws.project_names() if SLUG.fullmatch(n)]
    if not known:
        return "no projects yet (create one with `sdd new NAME`)"
    if len(known) <= limit:
        return f"known projects: {', '.join(known)}"
    import difflib

    near = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"nearest: {', '.join(near)}; " if near else ""
    return f"{hint}{len(known)} projects in all (`sdd status` lists them)"


def _archive_folder(ws: Workspace, name: str) -> str | None:
    """The latest ``sdd/archive/YYYY-MM-DD-NAME`` folder of ``name`` (the naming rule of
    :mod:`sddkit.projects.archive`), relative to the root; None when there is none."""
    if not SLUG.fullmatch(name):
        return None
    try:
        found = sorted(p.name for p in (ws.ctx / "sdd" / "archive").iterdir()
                       if re.fullmatch(r"\d{4}-\d{2}-\d{2}-" + re.escape(name), p.name))
    except OSError:
        return None
    return ws.rel(ws.ctx / "sdd" / "archive" / found[-1]) if found else None


def project_loader(ws: Workspace, tx: Transaction | None = None,
                   snapshot: content_keys.Snapshot | None = None) -> _Loader:
    """A loader for many projects (``loader.project(name)``), sharing its checks; with a
    snapshot (:func:`sddkit.io.content_keys.for_workspace`), through the parse cache."""
    return _Loader(ws, tx, snapshot)


def load_project(ws: Workspace, name: str, tx: Transaction | None = None) -> Project:
    """Read and validate one project. Unknown names list the known ones.

    With ``tx``, documents staged in the transaction are read as staged.
    """
    return _Loader(ws, tx).project(name)


def load_projects(ws: Workspace, tx: Transaction | None = None) -> list[Project]:
    """Every project that loads, sorted by name; with ``tx``, projects created earlier in
    the transaction are included.

    A project that cannot be read (or whose task list cannot) is left out and recorded in
    :mod:`sddkit.projects.fault_isolation` (reported after the command): a search across projects, as
    ``sdd done T001`` without ``--project`` makes, is never stopped by one broken project.
    """
    from sddkit.projects import fault_isolation

    _cache.new_run()
    loader = _Loader(ws, tx, content_keys.for_workspace(ws.root, ws.assets))

    def load(name: str) -> Project:
        check_folder(ws, name)
        project = loader.project(name)
        project.tasks  # noqa: B018 - parsed now, inside the isolation
        return project

    out = []
    for name in project_names(ws, set(ws.project_names()), tx, strict=False):
        found = fault_isolation.isolate("project", shown(name), ws.assets / name,
                               lambda name=name: load(name))
        if isinstance(found, Project):
            out.append(found)
        elif fault_isolation.only_temporary(ws.assets / name):
            fault_isolation.forget(found)  # a killed `sdd new`: nothing a person wrote is there
    return out


def project_names(ws: Workspace, on_disk: set[str], tx: Transaction | None = None,
                  strict: bool = True) -> list[str]:
    """``on_disk`` plus the projects staged in ``tx``, sorted; hidden folders (a tool's, as
    ``.obsidian``) are left out. A folder that is not a slug could never be addressed: an
    error, or with ``strict=False`` kept for the caller to report (:func:`check_folder`)."""
    names = {n for n in on_disk if not n.startswith(".")}
    if tx is not None:
        names |= {p.parent.name for p in tx.pending if p.parent.parent == ws.assets}
        # a project moved away in this transaction (``sdd archive``) is no longer listed
        names -= {p.parent.name for p in tx.removals
                  if p.parent.parent == ws.assets and p.name == "constitution.md"}
    if strict:
        for name in names:
            check_folder(ws, name)
    return sorted(names)


def check_folder(ws: Workspace, name: str) -> None:
    """Refuse a project folder whose name is not a slug (it could never be addressed)."""
    if not SLUG.fullmatch(name):
        raise SddkitError(
            "project folder name is not a valid slug; rename it (lowercase letters, digits, "
            "hyphens)",
            ws.assets / name,
        )
