"""Choosing the next task. Why a task is held is :func:`sddkit.projects.blockers.task_blocker`, the
one answer ``sdd next`` (which passes the task over) and ``sdd done`` (which refuses it)
share."""

from __future__ import annotations

from sddkit.projects.blockers import OPTIONAL, Blocker, passed_over, task_blocker
from sddkit.tasks.model import NextTask, Task, TaskList


def next_task(tasks: TaskList) -> NextTask:
    """The first open leaf, in document order, that nothing holds and that is not optional.

    Open optional tasks (``[ ]*``) are passed over with the kind ``optional``; they never
    keep a list from being all done.
    """
    skipped: list[tuple[Task, Blocker]] = []
    required_open = False
    for task in tasks.leaves():
        if tasks.is_closed(task):
            continue
        if task.optional:
            skipped.append((task, passed_over(OPTIONAL, task)))
            continue
        required_open = True
        held = task_blocker(tasks, task)
        if held is None:
            return NextTask(task, skipped, all_done=False)
        skipped.append((task, held))
    return NextTask(None, skipped, all_done=bool(tasks.tasks) and not required_open)
