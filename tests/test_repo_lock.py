"""The repository lock taken with ``fcntl.flock`` on POSIX (issue 15: the ``filelock``
package import cost every write about 10 ms): it excludes other sdd processes, and
``filelock`` holders, both ways; a killed holder releases it; a symlink is never followed;
a file system without ``flock`` falls back to ``filelock``."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sddkit.errors import LockTimeout, SddkitError
from sddkit.io import repo_lock as repo_lock_module
from sddkit.io.repo_lock import lock_path, repo_lock

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the flock path is POSIX's")

#: Holds the lock the way sdd does (``repo_lock``), says so, then sleeps.
SDD_HOLDER = """
import sys, time
from pathlib import Path
from sddkit.io.repo_lock import repo_lock
with repo_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(600)
"""
#: Holds the same lock file with the filelock package (an older sdd, or another platform's code).
FILELOCK_HOLDER = """
import sys, time, filelock
lock = filelock.FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


def _hold(code: str, arg: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", code, str(arg)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_held_lock_times_out_and_is_free_afterwards(tmp_path: Path) -> None:
    holder = _hold(SDD_HOLDER, tmp_path)
    try:
        start = time.monotonic()
        with pytest.raises(LockTimeout, match="held the repository lock for 0.3s"), \
                repo_lock(tmp_path, timeout=0.3):
            pass
        assert time.monotonic() - start >= 0.3
    finally:
        holder.kill()
        holder.wait()
    with repo_lock(tmp_path, timeout=5):
        assert lock_path(tmp_path).is_file()
    assert lock_path(tmp_path).is_file()  # the file stays: every waiter locks one inode


def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    holder = _hold(SDD_HOLDER, tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    start = time.monotonic()
    with repo_lock(tmp_path, timeout=20):
        pass
    assert time.monotonic() - start < 5


def test_filelock_and_sdd_exclude_each_other(tmp_path: Path) -> None:
    holder = _hold(FILELOCK_HOLDER, lock_path(tmp_path))
    try:
        with pytest.raises(LockTimeout), repo_lock(tmp_path, timeout=0.2):
            pass
    finally:
        holder.kill()
        holder.wait()
    import filelock

    holder = _hold(SDD_HOLDER, tmp_path)
    try:
        with pytest.raises(filelock.Timeout):
            filelock.FileLock(str(lock_path(tmp_path)), timeout=0.2).acquire()
    finally:
        holder.kill()
        holder.wait()


def test_zero_timeout_tries_once(tmp_path: Path) -> None:
    with repo_lock(tmp_path, timeout=0):
        pass
    holder = _hold(SDD_HOLDER, tmp_path)
    try:
        with pytest.raises(LockTimeout, match="for 0s"), repo_lock(tmp_path, timeout=0):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_a_symlink_put_in_place_of_the_lock_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("keep\n")
    lock_path(tmp_path).symlink_to(target)
    with pytest.raises(SddkitError, match="not a regular file"), repo_lock(tmp_path, timeout=0):
        pass
    assert target.read_text() == "keep\n"


def test_no_flock_on_the_file_system_falls_back_to_filelock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import filelock

    def no_flock(fd: int) -> None:
        raise OSError(errno.ENOSYS, "Function not implemented")

    taken: list[str] = []
    real = filelock.FileLock

    def recording(path: str, **kwargs: object) -> object:
        taken.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(repo_lock_module, "_try_flock", no_flock)
    monkeypatch.setattr(filelock, "FileLock", recording)
    with repo_lock(tmp_path, timeout=1):
        pass
    assert taken == [str(lock_path(tmp_path))]


def test_the_descriptor_is_closed_when_the_block_raises(tmp_path: Path) -> None:
    before = len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").is_dir() else None
    with pytest.raises(RuntimeError), repo_lock(tmp_path, timeout=1):
        raise RuntimeError("stage failed")
    with repo_lock(tmp_path, timeout=0):  # released: taken again at once
        pass
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
    assert repo_lock_module.POLL_SECONDS > 0
