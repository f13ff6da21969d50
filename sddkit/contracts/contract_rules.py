"""Cross-check contracts: rules CON-002 to CON-012 (CON-001 comes from loading).

A finding that compares two contracts sits at the consumer's file and line and names the
provider's file and line in its message. Rules that compare against a provider leave out a
provider whose file has CON-001 problems: a value dropped for a typo must not turn into a
second, misleading finding. See docs/contracts.md for every rule with examples.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import PurePosixPath

from sddkit.contracts.call_cycles import call_cycles
from sddkit.contracts.contract_model import (
    ANY_ACCESS,
    Call,
    ConsumedEvent,
    Contract,
    ContractSet,
    Duration,
    Operation,
    PublishedEvent,
    show_key,
)
from sddkit.findings import Finding

#: Most call cycles reported (each is one finding).
MAX_CYCLES = 50


def _close(word: str, options: list[str]) -> str:
    match = difflib.get_close_matches(word, options, n=1)
    return f"did you mean '{match[0]}'? " if match else ""


def _pair(a: Duration, b: Duration) -> tuple[str, str]:
    """Two durations for one message: in milliseconds too when their units differ."""
    if a.text.lstrip("0123456789.") == b.text.lstrip("0123456789."):
        return a.text, b.text
    return a.shown(), b.shown()


def _listing(names: list[str]) -> str:
    return ", ".join(sorted(names)) or "none"


class _Checker:
    def __init__(self, cs: ContractSet, strict: bool) -> None:
        self.cs = cs
        self.strict = strict
        self.found: list[Finding] = []

    def add(self, where: Contract, line: int, rule: str, severity: str, message: str,
            hint: str = "") -> None:
        self.found.append(Finding(where.rel, line, rule, severity, message, hint))

    def provider(self, consumer: Contract, service: str, line: int, what: str) -> Contract | None:
        """The clean contract of ``service``; CON-002 when no file exists for it."""
        if not self.cs.known(service):
            missing = PurePosixPath(consumer.rel).parent / f"{service}.yaml"
            self.add(consumer, line, "CON-002", "error",
                     f"{what}: no contract for service '{service}' ({missing} does not exist)",
                     f"{_close(service, sorted(self.cs.contracts))}"
                     f"create it with `sdd contracts new {service}` or fix the name")
            return None
        found = self.cs.contracts.get(service)
        return found if found is not None and found.clean else None

    def unknown(self, c: Contract, line: int, what: str, p: Contract, provides_no: str,
                name: str, names: list[str], instead: str) -> None:
        """CON-002: ``c`` uses an operation, dataset or data name ``p`` does not have."""
        self.add(c, line, "CON-002", "error",
                 f"{what}: {p.service} {provides_no} '{name}' "
                 f"({p.where(p.at('provides'))} lists: {_listing(names)})",
                 f"{_close(name, names)}{instead}, or add it to {p.rel}")

    # --- synchronous calls: CON-002, -003, -004, -006 ------------------------------------

    def calls(self, c: Contract) -> None:
        for call in c.calls:
            what = f"{c.service} -> {call.service}.{call.operation}"
            p = self.provider(c, call.service, call.at("service"), what)
            if p is None:
                continue
            op = p.operation(call.operation)
            if op is None:
                self.unknown(c, call.at("operation"), what, p, "provides no operation",
                             call.operation, [o.name for o in p.operations],
                             "call an operation that exists")
                continue
            self.latency(c, call, p, op, what)
            self.timeout(c, call, p, op, what)
            self.retry(c, call, p, op, what)

    def latency(self, c: Contract, call: Call, p: Contract, op: Operation, what: str) -> None:
        for pct, budget in call.latency_budget.items():
            line = call.at(f"latency_budget.{pct}")
            provided = op.latency.get(pct)
            if provided is None:
                self.add(c, line, "CON-003", "warning",
                         f"{what}: latency budget {pct} {budget}, but {p.service} does not state "
                         f"{pct} for {op.name} ({p.where(op.line)}): not measured",
                         f"measure it and add latency.{pct} to {p.rel}")
            elif budget.ms < provided.ms:
                want, have = _pair(budget, provided)
                self.add(c, line, "CON-003", "error",
                         f"{what}: latency budget {pct} {want}, but {p.service} provides "
                         f"{pct} = {have} ({p.where(op.at('latency.' + pct))})",
                         "make the operation faster, raise the budget, or stop calling it "
                         "synchronously")

    def timeout(self, c: Contract, call: Call, p: Contract, op: Operation, what: str) -> None:
        if call.timeout is None:
            return
        # p99 when stated; else any stated lower percentile (the p99 is at least that).
        for pct in ("p99", "p95", "p90", "p50"):
            provided = op.latency.get(pct)
            if provided is None:
                continue
            if call.timeout.ms < provided.ms:
                bound = "p99" if pct == "p99" else f"{pct} (so below its p99 too)"
                want, have = _pair(call.timeout, provided)
                self.add(c, call.at("timeout"), "CON-004", "warning",
                         f"{what}: timeout {want} is below {p.service}'s {bound} "
                         f"{have} ({p.where(op.at('latency.' + pct))}): normal slow "
                         "calls time out and get retried",
                         "set the timeout at or above the provider's p99, or get the p99 down")
            return

    def retry(self, c: Contract, call: Call, p: Contract, op: Operation, what: str) -> None:
        retry = call.retry
        if retry is None or retry.max <= 0:
            return
        idem = op.idempotency
        line = call.at("retry")
        if idem is None:
            self.add(c, line, "CON-006", "warning",
                     f"{what}: retries up to {retry.max}x, but {p.service} states no idempotency "
                     f"for {op.name} ({p.where(op.line)}): a retried call can be processed twice",
                     f"add idempotency to {op.name} in {p.rel}, or set retry.max: 0")
        elif idem.stable_across_retries and not retry.reuses_request_id:
            self.add(c, line, "CON-006", "error",
                     f"{what}: retries with a new request id, but {p.service} deduplicates on a "
                     f"stable {idem.key} ({p.where(idem.line)}): each retry is processed as a new "
                     "request",
                     f"send the same {idem.key} on every retry: reuses_request_id: true")

    # --- datasets and data: CON-002, -005, -007 ------------------------------------------

    def reads(self, c: Contract) -> None:
        for read in c.reads:
            what = f"{c.service} reads {read.service}.{read.name}"
            p = self.provider(c, read.service, read.at("service"), what)
            if p is None:
                continue
            ds = p.dataset(read.name)
            if ds is None:
                self.unknown(c, read.at("name"), what, p, "provides no dataset", read.name,
                             [d.name for d in p.datasets], "read a dataset that exists")
                continue
            needed = read.freshness_required
            if needed is None:
                continue
            line = read.at("freshness_required")
            via = f" via {ds.via}" if ds.via else ""
            if ds.freshness is None:
                self.add(c, line, "CON-005", "warning",
                         f"{what}: needs it at most {needed} stale, but {p.service} does not "
                         f"state the freshness of {ds.name} ({p.where(ds.line)}): not measured",
                         f"add freshness to {ds.name} in {p.rel}")
            elif needed.ms < ds.freshness.ms:
                want, have = _pair(needed, ds.freshness)
                self.add(c, line, "CON-005", "error",
                         f"{what}: needs it at most {want} stale, but {p.service} serves "
                         f"it{via} up to {have} stale ({p.where(ds.at('freshness'))})",
                         "read from a fresher source such as the primary or an event stream, "
                         "or relax freshness_required")

    def needs(self, c: Contract) -> None:
        for need in c.needs:
            what = f"{c.service} needs {need.service}.{need.name}"
            p = self.provider(c, need.service, need.at("service"), what)
            if p is None:
                continue
            data = p.exposed(need.name)
            if data is None:
                self.unknown(c, need.at("name"), what, p, "exposes no data", need.name,
                             [d.name for d in p.data], "use data that exists")
                continue
            if ANY_ACCESS in data.access or need.access_level in data.access:
                continue
            granted = (f"grants it only to {', '.join(data.access)}" if data.access
                       else "exposes it to no one")
            pii = f", pii {data.pii}" if data.pii else ""
            self.add(c, need.at("access_level"), "CON-007", "error",
                     f"{what} at access level {need.access_level}, but {p.service} {granted} "
                     f"({p.where(data.at('access'))}{pii}): a trade-off that needs a decision",
                     f"decide: grant {need.access_level} in {p.rel}, or have {c.service} "
                     "use data it may see")

    # --- events: CON-008, -009, -012 -----------------------------------------------------

    def events(self) -> None:
        producers: dict[str, list[tuple[Contract, PublishedEvent]]] = {}
        consumers: dict[str, list[tuple[Contract, ConsumedEvent]]] = {}
        for c in self.cs.contracts.values():
            for ev in c.events:
                producers.setdefault(ev.topic, []).append((c, ev))
            for cons in c.consumes:
                consumers.setdefault(cons.topic, []).append((c, cons))
        # A producer or consumer may hide in a file that did not load cleanly.
        complete = not any(f.rule == "CON-001" for f in self.cs.findings) \
            and not self.cs.unavailable_remotes()
        for _topic, entries in sorted(consumers.items()):
            for c, cons in entries:
                if c.origin is None:
                    self.consumed(c, cons, producers, complete)
        for topic, published in sorted(producers.items()):
            for p, ev in published:
                if p.origin is not None:
                    continue  # another repository's event: its consumers may live anywhere
                if topic not in consumers and complete:
                    self.add(p, ev.line, "CON-008", "warning",
                             f"{p.service} publishes {topic}, but no contract consumes it",
                             "add the consumer's depends_on.events entry, or stop publishing it")
                self.write_path(p, ev)

    def consumed(self, c: Contract, cons: ConsumedEvent,
                 producers: dict[str, list[tuple[Contract, PublishedEvent]]], complete: bool
                 ) -> None:
        if cons.topic in producers:
            for p, ev in producers[cons.topic]:
                self.dedup(c, cons, p, ev)
        elif complete:
            self.add(c, cons.line, "CON-008", "error",
                     f"{c.service} consumes {cons.topic}, but no contract publishes it",
                     f"{_close(cons.topic, sorted(producers))}add it to the producer's "
                     "provides.events, or drop the dependency")

    def write_path(self, p: Contract, ev: PublishedEvent) -> None:
        if ev.via == "direct" and p.write_path == "outbox":
            self.add(p, ev.at("via"), "CON-012", "error",
                     f"{p.service} publishes {ev.topic} via direct, but its write_path is "
                     f"outbox ({p.where(p.at('write_path'))}): the event can be lost, or "
                     "sent for a write that was rolled back",
                     "publish it via: outbox, or change write_path")

    def dedup(self, c: Contract, cons: ConsumedEvent, p: Contract, ev: PublishedEvent) -> None:
        if cons.dedup_key is None or not p.clean or cons.dedup_key == ev.dedup_key:
            return
        sets = (f"publishes it with dedup key {show_key(ev.dedup_key)}" if ev.dedup_key
                else "sets no dedup key on it")
        self.add(c, cons.at("dedup_key"), "CON-009", "error",
                 f"{c.service} consumes {cons.topic} deduplicating on {show_key(cons.dedup_key)}, "
                 f"but {p.service} {sets} ({p.where(ev.at('dedup_key'))})",
                 "agree one key in both contracts")

    # --- whole graph and single contract: CON-010, -011 -----------------------------------

    def cycles(self) -> None:
        for hops in call_cycles(self.cs.contracts, MAX_CYCLES):
            first = hops[0][0]
            path = " -> ".join(
                f"{call.service}.{call.operation} ({src.where(call.line)})" for src, call in hops
            )
            self.add(first, hops[0][1].line, "CON-010", "error",
                     f"synchronous call cycle: {first.service} -> {path}",
                     "break it: replace one call with an event, or move the logic")

    def runtime(self, c: Contract) -> None:
        severity = "error" if self.strict else "warning"
        rt = c.runtime
        if rt is None:
            if "runtime" in c.lines:  # present but not a mapping: CON-001 says so
                return
            self.add(c, c.line, "CON-011", severity,
                     f"{c.service} has no runtime block: how it is run and probed is unstated",
                     "add runtime: {port: 8080, health: /healthz, readiness: /readyz}")
            return
        missing = [key for key in ("port", "health")
                   if getattr(rt, key) is None and key not in rt.lines]
        if missing:
            self.add(c, c.at("runtime"), "CON-011", severity,
                     f"{c.service}'s runtime block has no {' or '.join(missing)}",
                     "add runtime." + " and runtime.".join(missing))


def check(cs: ContractSet, strict: bool = False) -> list[Finding]:
    """Every finding for a loaded set of contracts, CON-001 included, sorted and unique.

    Contracts read from other repositories (``origin`` set) are providers only: their own
    dependencies and runtime are that repository's business. With ``strict``, CON-022 (a
    remote contract not available) is an error, as CON-011 is.
    """
    checker = _Checker(cs, strict)
    for name in sorted(cs.contracts):
        c = cs.contracts[name]
        if c.origin is not None:
            continue
        checker.calls(c)
        checker.reads(c)
        checker.needs(c)
        checker.runtime(c)
    checker.events()
    checker.cycles()
    from sddkit.contracts.values import check_values

    checker.found += check_values(cs.contracts)
    if cs.root is not None:
        from sddkit.contracts.interface_rules import check_interfaces
        from sddkit.contracts.manifest_rules import check_manifests

        checker.found += check_manifests(cs.contracts, cs.root)
        checker.found += check_interfaces(cs.contracts, cs.root)
    loaded = [replace(f, severity="error") if strict and f.rule == "CON-022" else f
              for f in cs.findings]
    return sorted(set(loaded) | set(checker.found))
