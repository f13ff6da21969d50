"""``sdd contracts new|check|graph``: adapters over ``sddkit.operations`` (docs/contracts.md)."""

from __future__ import annotations

import click

from sddkit import operations
from sddkit.cli.commands import dry_run_option, emit, json_option, workspace


@click.group()
def contracts() -> None:
    """Service contracts: AGENTS.ctx/contracts/<service>.yaml."""


@contracts.command("new")
@click.argument("service")
@dry_run_option
@click.pass_context
def new(ctx: click.Context, service: str, dry_run: bool) -> None:
    """Scaffold AGENTS.ctx/contracts/SERVICE.yaml from the contract template.

    Also writes contract.schema.json beside it (when missing or out of date), which the new
    file's first line names so that editors validate it as you type.
    """
    emit(ctx, operations.contracts_new(workspace(ctx), service, dry_run))


@contracts.command("check")
@json_option
@click.option("--strict", is_flag=True,
              help="Fail on warnings too; a missing runtime block (CON-011) is an error.")
@click.pass_context
def check(ctx: click.Context, as_json: bool, strict: bool) -> None:
    """Cross-check every contract; exit 1 on an error (on any finding with --strict)."""
    emit(ctx, operations.contracts_check(workspace(ctx), strict), as_json)


@contracts.command("graph")
@click.option("--format", "fmt", type=click.Choice(["mermaid"]), default="mermaid",
              show_default=True, help="Output format.")
@click.pass_context
def graph(ctx: click.Context, fmt: str) -> None:
    """Print a diagram: calls solid, events dashed, datasets dotted."""
    emit(ctx, operations.contracts_graph(workspace(ctx), fmt))
