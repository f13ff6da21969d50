"""Dependency cycles among tasks, found with the standard library's :mod:`graphlib`."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

from .model import Task, TaskList


def waits_on(tasks: TaskList, task: Task) -> list[str]:
    """The dependencies of ``task`` and of its ancestors (a parent's wait is its children's)."""
    refs: list[str] = []
    for owner in (task, *tasks.ancestors(task)):
        refs.extend(ref for ref in owner.depends if ref not in refs)
    return refs


def cycles(tasks: TaskList) -> list[list[Task]]:
    """Each dependency cycle once, as the tasks in "waits for" order starting at the earliest.

    The edges are "cannot be done before": a task waits for its dependencies (and its
    ancestors'), a parent for its children. :class:`graphlib.TopologicalSorter` names one
    cycle at a time; the edge that closes it is then set aside and the search repeated, so
    every cycle that shares no edge with a reported one is reported too.
    """
    edges: dict[int, set[int]] = {}  # position -> positions it waits for
    for task in tasks.tasks:
        targets = {child.position for child in tasks.children_of(task)}
        for ref in waits_on(tasks, task):
            if (target := tasks.get(ref)) is not None:
                targets.add(target.position)
        edges[task.position] = targets
    found: dict[tuple[int, ...], list[Task]] = {}
    for _ in range(sum(len(targets) for targets in edges.values()) + 1):
        try:
            TopologicalSorter(edges).prepare()
            break
        except CycleError as error:
            # each node of error.args[1] is a predecessor of the next: the next waits for it
            ring = list(reversed(error.args[1][:-1]))
            turn = ring.index(min(ring))
            ring = ring[turn:] + ring[:turn]
            found.setdefault(tuple(ring), [tasks.tasks[p - 1] for p in ring])
            edges[ring[-1]].discard(ring[0])
    return sorted(found.values(), key=lambda cycle: cycle[0].position)
