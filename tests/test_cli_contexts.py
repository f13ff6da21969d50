"""sdd init, sdd ctx, sdd open through the CLI (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Invoke, git, tree_digest


def test_init_creates_layout_and_is_idempotent(git_repo: Path, sdd: Invoke) -> None:
    result = sdd(git_repo, "init", "--root", str(git_repo))
    assert result.exit_code == 0, result.stderr
    assert "created AGENTS.ctx/CONTEXT.md" in result.stdout
    for rel in ("AGENTS.md", "AGENTS.ctx/CONTEXT.md", "AGENTS.ctx/sdd/CONTEXT.md"):
        assert (git_repo / rel).is_file()
    root_text = (git_repo / "AGENTS.ctx/CONTEXT.md").read_text()
    assert "| [sdd](sdd/CONTEXT.md) |" in root_text
    sdd_text = (git_repo / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert "<!-- sddkit:inventory:start -->" in sdd_text
    assert "AGENTS.ctx/CONTEXT.md" in (git_repo / "AGENTS.md").read_text()
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "init")
    again = sdd(git_repo, "init", "--root", str(git_repo))
    assert again.exit_code == 0
    assert "nothing changed" in again.stdout
    assert git(git_repo, "status", "--porcelain") == ""


def test_init_keeps_existing_agents_md(git_repo: Path, sdd: Invoke) -> None:
    original = "# My agents file\r\n\r\nBe kind to the build.\r\n"
    (git_repo / "AGENTS.md").write_bytes(original.encode())
    assert sdd(git_repo, "init", "--root", str(git_repo)).exit_code == 0
    text = (git_repo / "AGENTS.md").read_bytes().decode()
    assert text.startswith(original)
    assert "<!-- sddkit:agents:start -->\r\n" in text
    assert "\n" not in text.replace("\r\n", "")


def test_init_dry_run_writes_nothing(git_repo: Path, sdd: Invoke) -> None:
    before = tree_digest(git_repo)
    result = sdd(git_repo, "init", "--root", str(git_repo), "--dry-run")
    assert result.exit_code == 0
    assert "+++ b/AGENTS.ctx/CONTEXT.md" in result.stdout
    assert tree_digest(git_repo) == before


def test_init_refuses_broken_marker_in_agents_md(git_repo: Path, sdd: Invoke) -> None:
    (git_repo / "AGENTS.md").write_text("x\n<!-- sddkit:agents:start -->\nhalf\n")
    before = tree_digest(git_repo)
    result = sdd(git_repo, "init", "--root", str(git_repo))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "AGENTS.md:2:" in result.stderr and "never closed" in result.stderr
    assert tree_digest(git_repo) == before


def test_ctx_new_list_show(initialised: Path, sdd: Invoke) -> None:
    result = sdd(initialised, "ctx", "new", "k8s", "--description", "cluster rules: flux")
    assert result.exit_code == 0, result.stderr
    path = initialised / "AGENTS.ctx/k8s/CONTEXT.md"
    assert "description: \"cluster rules: flux\"" in path.read_text()
    assert "| [k8s](k8s/CONTEXT.md) | cluster rules: flux |" in (
        initialised / "AGENTS.ctx/CONTEXT.md"
    ).read_text()
    assert sdd(initialised, "ctx", "new", "apps", "--includes", "k8s").exit_code == 0
    listing = sdd(initialised, "ctx", "list")
    assert listing.exit_code == 0
    assert "apps" in listing.stdout and "(includes: k8s)" in listing.stdout
    data = json.loads(sdd(initialised, "ctx", "list", "--json").stdout)
    assert data["schema"] == "sddkit.ctx.list/1"
    assert [c["name"] for c in data["contexts"]] == ["apps", "k8s", "sdd"]
    shown = sdd(initialised, "ctx", "show", "k8s")
    assert shown.stdout == path.read_text()


@pytest.mark.parametrize("name", ["K8s", "../x", "a/b", "", "_x", "contracts", "x" * 65, "nul"])
def test_ctx_new_refuses_bad_names(initialised: Path, sdd: Invoke, name: str) -> None:
    before = tree_digest(initialised)
    result = sdd(initialised, "ctx", "new", name)
    assert result.exit_code == 1
    assert result.stderr.startswith("sdd: invalid context name")
    assert result.stderr.count("\n") == 1
    assert tree_digest(initialised) == before


def test_ctx_new_refuses_unknown_include_and_existing(initialised: Path, sdd: Invoke) -> None:
    result = sdd(initialised, "ctx", "new", "a", "--includes", "nope")
    assert result.exit_code == 1 and "unknown context 'nope'" in result.stderr
    assert sdd(initialised, "ctx", "new", "a").exit_code == 0
    again = sdd(initialised, "ctx", "new", "a")
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_open_resolves_includes_once_in_order(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "ctx", "new", "base", "--description", "base rules")
    sdd(initialised, "ctx", "new", "k8s", "--includes", "base")
    sdd(initialised, "ctx", "new", "apps", "--includes", "base,k8s")
    result = sdd(initialised, "open", "apps", "k8s")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    heads = [line for line in out.splitlines() if line.startswith("## Context ")]
    assert heads == [
        "## Context base (AGENTS.ctx/base/CONTEXT.md)",
        "## Context k8s (AGENTS.ctx/k8s/CONTEXT.md)",
        "## Context apps (AGENTS.ctx/apps/CONTEXT.md)",
    ]
    assert "## Rules (AGENTS.ctx/CONTEXT.md)" in out
    data = json.loads(sdd(initialised, "open", "apps", "--json").stdout)
    assert data["schema"] == "sddkit.open/1"
    assert [c["name"] for c in data["opened"]] == ["base", "k8s", "apps"]
    assert {c["name"] for c in data["contexts"]} == {"apps", "base", "k8s", "sdd"}


def test_open_sdd_shows_projects_and_next(initialised: Path, sdd: Invoke) -> None:
    result = sdd(initialised, "open", "sdd")
    assert result.exit_code == 0, result.stderr
    assert "## Next step" in result.stdout
    assert "sdd new NAME" in result.stdout
    assert "sddkit:inventory" not in result.stdout


def test_open_unknown_lists_known(initialised: Path, sdd: Invoke) -> None:
    result = sdd(initialised, "open", "nope")
    assert result.exit_code == 1
    assert result.stderr == "sdd: unknown context 'nope'; known contexts: sdd\n"


def test_open_include_cycle_and_unknown_include(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "ctx", "new", "a")
    sdd(initialised, "ctx", "new", "b", "--includes", "a")
    a = initialised / "AGENTS.ctx/a/CONTEXT.md"
    a.write_text(a.read_text().replace("name: a\n", "name: a\nincludes: [b]\n"))
    result = sdd(initialised, "open", "b")
    assert result.exit_code == 1
    assert "cycle: b -> a -> b" in result.stderr
    assert "AGENTS.ctx/b/CONTEXT.md:2:" in result.stderr or "AGENTS.ctx/a/CONTEXT.md:2:" in (
        result.stderr
    )
    a.write_text(a.read_text().replace("includes: [b]", "includes: [ghost]"))
    result = sdd(initialised, "open", "a")
    assert result.exit_code == 1 and "unknown context 'ghost'" in result.stderr


def test_broken_context_front_matter_names_file_and_line(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "ctx", "new", "a")
    path = initialised / "AGENTS.ctx/a/CONTEXT.md"
    path.write_text("---\nname: a\ndescription: [unclosed\n---\nbody\n")
    before = tree_digest(initialised)
    result = sdd(initialised, "open", "a")  # asked for by name: its own error
    assert result.exit_code == 1
    assert "AGENTS.ctx/a/CONTEXT.md:" in result.stderr
    assert result.stderr.count("\n") == 1
    assert tree_digest(initialised) == before
    # the others are not stopped (issue 14): the broken one is named in a warning
    for args in (["ctx", "list"], ["ctx", "new", "b"]):
        result = sdd(initialised, *args)
        assert result.exit_code == 0, args
        assert "warning: " in result.stderr and "AGENTS.ctx/a/CONTEXT.md:" in result.stderr
        assert result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr
    assert path.read_text() == "---\nname: a\ndescription: [unclosed\n---\nbody\n"


def test_doubled_contexts_marker_refuses_ctx_new(initialised: Path, sdd: Invoke) -> None:
    root_ctx = initialised / "AGENTS.ctx/CONTEXT.md"
    root_ctx.write_text(root_ctx.read_text() + "<!-- sddkit:contexts:start -->\n"
                        "<!-- sddkit:contexts:end -->\n")
    before = tree_digest(initialised)
    result = sdd(initialised, "ctx", "new", "k8s")
    assert result.exit_code == 1
    assert "appears twice" in result.stderr and "AGENTS.ctx/CONTEXT.md:" in result.stderr
    assert tree_digest(initialised) == before


def test_outside_any_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from sddkit.cli.group import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["open"])
    assert result.exit_code == 1
    assert "run `sdd init`" in result.stderr


def test_root_found_from_subdirectory(initialised: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from sddkit.cli.group import cli

    sub = initialised / "src" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    result = CliRunner().invoke(cli, ["ctx", "list"])
    assert result.exit_code == 0
    assert result.stdout.startswith("sdd ")


def test_help_lists_every_command(sdd: Invoke, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sddkit.cli.group import COMMANDS, cli

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.stdout


def test_usage_error_exits_2(sdd: Invoke, initialised: Path) -> None:
    result = sdd(initialised, "ctx", "new")
    assert result.exit_code == 2


def test_closed_pipe_is_quiet(initialised: Path) -> None:
    import subprocess

    from conftest import sdd_executable

    proc = subprocess.Popen([sdd_executable(), "--root", str(initialised), "open"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before sdd writes (`sdd open | head -0`)
    _out, err = proc.communicate(timeout=60)
    assert err == b""
    assert proc.returncode == 1
