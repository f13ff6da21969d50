"""Issue 14: ``sdd done --commit`` commits exactly sddkit's own change, with real git.

A person's uncommitted edits in the files it touches (a hand tick elsewhere, a WIP line in
``sdd/CONTEXT.md``) stay uncommitted; staged work stays staged; an edit on the very lines
sddkit changes refuses the commit before anything is written. Every precondition (a git
work tree, an identity, no merge/rebase/cherry-pick in progress) is checked before anything
is written. SHA-256 repositories work, for ``done --commit`` and ``approve``'s
``approved_commit``.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import GIT_IDENTITY, Invoke, fill, git, sdd_executable, tree_digest, walk_to

ASSETS = Path("AGENTS.ctx/sdd/assets")
TASKS = ("## Phase 1\n\n- [ ] T001 Create the module\n- [ ] T002 Write the tests\n"
         "- [ ] T003 Document it\n")


def tasks_md(root: Path) -> Path:
    return root / ASSETS / "demo/tasks.md"


@pytest.fixture
def committed(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "approved")
    return initialised


def head_file(root: Path, rel: str) -> str:
    return git(root, "show", f"HEAD:{rel}")


def test_a_hand_tick_elsewhere_stays_uncommitted(committed: Path, sdd: Invoke) -> None:
    path = tasks_md(committed)
    path.write_text(path.read_text().replace("- [ ] T003", "- [x] T003"))  # by hand, not committed
    result = sdd(committed, "done", "T001", "--commit")
    assert result.exit_code == 0, result.stderr
    rel = (ASSETS / "demo/tasks.md").as_posix()
    in_head = head_file(committed, rel)
    assert re.search(r"^- \[x\] T001", in_head, re.M)
    assert "- [ ] T003" in in_head  # the hand tick is not in sddkit's commit
    assert "- [x] T003" in path.read_text()  # ... and still in the working tree
    diff = git(committed, "diff", "--", rel)
    assert "+- [x] T003" in diff and not re.search(r"^[-+].*T001", diff, re.M)
    assert git(committed, "log", "-1", "--format=%s").strip() == "sdd: demo T001 done"


def test_a_wip_line_in_the_sdd_context_stays_uncommitted(committed: Path, sdd: Invoke) -> None:
    context = committed / "AGENTS.ctx/sdd/CONTEXT.md"
    context.write_text(context.read_text() + "\nWIP: a rule I am still writing\n")
    result = sdd(committed, "done", "T001", "--commit")
    assert result.exit_code == 0, result.stderr
    assert "WIP: a rule" not in head_file(committed, "AGENTS.ctx/sdd/CONTEXT.md")
    assert "| demo |" in head_file(committed, "AGENTS.ctx/sdd/CONTEXT.md")
    assert "WIP: a rule" in context.read_text()
    assert git(committed, "status", "--porcelain").strip() == "M AGENTS.ctx/sdd/CONTEXT.md"


def test_staged_work_stays_staged_and_out_of_the_commit(committed: Path, sdd: Invoke) -> None:
    path = tasks_md(committed)
    path.write_text(path.read_text().replace("- [ ] T003", "- [x] T003"))
    other = committed / "notes.txt"
    other.write_text("staged elsewhere\n")
    git(committed, "add", "--", str(path), str(other))
    result = sdd(committed, "done", "T001", "--commit")
    assert result.exit_code == 0, result.stderr
    rel = (ASSETS / "demo/tasks.md").as_posix()
    assert "- [ ] T003" in head_file(committed, rel)
    assert git(committed, "show", "--name-only", "--format=", "HEAD").split() == sorted(
        ["AGENTS.ctx/sdd/CONTEXT.md", rel])
    cached = git(committed, "diff", "--cached")
    assert "+- [x] T003" in cached and "+staged elsewhere" in cached
    assert not re.search(r"^[-+].*T001", cached, re.M)  # the index has sddkit's change too
    assert git(committed, "diff", "--", rel) == ""


def test_an_edit_on_the_lines_sdd_changes_refuses_before_writing(committed: Path) -> None:
    """A hand edit inside the inventory block, which ``done`` regenerates: sddkit's change
    and the person's cannot be told apart, so nothing is written and nothing committed."""
    context = committed / "AGENTS.ctx/sdd/CONTEXT.md"
    text = context.read_text()
    context.write_text(text.replace("| demo |", "| demo (mine) |", 1))
    head = git(committed, "rev-parse", "HEAD")
    before = tree_digest(committed)
    result = _run(committed, "done", "T001", "--commit")
    _one_line(result, "AGENTS.ctx/sdd/CONTEXT.md", "uncommitted edits on or next to the lines")
    assert tree_digest(committed) == before
    assert git(committed, "rev-parse", "HEAD") == head


