"""What ``sdd check`` learns from one project's bytes, kept under the project's content keys.

Most of what ``sdd check`` finds in a project depends on the project's four documents
alone: SDD-002 without history, SDD-003, SDD-004, SDD-005, SDD-007, SDD-008, SDD-012
(the done marks; SDD-013 runs the tests, every run) and SDD-014 (a phase missing after an
approved one; the content keys say which documents exist).
The rules that also look elsewhere need a few facts from the documents: the history
questions (SDD-002, :class:`~sddkit.checks.gate_drift.Query`), the context the constitution
inherits (SDD-010), the spec's test references (SDD-009, SDD-013), the approved documents
(SDD-017), what the plan names (SDD-021) and which documents carry a suppression comment.
A :class:`Record` holds both; the rules that look elsewhere are judged on it every run,
against the files, the contexts and git as they are then.

Records live in the ``records`` cache (:mod:`sddkit.io.cache`; its file is named after the
code that computed them, :mod:`sddkit.io.code_stamp`, so a rule changed in sddkit never
reuses an old answer): one entry per project, a digest of its documents' content keys
(:mod:`sddkit.io.content_keys`: git's index for files git reports clean, a hash of the
bytes for the others) and the record as one ``marshal`` blob, its paths relative to the
project's folder. Any edit, whatever its size or timestamps, gives other keys, and the
project is loaded and checked again (the entry then holds the latest bytes' record). A
project whose folder is a link, or whose documents are not regular files, is always loaded.
Each record is also kept in the store every clone on this machine shares
(:mod:`sddkit.io.shared_rows`, under the code stamp and the same keys), so the first check
in a new clone or worktree finds it by content instead of checking every project again.
"""

from __future__ import annotations

import hashlib
import marshal
from dataclasses import dataclass
from sys import intern
from typing import Any

from sddkit.checks.approval_commits import Approved, approved_docs
from sddkit.checks.completeness import check as review_check
from sddkit.checks.completeness import inherits as inherited_context
from sddkit.checks.document_facts import facts
from sddkit.checks.evidence import check as evidence_check
from sddkit.checks.gate_drift import Query
from sddkit.checks.gate_drift import check as gate_check
from sddkit.checks.leftovers import missing_phase
from sddkit.checks.overlap import plan_targets
from sddkit.checks.references import SpecRefs, spec_refs
from sddkit.checks.task_list import check as tasks_check
from sddkit.findings import Finding
from sddkit.io import cache, content_keys, shared_rows
from sddkit.projects.project import Project
from sddkit.workspace import PHASES, Workspace


@dataclass(frozen=True)
class Record:
    """What checking one project's bytes gives (see the module doc)."""

    findings: tuple[Finding, ...]  # the rules that read the project's documents alone
    queries: tuple[Query, ...]  # SDD-002: questions for git's history
    inherits: tuple[str, int, str] | None  # SDD-010: (context, line, constitution path)
    spec: SpecRefs | None  # SDD-009: the spec's test references
    approved: tuple[Approved, ...]  # SDD-017
    plan: tuple[str, dict[str, int]] | None  # SDD-021: (plan path, what it names), if open
    ignore: tuple[str, ...]  # paths of the documents that carry a suppression comment


def compute(ws: Workspace, project: Project) -> Record:
    """The record of ``project`` (loaded). Raises SddkitError for a task list that cannot be
    read (nested too deeply, say), as the rules do."""
    ignore = tuple(ws.rel(doc.path) for doc in project.docs.values()
                   if facts(ws, doc).has_ignore)
    gate_findings, queries = gate_check(ws, project)
    found = [*gate_findings, *tasks_check(ws, project), *review_check(ws, project),
             *missing_phase(ws, project), *evidence_check(ws, project)]
    return Record(tuple(found), tuple(queries), inherited_context(ws, project),
                  spec_refs(ws, project),
                  tuple(approved_docs(ws, project)),
                  plan_targets(ws, project), ignore)


def _local(path: str, prefix: str) -> str:
    """``path`` (relative to the root) without the project folder's ``prefix``, or with a
    leading "/" when it lies elsewhere (a relative POSIX path never starts with one)."""
    return path[len(prefix):] if path.startswith(prefix) else "/" + path


def _full(path: str, prefix: str) -> str:
    return path[1:] if path.startswith("/") else prefix + path


def _to_value(record: Record, prefix: str) -> bytes | None:
    """``record`` as stored: one ``marshal`` blob, the project folder (``prefix``) left out of
    its paths (a warm check decodes one record at a time and keeps only what it needs). None
    when a path does not follow the layout (then the record is not kept)."""
    plan = record.plan
    spec = record.spec
    phases = {f"{prefix}{phase}.md": phase for phase in PHASES}
    try:
        value = (
            tuple((_local(f.path, prefix), f.line, f.rule, f.severity, f.message, f.hint)
                  for f in record.findings),
            tuple((phases[q.rel], q.line, phases[q.prev_rel], q.prev_approved_at)
                  for q in record.queries),
            None if record.inherits is None else (record.inherits[0], record.inherits[1],
                                                  phases[record.inherits[2]]),
            None if spec is None else (phases[spec.rel], spec.severity, spec.refs),
            tuple((phases[a.rel], a.approved_at, a.lines) for a in record.approved),
            None if plan is None else (phases[plan[0]], plan[1]),
            tuple(phases[rel] for rel in record.ignore),
        )
        return marshal.dumps(value)
    except (KeyError, ValueError):
        return None


