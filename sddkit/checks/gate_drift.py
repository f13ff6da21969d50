"""SDD-002 (gate order), SDD-003 (changed since approval), SDD-004 (stale approval).

SDD-002 has two forms. Without history: a phase document exists while the phase before
it is not approved (and was not reopened: a reopen keeps the later documents, which are
then stale, SDD-004). With git: a document whose adding commit is older than the
predecessor's ``approved_at`` and at which the predecessor was not approved was written
against an unapproved phase; it stays a finding until the document itself is approved
through the open gate. The history is read with one ``git log`` for the whole run, and
the predecessors' states at the suspect commits with one ``git cat-file --batch``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from sddkit.checks.rule_ids import ERROR
from sddkit.errors import SddkitError
from sddkit.findings import Finding
from sddkit.io import frontmatter
from sddkit.projects.blockers import stale_cause
from sddkit.projects.phases import PhaseDoc
from sddkit.projects.project import Project
from sddkit.workspace import PHASES, Workspace


def moment(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware datetime (UTC when it names no zone), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class _Suspect:
    """A document added before its predecessor's approval: skipped unless the predecessor
    was approved in the adding commit (it was approved again since)."""

    finding: Finding  # its message says "{then}" where the predecessor's state goes
    commit: str
    prev_path: Path


class History:
    """When each phase document was added to git. Read once per run, only when needed; the
    predecessors' states at the suspect commits are read in one batch by :meth:`findings`."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._added: dict[str, tuple[str, str]] | None = None
        self._top: Path | None = None
        self._prefix: str | None = None  # the root, relative to git's top folder, POSIX
        self._read = False
        self._head: str | None = None  # HEAD's commit ("" without one), once asked
        self._memo: Any = None
        self.suspects: list[_Suspect] = []

    def ask(self, query: Query) -> None:
        """Note the query's document as a suspect when git says it was added before its
        predecessor's approval (see :func:`_query`); :meth:`findings` judges the suspects."""
        prev_at = moment(query.prev_approved_at)
        if prev_at is None:  # pragma: no cover - _query checked it
            return
        added = self._added_at_head(query.rel)
        if added is None:
            return
        commit, date = added
        added_at = moment(date)
        if added_at is None or added_at >= prev_at:
            return
        message = (f"{query.phase}.md was added in commit {commit[:7]} ({date}) while "
                   f"{query.prev_phase} " + "{then}; " + f"{query.prev_phase} was approved only "
                   f"at {query.prev_approved_at}: a gate was skipped")
        hint = f"review it against the approved {query.prev_phase}, then {_steps(query.project)}"
        finding = Finding(query.rel, query.line, "SDD-002", ERROR, message, hint)
        self.suspects.append(_Suspect(finding, commit, self.ws.root / query.prev_rel))

    def _added_at_head(self, rel: str) -> tuple[str, str] | None:
        """:meth:`added` for ``rel`` (relative to the root), kept in the ``states`` cache with
        the HEAD it was read at and the history's shape (a shallow clone's boundary, say:
        :func:`sddkit.approvals.gate_history.where`): committed history at one HEAD never
        changes, so a warm run asks git only for HEAD, not for the whole log."""
        from sddkit.io import cache as _cache

        if self._head is None:
            from sddkit.io.git import head_commit

            from sddkit.approvals.gate_history import where

            self._head = head_commit(self.ws.root) or ""
            shape = where(self.ws)[1] if self._head else "?"
            self._memo = _cache.for_root(self.ws.root, "states") if shape != "?" else None
            self._head += f"\0{shape}" if shape else ""  # a shallow clone's: not the whole
        key = f"SDD-002-added/{self.ws.root}/{rel}"
        if self._memo is not None:
            hit = self._memo.get(key)
            if isinstance(hit, tuple) and len(hit) == 2 and hit[0] == self._head:
                return None if hit[1] is None else (str(hit[1][0]), str(hit[1][1]))
        found = self.added(self.ws.root / rel, rel)
        if self._memo is not None and self._added is not None:  # git answered
            self._memo.put(key, (self._head, found))
        return found

    def added(self, path: Path, rel: str | None = None) -> tuple[str, str] | None:
        """(commit, committer date) of the commit that added ``path`` (``rel``: the same path
        relative to the root, POSIX, when known); None when unknown."""
        if not self._read:
            from sddkit.io.git import added_names

            self._read = True
            found = added_names(self.ws.root, self.ws.assets)
            if found is not None:
                self._top, self._added = found
                try:
                    rel = self.ws.root.resolve().relative_to(self._top).as_posix()
                    self._prefix = "" if rel == "." else rel + "/"
                except ValueError:
                    self._prefix = None
        if self._added is None or self._top is None:
            return None
        if rel is not None and self._prefix is not None:
            hit = self._added.get(self._prefix + rel)
            if hit is not None:
                return hit
        text, root = str(path), str(self.ws.root)
        if self._prefix is not None and text.startswith(root + os.sep):
            # the path as git lists it, without resolving it (one syscall per folder)
            hit = self._added.get(self._prefix + text[len(root) + 1:].replace(os.sep, "/"))
            if hit is not None:
                return hit
        try:  # a folder on the way is a link, say: ask with the real path
            return self._added.get(path.resolve().relative_to(self._top).as_posix())
        except ValueError:
            return None

    def findings(self) -> list[Finding]:
        """The suspects whose predecessor was not approved at the commit that added them."""
        if not self.suspects:
            return []
        states = self._states()
        if states is None:  # git cannot tell: no finding rather than a guess
            return []
        found = []
        for suspect, state in zip(self.suspects, states, strict=True):
            if state in ("approved", "?"):
                continue  # approved at the time (and approved again since), or unknown
            then = "did not exist" if state is None else f"was {state}"
            finding = suspect.finding
            found.append(replace(finding, message=finding.message.replace("{then}", then)))
        return found

    def _states(self) -> list[str | None] | None:
        """The predecessor's status at each suspect's commit (see :func:`_status`). A file
        at a commit never changes, so each answer is kept (the small ``states`` cache, not the
        per-document ``check`` one a warm run does not read) under the commit and the path; git is asked (one ``cat-file --batch``) for the others only."""
        from sddkit.io import cache as _cache
        from sddkit.io.git import files_at

        # keyed by the root too: two roots in one repository share the cache
        cache = _cache.for_root(self.ws.root, "states")
        keys = [f"SDD-002-at/{s.commit}/{self.ws.root}/{self.ws.rel(s.prev_path)}"
                for s in self.suspects]
        states: list[Any] = [cache.get(k) if cache is not None else None for k in keys]
        missing = [i for i, state in enumerate(states) if state is None]
        if missing:
            texts = files_at(self.ws.root, [(self.suspects[i].commit, self.suspects[i].prev_path)
                                            for i in missing])
            if texts is None:
                return None
            for i, text in zip(missing, texts, strict=True):
                state = _status(text, self.suspects[i].prev_path)
                states[i] = _MISSING if state is None else state
                if cache is not None:
                    cache.put(keys[i], states[i])
        return [None if state == _MISSING else str(state) for state in states]


