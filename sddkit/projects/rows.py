"""One small row per project: everything the listing commands need, cached per project.

``sdd next``, ``sdd status``, ``sdd open sdd`` and the inventory read every project but
need only a dozen facts about each. A :class:`ProjectRow` holds those facts; it is kept
in the ``rows`` cache under the content keys of the project's four documents (see
:mod:`sddkit.io.content_keys`), so a repository of ten thousand projects is listed without
loading forty thousand documents. A row is computed from the full
:class:`~sddkit.projects.project.Project` whenever a document's bytes changed (and always for
documents staged in a transaction), and stored by field name.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any, NamedTuple

from sddkit.errors import SddkitError
from sddkit.io import cache, content_keys
from sddkit.names import natural_key, shown
from sddkit.projects import fault_isolation
from sddkit.projects.blockers import BLOCKED, IN_REVIEW, TASKS_HELD, Blocker, project_blocker
from sddkit.projects.fault_isolation import Broken
from sddkit.projects.project import STATES, Project, check_folder, project_loader, project_names
from sddkit.workspace import PHASES, Workspace

if TYPE_CHECKING:
    from sddkit.io.fileio import Transaction
    from sddkit.tasks import TaskSummary


class ProjectRow(NamedTuple):
    """One project as the listing commands see it, derived from the project model by
    :func:`row_of` and nothing else. ``blocker`` is what holds it back (None when it can
    move or is complete); the wording is rendered from it on every read, never stored.

    A named tuple (immutable, compared field by field, ``_replace`` for a changed copy):
    at 10,000 projects a listing makes 10,000 of them, and a tuple is made from the
    cached record in one step where a frozen dataclass sets each field in turn."""

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
        from sddkit.tasks import TaskSummary

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


FIELDS: tuple[str, ...] = ProjectRow._fields


_BLOCKER = FIELDS.index("blocker")


def to_record(row: ProjectRow) -> tuple[Any, ...]:
    """The row as the cache stores it: its values in :data:`FIELDS` order, the blocker as
    its plain tuple of strings (:data:`sddkit.io.cache.VERSION` changes with the fields)."""
    values = list(row)  # a plain tuple: marshal refuses tuple subclasses
    if row.blocker is not None:
        values[_BLOCKER] = tuple(row.blocker)
    return tuple(values)


def from_record(record: Any) -> ProjectRow | None:
    """A row restored from :func:`to_record`'s tuple; None for a record of another shape."""
    if not isinstance(record, tuple) or len(record) != len(FIELDS):
        return None
    try:
        row = ProjectRow._make(record)
        if row.blocker is not None:
            row = row._replace(blocker=Blocker._make(row.blocker))
        if not isinstance(row.flags, tuple) or not (row.tasks is None
                                                   or isinstance(row.tasks, tuple)):
            return None
        return row
    except (TypeError, ValueError):
        return None


def row_of(project: Project) -> ProjectRow:
    """The one way a row is made: from the project model."""
    done, total = project.progress
    blocker = project_blocker(project)
    summary = project.task_summary if project.implementing else None
    upcoming = summary.next if summary is not None and blocker is None else None
    claimed = f" (claimed by {upcoming.claimed_by})" if upcoming and upcoming.claimed_by else ""
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
        next_task=f"{upcoming.key} {upcoming.text}{claimed}" if upcoming is not None else None,
        tasks=summary.to_tuple() if summary is not None else None,
    )


def rows(ws: Workspace, tx: Transaction | None = None, *, same_run: bool = False
         ) -> list[ProjectRow]:
    """A row for every healthy project, sorted by name; the broken ones are left out and
    recorded in :mod:`sddkit.projects.fault_isolation` (see :func:`listing`)."""
    return listing(ws, tx, same_run=same_run)[0]


