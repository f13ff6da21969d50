"""Choosing the next task, and the one answer to "why can this task not be done now",
shared by ``sdd next`` (which passes it over) and ``sdd done`` (which refuses it)."""

from __future__ import annotations

from dataclasses import dataclass

from .cycles import waits_on
from .model import NextTask, Task, TaskList


@dataclass(frozen=True)
class Hold:
    """Why an open task cannot be done now.

    ``kind``: ``blocked`` (a ``blocked:`` line on it or an ancestor), ``waits`` (open
    dependencies, its own or an ancestor's), ``unknown-marker`` (a box sddkit cannot read),
    ``cancelled``, ``open-subtasks`` (a parent). ``forcible``: ``sdd done --force`` may
    override it.
    """

    kind: str
    reason: str
    forcible: bool = True
    keys: tuple[str, ...] = ()  # the tasks it waits for, or the open subtasks

    def __str__(self) -> str:
        return self.reason


def hold(tasks: TaskList, task: Task) -> Hold | None:
    """Why ``task`` (open) cannot be done now, or None when it can."""
    if tasks.is_cancelled(task):
        return Hold("cancelled", "cancelled", forcible=False)
    if task.children:
        open_children = [c.key for c in tasks.children_of(task) if not tasks.is_closed(c) and not c.optional]
        if open_children:
            return Hold("open-subtasks", f"has open subtasks ({', '.join(open_children)})",
                        forcible=False, keys=tuple(open_children))
    for owner in (task, *tasks.ancestors(task)):
        if owner.blocked is not None:
            return Hold("blocked", f"blocked: {owner.blocked}")
    waiting = [
        ref
        for ref in waits_on(tasks, task)
        if (dependency := tasks.get(ref)) is None or not tasks.is_closed(dependency)
    ]
    if waiting:
        return Hold("waits", f"waits for {', '.join(waiting)}", keys=tuple(waiting))
    if task.state == "unknown":
        return Hold("unknown-marker", f"has the checkbox marker [{task.marker}], which sddkit "
                    "does not know (write [ ], [-] or [x])")
    return None


def next_task(tasks: TaskList) -> NextTask:
    """The first open leaf, in document order, that nothing holds and that is not optional.

    Open optional tasks (``[ ]*``) are passed over with the reason ``optional``; they never
    keep a list from being all done.
    """
    skipped: list[tuple[Task, str]] = []
    required_open = False
    for task in tasks.leaves():
        if tasks.is_closed(task):
            continue
        if task.optional:
            skipped.append((task, "optional"))
            continue
        required_open = True
        reason = hold(tasks, task)
        if reason is None:
            return NextTask(task, skipped, all_done=False)
        skipped.append((task, str(reason)))
    return NextTask(None, skipped, all_done=bool(tasks.tasks) and not required_open)
