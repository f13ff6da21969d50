"""Rule CON-021: the identifiers and enumerations two connected services exchange agree.

A contract lists, under ``values``, each value set it sends or accepts: ``city_id`` as an
enumeration (``values: [moscow, spb]``), a format (``pattern: '^[a-z]+(-[a-z]+)*$'``), or
both. Two contracts are connected when one depends on the other (a call, a dataset read,
a data need) or consumes an event the other publishes. When both declare a value set of
the same name, they must agree: the same values, the same pattern, and each value of one
matching the other's pattern. The founding bug: ``city-msk`` in one service and
``moscow`` in the next, each with green tests. See docs/contracts.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sddkit.contracts.contract_model import Contract, ValueSet
from sddkit.findings import Finding

RULE = "CON-021"


def _edges(contracts: dict[str, Contract]) -> Iterator[tuple[Contract, Contract, str]]:
    """(consumer, provider, how) for every connection, each pair once, sorted."""
    publishers: dict[str, list[Contract]] = {}
    for c in contracts.values():
        for ev in c.events:
            publishers.setdefault(ev.topic, []).append(c)
    seen: set[frozenset[str]] = set()
    for name in sorted(contracts):
        c = contracts[name]
        links: list[tuple[str, str]] = [(x.service, f"calls {x.service}.{x.operation}")
                                        for x in c.calls]
        links += [(x.service, f"reads {x.service}.{x.name}") for x in c.reads]
        links += [(x.service, f"needs {x.service}.{x.name}") for x in c.needs]
        links += [(p.service, f"consumes {x.topic} from {p.service}")
                  for x in c.consumes for p in publishers.get(x.topic, [])]
        for service, how in links:
            other = contracts.get(service)
            pair = frozenset({c.service, service})
            if other is None or other is c or pair in seen:
                continue
            seen.add(pair)
            yield c, other, how


def check_values(contracts: dict[str, Contract]) -> list[Finding]:
    """CON-021 for every pair of connected clean contracts (unsorted)."""
    found: list[Finding] = []
    for c, p, how in _edges(contracts):
        if not c.clean or not p.clean or c.origin is not None:
            continue
        for mine in c.values:
            theirs = p.value_set(mine.name)
            if theirs is None:
                continue
            for problem in _disagreements(mine, theirs, c.service, p.service):
                found.append(Finding(
                    c.rel, mine.line, RULE, "error",
                    f"{c.service} {how}; they exchange {mine.name} but disagree: {problem} "
                    f"({p.where(theirs.line)})",
                    "agree one set of values (and one format) in both contracts, "
                    "and in both services"))
    return found


def _disagreements(a: ValueSet, b: ValueSet, a_name: str, b_name: str) -> list[str]:
    out: list[str] = []
    if a.values is not None and b.values is not None:
        only_a = [v for v in a.values if v not in b.values]
        only_b = [v for v in b.values if v not in a.values]
        if only_a or only_b:
            out.append("; ".join(
                f"only {who} has {', '.join(vals)}"
                for who, vals in ((a_name, only_a), (b_name, only_b)) if vals))
    if a.pattern is not None and b.pattern is not None and a.pattern != b.pattern:
        out.append(f"{a_name} expects the format '{a.pattern}', {b_name} '{b.pattern}'")
    for owner, values, other, pattern in ((a_name, a.values, b_name, b.pattern),
                                          (b_name, b.values, a_name, a.pattern)):
        if values is None or pattern is None:
            continue
        bad = [v for v in values if not re.fullmatch(pattern, v)]
        if bad:
            out.append(f"{owner}'s {', '.join(bad)} do not match {other}'s format '{pattern}'")
    return out
