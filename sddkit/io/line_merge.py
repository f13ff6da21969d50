"""Re-apply sddkit's own edit over a person's concurrent edit (a three-way line merge).

sddkit reads a file (``base``), computes its span edit (``ours``) and, just before replacing
the file, finds that someone changed it meanwhile (``theirs``). If the lines sddkit changed
and the lines the person changed do not overlap, the result is ``theirs`` with sddkit's
hunks applied; otherwise there is no safe answer and :func:`merge3` returns None (the
caller refuses, naming the file). This is the diff3 rule for non-conflicting hunks
(GNU diffutils, "Comparing Three Files"): hunks are computed with :mod:`difflib` over whole
lines, and two hunks conflict when their base ranges overlap, or when both insert at the
same place (their order would be a guess).
"""

from __future__ import annotations

from difflib import SequenceMatcher

Hunk = tuple[int, int, list[str]]  # base lines [start, end) replaced by these lines


def _hunks(base: list[str], other: list[str]) -> list[Hunk]:
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [(i1, i2, other[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"]


def _conflict(a: Hunk, b: Hunk) -> bool:
    (a1, a2, a_lines), (b1, b2, b_lines) = a, b
    if (a1, a2, a_lines) == (b1, b2, b_lines):
        return False  # the same change on both sides
    if a1 == a2 and b1 == b2:
        return a1 == b1  # two insertions at one place
    if a1 == a2:
        return b1 < a1 < b2
    if b1 == b2:
        return a1 < b1 < a2
    return a1 < b2 and b1 < a2


def merge3(base: str, ours: str, theirs: str) -> str | None:
    """``theirs`` with the change from ``base`` to ``ours`` applied, or None on a conflict.

    Lines keep their endings (``splitlines(keepends=True)``), so CRLF and a missing final
    newline pass through as they are.
    """
    a = base.splitlines(keepends=True)
    mine = _hunks(a, ours.splitlines(keepends=True))
    other = _hunks(a, theirs.splitlines(keepends=True))
    for hunk in mine:
        if any(_conflict(hunk, theirs_hunk) for theirs_hunk in other):
            return None
    merged: list[str] = []
    position = 0
    seen: set[tuple[int, int]] = set()
    for start, end, lines in sorted(mine + other, key=lambda h: (h[0], h[1])):
        if (start, end) in seen:  # an identical hunk on both sides: apply it once
            continue
        seen.add((start, end))
        merged += a[position:start]
        merged += lines
        position = end
    merged += a[position:]
    return "".join(merged)
