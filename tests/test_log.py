"""`sdd log`: the gate record read back from git history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Invoke, fill, git, walk_to

A = Path("AGENTS.ctx/sdd/assets/demo")


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_the_whole_record(initialised: Path, sdd: Invoke) -> None:
    root = initialised
    assert sdd(root, "new", "demo").exit_code == 0
    _commit(root, "new")
    fill(root / A / "constitution.md")
    assert sdd(root, "approve", "demo", "--force", "--by", "Grace").exit_code == 0  # from draft
    _commit(root, "forced approval")
    assert sdd(root, "reopen", "demo", "constitution", "--reason", "naming  was wrong").exit_code == 0
    _commit(root, "reopen")
    assert sdd(root, "block", "demo", "--reason", "waiting for the data team").exit_code == 0
    _commit(root, "block")
    assert sdd(root, "unblock", "demo").exit_code == 0
    _commit(root, "unblock")
    walk_to(root, sdd, "demo",
            tasks="## Phase 1\n- [ ] T001 first\n- [ ] T002 second\n  - depends: T001\n")
    _commit(root, "all approved")
    assert sdd(root, "done", "T002", "--force").exit_code == 0
    _commit(root, "forced done")
    result = sdd(root, "log", "demo", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == "sddkit.log/1"
    events = [(e["phase"], e["event"], e["detail"], e["by"]) for e in data["events"]]
    assert events == [
        ("constitution", "approved", "forced (from draft)", "Grace"),
        ("constitution", "reopened", "naming was wrong", "Ada Tester"),
        ("constitution", "blocked", "waiting for the data team", "Ada Tester"),
        ("constitution", "unblocked", "was: waiting for the data team", "Ada Tester"),
        ("constitution", "approved", "", "Grace"),
        ("spec", "approved", "", "Grace"),
        ("plan", "approved", "", "Grace"),
        ("tasks", "approved", "", "Grace"),
        ("tasks", "forced-done", events[-1][2], "Ada Tester"),
    ]
    assert events[-1][2].startswith("T002 second (") and "forced: open T001" in events[-1][2]
    first = data["events"][0]
    assert first["author"] == "Ada Tester <ada@example.com>" and len(first["commit"]) == 40
    text = sdd(root, "log").stdout
    assert "demo  constitution  reopened" in text and "naming was wrong" in text


def test_hand_edit_shows_in_the_record(initialised: Path, sdd: Invoke) -> None:
    root = initialised
    walk_to(root, sdd, "demo", upto="constitution")
    _commit(root, "constitution")
    doc = root / A / "constitution.md"
    doc.write_text(doc.read_text().replace("status: approved", "status: review", 1))
    _commit(root, "review")
    doc.write_text(doc.read_text().replace("status: review", "status: approved", 1))
    _commit(root, "approved by hand")
    events = json.loads(sdd(root, "log", "--json").stdout)["events"]
    assert events[-1]["event"] == "approved" and "by hand" in events[-1]["detail"]


def test_log_needs_git(tmp_path: Path, sdd: Invoke) -> None:
    assert sdd(tmp_path, "init", "--root", str(tmp_path)).exit_code == 0
    result = sdd(tmp_path, "log")
    assert result.exit_code == 1 and "not a git repository" in result.stderr
    assert sdd(tmp_path, "log", "../up").exit_code == 1


def logged(sdd: Invoke, root: Path) -> list[tuple[str, str]]:
    """(phase, event) of each entry of ``sdd log demo --json``."""
    result = sdd(root, "log", "demo", "--json")
    assert result.exit_code == 0, result.stderr
    return [(e["phase"], e["event"]) for e in json.loads(result.stdout)["events"]]

def test_empty_record(initialised: Path, sdd: Invoke) -> None:
    result = sdd(initialised, "log")
    assert result.exit_code == 0 and "No approvals" in result.stdout
    assert sdd(initialised, "log", "ghost").exit_code == 1


@pytest.mark.parametrize("folder", ["my docs", 'the "docs"', "tab\there", "back\\slash"])
def test_the_record_under_a_folder_git_writes_with_a_tab_or_quotes(
        git_repo: Path, sdd: Invoke, folder: str) -> None:
    """sddkit's root in a folder of the repository whose name holds a space (git ends the
    ``+++ b/PATH`` line with a tab then) or a character git quotes (``"b/..."`` with C
    escapes): the record is the one a plain folder gives (it was empty: no path matched)."""
    root = git_repo / folder
    root.mkdir()
    assert sdd(root, "init", "--root", str(root)).exit_code == 0
    _commit(git_repo, "sdd init")
    walk_to(root, sdd, "demo", upto="spec")
    _commit(git_repo, "approved")
    assert logged(sdd, root) == [("constitution", "approved"), ("spec", "approved")]


def test_the_record_reads_the_first_commit_whatever_log_showroot_says(
        tmp_path: Path, sdd: Invoke) -> None:
    """Approvals made in a repository's first commit (a project imported with its
    history squashed) are in the record although the user's git configuration sets
    ``log.showRoot=false`` (``git log -p`` then shows no patch for the root commit)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "log.showRoot", "false")
    assert sdd(root, "init", "--root", str(root)).exit_code == 0
    walk_to(root, sdd, "demo", upto="spec")
    _commit(root, "everything in one first commit")
    assert logged(sdd, root) == [("constitution", "approved"), ("spec", "approved")]
