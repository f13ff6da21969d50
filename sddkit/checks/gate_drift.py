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
from typing import Any

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
        self.suspects: list[_Suspect] = []

    def added(self, path: Path) -> tuple[str, str] | None:
        """(commit, committer date) of the commit that added ``path``; None when unknown."""
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
        from sddkit.io.git import files_at

        texts = files_at(self.ws.root, [(s.commit, s.prev_path) for s in self.suspects])
        if texts is None:  # git cannot tell: no finding rather than a guess
            return []
        found = []
        for suspect, text in zip(self.suspects, texts, strict=True):
            state = _status(text, suspect.prev_path)
            if state in ("approved", "?"):
                continue  # approved at the time (and approved again since), or unknown
            then = "did not exist" if state is None else f"was {state}"
            finding = suspect.finding
            found.append(replace(finding, message=finding.message.replace("{then}", then)))
        return found


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


def _order(ws: Workspace, project: Project, history: History | None
           ) -> tuple[list[Finding], set[str]]:
    """SDD-002 findings, and the phases SDD-004 leaves to them.

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
        if history is not None:
            _suspect(ws, history, project, prev, doc)
    return found, phases


def _imported_together(prev: PhaseDoc, doc: PhaseDoc) -> bool:
    """Both documents came from ``sdd adopt`` and wait in review for one-pass approval."""
    return (prev.status == "review" and doc.status == "review"
            and bool(prev.meta.get("imported_from")) and bool(doc.meta.get("imported_from")))


def _suspect(ws: Workspace, history: History, project: Project, prev: PhaseDoc,
             doc: PhaseDoc) -> None:
    """Note ``doc`` when git says it was added before ``prev`` was approved."""
    prev_at = moment(prev.meta.get("approved_at"))
    if prev_at is None:
        return
    own = moment(doc.meta.get("approved_at"))
    if doc.approved and own is not None and own >= prev_at:
        return  # approved since, through the open gate (no need to ask git)
    added = history.added(doc.path)
    if added is None:
        return
    commit, date = added
    added_at = moment(date)
    if added_at is None or added_at >= prev_at:
        return
    message = (f"{doc.phase}.md was added in commit {commit[:7]} ({date}) while {prev.phase} "
               "{then}; " + f"{prev.phase} was approved only at {prev.meta.get('approved_at')}: "
               "a gate was skipped")
    hint = f"review it against the approved {prev.phase}, then {_steps(project.name)}"
    finding = Finding(ws.rel(doc.path), doc.line_of("status"), "SDD-002", ERROR, message, hint)
    history.suspects.append(_Suspect(finding, commit, prev.path))


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


def check(ws: Workspace, project: Project, history: History | None) -> list[Finding]:
    order, skipped = _order(ws, project, history)
    return order + _drift(ws, project, skipped)
