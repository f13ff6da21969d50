"""``sdd start``/``release`` (claims) and ``sdd block``/``unblock`` (a project, or one task)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from . import dry_run_option, json_option, print_json, workspace

as_option = click.option(
    "--as", "as_name", default=None, metavar="NAME",
    help="Who claims (default: $SDDKIT_AGENT, else the login name).",
)
project_option = click.option("--project", "-p", default=None,
                              help="The project (needed when ids repeat).")


def _run(ctx: click.Context, dry_run: bool, as_json: bool, action: str,
         stage: Callable[[Any, Any], Any]) -> None:
    from .._fileio import transaction
    from ..claims import change_json
    from ..sync import refresh

    ws = workspace(ctx)
    with transaction(ws.root, dry_run=dry_run) as tx:
        result = stage(ws, tx)
        if result.changed:
            refresh(ws, tx)
    if dry_run:
        click.echo(tx.diff(), nl=False)
    elif as_json:
        print_json(change_json(result, ws, action))
    else:
        click.echo(result.message)


@click.command()
@click.argument("task")
@project_option
@as_option
@click.option("--steal", is_flag=True, help="Take over another name's stale claim (recorded).")
@json_option
@dry_run_option
@click.pass_context
def start(ctx: click.Context, task: str, project: str | None, as_name: str | None, steal: bool,
          as_json: bool, dry_run: bool) -> None:
    """Claim TASK (writes `- claimed: NAME DATE` under it); one of two racing starts wins."""
    from ..claims import agent_name, claim_ttl
    from ..claims import start as stage

    name = agent_name(as_name)
    claim_ttl()  # a bad SDDKIT_CLAIM_TTL is refused before anything is read
    _run(ctx, dry_run, as_json, "start",
         lambda ws, tx: stage(ws, tx, task, project, name, steal))


@click.command()
@click.argument("task")
@project_option
@as_option
@click.option("--force", is_flag=True, help="Drop another name's fresh claim too.")
@json_option
@dry_run_option
@click.pass_context
def release(ctx: click.Context, task: str, project: str | None, as_name: str | None,
            force: bool, as_json: bool, dry_run: bool) -> None:
    """Drop the claim on TASK (your own, a stale one, or any with --force)."""
    from ..claims import agent_name
    from ..claims import release as stage

    name = agent_name(as_name)
    _run(ctx, dry_run, as_json, "release",
         lambda ws, tx: stage(ws, tx, task, project, name, force))


def _is_project(ctx: click.Context, name: str, project: str | None) -> bool:
    """Whether NAME names a project (``sdd block PROJECT``) rather than a task: without
    ``--project``, a project of that name, else anything that is no project's task (so a bad
    project name gets the project's error)."""
    if project is not None:
        return False
    from ..claims import names_a_task

    ws = workspace(ctx)
    return name in ws.project_names() or not names_a_task(ws, name)


@click.command()
@click.argument("name", metavar="PROJECT|TASK")
@click.option("--reason", required=True, help="What blocks it.")
@click.option("--project", "-p", default=None,
              help="Block task NAME of this project (the gate stays approved).")
@dry_run_option
@click.pass_context
def block(ctx: click.Context, name: str, reason: str, project: str | None,
          dry_run: bool) -> None:
    """Mark a project blocked (its constitution's front matter), or one task (a `blocked:`
    line under it: `sdd next` passes it over, the tasks gate stays approved)."""
    if _is_project(ctx, name, project):
        from .project import block as block_project

        ctx.invoke(block_project, project=name, reason=reason, dry_run=dry_run)
        return
    from ..claims import block_task

    _run(ctx, dry_run, False, "block",
         lambda ws, tx: block_task(ws, tx, name, project, reason))


@click.command()
@click.argument("name", metavar="PROJECT|TASK")
@click.option("--project", "-p", default=None, help="Unblock task NAME of this project.")
@dry_run_option
@click.pass_context
def unblock(ctx: click.Context, name: str, project: str | None, dry_run: bool) -> None:
    """Clear a project's blocked mark, or a task's `blocked:` line."""
    if _is_project(ctx, name, project):
        from .project import unblock as unblock_project

        ctx.invoke(unblock_project, project=name, dry_run=dry_run)
        return
    from ..claims import block_task

    _run(ctx, dry_run, False, "unblock",
         lambda ws, tx: block_task(ws, tx, name, project, None))
