"""``sdd next``, ``sdd done``, ``sdd undo``: adapters over ``sddkit.operations``."""

from __future__ import annotations

import click

from .. import operations
from . import dry_run_option, emit, json_option, workspace


@click.command("next")
@click.argument("project", required=False)
@json_option
@click.pass_context
def next_(ctx: click.Context, project: str | None, as_json: bool) -> None:
    """The next step: a gate action, or the next task with its file, line and checks."""
    emit(ctx, operations.next_step(workspace(ctx), project), as_json)


@click.command()
@click.argument("task")
@click.option("--project", "-p", default=None, help="The project (needed when ids repeat).")
@click.option("--commit", is_flag=True, help="Also commit the changed files with git.")
@click.option("--force", is_flag=True, help="Check it even if its dependencies are open.")
@dry_run_option
@json_option
@click.pass_context
def done(ctx: click.Context, task: str, project: str | None, commit: bool, force: bool,
         dry_run: bool, as_json: bool) -> None:
    """Check TASK off (T003, 2.1 or #3): flips its box and appends a done mark."""
    emit(ctx, operations.complete(workspace(ctx), task, project, force, commit, dry_run),
         as_json)


@click.command()
@click.argument("task")
@click.option("--project", "-p", default=None, help="The project (needed when ids repeat).")
@dry_run_option
@click.pass_context
def undo(ctx: click.Context, task: str, project: str | None, dry_run: bool) -> None:
    """Uncheck TASK (removes its done mark)."""
    emit(ctx, operations.undo(workspace(ctx), task, project, dry_run))
