"""``sdd open``: an adapter over ``sddkit.operations.open_briefing`` (and ``--brief``, the
session-start hooks' bounded form, over ``sddkit.agents.hook_briefing``)."""

from __future__ import annotations

import sys

import click

from sddkit import operations
from sddkit.cli.commands import emit, json_option, root_option, workspace

HOOK_FORMATS = ("plain", "claude", "codex", "gemini", "cursor")


@click.command("open")
@click.argument("names", nargs=-1)
@json_option
@click.option("--brief", is_flag=True,
              help="The short briefing for a session-start hook: rules, contexts, projects, next "
                   "step, what to read first. Bounded in size and time; never fails (exit 0).")
@click.option("--hook", "hook", type=click.Choice(HOOK_FORMATS), default=None,
              help="With --brief: read the agent's hook payload (JSON) on stdin and print in its "
                   "hook output format (see docs/agents.md).")
@click.pass_context
def open_(ctx: click.Context, names: tuple[str, ...], as_json: bool, brief: bool,
          hook: str | None) -> None:
    """The session-start briefing: root rules, the contexts, each named context.

    Opening `sdd` adds the projects in progress and the next step. `--brief` prints the
    short form the agents' session-start hooks run (`sdd agents install --hooks`).
    """
    if hook is not None and not brief:
        raise click.UsageError("--hook goes with --brief")
    if brief:
        if names or as_json:
            raise click.UsageError("--brief takes no context names and no --json")
        from sddkit.agents.hook_briefing import run_hook

        run_hook(root_option(ctx), hook or "plain", sys.stdin if hook else None, sys.stdout)
        return
    emit(ctx, operations.open_briefing(workspace(ctx), list(names)), as_json)
