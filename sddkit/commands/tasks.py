"""``sdd next``, ``sdd done``, ``sdd undo``: adapters over ``sddkit.operations``."""

from __future__ import annotations

import click

from .. import operations
from . import dry_run_option, emit, json_option, workspace


@click.command("next")
@click.argument("project", required=False)
@click.option("--as", "as_name", default=None, metavar="NAME",
              help="Who asks: its own claimed task first, others' claims skipped (default: "
                   "$SDDKIT_AGENT, else the login name).")
@click.option("--all", "all_tasks", is_flag=True,
              help="Every task that can start now (dependencies done, not blocked, not claimed).")
@json_option
@click.pass_context
def next_(ctx: click.Context, project: str | None, as_name: str | None, all_tasks: bool,
          as_json: bool) -> None:
    """The next step: a gate action, or the next task with its file, line and checks."""
    ws = workspace(ctx)
    if all_tasks:
        emit(ctx, operations.available_tasks(ws, project, as_name), as_json)
    else:
        emit(ctx, operations.next_step(ws, project, as_name), as_json)


@click.command()
@click.argument("task")
@click.option("--project", "-p", default=None, help="The project (needed when ids repeat).")
@click.option("--commit", is_flag=True, help="Also commit the changed files with git.")
@click.option("--force", is_flag=True,
              help="Check it even if its dependencies are open or it is blocked (recorded).")
@dry_run_option
@json_option
@click.pass_context
def done(ctx: click.Context, task: str, project: str | None, commit: bool, force: bool,
         dry_run: bool, as_json: bool) -> None:
    """Check TASK off (T003, 2.1 or #3): flips its box and appends a done mark."""
    if force and not dry_run:  # who is at the keyboard: a front end's question
        from ..person import require_person

        require_person(f"sdd done {task} --force", project or task)
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
