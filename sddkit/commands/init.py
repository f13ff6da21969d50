from __future__ import annotations

from pathlib import Path

import click

from .._fileio import transaction
from ..initialise import init_target, initialise
from ..sync import refresh
from . import dry_run_option, root_option


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
    target = init_target(Path.cwd(), local_root or root_option(ctx))
    if not target.is_dir():
        raise click.BadParameter(f"{target}: no such directory", param_hint="--root")
    with transaction(target, dry_run=dry_run) as tx:
        ws = initialise(target, tx)
        if agents:
            from ..agents import install_agents, parse_agent_names

            install_agents(ws, tx, parse_agent_names(agents))
        refresh(ws, tx)
        changes = tx.changes()
    if dry_run:
        click.echo(tx.diff(), nl=False)
        return
    from ..merge import register_config

    registered = register_config(target)
    if registered:
        click.echo(f"registered git merge drivers {', '.join(registered)} in this clone's "
                   "git config")
    if not changes:
        click.echo(f"sdd: {target} is already initialised; nothing changed.")
        return
    for path, old, _new in changes:
        click.echo(f"{'created' if old is None else 'updated'} {ws.rel(path)}")
    click.echo("Next: `sdd ctx new NAME` for a domain, `sdd new PROJECT` for a project, "
               "`sdd open` to see the briefing.")
