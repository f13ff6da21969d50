"""Managed blocks: the only text sddkit writes inside a file a person also edits.

A block is a start marker line, any lines, and an end marker line::

    <!-- sddkit:inventory:start -->
    ...
    <!-- sddkit:inventory:end -->

A marker must stand alone on its line. Everything outside a block stays byte-for-byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sddkit.errors import MarkerError

_MARKER = re.compile(r"^[ \t]*<!--\s*sddkit:([A-Za-z0-9_-]+):(start|end)\s*-->[ \t]*\r?\n?$")


def start_marker(name: str) -> str:
    return f"<!-- sddkit:{name}:start -->"


def end_marker(name: str) -> str:
    return f"<!-- sddkit:{name}:end -->"


def split_lines(text: str) -> list[str]:
    """Lines with their endings; only ``\\n`` ends a line (unlike ``str.splitlines``)."""
    if not text:
        return []
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


@dataclass(frozen=True)
class Block:
    """A managed block's place: line indexes (0-based) of its two marker lines."""

    name: str
    start: int
    end: int


def scan(text: str, path: Path | None = None) -> dict[str, Block]:
    """Every managed block in ``text``; a doubled, nested, reversed or unclosed marker is an
    error. Markers inside code (a fence or an indented block, as markdown-it reads it) are
    examples, not blocks."""
    return {name: block for name, (block, _inner) in _located(text, path).items()}


#: The last text :func:`_located` read and its answer: a write reads the inventory's
#: ``sdd/CONTEXT.md`` (743 KB at 10,000 projects) for its block, then replaces the block.
_LAST: tuple[str, dict[str, tuple[Block, tuple[int, int]]]] | None = None


def _located(text: str, path: Path | None) -> dict[str, tuple[Block, tuple[int, int]]]:
    """:func:`scan`'s blocks, each with the character span of its inside (from just after
    the start marker's line to the start of the end marker's line).

    Only the lines holding ``sddkit:`` are looked at. Whether such a line is code needs the
    whole document's code lines (:func:`sddkit.io.markdown.code_lines`), except for a marker
    at the start of its line in a text without any fence: such a line can be code only
    inside a fenced block (indented code needs indentation, and a list item or a quote ends
    at a line that is not indented or marked), so it is not."""
    global _LAST
    if _LAST is not None and (_LAST[0] is text or _LAST[0] == text):
        return _LAST[1]
    found: dict[str, tuple[Block, tuple[int, int]]] = {}
    open_name: str | None = None
    open_line = open_inner = 0
    fenced: bool | None = None  # whether the text has a fence: computed at the first marker
    code: list[bool] | None = None  # every line's answer: computed only when needed
    index = line_start = 0  # the line number and first character of the line last counted
    at = text.find("sddkit:")
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        stop = text.find("\n", at)
        stop = len(text) if stop < 0 else stop + 1
        at = text.find("sddkit:", stop)
        match = _MARKER.match(text[start:stop])
        if not match:
            continue
        index += text.count("\n", line_start, start)
        line_start = start
        if fenced is None:
            fenced = "```" in text or "~~~" in text
        if fenced or text[start] in " \t":
            if code is None:
                from sddkit.io.markdown import code_lines, may_hold_code

                lines = split_lines(text)
                code = code_lines(lines) if may_hold_code(text) else [False] * len(lines)
            if code[index]:
                continue  # a marker shown as an example inside code is not a block
        name, kind = match.group(1), match.group(2)
        if kind == "start":
            if open_name is not None:
                raise MarkerError(
                    f"managed block '{name}' starts inside block '{open_name}' "
                    f"(opened at line {open_line + 1}); blocks cannot nest",
                    path,
                    index + 1,
                )
            if name in found:
                raise MarkerError(
                    f"managed block '{name}' appears twice (first at line "
                    f"{found[name][0].start + 1}); keep one",
                    path,
                    index + 1,
                )
            open_name, open_line, open_inner = name, index, stop
        else:
            if open_name is None:
                where = found.get(name)
                why = (
                    f"a second end marker for block '{name}' (closed at line "
                    f"{where[0].end + 1})"
                    if where
                    else f"end marker of block '{name}' without a start marker before it"
                )
                raise MarkerError(why, path, index + 1)
            if name != open_name:
                raise MarkerError(
                    f"end marker of block '{name}' inside block '{open_name}' "
                    f"(opened at line {open_line + 1})",
                    path,
                    index + 1,
                )
            found[name] = (Block(name, open_line, index), (open_inner, start))
            open_name = None
    if open_name is not None:
        raise MarkerError(
            f"managed block '{open_name}' is never closed: add {end_marker(open_name)}",
            path,
            open_line + 1,
        )
    _LAST = (text, found)
    return found


