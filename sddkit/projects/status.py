"""``sdd status``: the projects' state as data (the JSON shape is ``sddkit.status/1``)."""

from __future__ import annotations

from typing import Any

from sddkit.projects.project import load_project
from sddkit.projects.rows import ProjectRow, listing, row_of, sort_key
from sddkit.workspace import PHASES, Workspace

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
    """``sddkit.status/1`` for every project; ``broken`` lists the projects that cannot be
    read (kind, name, file, line, error; docs/json.md)."""
    found, broken = listing(ws)
    return {"schema": SCHEMA, "projects": [_row(r) for r in sorted(found, key=sort_key)],
            "broken": [b.to_json(ws) for b in broken]}


def project_detail(ws: Workspace, name: str) -> dict[str, Any]:
    project = load_project(ws, name)
    phases = []
    for phase in PHASES:
        doc = project.docs.get(phase)
        flags = project.phase_flags(phase)
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


def summary_text(data: dict[str, Any]) -> str:
    """``sdd status`` without a project, as text: one line per project."""
    rows, broken = data["projects"], data.get("broken", [])
    if not rows and not broken:
        return "No projects yet: `sdd new NAME` starts one.\n"
    width = max(len(name) for name in [*(r["project"] for r in rows),
                                       *(b["name"] for b in broken)])
    out = []
    for r in rows:
        flags = f"  [{', '.join(r['flags'])}]" if r["flags"] else ""
        out.append(f"{r['project']:<{width}}  {r['state']:<17} {r['phase']:<12} "
                   f"{r['progress']}{flags}\n")
    for b in broken:  # cannot be read: the file, line and error (also on stderr)
        where = f"{b['file']}:{b['line']}" if b["line"] else b["file"] or "-"
        out.append(f"{b['name']:<{width}}  {'error':<17} {'-':<12} {where}: {b['error']}\n")
    return "".join(out)


def detail_text(data: dict[str, Any]) -> str:
    """``sdd status PROJECT`` as text: the phases, their approvals and flags, the next step."""
    out = [f"{data['project']}: {data['state']} (phase {data['phase']}) — {data['title']}"]
    if data["blocked"]:
        out.append(f"  blocked: {data['blocked']}")
    for p in data["phases"]:
        flags = f"  [{', '.join(p['flags'])}]" if p["flags"] else ""
        who = f" by {p['approved_by']} at {p['approved_at']}" if p["approved_by"] else ""
        out.append(f"  {p['phase']:<12} {p['status'] or '-':<9}{who}{flags}")
    tasks = data["tasks"]
    if tasks["total"]:
        out.append(f"  tasks: {tasks['done']}/{tasks['total']} done")
    out.append(f"Next: {data['next']}")
    return "".join(f"{line}\n" for line in out)


ARCHIVED_SCHEMA = "sddkit.status.archived/1"


def archived_summary(ws: Workspace) -> dict[str, Any]:
    """``sdd status --archived``: every archived project, oldest first (``sddkit.status.archived/1``).

    A project that cannot be read is listed with its error instead of its phases.
    """
    from sddkit.projects.archive import archived_docs, doc_summary

    out = []
    for entry, project, error in archived_docs(ws):
        item: dict[str, Any] = {
            "project": entry.name,
            "archived_on": entry.archived_on,
            "path": ws.rel(entry.path),
            "title": project.title if project is not None else None,
            "phases": {p: doc_summary(project.docs.get(p)) for p in PHASES}
            if project is not None else None,
            "tasks": None,
            "forced": None,
            "error": error.located(ws.root) if error is not None else None,
        }
        if project is not None:
            done, total = project.progress
            item["tasks"] = {"done": done, "total": total}
            forced = project.constitution.meta.get("archived_forced")
            item["forced"] = str(forced) if forced else None
        out.append(item)
    return {"schema": ARCHIVED_SCHEMA, "archived": out}
