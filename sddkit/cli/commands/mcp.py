"""``sdd mcp``: serve the same operations as the CLI over MCP (stdio)."""

from __future__ import annotations

from pathlib import Path

import click

from sddkit.cli.commands import root_option
from sddkit.errors import SddkitError
from sddkit.workspace import find_root

INSTALL_HINT = ("sdd mcp needs the MCP SDK: install it with pip install -e '.[mcp]' from a checkout "
                "(pip install 'sddkit[mcp]' once sddkit is published)")


@click.command()
@click.option(
    "--root",
    "local_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Repository root (default: found from the folder the server starts in).",
)
@click.pass_context
def mcp(ctx: click.Context, local_root: Path | None) -> None:
    """Serve sddkit over MCP on stdio: tools to read (open_context, status, next_step,
    available_tasks, check, contracts_check) and to move the work on (new_project, ready,
    start_task, release_task, complete_task, undo_task, block, unblock); each context
    (sddkit://context/NAME) and phase document (sddkit://project/PROJECT/PHASE) as a
    resource; the phase workflows as prompts.

    There is no approval tool: approving a phase is a person's act (`sdd approve`).
    Register it with your agent: `sdd agents install --mcp`, or e.g.
    `claude mcp add sddkit -- sdd mcp`.
    """
    root = local_root or root_option(ctx)
    try:
        from sddkit.cli.mcp_server import serve
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] not in ("mcp", "mcp_types", "pydantic"):
            raise
        click.echo(f"sdd: {INSTALL_HINT}", err=True)
        ctx.exit(1)
    if root is not None:
        root = find_root(override=root)  # a wrong --root is an error now, not at the first call
    start = Path.cwd()
    try:
        where = str(find_root(start, root))
    except SddkitError:  # not initialised yet: every tool says how to fix it
        where = f"{start} (no AGENTS.ctx/ yet: run `sdd init`)"
    click.echo(f"sdd mcp: serving {where} over stdio; no approval tool (a person approves)",
               err=True)
    serve(start, root)
