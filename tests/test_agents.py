"""Pointer blocks in each agent's instruction file: `sdd agents install/list/remove` (issue 7)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Invoke, tree_digest

from sddkit.agents.pointer_blocks import (
    REGISTRY,
    agent_status,
    block_text,
    get_agent,
    header_text,
    install_agents,
    parse_agent_names,
    remove_agents,
)
from sddkit.errors import SddkitError, UnsafePath
from sddkit.io import markers
from sddkit.io.fileio import Transaction, transaction
from sddkit.workspace import Workspace

AGENTS = [agent.name for agent in REGISTRY]
START, END = markers.start_marker("agents"), markers.end_marker("agents")


def path_of(root: Path, name: str) -> Path:
    return root / get_agent(name).path


def install(sdd: Invoke, root: Path, *names: str) -> str:
    args = [a for n in names for a in ("--agent", n)]
    result = sdd(root, "agents", "install", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def remove(sdd: Invoke, root: Path, *names: str) -> str:
    args = [a for n in names for a in ("--agent", n)]
    result = sdd(root, "agents", "remove", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def without_agents_md(root: Path) -> None:
    """Start from a repository whose AGENTS.md has no sddkit block (init wrote one)."""
    (root / "AGENTS.md").unlink()


# --- each file, created in an empty repository -------------------------------------------------


@pytest.mark.parametrize("name", AGENTS)
def test_created_in_empty_repo(initialised: Path, sdd: Invoke, name: str) -> None:
    without_agents_md(initialised)
    agent = get_agent(name)
    path = path_of(initialised, name)
    out = install(sdd, initialised, name)
    assert out == f"created {agent.path}\n"
    text = path.read_text()
    assert text == header_text(agent) + ("\n" if agent.header else "") + (
        f"{START}\n{block_text(agent)}{END}\n"
    )
    # the block says the three things, in every file (directly or via @AGENTS.md + one line)
    body = markers.block_content(text, "agents")
    assert body is not None
    assert "AGENTS.ctx/CONTEXT.md" in body and "sdd next" in body and "approve" in body
    assert "sdd open" in body
    # re-running is a no-op: same bytes, "nothing changed"
    before = tree_digest(initialised)
    assert "nothing changed" in install(sdd, initialised, name)
    assert tree_digest(initialised) == before
    # remove deletes a file that holds only what sddkit wrote
    removed = remove(sdd, initialised, name)
    assert removed == f"deleted {agent.path} (it held only what sddkit wrote)\n"
    assert not path.exists()


def test_claude_and_gemini_import_agents_md(initialised: Path, sdd: Invoke) -> None:
    install(sdd, initialised, "claude", "gemini")
    for name in ("CLAUDE.md", "GEMINI.md"):
        body = markers.block_content((initialised / name).read_text(), "agents")
        assert body is not None
        lines = body.splitlines()
        assert lines[0] == "@AGENTS.md"
        assert len([line for line in lines[1:] if line.strip()]) == 1


def test_cursor_front_matter_always_applies(initialised: Path, sdd: Invoke) -> None:
    import yaml

    install(sdd, initialised, "cursor")
    text = path_of(initialised, "cursor").read_text()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["alwaysApply"] is True
    assert isinstance(meta["description"], str) and meta["description"]


def test_windsurf_front_matter_always_on(initialised: Path, sdd: Invoke) -> None:
    import yaml

    install(sdd, initialised, "windsurf")
    text = path_of(initialised, "windsurf").read_text()
    assert yaml.safe_load(text.split("---\n")[1]) == {"trigger": "always_on"}


# --- merged into an existing file with the user's content --------------------------------------


@pytest.mark.parametrize("name", AGENTS)
def test_appended_to_user_file_and_removed_byte_for_byte(
    initialised: Path, sdd: Invoke, name: str
) -> None:
    without_agents_md(initialised)
    path = path_of(initialised, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    original = "# Team rules\n\nRun the linter before pushing.\n"
    path.write_text(original)
    install(sdd, initialised, name)
    text = path.read_text()
    assert text.startswith(original + "\n" + START + "\n")
    assert not text.startswith("---")  # front matter is only for files sddkit creates
    remove(sdd, initialised, name)
    assert path.read_bytes() == original.encode()


@pytest.mark.parametrize("name", AGENTS)
def test_user_content_above_and_below_is_kept(initialised: Path, sdd: Invoke, name: str) -> None:
    """The user placed the (empty) markers between their own text: only the inside changes."""
    path = path_of(initialised, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    above = "# House rules\r\n\r\nUse tabs.\r\n"
    below = "\r\n## More\r\n\r\nNo force pushes.\r\n"
    path.write_bytes(f"{above}{START}\r\n{END}\r\n{below}".encode())
    install(sdd, initialised, name)
    data = path.read_bytes()
    assert data.startswith(above.encode() + START.encode() + b"\r\n")
    assert data.endswith(END.encode() + b"\r\n" + below.encode())
    inside = data[len(above) + len(START) + 2 : -len(below) - len(END) - 2].decode()
    assert inside == block_text(get_agent(name)).replace("\n", "\r\n")
    # re-run: no-op
    before = tree_digest(initialised)
    install(sdd, initialised, name)
    assert tree_digest(initialised) == before
    # remove: the user's text above and below, byte for byte, markers gone
    remove(sdd, initialised, name)
    assert path.read_bytes() == (above + below).encode()


def test_text_added_below_after_install_survives(initialised: Path, sdd: Invoke) -> None:
    path = initialised / "CLAUDE.md"
    path.write_text("above\n")
    install(sdd, initialised, "claude")
    with path.open("a") as fh:
        fh.write("\nbelow, added later\n")
    installed = path.read_text()
    install(sdd, initialised, "claude")
    assert path.read_text() == installed
    remove(sdd, initialised, "claude")
    lines = installed.splitlines(keepends=True)
    start = lines.index(START + "\n")
    end = lines.index(END + "\n")
    assert path.read_text() == "".join(lines[:start] + lines[end + 1 :])
    assert path.read_text().startswith("above\n")
    assert path.read_text().endswith("below, added later\n")


def test_outdated_block_is_updated_in_place(initialised: Path, sdd: Invoke) -> None:
    path = initialised / "CLAUDE.md"
    path.write_text(f"top\n\n{START}\nold words\n{END}\n\nbottom\n")
    states = {s["name"]: s["state"] for s in json.loads(
        sdd(initialised, "agents", "list", "--json").stdout)["agents"]}
    assert states["claude"] == "outdated"
    assert install(sdd, initialised, "claude") == "updated CLAUDE.md\n"
    text = path.read_text()
    assert text.startswith(f"top\n\n{START}\n@AGENTS.md\n") and text.endswith(f"{END}\n\nbottom\n")


def test_removing_cursor_keeps_user_edits(initialised: Path, sdd: Invoke) -> None:
    install(sdd, initialised, "cursor")
    path = path_of(initialised, "cursor")
    edited = path.read_text().replace("alwaysApply: true", "alwaysApply: true\nglobs: src/**")
    path.write_text(edited)
    remove(sdd, initialised, "cursor")
    assert path.exists()
    assert path.read_text() == edited.split("\n" + START)[0]


def test_empty_user_file_keeps_nothing_but_is_a_user_file(initialised: Path, sdd: Invoke) -> None:
    """A whitespace-only file is kept as it was (only a file left with no bytes is deleted)."""
    path = initialised / "GEMINI.md"
    path.write_text("\n")
    install(sdd, initialised, "gemini")
    remove(sdd, initialised, "gemini")
    assert path.read_bytes() == b"\n"


# --- the commands ------------------------------------------------------------------------------


def test_install_all_by_default_then_list(initialised: Path, sdd: Invoke) -> None:
    out = install(sdd, initialised)
    assert "created CLAUDE.md" in out and "created .cursor/rules/sddkit.mdc" in out
    assert "AGENTS.md" not in out  # sdd init already wrote the same block
    listed = sdd(initialised, "agents", "list")
    assert listed.exit_code == 0
    rows = listed.stdout.splitlines()[: len(AGENTS)]  # the pointers; aider, hooks... follow
    assert listed.stdout.splitlines()[len(AGENTS)].startswith("aider ")
    assert all(" installed " in row for row in rows)
    assert "(also: codex, amp, opencode, zed, jules, aider, goose)" in rows[0]
    data = json.loads(sdd(initialised, "agents", "list", "--json").stdout)
    assert data["schema"] == "sddkit.agents.list/1"
    assert [a["name"] for a in data["agents"]] == AGENTS
    assert {a["state"] for a in data["agents"]} == {"installed"}


def test_init_agents_and_agents_install_agree(git_repo: Path, sdd: Invoke) -> None:
    result = sdd(git_repo, "init", "--root", str(git_repo), "--agents", "claude,codex")
    assert result.exit_code == 0, result.stderr
    assert (git_repo / "CLAUDE.md").exists()
    before = tree_digest(git_repo)
    assert "nothing changed" in install(sdd, git_repo, "codex", "claude", "amp")  # aider: read:
    assert tree_digest(git_repo) == before
    again = sdd(git_repo, "init", "--root", str(git_repo), "--agents", "claude")
    assert again.exit_code == 0 and "nothing changed" in again.stdout


def test_list_on_fresh_repo(initialised: Path, sdd: Invoke) -> None:
    data = json.loads(sdd(initialised, "agents", "list", "--json").stdout)
    states = {a["name"]: (a["state"], a["file_exists"]) for a in data["agents"]}
    assert states["agents"] == ("installed", True)
    assert states["claude"] == ("absent", False)


def test_broken_markers_are_reported_not_overwritten(initialised: Path, sdd: Invoke) -> None:
    path = initialised / "CLAUDE.md"
    path.write_text(f"mine\n{START}\nhalf a block\n")
    data = json.loads(sdd(initialised, "agents", "list", "--json").stdout)
    claude = next(a for a in data["agents"] if a["name"] == "claude")
    assert claude["state"] == "broken" and "never closed" in claude["problem"]
    assert "CLAUDE.md:2" in claude["problem"]
    before = tree_digest(initialised)
    result = sdd(initialised, "agents", "install")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "CLAUDE.md:2:" in result.stderr
    assert tree_digest(initialised) == before  # nothing written, not even the other files
    assert sdd(initialised, "agents", "remove", "--agent", "claude").exit_code == 1
    assert path.read_text() == f"mine\n{START}\nhalf a block\n"


def test_unknown_agent_lists_known(initialised: Path, sdd: Invoke) -> None:
    result = sdd(initialised, "agents", "install", "--agent", "vim")
    assert result.exit_code == 1
    assert result.stderr.startswith("sdd: unknown agent 'vim'; known agents: agents (codex")
    assert "claude" in result.stderr and "cline" in result.stderr
    assert result.stdout == ""


def test_dry_run_writes_nothing(initialised: Path, sdd: Invoke) -> None:
    before = tree_digest(initialised)
    result = sdd(initialised, "agents", "install", "--agent", "cursor", "--dry-run")
    assert result.exit_code == 0
    assert "+++ b/.cursor/rules/sddkit.mdc" in result.stdout
    assert "+alwaysApply: true" in result.stdout
    assert tree_digest(initialised) == before
    install(sdd, initialised, "cursor")
    before = tree_digest(initialised)
    result = sdd(initialised, "agents", "remove", "--agent", "cursor", "--dry-run")
    assert "--- a/.cursor/rules/sddkit.mdc\n+++ /dev/null\n" in result.stdout
    assert tree_digest(initialised) == before


def test_remove_all_leaves_a_clean_tree(initialised: Path, sdd: Invoke) -> None:
    (initialised / "AGENTS.md").write_text("# Ours\n")  # no block: init's block is gone
    before = tree_digest(initialised)
    install(sdd, initialised)
    remove(sdd, initialised)
    after = tree_digest(initialised)
    # the files are back as they were; only the (empty) folders sddkit made remain
    assert {k: v for k, v in after.items() if v != "dir"} == {
        k: v for k, v in before.items() if v != "dir"}
    assert "nothing changed" in remove(sdd, initialised)


def test_remove_refuses_symlink(initialised: Path, sdd: Invoke, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text(f"{START}\nx\n{END}\n")
    (initialised / "CLAUDE.md").symlink_to(outside)
    result = sdd(initialised, "agents", "remove", "--agent", "claude")
    assert result.exit_code == 1 and "outside the repository" in result.stderr
    assert outside.read_text() == f"{START}\nx\n{END}\n"


# --- the core functions ------------------------------------------------------------------------


def test_parse_agent_names() -> None:
    assert parse_agent_names("claude,codex") == ["claude", "agents"]
    assert parse_agent_names(" Claude , amp,agents ") == ["claude", "agents"]
    assert parse_agent_names("all") == AGENTS
    with pytest.raises(SddkitError, match="unknown agent 'nope'; known agents: agents"):
        parse_agent_names("claude,nope")
    with pytest.raises(SddkitError, match="no agent named"):
        parse_agent_names(" , ")


def test_install_and_remove_through_one_transaction(initialised: Path) -> None:
    ws = Workspace(initialised)
    with transaction(initialised) as tx:
        install_agents(ws, tx, ["claude", "cursor"])
    assert {s.agent.name for s in agent_status(ws) if s.state == "installed"} == {
        "agents", "claude", "cursor"}
    with transaction(initialised) as tx:
        remove_agents(ws, tx, ["cursor"])
        assert tx.deletions() == [initialised / ".cursor/rules/sddkit.mdc"]
    assert not (initialised / ".cursor/rules/sddkit.mdc").exists()


# --- Transaction.delete ------------------------------------------------------------------------


def test_delete_is_staged_and_shown(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("one\n")
    tx = Transaction(tmp_path)
    tx.delete(path)
    assert tx.read(path) is None and path.exists()
    assert tx.diff() == "--- a/a.md\n+++ /dev/null\n@@ -1 +0,0 @@\n-one\n"
    assert tx.commit() == [path] and not path.exists()


def test_delete_of_absent_or_new_file(tmp_path: Path) -> None:
    tx = Transaction(tmp_path)
    tx.delete(tmp_path / "never.md")
    tx.write(tmp_path / "new.md", "x\n")
    tx.delete(tmp_path / "new.md")
    assert tx.changes() == [] and tx.deletions() == [] and tx.commit() == []
    assert not (tmp_path / "new.md").exists()


def test_write_after_delete_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("one\n")
    tx = Transaction(tmp_path)
    tx.delete(path)
    tx.write(path, "two\n")
    tx.commit()
    assert path.read_text() == "two\n"


def test_delete_refuses_symlinks_and_outside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "target.md").write_text("t\n")
    (root / "link.md").symlink_to(root / "target.md")
    tx = Transaction(root)
    with pytest.raises(UnsafePath, match="not a regular file"):
        tx.delete(root / "link.md")
    (tmp_path / "out.md").write_text("o\n")
    with pytest.raises(UnsafePath, match="outside the repository"):
        tx.delete(root / ".." / "out.md")
    assert (root / "target.md").exists() and (tmp_path / "out.md").exists()


def test_delete_refuses_a_file_changed_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("one\n")
    with pytest.raises(SddkitError, match="changed on disk"), transaction(tmp_path) as tx:
        tx.delete(path)
        path.write_text("someone typed\n")
    assert path.read_text() == "someone typed\n"


def test_dry_run_never_deletes(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("one\n")
    with transaction(tmp_path, dry_run=True) as tx:
        tx.delete(path)
    assert path.exists() and "+++ /dev/null" in tx.diff()
    assert os.path.lexists(path)