_MISSING = "\0missing"  # a cached "the file did not exist at that commit"


def _status(text: str | None, path: Path) -> str | None:
    """The ``status`` in ``text``'s front matter: None without a text, "?" when unreadable."""
    if text is None:
        return None
    try:
        meta = frontmatter.parse(text, path)
    except SddkitError:
        return "?"
    return str(meta.get("status", "?")) if meta else "?"


def _steps(name: str) -> str:
    return f"`sdd ready {name}`, then a person runs `sdd approve {name}`"


class Query(NamedTuple):
    """A question for git's history (SDD-002's history form): was ``rel`` (the document of
    ``phase``) added before its predecessor's approval at ``prev_approved_at``? Depends on
    the project's bytes alone, so ``sdd check`` keeps it with the project's findings."""

    project: str
    rel: str  # the document, relative to the root (POSIX)
    phase: str
    line: int  # its status line
    prev_rel: str
    prev_phase: str
    prev_approved_at: str


def _order(ws: Workspace, project: Project, queries: list[Query]
           ) -> tuple[list[Finding], set[str]]:
    """SDD-002 findings, and the phases SDD-004 leaves to them; the history questions to
    ask about the others go to ``queries``.

    Once a gate was skipped (an earlier phase unapproved, not reopened), the phases from
    there on are stale for that reason only: SDD-002 says it once, SDD-004 stays quiet.
    """
    found = []
    phases: set[str] = set()
    for position, phase in enumerate(PHASES[1:], start=1):
        doc = project.docs.get(phase)
        prev = project.docs.get(PHASES[position - 1])
        if doc is None or prev is None:
            continue
        if not prev.approved:
            if prev.meta.get("reopened_at"):
                continue  # reopened: the later documents are stale (SDD-004), not skipped
            if _imported_together(prev, doc):
                continue  # `sdd adopt` copied them together; `approve --all-imported` waits
            found.append(Finding(
                ws.rel(doc.path), doc.line_of("status"), "SDD-002", ERROR,
                f"{phase}.md exists but {prev.phase} is {prev.status}, not approved: "
                "a gate was skipped",
                f"have {prev.phase} approved first ({_steps(project.name)}), or remove "
                f"{phase}.md",
            ))
            phases.update(PHASES[position:])
            continue
        query = _query(ws, project, prev, doc)
        if query is not None:
            queries.append(query)
    return found, phases


