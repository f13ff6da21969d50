"""Tasks: read a ``tasks.md`` into tasks, pick the next one, tick one off.

The package, by concern: :mod:`.lines` (the line grammar: checkbox, id, markers, child
lines, dependencies, the gate view), :mod:`.model` (``Task``, ``TaskList``), :mod:`.parse`
(markdown-it), :mod:`.link` (keys, parents, id problems), :mod:`.cycles` (``graphlib``),
:mod:`.schedule` (the next task; why a task is held is :func:`sddkit.blockers.task_blocker`), :mod:`.edit` (the done edit) and
:mod:`.summary` (what the listing commands cache). docs/tasks.md lists the shapes read.
"""

from __future__ import annotations

from .edit import set_done, set_undone
from .lines import gate_view
from .model import (
    NextTask,
    Task,
    TaskList,
    TaskProblem,
    position_key,
)
from .parse import parse_tasks
from .schedule import next_task
from .summary import TaskSummary, summarise

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
