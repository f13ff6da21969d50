"""``sdd done`` / ``sdd undo``: flip one checkbox in an approved tasks document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sddkit.errors import GateError, SddkitError, TaskError
from sddkit.io.fileio import Transaction
from sddkit.names import shown
from sddkit.projects.blockers import phase_blocker, task_blocker
from sddkit.projects.phases import remember_gate_hash
from sddkit.projects.project import Project, load_project, load_projects, remember_tasks
from sddkit.tasks.verification import (
    PASSED,
    TRAILER,
    CheckFailed,
    DoneMark,
    Listener,
    TaskVerification,
    failure_message,
    mark_for_done,
    parse_mark,
    run_task,
    timeout_seconds,
    today,
    unchecked_outcome,
)
from sddkit.workspace import Workspace


@dataclass
class Completion:
    """What ``sdd done``/``undo`` staged: the project, the task, whether its line changed,
    and the sentence for a person."""

    project: Project
    task: Any  # tasks.Task
    changed: bool
    message: str


def _find(ws: Workspace, tx: Transaction | None, ref: str, project_name: str | None) -> tuple[Project, Any]:
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
            _not_in(project, ref)
        _nowhere(ref, [p for p in candidates if p.tasks is not None])
    project, task = hits[0]
    if project_name is None and tx is not None:
        # the listing may come from the parse cache, whose documents are read later and
        # outside ``tx``: load the one project through ``tx``, so a concurrent writer's
        # change to its task list is seen when the write is compared under the lock
        project = load_project(ws, project.name, tx)
        task = project.tasks.get(ref) if project.tasks is not None else None
        if task is None:  # pragma: no cover - the list changed between the two reads
            raise TaskError(f"no task '{shown(ref)}' in {project.name} any more; run it again")
    from sddkit.tasks.model import is_position_ref

    if not is_position_ref(ref):
        _refuse_duplicate(project, task)
    return project, task


def _not_in(project: Project, ref: str) -> None:
    """Raise: ``project``'s task list (which exists) holds no ``ref``; the nearest ids."""
    assert project.tasks is not None
    near = project.tasks.nearest(ref)
    hint = f"; nearest: {', '.join(near)}" if near else ""
    raise TaskError(f"no task '{shown(ref)}' in {project.name}{hint}", project.docs["tasks"].path)


def _nowhere(ref: str, listed: list[Project]) -> None:
    """Raise: no project's task list holds ``ref`` (searched without ``--project``). The
    message names what was searched and the nearest ids, as ``--project`` would."""
    if not listed:
        raise TaskError(f"no task '{shown(ref)}': no project has a task list yet "
                        "(`sdd next` says what comes first)")
    if len(listed) == 1:
        _not_in(listed[0], ref)
    near = [f"{key} ({p.name})" for p in listed for key in p.tasks.nearest(ref)[:1]]
    raise TaskError(f"no task '{shown(ref)}' in any project (searched: "
                    f"{', '.join(p.name for p in listed)}); nearest: {', '.join(near[:5])}")


def _refuse_duplicate(project: Project, task: Any) -> None:
    """An id that several tasks carry names none of them: refuse rather than pick the first."""
    from sddkit.tasks.model import position_key

    assert project.tasks is not None
    if task.id is None:
        return
    if not any(p.kind == "duplicate-id" for p in project.tasks.problems):
        return  # every id carried twice is reported by the parse (tasks.link.id_problems)
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


def _refuse(project: Project, task: Any, force: bool) -> tuple[bool, list[str]]:
    """Refuse a done that cannot happen (raises GateError/TaskError). Returns (done already:
    nothing to do; what ``force`` overrode, for the mark's ``forced:`` part)."""
    _gate(project)
    tasks = project.tasks
    assert tasks is not None
    if task.state == "done" and not task.children:
        return True, []
    # the one answer `sdd next` gives too: what it would never offer, done refuses
    held = task_blocker(tasks, task, project.name)
    if held is not None and (not force or not held.forcible):
        raise TaskError(f"{held.sentence()}; {held.remedy()}", project.docs["tasks"].path,
                        task.line)
    if task.state == "done":
        return True, []
    if held is None:
        return False, []
    return False, [held.overridden()]  # forced past it (only a forcible hold gets here)


@dataclass
class Verified:
    """What ``sdd done`` learnt before taking the lock: the done mark to write (None when
    the task is done already) and the checks it ran (None when none ran)."""

    mark: str | None
    verification: TaskVerification | None


def find_task(ws: Workspace, tx: Transaction | None, ref: str,
              project_name: str | None) -> tuple[Project, Any]:
    """The project and task ``ref`` names (see ``sdd done``); raises TaskError/GateError."""
    return _find(ws, tx, ref, project_name)


