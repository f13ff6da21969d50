"""SDD-017: each approval, as git recorded it, was made with ``sdd approve`` by an approver.

For every phase document whose status is ``approved``, the commit that introduced its
current approval is found in the gate history (:mod:`sddkit.approvals.gate_history`): the newest commit
that added its ``approved_at`` line with today's value (``sdd approve`` writes it with the
status, every time). Then:

- a newer commit that set ``status: approved`` again, or no such ``approved_at`` line at
  all, means the status was set by hand, not by ``sdd approve``;
- when CODEOWNERS or the sdd context name approvers (:mod:`sddkit.approvals.approvers`), the commit's
  author must be one of them;
- with ``signed_approvals: true``, the commit must carry a good signature
  (``git verify-commit``).

The model is SDD-002's history form (sddkit/checks/gate_drift.py): one ``git log`` for the whole
run, only when some document is approved. A shallow clone cannot tell: one warning says so
instead of findings that would blame the clone's first commit. Approvals not committed yet
are left to the next check (CI sees what is committed).
"""

from __future__ import annotations

from dataclasses import astuple
from typing import Any, NamedTuple

from sddkit.approvals.approvers import Identity, Policy, load_policy, owner_matches
from sddkit.approvals.gate_history import Change
from sddkit.checks.rule_ids import ERROR, WARNING
from sddkit.errors import SddkitError
from sddkit.findings import Finding
from sddkit.projects.phases import PhaseDoc
from sddkit.projects.project import Project
from sddkit.workspace import Workspace

RULE = "SDD-017"


class Approved(NamedTuple):
    """An approved document, as this rule needs it (its bytes alone decide every field)."""

    rel: str  # relative to the root, POSIX
    project: str
    phase: str
    approved_at: str | None
    lines: tuple[int, int, int]  # the lines of status, approved_by, approved_at

    @classmethod
    def of(cls, ws: Workspace, doc: PhaseDoc) -> Approved:
        at = doc.meta.get("approved_at")
        found = key_lines(doc.text, _LINE_KEYS)
        return cls(ws.rel(doc.path), doc.project, doc.phase, None if at is None else str(at),
                   (found["status"], found["approved_by"], found["approved_at"]))

    def line_of(self, key: str) -> int:
        return self.lines[("status", "approved_by", "approved_at").index(key)]


_LINE_KEYS = ("status", "approved_by", "approved_at")


def key_lines(text: str, keys: tuple[str, ...]) -> dict[str, int]:
    """:func:`sddkit.projects.phases.key_line` of each of ``keys`` (the 1-based line of the
    top-level key in the front matter, 2 when absent), in one pass over the front matter's
    lines instead of splitting the whole document once per key."""
    found: dict[str, int] = {}
    heads = {key: (f"{key}:", f"{key} :") for key in keys}
    start = text.find("\n") + 1  # key_line looks from the second line
    index = 2
    while 0 < start < len(text) and len(found) < len(keys):
        end = text.find("\n", start) + 1 or len(text)
        line = text[start:end]
        for key, (colon, spaced) in heads.items():
            if key not in found and line.startswith((colon, spaced)):
                found[key] = index
        if line.rstrip() in ("---", "..."):
            break
        start = end
        index += 1
    return {key: found.get(key, 2) for key in keys}


def _introducing(doc: Approved, changes: list[Change]) -> tuple[Change | None, Change | None]:
    """(the commit that added the current approved_at, a newer one that set the status)."""
    at = doc.approved_at
    wanted = at.strip() if at is not None else None
    status_commit = approval_commit = None
    for change in changes:  # newest first
        if status_commit is None and change.added_value("status") == "approved":
            status_commit = change
        if wanted is not None and change.added_value("approved_at") == wanted:
            approval_commit = change
            break
    if status_commit is approval_commit:
        status_commit = None
    return approval_commit, status_commit


def _finding(ws: Workspace, doc: Approved, key: str, message: str, hint: str) -> Finding:
    return Finding(doc.rel, doc.line_of(key), RULE, ERROR, message, hint)


def _check_doc(ws: Workspace, doc: Approved, changes: list[Change], policy: Policy,
               verified: dict[str, tuple[bool, str]]) -> list[Finding]:
    if not changes:
        return []  # never committed: nothing in history to check yet
    approval, by_hand = _introducing(doc, changes)
    if approval is None and doc.approved_at is not None:
        return []  # this approval is not committed yet: the next check sees it
    steps = f"`sdd reopen {doc.project} {doc.phase}`, then a person runs `sdd approve {doc.project}`"
    if approval is None or by_hand is not None:
        culprit = by_hand or next((c for c in changes if c.added_value("status") == "approved"),
                                  None)
        if culprit is None:
            return []  # approved before the history we can see (or not committed yet)
        return [_finding(ws, doc, "status",
                         f"{doc.phase} was set to approved by hand in commit {culprit.commit[:7]} "
                         f"({culprit.author} <{culprit.email}>, {culprit.date}): no `sdd approve` "
                         "recorded it", steps)]
    found = []
    owners, source = policy.approvers_for(doc.rel)
    author = Identity(approval.author, approval.email)
    if owners and not any(owner_matches(o, author) for o in owners):
        found.append(_finding(
            ws, doc, "approved_by",
            f"the approval of {doc.phase} was committed in {approval.commit[:7]} by {author}, "
            f"who is not an approver ({', '.join(owners)}; {source})",
            f"an approver reviews it: {steps}"))
    if policy.signed:
        from sddkit.io.git import verify_commit

        if approval.commit not in verified:
            verified[approval.commit] = verify_commit(ws.root, approval.commit)
        good, detail = verified[approval.commit]
        if not good:
            found.append(_finding(
                ws, doc, "approved_at",
                f"the approval of {doc.phase} (commit {approval.commit[:7]}) is not signed with a "
                f"trusted key: {detail}", f"signed approvals are required: {steps} with a "
                "signing key (git verify-commit must pass)"))
    return found