def listing(ws: Workspace, tx: Transaction | None = None, *, same_run: bool = False
            ) -> tuple[list[ProjectRow], list[Broken]]:
    """(a row for every project that loads, a :class:`~sddkit.projects.fault_isolation.Broken` for every one
    that cannot be read), each sorted by name.

    A broken project never stops the others (issue 14): its name, file, line and error are
    returned and recorded for the run. A folder holding nothing but sddkit's temporary files
    (a killed ``sdd new``) is not a project and is skipped; so are hidden folders.

    A project's row comes from the cache while its documents hold the same bytes
    (:mod:`sddkit.io.content_keys`); a project with documents staged in ``tx`` is computed from
    them, and its row recorded under the staged bytes for the next command. The files are
    looked at afresh, unless ``same_run`` (a caller that has just loaded every project in
    this run, as ``sdd check`` does).

    Python's cyclic garbage collector is paused meanwhile, as while a project loads
    (``project_loader(...).project``): a listing keeps what it makes,
    and each collection on the way walks every row, record and cache entry made before
    (a fifteenth of a cold listing at 10,000 projects, in the child's answer and the rows
    between loads). It runs again as soon as the listing returns.
    """
    if not gc.isenabled():
        return _listing(ws, tx, same_run)
    gc.disable()
    try:
        return _listing(ws, tx, same_run)
    finally:
        gc.enable()


def _listing(ws: Workspace, tx: Transaction | None, same_run: bool
             ) -> tuple[list[ProjectRow], list[Broken]]:
    if not same_run:
        cache.new_run()
    folders = ws.project_folders()
    names = project_names(ws, set(folders), tx, strict=False)
    pending: dict[str, dict[str, str | None]] = {}
    if tx is not None:
        for path in [*tx.pending, *tx.removals]:
            if path.parent.parent == ws.assets and path.suffix == ".md" \
                    and path.stem in PHASES:
                pending.setdefault(path.parent.name, {})[path.stem] = tx.read(path)
    snapshot = content_keys.for_workspace(ws.root, ws.assets)
    loader = project_loader(ws, tx, snapshot)
    out: list[ProjectRow] = []
    broken: list[Broken] = []
    trusted: dict[str, Any] = {}
    unread: list[str] = []
    if snapshot is not None:
        trusted = snapshot.trusted_rows(
            [n for n in names if n not in pending and folders.get(n) is False])
        loader.parse_cache = _worth_the_parse_cache(ws, len(names) - len(trusted))
    child: Any = None
    child_from: str | None = None
    if snapshot is not None and tx is None and loader.parse_cache:
        cold = [n for n in names if n not in trusted and folders.get(n) is False]
        if len(cold) >= TWO_CORES_FROM:
            child, child_from = _start_child(ws, loader, snapshot, cold, folders)
    try:
        for name in names:
            if name == child_from:
                keyed = child.join()  # its projects' rows are now in the rows cache
                child = None
                if keyed and snapshot is not None:
                    snapshot.adopt(keyed)
            if name in trusted:
                found = from_record(trusted[name])
                if found is not None:
                    out.append(found)
                    continue
            found = fault_isolation.isolate(
                "project", shown(name), ws.assets / name,
                lambda name=name: _row(ws, name, loader, snapshot, folders, pending))
            if not isinstance(found, Broken):
                out.append(found)
                continue
            unread.append(name)
            if name not in pending and fault_isolation.only_temporary(ws.assets / name):
                fault_isolation.forget(found)  # a killed `sdd new`: nothing a person wrote
            else:
                broken.append(found)
    finally:
        if child is not None:
            child.stop()
    if snapshot is not None:
        snapshot.listed(unread)  # every record is now of this index's bytes
    return out, broken


