from __future__ import annotations

import click

from ..briefing import build, to_json, to_text
from . import json_option, print_json, workspace


@click.command("open")
@click.argument("names", nargs=-1)
@json_option
@click.pass_context
def open_(ctx: click.Context, names: tuple[str, ...], as_json: bool) -> None:
    """The session-start briefing: root rules, the contexts, each named context.

    Opening `sdd` adds the projects in progress and the next step.
    """
    ws = workspace(ctx)
    briefing = build(ws, list(names))
    if as_json:
        print_json(to_json(ws, briefing))
    else:
        click.echo(to_text(ws, briefing), nl=False)
