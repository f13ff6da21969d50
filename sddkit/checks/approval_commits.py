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

from typing import NamedTuple

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
        return cls(ws.rel(doc.path), doc.project, doc.phase, None if at is None else str(at),
                   (doc.line_of("status"), doc.line_of("approved_by"),
                    doc.line_of("approved_at")))

    def line_of(self, key: str) -> int:
        return self.lines[("status", "approved_by", "approved_at").index(key)]


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


def check(ws: Workspace, approved: list[Approved]) -> list[Finding]:
    """SDD-017 findings for ``approved`` (see :func:`approved_docs`)."""
    if not approved:
        return []
    from sddkit.approvals import gate_history
    from sddkit.io.git import is_shallow

    changes = gate_history.read(ws)
    if changes is None:
        return []
    if is_shallow(ws.root):
        return [Finding(ws.rel(ws.assets), 0, RULE, WARNING,
                        "this clone's history is shallow: approvals cannot be traced to their "
                        "commits", "fetch the whole history (e.g. actions/checkout with "
                        "fetch-depth: 0)")]
    try:
        policy = load_policy(ws)
    except SddkitError as exc:
        return [Finding(ws.rel(exc.path or ws.sdd_context), exc.line or 0, RULE, ERROR,
                        exc.message)]
    by_path: dict[str, list[Change]] = {}
    for change in changes:
        by_path.setdefault(change.path, []).append(change)
    verified: dict[str, tuple[bool, str]] = {}
    found: list[Finding] = []
    for doc in approved:
        changed = by_path.get(f"{doc.project}/{doc.phase}.md", [])
        found += _check_doc(ws, doc, changed, policy, verified)
    return found