def verify_for_done(ws: Workspace, ref: str, project_name: str | None, force: bool = False,
                    no_verify: bool = False, timeout: float | None = None,
                    listener: Listener | None = None, dry_run: bool = False) -> Verified:
    """Run the runnable checks ``sdd done REF`` needs, outside the repository lock.

    Refuses first what the done itself would refuse (gate, dependencies, blocked), so no
    check runs for nothing. ``no_verify`` runs nothing and records ``verify=skipped``;
    ``dry_run`` runs nothing and gives the mark a pass would write. The ``forced:`` part is
    added by :func:`complete`, which sees the list under the lock.
    Raises :class:`~sddkit.tasks.verification.CheckFailed` (exit 1, the command's last lines)
    when a check fails; SddkitError for a bad ``timeout``.
    """
    limit = timeout_seconds(timeout)
    project, task = find_task(ws, None, ref, project_name)
    if _refuse(project, task, force)[0]:
        return Verified(None, None)
    if no_verify or not task.checks:
        return Verified(DoneMark(today(), unchecked_outcome(task)).render(), None)
    if dry_run:
        from sddkit.io.git import work_tree_base

        return Verified(DoneMark(today(), PASSED, work_tree_base(ws.root, ws.ctx)).render(), None)
    verification = run_task(ws, project.name, task, limit, listener)
    if verification.failed is not None:
        raise CheckFailed(failure_message(verification, f"{task.key} of {project.name} is not "
                                          "done"), project.docs["tasks"].path, task.line)
    return Verified(mark_for_done(verification), verification)


def complete(ws: Workspace, tx: Transaction, ref: str, project_name: str | None,
             force: bool = False, mark: str | None = None) -> Completion:
    """Check ``ref`` off with the done mark ``mark`` (from :func:`verify_for_done`, which
    runs the checks outside the lock; None: the mark of a task whose checks were not run)
    and clear its ``claimed:`` line (a done ends a claim).

    With ``force``, what was overridden is added to the mark (docs/tasks.md, "The done
    mark"): ``<!-- done DATE verify=OUTCOME forced: open T001, T002; blocked -->``.
    """
    from sddkit.tasks import set_done
    from sddkit.tasks.child_lines import clear_claim

    project, task = _find(ws, tx, ref, project_name)
    already, forced = _refuse(project, task, force)
    if already:
        return Completion(project, task, False, f"{task.key} of {project.name} is already done")
    parsed = parse_mark(mark) if mark is not None else DoneMark(today(), unchecked_outcome(task))
    parsed.forced = forced
    doc = project.docs["tasks"]
    rendered = parsed.render()
    text = clear_claim(set_done(doc.text, task, rendered), task)
    tx.write(doc.path, text)
    derived = ticked(project.tasks, task, _line_at(doc.text, task.line), rendered)
    if derived is not None:  # the inventory row and the report need no second parse
        remember_tasks(project, text, derived)  # nor a second gate hash (the gate
        remember_gate_hash("tasks", text, doc.current_hash)  # leaves box and mark out)
    return Completion(project, task, True, f"{task.key} of {project.name} done: {task.text}")


def _line_at(text: str, number: int) -> str:
    """Line ``number`` (1-based) of ``text``, "" past the end."""
    parts = text.split("\n", number)
    return parts[number - 1] if len(parts) >= number else ""


def ticked(tasks: Any, task: Any, line: str, mark: str) -> Any:
    """The task list that parsing ``set_done(text, task, mark)`` gives, without parsing it:
    ``task`` (whose file line is ``line``) ticked with ``mark``, every other task and every
    problem as they were. None where that is not certain, and the text must be parsed: a
    parent task, a claimed one (its claim line goes), one already carrying a done mark or
    any other HTML comment on its line, one not open (``[ ]``/``[-]``...), or a list with a
    ``parent-ticked`` problem (ticking may settle it). Ticking an open leaf changes no
    line count, no text, id or nesting, and settles no other problem: a parent's
    ``is_done`` only grows. ``tests/test_done_derived.py`` compares the two on generated
    lists."""
    from dataclasses import replace

    from sddkit.tasks.lines import DONE_MARK

    if (tasks is None or task.children or task.claimed_by or task.done_mark is not None
            or task.state not in ("todo", "in-progress") or "<!--" in line
            or any(p.kind == "parent-ticked" for p in tasks.problems)):
        return None
    found = DONE_MARK.search(f" <!-- done {mark} -->" if mark else " <!-- done -->")
    assert found is not None
    done = replace(task, state="done", marker="x", done_mark=found.group(1))
    return tasks.replaced(task, done)


def undo(ws: Workspace, tx: Transaction, ref: str, project_name: str | None) -> Completion:
    from sddkit.tasks import set_undone

    project, task = _find(ws, tx, ref, project_name)
    _gate(project)
    if task.state != "done":
        return Completion(project, task, False, f"{task.key} of {project.name} is not done")
    doc = project.docs["tasks"]
    tx.write(doc.path, set_undone(doc.text, task))
    return Completion(project, task, True, f"{task.key} of {project.name} is open again")


def commit_message(done: Completion) -> str:
    """The ``sdd done --commit`` message: a subject, a blank line, the task trailer
    (``Sddkit-Task: PROJECT/TASK``, git-interpret-trailers form) that ``sdd show`` finds."""
    return (f"sdd: {done.project.name} {done.task.key} done\n\n"
            f"{TRAILER}: {task_trailer(done.project.name, done.task.key)}\n")


def task_trailer(project: str, key: str) -> str:
    """The trailer's value naming a task: ``PROJECT/KEY``."""
    return f"{project}/{key}"


__all__ = ["Completion", "SddkitError", "Verified", "commit_message", "complete", "find_task",
           "task_trailer", "undo", "verify_for_done"]
