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
  git directory (a worktree's own), or the user cache folder outside git; named after the
  code that made the rows (:data:`STAMPED`: a row is what this code reads in the documents).
- ``parse``: per-document entries keyed by content, in the git common directory (shared by
  every worktree of the repository), named after the code that parsed them.
- ``check`` and ``records``: what ``sdd check``'s rules found, per document and per project
  (:mod:`sddkit.checks.memo`), keyed by content and named after the code that found it
  (:data:`STAMPED`), in the worktree's own git directory.
- ``shared-rows``: rows keyed by the code's stamp, the project name and its documents'
  content keys, in the
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

from sddkit.io.git_dirs import git_dirs

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on ``sdd next``
if TYPE_CHECKING:
    from typing import Any

#: Bump when a cached value changes shape (8: rows and task summaries carry Blockers; 9:
#: rows are tuples, and written rows go to a log beside the file).
VERSION = 9
#: A file modified this recently (ns) may be modified again within its timestamp's
#: resolution: its stat signature is never recorded (git's "racy" rule).
RACY_NS = 2_000_000_000
#: Entries in the user-wide ``shared-rows`` file before it is emptied and refilled.
SHARED_LIMIT = 200_000
#: Records in a cache's log (see :class:`Cache`) past which a run that loads it rewrites
#: the file with them folded in.
LOG_LIMIT = 512
_open: dict[tuple[Path, str], Cache] = {}

Signature = tuple[int, int, int, int]


def signature(st: os.stat_result) -> Signature:
    """(size, mtime ns, ctime ns, inode): what a file's stat says about its bytes."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def racy(sig: Signature, now_ns: int | None = None) -> bool:
    """Whether a file with this signature changed too recently for its stat to be trusted."""
    return (time.time_ns() if now_ns is None else now_ns) - sig[1] < RACY_NS


#: The longest timestamp tick (ns) of a file system that keeps sub-second times: ext4, XFS
#: and Btrfs stamp files from the kernel's coarse clock (a jiffy: 1-10 ms), APFS and NTFS
#: in nanoseconds or 100 ns, exFAT in 10 ms. One that keeps whole seconds (FAT's two, HFS+,
#: ext3) gives times without a fraction: :func:`settled` never trusts those early.
FINE_TICK_NS = 50_000_000


def settled(then: Signature, looked_ns: int, now: Signature | None,
            now_ns: int | None = None) -> bool:
    """Whether a signature that was racy when it was taken (at ``looked_ns``) may be trusted
    for what was read since: the file's stat is ``now`` the same, no longer racy, and the
    look came at least :data:`FINE_TICK_NS` after its last change on a file system whose
    times have a fraction of a second. A change after the look then had to fall in a later
    tick, so it would have given another signature (git's racy-git.txt reasoning, with the
    tick bounded instead of assumed to be a second). A first ``sdd next`` right after a
    clone keeps its answer by this (:mod:`sddkit.io.next_memo`)."""
    if now is None or now != then or racy(now, now_ns):
        return False
    changed = max(then[1], then[2])  # mtime, ctime: a write moves both
    return changed % 1_000_000_000 != 0 and looked_ns - changed >= FINE_TICK_NS


def blob_id(data: bytes) -> str:
    """Git's blob id of ``data`` (SHA-1 of ``blob <size>\\0`` and the bytes): the content key."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 (git's id)


_GIT_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY")


def index_signature(root: Path) -> Any:
    """The stat signature of git's index for the work tree at ``root``; None outside git, or
    when a ``GIT_*`` variable points git elsewhere (a hook's temporary index, say)."""
    if any(os.environ.get(v) for v in _GIT_ENV):
        return None
    found = git_dir(root)
    if found is None:
        return None
    try:
        return signature(os.stat(found / "index"))
    except OSError:
        return None


def git_dir(root: Path) -> Path | None:
    """The git directory of the work tree at ``root`` (a worktree's own), or None."""
    found = git_dirs(root)
    return found[0] if found is not None else None


