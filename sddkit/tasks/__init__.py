"""Tasks: read a ``tasks.md`` into tasks, pick the next one, tick one off.

The package, by concern: :mod:`.lines` (the line grammar: checkbox, id, markers, child
lines, dependencies, the gate view), :mod:`.model` (``Task``, ``TaskList``), :mod:`.parse`
(:mod:`.scan`, a line scanner, or markdown-it, into :mod:`.reader`), :mod:`.link` (keys,
parents, id problems), :mod:`.cycles` (``graphlib``),
:mod:`.schedule` (the next task; why a task is held is :func:`sddkit.projects.blockers.task_blocker`),
:mod:`.edit` (the done edit) and
:mod:`.summary` (what the listing commands cache). docs/tasks.md lists the shapes read.

The names below are imported on first use (PEP 562): ``sdd next`` reads a cached summary
and a few tasks, so importing ``sddkit.tasks.handout`` must not load the parser and the
editor (``tests/test_import_paths.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sddkit.lazy_exports import lazy_exports

#: module of this package -> the names it defines (imported on first use, PEP 562).
_WHERE = {
    "edit": ("set_done", "set_undone"),
    "lines": ("gate_view",),
    "model": ("NextTask", "Task", "TaskList", "TaskProblem", "position_key"),
    "parse": ("parse_tasks",),
    "schedule": ("next_task",),
    "summary": ("TaskSummary", "summarise"),
}

if TYPE_CHECKING:
    from sddkit.tasks.edit import set_done, set_undone
    from sddkit.tasks.lines import gate_view
    from sddkit.tasks.model import NextTask, Task, TaskList, TaskProblem, position_key
    from sddkit.tasks.parse import parse_tasks
    from sddkit.tasks.schedule import next_task
    from sddkit.tasks.summary import TaskSummary, summarise

__all__ = [
    "NextTask",
    "Task",
    "TaskList",
    "TaskProblem",
    "TaskSummary",
    "gate_view",
    "next_task",
    "parse_tasks",
    "position_key",
    "set_done",
    "set_undone",
    "summarise",
]


__getattr__ = lazy_exports(__name__, _WHERE, globals())
