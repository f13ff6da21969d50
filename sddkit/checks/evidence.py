"""SDD-012 and SDD-013: the evidence behind a done task and a spec's test references.

SDD-012 (read from the files, nothing runs): a done task with runnable checks
(``verify: $ CMD``) whose done mark records no pass. A recorded failure (``sdd verify``
found a regression) or a tick with no outcome (a box ticked by hand, or before the check
was added) is an error; ``--no-verify`` (``verify=skipped``, a person's recorded choice)
is a warning.

SDD-013 (only with ``sdd check --run-tests``): a spec's ``test:`` reference that exists
(SDD-009 is silent about it) but whose test fails when run.
"""

from __future__ import annotations

import re
import shlex
import sys
from typing import TYPE_CHECKING

from ..findings import Finding
from ..verification import FAILED, PASSED, SKIPPED, parse_mark
from .rules import ERROR, WARNING

if TYPE_CHECKING:
    from ..project import Project
    from ..workspace import Workspace
    from .references import Resolver

RULE = "SDD-012"
TEST_RULE = "SDD-013"
_RUNNABLE = re.compile(r"verify\s*:\s*\$ ", re.IGNORECASE)


def check(ws: Workspace, project: Project) -> list[Finding]:
    """SDD-012 for one project (its tasks document is parsed only when it holds a runnable
    check, so ``sdd check`` stays fast on lists without any)."""
    doc = project.docs.get("tasks")
    if doc is None or not _RUNNABLE.search(doc.text):
        return []
    tasks = project.tasks
    if tasks is None:  # pragma: no cover - a tasks document always parses
        return []
    path = ws.rel(doc.path)
    found = []
    for task in tasks.leaves():
        if task.state != "done" or not task.checks:
            continue
        mark = parse_mark(task.done_mark)
        verify_cmd = f"sdd verify {task.key} --project {project.name}"
        if mark.verify == PASSED:
            continue
        if mark.verify == SKIPPED:
            found.append(Finding(path, task.line, RULE, WARNING,
                                 f"{task.key} was checked off with --no-verify: its runnable "
                                 "checks have no recorded pass", f"run `{verify_cmd}`"))
        elif mark.verify == FAILED:
            at = f" at {mark.at}" if mark.at else ""
            found.append(Finding(path, task.line, RULE, ERROR,
                                 f"{task.key} is done but its runnable check failed{at}",
                                 f"fix it, then `{verify_cmd}` records the pass"))
        else:
            found.append(Finding(path, task.line, RULE, ERROR,
                                 f"{task.key} is done but no pass of its runnable checks is "
                                 "recorded (ticked by hand, or before the check was added)",
                                 f"run `{verify_cmd}`, or undo it and tick it with `sdd done`"))
    return found


def default_test_command() -> str:
    """``{ref}`` run with pytest under the Python running sddkit."""
    return f"{shlex.quote(sys.executable)} -m pytest -q {{ref}}"


def run_tests(ws: Workspace, project: Project, resolver: Resolver, command: str,
              timeout: float) -> list[Finding]:
    """SDD-013: run each existing ``test:`` reference of the spec with ``command`` (its
    ``{ref}`` replaced by the shell-quoted reference) from the repository root."""
    from ..runner import run_command
    from .facts import facts
    from .references import Reference

    doc = project.docs.get("spec")
    if doc is None:
        return []
    found = []
    for line, text in facts(ws, doc).references:
        ref = Reference(line, text)
        if resolver.problem(ref) is not None:
            continue  # SDD-009 reports it
        shell = command.replace("{ref}", shlex.quote(text))
        result = run_command(shell, ws.root, timeout)
        if result.passed:
            continue
        last = result.last_lines(1)
        tail = f"; last line: {last[0].strip()}" if last else ""
        found.append(Finding(ws.rel(doc.path), line, TEST_RULE, ERROR,
                             f"test '{text}' fails ({result.reason()}): $ {shell}{tail}",
                             "make the test pass, or fix the reference"))
    return found
