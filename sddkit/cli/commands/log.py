from __future__ import annotations

import click

from sddkit.cli.commands import json_option, print_json, workspace


@click.command()
@click.argument("project", required=False)
@json_option
@click.pass_context
def log(ctx: click.Context, project: str | None, as_json: bool) -> None:
    """The record: approvals, reopenings, forced actions and blocks, from git history.

    The front matter keeps only the latest of each; git keeps them all. Oldest first, with
    the commit and its author.
    """
    from sddkit.approvals.gate_log import read_log, to_json

    events = read_log(workspace(ctx), project)
    if as_json:
        print_json(to_json(events))
        return
    if not events:
        click.echo("No approvals, reopenings, forced actions or blocks in the history yet.")
        return
    width = max(len(e.project) for e in events)
    for e in events:
        detail = f"  {e.detail}" if e.detail else ""
        click.echo(f"{e.date}  {e.project:<{width}}  {e.phase:<12}  {e.event:<11}  by {e.by}"
                   f"{detail}  [{e.commit[:7]} {e.author}]")
