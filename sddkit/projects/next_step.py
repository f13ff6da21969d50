"""``sdd next``: the next step, from the Markdown alone, for whichever agent comes next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from sddkit.names import natural_key
from sddkit.projects.blockers import BLOCKED, IN_REVIEW, Blocker
from sddkit.projects.fault_isolation import recorded
from sddkit.projects.rows import ProjectRow
from sddkit.tasks.handout import needs_person
from sddkit.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable

    from sddkit import json_shapes as shape

SCHEMA: Final = "sddkit.next/1"
#: Other projects the text names (open ones, then those waiting for a person); the rest
#: are counted. At 10,000 projects a line for each waiting one made 120 KB, read by an
#: agent at every session start. ``--json`` lists them all; ``sdd next --all`` too.
SHOWN: Final = 8
#: Projects whose task lists held claims when a step was worked out in this process (the
#: answer then depends on the clock: :mod:`sddkit.io.next_memo` does not keep it).
CLAIMS_READ: list[str] = []


def worked_out(make: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """``make()``'s answers (key -> answer) and whether they may be kept for the next run
    (:func:`sddkit.io.next_memo.remembered`): not when a task list holding claims was read
    (the answer depends on the clock) or a project or context could not be read (its
    warning is due on every run)."""
    CLAIMS_READ.clear()
    answers = make()
    return answers, not CLAIMS_READ and not recorded()


@dataclass
class Step:
    """One answer of ``sdd next``: what to do (``kind``), for which project, in words
    (``message``) and as a command; the task and the tasks passed over, with why."""

    kind: str  # "task" | "write" | "approve" | "blocked" | "claimed" | "done" | "none"
    project: ProjectRow | None
    message: str
    command: str | None = None
    phase: str | None = None
    task: Any = None  # tasks.Task
    skipped: list[tuple[Any, Blocker]] = field(default_factory=list)  # (tasks.Task, why)
    others: list[ProjectRow] = field(default_factory=list)


def _doc_rel(ws: Workspace, row: ProjectRow, phase: str) -> str:
    return ws.rel(ws.assets / row.name / f"{phase}.md")


def gate_step(ws: Workspace, row: ProjectRow) -> Step:
    """The gate action a project not yet in implementation (or blocked) waits for: its
    blocker (:mod:`sddkit.projects.blockers`) says why and what moves it on."""
    blocker = row.blocker
    assert blocker is not None, "a project with no blocker is implementing"
    kind = {BLOCKED: "blocked", IN_REVIEW: "approve"}.get(blocker.kind, "write")
    message = blocker.message(_doc_rel(ws, row, row.phase))
    return Step(kind, row, message, blocker.command, row.phase)


def task_step(ws: Workspace, row: ProjectRow, me: str | None = None) -> Step:
    """The next task of an implementing project for the claimant ``me``: its own claimed
    task first, then the first one nobody else claims (``handout.hand_out``). A list without
    claims is answered from the cached row alone."""
    found = row.task_summary  # the next task without parsing the list, from the row
    assert found is not None
    name = row.name
    if found.all_done:
        extra = (f" ({found.optional_open} optional task(s) left open)"
                 if found.optional_open else "")
        return Step("done", row, f"every task of {name} is done{extra}", None, "tasks")
    handout = _handout(ws, row, me)
    if handout is not None:
        task, skipped = handout.first, handout.skipped
    else:
        task, skipped = found.next, found.skipped
    if task is None:
        reasons = "; ".join(f"{t.key} {why.reason}" for t, why in skipped[:5])
        claimed = any(why.claim for _t, why in skipped)
        kind, what = ("claimed", "is free") if claimed else ("blocked", "can start")
        return Step(kind, row, f"no task of {name} {what}: {reasons}", None, "tasks",
                    skipped=skipped)
    return Step("task", row, f"{task.key} {task.text}", f"sdd done {task.key} --project {name}",
                "tasks", task=task, skipped=skipped)


def _handout(ws: Workspace, row: ProjectRow, me: str | None) -> Any:
    """The claims-aware view of ``row``'s list, or None when it has no claim (the row's
    cached summary is then the answer)."""
    from sddkit.tasks.handout import hand_out, has_claims

    try:
        text = (ws.assets / row.name / "tasks.md").read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None  # the row says what is wrong with the file
    if not has_claims(text):
        return None
    CLAIMS_READ.append(row.name)  # an answer that depends on the clock: not kept
    from sddkit.projects.project import load_project

    tasks = load_project(ws, row.name).tasks
    return hand_out(tasks, me) if tasks is not None else None


def project_step(ws: Workspace, row: ProjectRow, me: str | None = None) -> Step:
    """The step of one project, for the claimant ``me``."""
    if row.implementing and not row.blocked:
        return task_step(ws, row, me)
    return gate_step(ws, row)


def next_step(ws: Workspace, projects: list[ProjectRow], me: str | None = None) -> Step:
    """The most urgent step across ``projects`` (their rows) for the claimant ``me``; a
    document is read only when its list holds claims. ``others`` lists every other project
    with open work (those that wait for a person included)."""
    if not projects:
        return Step("none", None, "no projects yet: start one with `sdd new NAME`", "sdd new NAME")
    ranked = sorted(projects, key=lambda r: (-r.priority, natural_key(r.name)))
    step = _most_urgent(ws, ranked, me)
    if step.project is not None:
        step.others = [r for r in ranked if r is not step.project and r.state != "completed"
                       and r.next_kind != "done"]
    return step


def _most_urgent(ws: Workspace, ranked: list[ProjectRow], me: str | None) -> Step:
    implementing = [r for r in ranked if r.implementing and not r.blocked]
    claimed: list[Step] = []
    for row in implementing:
        if row.next_kind == "task":
            step = task_step(ws, row, me)
            if step.kind == "task":
                return step
            claimed.append(step)
    gates = [r for r in ranked if not r.implementing and not r.blocked]
    for kind in ("write", "approve"):
        for row in gates:
            if row.next_kind == kind:
                return gate_step(ws, row)
    if claimed:
        return claimed[0]
    stuck = [r for r in implementing if r.next_kind == "blocked"] + [
        r for r in ranked if r.blocked
    ]
    if stuck:
        return project_step(ws, stuck[0], me)
    return Step("done", None, "every project is completed; nothing to do", None)


def _task_json(ws: Workspace, project: ProjectRow, task: Any) -> shape.NextTask:
    return {
        "key": task.key,
        "id": task.id,
        "text": task.text,
        "state": task.state,
        "file": _doc_rel(ws, project, "tasks"),
        "line": task.line,
        "heading": task.heading,
        "verify": list(task.verify),
        "checks": list(task.checks),
        "depends": list(task.depends),
        "parallel": task.parallel,
        "story": task.story,
        "optional": task.optional,
        "blocked": task.blocked,
        "claimed_by": task.claimed_by,
        "claimed_at": task.claimed_at,
        "notes": list(task.notes),
    }


def read_first_of(ws: Workspace, step: Step) -> list[Any]:
    """What to read before the step (``projects.read_first.ReadItem``s): for a task, a document to
    write or a blocked project; nothing for a gate a person acts on, or no project."""
    if step.project is None or step.kind not in ("task", "write", "blocked"):
        return []
    from sddkit.projects.read_first import read_first

    return read_first(ws, step.project.name)


def to_json(ws: Workspace, step: Step) -> shape.Next:
    """``sddkit.next/1`` (docs/json.md; typed as :class:`sddkit.json_shapes.Next`)."""
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
            {"key": t.key, "text": t.text, "line": t.line, "reason": why.reason}
            for t, why in step.skipped
        ],
        "others": [
            {"project": p.name, "state": p.state, "phase": p.phase, "kind": p.next_kind,
             "needs_person": needs_person(p)}
            for p in step.others
        ],
        "read_first": [item.to_json() for item in read_first_of(ws, step)],
        "broken": [b.to_json(ws) for b in recorded() if b.kind == "project"],
    }


def to_text(ws: Workspace, step: Step) -> str:
    project = step.project
    lines: list[str] = []
    if step.kind == "task" and project is not None:
        task = step.task
        where = f" ({task.heading})" if task.heading else ""
        lines.append(f"Next: {task.key} {task.text}   [project {project.name}]{where}")
        if getattr(task, "claimed_by", None):
            lines.append(f"  claimed by: {task.claimed_by} since {task.claimed_at or '?'}")
        lines.append(f"  file: {_doc_rel(ws, project, 'tasks')}:{task.line}")
        lines += [f"  verify: {v}" for v in task.verify]
        if task.depends:
            lines.append(f"  depends: {', '.join(task.depends)} (done)")
        done, total = project.done, project.total
        lines.append(f"  progress: {done}/{total} tasks done")
        lines += [f"  skipped: {t.key} {why.reason}" for t, why in step.skipped]
        summary = project.task_summary
        if summary is not None and (summary.problems or summary.warnings):
            lines.append(f"  warning: the task list has {summary.problems} error(s) and "
                         f"{summary.warnings} warning(s): `sdd check` names them")
        if task.checks:
            lines.append(f"When it is built: {step.command} (runs its checks first; "
                         f"`sdd verify {task.key} --project {project.name}` runs them alone)")
        elif task.verify:  # prose checks: a person's
            lines.append(f"When its check passes: {step.command}")
        else:
            lines.append(f"When it is done: {step.command}")
    else:
        prefix = {"done": "Done", "none": "Nothing yet", "blocked": "Blocked",
                  "claimed": "Taken"}.get(step.kind, "Next")
        lines.append(f"{prefix}: {step.message}")
        lines += [f"  skipped: {t.key} {why.reason}" for t, why in step.skipped
                  if step.kind not in ("blocked", "claimed")]
    first = read_first_of(ws, step)
    if first:
        from sddkit.projects.read_first import to_text as read_text

        lines.append(f"Read first: {read_text(first)}")
    if step.others:
        shown = ", ".join(f"{p.name} ({p.state})" for p in step.others[:SHOWN])
        more = f" and {len(step.others) - SHOWN} more" if len(step.others) > SHOWN else ""
        lines.append(f"Also open: {shown}{more}")
        waiting = [(p, why) for p in step.others if (why := needs_person(p)) is not None]
        lines += [f"Needs a person: {p.name}: {why}" for p, why in waiting[:SHOWN]]
        if len(waiting) > SHOWN:
            lines.append(f"Needs a person: {len(waiting) - SHOWN} more projects "
                         "(`sdd next --all` lists them)")
    return "\n".join(lines) + "\n"
