"""A process started and read without :mod:`subprocess`, for ``sdd next``'s one git call.

``sdd next`` answers from its memo after one ``git diff-files``; the sooner git starts, the
more of its work overlaps the command's own start (two cores). Importing :mod:`subprocess`
(with ``selectors``, ``threading``, ``locale``) costs about a twentieth of the whole warm
command, before git can start. :func:`start` does what ``subprocess.Popen(argv,
stdin=DEVNULL, stdout=PIPE, stderr=PIPE)`` and ``communicate()`` do, with the standard
library's lower layer: ``os.posix_spawnp`` (POSIX.1-2008 ``posix_spawnp``: the child's
stdin is ``/dev/null``, stdout and stderr are pipes) and ``select.poll`` to read both pipes
to their end without either filling up. Python ignores SIGPIPE, and the child inherits
that (``subprocess`` sets it back to the default, at the cost of importing
:mod:`signal`'s enums); it only matters to a child whose reader leaves early, and the
pipes here are always read to the end. ``posix_spawn`` has no working-folder argument, and changing the parent's would race
its other threads (the MCP server's), so the process runs in the current folder: git is
given ``-C FOLDER``. Where ``os.posix_spawnp`` does not exist (Windows), it is
:mod:`subprocess` itself.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on ``sdd next``
if TYPE_CHECKING:
    from collections.abc import Callable

#: What :func:`start` gives: a function that waits for the process and returns (exit code,
#: stdout bytes, stderr bytes); a negative code is the signal that ended it, as in
#: subprocess; None when the system reaped the child before it could be waited for (this
#: process inherited SIGCHLD ignored, as some supervisors leave it: POSIX ``waitpid`` then
#: fails with ECHILD), so how it ended is not known and its output must not be trusted.
Finished = tuple[int | None, bytes, bytes]


def start(argv: list[str]) -> Callable[[], Finished] | None:
    """Start ``argv`` (the program found on ``PATH``, as ``subprocess`` finds it); None when
    it cannot be started (no such program). The returned function must be called once, to
    read the output and reap the process."""
    if not hasattr(os, "posix_spawnp"):
        return _start_subprocess(argv)
    out_r, out_w = os.pipe()  # non-inheritable (PEP 446): the child sees only its dup2 copies
    err_r, err_w = os.pipe()
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out_w, 1),
            (os.POSIX_SPAWN_DUP2, err_w, 2)])
    except OSError:
        for fd in (out_r, err_r):
            os.close(fd)
        return None
    finally:
        os.close(out_w)
        os.close(err_w)

    def finish() -> Finished:
        out, err = _drain(out_r, err_r)
        try:
            _pid, status = os.waitpid(pid, 0)
        except ChildProcessError:  # SIGCHLD ignored: already reaped, its status lost
            return None, out, err
        return os.waitstatus_to_exitcode(status), out, err

    return finish


def _drain(out_fd: int, err_fd: int) -> tuple[bytes, bytes]:
    """Everything the two pipes carry until both close, read as it comes (neither fills)."""
    import select

    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    poller = select.poll()
    for fd in chunks:
        poller.register(fd, select.POLLIN)
    left = len(chunks)
    try:
        while left:
            for fd, _event in poller.poll():
                data = os.read(fd, 1 << 16)
                if data:
                    chunks[fd].append(data)
                else:  # end of file: the child closed its end (or exited)
                    poller.unregister(fd)
                    left -= 1
    finally:
        for fd in chunks:
            os.close(fd)
    return b"".join(chunks[out_fd]), b"".join(chunks[err_fd])


def _start_subprocess(argv: list[str]) -> Callable[[], Finished] | None:
    import subprocess

    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError:
        return None

    def finish() -> Finished:
        out, err = proc.communicate()
        return proc.returncode, out, err

    return finish
