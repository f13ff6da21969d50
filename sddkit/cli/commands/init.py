"""``sdd init``: an adapter over ``sddkit.operations.init``."""

from __future__ import annotations

from pathlib import Path

import click

from sddkit import operations
from sddkit.cli.commands import dry_run_option, emit, root_option


@click.command()
@click.option(
    "--root",
    "local_root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to initialise (default: the current one).",
)
@click.option(
    "--agents",
    default=None,
    help="Also install pointer blocks for these agents (comma-separated: claude,codex,...).",
)
@dry_run_option
@click.pass_context
def init(ctx: click.Context, local_root: Path | None, agents: str | None, dry_run: bool) -> None:
    """Create AGENTS.ctx/ (root and sdd contexts) and a pointer block in AGENTS.md.

    Re-running changes nothing; an existing AGENTS.md keeps every byte outside the block.
    """
    target = operations.init_target(Path.cwd(), local_root or root_option(ctx))
    if not target.is_dir():
        raise click.BadParameter(f"{target}: no such directory", param_hint="--root")
    emit(ctx, operations.init(target, agents, dry_run))
