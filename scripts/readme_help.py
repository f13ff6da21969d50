"""Regenerate the command reference in README.md from the CLI's own help.

    python scripts/readme_help.py          # rewrite the block
    python scripts/readme_help.py --check  # exit 1 when README.md is out of date (CI)

The reference lives in the managed block ``<!-- sddkit:help:start -->`` ... ``end``, so
the rest of the README is never touched (the same markers sddkit writes everywhere).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from sddkit.cli.group import COMMANDS, cli
from sddkit.io.markers import block_content, replace_block

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = "help"


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], terminal_width=88)
    if result.exit_code != 0:
        raise SystemExit(f"sdd {' '.join(args)} --help failed: {result.output}")
    return result.output.replace("Usage: cli", "Usage: sdd").rstrip() + "\n"


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None:
            continue
        out.append([*prefix, name])
        if isinstance(command, click.Group):
            out += _commands(command, [*prefix, name])
    return out


def render() -> str:
    parts = ["```text", _help([]).rstrip(), "```", ""]
    for args in _commands(cli, []):
        parts += [f"### sdd {' '.join(args)}", "", "```text", _help(args).rstrip(), "```", ""]
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    wanted = render()
    if "--check" in argv:
        if block_content(text, BLOCK, README) != wanted:
            print("README.md: the command reference is out of date; run "
                  "`python scripts/readme_help.py`", file=sys.stderr)
            return 1
        return 0
    README.write_text(replace_block(text, BLOCK, wanted, README), encoding="utf-8")
    return 0


if __name__ == "__main__":
    assert set(COMMANDS)  # every top-level command is listed by the group
    raise SystemExit(main(sys.argv[1:]))
