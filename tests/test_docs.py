"""The README tells the truth: its command reference is current and every command has help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from sddkit.cli import COMMANDS, cli

REPO = Path(__file__).resolve().parent.parent


def test_readme_command_reference_is_current() -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "readme_help.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None, name
        assert (command.help or "").strip(), f"sdd {name} has no help text"
        assert f"### sdd {name}\n" in readme, f"sdd {name} is missing from README.md"
        if isinstance(command, click.Group):
            sub_ctx = click.Context(command)
            for sub in command.list_commands(sub_ctx):
                child = command.get_command(sub_ctx, sub)
                assert child is not None and (child.help or "").strip(), f"sdd {name} {sub}"
                assert f"### sdd {name} {sub}\n" in readme


def test_readme_names_the_two_setup_commands() -> None:
    readme = (REPO / "README.md").read_text()
    assert "pip install -e . && mkdir -p /tmp/sdd-demo && cd /tmp/sdd-demo && git init -q && sdd init" in readme
    assert 'python -m pip install -e ".[test]" && python -m pytest' in readme
    ci = (REPO / ".ci" / "run").read_text()
    assert "-m pytest" in ci and '-e ".[test]"' in ci
