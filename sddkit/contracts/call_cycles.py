"""Cycles of synchronous calls between services (CON-010), found with graphlib."""

from __future__ import annotations

from sddkit.contracts.contract_model import Call, Contract
from sddkit.graph_cycles import find_cycles

Hop = tuple[Contract, Call]


def call_cycles(contracts: dict[str, Contract], limit: int) -> list[list[Hop]]:
    """Cycles of synchronous calls (at most ``limit``), each starting at its least service,
    as (caller, call) hops. Found by :func:`sddkit.graph_cycles.find_cycles`: until none is left,
    so breaking the calls reported makes the graph acyclic."""
    edges: dict[str, dict[str, Call]] = {}
    for name in sorted(contracts):
        out: dict[str, Call] = {}
        for call in sorted(contracts[name].calls, key=lambda k: (k.service, k.operation)):
            if call.service in contracts:
                out.setdefault(call.service, call)
        edges[name] = out
    found = find_cycles({name: sorted(targets) for name, targets in edges.items()},
                        limit=limit)
    return [[(contracts[a], edges[a][b]) for a, b in zip(cycle, cycle[1:])] for cycle in found]
