"""``sdd contracts``: scaffold, check and graph the service contracts (docs/contracts.md)."""

from __future__ import annotations

from pathlib import Path

import click

from .._fileio import transaction
from ..errors import ContractError
from ..names import check_slug
from ..rendering import render_checked
from . import dry_run_option, json_option, print_json, workspace

CHECK_SCHEMA = "sddkit.contracts.check/1"


@click.group()
def contracts() -> None:
    """Service contracts: AGENTS.ctx/contracts/<service>.yaml."""


def read_contract(path: Path, text: str) -> None:
    """Refuse a contract text ``sdd contracts check`` could not read at all (CON-001)."""
    from ..contracts.load import contract_from_text

    contract, findings = contract_from_text(text, path, path.name)
    if contract is None:
        first = findings[0] if findings else None
        raise ContractError(first.message if first else "the contract cannot be read", path,
                            first.line if first and first.line else None)


@contracts.command("new")
@click.argument("service")
@dry_run_option
@click.pass_context
def new(ctx: click.Context, service: str, dry_run: bool) -> None:
    """Scaffold AGENTS.ctx/contracts/SERVICE.yaml from the contract template.

    Also writes contract.schema.json beside it (when missing or out of date), which the new
    file's first line names so that editors validate it as you type.
    """
    ws = workspace(ctx)
    check_slug(service, "service")
    path = ws.contracts / f"{service}.yaml"
    if path.exists() or path.is_symlink():
        raise ContractError(f"contract for '{service}' already exists", path)
    from ..contracts.schema import stage_schema

    text = render_checked("contract.yaml.j2", ws.local_templates, ws.root, path, read_contract,
                          service=service)
    with transaction(ws.root, dry_run=dry_run) as tx:
        stage_schema(tx, ws.contracts)
        tx.write(path, text)
    if dry_run:
        click.echo(tx.diff(), nl=False)
        return
    click.echo(f"created {ws.rel(path)}")
    click.echo("Fill in what it provides and depends on, then run `sdd contracts check`.")


@contracts.command("check")
@json_option
@click.option("--strict", is_flag=True,
              help="Fail on warnings too; a missing runtime block (CON-011) is an error.")
@click.pass_context
def check(ctx: click.Context, as_json: bool, strict: bool) -> None:
    """Cross-check every contract; exit 1 on an error (on any finding with --strict)."""
    from ..contracts import check as run_check
    from ..contracts import load_contracts

    ws = workspace(ctx)
    loaded = load_contracts(ws)
    findings = run_check(loaded, strict=strict)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if as_json:
        print_json({"schema": CHECK_SCHEMA, "findings": [f.to_json() for f in findings]})
    elif not loaded.files and not findings:
        click.echo(f"No contracts in {ws.rel(ws.contracts)}/; "
                   "create one with `sdd contracts new SERVICE`.")
    else:
        for finding in findings:
            click.echo(finding.to_text())
        files = f"{loaded.files} contract file{'s' if loaded.files != 1 else ''}"
        if findings:
            click.echo(f"{errors} error{'s' if errors != 1 else ''}, "
                       f"{warnings} warning{'s' if warnings != 1 else ''} in {files}.")
        else:
            click.echo(f"No problems in {files}.")
    if errors or (strict and warnings):
        ctx.exit(1)


@contracts.command("graph")
@click.option("--format", "fmt", type=click.Choice(["mermaid"]), default="mermaid",
              show_default=True, help="Output format.")
@click.pass_context
def graph(ctx: click.Context, fmt: str) -> None:
    """Print a diagram: calls solid, events dashed, datasets dotted."""
    from ..contracts import load_contracts
    from ..contracts.graph import mermaid

    ws = workspace(ctx)
    loaded = load_contracts(ws)
    if not loaded.files:
        click.echo(f"sdd: no contracts in {ws.rel(ws.contracts)}/; the graph is empty", err=True)
    elif loaded.findings:
        click.echo(f"sdd: {len(loaded.findings)} contract problem(s) (see `sdd contracts check`); "
                   "the graph shows what loaded", err=True)
    click.echo(mermaid(loaded), nl=False)
