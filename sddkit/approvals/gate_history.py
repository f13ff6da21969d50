"""The gate history of the phase documents, read from git: who changed which gate key when.

The front matter keeps only the latest approval, reopening or block; git keeps them all.
One ``git log -p -U0 -G REGEX`` over ``AGENTS.ctx/sdd/assets/`` lists every commit that
added or removed a gate line (``status``, ``approved_*``, ``approval_forced``,
``reopened_*``, ``blocked``) or a forced done mark, with the lines themselves. Both the
approvals rule (SDD-017) and ``sdd log`` read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sddkit.workspace import Workspace

#: The lines whose history matters (git's -G takes an extended regular expression).
_KEYS = "status|approved_by|approved_at|approval_forced|reopened_reason|reopened_at|blocked"
GATE_REGEX = rf"^({_KEYS}):|<!-- *done [^>]*forced"
#: Patch lines adding or removing a gate line (GATE_REGEX after the "+" or "-"), each found
#: by the newline before it (a literal start: far faster than "^" over 100 MB of patches).
_PATCH_KEY = re.compile(rf"\n([+-])((?:{_KEYS}):[^\n]*)")
_PATCH_FORCED = re.compile(r"\n([+-])([^\n]*?<!-- *done [^>\n]*forced[^\n]*)")
_PATCH_PATH = re.compile(r"\n\+\+\+ ([^\n]*)")

_KEY = re.compile(r"^([a-z_]+):(.*)$")
_FORCED_DONE = re.compile(r"^\s*[-*+]\s+\[[xX]\]\s+(.*?)\s*<!--\s*done\s+(.*?forced:.*?)\s*-->")


@dataclass(frozen=True)
class Change:
    """One commit's gate-line changes to one file (newest first in a :class:`History`)."""

    commit: str
    author: str
    email: str
    date: str  # author date, ISO 8601
    path: str  # POSIX, relative to the projects folder: "demo/spec.md"
    added: tuple[str, ...]
    removed: tuple[str, ...]

    def added_value(self, key: str) -> str | None:
        """The value of the ``key:`` line this commit added, as written (quotes and a
        trailing comment removed), or None when it added none."""
        for line in self.added:
            found = _KEY.match(line)
            if found and found.group(1) == key:
                return scalar(found.group(2))
        return None

    def forced_done(self) -> list[tuple[str, str]]:
        """(task text, mark) of each forced done mark this commit added."""
        out = []
        for line in self.added:
            found = _FORCED_DONE.match(line)
            if found:
                out.append((found.group(1), found.group(2)))
        return out


def scalar(text: str) -> str:
    """A one-line YAML scalar as written: ``'x'`` -> ``x``, ``x  # note`` -> ``x``."""
    value = text.strip()
    if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) >= 2:
        return value[1:-1]
    return value.split(" #", 1)[0].strip()


#: Bump when :class:`Change`, :data:`GATE_REGEX` or the reading of git's output changes: cached
#: histories are then dropped (4: paths git ends with a tab or quotes; the root commit shown).
_CACHE_FORMAT = 4


def read(ws: Workspace, under: Path | None = None) -> list[Change] | None:
    """Every gate-line change under ``under`` (default: the projects folder), newest first;
    None when git cannot tell (outside git, no commit yet).

    Committed history does not change, so the parsed history is cached (``_cache``, kind
    ``history``) with the HEAD it was read at; when HEAD moves on, only the new commits are
    read (``OLD..HEAD``) and put in front. A HEAD that is not a descendant (a rewrite, a
    checkout of another branch) reads everything again. A commit names its whole history,
    so the history read at a HEAD is also kept in the store this machine's clones share
    (:mod:`sddkit.io.shared_rows`): a new clone's first check does not read it again.
    """
    changes = _all(ws)
    if changes is None or under is None:
        return changes
    try:
        prefix = under.resolve().relative_to(ws.assets.resolve()).as_posix() + "/"
    except ValueError:
        return []
    if prefix == "./":
        return changes
    return [c for c in changes if c.path.startswith(prefix)]


def _all(ws: Workspace) -> list[Change] | None:
    from sddkit.io import cache as _cache
    from sddkit.io.git import extends_in_line, head_commit, log_patches

    head = head_commit(ws.root)
    if head is None:
        return None
    scope, shape = where(ws)
    cache = _cache.for_root(ws.root, "history") if shape != "?" else None
    key = f"gate-log/{_CACHE_FORMAT}:{ws.rel(ws.assets)}"
    cached = cache.get(key) if cache is not None else None
    if not _valid(cached):
        cached = None
    if cache is not None and scope is not None and (cached is None or cached[0] != head
                                                    or cached[2] != shape):
        from sddkit.io import shared_rows  # another clone on this machine read it at HEAD

        shared = shared_rows.get(scope, (head, shape), table="history")
        if _valid(shared) and shared[0] == head and shared[2] == shape:
            cache.put(key, shared)
            cached = shared
    known: list[Change] = []
    since = None
    if cached is not None and cached[2] == shape:
        old_head, rows, _shape = cached
        if old_head == head:
            return [_row_change(r) for r in rows]
        if extends_in_line(ws.root, old_head, head):  # git lists the new commits first
            known, since = [_row_change(r) for r in rows], old_head
    reader = _Reader()
    if log_patches(ws.root, ws.assets, GATE_REGEX, since, reader.feed) is None:
        return None
    changes = reader.changes + known
    if cache is not None:
        value = (head, [_change_row(c) for c in changes], shape)
        cache.put(key, value)
        if scope is not None:
            from sddkit.io import shared_rows

            shared_rows.put(scope, (head, shape), value, table="history")
    return changes


