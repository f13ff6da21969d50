"""``sdd verify``: an adapter over :func:`sddkit.operations.verify` (and the listener that
prints the checks as they run, shared with ``sdd done``)."""

from __future__ import annotations

import click

from sddkit.cli.commands import dry_run_option, emit, json_option, workspace

timeout_option = click.option(
    "--timeout", type=float, default=None, metavar="SECONDS",
    help="Time limit per command (default: $SDDKIT_VERIFY_TIMEOUT, else 600); past it the "
         "command's whole process group is ended.")


def listener(stream_output: bool) -> object:
    """The checks' :class:`~sddkit.tasks.verification.Listener`, printing with ``click.echo``
    (:func:`sddkit.cli.console.listener`)."""
    from sddkit.cli.console import listener as printer

    return printer(stream_output, click.echo)


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
