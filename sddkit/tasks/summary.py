"""The summary of a task list that the listing commands need, small enough to cache."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from sddkit.projects.blockers import OPTIONAL, Blocker
from sddkit.tasks.model import Task, TaskList
from sddkit.tasks.schedule import next_task


@dataclass(frozen=True)
class TaskSummary:
    """What ``sdd next``, the inventory and ``sdd status`` need of a list, without parsing it:
    progress over the counted tasks, the latest done date, the next task with the open
    tasks skipped before it, and how many problems (errors, warnings) the list has.
    """

    done: int
    total: int
    last_done: str
    next: Task | None
    skipped: list[tuple[Task, Blocker]]
    all_done: bool
    problems: int
    warnings: int = 0
    optional_open: int = 0

    @property
    def next_key(self) -> str | None:
        return self.next.key if self.next else None

    @property
    def next_text(self) -> str | None:
        return self.next.text if self.next else None

    def to_tuple(self) -> tuple[object, ...]:
        """Plain values only (for the parse cache)."""
        return (
            self.done,
            self.total,
            self.last_done,
            _task_tuple(self.next) if self.next else None,
            [(_task_tuple(task), tuple(why)) for task, why in self.skipped],
            self.all_done,
            self.problems,
            self.warnings,
            self.optional_open,
        )

    @classmethod
    def from_tuple(cls, data: tuple[Any, ...]) -> TaskSummary:
        """The summary :meth:`to_tuple` gave; ValueError or TypeError for another shape."""
        done, total, last_done, nxt, skipped, all_done, problems, warnings, optional = data
        return cls(
            done,
            total,
            last_done,
            _task_from(nxt) if nxt else None,
            [(_task_from(task), Blocker._make(why)) for task, why in skipped],
            all_done,
            problems,
            warnings,
            optional,
        )


_TASK_FIELDS = tuple(f.name for f in fields(Task))


def _task_tuple(task: Task) -> tuple[Any, ...]:
    return tuple(getattr(task, name) for name in _TASK_FIELDS)


def _task_from(values: tuple[Any, ...]) -> Task:
    return Task(**dict(zip(_TASK_FIELDS, values, strict=True)))


_MARK_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def summarise(tasks: TaskList) -> TaskSummary:
    """The :class:`TaskSummary` of a parsed list."""
    done, total = tasks.progress()
    dates = [m for task in tasks.tasks if task.done_mark for m in _MARK_DATE.findall(task.done_mark)]
    found = next_task(tasks)
    errors = len(tasks.errors())
    return TaskSummary(
        done,
        total,
        max(dates) if dates else "",
        found.task,
        found.skipped,
        found.all_done,
        errors,
        len(tasks.problems) - errors,
        sum(why.kind == OPTIONAL for _task, why in found.skipped),
    )