def find_block(text: str, name: str, path: Path | None = None) -> Block | None:
    """The block called ``name``, None when it is absent; errors on broken markers."""
    found = _located(text, path).get(name)
    return found[0] if found is not None else None


def block_content(text: str, name: str, path: Path | None = None) -> str | None:
    """The text between the markers of ``name`` (None when the block is absent)."""
    found = _located(text, path).get(name)
    if found is None:
        return None
    inner_start, inner_end = found[1]
    return text[inner_start:inner_end]


def _normalise(content: str, newline: str) -> str:
    if "\r" in content:
        content = content.replace("\r\n", "\n")
    if content and not content.endswith("\n"):
        content += "\n"
    return content if newline == "\n" else content.replace("\n", newline)


def replace_block(text: str, name: str, content: str, path: Path | None = None) -> str:
    """``text`` with the inside of block ``name`` set to ``content``; an absent block is an error."""
    from sddkit.io.reading import newline_of

    found = _located(text, path).get(name)
    if found is None:
        raise MarkerError(
            f"managed block '{name}' not found: add the lines {start_marker(name)} and "
            f"{end_marker(name)} where it belongs",
            path,
        )
    inner_start, inner_end = found[1]
    return text[:inner_start] + _normalise(content, newline_of(text)) + text[inner_end:]


def render_block(name: str, content: str, newline: str = "\n") -> str:
    """A whole block, markers included, ending with a newline."""
    return _normalise(f"{start_marker(name)}\n{content}", newline) + end_marker(name) + newline


def upsert_block(text: str, name: str, content: str, path: Path | None = None) -> str:
    """Replace block ``name``, or append it (after a blank line) when the file has none yet.

    Only for files sddkit installs a block into (AGENTS.md, agent pointer files);
    broken markers are still an error, never a silent append.
    """
    from sddkit.io.reading import newline_of

    if find_block(text, name, path) is not None:
        return replace_block(text, name, content, path)
    newline = newline_of(text) if text else "\n"
    block = render_block(name, content, newline)
    if not text:
        return block
    if not text.endswith("\n"):
        text += newline
    if not text.endswith(newline * 2):
        text += newline
    return text + block


def remove_block(text: str, name: str, path: Path | None = None) -> str:
    """``text`` without block ``name`` (markers included); unchanged when absent."""
    block = find_block(text, name, path)
    if block is None:
        return text
    lines = split_lines(text)
    before, after = lines[: block.start], lines[block.end + 1 :]
    # drop the blank separator line upsert_block added, when the block was last
    if not after and before and before[-1].strip() == "":
        before = before[:-1]
    return "".join(before + after)


def heal_block_conflicts(text: str, name: str) -> str:
    """``text`` with each git conflict hunk that touches managed block ``name`` resolved to
    our side, so the block can be regenerated; hunks elsewhere stay for a person.

    Conflict hunks are git's (``<<<<<<<``, optional ``|||||||`` base, ``=======``,
    ``>>>>>>>``). Text without conflict markers is returned as it is.
    """
    if "<<<<<<< " not in text:
        return text
    lines = split_lines(text)
    marks = [i for i, line in enumerate(lines)
             if start_marker(name) in line or end_marker(name) in line]
    if not marks:
        return text
    first, last = marks[0], marks[-1]
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("<<<<<<< "):
            hunk = _hunk(lines, index)
            if hunk is not None:
                middle, close = hunk
                if index <= last and close >= first:
                    base_at = next((i for i in range(index + 1, middle)
                                    if lines[i].startswith("||||||| ")), middle)
                    out.extend(lines[index + 1 : base_at])
                    index = close + 1
                    continue
        out.append(line)
        index += 1
    return "".join(out)


def _hunk(lines: list[str], start: int) -> tuple[int, int] | None:
    """(the ``=======`` line, the ``>>>>>>>`` line) of the hunk opened at ``start``."""
    middle = None
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if middle is None and line.rstrip("\r\n") == "=======":
            middle = index
        elif middle is not None and line.startswith(">>>>>>> "):
            return middle, index
        elif line.startswith("<<<<<<< "):
            return None
    return None
