"""SDD-005: the task list. Errors: duplicate ids, unknown dependencies, cycles. Warnings:
lines a person reads as tasks that sddkit cannot read as tasks, unknown checkbox markers,
dependencies written without an id, copies, parents ticked over open subtasks, open
tasks without a ``verify:`` line (the template and the agents' pointer files promise a
check per task), and open tasks whose ``verify:`` command will not run as written: in
backticks (prose to sddkit), ``$`` alone, or a shell command substitution run as the
command (`` $ `make` ``, ``$ $(make)``: the shell runs it, then what it printed).
Those findings point at the ``verify:`` line itself.

The findings depend only on the task list's bytes (and this code), so they are kept in the
check cache under the document's content key, in the file of this code's stamp
(:data:`sddkit.io.cache.STAMPED`): a warm ``sdd check`` parses no task list that did not
change."""

from __future__ import annotations

import re

from sddkit.checks.rule_ids import ERROR, WARNING
from sddkit.findings import Finding
from sddkit.io import cache as _cache
from sddkit.projects.project import Project
from sddkit.tasks.lines import read_directive
from sddkit.tasks.model import CHECK_PREFIX, Task, TaskList
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
    "substituted": "write the command itself after `$ `, without backticks or `$( )` "
                   "around it: `verify: $ make test`",
}
#: ``$`` and the command in a code span (any number of backticks around it): prose
_BACKTICKED = re.compile(r"(`+)\s*\$.*\1|\$`.*`", re.DOTALL)
#: what may come before a child line's text: block quote markers, a list item's marker
_CHILD_LEAD = re.compile(r"[ \t>]*(?:(?:[-*+]|[0-9]{1,9}[.)])[ \t]+)?")


def _unrunnable(line: str) -> str | None:
    """What is wrong with a ``verify:`` line (its text after the colon) meant as a command
    that will not run as written: "backticked" (`` `$ CMD` ``, ````` ``$ CMD`` `````,
    `` $`CMD` ``: read as prose), "empty" (``$`` alone) or "substituted" (the command is
    a shell command substitution run as the command, `` $ `CMD` ``, ``$ $(CMD)``: POSIX
    Shell Command Language 2.6.3, the shell runs CMD, then its output as a command); None
    otherwise."""
    line = line.strip()
    if _BACKTICKED.fullmatch(line):
        return "backticked"
    if line == "$" or (line.startswith(CHECK_PREFIX) and not line[2:].strip()):
        return "empty"
    if line.startswith(CHECK_PREFIX) and _substituted(line[2:].strip()):
        return "substituted"
    return None


def _substituted(command: str) -> bool:
    """Whether the shell would run ``command``'s output as the command: it starts with a
    backquoted substitution (in Markdown, a code span: `` `make` ``, `` `make` && `test` ``)
    or is one ``$( )`` substitution whole (``$(make)``; ``$(which python) -m pytest`` is a
    real shell idiom and is not flagged)."""
    if command.startswith("`"):
        return True
    if not (command.startswith("$(") and command.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(command[1:], start=1):
        depth += (char == "(") - (char == ")")
        if depth == 0:
            return index == len(command) - 1
    return False


def _verify_line(lines: list[str], start: int, end: int, value: str,
                 taken: set[int]) -> int | None:
    """The 1-based number of the first line in ``lines[start:end]`` (0-based bounds) not in
    ``taken`` that is a ``verify:`` child line whose text is ``value``; None when none is."""
    for number in range(start, min(end, len(lines))):
        if number + 1 in taken:
            continue
        raw = lines[number]
        if "verify" not in raw.lower():
            continue
        lead = _CHILD_LEAD.match(raw)
        found = read_directive(raw[lead.end() if lead else 0:])
        if found is not None and found.name == "verify" and found.value == value:
            return number + 1
    return None


def _unrunnable_findings(tasks: TaskList, text: str | None, rel: str) -> list[Finding]:
    """A warning per open task's ``verify:`` line that will not run as written, at that
    line (at the task's line when it cannot be found in ``text``)."""
    bad: list[tuple[Task, str, str]] = [
        (task, line, kind) for task in tasks.tasks if not tasks.is_closed(task)
        for line in task.verify if (kind := _unrunnable(line)) is not None]
    if not bad:
        return []
    lines = text.split("\n") if text is not None else []
    ends: dict[int, int] = {}  # id(task) -> the 0-based line its subtree ends before
    open_tasks: list[Task] = []  # the task read last and the ones enclosing it
    for task in tasks.tasks:
        while open_tasks and open_tasks[-1].depth >= task.depth:
            ends[id(open_tasks.pop())] = task.line - 1
        open_tasks.append(task)
    ends.update((id(task), len(lines)) for task in open_tasks)
    taken: set[int] = set()
    located: dict[tuple[int, int], int] = {}
    # deepest and latest first: a subtask's own lines are its, before its parent looks
    for index, (task, line, _kind) in sorted(enumerate(bad), key=lambda e: -e[1][0].line):
        where = _verify_line(lines, task.line, ends[id(task)], line, taken)
        if where is not None:
            taken.add(where)
            located[(id(task), index)] = where
    found = []
    for index, (task, line, kind) in enumerate(bad):
        where = located.get((id(task), index), task.line)
        if kind == "backticked":
            message = (f"{task.key}'s `verify:` holds a command in backticks ({line}), read "
                       "as prose: nothing runs it")
        elif kind == "empty":
            message = f"{task.key}'s `verify: $` names no command: nothing runs"
        else:
            message = (f"{task.key}'s `verify:` command is a shell command substitution "
                       f"({line}): the shell would run it, then run what it prints as a "
                       "command")
        found.append(Finding(rel, where, RULE, WARNING, message, _HINTS[kind]))
    return found


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
    # a command meant to run that will not run as written: say so, at its line
    doc = project.docs.get("tasks")
    found += _unrunnable_findings(tasks, doc.text if doc is not None else None, rel)
    return found
