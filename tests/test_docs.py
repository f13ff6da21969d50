"""The README tells the truth: its command reference is current and every command has help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from sddkit.cli.group import COMMANDS, cli

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


def sh_block(readme: str, heading: str) -> list[str]:
    """The command lines of the first ```sh block under ``heading``."""
    section = readme.split(f"\n{heading}\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_setup_commands() -> None:
    readme = (REPO / "README.md").read_text()
    lines = sh_block(readme, "## Set up")
    assert lines[0].startswith("pip install -e '.[mcp]' ")
    assert lines[-1].startswith('python -m pip install -e ".[test]" && python -m pytest')
    ci = (REPO / ".ci" / "run").read_text()
    assert "-m pytest" in ci and '-e ".[test]"' in ci


FILL_EDITOR = """#!{python}
import re, sys
path = sys.argv[1]
text = open(path).read()
text = text.replace("- [ ] <!-- fill: a question", "- [x] Settled: <!-- fill: a question")
open(path, "w").write(re.sub(r"<!-- fill:.*?-->", "Filled in.", text, flags=re.DOTALL))
"""


def test_readme_commands_work_pasted_top_to_bottom(tmp_path: Path) -> None:
    """Every command of the set-up (but the installs) and of the walk-through, as written,
    in one shell, with an editor that fills each document the way an author would."""
    readme = (REPO / "README.md").read_text()
    setup = [line for line in sh_block(readme, "## Set up") if "pip install" not in line]
    walk = sh_block(readme, "## A first session: the four phases")
    demo = tmp_path / "sdd-demo"
    assert walk[0].startswith("mkdir -p /tmp/sdd-demo && cd /tmp/sdd-demo")
    editor = tmp_path / "fill-editor"
    editor.write_text(FILL_EDITOR.format(python=sys.executable))
    editor.chmod(0o755)
    script = "set -e\n" + "\n".join(setup) + "\n" + "\n".join(walk).replace("/tmp/sdd-demo",
                                                                             str(demo)) + "\n"
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "HOME": str(home), "EDITOR": str(editor), "GIT_CONFIG_NOSYSTEM": "1",
           **{k: v for k, v in os.environ.items() if k.startswith("GIT_")}}
    result = subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Next: T001" in result.stdout  # the first task after the four approvals
    assert "# sddkit session briefing" in result.stdout
    tasks = (demo / "AGENTS.ctx/sdd/assets/checkout-v2/tasks.md").read_text()
    assert "- [x] T001" in tasks
    hook = json.loads((demo / ".claude/settings.json").read_text())
    assert hook["hooks"]["SessionStart"][0]["hooks"][0]["command"] == "sdd open --brief --hook claude"
