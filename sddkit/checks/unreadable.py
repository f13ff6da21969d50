"""SDD-001: a project whose documents cannot be read (front matter, encoding, layout)."""

from __future__ import annotations

from sddkit.checks.rule_ids import ERROR
from sddkit.errors import SddkitError
from sddkit.findings import Finding
from sddkit.io import content_keys
from sddkit.projects.project import Project, project_loader
from sddkit.workspace import Workspace

RULE = "SDD-001"


def unreadable(ws: Workspace, exc: SddkitError, fallback: str) -> Finding:
    """A loading error as a finding at the file and line it names (``fallback`` without one)."""
    path = ws.rel(exc.path) if exc.path is not None else fallback
    return Finding(path, exc.line or 0, RULE, ERROR, exc.message,
                   "fix the file; the project's other rules run once it loads")


def load(ws: Workspace, name: str) -> tuple[Project | None, list[Finding]]:
    """The project, or None and the SDD-001 finding that says why it cannot be read."""
    try:
        snapshot = content_keys.for_workspace(ws.root, ws.assets)  # through the parse cache
        return project_loader(ws, None, snapshot).project(name), []
    except SddkitError as exc:
        return None, [unreadable(ws, exc, ws.rel(ws.assets / name))]
