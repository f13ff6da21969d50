"""Project MCP configuration: `sdd agents install --mcp` (issue 16)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import Invoke, tree_digest

from sddkit.agents.mcp_config import FILES

tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else pytest.importorskip("tomli")

SDDKIT = {"command": "sdd", "args": ["mcp"]}


def mcp(sdd: Invoke, root: Path, verb: str, *args: str) -> str:
    result = sdd(root, "agents", verb, "--mcp", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_each_file_in_its_format(initialised: Path, sdd: Invoke) -> None:
    out = mcp(sdd, initialised, "install")
    assert sorted(out.splitlines()) == sorted(f"created {f.path}" for f in FILES)
    for name in (".mcp.json", ".cursor/mcp.json", ".gemini/settings.json"):
        assert json.loads((initialised / name).read_text()) == {"mcpServers": {"sddkit": SDDKIT}}
    assert json.loads((initialised / ".vscode/mcp.json").read_text()) == {
        "servers": {"sddkit": {"type": "stdio", **SDDKIT}}}
    codex = (initialised / ".codex/config.toml").read_text()
    assert tomllib.loads(codex) == {"mcp_servers": {"sddkit": SDDKIT}}
    before = tree_digest(initialised)
    assert "nothing changed" in mcp(sdd, initialised, "install")
    assert tree_digest(initialised) == before
    states = json.loads(sdd(initialised, "agents", "list", "--json").stdout)["mcp"]
    assert {m["state"] for m in states} == {"installed"}
    out = mcp(sdd, initialised, "remove")
    assert out.count("deleted ") == len(FILES)
    assert not any((initialised / f.path).exists() for f in FILES)


CODEX_CONFIG = """# my Codex settings
model = "some-model"   # keep this comment

[mcp_servers.docs]
command = "docs-server"
args = ["--stdio"]

[profiles.fast]
model_reasoning_effort = "low"
"""


def test_codex_toml_keeps_every_byte_around_the_table(initialised: Path, sdd: Invoke) -> None:
    path = initialised / ".codex" / "config.toml"
    path.parent.mkdir()
    path.write_text(CODEX_CONFIG)
    assert mcp(sdd, initialised, "install", "--agent", "codex") == "updated .codex/config.toml\n"
    text = path.read_text()
    assert text.startswith(CODEX_CONFIG)
    data = tomllib.loads(text)
    assert data["mcp_servers"] == {"docs": {"command": "docs-server", "args": ["--stdio"]},
                                   "sddkit": SDDKIT}
    assert data["profiles"] == {"fast": {"model_reasoning_effort": "low"}}
    # an outdated table in the middle is replaced where it stands
    path.write_text(CODEX_CONFIG.replace(
        "[profiles.fast]", '[mcp_servers.sddkit]\ncommand = "sddkit"\nargs = ["mcp", "--root", "x"]\n'
        '\n[mcp_servers.sddkit.env]\nA = "1"\n\n[profiles.fast]'))
    listed = json.loads(sdd(initialised, "agents", "list", "--json").stdout)["mcp"]
    assert {m["agent"]: m["state"] for m in listed}["codex"] == "outdated"
    mcp(sdd, initialised, "install", "--agent", "codex")
    assert path.read_text() == CODEX_CONFIG.replace(
        "[profiles.fast]", '[mcp_servers.sddkit]\ncommand = "sdd"\nargs = ["mcp"]\n\n[profiles.fast]')
    mcp(sdd, initialised, "remove", "--agent", "codex")
    assert path.read_text() == CODEX_CONFIG


def test_json_merge_keeps_other_servers_and_keys(initialised: Path, sdd: Invoke) -> None:
    path = initialised / ".vscode" / "mcp.json"
    path.parent.mkdir()
    user = {"inputs": [{"id": "token", "type": "promptString"}],
            "servers": {"github": {"type": "http", "url": "https://example.invalid/mcp"}}}
    path.write_text(json.dumps(user, indent="\t") + "\n")
    mcp(sdd, initialised, "install", "--agent", "copilot")
    data = json.loads(path.read_text())
    assert data["inputs"] == user["inputs"]
    assert data["servers"] == {**user["servers"], "sddkit": {"type": "stdio", **SDDKIT}}
    assert path.read_text().startswith('{\n\t"inputs"')  # the file's tab indent kept
    mcp(sdd, initialised, "remove", "--agent", "vscode")
    assert json.loads(path.read_text()) == user


def test_hooks_and_mcp_share_gemini_settings(initialised: Path, sdd: Invoke) -> None:
    result = sdd(initialised, "agents", "install", "--hooks", "--mcp", "--agent", "gemini")
    assert result.exit_code == 0, result.stderr
    data = json.loads((initialised / ".gemini/settings.json").read_text())
    assert set(data) == {"hooks", "mcpServers"}
    assert mcp(sdd, initialised, "remove", "--agent", "gemini") == "updated .gemini/settings.json\n"
    assert set(json.loads((initialised / ".gemini/settings.json").read_text())) == {"hooks"}


def test_bad_toml_is_refused_with_its_line(initialised: Path, sdd: Invoke) -> None:
    path = initialised / ".codex" / "config.toml"
    path.parent.mkdir()
    path.write_text('model = "x"\n[broken\n')
    before = tree_digest(initialised)
    result = sdd(initialised, "agents", "install", "--mcp", "--agent", "codex")
    assert result.exit_code == 1
    assert ".codex/config.toml:2: not valid TOML" in result.stderr
    assert result.stderr.count("\n") == 1
    assert tree_digest(initialised) == before


def test_inline_definition_is_refused_not_duplicated(initialised: Path, sdd: Invoke) -> None:
    path = initialised / ".codex" / "config.toml"
    path.parent.mkdir()
    path.write_text('mcp_servers = { sddkit = { command = "other" } }\n')
    result = sdd(initialised, "agents", "install", "--mcp", "--agent", "codex")
    assert result.exit_code == 1
    assert "defined in a form sddkit does not edit" in result.stderr
    assert path.read_text() == 'mcp_servers = { sddkit = { command = "other" } }\n'
