"""Click commands: thin wrappers that parse, call the core, and print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..workspace import Workspace


def workspace(ctx: click.Context) -> Workspace:
    """The workspace for this invocation (``--root`` or the nearest AGENTS.ctx/)."""
    root = ctx.find_root().obj.root if ctx.find_root().obj else None
    return Workspace.find(override=root)


def root_option(ctx: click.Context) -> Path | None:
    obj = ctx.find_root().obj
    return obj.root if obj else None


def print_json(data: Any) -> None:
    """JSON on stdout: indented for a person at a terminal, compact (and fast) for a program."""
    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(data, indent=indent, ensure_ascii=False))


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Print the unified diff of what would change; write nothing."
)
