"""``sdd done`` / ``sdd undo``: flip one checkbox in an approved tasks document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ._fileio import Transaction
from .blockers import phase_blocker, task_blocker
from .errors import GateError, SddkitError, TaskError
from .names import shown
from .project import Project, load_project, load_projects
from .workspace import Workspace


@dataclass
class Completion:
    project: Project
    task: Any  # tasks.Task
    changed: bool
    message: str


def _find(ws: Workspace, tx: Transaction, ref: str, project_name: str | None) -> tuple[Project, Any]:
    if project_name is not None:
        project = load_project(ws, project_name, tx)
        candidates = [project]
    else:
        candidates = [p for p in load_projects(ws, tx) if p.tasks is not None]
    hits = [(p, p.tasks.get(ref)) for p in candidates if p.tasks is not None]
    hits = [(p, t) for p, t in hits if t is not None]
    if project_name is None and len(hits) > 1:
        implementing = [(p, t) for p, t in hits if p.implementing]
        hits = implementing if len(implementing) == 1 else hits
    if len(hits) > 1:
        names = ", ".join(p.name for p, _t in hits)
        raise TaskError(f"task '{shown(ref)}' exists in several projects ({names}); add --project")
    if not hits:
        if project_name is not None:
            project = candidates[0]
            if project.tasks is None:
                raise GateError(
                    f"{project.name} has no tasks document yet (phase {project.current_phase})"
                )
            near = project.tasks.nearest(ref)
            hint = f"; nearest: {', '.join(near)}" if near else ""
            raise TaskError(
                f"no task '{shown(ref)}' in {project.name}{hint}", project.docs["tasks"].path
            )
        raise TaskError(f"no task '{shown(ref)}' in any project; add --project")
    project, task = hits[0]
    from .tasks.model import is_position_ref

    if not is_position_ref(ref):
        _refuse_duplicate(project, task)
    return project, task


def _refuse_duplicate(project: Project, task: Any) -> None:
    """An id that several tasks carry names none of them: refuse rather than pick the first."""
    from .tasks.model import position_key

    assert project.tasks is not None
    if task.id is None:
        return
    same = [t for t in project.tasks.tasks if t.id is not None and t.id.upper() == task.id.upper()]
    if len(same) > 1:
        lines = ", ".join(str(t.line) for t in same)
        positions = ", ".join(position_key(t.position) for t in same)
        raise TaskError(
            f"task id {task.id} is used by {len(same)} tasks (lines {lines}); give each its own "
            f"id, or name one by position ({positions})",
            project.docs["tasks"].path,
            same[1].line,
        )


def _gate(project: Project) -> None:
    """Refuse while any phase's gate is closed (the tasks can change only in implementation)."""
    if not project.implementing:
        held = phase_blocker(project, project.current_phase)
        assert held is not None
        doc = project.docs.get(held.phase or "")
        raise GateError(f"{held.sentence()}: tasks can be checked off only once every phase is "
                        "approved", doc.path if doc is not None else None)


def today_mark(ws: Workspace) -> str:
    from ._git import head_sha

    date = datetime.now(timezone.utc).date().isoformat()
    sha = head_sha(ws.root)
    return f"{date} {sha[:7]}" if sha else date


def complete(ws: Workspace, tx: Transaction, ref: str, project_name: str | None,
             force: bool = False, mark: str | None = None) -> Completion:
    """Check ``ref`` off. ``mark`` (date and short SHA) is best computed before the lock is
    taken: asking git for HEAD costs a GitPython import that other writers need not wait for.

    With ``force``, what was overridden is recorded in the done mark:
    ``<!-- done DATE SHA forced: open T001, T002; blocked -->``.
    """
    from .tasks import set_done

    project, task = _find(ws, tx, ref, project_name)
    _gate(project)
    tasks = project.tasks
    assert tasks is not None
    if task.state == "done" and not task.children:
        return Completion(project, task, False, f"{task.key} of {project.name} is already done")
    # the one answer `sdd next` gives too: what it would never offer, done refuses
    held = task_blocker(tasks, task, project.name)
    if held is not None and (not force or not held.forcible):
        raise TaskError(f"{held.sentence()}; {held.remedy()}", project.docs["tasks"].path,
                        task.line)
    if task.state == "done":
        return Completion(project, task, False, f"{task.key} of {project.name} is already done")
    forced = []
    if held is not None:  # forced past it (only a forcible hold gets here)
        forced.append(held.overridden())
    doc = project.docs["tasks"]
    stamp = mark if mark is not None else today_mark(ws)
    if forced:  # recorded in the mark, as `approve --force` is in the front matter
        stamp = f"{stamp} forced: {'; '.join(forced)}".strip()
    from .claim_lines import clear_claim

    tx.write(doc.path, clear_claim(set_done(doc.text, task, stamp), task))  # done ends a claim
    return Completion(project, task, True, f"{task.key} of {project.name} done: {task.text}")


def ticked(tasks: Any, task: Any, mark: str) -> Any:
    """The task list that parsing ``set_done(text, task, mark)`` gives: ``task`` done with
    ``mark``, every other task as it was (``tests/test_next_done.py`` compares the two)."""
    from dataclasses import replace

    from .tasks import TaskList

    done = replace(task, state="done", done_mark=mark)
    return TaskList(tasks.path, [done if t is task else t for t in tasks.tasks],
                    list(tasks.problems))


def undo(ws: Workspace, tx: Transaction, ref: str, project_name: str | None) -> Completion:
    from .tasks import set_undone

    project, task = _find(ws, tx, ref, project_name)
    _gate(project)
    if task.state != "done":
        return Completion(project, task, False, f"{task.key} of {project.name} is not done")
    doc = project.docs["tasks"]
    tx.write(doc.path, set_undone(doc.text, task))
    return Completion(project, task, True, f"{task.key} of {project.name} is open again")


def commit_message(done: Completion) -> str:
    return f"sdd: {done.project.name} {done.task.key} done"


__all__ = ["Completion", "SddkitError", "commit_message", "complete", "undo"]
