"""The cache store: the one module that owns cache files, their formats and file signatures.

What a document yields (its front matter, gate hash, task summary, ``sdd check`` facts) and
what a project's listing row holds depend only on the documents' bytes, so they are kept
under **content keys**: git blob ids (``sha1("blob <size>\\0" + bytes)``), taken from git's
own index for files git reports unchanged, and computed from the bytes for the others (see
:mod:`sddkit.io.content_keys`). A clone, a new worktree, a checkout or a stash pop that leaves a
document's bytes alone leaves its entry valid; any edit, whatever its size or timestamps,
gives another key.

Files (``marshal``, replaced atomically; any problem reading or writing one is ignored, a
cache is only ever a shortcut):

- ``rows``: one listing row per project, keyed by the four documents' content keys, and
  what the last run learnt about the working tree (see :mod:`sddkit.io.content_keys`). In the
  git directory (a worktree's own), or the user cache folder outside git.
- ``parse``: per-document entries keyed by content, in the git common directory (shared by
  every worktree of the repository).
- ``check`` and ``records``: what ``sdd check``'s rules found, per document and per project
  (:mod:`sddkit.checks.memo`), keyed by content and named after the code that found it
  (:data:`STAMPED`), in the worktree's own git directory.
- ``shared-rows``: rows keyed by the project name and its documents' content keys, in the
  user cache folder (``$XDG_CACHE_HOME/sddkit``), so the first run in a new clone of a
  repository this machine has seen finds them. Emptied when it grows past
  :data:`SHARED_LIMIT` entries.

``SDDKIT_NO_CACHE=1`` turns every cache off. Tests call :func:`reset` between commands run
in one process.
"""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path
from typing import Any

from sddkit.io.git_dirs import git_dirs

#: Bump when a cached value changes shape (8: rows and task summaries carry Blockers).
VERSION = 8
#: A file modified this recently (ns) may be modified again within its timestamp's
#: resolution: its stat signature is never recorded (git's "racy" rule).
RACY_NS = 2_000_000_000
#: Entries in the user-wide ``shared-rows`` file before it is emptied and refilled.
SHARED_LIMIT = 200_000
#: Task lists at least this long (characters) are kept whole, parsed, by content: the
#: markdown-it parse of a 50,000-task list costs seconds, loading it back a few hundredths.
BIG_TASKS_CHARS = 200_000
_open: dict[tuple[Path, str], Cache] = {}

Signature = tuple[int, int, int, int]


def signature(st: os.stat_result) -> Signature:
    """(size, mtime ns, ctime ns, inode): what a file's stat says about its bytes."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def racy(sig: Signature, now_ns: int | None = None) -> bool:
    """Whether a file with this signature changed too recently for its stat to be trusted."""
    return (time.time_ns() if now_ns is None else now_ns) - sig[1] < RACY_NS


def blob_id(data: bytes) -> str:
    """Git's blob id of ``data`` (SHA-1 of ``blob <size>\\0`` and the bytes): the content key."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 (git's id)


def git_dir(root: Path) -> Path | None:
    """The git directory of the work tree at ``root`` (a worktree's own), or None."""
    found = git_dirs(root)
    return found[0] if found is not None else None


def user_folder() -> Path:
    """``$XDG_CACHE_HOME/sddkit`` (``~/.cache/sddkit`` by default)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sddkit"


#: Caches of rule results: their files are named after the code (:mod:`sddkit.io.code_stamp`)
#: and kept in the worktree's own git directory (each worktree may run other code).
STAMPED = ("check", "records", "testfiles", "states", "approvals")


def location(root: Path, kind: str = "parse") -> Path:
    """Where the ``kind`` cache of the repository at ``root`` lives (see the module doc)."""
    if kind == "shared-rows":
        return user_folder() / f"shared-rows-v{VERSION}"
    own = kind == "rows"
    if kind in STAMPED:
        from sddkit.io.code_stamp import code_stamp

        kind, own = f"{kind}-{code_stamp()}", True
    found = git_dirs(root)
    if found is not None:
        folder = found[0] if own else found[1]
        return folder / f"sddkit-{kind}-v{VERSION}"
    import hashlib

    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return user_folder() / f"{digest}-{kind}-v{VERSION}"


class Cache:
    """One cache file: ``entries`` maps a key to a value, loaded on first use."""

    def __init__(self, root: Path, kind: str = "parse") -> None:
        self.root = root
        self.kind = kind
        self.path = location(root, kind)
        self._entries: dict[Any, Any] | None = None
        self.dirty = False

    @property
    def entries(self) -> dict[Any, Any]:
        if self._entries is None:
            self._entries = {}
            try:
                data = marshal.loads(self.path.read_bytes())
                if isinstance(data, dict) and data.get("version") == VERSION:
                    entries = data.get("entries")
                    if isinstance(entries, dict):
                        self._entries = entries
            except (OSError, EOFError, ValueError, TypeError):
                pass
        return self._entries

    def get(self, key: Any, sig: Any = None) -> Any:
        """The value stored for ``key``, or None. With ``sig``, only a value stored with that
        same signature (for files named by path rather than by content)."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        if sig is None:
            return entry
        return entry[1] if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == sig \
            else None

    def put(self, key: Any, value: Any, sig: Signature | None = None) -> None:
        """Store ``value`` for ``key``; with ``sig``, tied to that file signature and not
        stored at all while the file is racy (changed in the last two seconds)."""
        if sig is not None:
            if racy(sig):
                if self.entries.pop(key, None) is not None:
                    self.dirty = True
                return
            value = (sig, value)
        if self.entries.get(key) != value:
            self.entries[key] = value
            self.dirty = True

    def pop(self, key: Any) -> None:
        if self.entries.pop(key, None) is not None:
            self.dirty = True

    def save(self) -> None:
        if not self.dirty or self._entries is None:
            return
        import tempfile

        entries = self._entries
        if self.kind == "shared-rows" and len(entries) > SHARED_LIMIT:
            entries = {}
        try:
            data = marshal.dumps({"version": VERSION, "entries": entries})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".sddkit-cache.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self.dirty = False
        except (OSError, ValueError):
            pass


