"""``sdd check``: the deterministic gate over the whole AGENTS.ctx (CI and pre-commit)."""

from __future__ import annotations

import click

from . import json_option, print_json, workspace


@click.command()
@click.argument("projects", nargs=-1, metavar="[PROJECT]...")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@json_option
@click.pass_context
def check(ctx: click.Context, projects: tuple[str, ...], strict: bool, as_json: bool) -> None:
    """Check gates, drift, tasks, generated blocks, contexts and contracts.

    One finding per line, `path:line: RULE severity message (hint)`; rules are listed in
    docs/rules.md. Exit 1 on any error (with --strict, on any warning too). With PROJECT
    names, only those projects are checked (not the contexts, the inventory or contracts).
    """
    from ..checks import check_workspace

    report = check_workspace(workspace(ctx), list(projects) or None, strict=strict)
    if as_json:
        print_json(report.to_json())
    else:
        for finding in report.findings:
            click.echo(finding.to_text())
        click.echo(report.summary())
    if report.failed(strict):
        ctx.exit(1)
