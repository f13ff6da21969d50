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

from .workspace import Workspace

#: The lines whose history matters (git's -G takes an extended regular expression).
GATE_REGEX = (r"^(status|approved_by|approved_at|approval_forced|reopened_reason|reopened_at"
              r"|blocked):|<!-- *done [^>]*forced")

_KEY = re.compile(r"^([a-z_]+):(.*)$")
_FORCED_DONE = re.compile(r"^\s*[-*+]\s+\[[xX]\]\s+(.*?)\s*<!--\s*done\s+(.*?forced:.*?)\s*-->")


@dataclass(frozen=True)
class Change:
    """One commit's gate-line changes to one file (newest first in a :class:`History`)."""

    commit: str
    author: str
    email: str
    date: str  # author date, ISO 8601
    path: Path  # absolute
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


def read(ws: Workspace, under: Path | None = None) -> list[Change] | None:
    """Every gate-line change under ``under`` (default: the projects folder), newest first;
    None when git cannot tell (outside git, no commit yet)."""
    from ._git import log_patches

    found = log_patches(ws.root, under or ws.assets, GATE_REGEX)
    if found is None:
        return None
    top, out = found
    changes: list[Change] = []
    for record in out.decode("utf-8", "surrogateescape").split("\x00")[1:]:
        header, _nl, patch = record.partition("\n")
        commit, author, email, date = (header.split("\x1f") + ["", "", "", ""])[:4]
        path: Path | None = None
        added: list[str] = []
        removed: list[str] = []

        def flush() -> None:
            if path is not None and (added or removed):
                changes.append(Change(commit, author, email, date.strip(), path,
                                      tuple(added), tuple(removed)))

        for line in patch.split("\n"):
            if line.startswith("diff --git "):
                flush()
                path, added, removed = None, [], []
            elif line.startswith("+++ "):
                name = line[4:]
                path = top / name[2:] if name.startswith("b/") else None
            elif line.startswith("--- ") or line.startswith("@@"):
                continue
            elif line.startswith("+"):
                added.append(line[1:])
            elif line.startswith("-"):
                removed.append(line[1:])
        flush()
    return changes
