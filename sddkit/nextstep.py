"""``sdd next``: the next step, from the Markdown alone, for whichever agent comes next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .blockers import BLOCKED, IN_REVIEW
from .index import ProjectRow
from .workspace import Workspace

SCHEMA = "sddkit.next/1"


@dataclass
class Step:
    kind: str  # "task" | "write" | "approve" | "blocked" | "done" | "none"
    project: ProjectRow | None
    message: str
    command: str | None = None
    phase: str | None = None
    task: Any = None  # tasks.Task
    skipped: list[tuple[Any, str]] = field(default_factory=list)
    others: list[ProjectRow] = field(default_factory=list)


def _doc_rel(ws: Workspace, row: ProjectRow, phase: str) -> str:
    return ws.rel(ws.assets / row.name / f"{phase}.md")


def gate_step(ws: Workspace, row: ProjectRow) -> Step:
    """The gate action a project not yet in implementation (or blocked) waits for: its
    blocker (:mod:`sddkit.blockers`) says why and what moves it on."""
    blocker = row.blocker
    assert blocker is not None, "a project with no blocker is implementing"
    kind = {BLOCKED: "blocked", IN_REVIEW: "approve"}.get(blocker.kind, "write")
    message = blocker.message(_doc_rel(ws, row, row.phase))
    return Step(kind, row, message, blocker.command, row.phase)


def task_step(ws: Workspace, row: ProjectRow) -> Step:
    found = row.task_summary  # the next task without parsing the list, from the row
    assert found is not None
    name = row.name
    if found.all_done:
        return Step("done", row, f"every task of {name} is done", None, "tasks")
    if found.next is None:
        reasons = "; ".join(f"{t.key} {why}" for t, why in found.skipped[:5])
        return Step("blocked", row, f"no task of {name} can start: {reasons}", None, "tasks",
                    skipped=found.skipped)
    task = found.next
    return Step("task", row, f"{task.key} {task.text}", f"sdd done {task.key} --project {name}",
                "tasks", task=task, skipped=found.skipped)


def project_step(ws: Workspace, row: ProjectRow) -> Step:
    """The step of one project."""
    if row.implementing and not row.blocked:
        return task_step(ws, row)
    return gate_step(ws, row)


def next_step(ws: Workspace, projects: list[ProjectRow]) -> Step:
    """The most urgent step across ``projects`` (their rows): no document is read."""
    if not projects:
        return Step("none", None, "no projects yet: start one with `sdd new NAME`", "sdd new NAME")
    ranked = sorted(projects, key=lambda r: (-r.priority, r.name))
    implementing = [r for r in ranked if r.implementing and not r.blocked]
    for row in implementing:
        if row.next_kind == "task":
            step = task_step(ws, row)
            step.others = [r for r in implementing if r is not row and r.state != "completed"]
            return step
    gates = [r for r in ranked if not r.implementing and not r.blocked]
    for kind in ("write", "approve"):
        for row in gates:
            if row.next_kind == kind:
                step = gate_step(ws, row)
                step.others = [r for r in gates if r is not row]
                return step
    stuck = [r for r in implementing if r.next_kind == "blocked"] + [
        r for r in ranked if r.blocked
    ]
    if stuck:
        step = project_step(ws, stuck[0])
        step.others = stuck[1:]
        return step
    return Step("done", None, "every project is completed; nothing to do", None)


def _task_json(ws: Workspace, project: ProjectRow, task: Any) -> dict[str, Any]:
    return {
        "key": task.key,
        "id": task.id,
        "text": task.text,
        "state": task.state,
        "file": _doc_rel(ws, project, "tasks"),
        "line": task.line,
        "heading": task.heading,
        "verify": list(task.verify),
        "depends": list(task.depends),
        "parallel": task.parallel,
        "story": task.story,
    }


def read_first_of(ws: Workspace, step: Step) -> list[Any]:
    """What to read before the step (``readfirst.ReadItem``s): for a task, a document to
    write or a blocked project; nothing for a gate a person acts on, or no project."""
    if step.project is None or step.kind not in ("task", "write", "blocked"):
        return []
    from .readfirst import read_first

    return read_first(ws, step.project.name)


def to_json(ws: Workspace, step: Step) -> dict[str, Any]:
    project = step.project
    done, total = (project.done, project.total) if project is not None else (0, 0)
    return {
        "schema": SCHEMA,
        "kind": step.kind,
        "project": project.name if project else None,
        "phase": step.phase,
        "message": step.message,
        "command": step.command,
        "task": _task_json(ws, project, step.task) if step.task and project else None,
        "progress": {"done": done, "total": total},
        "skipped": [
            {"key": t.key, "text": t.text, "line": t.line, "reason": why} for t, why in step.skipped
        ],
        "others": [{"project": p.name, "state": p.state} for p in step.others],
        "read_first": [item.to_json() for item in read_first_of(ws, step)],
    }


def to_text(ws: Workspace, step: Step) -> str:
    project = step.project
    lines: list[str] = []
    if step.kind == "task" and project is not None:
        task = step.task
        where = f" ({task.heading})" if task.heading else ""
        lines.append(f"Next: {task.key} {task.text}   [project {project.name}]{where}")
        lines.append(f"  file: {_doc_rel(ws, project, 'tasks')}:{task.line}")
        lines += [f"  verify: {v}" for v in task.verify]
        if task.depends:
            lines.append(f"  depends: {', '.join(task.depends)} (done)")
        done, total = project.done, project.total
        lines.append(f"  progress: {done}/{total} tasks done")
        lines += [f"  skipped: {t.key} {why}" for t, why in step.skipped]
        summary = project.task_summary
        if summary is not None and summary.problems:
            lines.append(f"  warning: the task list has {summary.problems} problem(s) (duplicate "
                         "ids, unknown dependencies or cycles): `sdd check` names them")
        lines.append(f"When its check passes: {step.command}")
    else:
        prefix = {"done": "Done", "none": "Nothing yet", "blocked": "Blocked"}.get(step.kind, "Next")
        lines.append(f"{prefix}: {step.message}")
        lines += [f"  skipped: {t.key} {why}" for t, why in step.skipped if step.kind != "blocked"]
    first = read_first_of(ws, step)
    if first:
        from .readfirst import to_text as read_text

        lines.append(f"Read first: {read_text(first)}")
    if step.others:
        shown = ", ".join(f"{p.name} ({p.state})" for p in step.others[:8])
        more = f" and {len(step.others) - 8} more" if len(step.others) > 8 else ""
        lines.append(f"Also open: {shown}{more}")
    return "\n".join(lines) + "\n"