def user_folder() -> Path:
    """``$XDG_CACHE_HOME/sddkit`` (``~/.cache/sddkit`` by default, and when the variable
    holds a relative path: the XDG Base Directory Specification says to ignore one, and it
    would put the cache in whatever folder a command runs in, a repository's say)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "sddkit"


#: Caches of rule results: their files are named after the code (:mod:`sddkit.io.code_stamp`)
#: and kept in the worktree's own git directory (each worktree may run other code).
STAMPED = ("check", "records", "testfiles", "states", "approvals", "rows")
#: Named after the code too, but in the git common directory (shared by the worktrees that
#: run the same code): what a document parses to is what this code reads in it.
SHARED_STAMPED = ("parse",)


def location(root: Path, kind: str = "parse") -> Path:
    """Where the ``kind`` cache of the repository at ``root`` lives (see the module doc)."""
    if kind == "shared-rows":
        return user_folder() / f"shared-rows-v{VERSION}"
    own = kind == "rows"
    if kind in STAMPED or kind in SHARED_STAMPED:
        from sddkit.io.code_stamp import code_stamp

        kind, own = f"{kind}-{code_stamp()}", kind in STAMPED
    found = git_dirs(root)
    if found is not None:
        folder = found[0] if own else found[1]
        return folder / f"sddkit-{kind}-v{VERSION}"
    import hashlib

    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return user_folder() / f"{digest}-{kind}-v{VERSION}"


class Cache:
    """One cache file: ``entries`` maps a key to a value, loaded on first use.

    Beside the file, a log (``<file>.log``) takes the entries a write adds with
    :meth:`append` without loading or rewriting the whole file (a ``done`` at 10,000
    projects costs what it changed); loading replays it, and the next full save folds it
    in. Each log record is ``<length u32><crc32 u32><marshal of (key, value)>``; replay
    stops at the first record that is short or fails its check (a write cut off)."""

    def __init__(self, root: Path, kind: str = "parse") -> None:
        self.root = root
        self.kind = kind
        self.path = location(root, kind)
        self._entries: dict[Any, Any] | None = None
        self._appended: list[tuple[Any, Any]] = []
        self._encoded: list[bytes] = []  # log records another process encoded (see below)
        self.dirty = False

    @property
    def log_path(self) -> Path:
        return self.path.with_name(self.path.name + ".log")

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
            replayed = 0
            for key, value in _read_log(self.log_path):
                self._entries[key] = value
                replayed += 1
            if replayed > LOG_LIMIT:
                self.dirty = True  # fold the log into the file at the next save
            for key, value in self._appended:
                self._entries[key] = value
        return self._entries

    def append(self, key: Any, value: Any) -> None:
        """Store ``value`` for ``key`` without loading the file: at :meth:`save` it goes to
        the log (or into the file, when this run loaded and changed it anyway)."""
        self._appended.append((key, value))
        if self._entries is not None:
            self._entries[key] = value

    def append_encoded(self, records: bytes) -> None:
        """Add log records another process encoded (:func:`encode_log`) to the log at
        :meth:`save`, after the file, without decoding them: entries this run will not
        read (a two-core listing's child parsed them, :mod:`sddkit.io.two_cores`), kept
        for the next command. This run's :attr:`entries` do not hold them."""
        if records:
            self._encoded.append(records)

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

    def release(self) -> None:
        """Save now (:meth:`save`) and let go of the entries held in memory, for a run done
        with this cache that goes on to need memory elsewhere (``sdd check`` after its
        projects); a later use loads the file again. Kept when they could not be saved."""
        self.save()
        if not self.dirty:
            self._entries = None

    def save(self) -> None:
        if self._entries is not None and len(self._appended) > LOG_LIMIT:
            self.dirty = True  # many new entries (a first run): one file, not a long log
        if not self.dirty or self._entries is None:
            if self._appended:
                _write_log(self.log_path, encode_log(self._appended))
                self._appended = []
            self._write_encoded()
            return
        entries = self._entries
        try:
            if self.kind in STAMPED + SHARED_STAMPED and not self.path.exists():
                # new code: drop what the old code kept (another worktree's code, too)
                from sddkit.io.code_stamp import remove_others

                remove_others(self.path, self.kind)
            replace_file(self.path, marshal.dumps({"version": VERSION, "entries": entries}))
            self.dirty = False
            self._appended = []
            self.log_path.unlink(missing_ok=True)  # folded in (a record appended since is lost:
            # a cache entry, computed again when needed)
        except (OSError, ValueError):
            pass
        self._write_encoded()

    def _write_encoded(self) -> None:
        """The records of :meth:`append_encoded`, after the file's save (which removes the
        log it folded in): the next load replays them."""
        if self._encoded:
            _write_log(self.log_path, b"".join(self._encoded))
            self._encoded = []


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``: a
    reader sees the old bytes or the new, never a part. Raises OSError (callers of a cache
    ignore it)."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sddkit-cache.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_log(path: Path) -> list[tuple[Any, Any]]:
    """The (key, value) records of a cache log, up to the first damaged one."""
    import struct
    import zlib

    try:
        data = path.read_bytes()
    except OSError:
        return []
    out: list[tuple[Any, Any]] = []
    at = 0
    while at + 8 <= len(data):
        size, crc = struct.unpack_from("<II", data, at)
        payload = data[at + 8:at + 8 + size]
        if len(payload) != size or zlib.crc32(payload) != crc:
            break
        try:
            record = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            break
        if not (isinstance(record, tuple) and len(record) == 2):
            break
        out.append(record)
        at += 8 + size
    return out


def encode_log(records: list[tuple[Any, Any]]) -> bytes:
    """``records`` ((key, value) pairs) in the log's format (see :class:`Cache`); empty when
    one cannot be marshalled (nothing is logged then)."""
    import struct
    import zlib

    chunks = []
    for record in records:
        try:
            payload = marshal.dumps(record)
        except ValueError:
            return b""
        chunks.append(struct.pack("<II", len(payload), zlib.crc32(payload)) + payload)
    return b"".join(chunks)


def _write_log(path: Path, data: bytes) -> None:
    """Append ``data`` (encoded records) to a cache log in one ``write`` (O_APPEND); errors
    ignored."""
    if not data:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:  # a regular file takes it all at once but for a signal or a full disk
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    except OSError:
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


def loaded_entries() -> dict[tuple[Path, str], dict[Any, Any]]:
    """The entries of every cache this process has loaded, by (root, kind): what
    :mod:`sddkit.io.two_cores` hands from a child to its parent."""
    return {(c.root, c.kind): c._entries for c in set(_open.values()) if c._entries is not None}


def flush() -> None:
    """Write every cache this process changed, and end the run: the next command (in a
    long-lived process too) looks at the files afresh. Called once, at the end of a command."""
    for cache in set(_open.values()):
        cache.save()
    import sys

    shared = sys.modules.get("sddkit.io.shared_rows")
    if shared is not None:
        shared.flush()
    snapshot = sys.modules.get("sddkit.io.content_keys")
    if snapshot is not None:
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

    shared = sys.modules.get("sddkit.io.shared_rows")
    if shared is not None:
        shared.forget()
    snapshot = sys.modules.get("sddkit.io.content_keys")
    if snapshot is not None:
        snapshot.forget()
