"""Line-level Markdown facts shared by the readiness rules and the checks (no markdown-it:
these run on every document ``sdd check`` reads, and a line scan is enough)."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def code_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (fence lines included).

    As CommonMark: a fence of three or more backticks or tildes opens a block, which a
    fence of the same character, at least as long and with nothing after it, closes; a
    backtick fence's info string may not contain a backtick; an unclosed block runs to
    the end.
    """
    out = []
    open_char = ""
    open_len = 0
    for raw in lines:
        line = raw.rstrip("\r\n")
        match = _FENCE.match(line)
        if not open_char:
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                open_char, open_len = match.group(1)[0], len(match.group(1))
                out.append(True)
            else:
                out.append(False)
            continue
        out.append(True)
        if (match and match.group(1)[0] == open_char and len(match.group(1)) >= open_len
                and not match.group(2).strip()):
            open_char, open_len = "", 0
    return out
