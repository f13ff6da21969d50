"""Regenerate the managed blocks derived from the files: the contexts table and the inventory."""

from __future__ import annotations

from sddkit.errors import SddkitError
from sddkit.io.fileio import Transaction
from sddkit.io.markers import replace_block
from sddkit.repository.contexts import (
    TABLE_BLOCK,
    Context,
    context_names,
    load_context_file,
    render_table,
)
from sddkit.workspace import Workspace


def staged_contexts(ws: Workspace, tx: Transaction) -> tuple[list[Context], list[str]]:
    """(every context as the transaction sees it: on disk, or written earlier in ``tx``;
    the names of those that cannot be read, recorded in :mod:`sddkit.projects.fault_isolation`)."""
    from sddkit.projects import fault_isolation

    names = set(context_names(ws))
    for path in tx.pending:
        if path.name == "CONTEXT.md" and path.parent.parent == ws.ctx:
            names.add(path.parent.name)
    out: list[Context] = []
    broken: list[str] = []
    for name in sorted(names):
        path = ws.context_file(name)
        found = fault_isolation.isolate("context", name, path,
                               lambda p=path, n=name: load_context_file(p, n, tx.read(p)))
        if isinstance(found, Context):
            out.append(found)
        else:
            broken.append(name)
    return out, broken


def refresh_contexts_table(ws: Workspace, tx: Transaction) -> None:
    text = tx.read(ws.root_context)
    if text is None:
        raise SddkitError("missing; run `sdd init` to recreate it", ws.root_context)
    table = render_table(*staged_contexts(ws, tx))
    tx.write(ws.root_context, replace_block(text, TABLE_BLOCK, table, ws.root_context))


def refresh(ws: Workspace, tx: Transaction) -> None:
    """Bring every derived block up to date within ``tx``."""
    from sddkit.projects.inventory import refresh_inventory

    refresh_contexts_table(ws, tx)
    refresh_inventory(ws, tx)
