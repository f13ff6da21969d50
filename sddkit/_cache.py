"""A parse cache for the read paths: what a file yields, keyed by the file's stat signature.

``sdd next``, ``sdd open`` and ``sdd status`` run at every session start. Parsing every
phase document's YAML and every task list's Markdown each time costs far more than
reading a small cache, so each document's validated front matter, gate hash and task
summary are kept here, keyed by (size, mtime, ctime, inode). A file whose signature
changed is parsed again; a file modified in the last two seconds is never cached (its
timestamp may not yet tell a second edit apart). The cache lives in ``.git/`` or the
user's cache folder, never in the tracked tree; ``SDDKIT_NO_CACHE=1`` turns it off.
Any problem reading or writing it is ignored: it is only ever a shortcut.
"""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path
from typing import Any

VERSION = 6  # bump when a cached value changes shape (6: a row carries its Blocker)
_RACY_NS = 2_000_000_000
_open: dict[tuple[Path, str], Cache] = {}


def signature(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def location(root: Path, kind: str = "parse") -> Path:
    """``parse``: what ``next``/``status``/``open`` need; ``check``: what only ``sdd check`` needs
    (kept apart so the hot commands load a smaller file)."""
    name = "cache" if kind == "parse" else f"{kind}-cache"
    git_dir = root / ".git"
    if git_dir.is_dir():
        return git_dir / f"sddkit-{name}-v{VERSION}"
    import hashlib

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sddkit"
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return base / f"{digest}-{name}-v{VERSION}"


class Cache:
    def __init__(self, root: Path, kind: str = "parse") -> None:
        self.root = root
        self.path = location(root, kind)
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.dirty = False
        try:
            data = marshal.loads(self.path.read_bytes())
            if isinstance(data, dict) and data.get("version") == VERSION:
                entries = data.get("entries")
                if isinstance(entries, dict):
                    self.entries = entries
        except (OSError, EOFError, ValueError, TypeError):
            pass

    def get(self, key: str, sig: Any) -> Any:
        entry = self.entries.get(key)
        if entry is not None and entry[0] == sig:
            return entry[1]
        return None

    def put(self, key: str, sig: Any, value: Any, mtime_ns: int | None = None) -> None:
        """Remember ``value`` for ``key`` at ``sig``, unless the file (newest: ``mtime_ns``,
        by default ``sig[1]``) changed too recently for its timestamp to be trusted."""
        if time.time_ns() - (sig[1] if mtime_ns is None else mtime_ns) < _RACY_NS:
            self.entries.pop(key, None)
            return
        self.entries[key] = (sig, value)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        import tempfile

        try:
            data = marshal.dumps({"version": VERSION, "entries": self.entries})
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


def for_root(root: Path, kind: str = "parse") -> Cache | None:
    """The cache of this repository (None when disabled)."""
    if os.environ.get("SDDKIT_NO_CACHE"):
        return None
    key = (root.absolute(), kind)
    cache = _open.get(key)
    if cache is None:
        cache = _open[key] = Cache(key[0], kind)
    return cache


def flush() -> None:
    """Write every cache this process changed (called once, at the end of a command)."""
    for cache in _open.values():
        cache.save()
