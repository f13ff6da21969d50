"""``sdd init``: create AGENTS.ctx/ and the pointer block in AGENTS.md. Re-running is a no-op."""

from __future__ import annotations

from pathlib import Path

from sddkit.io import markers
from sddkit.io.fileio import Transaction
from sddkit.io.rendering import render
from sddkit.repository.generated_blocks import refresh
from sddkit.workspace import CTX_DIR, Workspace

POINTER_BLOCK = "agents"


def pointer_text() -> str:
    return render("agents-pointer.md.j2")


def initialise(root: Path, tx: Transaction) -> Workspace:
    """Stage every file ``sdd init`` creates or updates in ``tx``."""
    ws = Workspace(root)
    if tx.read(ws.root_context) is None:
        tx.write(ws.root_context, render("root-context.md.j2"))
    if tx.read(ws.sdd_context) is None:
        tx.write(ws.sdd_context, render("sdd-context.md.j2"))
    from sddkit.repository.merge_drivers import with_attributes

    attributes = root / ".gitattributes"
    tx.write(attributes, with_attributes(tx.read(attributes)))
    agents_md = root / "AGENTS.md"
    text = tx.read(agents_md) or ""
    tx.write(agents_md, markers.upsert_block(text, POINTER_BLOCK, pointer_text(), agents_md))
    return ws


def init_target(start: Path, explicit: Path | None) -> Path:
    """Where to initialise: ``explicit``, an existing AGENTS.ctx/ above ``start``, else ``start``."""
    if explicit is not None:
        return explicit.absolute()
    here = start.absolute()
    for folder in (here, *here.parents):
        if (folder / CTX_DIR).is_dir():
            return folder
    return here


__all__ = ["POINTER_BLOCK", "init_target", "initialise", "refresh"]
