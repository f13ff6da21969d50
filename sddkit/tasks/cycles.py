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
    if _backward(tasks):
        return []
    edges: dict[int, list[int]] = {}  # position -> positions it waits for
    for task in tasks.tasks:
        targets = [child.position for child in tasks.children_of(task)]
        for ref in tasks.waits_on(task):
            if (target := tasks.get(ref)) is not None and target.position not in targets:
                targets.append(target.position)
        edges[task.position] = targets
    if _ranked(tasks, edges):
        return []
    return [[tasks.tasks[p - 1] for p in ring[:-1]] for ring in find_cycles(edges)]


def _backward(tasks: TaskList) -> bool:
    """Whether the list is flat (no task has a parent, so none has children) and every
    dependency names an earlier task or none: then each edge :func:`cycles` would build
    points back, which :func:`_ranked` would prove acyclic (the rank of a task in a flat
    list is its position), without building the edges (a cold listing checks 7,000 lists)."""
    get = tasks.get
    for task in tasks.tasks:
        if task.parent is not None:
            return False
        for ref in task.depends:
            target = get(ref)
            if target is not None and target.position >= task.position:
                return False
    return True


def _ranked(tasks: TaskList, edges: dict[int, list[int]]) -> bool:
    """Whether every edge goes down one ranking of the tasks, which proves the graph has no
    cycle (the common case, checked in one pass instead of a search). The rank of a task
    is (the position of the last task of its subtree, minus its own position): a parent
    ranks above its children, and a task above every earlier task outside its ancestors,
    so a list whose dependencies all point back is ranked."""
    end = {task.position: task.position for task in tasks.tasks}
    for task in reversed(tasks.tasks):  # children come after their parent
        if task.parent is not None and (parent := tasks.get(task.parent)) is not None:
            end[parent.position] = max(end[parent.position], end[task.position])
    return all((end[source], -source) > (end[target], -target)
               for source, targets in edges.items() for target in targets)
