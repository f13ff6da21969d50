"""SDD-006: a generated block (the inventory, the contexts table) out of date or broken.

Computed as ``sdd inventory`` would: the block regenerated from the files must be the
block on disk. Runs only when every project and context loads (the loading problems are
reported by their own rules); registration problems are SDD-010, not SDD-006.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .. import markers
from .._fileio import read_text
from ..archive import archived_count
from ..contexts import TABLE_BLOCK, Context, render_table
from ..errors import SddkitError
from ..findings import Finding
from ..index import ProjectRow, row_of, rows
from ..inventory import BLOCK, render
from ..project import Project
from ..workspace import Workspace
from .rules import ERROR

RULE = "SDD-006"
HINT = "run `sdd inventory` and commit the result"


def _block(ws: Workspace, path: Path, text: str | None, name: str, what: str,
           content: Callable[[], str]) -> list[Finding]:
    rel = ws.rel(path)
    try:
        if text is None:
            text = read_text(path)
        wanted = markers.replace_block(text, name, content(), path)
        block = markers.find_block(text, name, path)
    except SddkitError as exc:
        return [Finding(rel, exc.line or 0, RULE, ERROR, exc.message,
                        "repair the managed block's markers, then run `sdd inventory`")]
    if wanted == text:
        return []
    line = block.start + 1 if block is not None else 0
    return [Finding(rel, line, RULE, ERROR, f"the {what} is out of date", HINT)]


def _rows(ws: Workspace, projects: list[Project]) -> list[ProjectRow]:
    """The inventory's rows: the cached listing rows (keyed by the documents' content, so
    the ones of the projects just loaded), else computed from the projects."""
    try:
        found = rows(ws, same_run=True)
    except SddkitError:  # pragma: no cover - every project loaded a moment ago
        found = []
    if sorted(r.name for r in found) == sorted(p.name for p in projects):
        return found
    return [row_of(p) for p in projects]


def check(ws: Workspace, projects: list[Project] | None, contexts: list[Context] | None,
          registration: bool, root_text: str | None) -> list[Finding]:
    found: list[Finding] = []
    if projects is not None:
        if not ws.sdd_context.is_file():
            found.append(Finding(ws.rel(ws.sdd_context), 0, RULE, ERROR,
                                 "missing: the inventory lives here",
                                 "run `sdd init` to recreate it"))
        else:
            found += _block(ws, ws.sdd_context, None, BLOCK, "inventory",
                            lambda: render(_rows(ws, projects), archived_count(ws)))
    if contexts is not None and not registration and root_text is not None:
        found += _block(ws, ws.root_context, root_text, TABLE_BLOCK, "contexts table",
                        lambda: render_table(contexts))
    return found
