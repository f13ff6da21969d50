"""``sdd verify``: an adapter over :func:`sddkit.operations.verify` (and the listener that
prints the checks as they run, shared with ``sdd done``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from sddkit.cli.commands import dry_run_option, emit, json_option, workspace

if TYPE_CHECKING:
    from sddkit.io.command_runner import RunResult
    from sddkit.tasks import Task

timeout_option = click.option(
    "--timeout", type=float, default=None, metavar="SECONDS",
    help="Time limit per command (default: $SDDKIT_VERIFY_TIMEOUT, else 600); past it the "
         "command's whole process group is ended.")


def listener(stream_output: bool) -> object:
    """A :class:`~sddkit.tasks.verification.Listener` printing to stderr: each command as it starts,
    its output (when ``stream_output``), a progress line on long silent runs, its end."""
    from sddkit.tasks.verification import Listener

    class Printer(Listener):
        streams = stream_output
        index = 0  # the command running: its end names it when the task has several

        def start(self, project: str, task: Task, index: int, command: str) -> None:
            self.index = index
            click.echo(f"sdd: {project} {task.key} check {index}/{len(task.checks)}: $ {command}",
                       err=True)

        def output(self, text: str) -> None:
            click.echo(text, nl=False, err=True)

        def progress(self, project: str, task: Task, command: str, elapsed: float,
                     timeout: float) -> None:
            click.echo(f"sdd: {project} {task.key} still running after {elapsed:.0f} s "
                       f"(limit {timeout:.0f} s): $ {command}", err=True)

        def end(self, project: str, task: Task, result: RunResult) -> None:
            verdict = "passed" if result.passed else f"failed ({result.reason()})"
            which = f" check {self.index}/{len(task.checks)}" if len(task.checks) > 1 else ""
            click.echo(f"sdd: {project} {task.key}{which} {verdict} in {result.seconds:.1f} s",
                       err=True)

    return Printer()


@click.command()
@click.argument("target", required=False, metavar="[TASK|PROJECT]")
@click.option("--project", "-p", default=None, help="The project of TASK (needed when ids repeat).")
@click.option("--all", "every", is_flag=True,
              help="Every done task of every project: a regression run, printed as a table.")
@timeout_option
@json_option
@dry_run_option
@click.pass_context
def verify(ctx: click.Context, target: str | None, project: str | None, every: bool,
           timeout: float | None, as_json: bool, dry_run: bool) -> None:
    """Run the runnable checks (`verify: $ CMD`) of TASK, of PROJECT's done tasks, or --all.

    Commands run from the repository root, one at a time, their output streamed to
    stderr. A done task's mark records the outcome when it changes (passed, failed) and
    the commit the checks ran on. Exit 1 when a check fails. Commands run only when you
    ask: `sdd verify` and `sdd done` run them, read commands never do.
    """
    from sddkit import operations

    emit(ctx, operations.verify(workspace(ctx), target, project, every, timeout,
                                listener(stream_output=True), dry_run), as_json)
