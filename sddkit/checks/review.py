"""SDD-007 and SDD-008: documents in review or approved that are not complete."""

from __future__ import annotations

from ..findings import Finding
from ..project import Project
from ..workspace import Workspace
from .facts import facts
from .rules import ERROR

_HINTS = {
    "SDD-007": "settle the question and check it ([x]) with the answer",
    "SDD-008": "fill it in; `sdd reopen` first if the document must change",
}
def check(ws: Workspace, project: Project) -> list[Finding]:
    found = []
    for doc in project.docs.values():
        if doc.status not in ("review", "approved"):
            continue
        for problem in facts(ws, doc).problems:
            found.append(Finding(ws.rel(doc.path), problem.line, problem.rule, ERROR,
                                 f"{doc.phase} is {doc.status}: {problem.message}",
                                 _HINTS.get(problem.rule, "")))
    return found
