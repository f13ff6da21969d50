"""Linking the tasks of a list: keys, parents and children, and the id problems.

Runs after :mod:`.parse` has read every item: it needs the whole list to know whether an
id is taken twice, whether an ordered list's numbers can serve as ids, and which flat
``1.1`` item belongs under ``1.``.
"""

from __future__ import annotations

import re
from collections import Counter

from sddkit.tasks.model import Task, TaskList, TaskProblem, position_key

_T_NUMBER = re.compile(r"T\d+")


def assign_keys(tasks: list[Task], numbered: dict[int, str],
                parents: dict[int, Task | None]) -> None:
    """Give each task its key: its id; for a task without one, the number its ordered list
    gave it (``numbered``: position -> number, top-level items only) when those numbers are
    unique in the document, no task carries them as an id and every other top-level task
    has an id; else ``task-N``. A repeated
    id keeps its first task; later ones are keyed by position."""
    values = list(numbered.values())
    if values:  # (without numbered items there is no number to give)
        explicit = {t.id.upper() for t in tasks if t.id is not None}
        unnumbered = [t for t in tasks if t.id is None and t.position not in numbered]
        if (len(set(values)) == len(values) and not explicit & set(values)
                and not any(parents[t.position] is None for t in unnumbered)):
            for task in tasks:
                if task.id is None and task.position in numbered:
                    task.id = numbered[task.position]
    seen: set[str] = set()
    for task in tasks:
        if task.id is None or task.id.upper() in seen:
            task.key = position_key(task.position)
        else:
            task.key = task.id
            seen.add(task.id.upper())


def link(tasks: list[Task], parents: dict[int, Task | None]) -> None:
    """Set parent, children and depth from the nesting (``parents``: position -> the
    enclosing task) and attach flat cc-sdd sub-tasks (``- [ ] 1.1`` after ``- [ ] 1.`` in the
    same list) to their major task."""
    first_by_id: dict[str, Task] = {}
    dotted = [task for task in tasks if task.id is not None and "." in task.id]
    if dotted:  # (only a dotted id can name a major task)
        for task in tasks:
            if task.id is not None:
                first_by_id.setdefault(task.id.upper(), task)
    nested = dict(parents) if dotted else parents
    for task in dotted:
        if first_by_id.get(task.id.upper()) is task:  # type: ignore[union-attr]
            major = first_by_id.get(task.id.rsplit(".", 1)[0].upper())
            if (
                major is not None
                and major.position < task.position
                and nested[major.position] is nested[task.position]
            ):
                parents[task.position] = major
    for task in tasks:
        parent = parents[task.position]
        if parent is not None:
            task.parent = parent.key
            task.depth = parent.depth + 1
            parent.children.append(task.key)


def resolve_references(tasks: TaskList) -> None:
    """Point each dependency at a task the way a person reads it: ``Task 1`` or ``1`` in a
    list of ``T001``-style ids names ``T001``; in a list without ids, the first task. An id
    the list has is taken as written; what matches nothing stays (and is reported)."""
    waiting = [task for task in tasks.tasks if task.depends]
    if not waiting:
        return
    by_number: dict[int, list[Task]] = {}
    for task in tasks.tasks:
        if task.id is not None and _T_NUMBER.fullmatch(task.id):
            by_number.setdefault(int(task.id[1:]), []).append(task)
    for task in waiting:
        resolved: list[str] = []
        for ref in task.depends:
            if tasks.get(ref) is None and ref.isdigit():
                same = by_number.get(int(ref), [])
                if len(same) == 1:
                    ref = same[0].key
                elif not by_number and 1 <= int(ref) <= len(tasks.tasks):
                    positional = tasks.tasks[int(ref) - 1]
                    ref = positional.key if positional.id is None else ref
            if ref not in resolved:
                resolved.append(ref)
        task.depends = resolved


def id_problems(tasks: TaskList) -> list[TaskProblem]:
    """Duplicate ids, dependencies on unknown tasks, and parents ticked over open children."""
    problems: list[TaskProblem] = []
    # an id carried once names its own task (its key): only a repeated one can name another
    carried = Counter(task.id.upper() for task in tasks.tasks if task.id is not None)
    for task in tasks.tasks:
        repeated = task.id is not None and carried[task.id.upper()] > 1
        first = tasks.get(task.id) if repeated else None  # type: ignore[arg-type]
        if first is not None and first is not task:
            message = f"duplicate task id {task.id} (first at line {first.line})"
            problems.append(TaskProblem(task.line, "duplicate-id", message))
        for ref in task.depends:
            if tasks.get(ref) is None:
                message = f"{task.key} depends on unknown task {ref}"
                problems.append(TaskProblem(task.line, "unknown-dependency", message))
        if task.children and task.state == "done" and not tasks.is_done(task):
            open_children = [c.key for c in tasks.children_of(task) if not tasks.is_closed(c) and not c.optional]
            message = (f"{task.key} is ticked but its subtasks {', '.join(open_children)} are "
                       "open: sddkit goes by the subtasks (tick them, or clear the parent)")
            problems.append(TaskProblem(task.line, "parent-ticked", message, "warning"))
    return problems
