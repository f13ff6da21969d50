"""Rows and check records shared by every clone of a repository on this machine (issue 15).

A row (table ``rows``) or an ``sdd check`` record (table ``records``,
:mod:`sddkit.checks.memo`) is kept under sddkit's code stamp, the project's name and its
four documents' content keys, in ``$XDG_CACHE_HOME/sddkit/shared-rows-v<VERSION>.sqlite``, so
the first run in a new clone or worktree of a repository this machine has seen finds them
by content instead of parsing and checking every document. sqlite3 (standard library) so
that a run adds its entries in one transaction without rewriting the store; any problem with
it means nothing shared for the run, never an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sddkit.io import cache


def forget() -> None:
    """Drop this process's connection and pending rows (see :func:`sddkit.io.cache.reset`)."""
    _state.clear()



_state: dict[str, Any] = {}
#: The tables of the store: projects' rows, ``sdd check``'s per-project records, and the
#: gate lines' history read at a commit (:mod:`sddkit.approvals.gate_history`).
TABLES = ("rows", "records", "history")
#: Tables that keep only the entries of the last run that wrote one: a history is megabytes
#: at 10,000 projects, and one is kept per HEAD it was read at.
LATEST_ONLY = ("history",)


def _db() -> Any:
    if "db" not in _state:
        _state["db"] = None
        try:
            import sqlite3

            path = cache.location(Path("."), "shared-rows").with_suffix(".sqlite")
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size > cache.SHARED_LIMIT * 2048:
                path.unlink()  # grown too big: start again
            try:
                _state["db"] = _open(path)
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError):
                    raise  # locked, say: another run holds it, nothing is wrong with it
                path.unlink()  # not a database (a torn or foreign file): start again
                _state["db"] = _open(path)
        except Exception:  # any problem: no shared rows this run
            _state["db"] = None
    return _state["db"]


def _open(path: Path) -> Any:
    """A connection to the store at ``path``, its tables made; raises sqlite3's errors."""
    import sqlite3

    db = sqlite3.connect(path, timeout=1.0, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")
        for table in TABLES:
            db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, row BLOB)")
        # an empty table (a machine's first clone) answers no lookup: skip them all
        _state["empty"] = {table for table in TABLES
                           if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None}
    except BaseException:
        db.close()
        raise
    return db


def _key(name: str, keys: tuple[Any, ...]) -> str:
    """The store's key: the code's stamp (a row is what this code reads in the documents,
    and the store is shared by every clone and worktree, each maybe running other code),
    the project name and its documents' content keys."""
    from sddkit.io.code_stamp import code_stamp

    return "\0".join([code_stamp(), name, *(k or "" for k in keys)])


def get(name: str, keys: tuple[Any, ...], table: str = "rows") -> tuple[Any, ...] | None:
    """The row (or, with ``table`` "records", the check record) kept for project ``name``
    with documents of content ``keys``, or None."""
    db = _db()
    if db is None or table in _state.get("empty", ()):
        return None
    import marshal

    try:
        found = db.execute(f"SELECT row FROM {_table(table)} WHERE key = ?",
                           (_key(name, keys),)).fetchone()
        value = marshal.loads(found[0]) if found is not None else None
    except Exception:
        return None
    return value if isinstance(value, tuple) else None


def holds_any(table: str = "rows") -> bool:
    """Whether ``table`` of the store holds any entry (a machine's first clone: none)."""
    return _db() is not None and _table(table) not in _state.get("empty", ())


def held(items: list[tuple[str, tuple[Any, ...]]], table: str = "rows") -> set[str]:
    """The names among ``items`` ((project name, content keys)) that ``table`` holds an
    entry for, asked in a few queries (a caller deciding whether work is left to share
    out; :func:`get` reads each entry)."""
    db = _db()
    if db is None or table in _state.get("empty", ()) or not items:
        return set()
    by_key = {_key(name, keys): name for name, keys in items}
    wanted = list(by_key)
    found: set[str] = set()
    try:
        for start in range(0, len(wanted), 500):  # below SQLite's limit of bound values
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(by_key[key] for (key,) in db.execute(
                f"SELECT key FROM {_table(table)} WHERE key IN ({marks})", chunk))
    except Exception:
        return set()
    return found


def put(name: str, keys: tuple[Any, ...], row: tuple[Any, ...], table: str = "rows") -> None:
    """Keep ``row`` for ``name`` and ``keys`` in ``table``: written at :func:`flush`, in one
    transaction."""
    _state.setdefault("pending", {})[(_table(table), _key(name, keys))] = row


def pending() -> dict[tuple[str, str], Any]:
    """The entries this run writes at :func:`flush`, by (table, key): what
    :mod:`sddkit.io.two_cores` hands from a child to its parent."""
    found: dict[tuple[str, str], Any] = _state.setdefault("pending", {})
    return found


def after_fork() -> None:
    """In a forked child: open a connection of its own when one is needed (SQLite's
    connections must not cross a fork); the inherited one is kept, never used or closed."""
    if "db" in _state:
        _state["inherited"] = _state.pop("db")


def _table(table: str) -> str:
    if table not in TABLES:
        raise ValueError(f"no table {table!r} in the shared store")
    return table


def flush() -> None:
    """Write the rows and records computed in this run to the shared store, in one
    transaction."""
    pending = _state.pop("pending", None)
    if pending:
        _write(list(pending.items()))


def write_now(entries: list[tuple[tuple[str, str], Any]]) -> list[tuple[tuple[str, str], Any]]:
    """Write ``entries`` (((table, key), value), as :func:`pending` holds them) of the
    tables that keep every run's entries to the store now, in one transaction: a two-core
    child's own (:mod:`sddkit.io.two_cores`), which then need not cross to its parent.
    Returns those left for the run's :func:`flush`: the :data:`LATEST_ONLY` tables' (a run
    empties such a table once, at its flush), and all of them when the store could not be
    written."""
    now = [entry for entry in entries if entry[0][0] not in LATEST_ONLY]
    later = [entry for entry in entries if entry[0][0] in LATEST_ONLY]
    return later if not now or _write(now) else entries


def _write(entries: list[tuple[tuple[str, str], Any]]) -> bool:
    """Write ``entries`` in one transaction (a :data:`LATEST_ONLY` table emptied first);
    whether that was done."""
    db = _db()
    if db is None:
        return False
    import marshal

    try:
        with db:
            db.execute("BEGIN")
            for table in TABLES:
                rows = [(k, marshal.dumps(v)) for (t, k), v in entries if t == table]
                if rows and table in LATEST_ONLY:
                    db.execute(f"DELETE FROM {table}")
                db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", rows)
    except Exception:
        return False
    return True
