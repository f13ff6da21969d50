"""A cold run fills its caches on two cores: a forked child computes part of the entries.

After a clone, a checkout that touches every file, or with the caches gone, a listing
parses every phase document (a task list takes about a millisecond) and ``sdd check``
checks every project. When many projects are unknown to the caches and this process may
use a second core, the caller forks a child (:func:`start`) that does the work of the
later part of those projects through the ordinary code, which fills the caches as it
goes, and hands back every cache entry it added; meanwhile this process works on the
earlier part. Before it reaches the later projects, the caller puts the child's entries
into its own caches (:meth:`Child.join`) and finds them there, as a warm run would.

Only cache entries cross, and what the work returns (a listing's child: the content keys
it read its projects under, :meth:`sddkit.io.content_keys.Snapshot.keyed`). Entries the
parent will not read in this run (a listing's parse entries) cross as encoded log records
it appends to the cache's log unread. The child writes its entries for the store this
machine's clones share (:mod:`sddkit.io.shared_rows`) itself, but those of a table a run
empties once (the gate history), which the parent writes. Every cache is keyed by content
(a document's blob id, the content keys of a project's documents) or by a file signature
checked on every read, so nothing the child says can be stale: at worst an entry is
missing and this process computes it. Anything the child cannot read is left to this
process, which reports it as before; a child that fails (an exception, a signal, a short
answer) means no entries taken in (what it wrote to the shared store is of content keys
too, and stays).

POSIX ``fork`` on Linux only, from a single-threaded process: fork copies one thread, and
a lock another thread held would never be released in the child.
"""

from __future__ import annotations

import marshal
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sddkit.io import cache, shared_rows


def usable() -> bool:
    """Whether a child may be forked here: Linux, two cores for this process, one thread,
    caches on."""
    if not sys.platform.startswith("linux") or not cache.enabled():
        return False
    try:
        if len(os.sched_getaffinity(0)) < 2:
            return False
    except (AttributeError, OSError):
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _state() -> tuple[dict[tuple[Path, str], dict[Any, int]], dict[Any, int]]:
    """What the caches and the shared store's pending entries hold now (value identities)."""
    return ({place: {key: id(value) for key, value in entries.items()}
             for place, entries in cache.loaded_entries().items()},
            {key: id(value) for key, value in shared_rows.pending().items()})


def _added(before: tuple[dict[tuple[Path, str], dict[Any, int]], dict[Any, int]]
           ) -> tuple[list[tuple[str, str, list[Any]]], list[Any]]:
    """((root, kind, [(key, value), ...]) of the cache entries added or replaced since
    ``before``, [(key, value), ...] of the shared store's pending entries likewise)."""
    caches, shared = before
    out = []
    for (root, kind), entries in cache.loaded_entries().items():
        seen = caches.get((root, kind), {})
        items = [(key, value) for key, value in entries.items() if seen.get(key) != id(value)]
        if items:
            out.append((str(root), kind, items))
    pending = [(key, value) for key, value in shared_rows.pending().items()
               if shared.get(key) != id(value)]
    return out, pending


class Child:
    """A forked child filling caches (see :func:`start`)."""

    def __init__(self, pid: int, read_end: int) -> None:
        self.pid = pid
        self.read_end = read_end

    def join(self) -> Any:
        """Wait for the child and put the entries it added into this process's caches
        (none when it failed); what its work returned (None when it failed)."""
        try:
            with os.fdopen(self.read_end, "rb") as answer:
                data = answer.read()
        except BaseException:  # interrupted (SIGINT to this process alone): no waiting for
            try:  # the child to finish its share
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            raise
        finally:
            try:
                _, status = os.waitpid(self.pid, 0)
            except ChildProcessError:  # SIGCHLD ignored (inherited): reaped, status lost
                status = -1  # how it ended is not known: as a failed child
        if status != 0:
            return None
        try:
            found, encoded, pending, result = marshal.loads(data)
            for root, kind, items in found:
                target = cache.for_root(Path(root), kind)
                if target is not None and items:
                    target.entries.update(items)  # new entries: no comparison with old ones
                    target.dirty = True
            for root, kind, records in encoded:
                target = cache.for_root(Path(root), kind)
                if target is not None:
                    target.append_encoded(records)
            shared = shared_rows.pending()
            for key, value in pending:
                shared[tuple(key)] = value
        except (EOFError, ValueError, TypeError):
            return None
        return result

    def stop(self) -> None:
        """End a child that is no longer needed (an error stopped the caller)."""
        for step in (lambda: os.kill(self.pid, signal.SIGKILL), lambda: os.close(self.read_end),
                     lambda: os.waitpid(self.pid, 0)):
            try:
                step()
            except OSError:
                pass


def start(work: Callable[[], Any], root: Path, kinds: tuple[str, ...],
          unread: tuple[str, ...] = ()) -> Child | None:
    """Fork a child that runs ``work`` (which must write nothing but cache entries, and
    catch the errors of what it reads) and sends the cache entries it added and what
    ``work`` returned (marshallable). The caches ``kinds`` of ``root`` are loaded first,
    so that the child sends only what it added. Those of ``unread`` (a subset of ``kinds``)
    this run will not read again: their entries cross as log records the parent appends to
    the cache's log at its save (:meth:`sddkit.io.cache.Cache.append_encoded`), never
    decoded here (at 10,000 projects a listing's parse entries are 7 MB, a tenth of a
    second to decode). The child writes its entries for the store shared by this machine's
    clones itself (:func:`sddkit.io.shared_rows.write_now`). The caller calls
    :meth:`Child.join` before it needs them, or :meth:`Child.stop`. None when no child
    could be started."""
    for kind in kinds:
        found = cache.for_root(root, kind)
        if found is not None:
            found.entries  # noqa: B018 - loaded before the fork
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        for stream in (sys.stdout, sys.stderr):  # None: closed (``sdd next >&-``)
            if stream is not None:
                stream.flush()
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: work, answer, leave without running any exit handler
        code = 1
        try:
            os.close(read_end)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            shared_rows.after_fork()
            before = _state()
            result = work()
            found, pending = _added(before)
            encoded = [(root_name, kind, cache.encode_log(items))
                       for root_name, kind, items in found if kind in unread]
            found = [entry for entry in found if entry[1] not in unread]
            pending = shared_rows.write_now(pending)
            data = marshal.dumps((found, encoded, pending, result))
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return Child(pid, read_end)
