"""Ticking a task and clearing it: one line changes, by its box and its done mark only.

The box is found with the same pattern the tasks gate hash uses (:data:`.lines.SOURCE_BOX`,
:func:`.lines.gate_view`), so the edit never changes what the gate hashes.
"""

from __future__ import annotations

import re

from sddkit.errors import TaskError
from sddkit.io.markers import split_lines
from sddkit.tasks.lines import SOURCE_BOX, mark_column
from sddkit.tasks.model import Task

_MARK_IN_LINE = re.compile(r" ?<!--\s*done\b.*?-->")


def _checkbox(text: str, task: Task, wanted: str) -> tuple[list[str], str, str, re.Match[str]]:
    """The lines of ``text``, the task line without and with its ending, and its box."""
    lines = split_lines(text)
    line = lines[task.line - 1] if 0 < task.line <= len(lines) else ""
    ending = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""
    content = line[: len(line) - len(ending)]
    bom = 1 if content.startswith("\ufeff") else 0  # a BOM before the first line's bullet
    match = SOURCE_BOX.match(content, bom)
    marker = match.group(1) or "" if match is not None else None
    if match is None or (marker in "xX") != (wanted == "ticked") or marker == "":
        raise TaskError(f"task {task.key}: line {task.line} has no {wanted} checkbox", None,
                        task.line)
    return lines, content, ending, match


def set_done(text: str, task: Task, mark: str) -> str:
    """``text`` with the task's box (``[ ]``, ``[-]`` or any open marker) set to ``[x]`` and
    `` <!-- done MARK -->`` added at the end of its text, before any trailing whitespace.

    Raises :class:`TaskError` when the line has no open box or ``mark`` holds ``-->`` or a
    line break.
    """
    if "-->" in mark or "\n" in mark or "\r" in mark:
        raise TaskError(f"a done mark cannot hold '-->' or a line break: {mark!r}")
    lines, content, ending, box = _checkbox(text, task, "open")
    column = box.start(1)
    content = content[:column] + "x" + content[box.end(1) :]
    at, tail = mark_column(content)
    suffix = f" <!-- done {mark} -->" if mark else " <!-- done -->"
    lines[task.line - 1] = content[:at] + suffix + tail + ending
    return "".join(lines)


def set_undone(text: str, task: Task) -> str:
    """``text`` with the task's ``[x]`` cleared and its done mark (and the space before)
    removed: the exact inverse of :func:`set_done` for a task that was ``[ ]``."""
    lines, content, ending, box = _checkbox(text, task, "ticked")
    column = box.start(1)
    content = content[:column] + " " + content[column + 1 :]
    marks = list(_MARK_IN_LINE.finditer(content))
    if marks:
        last = marks[-1]
        content = content[: last.start()] + content[last.end() :]
    lines[task.line - 1] = content + ending
    return "".join(lines)
