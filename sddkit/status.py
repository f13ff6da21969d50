"""``sdd status``: the projects' state as data (the JSON shape is ``sddkit.status/1``)."""

from __future__ import annotations

from typing import Any

from .inventory import short_next, sort_key
from .project import Project, load_project, load_projects
from .workspace import PHASES, Workspace

SCHEMA = "sddkit.status/1"


def _row(project: Project) -> dict[str, Any]:
    done, total = project.progress
    return {
        "project": project.name,
        "title": project.title,
        "state": project.state,
        "phase": project.current_phase,
        "flags": project.flags,
        "progress": f"{done}/{total} tasks" if total else
        f"{sum(1 for p in project.docs if project.clean(p))}/4 phases",
        "tasks": {"done": done, "total": total},
        "priority": project.priority,
        "blocked": project.blocked,
        "updated": project.updated or None,
        "notes": project.notes,
        "next": short_next(project),
    }


def project_summary(ws: Workspace) -> dict[str, Any]:
    projects = sorted(load_projects(ws), key=sort_key)
    return {"schema": SCHEMA, "projects": [_row(p) for p in projects]}


def project_detail(ws: Workspace, name: str) -> dict[str, Any]:
    project = load_project(ws, name)
    phases = []
    for phase in PHASES:
        doc = project.docs.get(phase)
        flags = []
        if doc is not None and doc.changed:
            flags.append("changed-since-approval")
        if project.stale(phase):
            flags.append("stale")
        phases.append(
            {
                "phase": phase,
                "path": ws.rel(doc.path) if doc else None,
                "status": doc.status if doc else None,
                "approved_by": doc.meta.get("approved_by") if doc else None,
                "approved_at": doc.meta.get("approved_at") if doc else None,
                "approved_commit": doc.meta.get("approved_commit") if doc else None,
                "flags": flags,
            }
        )
    return {**_row(project), "schema": SCHEMA, "phases": phases}
