"""``sdd check``: the deterministic gate over the whole AGENTS.ctx (CI and pre-commit)."""

from __future__ import annotations

import click

from .. import operations
from . import emit, json_option, workspace


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
    emit(ctx, operations.check(workspace(ctx), list(projects), strict), as_json)
