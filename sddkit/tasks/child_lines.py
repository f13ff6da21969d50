"""Task child lines (``claimed:``, ``blocked:``, ``note:``): find, set and remove them under
one task, every other line kept byte for byte. Pure text in, text out."""

from __future__ import annotations

import re
from typing import Any

from sddkit.errors import TaskError
from sddkit.io.markers import split_lines

_BULLET = re.compile(r"([ \t]*)(?:[-+*]|\d{1,9}[.)])[ \t]+")
_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+\[[^\]\n]?\]")


def _tracking(kind: str) -> re.Pattern[str]:
    return re.compile(rf"[ \t]*(?:[-+*][ \t]+)?{kind}[ \t]*:", re.IGNORECASE)


def _item_span(lines: list[str], index: int) -> tuple[int, int]:
    """(content column, index after the last line of the task's own text and child lines),
    for the task line at ``index``: up to a nested task, or the first line indented less
    than the task's text."""
    bullet = _BULLET.match(lines[index].lstrip("\ufeff"))
    column = bullet.end() if bullet else 2
    end = index + 1
    probe = index + 1
    while probe < len(lines):
        line = lines[probe].rstrip("\r\n")
        if not line.strip():
            probe += 1
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        if indent < column or _ITEM.match(line):
            break
        probe += 1
        end = probe
    return column, end


def _child_lines(lines: list[str], task: Any, kind: str) -> list[int]:
    start = task.line - 1
    _column, end = _item_span(lines, start)
    pattern = _tracking(kind)
    return [i for i in range(start + 1, end) if pattern.match(lines[i])]


def _ending(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n"


def set_child(text: str, task: Any, kind: str, value: str | None, extra: str | None = None) -> str:
    """``text`` with the task's ``kind:`` child line set to ``value`` (replaced in place, or
    added after the task's own lines), or removed when ``value`` is None. ``extra`` is one
    more child line added after it (the takeover note). Every other line stays as it was."""
    lines = split_lines(text)
    if not 0 < task.line <= len(lines):
        raise TaskError(f"task {task.key}: line {task.line} is past the end of the file")
    existing = _child_lines(lines, task, kind)
    ending = _ending(lines[task.line - 1])
    column, end = _item_span(lines, task.line - 1)
    new = [] if value is None else [f"{' ' * column}- {kind}: {value}{ending}"]
    if extra is not None:
        new.append(f"{' ' * column}- {extra}{ending}")
    if existing:
        at = existing[0]
        for index in reversed(existing):
            del lines[index]
        lines[at:at] = new
    elif new:
        if not lines[end - 1].endswith("\n"):
            lines[end - 1] += ending
        lines[end:end] = new
    return "".join(lines)


def clear_claim(text: str, task: Any) -> str:
    """``text`` without the task's ``claimed:`` line (``sdd done`` calls this)."""
    if not getattr(task, "claimed_by", None):
        return text
    return set_child(text, task, "claimed", None)


