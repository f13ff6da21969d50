"""The repository lock: one per repository, found by every writer of that repository.

Where it lives (issue 14): in the git *common* directory of the work tree holding the root
(``.git/`` itself; the main repository's ``.git/`` for a linked worktree; the submodule's
own ``.git/modules/NAME/`` for a submodule), found by reading ``.git`` files and
``commondir`` as git does (gitrepository-layout(5)) without running git, from the root or
the nearest folder above it. Outside git it is ``.sddkit.lock`` at the root. Never
``$TMPDIR``: agent sandboxes set their own, so two writers would each take a different lock;
never a shared, predictable path another local user could create first and hold.

An OS lock: a killed holder releases it at once. On POSIX it is ``flock(2)`` on the lock
file, taken here with :mod:`fcntl` (what ``filelock``'s ``UnixFileLock`` does, without the
10 ms its package import costs every write); elsewhere, or where the file system has no
``flock`` (``ENOSYS``, ``EOPNOTSUPP``), it is ``filelock.FileLock`` (imported only then).
Both take the same ``flock``, so an sdd of either kind excludes the other.
"""

from __future__ import annotations

import errno
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sddkit.errors import LockTimeout, SddkitError
from sddkit.io.git_dirs import git_dirs

#: Seconds to wait for the repository lock before giving up with a clear message.
DEFAULT_LOCK_TIMEOUT = 30.0
LOCK_NAME = "sddkit.lock"


def git_common_dir(root: Path) -> Path | None:
    """The git common directory of the work tree holding ``root`` (``root`` or the nearest
    folder above it with a ``.git``), resolved; None outside git."""
    here = root.resolve()
    for folder in (here, *here.parents):
        try:
            found = git_dirs(folder)
        except OSError:
            continue
        if found is not None:
            return found[1].resolve()
        if os.path.lexists(folder / ".git"):
            return None  # a `.git` git would not accept: do not look further up
    return None


def lock_path(root: Path) -> Path:
    """Where the lock of the repository holding ``root`` lives (see the module docstring)."""
    common = git_common_dir(root)
    if common is not None and common.is_dir():
        return common / LOCK_NAME
    return root.resolve() / f".{LOCK_NAME}"


def lock_timeout() -> float:
    """Seconds to wait for the lock: ``SDDKIT_LOCK_TIMEOUT``, else :data:`DEFAULT_LOCK_TIMEOUT`.

    Raises :class:`SddkitError` when the variable is not a number of seconds (0 or more).
    """
    value = os.environ.get("SDDKIT_LOCK_TIMEOUT")
    if value is None or not value.strip():
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise SddkitError(
            f"SDDKIT_LOCK_TIMEOUT must be a number of seconds (0 or more), found {value!r:.40}"
        )
    return seconds


@contextmanager
def repo_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the repository lock (at :func:`lock_path`). Raises :class:`LockTimeout` after
    ``timeout`` seconds (default :func:`lock_timeout`), :class:`SddkitError` when the lock
    path is a symlink or not a regular file (it is never followed)."""
    if timeout is None:
        timeout = lock_timeout()
    path = lock_path(root)
    if os.path.islink(path) or (os.path.lexists(path) and not path.is_file()):
        raise SddkitError("the lock file is not a regular file (a symlink?); remove it", path)
    fd = _flock(path, timeout) if os.name == "posix" else None
    if fd is None:  # not POSIX, or no flock where the lock file lives
        with _filelock(path, timeout):
            yield
        return
    try:
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the flock


#: Seconds between two tries while another process holds the lock (filelock's default).
POLL_SECONDS = 0.05
#: errno values with which ``flock`` says the file system cannot lock at all.
_NO_FLOCK = frozenset({errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOLCK})


def _flock(path: Path, timeout: float) -> int | None:
    """An open descriptor of ``path`` holding ``flock(LOCK_EX)``, or None when the file
    system does not support ``flock`` (the caller falls back to ``filelock``). The file
    is opened without following a symlink and stays in place on release, so every waiter
    locks the same inode. Raises :class:`LockTimeout` after ``timeout`` seconds."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symlink put there since the check above
            raise SddkitError("the lock file is not a regular file (a symlink?); remove it",
                              path) from None
        raise
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                _try_flock(fd)
                return fd
            except OSError as exc:
                if exc.errno in _NO_FLOCK:
                    os.close(fd)
                    return None
                if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                raise _timeout(path, timeout)
            time.sleep(POLL_SECONDS)
    except BaseException:
        os.close(fd)
        raise


def _try_flock(fd: int) -> None:
    """``flock(fd, LOCK_EX | LOCK_NB)``: returns holding it, or raises the OSError."""
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


@contextmanager
def _filelock(path: Path, timeout: float) -> Iterator[None]:
    """The lock through ``filelock`` (Windows, or a file system without ``flock``)."""
    import filelock

    lock = filelock.FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise _timeout(path, timeout) from None
    try:
        yield
    finally:
        lock.release()


def _timeout(path: Path, timeout: float) -> LockTimeout:
    return LockTimeout(
        f"another sdd process has held the repository lock for {timeout:g}s; "
        "wait for it to finish, or stop it and try again",
        path,
    )
