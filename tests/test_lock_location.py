"""The repository lock is one per repository, whatever the environment (issue 14).

Two writers of one repository with different ``TMPDIR`` (agent sandboxes set their own)
must take the same lock: in a folder without git, in a linked git worktree and in a
submodule. The lock is held by a real process; the second writer must wait and time out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, sdd_executable

from sddkit.io.repo_lock import git_common_dir, lock_path

HOLDER = """
import sys, time, filelock
lock = filelock.FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def _init(root: Path) -> None:
    result = subprocess.run([sdd_executable(), "init", "--root", str(root)], capture_output=True,
                            text=True, cwd=root)
    assert result.returncode == 0, result.stderr


def _blocked_while_held(root: Path, tmp_path: Path) -> None:
    """Hold the lock as a writer with TMPDIR=a would; a writer with TMPDIR=b must wait."""
    (tmp_path / "a").mkdir(exist_ok=True)
    (tmp_path / "b").mkdir(exist_ok=True)
    env_a = {**os.environ, "TMPDIR": str(tmp_path / "a")}
    where = subprocess.run([sys.executable, "-c",
                            "import sys; from sddkit.io.repo_lock import lock_path; "
                            "print(lock_path(__import__('pathlib').Path(sys.argv[1])))",
                            str(root)], env=env_a, capture_output=True, text=True, check=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, where.stdout.strip()], env=env_a,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        env_b = {**os.environ, "TMPDIR": str(tmp_path / "b"), "SDDKIT_LOCK_TIMEOUT": "0.3"}
        env_b.pop("SDDKIT_DEBUG", None)
        result = subprocess.run([sdd_executable(), "new", "demo"], cwd=root, env=env_b,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1, (result.stdout, result.stderr)
        assert "held the repository lock" in result.stderr
        assert not (root / "AGENTS.ctx/sdd/assets/demo").exists()
    finally:
        holder.kill()
        holder.wait()


def test_no_git_lock_is_in_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    _init(root)
    assert lock_path(root) == root.resolve() / ".sddkit.lock"
    _blocked_while_held(root, tmp_path)


def test_subfolder_of_a_git_repository_uses_its_git_dir(git_repo: Path, tmp_path: Path) -> None:
    root = git_repo / "services" / "api"
    root.mkdir(parents=True)
    _init(root)
    assert lock_path(root) == (git_repo / ".git").resolve() / "sddkit.lock"
    _blocked_while_held(root, tmp_path)


def test_linked_worktree_shares_the_main_repository_lock(git_repo: Path, tmp_path: Path) -> None:
    _init(git_repo)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "init")
    other = tmp_path / "other"
    git(git_repo, "worktree", "add", "-q", str(other), "-b", "feature")
    assert git_common_dir(other) == (git_repo / ".git").resolve()
    assert lock_path(other) == lock_path(git_repo)
    _blocked_while_held(other, tmp_path)


def test_submodule_has_its_own_lock_in_its_git_dir(git_repo: Path, tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    git(library, "init", "-q")
    _init(library)
    git(library, "add", "-A")
    git(library, "commit", "-q", "-m", "library")
    subprocess.run(["git", "-c", "protocol.file.allow=always", "submodule", "add", "-q",
                    str(library), "lib"], cwd=git_repo, check=True, capture_output=True)
    sub = git_repo / "lib"
    assert (sub / ".git").is_file()
    common = git_common_dir(sub)
    assert common == (git_repo / ".git/modules/lib").resolve()
    assert lock_path(sub) == common / "sddkit.lock"
    _blocked_while_held(sub, tmp_path)


def test_a_lock_file_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    _init(root)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (root / ".sddkit.lock").unlink()  # left by `sdd init`
    (root / ".sddkit.lock").symlink_to(victim)
    result = subprocess.run([sdd_executable(), "new", "demo"], cwd=root, capture_output=True,
                            text=True, env={k: v for k, v in os.environ.items()
                                            if k != "SDDKIT_DEBUG"})
    assert result.returncode == 1 and "lock file is not a regular file" in result.stderr
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("tmpdir", ["a", "b"])
def test_lock_path_ignores_tmpdir(tmp_path: Path, tmpdir: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / tmpdir))
    assert lock_path(tmp_path) == tmp_path.resolve() / ".sddkit.lock"
