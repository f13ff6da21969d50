"""Refresh git's index after a listing keyed every document again, as ``git status`` does.

``git clone`` (or a checkout touching many files) writes the work tree's files in the same
second as its index, and git cannot trust the stat data of an entry whose file is not
older than the index file ("racily clean": git's ``Documentation/technical/racy-git.txt``).
Until git writes its index again, every ``git diff-files`` reads and hashes those files:
at 10,000 projects 0.21 s instead of 0.06 s, on every warm ``sdd next``
(:mod:`sddkit.io.next_memo` asks git that once per run). Any ``git status`` ends it; a
person cannot be relied on to run one.

So a listing that keys every project again, because git's index changed since the rows
were recorded (:meth:`sddkit.io.content_keys.Snapshot.trusted_rows`), starts
``git status --porcelain -uno`` (:func:`start`, output discarded) on the core left idle
while it waits for ``git diff-files``, and waits for it at its end (:func:`settled`).
Git refreshes the stat data in its index and writes the index only when it can take
``index.lock`` at once: someone else's git command holding it means no write, no wait,
no message (``git status``'s "optional lock"; with ``GIT_OPTIONAL_LOCKS=0`` nothing is
started). Before writing, git checks that the index file is still the one it read, so a
``git add`` made meanwhile is never overwritten. A refresh changes stat data only: what
is staged, the blob ids, stays; so the rows keyed in the run are recorded under the
refreshed index when it lists the same entries (:func:`settled`), and the next run is
warm.

Every process started here is waited for by the end of the command
(:func:`sddkit.io.content_keys.forget`, called by :func:`sddkit.io.cache.flush`): none
outlives ``sdd``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

_running: list[Any] = []  # subprocess.Popen objects, waited for by :func:`wait`

#: The clock :func:`due` times are read on (seconds since the epoch).
clock = time.time


def due(index: Any) -> float:
    """When (on :data:`clock`) a refresh of the index whose signature is ``index``
    (:func:`sddkit.io.cache.index_signature`) is worth starting: once the clock has left
    the whole second the index file was written in. Git compares timestamps in whole
    seconds unless built with ``USE_NSEC`` (Debian's git 2.39, measured here, is not):
    an index written in the same second as the files it describes leaves them racily
    clean, so a refresh that soon would write an index as racy as the old one."""
    return index[1] // 1_000_000_000 + 1.01


class Refresh:
    """Git's refresh of the entries under ``under`` in the index of the work tree at
    ``root``, for one listing, begun when the index had the signature ``index``: started
    (:func:`start`) as soon as it is due (:func:`due`; :meth:`poll` is called as the
    listing goes), by the process that began it only (a child forked to share the
    listing ends without waiting for anything), and :meth:`settled` at its end."""

    def __init__(self, root: Path, under: str, index: Any) -> None:
        self.root = root
        self.under = under
        self.index = index
        self.at: float | None = due(index)
        self.started = False
        self._pid = os.getpid()
        self.poll()

    def poll(self) -> None:
        """Start git's refresh if its time has come (at most once)."""
        if self.at is not None and clock() >= self.at:
            self.at = None
            if os.getpid() == self._pid:
                self.started = start(self.root, self.under)

    def settled(self, listing: bytes, dirty: set[str]) -> tuple[Any, set[str]] | None:
        """:func:`settled` for this refresh; None when it never started (nor will)."""
        self.at = None
        return settled(self.root, self.under, listing, self.index, dirty) \
            if self.started else None


def start(root: Path, under: str) -> bool:
    """Start git's opportunistic index refresh for the work tree at ``root``, of the
    entries under ``under`` (relative to ``root``: a large repository's other files are
    not looked at); whether one was started. Not started when someone holds
    ``index.lock`` now (git could not write: its work would be wasted), when
    ``GIT_OPTIONAL_LOCKS=0`` asks git commands to take no lock they can do without, or
    when git cannot run."""
    from sddkit.io import cache
    from sddkit.io.git import FULL_STAT

    git_dir = cache.git_dir(root)
    if git_dir is None or os.path.lexists(git_dir / "index.lock") \
            or os.environ.get("GIT_OPTIONAL_LOCKS", "").strip() == "0":
        return False
    import subprocess

    try:
        # -uno: no untracked files (the costly part); no renames and no submodules
        # looked into: the status itself is discarded, only the refresh is wanted
        _running.append(subprocess.Popen(
            ["git", *FULL_STAT, "--literal-pathspecs", "status", "--porcelain", "-uno",
             "--no-renames", "--ignore-submodules=all", "--", under], cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    except OSError:
        return False
    return True


def wait() -> None:
    """Wait for every refresh this process started (git's exit status is of no interest:
    a refresh that could not write changed nothing)."""
    while _running:
        _running[-1].wait()
        _running.pop()


def settled(root: Path, under: str, listing: bytes, index: Any, dirty: set[str]
            ) -> tuple[Any, set[str]] | None:
    """Once the refreshes ended (:func:`wait`): (the signature of git's index now, the
    files under ``under`` ``git diff-files`` reports changed under it) when the index
    lists under ``under`` exactly the entries of ``listing`` (what
    :func:`sddkit.io.git.index_listing` gave when the run's records were keyed: tag, mode,
    blob id, stage and path, byte for byte), else None. ``index`` is the signature when
    the listing began, ``dirty`` what ``git diff-files`` reported changed then: when the
    index is the same, or git reported no file (a refresh only ever makes fewer files
    differ by their stat data), it stands; else git is asked again (files it reported
    for their stat data alone are clean now: a checkout that touched every file).

    A refresh rewrites stat data only, so records keyed under the old index hold under the
    new one whenever it lists the same entries, whatever the order of the refresh, the
    listing the records were keyed with and a person's ``git add``. The
    listing is read between two looks at the signature, which must agree: what is
    returned is of the index listed. Anything else (the entries differ, the index changed
    while being read, git failing) gives None, and the next run keys again."""
    from sddkit.io import cache, git

    wait()
    now = cache.index_signature(root)
    if now is None or git.index_listing(root, under) != listing:
        return None
    if now != index and dirty:
        found = git.modified_files(root, under)
        if found is None:
            return None
        dirty = found
    return (now, dirty) if cache.index_signature(root) == now else None