def approved_docs(ws: Workspace, project: Project) -> list[Approved]:
    """The project's approved documents, as :func:`check` needs them."""
    return [Approved.of(ws, doc) for doc in project.docs.values() if doc.approved]


class Approvals:
    """SDD-017 judged project by project (:meth:`judge`); :meth:`findings` adds what concerns
    the whole run (a shallow clone, a policy that cannot be read) once, when any approved
    document was given.

    A project's findings depend on its approved documents (what :class:`Approved` holds),
    the committed history at HEAD and the approval policy: they are kept (the ``approvals``
    cache, named after the code like every check cache) under a digest of the three, so a
    warm run with HEAD and the policy unchanged reads neither the gate history nor the
    commits. With ``signed_approvals`` nothing is kept (a signature's trust lives in the
    keyring, outside the repository)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._ready = False
        self._policy: Policy | None = None  # None: nothing to judge by
        self._run: bytes | None = None  # HEAD and the policy, when results may be kept
        self._memo: Any = None
        self._by_path: dict[str, list[Change]] | None = None
        self._verified: dict[str, tuple[bool, str]] = {}
        self._general: list[Finding] = []

    def _prepare(self) -> None:
        from sddkit.io import cache
        from sddkit.io.git import head_commit, is_shallow

        self._ready = True
        ws = self.ws
        head = head_commit(ws.root)
        if head is None:
            return  # no history: nothing to trace
        if is_shallow(ws.root):
            self._general.append(Finding(
                ws.rel(ws.assets), 0, RULE, WARNING,
                "this clone's history is shallow: approvals cannot be traced to their "
                "commits", "fetch the whole history (e.g. actions/checkout with "
                "fetch-depth: 0)"))
            return
        try:
            self._policy = load_policy(ws)
        except SddkitError as exc:
            self._general.append(Finding(ws.rel(exc.path or ws.sdd_context), exc.line or 0,
                                         RULE, ERROR, exc.message))
            return
        from sddkit.approvals.gate_history import where

        shape = where(ws)[1]  # replace refs or grafts: another history at this HEAD
        if not self._policy.signed and shape != "?":
            self._memo = cache.for_root(ws.root, "approvals")
            self._run = f"{head}\0{shape}\0{ws.rel(ws.assets)}\0{self._policy!r}".encode()

    def _history(self) -> dict[str, list[Change]] | None:
        """The gate-line changes by path (read once, on the first project not kept)."""
        if self._by_path is None:
            from sddkit.approvals import gate_history

            changes = gate_history.read(self.ws)
            if changes is None:
                return None
            by_path: dict[str, list[Change]] = {}
            for change in changes:
                by_path.setdefault(change.path, []).append(change)
            self._by_path = by_path
        return self._by_path

    def judge(self, approved: tuple[Approved, ...] | list[Approved]) -> list[Finding]:
        """SDD-017 findings for one project's ``approved`` documents (see
        :func:`approved_docs`)."""
        if not approved:
            return []
        if not self._ready:
            self._prepare()
        policy = self._policy
        if policy is None:
            return []
        key = entry = None
        if self._memo is not None and self._run is not None:
            import hashlib

            entry = f"{approved[0].rel.rsplit('/', 1)[0]}"
            key = hashlib.blake2b(self._run + repr(tuple(approved)).encode(),
                                  digest_size=16).digest()
            hit = self._memo.get(entry)
            if isinstance(hit, tuple) and len(hit) == 2 and hit[0] == key:
                try:
                    return [Finding(*f) for f in hit[1]]
                except TypeError:
                    pass
        by_path = self._history()
        if by_path is None:
            return []
        found: list[Finding] = []
        for doc in approved:
            changed = by_path.get(f"{doc.project}/{doc.phase}.md", [])
            found += _check_doc(self.ws, doc, changed, policy, self._verified)
        if entry is not None:
            self._memo.put(entry, (key, tuple(astuple(f) for f in found)))
        return found

    def findings(self) -> list[Finding]:
        """The finding about the whole run (shallow clone, unreadable policy), if any."""
        return self._general


def check(ws: Workspace, approved: list[Approved]) -> list[Finding]:
    """SDD-017 findings for ``approved`` (see :func:`approved_docs`)."""
    judge = Approvals(ws)
    by_project: dict[str, list[Approved]] = {}
    for doc in approved:
        by_project.setdefault(doc.project, []).append(doc)
    found = [f for docs in by_project.values() for f in judge.judge(docs)]
    return found + judge.findings()
