"""``sdd next``, ``sdd done``, ``sdd undo``, ``sdd show``: adapters over ``sddkit.operations``."""

from __future__ import annotations

import click

from sddkit import operations
from sddkit.cli.commands import dry_run_option, emit, json_option, root_option, workspace
from sddkit.cli.commands.verify import timeout_option


@click.command("next")
@click.argument("project", required=False)
@click.option("--project", "-p", "project_option", default=None, metavar="NAME",
              help="The same as PROJECT (as `sdd done` spells it).")
@click.option("--as", "as_name", default=None, metavar="NAME",
              help="Who asks: its own claimed task first, others' claims skipped (default: "
                   "$SDDKIT_AGENT, else the login name).")
@click.option("--all", "all_tasks", is_flag=True,
              help="Every task that can start now (dependencies done, not blocked, not claimed).")
@json_option
@click.pass_context
def next_(ctx: click.Context, project: str | None, project_option: str | None,
          as_name: str | None, all_tasks: bool, as_json: bool) -> None:
    """The next step: a gate action, or the next task with its file, line and checks."""
    if project is not None and project_option is not None and project != project_option:
        raise click.UsageError(f"two projects named: {project!r} and --project "
                               f"{project_option!r}; give one")
    project = project if project is not None else project_option
    ws = workspace(ctx)
    if all_tasks:
        emit(ctx, operations.available_tasks(ws, project, as_name), as_json)
    else:
        emit(ctx, operations.next_step(ws, project, as_name), as_json)


@click.command()
@click.argument("task")
@click.option("--project", "-p", default=None, help="The project (needed when ids repeat).")
@click.option("--commit", is_flag=True,
              help="Also commit sdd's own change with git (your other edits stay uncommitted; "
                   "trailer Sddkit-Task: PROJECT/TASK).")
@click.option("--force", is_flag=True,
              help="Check it even if its dependencies are open or it is blocked (recorded).")
@click.option("--no-verify", is_flag=True,
              help="Do not run its runnable checks (recorded in the done mark: verify=skipped).")
@timeout_option
@dry_run_option
@json_option
@click.pass_context
def done(ctx: click.Context, task: str, project: str | None, commit: bool, force: bool,
         no_verify: bool, timeout: float | None, dry_run: bool, as_json: bool) -> None:
    """Check TASK off (T003, 2.1 or #3): runs its checks, flips its box, appends a done mark.

    Its runnable checks (`verify: $ CMD`) run first, from the repository root; when one
    fails nothing is written and the command's last lines are shown (exit 1). The done
    mark records the outcome (verify=passed, skipped, prose or none), the commit the checks
    ran on, and what --force overrode. With --dry-run the checks are not run.
    """
    from sddkit.cli.fast_writes import done as run_done  # the body the click-free path runs

    emit(ctx, run_done(root_option(ctx), task, project, commit, force, no_verify, timeout,
                       dry_run, click.echo), as_json)


@click.command()
@click.argument("task")
@click.option("--project", "-p", default=None, help="The project (needed when ids repeat).")
@dry_run_option
@click.pass_context
def undo(ctx: click.Context, task: str, project: str | None, dry_run: bool) -> None:
    """Uncheck TASK (removes its done mark)."""
    emit(ctx, operations.undo(workspace(ctx), task, project, dry_run))


@click.command()
@click.argument("task")
@click.option("--project", "-p", default=None, help="The project (needed when ids repeat).")
@json_option
@click.pass_context
def show(ctx: click.Context, task: str, project: str | None, as_json: bool) -> None:
    """One task's record: its checks, its done mark, and the commits whose trailer names it.

    The commits are those carrying `Sddkit-Task: PROJECT/TASK` (written by `sdd done
    --commit`; add it to the commits that implement the task). Nothing is run.
    """
    emit(ctx, operations.show(workspace(ctx), task, project), as_json)
