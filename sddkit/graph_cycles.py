"""Cycle search over a directed graph with the standard library's ``graphlib``.

Every cycle sddkit reports (task dependencies, context ``includes``, synchronous calls
between service contracts) is found here, by :class:`graphlib.TopologicalSorter`, whose
:class:`graphlib.CycleError` carries one cycle (``args[1]``).
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

N = TypeVar("N", bound=Hashable)


def find_cycle(edges: Mapping[N, Iterable[N]]) -> list[N] | None:
    """One cycle of ``edges`` (node -> the nodes it points to) as ``[a, b, ..., a]`` in
    edge direction, or None when the graph is acyclic. Nodes are visited in the mapping's
    order, so the same graph gives the same cycle."""
    try:
        graphlib.TopologicalSorter(edges).prepare()  # successors given as "predecessors"
    except graphlib.CycleError as exc:
        found: list[N] = list(exc.args[1])
        return found[::-1]  # graphlib lists them against our edges' direction
    return None


def find_cycles(edges: Mapping[N, Iterable[N]], key: Callable[[N], Any] = lambda n: n,
                limit: int = 1000) -> list[list[N]]:
    """Cycles until none is left: each time one is found its closing edge is set aside and
    the search runs again, so breaking every cycle reported makes the graph acyclic.

    Each cycle is ``[first, ..., first]`` rotated to start at its least node by ``key``;
    the list is sorted by that node, then by the cycle's nodes. At most ``limit`` cycles.
    """
    graph = {node: list(dict.fromkeys(targets)) for node, targets in edges.items()}
    found: list[list[N]] = []
    while len(found) < limit:
        cycle = find_cycle(graph)
        if cycle is None:
            break
        nodes = cycle[:-1]
        turn = nodes.index(min(nodes, key=key))
        nodes = nodes[turn:] + nodes[:turn]
        found.append([*nodes, nodes[0]])
        graph[cycle[-2]].remove(cycle[-1])  # set the closing edge aside, search again
    return sorted(found, key=lambda c: [key(n) for n in c])
