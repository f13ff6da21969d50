"""``sdd agents``: install, list and remove the pointer block in each agent's instruction file."""

from __future__ import annotations

import click

from .._fileio import Transaction, transaction
from ..agents import (
    agent_status,
    all_names,
    install_agents,
    known_names,
    parse_agent_names,
    remove_agents,
    to_json,
)
from ..workspace import Workspace
from . import dry_run_option, json_option, print_json, workspace

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


def _chosen(names: tuple[str, ...]) -> list[str]:
    return parse_agent_names(",".join(names)) if names else all_names()


def _report(ws: Workspace, tx: Transaction, dry_run: bool, nothing: str) -> None:
    if dry_run:
        click.echo(tx.diff(), nl=False)
        return
    changes, deleted = tx.changes(), tx.deletions()
    if not changes and not deleted:
        click.echo(nothing)
        return
    for path, old, _new in changes:
        click.echo(f"{'created' if old is None else 'updated'} {ws.rel(path)}")
    for path in deleted:
        click.echo(f"deleted {ws.rel(path)} (it held only what sddkit wrote)")


@agents.command("install")
@agent_option
@dry_run_option
@click.pass_context
def install(ctx: click.Context, names: tuple[str, ...], dry_run: bool) -> None:
    """Write or update the pointer block in each agent's file.

    Every byte outside the block stays as it was; re-running changes nothing.
    """
    ws = workspace(ctx)
    chosen = _chosen(names)
    with transaction(ws.root, dry_run=dry_run) as tx:
        install_agents(ws, tx, chosen)
    _report(ws, tx, dry_run, "sdd: every pointer block is already in place; nothing changed.")


@agents.command("list")
@json_option
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Each agent's file and whether its block is installed."""
    ws = workspace(ctx)
    states = agent_status(ws)
    if as_json:
        print_json(to_json(states))
        return
    name_w = max(len(s.agent.name) for s in states)
    state_w = max(len(s.state) for s in states)
    path_w = max(len(s.agent.path) for s in states)
    for s in states:
        also = f"  (also: {', '.join(s.agent.aliases)})" if s.agent.aliases else ""
        line = f"{s.agent.name:<{name_w}}  {s.state:<{state_w}}  {s.agent.path:<{path_w}}{also}"
        click.echo(line.rstrip())
        if s.problem:
            click.echo(f"  {s.problem}")


@agents.command("remove")
@agent_option
@dry_run_option
@click.pass_context
def remove(ctx: click.Context, names: tuple[str, ...], dry_run: bool) -> None:
    """Take the pointer block out of each agent's file.

    Nothing else in the file changes. A file left empty (or holding only the front
    matter sddkit wrote) is deleted.
    """
    ws = workspace(ctx)
    chosen = _chosen(names)
    with transaction(ws.root, dry_run=dry_run) as tx:
        remove_agents(ws, tx, chosen)
    _report(ws, tx, dry_run, "sdd: no pointer block to remove; nothing changed.")
