"""Find and read the deployment files a contract names in ``runtime.manifests``.

Each glob is relative to the repository root (``deploy/*.yaml``, ``k8s/**/*.yaml``,
``docker-compose.yaml``). A file may hold several YAML documents (``---``), as kustomize
output does; each document is a Kubernetes object or a compose file. A glob that matches a
Helm chart folder (one holding ``Chart.yaml``) is rendered with ``helm template`` when helm
is installed, and skipped with a CON-013 warning when it is not. A kustomization is not run
(it may fetch remote bases): point the glob at its rendered output instead.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from sddkit.contracts._compose import is_compose, read_compose
from sddkit.contracts._kube import is_kubernetes, read_object
from sddkit.contracts._located import MAX_FILE, error_line, error_text, load_all
from sddkit.contracts.deployment import Deployment, Place

#: Seconds ``helm template`` may take for one chart.
HELM_TIMEOUT = 60
KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class ManifestReader:
    """Reads deployment files under ``root``, each file once however many contracts name it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, Deployment] = {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def deployment(self, globs: tuple[str, ...], contract_rel: str, line: int) -> Deployment:
        """Everything the files matched by ``globs`` define (problems included)."""
        out = Deployment()
        for pattern in globs:
            matched = self._expand(pattern)
            if not matched:
                out.problem(Place(contract_rel, line), f"runtime.manifests: '{pattern}' matches "
                            "no file", "fix the glob; it is relative to the repository root")
            for path in matched:
                part = self._file(path)
                out.files.append(self.rel(path))
                out.containers += part.containers
                out.endpoints += part.endpoints
                out.sources += part.sources
                out.problems += part.problems
        return out

    def _expand(self, pattern: str) -> list[Path]:
        try:
            found = sorted(self.root.glob(pattern))
        except (ValueError, NotImplementedError, OSError):
            return []
        root = self.root.resolve()
        out: list[Path] = []
        for path in found:
            try:
                inside = path.resolve().is_relative_to(root)
            except OSError:
                continue
            if inside and (path.is_file() or (path / "Chart.yaml").is_file()):
                out.append(path)
        return out

    def _file(self, path: Path) -> Deployment:
        rel = self.rel(path)
        if rel not in self._files:
            self._files[rel] = self._read(path, rel)
        return self._files[rel]

    def _read(self, path: Path, rel: str) -> Deployment:
        out = Deployment()
        if path.is_dir() or path.name == "Chart.yaml":
            chart = path if path.is_dir() else path.parent
            text = self._helm(chart, rel, out)
            if text is None:
                return out
        elif path.name in KUSTOMIZATION:
            out.problem(Place(rel, 1), "a kustomization is not rendered by sddkit",
                        f"render it (kubectl kustomize {path.parent.name} > rendered.yaml) and "
                        "name the output in runtime.manifests", "warning")
            return out
        else:
            try:
                if path.stat().st_size > MAX_FILE:
                    out.problem(Place(rel, 1), f"larger than {MAX_FILE // 1024 // 1024} MiB; "
                                "not read")
                    return out
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                out.problem(Place(rel, 1), f"cannot read the manifest: {exc}")
                return out
        self._documents(text, rel, path.parent, out)
        return out

    def _documents(self, text: str, rel: str, folder: Path, out: Deployment) -> None:
        """Every document of the file, or nothing when one of them is not YAML."""
        try:
            docs = list(load_all(text))
        except yaml.YAMLError as exc:
            out.problem(Place(rel, error_line(exc)), f"invalid YAML: {error_text(exc)}")
            return
        except RecursionError:
            out.problem(Place(rel, 1), "invalid YAML: nested too deeply")
            return
        for doc in docs:
            self._document(doc, rel, folder, out)

    @staticmethod
    def _document(doc: Any, rel: str, folder: Path, out: Deployment) -> None:
        if is_kubernetes(doc):
            read_object(doc, rel, out)
        elif is_compose(doc):
            read_compose(doc, rel, folder, out)

    def _helm(self, chart: Path, rel: str, out: Deployment) -> str | None:
        helm = shutil.which("helm")
        if helm is None:
            out.problem(Place(rel, 1), "a Helm chart, not checked: helm is not installed",
                        "install helm, or render the chart (helm template) and name the output "
                        "in runtime.manifests", "warning")
            return None
        try:
            done = subprocess.run([helm, "template", chart.name, str(chart)], cwd=self.root,
                                  capture_output=True, text=True, timeout=HELM_TIMEOUT,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            out.problem(Place(rel, 1), f"helm template failed: {exc}")
            return None
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            out.problem(Place(rel, 1), f"helm template failed: {reason}")
            return None
        return done.stdout
