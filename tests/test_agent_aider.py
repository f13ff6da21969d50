"""Aider's read: list and Devin Desktop's rules folder (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import Invoke, tree_digest

from sddkit.agents.pointer_blocks import get_agent, header_text


def run(sdd: Invoke, root: Path, *args: str) -> str:
    result = sdd(root, "agents", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_aider_read_list_created_and_removed(initialised: Path, sdd: Invoke) -> None:
    run(sdd, initialised, "install", "--agent", "aider")
    conf = initialised / ".aider.conf.yml"
    assert yaml.safe_load(conf.read_text()) == {"read": ["AGENTS.md"]}
    listed = json.loads(run(sdd, initialised, "list", "--json"))
    assert listed["aider"]["state"] == "installed"
    before = tree_digest(initialised)
    assert "nothing changed" in run(sdd, initialised, "install", "--agent", "aider")
    assert tree_digest(initialised) == before
    run(sdd, initialised, "remove", "--agent", "aider")
    assert not conf.exists()


USER_CONF = """# team settings
model: some-model
read:
  - CONVENTIONS.md   # style guide
  - docs/ARCHITECTURE.md
auto-commits: false
"""


def test_aider_item_added_to_the_users_block_list(initialised: Path, sdd: Invoke) -> None:
    conf = initialised / ".aider.conf.yml"
    conf.write_text(USER_CONF)
    run(sdd, initialised, "install", "--agent", "aider")
    text = conf.read_text()
    assert text == USER_CONF.replace("  - docs/ARCHITECTURE.md\n",
                                     "  - docs/ARCHITECTURE.md\n  - AGENTS.md  # added by sddkit\n")
    assert yaml.safe_load(text)["read"] == ["CONVENTIONS.md", "docs/ARCHITECTURE.md", "AGENTS.md"]
    run(sdd, initialised, "remove")
    assert conf.read_text() == USER_CONF


def test_aider_flow_list_is_left_to_the_person(initialised: Path, sdd: Invoke) -> None:
    conf = initialised / ".aider.conf.yml"
    conf.write_text("read: [CONVENTIONS.md]\n")
    out = run(sdd, initialised, "install", "--agent", "aider")
    assert "kept .aider.conf.yml (its read: is not a block list; add AGENTS.md to it by hand)" in out
    assert conf.read_text() == "read: [CONVENTIONS.md]\n"


def test_aider_bad_yaml_is_one_line(initialised: Path, sdd: Invoke) -> None:
    conf = initialised / ".aider.conf.yml"
    conf.write_text("read: [unclosed\n")
    result = sdd(initialised, "agents", "install", "--agent", "aider")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert ".aider.conf.yml:2: not valid YAML" in result.stderr


def test_devin_rules_folder_with_always_on(initialised: Path, sdd: Invoke) -> None:
    out = run(sdd, initialised, "install", "--agent", "devin")
    assert out == "created .devin/rules/sddkit.md\n"
    text = (initialised / ".devin/rules/sddkit.md").read_text()
    assert text.startswith(header_text(get_agent("devin")))
    assert yaml.safe_load(text.split("---")[1]) == {"trigger": "always_on"}
    assert not (initialised / ".windsurf").exists()  # the old path stays the user's choice