def _imported_together(prev: PhaseDoc, doc: PhaseDoc) -> bool:
    """Both documents came from ``sdd adopt`` and wait in review for one-pass approval."""
    return (prev.status == "review" and doc.status == "review"
            and bool(prev.meta.get("imported_from")) and bool(doc.meta.get("imported_from")))


def _query(ws: Workspace, project: Project, prev: PhaseDoc, doc: PhaseDoc) -> Query | None:
    """The history question about ``doc``, unless its own approval settles it: approved
    after ``prev``, through the open gate (no need to ask git)."""
    prev_at = moment(prev.meta.get("approved_at"))
    if prev_at is None:
        return None
    own = moment(doc.meta.get("approved_at"))
    if doc.approved and own is not None and own >= prev_at:
        return None
    return Query(project.name, ws.rel(doc.path), doc.phase, doc.line_of("status"),
                 ws.rel(prev.path), prev.phase, str(prev.meta.get("approved_at")))


def _drift(ws: Workspace, project: Project, skipped: set[str]) -> list[Finding]:
    found = []
    for phase in PHASES:
        doc = project.docs.get(phase)
        if doc is None:
            continue
        if doc.changed:
            who = doc.meta.get("approved_by") or "someone"
            when = doc.meta.get("approved_at") or "an unknown time"
            found.append(Finding(
                ws.rel(doc.path), doc.line_of("approved_sha256"), "SDD-003", ERROR,
                f"{phase} changed since it was approved (by {who} at {when}); its gate is "
                "closed",
                f"if the change is meant: {_steps(project.name)}; otherwise revert it",
            ))
        if phase in skipped or not project.stale(phase):
            continue
        cause = stale_cause(project, phase)
        found.append(Finding(
            ws.rel(doc.path), doc.line_of("based_on"), "SDD-004", ERROR,
            f"{phase} is stale: {cause} since it was approved",
            f"review {phase} against it, then {_steps(project.name)}",
        ))
    return found


def check(ws: Workspace, project: Project) -> tuple[list[Finding], list[Query]]:
    """The gate findings that depend on the project's bytes alone, and the questions for
    git's history (:meth:`History.ask` each, then :meth:`History.findings` once)."""
    queries: list[Query] = []
    order, skipped = _order(ws, project, queries)
    return order + _drift(ws, project, skipped), queries
