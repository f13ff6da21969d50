"""``sdd ctx list|new|show``: adapters over ``sddkit.operations``."""

from __future__ import annotations

import click

from sddkit import operations
from sddkit.cli.commands import dry_run_option, emit, json_option, workspace


@click.group()
def ctx() -> None:
    """Manage contexts: AGENTS.ctx/<name>/CONTEXT.md."""


@ctx.command("list")
@json_option
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Every context: name, description, includes."""
    emit(ctx, operations.contexts_list(workspace(ctx)), as_json)


@ctx.command("new")
@click.argument("name")
@click.option("--description", default="", help="One line saying what the context covers.")
@click.option("--includes", default="", help="Contexts this one includes (comma-separated).")
@dry_run_option
@click.pass_context
def new(ctx: click.Context, name: str, description: str, includes: str, dry_run: bool) -> None:
    """Scaffold AGENTS.ctx/NAME/CONTEXT.md and register it in the root table."""
    wanted = [part.strip() for part in includes.split(",") if part.strip()]
    emit(ctx, operations.contexts_new(workspace(ctx), name, description, wanted, dry_run))


@ctx.command("show")
@click.argument("name")
@json_option
@click.pass_context
def show(ctx: click.Context, name: str, as_json: bool) -> None:
    """Print one context's CONTEXT.md."""
    emit(ctx, operations.contexts_show(workspace(ctx), name), as_json)
