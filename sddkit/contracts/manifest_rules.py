"""Rules CON-013 to CON-018: a contract's ``runtime`` against its deployment files.

A finding sits at the manifest's file and line (where the running system disagrees) and
names the contract's file and line in its message; a problem with the contract's own
``runtime.manifests`` sits at the contract. See docs/contracts.md for each rule.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sddkit.contracts.contract_model import Contract, Runtime
from sddkit.contracts.deployment import Container, Deployment, Endpoint, Place, Probe
from sddkit.contracts.manifests import ManifestReader
from sddkit.findings import Finding

#: A URL in an environment value: ``http://risk:8080/score``, ``grpc://catalog:9090``.
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"]+")
#: A local port in a healthcheck command: ``localhost:8080``, ``127.0.0.1:8080``.
LOCAL_PORT = re.compile(r"(?:localhost|127\.0\.0\.1|0\.0\.0\.0):(?P<port>[0-9]+)")


@dataclass
class _Run:
    contracts: dict[str, Contract]
    reader: ManifestReader
    found: list[Finding] = field(default_factory=list)

    def add(self, at: Place, rule: str, severity: str, message: str, hint: str = "") -> None:
        self.found.append(Finding(at.file, at.line, rule, severity, message, hint))


def check_manifests(contracts: dict[str, Contract], root: Path) -> list[Finding]:
    """CON-013 to CON-018 for every contract with ``runtime.manifests`` (unsorted)."""
    run = _Run(contracts, ManifestReader(root))
    deployments: dict[str, Deployment] = {}
    mains: dict[str, Container] = {}
    for name in sorted(contracts):
        c = contracts[name]
        rt = c.runtime
        if rt is None or not rt.manifests or not c.clean or c.origin is not None:
            continue
        dep = run.reader.deployment(rt.manifests, c.rel, rt.at("manifests"))
        deployments[name] = dep
        for at, severity, message, hint in dep.problems:
            run.add(at, "CON-013", severity, message, hint)
        if any(problem[1] == "error" for problem in dep.problems):
            continue  # half-read files would only give misleading findings: fix CON-013 first
        main = _main_container(run, c, rt, dep)
        if main is None:
            continue
        mains[name] = main
        _port(run, c, rt, main, dep)
        _probes(run, c, rt, main)
        _config(run, c, rt, main, dep)
        _secrets(run, c, rt, main)
    _names(run, deployments, mains)
    return run.found


def _main_container(run: _Run, c: Contract, rt: Runtime, dep: Deployment) -> Container | None:
    """The container that runs ``c``: its workload is named like the service, or is alone."""
    names = {c.dns_name, c.service}
    own = [k for k in dep.containers if k.workload in names]
    if not own and len(dep.workloads()) == 1:
        own = dep.containers
    if own:
        return next((k for k in own if k.name in names), own[0])
    if dep.files and not dep.problems:
        found = ", ".join(dep.workloads()) or "none"
        run.add(Place(c.rel, rt.at("manifests")), "CON-013", "error",
                f"{c.service}: no workload named '{c.dns_name}' in {', '.join(dep.files)} "
                f"(workloads: {found})",
                "name the Deployment (or compose service) after the service, or set runtime.name")
    return None


def _port(run: _Run, c: Contract, rt: Runtime, k: Container, dep: Deployment) -> None:
    if rt.port is None:
        return
    declared = f"the contract's port {rt.port} ({c.where(rt.at('port'))})"
    if k.ports and rt.port not in k.ports:
        first = min(k.ports.values(), key=lambda p: p.line)
        run.add(first, "CON-014", "error",
                f"{k.describe()} listens on {_ports(k.ports)}, not on {declared}",
                "make the container port and runtime.port agree")
    for ep in dep.endpoints:
        if ep.platform != "kubernetes" or ep.name not in {c.dns_name, c.service}:
            continue
        for port, target in ep.ports:
            number = k.port_names.get(target) if isinstance(target, str) else target
            if number not in (k.ports or {rt.port}):
                shown = f"'{target}' (not a port of the container)" if number is None \
                    else str(number)
                serves = _ports(k.ports) if k.ports else declared
                run.add(ep.at, "CON-014", "error",
                        f"Service {ep.name} sends port {port} to targetPort {shown}, but "
                        f"{k.describe()} serves {serves}",
                        f"set targetPort: {rt.port}")


def _ports(ports: dict[int, Place]) -> str:
    return "port " + ", ".join(str(p) for p in sorted(ports))


def _probes(run: _Run, c: Contract, rt: Runtime, k: Container) -> None:
    for what, path, probe, key in (("health", rt.health, k.liveness, "livenessProbe"),
                                   ("readiness", rt.readiness, k.readiness, "readinessProbe")):
        if path is None:
            continue
        declared = f"the contract's {what} path is {path} ({c.where(rt.at(what))})"
        if probe is None:
            if k.platform == "kubernetes":
                run.add(k.at, "CON-015", "warning",
                        f"{k.describe()} has no {key}, so {path} is never probed "
                        f"({c.where(rt.at(what))})",
                        f"add {key}.httpGet with path: {path}")
            continue
        _probe(run, c, rt, k, probe, path, declared)


def _probe(run: _Run, c: Contract, rt: Runtime, k: Container, probe: Probe, path: str,
           declared: str) -> None:
    if probe.command is not None:
        if k.platform != "compose":
            return  # an exec probe: what it checks is the program's business
        if path not in probe.command:
            run.add(probe.at, "CON-015", "error",
                    f"{k.describe()}'s healthcheck does not request {path}, but {declared}: "
                    f"'{probe.command}'", f"check {path} in the healthcheck")
        ports = {int(m["port"]) for m in LOCAL_PORT.finditer(probe.command)}
        if rt.port is not None and ports and rt.port not in ports:
            run.add(probe.at, "CON-015", "error",
                    f"{k.describe()}'s healthcheck calls port {min(ports)}, but the contract's "
                    f"port is {rt.port} ({c.where(rt.at('port'))})", "probe the service's port")
        return
    if probe.path != path:
        run.add(probe.at, "CON-015", "error",
                f"{k.describe()} probes {probe.path}, but {declared}",
                "make the probe path and the contract agree")
    port = k.port_names.get(probe.port) if isinstance(probe.port, str) else probe.port
    # Against the container's ports when it declares them (CON-014 compares those with the
    # contract), so that one wrong port gives one finding.
    if rt.port is not None and probe.port is not None and port not in (k.ports or {rt.port}):
        run.add(probe.at, "CON-015", "error",
                f"{k.describe()} probes port {probe.port}, but the contract's port is "
                f"{rt.port} ({c.where(rt.at('port'))})", "probe the port the service listens on")


def _config(run: _Run, c: Contract, rt: Runtime, k: Container, dep: Deployment) -> None:
    unknown = [s for s in k.env_sources if dep.source(s.kind, s.name) is None]
    for key in rt.config:
        if _sets(key, k, dep):
            continue
        where = f"the contract reads {key} ({c.where(rt.at('config'))})"
        if unknown:
            names = ", ".join(f"{s.kind} {s.name}" for s in unknown)
            run.add(k.at, "CON-016", "warning",
                    f"{k.describe()} does not set {key} unless {names} (not in the manifests) "
                    f"has it: {where}", "add the ConfigMap to runtime.manifests to check it")
            continue
        files = "".join(f"; env file {p} ({at}) does not set it" for p, at in k.env_files)
        close = difflib.get_close_matches(key, list(k.env), n=1)
        run.add(k.at, "CON-016", "error",
                f"{k.describe()} does not set {key}, but {where}{files}",
                (f"did you mean '{close[0]}'? " if close else "")
                + "set it in env (or a ConfigMap), or drop it from runtime.config")


def _sets(key: str, k: Container, dep: Deployment) -> bool:
    """Whether the container sets ``key``: in env, or through envFrom of a known object."""
    if key in k.env:
        return True
    for src in k.env_sources:
        found = dep.source(src.kind, src.name)
        if found is not None and key in {src.prefix + name for name in found.keys}:
            return True
    return False


def _secrets(run: _Run, c: Contract, rt: Runtime, k: Container) -> None:
    path = rt.secrets
    if path is None or not path.startswith("/"):
        return
    declared = f"the contract's secrets location {path} ({c.where(rt.at('secrets'))})"
    base = path.rstrip("/") or "/"
    matches = [m for m in k.mounts if _overlaps(m.target.rstrip("/") or "/", base)]
    if not matches:
        mounted = ", ".join(sorted(m.target for m in k.mounts)) or "nothing"
        run.add(k.at, "CON-017", "error",
                f"{k.describe()} mounts nothing at {declared} (mounts: {mounted})",
                "mount the Secret there, or fix runtime.secrets")
        return
    for m in matches:
        if m.source != "secret":
            run.add(m.at, "CON-017", "error",
                    f"{k.describe()} mounts a {m.source} {m.source_name} at {m.target}, where "
                    f"{declared} expects a secret".replace("  ", " "),
                    "mount a Secret there; configuration is not a secret store")


def _overlaps(target: str, path: str) -> bool:
    return target == path or target.startswith(path + "/") or path.startswith(target + "/")


def _names(run: _Run, deployments: dict[str, Deployment], mains: dict[str, Container]) -> None:
    """CON-018: callers' URLs name endpoints that exist; called services have one."""
    endpoints: dict[str, Endpoint] = {}
    for dep in deployments.values():
        for ep in dep.endpoints:
            endpoints.setdefault(ep.name, ep)
    called = {call.service for c in run.contracts.values() for call in c.calls}
    for name, k in sorted(mains.items()):
        c = run.contracts[name]
        if name in called and c.dns_name not in {ep.name for ep in deployments[name].endpoints}:
            own = sorted(ep.name for ep in deployments[name].endpoints) or ["none"]
            run.add(k.at, "CON-018", "error",
                    f"callers reach {c.service} at '{c.dns_name}', but its manifests define no "
                    f"Service of that name (Services: {', '.join(own)}; "
                    f"{c.where(c.at('runtime'))})",
                    f"name the Service '{c.dns_name}', or set runtime.name to its name")
        for key, (value, at) in sorted(k.env.items()):
            for url in URL.findall(value or ""):
                _url(run, k, key, url, at, endpoints)


def _url(run: _Run, k: Container, key: str, url: str, at: Place,
         endpoints: dict[str, Endpoint]) -> None:
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return
    if host in ("localhost", "127.0.0.1") or ("." in host and ".svc" not in host):
        return  # outside the cluster or compose network: not ours to check
    label = host.split(".")[0]
    ep = endpoints.get(label)
    if ep is None:
        known = sorted(endpoints)
        close = difflib.get_close_matches(label, known, n=1, cutoff=0.5)
        dns = {c.dns_name for c in run.contracts.values()}
        severity = "error" if close or label in dns else "warning"
        run.add(at, "CON-018", severity,
                f"{k.describe()}: {key} points at host '{label}', which no manifest defines "
                f"(defined: {', '.join(known) or 'none'})",
                (f"did you mean '{close[0]}'? " if close else "")
                + "use the Service name the provider's manifests define")
        return
    ports = [p for p, _target in ep.ports]
    if port is not None and ports and port not in ports:
        run.add(at, "CON-018", "error",
                f"{k.describe()}: {key} calls {label} on port {port}, but {ep.name} ({ep.at}) "
                f"serves port {', '.join(str(p) for p in ports)}",
                "use the port the Service exposes")


