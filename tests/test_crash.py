"""Crash safety (issue 9): a write that dies before its replace, and locks left by the dead.

``SDDKIT_TEST_FAULT=before-replace`` makes ``io.fileio.atomic_write`` fail after the temporary
file is written and flushed and before it replaces the original: the moment a crash or a
full disk would hit. The commands run as a user runs them (a subprocess, no SDDKIT_DEBUG).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Invoke, fill, git, sdd_executable, tree_digest, walk_to

from sddkit.io.fileio import lock_path

TASKS = "## Phase 1\n\n- [ ] T001 First\n- [ ] T002 Second\n"


def user_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}
    return {**env, **extra}


def run(repo: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sdd_executable(), *args], cwd=repo, env=user_env(**extra),
                          capture_output=True, text=True, timeout=120)


def temp_files(root: Path) -> list[Path]:
    """Every temporary file sddkit may leave, anywhere under ``root`` (.git included)."""
    return sorted(root.rglob("*.sddkit-tmp"))


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    """alpha implementing, beta with its constitution in review, a context; committed."""
    walk_to(initialised, sdd, "alpha", tasks=TASKS)
    assert sdd(initialised, "new", "beta").exit_code == 0
    fill(initialised / "AGENTS.ctx/sdd/assets/beta/constitution.md")
    assert sdd(initialised, "ready", "beta").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "ready")
    return initialised


def assert_failed_cleanly(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sdd: ") and "injected fault" in lines[0]
    assert lines[0].endswith("; it is unchanged") and "sddkit-tmp" not in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", [
    ["done", "T001", "--project", "alpha"],
    ["approve", "beta", "--by", "Grace"],
    ["ctx", "new", "backend", "--description", "The backend"],
    ["new", "gamma"],
    ["reopen", "alpha", "plan", "--reason", "a crash test"],
    ["inventory"],
])
def test_fault_before_replace_leaves_every_file_intact(repo: Path, command: list[str]) -> None:
    if command == ["inventory"]:  # give the inventory something to rewrite
        path = repo / "AGENTS.ctx/sdd/CONTEXT.md"
        path.write_text(path.read_text().replace("| alpha |", "| alpha (stale) |"))
    before = tree_digest(repo)
    result = run(repo, *command, SDDKIT_TEST_FAULT="before-replace")
    assert_failed_cleanly(result)
    assert tree_digest(repo) == before
    assert temp_files(repo) == []
    # without the fault, the same command then succeeds: nothing was left half-done
    again = run(repo, *command)
    assert again.returncode == 0, again.stderr
    assert temp_files(repo) == []
    assert run(repo, "inventory", "--check").returncode == 0


def test_fault_during_init_leaves_the_folder_as_it_was(git_repo: Path) -> None:
    (git_repo / "AGENTS.md").write_text("# Notes\r\n\r\nMine.\r\n")
    before = tree_digest(git_repo)
    result = run(git_repo, "init", SDDKIT_TEST_FAULT="before-replace")
    assert_failed_cleanly(result)
    assert tree_digest(git_repo) == before  # no half-made AGENTS.ctx/ either
    assert temp_files(git_repo) == []
    assert run(git_repo, "init").returncode == 0
    assert (git_repo / "AGENTS.md").read_bytes().startswith(b"# Notes\r\n\r\nMine.\r\n")


def test_dry_run_never_writes_even_with_a_fault(repo: Path) -> None:
    before = tree_digest(repo)
    result = run(repo, "done", "T001", "--project", "alpha", "--dry-run",
                 SDDKIT_TEST_FAULT="before-replace")
    assert result.returncode == 0, result.stderr
    assert "+- [x] T001 First" in result.stdout
    assert tree_digest(repo) == before


HOLDER = """
import sys, time, filelock
lock = filelock.FileLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
time.sleep(600)
"""


def hold_lock(root: Path) -> subprocess.Popen[str]:
    """A process that takes the repository lock the way sdd does, then sleeps."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock_path(root))],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_stale_lock_of_a_killed_process_does_not_block(repo: Path) -> None:
    holder = hold_lock(repo)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert lock_path(repo).exists()  # the lock file stays; the OS lock went with the process
    start = time.monotonic()
    result = run(repo, "done", "T001", "--project", "alpha", SDDKIT_LOCK_TIMEOUT="20")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 20  # it did not wait for the timeout
    assert "- [x] T001 First" in (repo / "AGENTS.ctx/sdd/assets/alpha/tasks.md").read_text()


def test_lock_held_by_a_live_process_times_out_with_one_line(repo: Path) -> None:
    holder = hold_lock(repo)
    try:
        before = tree_digest(repo)
        result = run(repo, "done", "T001", "--project", "alpha", SDDKIT_LOCK_TIMEOUT="0.5")
        assert result.returncode == 1
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("sdd: .git/sddkit.lock: another sdd process has held the "
                                   "repository lock for 0.5s"), lines[0]
        assert "Traceback" not in result.stderr
        assert tree_digest(repo) == before
        # read commands never take the lock
        assert run(repo, "status", SDDKIT_LOCK_TIMEOUT="0.5").returncode == 0
        assert run(repo, "inventory", "--check", SDDKIT_LOCK_TIMEOUT="0.5").returncode == 0
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert run(repo, "done", "T001", "--project", "alpha").returncode == 0


def test_bad_lock_timeout_value_is_a_clear_error(repo: Path) -> None:
    result = run(repo, "done", "T001", "--project", "alpha", SDDKIT_LOCK_TIMEOUT="soon")
    assert result.returncode in (1, 2)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "SDDKIT_LOCK_TIMEOUT" in result.stderr
    assert "Traceback" not in result.stderr
