"""Rows shared by every clone of a repository on this machine (issue 15).

A row is kept under sddkit's code stamp, the project's name and its four documents' content keys, in
``$XDG_CACHE_HOME/sddkit/shared-rows-v<VERSION>.sqlite``, so the first run in a new clone or
worktree of a repository this machine has seen finds the rows by content instead of
parsing every document. sqlite3 (standard library) so that a run adds its rows in one
transaction without rewriting the store; any problem with it means no shared rows for the
run, never an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sddkit.io import cache


def forget() -> None:
    """Drop this process's connection and pending rows (see :func:`sddkit.io.cache.reset`)."""
    _state.clear()



_state: dict[str, Any] = {}


def _db() -> Any:
    if "db" not in _state:
        _state["db"] = None
        try:
            import sqlite3

            path = cache.location(Path("."), "shared-rows").with_suffix(".sqlite")
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size > cache.SHARED_LIMIT * 2048:
                path.unlink()  # grown too big: start again
            db = sqlite3.connect(path, timeout=1.0, isolation_level=None)
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE IF NOT EXISTS rows (key TEXT PRIMARY KEY, row BLOB)")
            # an empty store (a machine's first clone) answers no lookup: skip them all
            _state["empty"] = db.execute("SELECT 1 FROM rows LIMIT 1").fetchone() is None
            _state["db"] = db
        except Exception:  # any problem: no shared rows this run
            _state["db"] = None
    return _state["db"]


def _key(name: str, keys: tuple[Any, ...]) -> str:
    """The store's key: the code's stamp (a row is what this code reads in the documents,
    and the store is shared by every clone and worktree, each maybe running other code),
    the project name and its documents' content keys."""
    from sddkit.io.code_stamp import code_stamp

    return "\0".join([code_stamp(), name, *(k or "" for k in keys)])


def get(name: str, keys: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The row kept for project ``name`` with documents of content ``keys``, or None."""
    db = _db()
    if db is None or _state.get("empty"):
        return None
    import marshal

    try:
        found = db.execute("SELECT row FROM rows WHERE key = ?",
                           (_key(name, keys),)).fetchone()
        value = marshal.loads(found[0]) if found is not None else None
    except Exception:
        return None
    return value if isinstance(value, tuple) else None


def put(name: str, keys: tuple[Any, ...], row: tuple[Any, ...]) -> None:
    """Keep ``row`` for ``name`` and ``keys``: written at :func:`flush`, in one transaction."""
    _state.setdefault("pending", {})[_key(name, keys)] = row


def flush() -> None:
    """Write the rows computed in this run to the shared store, in one transaction."""
    pending = _state.pop("pending", None)
    if not pending:
        return
    db = _db()
    if db is None:
        return
    import marshal

    try:
        with db:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?)",
                           [(k, marshal.dumps(v)) for k, v in pending.items()])
    except Exception:
        pass
