"""The service contract model: plain frozen dataclasses, every value with its file line.

One ``AGENTS.ctx/contracts/<service>.yaml`` becomes one :class:`Contract`. Each entity
keeps the line it starts on (``line``) and the line of each of its keys (``lines``), so
that a finding can point at the exact line it is about. Loading is in :mod:`.load`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sddkit.findings import Finding

#: Latency percentiles a contract may state.
PERCENTILES = ("p50", "p90", "p95", "p99")
#: ``<number><unit>``: ``200ms``, ``3.2s``, ``5m``, ``1h``.
DURATION = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?)(?P<unit>ms|s|m|h)")
UNIT_MS = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
#: Ways a service writes its events: through an outbox table, or straight to the broker.
WRITE_PATHS = ("outbox", "direct")
#: PII levels of exposed data, least to most sensitive.
PII_LEVELS = ("none", "minimal", "low", "medium", "high")
#: An access list entry that grants everyone.
ANY_ACCESS = "any"


@dataclass(frozen=True)
class Duration:
    """A duration as written (``text``) and in milliseconds (``ms``)."""

    ms: float
    text: str

    def __str__(self) -> str:
        return self.text

    def shown(self) -> str:
        """The text, with milliseconds added when the unit is not already ms: ``3.2s (3200ms)``."""
        if self.text.endswith("ms"):
            return self.text
        return f"{self.text} ({self.ms:g}ms)"


def parse_duration(text: str) -> Duration:
    """``<number><unit>`` as a :class:`Duration`; ValueError for anything else."""
    match = DURATION.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return Duration(float(match["number"]) * UNIT_MS[match["unit"]], text)


@dataclass(frozen=True, kw_only=True)
class Located:
    """Where an entity is: the line it starts on and the line of each of its keys."""

    line: int
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def at(self, key: str) -> int:
        """The line of ``key`` (``latency.p95`` for a nested one), else the entity's line."""
        return self.lines.get(key, self.line)


@dataclass(frozen=True, kw_only=True)
class Runtime(Located):
    """``runtime``: how the service is run, probed and reached.

    ``name`` is the DNS name callers use (default: the service slug); ``manifests`` are the
    globs, relative to the repository root, of the deployment files that run it.
    """

    port: int | None = None
    health: str | None = None
    readiness: str | None = None
    config: tuple[str, ...] = ()
    secrets: str | None = None
    name: str | None = None
    manifests: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Idempotency(Located):
    key: str
    stable_across_retries: bool = False
    window: Duration | None = None


@dataclass(frozen=True, kw_only=True)
class Operation(Located):
    """``provides.operations[]``: an operation other services may call synchronously."""

    name: str
    latency: Mapping[str, Duration] = field(default_factory=dict)
    idempotency: Idempotency | None = None


@dataclass(frozen=True, kw_only=True)
class PublishedEvent(Located):
    topic: str
    dedup_key: frozenset[str] | None = None
    via: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProvidedDataset(Located):
    name: str
    via: str | None = None
    freshness: Duration | None = None


@dataclass(frozen=True, kw_only=True)
class ExposedData(Located):
    name: str
    pii: str | None = None
    access: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Retry(Located):
    max: int
    reuses_request_id: bool


@dataclass(frozen=True, kw_only=True)
class Call(Located):
    """``depends_on.operations[]``: a synchronous call to another service's operation."""

    service: str
    operation: str
    latency_budget: Mapping[str, Duration] = field(default_factory=dict)
    timeout: Duration | None = None
    retry: Retry | None = None


@dataclass(frozen=True, kw_only=True)
class ConsumedEvent(Located):
    topic: str
    dedup_key: frozenset[str] | None = None


@dataclass(frozen=True, kw_only=True)
class DatasetRead(Located):
    service: str
    name: str
    freshness_required: Duration | None = None


@dataclass(frozen=True, kw_only=True)
class DataNeed(Located):
    service: str
    name: str
    access_level: str


@dataclass(frozen=True, kw_only=True)
class ValueSet(Located):
    """``values[]``: an identifier or enumeration the service exchanges.

    ``values`` lists the allowed values (an enumeration); ``pattern`` is a regular expression
    every value matches (an identifier's format). At least one of them is set.
    """

    name: str
    values: tuple[str, ...] | None = None
    pattern: str | None = None


@dataclass(frozen=True, kw_only=True)
class Remote(Located):
    """``remotes[]``: where the contract of a service kept in another repository is read.

    Either ``path`` (a checkout of that repository, relative to this repository's root) or
    ``git`` (a URL or path of a git repository) with ``ref`` (a branch, tag or commit).
    """

    service: str
    path: str | None = None
    git: str | None = None
    ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class Contract(Located):
    """One service's contract. ``clean`` is False when loading it found schema problems."""

    service: str
    path: Path
    rel: str
    clean: bool = True
    owner: str | None = None
    write_path: str | None = None
    runtime: Runtime | None = None
    operations: tuple[Operation, ...] = ()
    events: tuple[PublishedEvent, ...] = ()
    datasets: tuple[ProvidedDataset, ...] = ()
    data: tuple[ExposedData, ...] = ()
    calls: tuple[Call, ...] = ()
    consumes: tuple[ConsumedEvent, ...] = ()
    reads: tuple[DatasetRead, ...] = ()
    needs: tuple[DataNeed, ...] = ()
    interface: str | None = None
    values: tuple[ValueSet, ...] = ()
    remotes: tuple[Remote, ...] = ()
    #: Where it was read from when it lives in another repository (``remotes``), else None.
    origin: str | None = None

    @property
    def dns_name(self) -> str:
        """The name callers reach the service at: ``runtime.name``, else the service slug."""
        return self.runtime.name if self.runtime and self.runtime.name else self.service

    def where(self, line: int) -> str:
        """``rel:line``, for naming this file inside another file's finding."""
        return f"{self.rel}:{line}"

    def operation(self, name: str) -> Operation | None:
        return next((op for op in self.operations if op.name == name), None)

    def dataset(self, name: str) -> ProvidedDataset | None:
        return next((ds for ds in self.datasets if ds.name == name), None)

    def exposed(self, name: str) -> ExposedData | None:
        return next((d for d in self.data if d.name == name), None)

    def value_set(self, name: str) -> ValueSet | None:
        return next((v for v in self.values if v.name == name), None)


def show_key(key: frozenset[str] | None) -> str:
    """A dedup key for messages: ``order_id`` or ``[a, b]`` (sorted), ``none`` when unset."""
    if not key:
        return "none"
    names = sorted(key)
    return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"


@dataclass
class ContractSet:
    """Every contract of a workspace, the CON-001 findings, and the files that did not load."""

    contracts: dict[str, Contract] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unloadable: set[str] = field(default_factory=set)
    files: int = 0
    #: The repository root that ``runtime.manifests`` and ``interface`` are relative to.
    root: Path | None = None

    def known(self, service: str) -> bool:
        """Whether a contract file exists for ``service`` (whether it loaded or not)."""
        return service in self.contracts or service in self.unloadable

    def unavailable_remotes(self) -> bool:
        """Whether a contract named in ``remotes`` could not be read (CON-022)."""
        return any(f.rule == "CON-022" for f in self.findings)
