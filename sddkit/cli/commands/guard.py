from __future__ import annotations

import sys

import click

from sddkit.agents.hook_guard import AGENTS


@click.command()
@click.option("--hook", "agent", type=click.Choice(AGENTS), required=True,
              help="The agent whose hook payload arrives on stdin and whose answer format to use.")
def guard(agent: str) -> None:
    """Pre-tool-use hook: deny `sdd approve`/`reopen`/`--force` and hand edits of gate keys.

    Reads the agent's hook payload (JSON) on stdin and answers in the agent's documented
    format on stdout: Claude Code and Codex PreToolUse, Gemini CLI BeforeTool, Cursor
    beforeShellExecution. A payload it cannot read is let through with a note on stderr.
    See docs/approvals.md.
    """
    from sddkit.agents.hook_guard import run

    out, note, code = run(agent, sys.stdin.read())
    if note:
        click.echo(note, err=True, nl=False)
    click.echo(out, nl=False)
    sys.exit(code)
