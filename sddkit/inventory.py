"""The inventory: a managed block in ``AGENTS.ctx/sdd/CONTEXT.md`` with one row per project.

Deterministic: the same files give the same bytes. Rows are sorted by state, then name;
``Updated`` comes only from dates stored in the files, never from the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import markers
from ._fileio import Transaction, read_text
from .errors import MarkerError, SddkitError
from .project import STATES, Project, load_projects
from .workspace import Workspace

BLOCK = "inventory"
HEADER = "| Project | Phase | Status | Progress | Next | Updated | Notes |"
#: How many projects of each active state ``sdd open sdd`` lists in full (the briefing stays
#: under 8 KB at any size; ``sdd status`` lists everything).
BRIEFING_LIMITS = {"implementing": 6, "awaiting-approval": 4, "drafting": 3}


@dataclass(frozen=True)
class Row:
    project: str
    phase: str
    status: str
    progress: str
    next: str
    updated: str
    notes: str


def _cell(text: str, limit: int = 80) -> str:
    text = " ".join(text.replace("|", "\\|").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_next(project: Project) -> str:
    """The Next column: what the project waits for, in a few words."""
    state = project.state
    if state == "blocked":
        return f"blocked: {project.blocked}"
    if state == "completed":
        return "-"
    if state == "implementing":
        summary = project.task_summary
        assert summary is not None
        if summary.next_key is None:
            return "all remaining tasks blocked"
        return f"{summary.next_key} {summary.next_text}"
    phase = project.current_phase
    doc = project.docs.get(phase)
    if doc is not None and doc.changed:
        return f"re-approve {phase} (changed since approval)"
    if project.stale(phase):
        return f"update and re-approve {phase} (stale)"
    if doc is not None and doc.status == "review":
        return f"approve {phase} (a person)"
    return f"write {phase}, then `sdd ready`"


def row(project: Project) -> Row:
    state = project.state
    flags = project.flags
    status = state + (f" ({', '.join(flags)})" if flags else "")
    done, total = project.progress
    if project.implementing:
        progress = f"{done}/{total} tasks"
    else:
        approved = sum(1 for p in project.docs if project.clean(p))
        progress = f"{approved}/4 phases"
    return Row(
        project.name,
        project.current_phase,
        status,
        progress,
        short_next(project),
        project.updated or "-",
        project.notes,
    )


def sort_key(project: Project) -> tuple[int, str]:
    return (STATES.index(project.state), project.name)


def render(projects: list[Project]) -> str:
    lines = [HEADER, "|---|---|---|---|---|---|---|"]
    for project in sorted(projects, key=sort_key):
        r = row(project)
        cells = [r.project, r.phase, r.status, r.progress, _cell(r.next, 60), r.updated,
                 _cell(r.notes)]
        lines.append("| " + " | ".join(cells) + " |")
    if not projects:
        lines.append("| _no projects yet: `sdd new NAME`_ |  |  |  |  |  |  |")
    return "\n".join(lines) + "\n"


def refresh_inventory(ws: Workspace, tx: Transaction) -> None:
    """Regenerate the inventory block inside ``tx`` (sees the transaction's own writes)."""
    text = tx.read(ws.sdd_context)
    if text is None:
        raise SddkitError("missing; run `sdd init` to recreate it", ws.sdd_context)
    projects = load_projects(ws, tx)
    tx.write(ws.sdd_context, markers.replace_block(text, BLOCK, render(projects), ws.sdd_context))


def is_current(ws: Workspace) -> tuple[bool, str]:
    """Whether the inventory block on disk is what the files say (and the rendered block)."""
    text = read_text(ws.sdd_context)
    current = markers.block_content(text, BLOCK, ws.sdd_context)
    if current is None:
        raise MarkerError(
            f"managed block '{BLOCK}' not found: add the lines {markers.start_marker(BLOCK)} and "
            f"{markers.end_marker(BLOCK)}",
            ws.sdd_context,
        )
    wanted = render(load_projects(ws))
    return current.replace("\r\n", "\n") == wanted, wanted


def summary(ws: Workspace, full: bool) -> dict[str, Any]:
    """The projects part of ``sdd open``: counts, active projects in full, and the next step."""
    from .nextstep import next_step
    from .nextstep import to_text as step_text

    projects = load_projects(ws)
    counts = {state: 0 for state in STATES}
    for project in projects:
        counts[project.state] += 1
    step = next_step(ws, projects)
    ranked = sorted(projects, key=lambda p: (-p.priority, p.name))  # the order `next` follows
    listed: list[Project] = []
    for state, limit in BRIEFING_LIMITS.items():
        listed += [p for p in ranked if p.state == state][:limit]
    rows = [row(p) for p in listed] if full else []
    text = ["## Projects", ""]
    text.append(
        "Counts: " + ", ".join(f"{n} {state}" for state, n in counts.items() if n) if projects
        else "No projects yet: `sdd new NAME` starts one."
    )
    if full and rows:
        text += ["", HEADER, "|---|---|---|---|---|---|---|"]
        text += [
            "| " + " | ".join([r.project, r.phase, r.status, r.progress, _cell(r.next, 60),
                               r.updated, _cell(r.notes, 40)]) + " |"
            for r in rows
        ]
    hidden = len(projects) - len(rows)
    if full and hidden:
        text.append(f"\n({hidden} more not listed: `sdd status` lists every project.)")
    text += ["", "## Next step", "", step_text(ws, step).rstrip("\n")]
    return {
        "counts": counts,
        "projects": [r.__dict__ for r in rows],
        "next": step.message,
        "command": step.command,
        "text": "\n".join(text) + "\n",
    }
