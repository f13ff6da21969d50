"""``sdd agents``: install, list and remove the pointer block in each agent's instruction file."""

from __future__ import annotations

import click

from .. import operations
from ..agents import known_names
from . import dry_run_option, emit, json_option, workspace

agent_option = click.option(
    "--agent",
    "names",
    multiple=True,
    metavar="NAME",
    help=f"An agent (repeat, or comma-separate; default: all). Known: {known_names()}.",
)


@click.group()
def agents() -> None:
    """Pointer blocks in each agent's instruction file (AGENTS.md, CLAUDE.md, ...).

    Every block says the same: read AGENTS.ctx/CONTEXT.md, run `sdd open` and
    `sdd next` at session start, never approve a phase yourself.
    """


@agents.command("install")
@agent_option
@dry_run_option
@click.pass_context
def install(ctx: click.Context, names: tuple[str, ...], dry_run: bool) -> None:
    """Write or update the pointer block in each agent's file.

    Every byte outside the block stays as it was; re-running changes nothing.
    """
    emit(ctx, operations.agents_install(workspace(ctx), list(names), dry_run))


@agents.command("list")
@json_option
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Each agent's file and whether its block is installed."""
    emit(ctx, operations.agents_list(workspace(ctx)), as_json)


@agents.command("remove")
@agent_option
@dry_run_option
@click.pass_context
def remove(ctx: click.Context, names: tuple[str, ...], dry_run: bool) -> None:
    """Take the pointer block out of each agent's file.

    Nothing else in the file changes. A file left empty (or holding only the front
    matter sddkit wrote) is deleted.
    """
    emit(ctx, operations.agents_remove(workspace(ctx), list(names), dry_run))