def enabled() -> bool:
    return not os.environ.get("SDDKIT_NO_CACHE")


def for_root(root: Path, kind: str = "parse") -> Cache | None:
    """The ``kind`` cache of this repository (None when caching is off)."""
    if not enabled():
        return None
    cache = _open.get((root, kind))  # the workspace's root is already absolute: no syscall
    if cache is None:
        absolute = root.absolute()
        cache = _open.get((absolute, kind))
        if cache is None:
            cache = Cache(absolute, kind)
        _open[(root, kind)] = _open[(absolute, kind)] = cache
    return cache


def flush() -> None:
    """Write every cache this process changed, and end the run: the next command (in a
    long-lived process too) looks at the files afresh. Called once, at the end of a command."""
    for cache in set(_open.values()):
        cache.save()
    import sys

    snapshot = sys.modules.get("sddkit.io.content_keys")
    if snapshot is not None:
        snapshot.flush_shared()
        snapshot.forget()
    _open.clear()


def new_run() -> None:
    """Look at the working tree afresh (keep what the cache files hold): a writer calls this
    before it computes a change again after another writer changed the files."""
    import sys

    snapshot = sys.modules.get("sddkit.io.content_keys")
    if snapshot is not None:
        snapshot.forget_tree()


def reset() -> None:
    """Forget every cache this process opened, unsaved changes included (tests call this
    between commands run in one process, as if each were a new process)."""
    _open.clear()
    import sys

    snapshot = sys.modules.get("sddkit.io.content_keys")
    if snapshot is not None:
        snapshot.forget()


# --- long task lists, kept whole (one file per project: the latest bytes only) -------------


def _task_list_file(root: Path, project: str) -> Path:
    return location(root, "tasks").parent / f"sddkit-tasks-v{VERSION}" / f"{project}.marshal"


def load_task_list(root: Path, project: str, text: str, path: Path | None = None) -> Any:
    """The parsed task list of ``text`` (a ``tasks.TaskList``) if it was stored for these
    very bytes, else None. Restored by field names: a list of another shape is None."""
    if not enabled():
        return None
    from dataclasses import fields

    from sddkit.tasks import Task, TaskList, TaskProblem

    try:
        data = marshal.loads(_task_list_file(root, project).read_bytes())
        if not isinstance(data, dict) or data.get("key") != blob_id(text.encode("utf-8")):
            return None
        names = [f.name for f in fields(Task)]
        if data.get("task fields") != names:
            return None
        tasks = [Task(**dict(zip(names, values, strict=True))) for values in data["tasks"]]
        problems = [TaskProblem(**p) for p in data["problems"]]
        return TaskList(path, tasks, problems)
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None


def store_task_list(root: Path, project: str, text: str, tasks: Any) -> None:
    """Keep ``tasks`` (what parsing ``text`` gives) for the next command; errors ignored."""
    if not enabled():
        return
    import tempfile
    from dataclasses import asdict, fields

    from sddkit.tasks import Task

    path = _task_list_file(root, project)
    names = [f.name for f in fields(Task)]
    try:
        data = marshal.dumps({
            "key": blob_id(text.encode("utf-8")),
            "task fields": names,
            "tasks": [tuple(getattr(t, n) for n in names) for t in tasks.tasks],
            "problems": [asdict(p) for p in tasks.problems],
        })
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sddkit-tasks.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError, TypeError):
        pass
