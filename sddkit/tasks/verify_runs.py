"""``sdd verify``: run the runnable checks of a task, a project or every done task, and record
the outcome in each done task's mark (the evidence kept in git).

Selection: a task (``T003``, with ``--project`` when ids repeat) runs that task's checks,
open or done; a project runs the checks of its done tasks; ``--all`` runs those of every
done task in every project, a regression run ("is everything we called done still
done?"). Recording: a done task's mark is rewritten only when the outcome differs from
what it says (a first pass, a failure, a pass after a failure), so repeated green runs
change no file. An open task's result is reported, not recorded: ``sdd done`` runs its
checks again when it is ticked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sddkit.errors import SddkitError
from sddkit.names import shown
from sddkit.projects.project import Project, load_project, load_projects
from sddkit.tasks.verification import (
    FAILED,
    OUTCOMES,
    PASSED,
    Listener,
    TaskVerification,
    parse_mark,
    replace_mark,
    run_task,
    timeout_seconds,
    with_outcome,
)

if TYPE_CHECKING:
    from sddkit import json_shapes as shape
    from sddkit.io.fileio import Transaction
    from sddkit.tasks import Task
    from sddkit.workspace import Workspace

SCHEMA = "sddkit.verify/1"


@dataclass
class VerifyReport:
    """Every task's verification, in project then document order, and what was recorded."""

    results: list[TaskVerification]
    timeout: float
    files: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(result.outcome == FAILED for result in self.results)

    def counts(self) -> dict[str, int]:
        return {outcome: sum(r.outcome == outcome for r in self.results) for outcome in OUTCOMES}

    def to_json(self, ws: Workspace) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "root": str(ws.root),
            "timeout": self.timeout,
            "results": [result_json(result) for result in self.results],
            "summary": {"tasks": len(self.results), **self.counts()},
            "files": self.files,
        }


def result_json(result: TaskVerification) -> shape.VerifyResult:
    """One task's verification as JSON (docs/json.md, ``sddkit.verify/1`` ``results[]``)."""
    task = result.task
    return {
        "project": result.project,
        "task": task.key,
        "text": task.text,
        "state": task.state,
        "outcome": result.outcome,
        "at": result.at,
        "recorded": result.recorded,
        "mark": parse_mark(task.done_mark).verify if task.done_mark is not None else None,
        "checks": [
            {
                "command": run.command,
                "passed": run.passed,
                "exit_code": run.exit_code,
                "timed_out": run.timed_out,
                "seconds": round(run.seconds, 3),
                "output_bytes": run.output_bytes,
                "reason": run.reason(),
                "tail": run.last_lines(),
            }
            for run in result.runs
        ],
        "not_run": task.checks[len(result.runs):],
    }


def _done_leaves(project: Project) -> list[Task]:
    tasks = project.tasks
    if tasks is None:
        return []
    return [task for task in tasks.leaves() if task.state == "done"]


def select(ws: Workspace, target: str | None, project_name: str | None,
           every: bool) -> list[tuple[Project, list[Task]]]:
    """The tasks to verify, grouped by project. Raises SddkitError for an unknown name or a
    target given together with ``every``."""
    from sddkit.tasks.mark_done import find_task

    if every:
        if target is not None or project_name is not None:
            raise SddkitError("--all verifies every project's done tasks: give no TASK, "
                              "PROJECT or --project with it")
        return [(p, _done_leaves(p)) for p in load_projects(ws) if p.tasks is not None]
    if target is None:
        raise SddkitError("name a TASK or a PROJECT to verify, or give --all")
    if project_name is None and target in ws.project_names():
        project = load_project(ws, target)
        if project.tasks is None:
            raise SddkitError(f"{project.name} has no tasks document yet "
                              f"(phase {project.current_phase})")
        return [(project, _done_leaves(project))]
    project, task = find_task(ws, None, target, project_name)
    if not task.is_leaf:
        tasks = project.tasks
        assert tasks is not None
        leaves = [t for t in tasks.leaves() if task.key in {a.key for a in tasks.ancestors(t)}]
        return [(project, leaves)]
    return [(project, [task])]


def run(ws: Workspace, selected: list[tuple[Project, list[Task]]], timeout: float | None,
        listener: Listener | None = None, progress_every: float = 10.0) -> VerifyReport:
    """Run every selected task's checks (all of them, not stopping at a failure)."""
    limit = timeout_seconds(timeout)
    results = [
        run_task(ws, project.name, task, limit, listener, stop_on_failure=False,
                 progress_every=progress_every)
        for project, tasks in selected
        for task in tasks
    ]
    return VerifyReport(results, limit)


def record(ws: Workspace, tx: Transaction, report: VerifyReport) -> None:
    """Rewrite the marks of the done tasks whose outcome changed (re-read under the lock:
    a task ticked or edited meanwhile is matched by key and line shape again)."""
    by_project: dict[str, list[TaskVerification]] = {}
    for result in report.results:
        if result.task.state == "done" and result.outcome in (PASSED, FAILED):
            by_project.setdefault(result.project, []).append(result)
    for name, results in by_project.items():
        project = load_project(ws, name, tx)
        tasks, doc = project.tasks, project.docs.get("tasks")
        if tasks is None or doc is None:
            continue
        text = doc.text
        for result in results:
            current = tasks.get(result.task.key)
            if current is None or current.state != "done" or current.done_mark is None:
                continue
            mark = with_outcome(current.done_mark, result)
            if mark is not None:
                text = replace_mark(text, current, mark)
                result.recorded = True
        if text != doc.text:
            tx.write(doc.path, text)
            report.files.append(ws.rel(doc.path))


def table(report: VerifyReport) -> str:
    """The regression table: one row per task, then a summary line (no table without
    a row)."""
    if not report.results:
        return "nothing to verify: no task is done yet\n"
    rows = [("Project", "Task", "Outcome", "Seconds", "Check")]
    for result in report.results:
        failed = result.failed
        if failed is not None:
            detail = f"{failed.reason()}: $ {failed.command}"
        elif result.runs:
            detail = f"{len(result.runs)} of {len(result.task.checks)} passed"
        else:
            detail = "no runnable check" + (" (prose only)" if result.task.verify else "")
        outcome = result.outcome + (" (recorded)" if result.recorded else "")
        rows.append((result.project, result.task.key, outcome, f"{result.seconds:.1f}",
                     shown(detail)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
             + "  " + row[4] for row in rows]
    counts = {k: v for k, v in report.counts().items() if v}
    summary = ", ".join(f"{v} {k}" for k, v in counts.items()) or "nothing to verify"
    return "\n".join(line.rstrip() for line in lines) + f"\n{summary}\n"
