"""SDD-006: a generated block (the inventory, the contexts table) out of date or broken.

Computed as ``sdd inventory`` would: the block regenerated from the files must be the
block on disk. The inventory is checked whenever the projects folder can be listed (a
project that cannot be read is an ``error`` row, as ``sdd inventory`` writes it); the
contexts table only when every context loads. Registration problems are SDD-010.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sddkit.checks.rule_ids import ERROR
from sddkit.errors import SddkitError
from sddkit.findings import Finding
from sddkit.io import markers
from sddkit.io.fileio import read_text
from sddkit.projects.archive import archived_count
from sddkit.projects.inventory import BLOCK, render, without_rows
from sddkit.projects.rows import listing
from sddkit.repository.contexts import TABLE_BLOCK, Context, render_table
from sddkit.workspace import Workspace

RULE = "SDD-006"
HINT = "run `sdd inventory` and commit the result"


def _block(ws: Workspace, path: Path, text: str | None, name: str, what: str,
           content: Callable[[], str], skip: Callable[[], list[str]] = list
           ) -> list[Finding]:
    """SDD-006 for one block. The rows of the projects ``skip()`` names (they cannot be
    read: already SDD-001 findings) are left out of the comparison."""
    rel = ws.rel(path)
    try:
        if text is None:
            text = read_text(path)
        wanted = markers.replace_block(text, name, content(), path)
        block = markers.find_block(text, name, path)
    except SddkitError as exc:
        return [Finding(rel, exc.line or 0, RULE, ERROR, exc.message,
                        "repair the managed block's markers, then run `sdd inventory`")]
    names = skip()
    if without_rows(wanted, names) == without_rows(text, names):
        return []
    line = block.start + 1 if block is not None else 0
    return [Finding(rel, line, RULE, ERROR, f"the {what} is out of date", HINT)]


def _inventory(ws: Workspace) -> tuple[str, list[str]]:
    """(the inventory ``sdd inventory`` would write, the projects that cannot be read).
    Such a project is an ``error`` row there, so a hand edit of the other rows is still
    reported while one is broken; its own row is not compared (one typo is one finding,
    SDD-001, not two)."""
    found, broken = listing(ws, same_run=True)
    return render(found, archived_count(ws), broken, ws), [b.name for b in broken]


def check(ws: Workspace, listable: bool, contexts: list[Context] | None,
          registration: bool, root_text: str | None) -> list[Finding]:
    """SDD-006 for the inventory (when ``listable``: the projects folder could be listed)
    and the contexts table (``contexts``: every context, None when some did not load)."""
    found: list[Finding] = []
    if listable:
        if not ws.sdd_context.is_file():
            found.append(Finding(ws.rel(ws.sdd_context), 0, RULE, ERROR,
                                 "missing: the inventory lives here",
                                 "run `sdd init` to recreate it"))
        else:
            inventory: list[tuple[str, list[str]]] = []

            def table() -> str:
                inventory.append(_inventory(ws))
                return inventory[0][0]

            found += _block(ws, ws.sdd_context, None, BLOCK, "inventory", table,
                            lambda: inventory[0][1] if inventory else [])
    if contexts is not None and not registration and root_text is not None:
        found += _block(ws, ws.root_context, root_text, TABLE_BLOCK, "contexts table",
                        lambda: render_table(contexts))
    return found
