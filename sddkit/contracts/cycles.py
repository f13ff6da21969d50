"""Cycles of synchronous calls between services (CON-010)."""

from __future__ import annotations

from collections.abc import Iterator

from .model import Call, Contract

Hop = tuple[Contract, Call]


def call_cycles(contracts: dict[str, Contract], limit: int) -> Iterator[list[Hop]]:
    """Every elementary cycle of synchronous calls, each once, starting at its least service."""
    edges: dict[str, dict[str, Call]] = {}
    for name in sorted(contracts):
        out: dict[str, Call] = {}
        for call in sorted(contracts[name].calls, key=lambda k: (k.service, k.operation)):
            if call.service in contracts:
                out.setdefault(call.service, call)
        edges[name] = out
    count = 0
    for start in sorted(edges):
        stack: list[tuple[str, list[Hop]]] = [(start, [])]
        while stack:
            node, hops = stack.pop()
            for target in sorted(edges[node], reverse=True):
                hop = (contracts[node], edges[node][target])
                if target == start:
                    count += 1
                    yield [*hops, hop]
                    if count >= limit:
                        return
                elif target > start and target not in {h[1].service for h in hops}:
                    stack.append((target, [*hops, hop]))
