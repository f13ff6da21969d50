"""``sdd status``: the projects' state as data (the JSON shape is ``sddkit.status/1``)."""

from __future__ import annotations

from typing import Any

from .index import ProjectRow, row_of, rows, sort_key
from .project import load_project
from .workspace import PHASES, Workspace

SCHEMA = "sddkit.status/1"


def _row(r: ProjectRow) -> dict[str, Any]:
    return {
        "project": r.name,
        "title": r.title,
        "state": r.state,
        "phase": r.phase,
        "flags": list(r.flags),
        "progress": r.progress_text,
        "tasks": {"done": r.done, "total": r.total},
        "priority": r.priority,
        "blocked": r.blocked,
        "updated": r.updated or None,
        "notes": r.notes,
        "next": r.next_short,
    }


def project_summary(ws: Workspace) -> dict[str, Any]:
    return {"schema": SCHEMA, "projects": [_row(r) for r in sorted(rows(ws), key=sort_key)]}


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
    return {**_row(row_of(project)), "schema": SCHEMA, "phases": phases}
