"""SDD-005: the task list. Errors: duplicate ids, unknown dependencies, cycles. Warnings:
lines a person reads as tasks that sddkit cannot read as tasks, unknown checkbox markers,
dependencies written without an id, copies, parents ticked over open subtasks, open
tasks without a ``verify:`` line (the template and the agents' pointer files promise a
check per task), and open tasks whose ``verify:`` command nothing will run (in backticks,
or ``$`` alone).

The findings depend only on the task list's bytes (and this code), so they are kept in the
check cache under the document's content key, in the file of this code's stamp
(:data:`sddkit.io.cache.STAMPED`): a warm ``sdd check`` parses no task list that did not
change."""

from __future__ import annotations

from sddkit.checks.rule_ids import ERROR, WARNING
from sddkit.io import cache as _cache
from sddkit.findings import Finding
from sddkit.projects.project import Project
from sddkit.tasks.model import CHECK_PREFIX
from sddkit.workspace import Workspace

RULE = "SDD-005"
_HINTS = {
    "duplicate-id": "give every task its own id",
    "unknown-dependency": "name an existing task id in `depends:`, or remove it",
    "cycle": "break the cycle: one of these tasks must not depend on the other",
    "no-verify": "add a child line `- verify: how to check it` under the task",
    "backticked": "write it as `verify: $ CMD`, without the backticks, for `sdd done` to "
                  "run it",
    "empty": "write the command after `$ `, or say in words how to check the task",
}


def _unrunnable(line: str) -> str | None:
    """What is wrong with a ``verify:`` line meant as a command that nothing will run:
    "backticked" (`` `$ CMD` ``, read as prose) or "empty" (``$`` alone); None otherwise."""
    if line.startswith("`$") and line.rstrip().endswith("`"):
        return "backticked"
    if line == "$" or (line.startswith(CHECK_PREFIX) and not line[2:].strip()):
        return "empty"
    return None


def check(ws: Workspace, project: Project) -> list[Finding]:
    """SDD-005 findings of the project's task list (none without one); from the check cache
    when these very bytes were checked by this code before."""
    doc = project.docs.get("tasks")
    if doc is None:
        return []
    rel = ws.rel(doc.path)
    cache = _cache.for_root(ws.root, "check") if doc.key is not None else None
    key = f"{RULE}/{doc.key}"
    if cache is not None:
        hit = cache.get(key)
        if isinstance(hit, list):
            try:
                return [Finding(rel, int(line), RULE, str(severity), str(message), str(hint))
                        for line, severity, message, hint in hit]
            except (TypeError, ValueError):
                pass
    found = _compute(project, rel)
    if cache is not None and doc.key is not None:  # None: the bytes read were others
        cache.put(key, [(f.line, f.severity, f.message, f.hint) for f in found])
    return found


def _compute(project: Project, rel: str) -> list[Finding]:
    tasks = project.tasks
    if tasks is None:
        return []
    found = [
        Finding(rel, problem.line, RULE, ERROR if problem.severity == "error" else WARNING,
                problem.message, _HINTS.get(problem.kind, ""))
        for problem in tasks.problems
    ]
    unchecked = [t for t in tasks.counted() if not t.verify and not tasks.is_closed(t)]
    if unchecked and not any(t.verify for t in tasks.tasks):
        first = unchecked[0]
        found.append(Finding(rel, first.line, RULE, WARNING,
                             f"no task has a `verify:` line ({len(unchecked)} open tasks): "
                             "nothing says how to check them", _HINTS["no-verify"]))
    else:
        found += [
            Finding(rel, task.line, RULE, WARNING, f"{task.key} has no `verify:` line",
                    _HINTS["no-verify"])
            for task in unchecked
        ]
    for task in tasks.tasks:  # a command meant to run that nothing runs: say so
        if tasks.is_closed(task):
            continue
        for line in task.verify:
            kind = _unrunnable(line)
            if kind == "backticked":
                found.append(Finding(rel, task.line, RULE, WARNING,
                                     f"{task.key}'s `verify:` holds a command in backticks "
                                     f"({line}), read as prose: nothing runs it",
                                     _HINTS[kind]))
            elif kind == "empty":
                found.append(Finding(rel, task.line, RULE, WARNING,
                                     f"{task.key}'s `verify: $` names no command: nothing "
                                     "runs", _HINTS[kind]))
    return found
