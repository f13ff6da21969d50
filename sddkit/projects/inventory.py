"""The inventory: a managed block in ``AGENTS.ctx/sdd/CONTEXT.md`` with one row per project.

Deterministic: the same files give the same bytes. Rows are sorted by state, then name;
``Updated`` comes only from dates stored in the files, never from the clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sddkit.errors import SddkitError
from sddkit.io import markers
from sddkit.names import natural_key
from sddkit.projects.fault_isolation import Broken
from sddkit.projects.project import STATES
from sddkit.projects.rows import ProjectRow, listing, sort_key
from sddkit.workspace import Workspace

if TYPE_CHECKING:
    from sddkit.io.fileio import Transaction

BLOCK = "inventory"
HEADER = "| Project | Phase | Status | Progress | Next | Updated | Notes |"
#: How many projects of each active state ``sdd open sdd`` lists in full (the briefing stays
#: under 8 KB at any size; ``sdd status`` lists everything).
BRIEFING_LIMITS = {"implementing": 6, "awaiting-approval": 4, "drafting": 3}
#: How many completed projects the inventory lists (the most recently updated); the others
#: are counted in one line, so the block stays small however many projects were finished.
COMPLETED_SHOWN = 5
#: The line counting the completed projects not listed.
HIDDEN_LINE = "| _{n} more completed {noun}: `sdd status` lists every project_ |  |  |  |  |  |  |"


def _cell(text: str, limit: int = 80) -> str:
    text = " ".join(text.replace("|", "\\|").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status(r: ProjectRow) -> str:
    return r.state + (f" ({', '.join(r.flags)})" if r.flags else "")


def _line(r: ProjectRow, notes_limit: int = 80) -> str:
    cells = [r.name, r.phase, _status(r), r.progress_text, _cell(r.next_short, 60),
             r.updated or "-", _cell(r.notes, notes_limit)]
    return "| " + " | ".join(cells) + " |"


def _recent(row: ProjectRow) -> tuple[str, str]:
    return (row.updated, row.name)


def _broken_line(ws: Workspace, b: Broken) -> str:
    """A project sddkit cannot read: a row in the ``error`` state naming file, line, error."""
    fix = _cell(f"fix {b.where(ws)}: {b.error}", 120)
    return f"| {_cell(b.name)} | - | error | - | {fix} | - | - |"


def render(projects: list[ProjectRow], archived: int = 0, broken: list[Broken] | None = None,
           ws: Workspace | None = None) -> str:
    """The inventory table: every active project (implementing, awaiting approval, drafting,
    blocked) by state and name, then the :data:`COMPLETED_SHOWN` most recently updated
    completed projects (newest first), then one line counting the other completed ones;
    ``archived`` projects are counted under it, never listed.

    Completed projects are most of a long-lived repository: listing each would make the
    block, which agents load at session start, grow without bound (1.1 MB at 10,000
    projects). ``sdd status`` lists every project.

    ``broken`` projects (which cannot be read; ``ws`` makes their paths relative) come
    first, each a row in the ``error`` state naming its file, line and error: the table
    stays complete, and can be regenerated, while one project is broken.
    """
    lines = [HEADER, "|---|---|---|---|---|---|---|"]
    if broken:
        assert ws is not None
        lines += [_broken_line(ws, b) for b in sorted(broken, key=lambda b: natural_key(b.name))]
    active = [r for r in projects if r.state != "completed"]
    completed = [r for r in projects if r.state == "completed"]
    lines += [_line(r) for r in sorted(active, key=sort_key)]
    completed.sort(key=_recent, reverse=True)
    lines += [_line(r) for r in completed[:COMPLETED_SHOWN]]
    hidden = len(completed) - COMPLETED_SHOWN
    if hidden > 0:
        lines.append(HIDDEN_LINE.format(n=hidden, noun="project" if hidden == 1 else "projects"))
    if not projects and not broken:
        lines.append("| _no projects yet: `sdd new NAME`_ |  |  |  |  |  |  |")
    if archived:
        lines += ["", f"Archived: {archived} (`sdd status --archived` lists them)."]
    return "\n".join(lines) + "\n"


def without_rows(text: str, projects: list[str], contexts: tuple[str, ...] | list[str] = ()
                 ) -> str:
    """``text`` without the inventory rows of ``projects`` (lines ``| NAME |...``) and the
    contexts-table rows of ``contexts`` (``| [NAME](...``): how ``sdd check`` (SDD-006) and
    ``sdd inventory --check`` compare the generated blocks while those cannot be read (their
    error is reported once, as theirs, not again as a stale block)."""
    prefixes = tuple([f"| {name} |" for name in projects] + [f"| [{name}](" for name in contexts])
    if not prefixes:
        return text
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith(prefixes))


def refresh_inventory(ws: Workspace, tx: Transaction, *, whole: bool = False) -> None:
    """Bring the inventory block up to date inside ``tx`` (sees the transaction's own writes).

    When ``tx`` changes the documents of a few projects and the block is in
    :func:`render`'s layout, only their lines change (:mod:`~.inventory_patch`: the write
    costs what it changed, not the number of projects); otherwise, or with ``whole``, every
    project is listed and the block regenerated."""
    text = tx.read(ws.sdd_context)
    if text is None:
        raise SddkitError("missing; run `sdd init` to recreate it", ws.sdd_context)
    from sddkit.projects.archive import archived_count
    from sddkit.repository.contexts import load_context_file

    load_context_file(ws.sdd_context, "sdd", text)  # the inventory's home must itself be sound
    healed = markers.heal_block_conflicts(text, BLOCK)  # a merge left conflict markers in it
    table = None if whole or healed != text else _patched(ws, tx, text)
    if table is None:
        found, broken = listing(ws, tx)
        table = render(found, archived_count(ws, tx), broken, ws)
    tx.write(ws.sdd_context, markers.replace_block(healed, BLOCK, table, ws.sdd_context))


def _patched(ws: Workspace, tx: Transaction, text: str) -> str | None:
    """The block with only the changed projects' lines redone, or None (list them all)."""
    from sddkit.projects import inventory_patch
    from sddkit.projects.rows import written_rows

    changed = written_rows(ws, tx)
    if not changed:
        return None
    content = markers.block_content(text, BLOCK, ws.sdd_context)
    block = None if content is None else inventory_patch.parse(content, HEADER, COMPLETED_SHOWN)
    if block is None:
        return None
    for row, existed in changed:
        if not inventory_patch.patch(block, row.name, existed, row, _line(row), COMPLETED_SHOWN):
            return None
    return inventory_patch.render(block, HIDDEN_LINE) or None


def summary(ws: Workspace, full: bool) -> dict[str, Any]:
    """The projects part of ``sdd open``: counts, active projects in full, and the next step."""
    from sddkit.projects.next_step import next_step
    from sddkit.projects.next_step import to_text as step_text

    projects, broken = listing(ws)
    counts = {state: 0 for state in STATES}
    for project in projects:
        counts[project.state] += 1
    step = next_step(ws, projects)
    ranked = sorted(projects, key=lambda p: (-p.priority, natural_key(p.name)))  # the order `next` follows
    listed: list[ProjectRow] = []
    for state, limit in BRIEFING_LIMITS.items():
        listed += [p for p in ranked if p.state == state][:limit]
    shown = listed if full else []
    text = ["## Projects", ""]
    text.append(
        "Counts: " + ", ".join(f"{n} {state}" for state, n in counts.items() if n) if projects
        else "No projects yet: `sdd new NAME` starts one."
    )
    if shown:
        text += ["", HEADER, "|---|---|---|---|---|---|---|"]
        text += [_line(r, 40) for r in shown]
    hidden = len(projects) - len(shown)
    if full and hidden:
        text.append(f"\n({hidden} more not listed: `sdd status` lists every project.)")
    if broken:
        text += ["", "Projects that cannot be read (skipped; `sdd check` says more):"]
        text += [f"- {b.name}: {b.where(ws)}: {b.error}" for b in broken]
    text += ["", "## Next step", "", step_text(ws, step).rstrip("\n")]
    return {
        "counts": counts,
        "projects": [
            {"project": r.name, "phase": r.phase, "status": _status(r),
             "progress": r.progress_text, "next": r.next_short, "updated": r.updated,
             "notes": r.notes}
            for r in shown
        ],
        "broken": [b.to_json(ws) for b in broken],
        "next": step.message,
        "command": step.command,
        "text": "\n".join(text) + "\n",
    }