def written_rows(ws: Workspace, tx: Transaction) -> list[tuple[ProjectRow, bool]] | None:
    """(the row, whether the project existed before) of each project whose documents ``tx``
    writes, sorted by name, each recorded in the rows cache under the staged bytes; None
    when ``tx`` deletes a document or a changed project cannot be read (the caller lists
    every project then). Only those projects are read: the rest are not looked at."""
    if tx.removals:
        return None
    pending: dict[str, dict[str, str | None]] = {}
    for path in tx.pending:
        if path.parent.parent == ws.assets and path.suffix == ".md" and path.stem in PHASES:
            pending.setdefault(path.parent.name, {})[path.stem] = tx.read(path)
    snapshot = content_keys.for_workspace(ws.root, ws.assets)
    loader = project_loader(ws, tx)
    out: list[tuple[ProjectRow, bool]] = []
    for name in sorted(pending, key=natural_key):
        folder = ws.assets / name
        try:
            check_folder(ws, name)
            row = row_of(loader.project(name))
        except SddkitError:
            return None
        # listed (or counted) before this write: a linked folder too; a folder holding
        # nothing (made by hand, or left by a killed `sdd new`) is no project (:func:`listing`)
        existed = folder.is_dir() and not fault_isolation.only_temporary(folder)
        real = folder.is_dir() and not folder.is_symlink()
        if snapshot is not None and (real or not folder.exists()):
            snapshot.put_written_row(name, pending[name], to_record(row))
        out.append((row, existed))
    return out


#: Projects whose documents no cache knows from which a listing parses on two cores
#: (:mod:`sddkit.io.two_cores`): a fork costs a few milliseconds, a project about one.
TWO_CORES_FROM = 200


def _start_child(ws: Workspace, loader: Any, snapshot: content_keys.Snapshot,
                 cold: list[str], folders: dict[str, bool]) -> tuple[Any, str | None]:
    """A child working out the rows of the later part of the projects of ``cold`` (names of
    real folders, sorted) whose row is not kept for their keys, whose documents the parse
    cache lacks and whose rows the store this machine's clones share does not hold (when
    nothing is parsed here and that store holds no row: all of ``cold``, unkeyed), and the
    first name it does; (None, None) when not worth it or not possible.

    The child records each row as this process would (the rows cache; the shared store,
    which it writes itself) and hands the rows back with the keys it read its projects
    under (:meth:`~sddkit.io.content_keys.Snapshot.keyed`): this process then finds those
    rows as a warm run does. Its parse entries go to the parse cache's log undecoded, for
    the next command (a ``check``). A project the child cannot read is left out; this
    process reads it and reports what is wrong."""
    from sddkit.io import two_cores

    from sddkit.io import shared_rows

    parse = cache.for_root(ws.root, "parse")
    if parse is None or not two_cores.usable():
        return None, None
    snapshot.ask_git()  # once, for both processes
    if not parse.entries and not shared_rows.holds_any("rows"):
        todo = cold  # nothing parsed here, nothing shared on this machine: every one
    else:
        todo = []
        for name in cold:
            try:
                keys = snapshot.project_keys(name)
            except content_keys.Uncacheable:
                continue
            recorded = snapshot.record(name)
            if recorded is not None and recorded[0] == keys:
                continue  # its row is kept (``sdd check`` recorded it in this run, say)
            if any(key is not None and parse.get(f"{name}/{phase}/{key}") is None
                   for phase, key in zip(PHASES, keys)):
                todo.append(name)
        if len(todo) >= TWO_CORES_FROM:  # rows another clone on this machine made: no parse
            shared = shared_rows.held([(name, snapshot.project_keys(name)) for name in todo])
            todo = [name for name in todo if name not in shared]
    if len(todo) < TWO_CORES_FROM:
        return None, None
    share = todo[int(len(todo) * (1 - CHILD_SHARE)):]

    def work() -> list[tuple[Any, ...]]:
        for name in share:
            try:
                _row(ws, name, loader, snapshot, folders, {})
            except Exception:  # noqa: BLE001, S112 - the parent reads it and reports it
                continue
        return snapshot.keyed(share)  # the parent need not key them again

    # the parse entries are for the next command: this run reads the rows
    child = two_cores.start(work, ws.root, ("parse", "rows"), unread=("parse",))
    return (child, share[0]) if child is not None else (None, None)


#: The share of those projects the child works out: the two halves cost the same, and
#: this process also takes the child's answer in (measured at 10,000 projects).
CHILD_SHARE = 0.5


