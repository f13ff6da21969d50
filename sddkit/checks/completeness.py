"""SDD-007 and SDD-008: documents in review or approved that are not complete."""

from __future__ import annotations

from sddkit.checks.document_facts import facts
from sddkit.checks.rule_ids import ERROR
from sddkit.findings import Finding
from sddkit.projects.phases import key_line
from sddkit.projects.project import Project
from sddkit.workspace import Workspace

_HINTS = {
    "SDD-007": "settle the question and check it ([x]) with the answer",
    "SDD-008": "fill it in; `sdd reopen {project} {phase} --reason WHY` first if the "
               "document must change",
}
def inherits(ws: Workspace, project: Project) -> tuple[str, int, str] | None:
    """(the context the constitution ``inherits``, its line, the constitution's path), or None."""
    doc = project.constitution
    parent = doc.meta.get("inherits")
    if not isinstance(parent, str):
        return None
    return parent, key_line(doc.text, "inherits"), ws.rel(doc.path)


def inheritance(inherited: tuple[str, int, str] | None, contexts: list[str]) -> list[Finding]:
    """SDD-010: a constitution that ``inherits`` a context that does not exist."""
    if inherited is None or inherited[0] in contexts:
        return []
    parent, line, rel = inherited
    return [Finding(rel, line, "SDD-010", ERROR, f"constitution inherits unknown context '{parent}'",
                    f"create it with `sdd ctx new {parent}` or fix the name")]


def check(ws: Workspace, project: Project) -> list[Finding]:
    """SDD-007 and SDD-008 (the project's bytes alone; SDD-010 is :func:`inheritance`)."""
    found = []
    for doc in project.docs.values():
        if doc.status not in ("review", "approved"):
            continue
        for problem in facts(ws, doc).problems:
            found.append(Finding(ws.rel(doc.path), problem.line, problem.rule, ERROR,
                                 f"{doc.phase} is {doc.status}: {problem.message}",
                                 _HINTS.get(problem.rule, "").format(
                                     project=project.name, phase=doc.phase)))
    return found
