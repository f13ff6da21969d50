"""Names of projects, contexts and services: lowercase slugs, nothing that could be a path."""

from __future__ import annotations

import re

from sddkit.errors import InvalidName

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
#: Names no folder may take: Windows device names, and folders AGENTS.ctx uses itself.
RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
RESERVED_CONTEXTS = frozenset({"contracts", "templates", "assets", "docs", "scripts"})

RULE = "1-64 characters: lowercase letters a-z, digits and hyphens, starting with a letter or digit"


def shown(name: str) -> str:
    """A name as it is safe to print: control characters escaped, long names cut."""
    text = name.encode("unicode_escape").decode("ascii") if not name.isprintable() else name
    if not name.isascii():
        text = name.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= 80 else text[:77] + "..."


def check_slug(name: str, kind: str = "project", reserved: frozenset[str] = frozenset()) -> str:
    """``name`` if it is a valid slug for ``kind``; otherwise a one-line refusal."""
    if not SLUG.fullmatch(name):
        what = "is empty" if not name else f"'{shown(name)}' is not allowed"
        raise InvalidName(f"invalid {kind} name: {what}; use {RULE}")
    if name in RESERVED or name in reserved:
        raise InvalidName(f"invalid {kind} name: '{name}' is reserved; choose another")
    return name


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders the numbers inside names by value: ``story-1-2`` before
    ``story-1-10`` (a person's order; plain string order puts ``1-10`` first)."""
    return tuple([(0, int(part)) if part.isdigit() else (1, part)
                  for part in _DIGITS.split(name) if part])