def _from_value(blob: Any, name: str, prefix: str) -> Record | None:
    """The record of project ``name`` stored as ``blob``; None for a value of another shape."""
    try:
        found, queries, inherits, spec, approved, plan, ignore = marshal.loads(blob)
        rel = {phase: f"{prefix}{phase}.md" for phase in PHASES}
        return Record(
            tuple(Finding(_full(path, prefix), line, rule, intern(severity), message,
                          intern(hint))
                  for path, line, rule, severity, message, hint in found),
            tuple(Query(name, rel[phase], phase, line, rel[prev], prev, at)
                  for phase, line, prev, at in queries),
            None if inherits is None else (inherits[0], inherits[1], rel[inherits[2]]),
            None if spec is None else SpecRefs(rel[spec[0]], spec[1], spec[2]),
            tuple(Approved(rel[phase], name, phase, at, lines)
                  for phase, at, lines in approved),
            None if plan is None else (rel[plan[0]], plan[1]),
            tuple(rel[phase] for phase in ignore),
        )
    except (TypeError, ValueError, IndexError, KeyError, EOFError):
        return None


class Memo:
    """The records of one ``sdd check`` run: :meth:`get` before loading a project,
    :meth:`put` after checking one."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.snapshot = content_keys.for_workspace(ws.root, ws.assets)
        self.cache = cache.for_root(ws.root, "records") if self.snapshot is not None else None
        if self.cache is not None and not self.cache.path.exists():
            from sddkit.io.code_stamp import remove_others

            for kind in cache.STAMPED:  # new code: what the old code found is garbage
                remove_others(cache.location(ws.root, kind), kind)
        self._folders: dict[str, bool] | None = None
        self._assets = ws.rel(ws.assets)

    def _key(self, name: str) -> tuple[Any, ...] | None:
        """The project's content keys, when its record may be used (a real folder, regular
        files, a constitution), else None."""
        if self.snapshot is None or self.cache is None:
            return None
        if self._folders is None:
            try:
                self._folders = self.ws.project_folders()
            except Exception:  # noqa: BLE001 - the projects folder is unreadable: load them
                self._folders = {}
        if self._folders.get(name, True):  # a link, or not a folder: load it every time
            return None
        try:
            keys = self.snapshot.project_keys(name)
        except content_keys.Uncacheable:
            return None
        return keys if keys[0] is not None else None

    def _entry(self, name: str) -> str:
        return f"{self._assets}\0{name}"

    @staticmethod
    def _digest(keys: tuple[Any, ...]) -> bytes:
        """One value for the four content keys (a record is kept for the latest bytes only)."""
        return hashlib.blake2b("\0".join(k or "-" for k in keys).encode(),
                               digest_size=16).digest()

    def get(self, name: str) -> Record | None:
        """The record of ``name`` if its documents hold the bytes it was computed from."""
        value = self._kept(name)
        return None if value is None else _from_value(value[1], name, self._prefix(name))

    def known(self, name: str) -> bool:
        """Whether a record of ``name``'s current bytes is kept (:meth:`get` without
        decoding it)."""
        return self._kept(name) is not None

    def _kept(self, name: str) -> tuple[Any, Any] | None:
        """(digest, blob) kept for ``name``'s current bytes, here or by another clone (then
        kept here too); None."""
        keys = self._key(name)
        if keys is None:
            return None
        assert self.cache is not None
        entry, digest = self._entry(name), self._digest(keys)
        value = self.cache.get(entry)
        if not isinstance(value, tuple) or len(value) != 2 or value[0] != digest:
            value = shared_rows.get(entry, keys, table="records")  # another clone's
            if not isinstance(value, tuple) or len(value) != 2 or value[0] != digest:
                return None
            self.cache.put(entry, value)
        return value

    def put(self, project: Project, record: Record) -> None:
        """Keep ``record``, computed from ``project`` as loaded in this run: only when each
        document was read from the bytes its content key names."""
        keys = self._key(project.name)
        if keys is None:
            return
        for phase, key in zip(PHASES, keys, strict=True):
            doc = project.docs.get(phase)
            if (doc.key if doc is not None else None) != key:
                return  # a file changed while it was read: do not remember
        blob = _to_value(record, self._prefix(project.name))
        if blob is not None:
            assert self.cache is not None
            entry, value = self._entry(project.name), (self._digest(keys), blob)
            self.cache.put(entry, value)
            shared_rows.put(entry, keys, value, table="records")

    def release(self) -> None:
        """Done with the records for this run: save them and free their memory (tens of
        MiB at 10,000 projects) before the repository-wide rules run."""
        if self.cache is not None:
            self.cache.release()

    def _prefix(self, name: str) -> str:
        """The project folder, relative to the root, with a trailing "/"."""
        return f"{self._assets}/{name}/"
