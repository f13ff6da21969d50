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

from sddkit.workspace import Workspace

_GATE_KEYS = ("status|approved_by|approved_at|approval_forced|reopened_reason|reopened_at"
              "|blocked")
#: The lines whose history matters (git's -G takes an extended regular expression).
GATE_REGEX = rf"^({_GATE_KEYS}):|<!-- *done [^>]*forced"
# A whole file's zero-context patch is searched at once (a first commit adds every line of
# every document), each pattern led by a literal so the search skips ahead: a "+"/"-"
# line setting a gate key, a forced done mark anywhere, a "+++ " file header.
_GATE_KEY_CHANGE = re.compile(rf"\n([+-])((?:{_GATE_KEYS}):[^\n]*)")
_FORCED_MARK = re.compile(r"<!-- *done [^>\n]*forced")
_NEW_FILE_HEADER = re.compile(r"\n\+\+\+ ([^\n]*)")

_KEY = re.compile(r"^([a-z_]+):(.*)$")
_GATE_LINE = re.compile(GATE_REGEX)
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


#: Bump when :class:`Change` or :data:`GATE_REGEX` changes: cached histories are then dropped.
_CACHE_FORMAT = 2


def read(ws: Workspace, under: Path | None = None) -> list[Change] | None:
    """Every gate-line change under ``under`` (default: the projects folder), newest first;
    None when git cannot tell (outside git, no commit yet).

    Committed history does not change, so the parsed history is cached (``_cache``, kind
    ``history``) with the HEAD it was read at; when HEAD moves on, only the new commits are
    read (``OLD..HEAD``) and put in front. A HEAD that is not a descendant (a rewrite, a
    checkout of another branch) reads everything again.
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
    from sddkit.io.git import head_commit, is_ancestor, log_patches

    head = head_commit(ws.root)
    if head is None:
        return None
    cache = _cache.for_root(ws.root, "history")
    key = f"gate-log/{_CACHE_FORMAT}:{ws.rel(ws.assets)}"
    cached = cache.get(key) if cache is not None else None
    known: list[Change] = []
    since = None
    if isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[0], str):
        old_head, rows = cached
        if old_head == head:
            return [_row_change(r) for r in rows]
        if is_ancestor(ws.root, old_head, head):
            known, since = [_row_change(r) for r in rows], old_head
    found = log_patches(ws.root, ws.assets, GATE_REGEX, since)
    if found is None:
        return None
    changes = _parse(*found) + known
    if cache is not None:
        cache.put(key, (head, [_change_row(c) for c in changes]))
    return changes


def _change_row(change: Change) -> tuple[str, str, str, str, str, tuple[str, ...], tuple[str, ...]]:
    return (change.commit, change.author, change.email, change.date, change.path,
            change.added, change.removed)


def _row_change(row: tuple[str, str, str, str, str, tuple[str, ...], tuple[str, ...]]) -> Change:
    commit, author, email, date, path, added, removed = row
    return Change(commit, author, email, date, path, tuple(added), tuple(removed))


def _parse(scope: str, out: bytes) -> list[Change]:
    """The changes in ``git log -p`` output over ``scope`` (see
    :func:`sddkit.io.git.log_patches`), paths made relative to ``scope``."""
    strip = len(scope) + 1 if scope != "." else 0
    changes: list[Change] = []
    for record in out.decode("utf-8", "surrogateescape").split("\x00")[1:]:
        header, _nl, patch = record.partition("\n")
        commit, author, email, date = [*header.split("\x1f"), "", "", "", ""][:4]
        for section in patch.split("\ndiff --git "):  # the text before the first is empty
            path, added, removed = _section(section, strip)
            if path is not None and (added or removed):
                changes.append(Change(commit, author, email, date.strip(), path, added, removed))
    return changes


def _section(section: str, strip: int) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(path, gate lines added, gate lines removed) of one file's zero-context patch: the
    path from its (last) ``+++ b/...`` header; a line starting ``+++ ``, ``--- ``, ``@@``
    or ``diff --git `` is never a gate line."""
    text = "\n" + section
    path: str | None = None
    for header in _NEW_FILE_HEADER.finditer(text):
        name = header.group(1)
        path = name[2 + strip :] if name.startswith("b/") else None
    found = {m.start(): (m.group(1), m.group(2)) for m in _GATE_KEY_CHANGE.finditer(text)}
    if "<!--" in text:
        for mark in _FORCED_MARK.finditer(text):
            start = text.rfind("\n", 0, mark.start())
            sign = text[start + 1 : start + 2]
            if start in found or sign not in ("+", "-"):
                continue
            end = text.find("\n", mark.end())
            line = text[start + 2 : end if end >= 0 else len(text)]
            if not line.startswith("++ " if sign == "+" else "-- "):  # a file header
                found[start] = (sign, line)
    added: list[str] = []
    removed: list[str] = []
    for start in sorted(found):
        sign, line = found[start]
        (added if sign == "+" else removed).append(line)
    return path, tuple(added), tuple(removed)
