"""``sdd next``: the next step, from the Markdown alone, for whichever agent comes next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .project import Project
from .workspace import Workspace

SCHEMA = "sddkit.next/1"


@dataclass
class Step:
    kind: str  # "task" | "write" | "approve" | "blocked" | "done" | "none"
    project: Project | None
    message: str
    command: str | None = None
    phase: str | None = None
    task: Any = None  # tasks.Task
    skipped: list[tuple[Any, str]] = field(default_factory=list)
    others: list[Project] = field(default_factory=list)


def order(projects: list[Project]) -> list[Project]:
    """Higher ``priority`` first, then name."""
    return sorted(projects, key=lambda p: (-p.priority, p.name))


def gate_step(ws: Workspace, project: Project) -> Step:
    """The gate action a project not yet in implementation waits for."""
    name = project.name
    phase = project.current_phase
    doc = project.docs.get(phase)
    if project.blocked:
        return Step("blocked", project, f"{name} is blocked: {project.blocked}",
                    f"sdd unblock {name}", phase)
    if doc is None:  # pragma: no cover - approval scaffolds the next document
        return Step("write", project, f"{phase} of {name} does not exist yet", None, phase)
    rel = ws.rel(doc.path)
    if doc.changed:
        return Step(
            "write",
            project,
            f"{phase} of {name} changed since approval: review the change in {rel} (or revert "
            f"it), then `sdd ready {name}` for re-approval",
            f"sdd ready {name}",
            phase,
        )
    if project.stale(phase):
        return Step(
            "write",
            project,
            f"{phase} of {name} is stale: an earlier phase was approved again; bring {rel} up "
            f"to date, then `sdd ready {name}`",
            f"sdd ready {name}",
            phase,
        )
    if doc.status == "review":
        return Step(
            "approve",
            project,
            f"{phase} of {name} awaits approval by a person (`sdd approve {name}`); "
            "agents do not approve",
            f"sdd approve {name}",
            phase,
        )
    return Step(
        "write",
        project,
        f"{phase} of {name} is draft: write {rel}, then `sdd ready {name}`",
        f"sdd ready {name}",
        phase,
    )


def task_step(ws: Workspace, project: Project) -> Step:
    found = project.task_summary  # the next task without parsing, when the cache has it
    assert found is not None
    name = project.name
    if found.all_done:
        return Step("done", project, f"every task of {name} is done", None, "tasks")
    if found.next is None:
        reasons = "; ".join(f"{t.key} {why}" for t, why in found.skipped[:5])
        return Step(
            "blocked",
            project,
            f"no task of {name} can start: {reasons}",
            None,
            "tasks",
            skipped=found.skipped,
        )
    task = found.next
    return Step(
        "task",
        project,
        f"{task.key} {task.text}",
        f"sdd done {task.key} --project {name}",
        "tasks",
        task=task,
        skipped=found.skipped,
    )


def next_step(ws: Workspace, projects: list[Project], named: Project | None = None) -> Step:
    """The step for ``named``, or the most urgent one across ``projects``."""
    if named is not None:
        step = task_step(ws, named) if named.implementing and not named.blocked else gate_step(
            ws, named
        )
        return step
    if not projects:
        return Step("none", None, "no projects yet: start one with `sdd new NAME`", "sdd new NAME")
    ranked = order(projects)
    implementing = [p for p in ranked if p.implementing and not p.blocked]
    steps: list[Step] = []
    for project in implementing:
        step = task_step(ws, project)
        if step.kind == "task":
            step.others = [p for p in implementing if p is not project and p.state != "completed"]
            return step
        steps.append(step)
    gates = [gate_step(ws, p) for p in ranked if not p.implementing and not p.blocked]
    for kind in ("write", "approve"):
        for step in gates:
            if step.kind == kind:
                step.others = [
                    s.project for s in gates if s is not step and s.project is not None
                ]
                return step
    blocked = [s for s in steps if s.kind == "blocked"] + [
        gate_step(ws, p) for p in ranked if p.blocked
    ]
    if blocked:
        first = blocked[0]
        first.others = [s.project for s in blocked[1:] if s.project is not None]
        return first
    return Step("done", None, "every project is completed; nothing to do", None)


def _task_json(ws: Workspace, project: Project, task: Any) -> dict[str, Any]:
    return {
        "key": task.key,
        "id": task.id,
        "text": task.text,
        "state": task.state,
        "file": ws.rel(project.docs["tasks"].path),
        "line": task.line,
        "heading": task.heading,
        "verify": list(task.verify),
        "depends": list(task.depends),
        "parallel": task.parallel,
        "story": task.story,
    }


def to_json(ws: Workspace, step: Step) -> dict[str, Any]:
    project = step.project
    done, total = project.progress if project is not None else (0, 0)
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
    }


def to_text(ws: Workspace, step: Step) -> str:
    project = step.project
    lines: list[str] = []
    if step.kind == "task" and project is not None:
        task = step.task
        where = f" ({task.heading})" if task.heading else ""
        lines.append(f"Next: {task.key} {task.text}   [project {project.name}]{where}")
        lines.append(f"  file: {ws.rel(project.docs['tasks'].path)}:{task.line}")
        lines += [f"  verify: {v}" for v in task.verify]
        if task.depends:
            lines.append(f"  depends: {', '.join(task.depends)} (done)")
        done, total = project.progress
        lines.append(f"  progress: {done}/{total} tasks done")
        lines += [f"  skipped: {t.key} {why}" for t, why in step.skipped]
        lines.append(f"When its check passes: {step.command}")
    else:
        prefix = {"done": "Done", "none": "Nothing yet", "blocked": "Blocked"}.get(step.kind, "Next")
        lines.append(f"{prefix}: {step.message}")
        lines += [f"  skipped: {t.key} {why}" for t, why in step.skipped if step.kind != "blocked"]
    if step.others:
        shown = ", ".join(f"{p.name} ({p.state})" for p in step.others[:8])
        more = f" and {len(step.others) - 8} more" if len(step.others) > 8 else ""
        lines.append(f"Also open: {shown}{more}")
    return "\n".join(lines) + "\n"
