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

from sddkit.checks.rule_ids import ERROR, WARNING
from sddkit.findings import Finding
from sddkit.tasks.verification import FAILED, PASSED, SKIPPED, parse_mark

if TYPE_CHECKING:
    from sddkit.checks.references import Resolver, SpecRefs
    from sddkit.projects.project import Project
    from sddkit.workspace import Workspace

RULE = "SDD-012"
TEST_RULE = "SDD-013"
_RUNNABLE = re.compile(r"verify\s*:\s*\$ ", re.IGNORECASE)


def _unproven(doc_text: str, project: Project) -> list[tuple[int, str, str | None, str | None]]:
    """(line, task key, recorded outcome, at) of each done task with runnable checks whose
    mark records no pass. The list is parsed only when it holds a runnable check."""
    if not _RUNNABLE.search(doc_text):
        return []
    tasks = project.tasks
    if tasks is None:  # pragma: no cover - a tasks document always parses
        return []
    out = []
    for task in tasks.leaves():
        if task.state == "done" and task.checks:
            mark = parse_mark(task.done_mark)
            if mark.verify != PASSED:
                out.append((task.line, task.key, mark.verify, mark.at))
    return out


def _cached_unproven(ws: Workspace, project: Project) -> list[tuple[int, str, str | None,
                                                                   str | None]]:
    """:func:`_unproven` through the check cache, keyed by the tasks file's content."""
    from sddkit.io import cache as _cache

    doc = project.docs["tasks"]
    cache = _cache.for_root(ws.root, "check") if doc.key is not None else None
    key = f"tasks-unproven/{doc.key}"
    if cache is not None:
        hit = cache.get(key)
        if isinstance(hit, list):
            try:
                return [(int(line), str(k), v, a) for line, k, v, a in hit]
            except (TypeError, ValueError):
                pass
    found = _unproven(doc.text, project)
    if cache is not None and doc.key is not None:  # None: the bytes read were others
        cache.put(key, found)
    return found


def check(ws: Workspace, project: Project) -> list[Finding]:
    """SDD-012 for one project; nothing runs (the done marks are read)."""
    doc = project.docs.get("tasks")
    if doc is None:
        return []
    path = ws.rel(doc.path)
    found = []
    for line, key, verify, at in _cached_unproven(ws, project):
        verify_cmd = f"sdd verify {key} --project {project.name}"
        if verify == SKIPPED:
            found.append(Finding(path, line, RULE, WARNING,
                                 f"{key} was checked off with --no-verify: its runnable "
                                 "checks have no recorded pass", f"run `{verify_cmd}`"))
        elif verify == FAILED:
            where = f" at {at}" if at else ""
            found.append(Finding(path, line, RULE, ERROR,
                                 f"{key} is done but its runnable check failed{where}",
                                 f"fix it, then `{verify_cmd}` records the pass"))
        else:
            found.append(Finding(path, line, RULE, ERROR,
                                 f"{key} is done but no pass of its runnable checks is "
                                 "recorded (ticked by hand, or before the check was added)",
                                 f"run `{verify_cmd}`, or `sdd undo {key} --project "
                                 f"{project.name}` and tick it with `sdd done {key} --project "
                                 f"{project.name}`"))
    return found


def default_test_command() -> str:
    """``{ref}`` run with pytest under the Python running sddkit."""
    return f"{shlex.quote(sys.executable)} -m pytest -q {{ref}}"


def run_tests(ws: Workspace, spec: SpecRefs | None, resolver: Resolver, command: str,
              timeout: float) -> list[Finding]:
    """SDD-013: run each existing ``test:`` reference of the spec (``spec``: its references,
    :func:`sddkit.checks.references.spec_refs`) with ``command`` (its ``{ref}`` replaced by
    the shell-quoted reference) from the repository root."""
    from sddkit.checks.references import Reference
    from sddkit.io.command_runner import run_command

    if spec is None:
        return []
    found = []
    for line, text in spec.refs:
        ref = Reference(line, text)
        if resolver.problem(ref) is not None:
            continue  # SDD-009 reports it
        shell = command.replace("{ref}", shlex.quote(text))
        result = run_command(shell, ws.root, timeout)
        if result.passed:
            continue
        last = result.last_lines(1)
        tail = f"; last line: {last[0].strip()}" if last else ""
        found.append(Finding(spec.rel, line, TEST_RULE, ERROR,
                             f"test '{text}' fails ({result.reason()}): $ {shell}{tail}",
                             "make the test pass, or fix the reference"))
    return found
