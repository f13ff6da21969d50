"""Read each part of a contract (runtime, provides.*, depends_on.*) from its YAML nodes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import yaml

from sddkit.contracts._reader import Fields, Reader, T, line_of
from sddkit.contracts.contract_model import (
    PERCENTILES,
    PII_LEVELS,
    WRITE_PATHS,
    Call,
    ConsumedEvent,
    Contract,
    DataNeed,
    DatasetRead,
    ExposedData,
    Idempotency,
    Operation,
    ProvidedDataset,
    PublishedEvent,
    Remote,
    Retry,
    Runtime,
    ValueSet,
)
from sddkit.names import SLUG

#: Most retries a contract may declare.
MAX_RETRIES = 100
SECTIONS = ("operations", "events", "datasets", "data")
TOP_KEYS = ("service", "owner", "write_path", "runtime", "provides", "depends_on", "interface",
            "values", "remotes")
#: Every mapping of a contract: its path -> (allowed keys, required keys). The shipped JSON
#: Schema (contract.schema.json) allows exactly these; tests/test_contracts_schema.py checks.
KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "": (TOP_KEYS, ("service",)),
    "runtime": (("port", "health", "readiness", "config", "secrets", "name", "manifests"), ()),
    "provides": (SECTIONS, ()),
    "depends_on": (SECTIONS, ()),
    "provides.operations[]": (("name", "latency", "idempotency"), ("name",)),
    "provides.operations[].latency": (PERCENTILES, ()),
    "provides.operations[].idempotency": (("key", "stable_across_retries", "window"),
                                          ("key", "stable_across_retries")),
    "provides.events[]": (("topic", "dedup_key", "via"), ("topic",)),
    "provides.datasets[]": (("name", "via", "freshness"), ("name",)),
    "provides.data[]": (("name", "pii", "access"), ("name", "access")),
    "depends_on.operations[]": (("service", "operation", "latency_budget", "timeout", "retry"),
                                ("service", "operation")),
    "depends_on.operations[].latency_budget": (PERCENTILES, ()),
    "depends_on.operations[].retry": (("max", "reuses_request_id"), ("max",)),
    "depends_on.events[]": (("topic", "dedup_key"), ("topic",)),
    "depends_on.datasets[]": (("service", "name", "freshness_required"), ("service", "name")),
    "depends_on.data[]": (("service", "name", "access_level"), ("service", "name", "access_level")),
    "values[]": (("name", "values", "pattern"), ("name",)),
    "remotes[]": (("service", "path", "git", "ref"), ("service",)),
}


def _keys(r: Reader, node: yaml.Node, where: str, path: str) -> Fields | None:
    allowed, required = KEYS[path]
    return r.fields(node, where, allowed, required=required)


def _lines(fields: Fields) -> dict[str, int]:
    return {key: line for key, (_node, line) in fields.items()}


def _runtime(r: Reader, node: yaml.Node, where: str) -> Runtime | None:
    f = _keys(r, node, where, "runtime")
    if f is None:
        return None
    return Runtime(
        line=line_of(node),
        lines=_lines(f),
        port=r.get(f, where, "port", lambda n, w: r.integer(n, w, 1, 65535)),
        health=r.get(f, where, "health", r.url_path),
        readiness=r.get(f, where, "readiness", r.url_path),
        config=r.get(f, where, "config", r.names) or (),
        secrets=r.get(f, where, "secrets", r.free_text),
        name=r.get(f, where, "name", r.slug),
        manifests=r.get(f, where, "manifests", r.globs) or (),
    )


def _idempotency(r: Reader, node: yaml.Node, where: str) -> Idempotency | None:
    f = _keys(r, node, where, "provides.operations[].idempotency")
    key = r.get(f, where, "key", r.text) if f is not None else None
    if f is None or key is None:
        return None
    return Idempotency(
        line=line_of(node),
        lines=_lines(f),
        key=key,
        stable_across_retries=bool(r.get(f, where, "stable_across_retries", r.boolean)),
        window=r.get(f, where, "window", r.duration),
    )


def _operation(r: Reader, node: yaml.Node, where: str) -> Operation | None:
    f = _keys(r, node, where, "provides.operations[]")
    name = r.get(f, where, "name", r.text) if f is not None else None
    if f is None or name is None:
        return None
    lines = _lines(f)
    latency = (r.latency(f["latency"][0], f"{where}.latency", "latency", lines)
               if "latency" in f else {})
    return Operation(line=line_of(node), lines=lines, name=name, latency=latency,
                     idempotency=r.get(f, where, "idempotency",
                                       lambda n, w: _idempotency(r, n, w)))


def _published(r: Reader, node: yaml.Node, where: str) -> PublishedEvent | None:
    f = _keys(r, node, where, "provides.events[]")
    topic = r.get(f, where, "topic", r.text) if f is not None else None
    if f is None or topic is None:
        return None
    return PublishedEvent(line=line_of(node), lines=_lines(f), topic=topic,
                          dedup_key=r.get(f, where, "dedup_key", r.dedup_key),
                          via=r.get(f, where, "via", lambda n, w: r.choice(n, w, WRITE_PATHS)))


def _dataset(r: Reader, node: yaml.Node, where: str) -> ProvidedDataset | None:
    f = _keys(r, node, where, "provides.datasets[]")
    name = r.get(f, where, "name", r.text) if f is not None else None
    if f is None or name is None:
        return None
    return ProvidedDataset(line=line_of(node), lines=_lines(f), name=name,
                           via=r.get(f, where, "via", r.text),
                           freshness=r.get(f, where, "freshness", r.duration))


def _exposed(r: Reader, node: yaml.Node, where: str) -> ExposedData | None:
    f = _keys(r, node, where, "provides.data[]")
    name = r.get(f, where, "name", r.text) if f is not None else None
    if f is None or name is None:
        return None
    return ExposedData(line=line_of(node), lines=_lines(f), name=name,
                       pii=r.get(f, where, "pii", lambda n, w: r.choice(n, w, PII_LEVELS)),
                       access=r.get(f, where, "access", r.names) or ())


def _retry(r: Reader, node: yaml.Node, where: str) -> Retry | None:
    f = _keys(r, node, where, "depends_on.operations[].retry")
    most = r.get(f, where, "max", lambda n, w: r.integer(n, w, 0, MAX_RETRIES)) if f else None
    if f is None or most is None:
        return None
    reuses = r.get(f, where, "reuses_request_id", r.boolean)
    if most > 0 and reuses is None:
        if "reuses_request_id" not in f:
            r.problem(line_of(node), f"{where}: missing required key 'reuses_request_id' "
                      "(required when max > 0)", "say whether a retry sends the same request id")
        return None
    return Retry(line=line_of(node), lines=_lines(f), max=most, reuses_request_id=bool(reuses))


def _call(r: Reader, node: yaml.Node, where: str) -> Call | None:
    f = _keys(r, node, where, "depends_on.operations[]")
    if f is None:
        return None
    service, operation = r.get(f, where, "service", r.slug), r.get(f, where, "operation", r.text)
    if service is None or operation is None:
        return None
    lines = _lines(f)
    budget = (r.latency(f["latency_budget"][0], f"{where}.latency_budget", "latency_budget", lines)
              if "latency_budget" in f else {})
    return Call(line=line_of(node), lines=lines, service=service, operation=operation,
                latency_budget=budget, timeout=r.get(f, where, "timeout", r.duration),
                retry=r.get(f, where, "retry", lambda n, w: _retry(r, n, w)))


def _consumed(r: Reader, node: yaml.Node, where: str) -> ConsumedEvent | None:
    f = _keys(r, node, where, "depends_on.events[]")
    topic = r.get(f, where, "topic", r.text) if f is not None else None
    if f is None or topic is None:
        return None
    return ConsumedEvent(line=line_of(node), lines=_lines(f), topic=topic,
                         dedup_key=r.get(f, where, "dedup_key", r.dedup_key))


def _read(r: Reader, node: yaml.Node, where: str) -> DatasetRead | None:
    f = _keys(r, node, where, "depends_on.datasets[]")
    if f is None:
        return None
    service, name = r.get(f, where, "service", r.slug), r.get(f, where, "name", r.text)
    if service is None or name is None:
        return None
    return DatasetRead(line=line_of(node), lines=_lines(f), service=service, name=name,
                       freshness_required=r.get(f, where, "freshness_required", r.duration))


def _need(r: Reader, node: yaml.Node, where: str) -> DataNeed | None:
    f = _keys(r, node, where, "depends_on.data[]")
    if f is None:
        return None
    service, name = r.get(f, where, "service", r.slug), r.get(f, where, "name", r.text)
    level = r.get(f, where, "access_level", r.text)
    if service is None or name is None or level is None:
        return None
    return DataNeed(line=line_of(node), lines=_lines(f), service=service, name=name,
                    access_level=level)


def _value_set(r: Reader, node: yaml.Node, where: str) -> ValueSet | None:
    f = _keys(r, node, where, "values[]")
    name = r.get(f, where, "name", r.text) if f is not None else None
    if f is None or name is None:
        return None
    values = r.get(f, where, "values", r.values)
    pattern = r.get(f, where, "pattern", r.pattern)
    if values is None and pattern is None:
        if "values" not in f and "pattern" not in f:
            r.problem(line_of(node), f"{where}: give values, pattern or both",
                      "values: [a, b] lists an enumeration; pattern: '^[a-z]+$' a format")
        return None
    if values is not None and pattern is not None:
        for value in values:
            if not re.fullmatch(pattern, value):
                r.problem(f["values"][1], f"{where}: value '{value}' does not match its own "
                          f"pattern '{pattern}'", "fix the value or the pattern")
    return ValueSet(line=line_of(node), lines=_lines(f), name=name, values=values,
                    pattern=pattern)


def _remote(r: Reader, node: yaml.Node, where: str) -> Remote | None:
    f = _keys(r, node, where, "remotes[]")
    service = r.get(f, where, "service", r.slug) if f is not None else None
    if f is None or service is None:
        return None
    path, git = r.get(f, where, "path", r.checkout_path), r.get(f, where, "git", r.free_text)
    ref = r.get(f, where, "ref", r.text)
    if (path is None) == (git is None):
        if ("path" in f) == ("git" in f):
            r.problem(line_of(node), f"{where}: give either path (a checkout) or git and ref")
        return None
    if git is not None and ref is None:
        if "ref" not in f:
            r.problem(line_of(node), f"{where}: git needs a ref (a branch, tag or commit)")
        return None
    return Remote(line=line_of(node), lines=_lines(f), service=service, path=path, git=git,
                  ref=ref)




def read_contract(r: Reader, root: yaml.Node, path: Path, rel: str) -> Contract | None:
    """The contract in a composed YAML document (None when it is not a mapping)."""
    top = _keys(r, root, "the contract", "")
    if top is None:
        return None
    service = path.stem
    if not SLUG.fullmatch(service):
        r.problem(0, f"file name '{path.name}' is not <service>.yaml with a service slug",
                  "rename it: lowercase letters, digits and hyphens")
    declared = r.get(top, "", "service", r.slug)
    if declared is not None and declared != service:
        r.problem(top["service"][1], f"service '{declared}' differs from the file name {path.name}",
                  f"rename the file to {declared}.yaml or set service: {service}")
    empty: Fields = {}
    provides = r.get(top, "", "provides", lambda n, w: _keys(r, n, w, "provides")) or empty
    depends = r.get(top, "", "depends_on", lambda n, w: _keys(r, n, w, "depends_on")) or empty
    p, d = "provides", "depends_on"
    contract = Contract(
        line=top["service"][1] if "service" in top else 1,
        lines=_lines(top),
        service=service,
        path=path,
        rel=rel,
        owner=r.get(top, "", "owner", r.text),
        write_path=r.get(top, "", "write_path", lambda n, w: r.choice(n, w, WRITE_PATHS)),
        runtime=r.get(top, "", "runtime", lambda n, w: _runtime(r, n, w)),
        operations=r.unique(_section(r, provides, p, "operations", _operation),
                            lambda o: o.name, "operation"),
        events=r.unique(_section(r, provides, p, "events", _published),
                        lambda e: e.topic, "published topic"),
        datasets=r.unique(_section(r, provides, p, "datasets", _dataset),
                          lambda s: s.name, "dataset"),
        data=r.unique(_section(r, provides, p, "data", _exposed), lambda x: x.name, "data"),
        calls=r.unique(_section(r, depends, d, "operations", _call),
                       lambda c: f"{c.service}.{c.operation}", "call"),
        consumes=r.unique(_section(r, depends, d, "events", _consumed),
                          lambda e: e.topic, "consumed topic"),
        reads=r.unique(_section(r, depends, d, "datasets", _read),
                       lambda s: f"{s.service}.{s.name}", "dataset read"),
        needs=r.unique(_section(r, depends, d, "data", _need),
                       lambda x: f"{x.service}.{x.name}", "data need"),
        interface=r.get(top, "", "interface", r.relative_path),
        values=r.unique(r.entries(top["values"][0], "values", lambda n, w: _value_set(r, n, w))
                        if "values" in top else [], lambda v: v.name, "value set"),
        remotes=r.unique(r.entries(top["remotes"][0], "remotes", lambda n, w: _remote(r, n, w))
                         if "remotes" in top else [], lambda x: x.service, "remote"),
    )
    return replace(contract, clean=not r.findings)


def _section(r: Reader, fields: Fields, where: str, name: str,
             build: Callable[[Reader, yaml.Node, str], T | None]) -> list[T]:
    if name not in fields:
        return []
    return r.entries(fields[name][0], f"{where}.{name}", lambda n, w: build(r, n, w))
