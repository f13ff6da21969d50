"""SDD-007 and SDD-008: documents in review or approved that are not complete."""

from __future__ import annotations

from sddkit.checks.document_facts import facts
from sddkit.checks.rule_ids import ERROR
from sddkit.findings import Finding
from sddkit.projects.phases import key_line
from sddkit.projects.project import Project
from sddkit.repository.contexts import context_names
from sddkit.workspace import Workspace

_HINTS = {
    "SDD-007": "settle the question and check it ([x]) with the answer",
    "SDD-008": "fill it in; `sdd reopen` first if the document must change",
}
def _inheritance(ws: Workspace, project: Project) -> list[Finding]:
    """SDD-010: a constitution that ``inherits`` a context that does not exist."""
    doc = project.constitution
    parent = doc.meta.get("inherits")
    if not isinstance(parent, str) or parent in context_names(ws):
        return []
    return [Finding(ws.rel(doc.path), key_line(doc.text, "inherits"), "SDD-010", ERROR,
                    f"constitution inherits unknown context '{parent}'",
                    f"create it with `sdd ctx new {parent}` or fix the name")]


def check(ws: Workspace, project: Project) -> list[Finding]:
    found = _inheritance(ws, project)
    for doc in project.docs.values():
        if doc.status not in ("review", "approved"):
            continue
        for problem in facts(ws, doc).problems:
            found.append(Finding(ws.rel(doc.path), problem.line, problem.rule, ERROR,
                                 f"{doc.phase} is {doc.status}: {problem.message}",
                                 _HINTS.get(problem.rule, "")))
    return found
