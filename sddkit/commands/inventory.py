from __future__ import annotations

import click

from .._fileio import transaction
from ..sync import refresh
from . import dry_run_option, workspace


@click.command()
@click.option("--check", is_flag=True, help="Exit 1 if the inventory or contexts table is stale.")
@dry_run_option
@click.pass_context
def inventory(ctx: click.Context, check: bool, dry_run: bool) -> None:
    """Rebuild the inventory (and the contexts table) from the files."""
    ws = workspace(ctx)
    with transaction(ws.root, dry_run=dry_run or check) as tx:
        refresh(ws, tx)
    changes = tx.changes()
    if check:
        from ..faults import recorded
        from ..inventory import without_rows

        projects = [b.name for b in recorded() if b.kind == "project"]  # reported as theirs
        contexts = [b.name for b in recorded() if b.kind == "context"]
        changes = [(path, old, new) for path, old, new in changes
                   if path not in (ws.sdd_context, ws.root_context)
                   or without_rows(old or "", projects, contexts)
                   != without_rows(new, projects, contexts)]
        if changes:
            stale = ", ".join(ws.rel(path) for path, _o, _n in changes)
            click.echo(f"sdd: out of date: {stale}; run `sdd inventory` and commit", err=True)
            ctx.exit(1)
        click.echo("inventory is up to date")
        return
    if dry_run:
        click.echo(tx.diff(), nl=False)
        return
    click.echo(f"updated {', '.join(ws.rel(p) for p, _o, _n in changes)}" if changes
               else "inventory is up to date")