def _run(root: Path, *args: str, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}
    return subprocess.run([sdd_executable(), *args], cwd=root, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def _one_line(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for part in parts:
        assert part in lines[0], lines[0]


def _no_identity_env(root: Path) -> dict[str, str]:
    git(root, "config", "user.useConfigOnly", "true")
    return {key: "" for key in GIT_IDENTITY} | {"EMAIL": ""}


def _stop_half_way(root: Path, operation: str) -> None:
    """Two branches that change README.md differently, then ``operation`` (merge, rebase,
    cherry-pick), which stops on the conflict."""
    readme = root / "README.md"
    git(root, "checkout", "-q", "-b", "side")
    readme.write_text("side\n")
    git(root, "commit", "-q", "-am", "side")
    git(root, "checkout", "-q", "-")
    readme.write_text("main\n")
    git(root, "commit", "-q", "-am", "main")
    if operation == "rebase":
        git(root, "checkout", "-q", "side")
        args = ["rebase", "-"]
    else:
        args = [operation, "side"]
    stopped = subprocess.run(["git", *args], cwd=root, capture_output=True)
    assert stopped.returncode != 0  # stopped on the conflict


@pytest.mark.parametrize("case, expected", [
    ("no identity", "no identity"),
    ("merge", "a merge is in progress"),
    ("rebase", "a rebase is in progress"),
    ("cherry-pick", "a cherry-pick is in progress"),
])
def test_preconditions_are_checked_before_anything_is_written(committed: Path, case: str,
                                                              expected: str) -> None:
    env = None
    if case == "no identity":
        env = _no_identity_env(committed)
    else:
        (committed / "README.md").write_text("start\n")
        git(committed, "add", "README.md")
        git(committed, "commit", "-q", "-m", "readme")
        _stop_half_way(committed, case)
    head = git(committed, "rev-parse", "HEAD")
    before = tree_digest(committed)
    result = _run(committed, "done", "T001", "--project", "demo", "--commit", env=env)
    _one_line(result, expected, "nothing was changed")
    assert tree_digest(committed) == before  # the task is not checked off on disk
    assert git(committed, "rev-parse", "HEAD") == head


def test_outside_a_work_tree_nothing_is_written(tmp_path: Path, sdd: Invoke) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    assert sdd(root, "init").exit_code == 0
    walk_to(root, sdd, "demo", tasks=TASKS)
    before = tree_digest(root)
    result = _run(root, "done", "T001", "--commit", env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    _one_line(result, "needs a git work tree", "nothing was changed")
    # run from the root, the folder is named, not shown as "."
    assert result.stderr.startswith(f"sdd: {root}: --commit needs"), result.stderr
    assert tree_digest(root) == before


@pytest.fixture
def sha256_repo(tmp_path: Path, sdd: Invoke) -> Path:
    root = tmp_path / "repo256"
    root.mkdir()
    done = subprocess.run(["git", "init", "-q", "--object-format=sha256", str(root)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this git cannot make SHA-256 repositories: {done.stderr.strip()}")
    assert sdd(root, "init").exit_code == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def test_sha256_repository_done_commit(sha256_repo: Path, sdd: Invoke) -> None:
    walk_to(sha256_repo, sdd, "demo", tasks=TASKS)
    git(sha256_repo, "add", "-A")
    git(sha256_repo, "commit", "-q", "-m", "approved")
    result = _run(sha256_repo, "done", "T001", "--commit")
    assert result.returncode == 0, result.stderr
    head = git(sha256_repo, "rev-parse", "HEAD").strip()
    assert re.fullmatch("[0-9a-f]{64}", head)
    assert f"committed {head[:7]}" in result.stdout
    assert git(sha256_repo, "status", "--porcelain") == ""
    assert git(sha256_repo, "fsck", "--no-progress").strip() == ""


def test_sha256_repository_approve_records_the_commit(sha256_repo: Path, sdd: Invoke) -> None:
    assert sdd(sha256_repo, "new", "demo").exit_code == 0
    constitution = sha256_repo / ASSETS / "demo/constitution.md"
    fill(constitution)
    assert sdd(sha256_repo, "ready", "demo").exit_code == 0
    git(sha256_repo, "add", "-A")  # approved_commit names a commit holding the approved text
    git(sha256_repo, "commit", "-q", "-m", "constitution in review")
    head = git(sha256_repo, "rev-parse", "HEAD").strip()
    result = _run(sha256_repo, "approve", "demo", "--by", "Grace", "--commit")
    assert result.returncode == 0, result.stderr
    assert f"approved_commit: {head}\n" in constitution.read_text()
    assert re.fullmatch("[0-9a-f]{64}", git(sha256_repo, "rev-parse", "HEAD").strip())
    status = _run(sha256_repo, "status", "demo", "--json")
    assert head in status.stdout
    assert _run(sha256_repo, "check").returncode == 0
