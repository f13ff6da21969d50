"""``sdd start``/``release`` (claims) and ``sdd block``/``unblock`` (a project, or one task):
adapters over ``sddkit.operations``."""

from __future__ import annotations

import click

from sddkit import operations
from sddkit.cli.commands import dry_run_option, emit, json_option, workspace

as_option = click.option(
    "--as", "as_name", default=None, metavar="NAME",
    help="Who claims (default: $SDDKIT_AGENT, else the login name).",
)
project_option = click.option("--project", "-p", default=None,
                              help="The project (needed when ids repeat).")


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
    emit(ctx, operations.start(workspace(ctx), task, project, as_name, steal, dry_run), as_json)


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
    emit(ctx, operations.release(workspace(ctx), task, project, as_name, force, dry_run),
         as_json)


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
    emit(ctx, operations.block(workspace(ctx), name, reason, project, dry_run))


@click.command()
@click.argument("name", metavar="PROJECT|TASK")
@click.option("--project", "-p", default=None, help="Unblock task NAME of this project.")
@dry_run_option
@click.pass_context
def unblock(ctx: click.Context, name: str, project: str | None, dry_run: bool) -> None:
    """Clear a project's blocked mark, or a task's `blocked:` line."""
    emit(ctx, operations.unblock(workspace(ctx), name, project, dry_run))
