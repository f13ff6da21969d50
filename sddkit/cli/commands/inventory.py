"""``sdd inventory``: an adapter over ``sddkit.operations.rebuild_inventory``."""

from __future__ import annotations

import click

from sddkit import operations
from sddkit.cli.commands import dry_run_option, emit, workspace


@click.command()
@click.option("--check", is_flag=True, help="Exit 1 if the inventory or contexts table is stale.")
@dry_run_option
@click.pass_context
def inventory(ctx: click.Context, check: bool, dry_run: bool) -> None:
    """Rebuild the inventory (and the contexts table) from the files."""
    emit(ctx, operations.rebuild_inventory(workspace(ctx), check, dry_run))
