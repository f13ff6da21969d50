"""Read a docker-compose file into :mod:`.deployment` shapes.

Field names and short syntaxes follow the Compose Specification (services: ``ports``,
``expose``, ``environment``, ``env_file``, ``healthcheck``, ``secrets``, ``configs``,
``volumes``, ``networks.*.aliases``). On a compose network, callers reach a service by its
name (or an alias) at the container port, so each service is also an endpoint.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sddkit.contracts._located import dig, line, line_at
from sddkit.contracts.deployment import Container, Deployment, Endpoint, Mount, Place, Probe

#: ``[host_ip:][published:]target[/protocol]`` -> the target (container) port.
SHORT_PORT = re.compile(r"(?:.*:)?(?P<target>[0-9]+)(?:/[a-z]+)?")
#: Where compose mounts a secret named by its short syntax.
SECRETS_DIR = "/run/secrets"


def is_compose(doc: Any) -> bool:
    """Whether a YAML document is a compose file (a ``services`` mapping, no ``kind``)."""
    return isinstance(doc, dict) and isinstance(doc.get("services"), dict) and "kind" not in doc


def read_compose(doc: dict[str, Any], rel: str, folder: Path, into: Deployment) -> None:
    """Add every service of a compose file; ``folder`` is where relative env files live."""
    services = doc["services"]
    for name, spec in services.items():
        if not isinstance(spec, dict):
            continue
        at = Place(rel, line_at(services, name, 1))
        c = Container(at, "compose", str(name), str(name))
        _ports(spec, rel, c)
        _environment(spec, rel, folder, c)
        _healthcheck(spec, rel, c)
        _mounts(spec, rel, c)
        ports = tuple((p, p) for p in sorted(c.ports))
        into.containers.append(c)
        into.endpoints.append(Endpoint(at, "compose", str(name), ports))
        networks = spec.get("networks")
        for network in networks.values() if isinstance(networks, dict) else []:
            aliases = dig(network, "aliases")
            for alias in aliases if isinstance(aliases, list) else []:
                into.endpoints.append(Endpoint(at, "compose", str(alias), ports))


def _ports(spec: dict[str, Any], rel: str, c: Container) -> None:
    for key in ("ports", "expose"):
        entries = spec.get(key)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            target: Any = dig(entry, "target") if isinstance(entry, dict) else None
            if target is None and not isinstance(entry, dict):
                match = SHORT_PORT.fullmatch(str(entry))
                target = int(match["target"]) if match else None
            if isinstance(target, int) and not isinstance(target, bool):
                c.ports.setdefault(target, Place(rel, line_at(entries, i)))


def _environment(spec: dict[str, Any], rel: str, folder: Path, c: Container) -> None:
    env = spec.get("environment")
    if isinstance(env, dict):
        for key, value in env.items():
            c.env[str(key)] = (None if value is None else str(value), Place(rel, line_at(env, key)))
    elif isinstance(env, list):
        for i, item in enumerate(env):
            key, _, value = str(item).partition("=")
            c.env[key] = (value if "=" in str(item) else None, Place(rel, line_at(env, i)))
    files = spec.get("env_file")
    files = [files] if isinstance(files, str) else files
    for i, entry in enumerate(files if isinstance(files, list) else []):
        path = entry.get("path") if isinstance(entry, dict) else entry
        if isinstance(path, str):
            at = Place(rel, line_at(files, i, line_at(spec, "env_file")))
            c.env_files.append((path, at))
            _env_file(folder / path, at, c)


def _env_file(path: Path, at: Place, c: Container) -> None:
    """``KEY=VALUE`` lines of a compose env file (comments and blank lines skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return  # the rule says the key is missing and names the env file it could not read
    for raw in text.splitlines():
        entry = raw.strip()
        if entry and not entry.startswith("#"):
            key, _, value = entry.removeprefix("export ").partition("=")
            c.env.setdefault(key.strip(), (value.strip(), at))


def _healthcheck(spec: dict[str, Any], rel: str, c: Container) -> None:
    check = spec.get("healthcheck")
    if not isinstance(check, dict) or check.get("disable") is True:
        return
    test = check.get("test")
    words = [str(w) for w in test] if isinstance(test, list) else [str(test or "")]
    if words and words[0] in ("CMD", "CMD-SHELL"):
        words = words[1:]
    at = Place(rel, line_at(check, "test", line(check)))
    c.liveness = Probe(at, command=" ".join(words))


def _mounts(spec: dict[str, Any], rel: str, c: Container) -> None:
    for key, source, default_dir in (("secrets", "secret", SECRETS_DIR), ("configs", "configMap",
                                                                          "")):
        entries = spec.get(key)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if entry is None:
                continue
            name = entry.get("source") if isinstance(entry, dict) else entry
            target = entry.get("target") if isinstance(entry, dict) else None
            target = str(target or name or "")
            if not target.startswith("/"):
                target = f"{default_dir}/{target}"
            c.mounts.append(Mount(Place(rel, line_at(entries, i)), target, source, str(name)))
    volumes = spec.get("volumes")
    for i, entry in enumerate(volumes if isinstance(volumes, list) else []):
        target = entry.get("target") if isinstance(entry, dict) else None
        if target is None and isinstance(entry, str):
            parts = entry.split(":")
            target = parts[1] if len(parts) > 1 else parts[0]
        if isinstance(target, str):
            c.mounts.append(Mount(Place(rel, line_at(volumes, i)), target, "volume"))
