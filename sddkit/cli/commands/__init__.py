"""Click commands: thin adapters that parse, call one operation (``sddkit.operations``), and
show its outcome with :func:`emit`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sddkit.workspace import Workspace

if TYPE_CHECKING:
    from sddkit.operations import Outcome


def workspace(ctx: click.Context) -> Workspace:
    """The workspace for this invocation (``--root`` or the nearest AGENTS.ctx/)."""
    root = ctx.find_root().obj.root if ctx.find_root().obj else None
    return Workspace.find(override=root)


def root_option(ctx: click.Context) -> Path | None:
    obj = ctx.find_root().obj
    return obj.root if obj else None


def print_json(data: Any) -> None:
    """JSON on stdout: indented for a person at a terminal, compact (and fast) for a program."""
    from sddkit.cli import console

    console.print_json(data, click.echo)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Print the unified diff of what would change; write nothing."
)


def emit(ctx: click.Context, outcome: Outcome, as_json: bool = False) -> None:
    """Show an operation's outcome: its warnings on stderr, then the diff (``--dry-run``),
    the JSON (``--json``) or the text on stdout (:func:`sddkit.cli.console.emit`, with
    ``click.echo``); exit with its code when it is not 0."""
    from sddkit.cli import console

    code = console.emit(outcome, as_json, click.echo)
    if code:
        ctx.exit(code)
