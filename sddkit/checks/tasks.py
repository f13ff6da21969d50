"""SDD-005: problems inside tasks.md (duplicate ids, unknown dependencies, cycles)."""

from __future__ import annotations

from ..findings import Finding
from ..project import Project
from ..workspace import Workspace
from .rules import ERROR

RULE = "SDD-005"
_HINTS = {
    "duplicate-id": "give every task its own id",
    "unknown-dependency": "name an existing task id in `depends:`, or remove it",
    "cycle": "break the cycle: one of these tasks must not depend on the other",
}


def check(ws: Workspace, project: Project) -> list[Finding]:
    doc = project.docs.get("tasks")
    summary = project.task_summary  # from the parse cache when the file has not changed
    if doc is None or summary is None or not summary.problems:
        return []
    tasks = project.tasks
    if tasks is None:  # pragma: no cover - a tasks document always parses
        return []
    return [
        Finding(ws.rel(doc.path), problem.line, RULE, ERROR, problem.message,
                _HINTS.get(problem.kind, ""))
        for problem in tasks.problems
    ]
