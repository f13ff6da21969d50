"""Dependency cycles among tasks, found by :func:`sddkit.graph_cycles.find_cycles` (graphlib)."""

from __future__ import annotations

from sddkit.graph_cycles import find_cycles
from sddkit.tasks.model import Task, TaskList


def cycles(tasks: TaskList) -> list[list[Task]]:
    """Each dependency cycle once, as the tasks in "waits for" order starting at the earliest.

    The edges are "cannot be done before": a task waits for its dependencies (and its
    ancestors', :meth:`TaskList.waits_on`), a parent for its children. Every cycle that
    shares no edge with a reported one is reported too (see :func:`find_cycles`).
    """
    if not any(task.depends for task in tasks.tasks):
        return []  # parent -> child edges alone form a forest: no cycle without a dependency
    edges: dict[int, list[int]] = {}  # position -> positions it waits for
    for task in tasks.tasks:
        targets = [child.position for child in tasks.children_of(task)]
        for ref in tasks.waits_on(task):
            if (target := tasks.get(ref)) is not None and target.position not in targets:
                targets.append(target.position)
        edges[task.position] = targets
    return [[tasks.tasks[p - 1] for p in ring[:-1]] for ring in find_cycles(edges)]
