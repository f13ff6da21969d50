"""``sdd open``: an adapter over ``sddkit.operations.open_briefing``."""

from __future__ import annotations

import click

from .. import operations
from . import emit, json_option, workspace


@click.command("open")
@click.argument("names", nargs=-1)
@json_option
@click.pass_context
def open_(ctx: click.Context, names: tuple[str, ...], as_json: bool) -> None:
    """The session-start briefing: root rules, the contexts, each named context.

    Opening `sdd` adds the projects in progress and the next step.
    """
    emit(ctx, operations.open_briefing(workspace(ctx), list(names)), as_json)