#: Bytes of parse cache that cost about as much to load as one project's four documents
#: take to parse (measured: marshal loads ~9 ns a byte; a document parses in ~1 ms).
_PARSE_CACHE_BYTES_PER_PROJECT = 450_000


def _worth_the_parse_cache(ws: Workspace, to_load: int) -> bool:
    """Whether loading the parse cache file and its log costs less than parsing the
    documents of the ``to_load`` projects whose rows are not known (a write or an edit
    touches one; a checkout or a new clone, many). After a cold two-core run half the
    entries are in the log, read with the file."""
    path = cache.location(ws.root, "parse")
    size = 0
    for part in (path, path.with_name(path.name + ".log")):
        try:
            size += part.stat().st_size
        except OSError:
            pass
    if not size:
        return True  # nothing to load: the cache is filled as documents are parsed
    return to_load * _PARSE_CACHE_BYTES_PER_PROJECT > size


def _row(ws: Workspace, name: str, loader: Any, snapshot: content_keys.Snapshot | None,
         folders: dict[str, bool], pending: dict[str, dict[str, str | None]]) -> ProjectRow:
    """The row of one project, from the cache when its documents are unchanged."""
    check_folder(ws, name)
    cached = snapshot is not None and not folders.get(name, True)
    if cached and name not in pending:
        assert snapshot is not None
        try:
            found = from_record(snapshot.row(name))
        except content_keys.Uncacheable:
            found, cached = None, False
        if found is not None:
            return found
    project = loader.project(name)
    row = row_of(project)
    if cached and snapshot is not None:
        if name in pending:
            snapshot.put_staged_row(name, pending[name], to_record(row))
        elif _read_as_keyed(project, snapshot.keys.get(name)):
            snapshot.put_row(name, to_record(row))
    return row


def release(ws: Workspace) -> None:
    """Done with the rows for this run (``sdd check`` after SDD-006's listing): save them
    and free their memory (14 MiB at 10,000 projects) before the rules that follow. A
    later listing in the run reads the file again."""
    rows_cache = cache.for_root(ws.root, "rows")
    if rows_cache is not None:
        rows_cache.release()


def remember(ws: Workspace, project: Project) -> None:
    """Record the row of ``project``, loaded for another purpose through this run's
    snapshot (``sdd check`` loads every project), so that the listing later in the run
    (SDD-006's inventory) and the next command find it instead of loading the project
    again; as :func:`_row` would record it. Nothing is recorded without caching, for a
    linked folder, for documents not read as keyed, or for a project whose row cannot be
    worked out (the listing reports that)."""
    snapshot = content_keys.for_workspace(ws.root, ws.assets)
    if snapshot is None:
        return
    name = project.name
    keys = snapshot.keys.get(name)
    if keys is None or not _read_as_keyed(project, keys):
        return
    record = snapshot.record(name)
    if record is not None and record[0] == keys:
        return
    try:
        row = row_of(project)
    except SddkitError:
        return
    snapshot.put_row(name, to_record(row))


def _read_as_keyed(project: Project, keys: tuple[Any, ...] | None) -> bool:
    """Whether every document of ``project`` was read from the bytes its content key in
    ``keys`` names (and a document keyed as missing was missing): a file rewritten
    between the keying and the reading (by a person, or while a child works) gives a
    row of other bytes, which must not be recorded under these keys."""
    if keys is None:
        return False
    for phase, key in zip(PHASES, keys):
        doc = project.docs.get(phase)
        if (doc is None) != (key is None) or (doc is not None and doc.key != key):
            return False
    return True


def sort_key(row: ProjectRow) -> tuple[int, tuple[tuple[int, int | str], ...], str]:
    """State order, then names in natural order (``story-1-2`` before ``story-1-10``), then
    the names themselves (``p-001``, ``p-01``, ``p-1`` are equal by number): a total order,
    so a line placed alone (:mod:`.inventory_patch`) lands where a full sort puts it."""
    return (STATES.index(row.state), natural_key(row.name), row.name)
