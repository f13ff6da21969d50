"""What the deployment files say about how services run: the shapes the manifest rules compare.

Kubernetes manifests (:mod:`._kube`) and docker-compose files (:mod:`._compose`) are both
read into these shapes, so the rules CON-014 to CON-018 are written once. Every value keeps
the file (repository-relative, POSIX) and the 1-based line it was written on.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Place:
    """A file and a 1-based line in it."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Probe:
    """An HTTP probe (Kubernetes ``httpGet``) or a compose healthcheck command (``command``)."""

    at: Place
    path: str | None = None
    port: int | str | None = None
    command: str | None = None


@dataclass(frozen=True)
class EnvSource:
    """``envFrom``: every key of a ConfigMap or Secret (``kind``) becomes a variable."""

    at: Place
    kind: str  # "configMap" | "secret"
    name: str
    prefix: str = ""


@dataclass(frozen=True)
class Mount:
    """A path mounted into the container, and what it is mounted from.

    ``source`` is ``secret`` (a Kubernetes Secret or a compose secret), ``configMap``,
    or ``volume`` (anything else: a host path, an emptyDir, a named volume).
    """

    at: Place
    target: str
    source: str
    source_name: str = ""


@dataclass
class Container:
    """One container of a workload (a Kubernetes pod template or a compose service)."""

    at: Place
    platform: str  # "kubernetes" | "compose"
    workload: str
    name: str
    ports: dict[int, Place] = field(default_factory=dict)
    port_names: dict[str, int] = field(default_factory=dict)
    env: dict[str, tuple[str | None, Place]] = field(default_factory=dict)
    env_sources: list[EnvSource] = field(default_factory=list)
    env_files: list[tuple[str, Place]] = field(default_factory=list)
    liveness: Probe | None = None
    readiness: Probe | None = None
    mounts: list[Mount] = field(default_factory=list)

    def describe(self) -> str:
        """``deployment risk, container risk`` / ``compose service risk``."""
        if self.platform == "compose":
            return f"compose service {self.workload}"
        return f"workload {self.workload}, container {self.name}"


@dataclass(frozen=True)
class Endpoint:
    """A name callers reach: a Kubernetes Service or a compose service (or its alias).

    ``ports`` maps each port callers use to the container port it sends to (an int, a
    named port, or the same number for compose, where callers use the container port).
    """

    at: Place
    platform: str
    name: str
    ports: tuple[tuple[int, int | str], ...] = ()


@dataclass(frozen=True)
class KeySource:
    """A ConfigMap or Secret defined in the files, with its keys."""

    at: Place
    kind: str
    name: str
    keys: frozenset[str]


@dataclass
class Deployment:
    """Everything the deployment files of one contract define, and what could not be read.

    ``problems`` are (place, message, hint) for CON-013: a glob matching nothing, a file that
    is not YAML, a chart that could not be rendered.
    """

    containers: list[Container] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    sources: list[KeySource] = field(default_factory=list)
    problems: list[tuple[Place, str, str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def problem(self, at: Place, message: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append((at, severity, message, hint))

    def source(self, kind: str, name: str) -> KeySource | None:
        return next((s for s in self.sources if s.kind == kind and s.name == name), None)

    def workloads(self) -> list[str]:
        return sorted({c.workload for c in self.containers})
