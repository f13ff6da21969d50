"""Read Kubernetes objects into :mod:`.deployment` shapes.

Field names follow the Kubernetes API reference (core/v1 ``PodSpec``, ``Container``,
``Probe``, ``Service``, ``ConfigMap``, ``Secret``; apps/v1 and batch/v1 workloads). Only the
fields the manifest rules compare are read; anything else is left alone.
"""

from __future__ import annotations

from typing import Any

from sddkit.contracts._located import dig, line, line_at
from sddkit.contracts.deployment import (
    Container,
    Deployment,
    Endpoint,
    EnvSource,
    KeySource,
    Mount,
    Place,
    Probe,
)

#: Workload kinds and where their pod spec sits.
POD_SPEC = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def is_kubernetes(doc: Any) -> bool:
    """Whether a YAML document is a Kubernetes object (it has ``apiVersion`` and ``kind``)."""
    return isinstance(doc, dict) and "apiVersion" in doc and isinstance(doc.get("kind"), str)


def read_object(doc: dict[str, Any], rel: str, into: Deployment) -> None:
    """Add the containers, Services, ConfigMaps and Secrets of one object (or ``List``)."""
    kind = doc["kind"]
    if kind.endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            if is_kubernetes(item):
                read_object(item, rel, into)
        return
    name = dig(doc, "metadata", "name")
    name = name if isinstance(name, str) else ""
    at = Place(rel, line(doc, 1))
    if kind in POD_SPEC:
        pod = dig(doc, *POD_SPEC[kind])
        if isinstance(pod, dict):
            _pod(pod, name, rel, into)
    elif kind == "Service":
        ports = dig(doc, "spec", "ports")
        into.endpoints.append(Endpoint(at, "kubernetes", name, tuple(_service_ports(ports))))
    elif kind in ("ConfigMap", "Secret"):
        keys: set[str] = set()
        for section in ("data", "stringData", "binaryData"):
            if isinstance(doc.get(section), dict):
                keys.update(str(k) for k in doc[section])
        into.sources.append(KeySource(at, "configMap" if kind == "ConfigMap" else "secret",
                                      name, frozenset(keys)))


def _service_ports(ports: Any) -> list[tuple[int, int | str]]:
    out: list[tuple[int, int | str]] = []
    for entry in ports if isinstance(ports, list) else []:
        port = dig(entry, "port")
        if isinstance(port, int) and not isinstance(port, bool):
            target = dig(entry, "targetPort")
            usable = isinstance(target, (int, str)) and not isinstance(target, bool)
            out.append((port, target if usable else port))
    return out


def _volumes(pod: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Pod volume name -> (``secret``/``configMap``/``volume``, the object's name)."""
    out: dict[str, tuple[str, str]] = {}
    volumes = pod.get("volumes")
    for vol in volumes if isinstance(volumes, list) else []:
        if not isinstance(vol, dict) or not isinstance(vol.get("name"), str):
            continue
        if isinstance(vol.get("secret"), dict):
            out[vol["name"]] = ("secret", str(vol["secret"].get("secretName", "")))
        elif isinstance(vol.get("configMap"), dict):
            out[vol["name"]] = ("configMap", str(vol["configMap"].get("name", "")))
        elif isinstance(dig(vol, "projected", "sources"), list):
            secrets = [dig(s, "secret", "name") for s in vol["projected"]["sources"]
                       if isinstance(dig(s, "secret"), dict)]
            kind = "secret" if secrets else "volume"
            out[vol["name"]] = (kind, ", ".join(str(s) for s in secrets))
        else:
            out[vol["name"]] = ("volume", "")
    return out


def _pod(pod: dict[str, Any], workload: str, rel: str, into: Deployment) -> None:
    volumes = _volumes(pod)
    containers = pod.get("containers")
    for spec in containers if isinstance(containers, list) else []:
        if isinstance(spec, dict):
            into.containers.append(_container(spec, workload, rel, volumes))


def _probe(spec: dict[str, Any], key: str, rel: str) -> Probe | None:
    probe = spec.get(key)
    if not isinstance(probe, dict):
        return None
    get = probe.get("httpGet")
    if isinstance(get, dict):
        path, port = get.get("path"), get.get("port")
        if isinstance(port, bool) or not isinstance(port, (int, str)):
            port = None
        return Probe(Place(rel, line_at(get, "path")),
                     path=path if isinstance(path, str) else "/", port=port)
    # exec, tcpSocket and grpc probes check what the program decides: kept, not compared.
    command = dig(probe, "exec", "command")
    text = " ".join(str(c) for c in command) if isinstance(command, list) else ""
    return Probe(Place(rel, line_at(spec, key)), command=text)


def _container(spec: dict[str, Any], workload: str, rel: str,
               volumes: dict[str, tuple[str, str]]) -> Container:
    name = spec.get("name")
    c = Container(Place(rel, line(spec, 1)), "kubernetes", workload,
                  name if isinstance(name, str) else "")
    ports = spec.get("ports")
    for i, port in enumerate(ports if isinstance(ports, list) else []):
        number = dig(port, "containerPort")
        if isinstance(number, int) and not isinstance(number, bool):
            c.ports.setdefault(number, Place(rel, line_at(ports, i)))
            if isinstance(dig(port, "name"), str):
                c.port_names[port["name"]] = number
    env = spec.get("env")
    for i, var in enumerate(env if isinstance(env, list) else []):
        if isinstance(dig(var, "name"), str):
            value = var.get("value")
            c.env[var["name"]] = (str(value) if value is not None else None, Place(rel, line_at(env, i)))
    sources = spec.get("envFrom")
    for i, src in enumerate(sources if isinstance(sources, list) else []):
        for key, kind in (("configMapRef", "configMap"), ("secretRef", "secret")):
            ref_name = dig(src, key, "name")
            if isinstance(ref_name, str):
                prefix = src.get("prefix")
                c.env_sources.append(EnvSource(Place(rel, line_at(sources, i)), kind, ref_name,
                                               prefix if isinstance(prefix, str) else ""))
    c.liveness = _probe(spec, "livenessProbe", rel)
    c.readiness = _probe(spec, "readinessProbe", rel)
    mounts = spec.get("volumeMounts")
    for i, mount in enumerate(mounts if isinstance(mounts, list) else []):
        target, vol = dig(mount, "mountPath"), dig(mount, "name")
        if isinstance(target, str):
            source, source_name = volumes.get(str(vol), ("volume", ""))
            c.mounts.append(Mount(Place(rel, line_at(mounts, i)), target, source, source_name))
    return c