def _valid(value: Any) -> bool:
    """A kept history: (HEAD, rows, shape)."""
    return (isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[2], str))


def where(ws: Workspace) -> tuple[str | None, str]:
    """(the shared store's name for the history of ``ws``'s projects folder, the history's
    shape, :func:`sddkit.io.git_dirs.history_shape`). The name holds the folder's path in
    git's work tree, not in the sddkit root: a repository may hold several sddkit roots,
    each with its own ``AGENTS.ctx/sdd/assets`` and history. None when that path cannot be
    told; shape "?" when the history at a HEAD cannot be told apart from another clone's
    (then nothing read from it is kept)."""
    from sddkit.io.git_dirs import enclosing, history_shape

    found = enclosing(ws.root)
    if found is None:
        return None, "?"
    top, _own, common = found
    try:
        rel = ws.assets.resolve().relative_to(top).as_posix()
    except (OSError, ValueError):
        return None, history_shape(common)
    return f"gate-log/{_CACHE_FORMAT}:{rel}", history_shape(common)


def _change_row(change: Change) -> tuple[str, str, str, str, str, tuple[str, ...], tuple[str, ...]]:
    return (change.commit, change.author, change.email, change.date, change.path,
            change.added, change.removed)


def _row_change(row: tuple[str, str, str, str, str, tuple[str, ...], tuple[str, ...]]) -> Change:
    commit, author, email, date, path, added, removed = row
    return Change(commit, author, email, date, path, tuple(added), tuple(removed))


class _Reader:
    """The changes in ``git log -p`` output (see :func:`sddkit.io.git.log_patches`), read
    in the pieces git's output is cut into: each piece starts a commit (``\\x00``) or a
    file's patch (``\\ndiff --git ``), so splitting a piece reads it as splitting the
    whole output would. Paths are made relative to ``scope``, the folder read."""

    def __init__(self) -> None:
        self.strip = 0
        self.changes: list[Change] = []
        self.commit: tuple[str, str, str, str] | None = None  # the commit being read

    def feed(self, scope: str, piece: bytes) -> None:
        self.strip = len(scope) + 1 if scope != "." else 0
        records = piece.decode("utf-8", "surrogateescape").split("\x00")
        self._patch(records[0])  # the rest of the commit read so far (none at the start)
        for record in records[1:]:
            header, _nl, patch = record.partition("\n")
            commit, author, email, date = [*header.split("\x1f"), "", "", "", ""][:4]
            self.commit = (commit, author, email, date.strip())
            self._patch(patch)

    def _patch(self, patch: str) -> None:
        if self.commit is None:
            return
        for section in patch.split("\ndiff --git "):  # the text before the first is empty
            path, added, removed = _section(section, self.strip)
            if path is not None and (added or removed):
                self.changes.append(Change(*self.commit, path, added, removed))


def _parse(scope: str, out: bytes) -> list[Change]:
    """The changes in the whole ``git log -p`` output ``out`` over ``scope``, paths made
    relative to ``scope``: the reference :class:`_Reader` is held to (one piece)."""
    reader = _Reader()
    reader.feed(scope, out)
    return reader.changes


def _header_name(name: str) -> str:
    """The path of a ``+++ `` line as git wrote it (``diff.c``): a name holding a space is
    followed by a tab (for GNU patch); one holding a control character, a double quote or
    a backslash is C-quoted (:func:`sddkit.io.git.unquote_path`). Unquoted names never
    hold a tab, and a quoted one holds its tabs escaped."""
    from sddkit.io.git import unquote_path

    return unquote_path(name.rstrip("\t"))


def _section(section: str, strip: int) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(path, gate lines added, gate lines removed) of one file's zero-context patch: the
    path from its (last) ``+++ b/PATH`` line; the ``+``/``-`` lines that match
    :data:`GATE_REGEX` but the ``+++ ``/``--- `` header lines, in order. Searches of the
    whole text, not a Python step per line: a repository's first commit adds every
    document, so at 10,000 projects the patches are about 100 MB."""
    text = "\n" + section
    path: str | None = None
    for name in _PATCH_PATH.findall(text):
        name = _header_name(name)
        path = name[2 + strip :] if name.startswith("b/") else None
    found = {m.start(): m.groups() for m in _PATCH_KEY.finditer(text)}
    if "forced" in section:  # rare: a forced done mark
        for m in _PATCH_FORCED.finditer(text):
            found.setdefault(m.start(), m.groups())
    added: list[str] = []
    removed: list[str] = []
    for _at, (sign, line) in sorted(found.items()):
        if line.startswith(("++ ", "-- ")) and line[:1] == sign:
            continue  # the "+++ "/"--- " header lines
        (added if sign == "+" else removed).append(line)
    return path, tuple(added), tuple(removed)
