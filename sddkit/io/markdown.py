"""Which lines of a Markdown document are code: one answer for the whole tool.

markdown-it-py (CommonMark) is the oracle: a line is code when it lies in a fenced block or
an indented code block, at any depth of lists and quotes (``-     code``, five spaces after
a marker, is one), and not when a fence sits inside
an HTML comment. Reading a document with markdown-it costs an import and a parse, so
:func:`code_lines` first runs a line scanner that is exact on the common shape (fences at
column 0, nothing indented as code, no HTML block next to a fence) and hands every other
document to markdown-it. ``tests/test_markdown_lines.py`` property-tests that the scanner,
where it answers, agrees with markdown-it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import accumulate

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
# fence characters after indentation, list markers or quote markers: only markdown-it knows
# (markers in any order and nesting: "- > ```", "> 1. ```")
_NESTING = r"(?:[ \t]|>|[-+*][ \t]|\d{1,9}[.)][ \t])+"
_NESTED_FENCE = re.compile(r"^" + _NESTING + r"(?:`{3,}|~{3,})")
_HTML_START = re.compile(r"^ {0,3}<")
_INDENTED = re.compile(r"^(?: {4}|\t| {1,3}\t)")
# list item and block quote markers (any nesting), then five columns of whitespace or a tab,
# then text: the container may open with indented code (CommonMark 5.1, 5.2: "-     code",
# ">     code", "1.\t\tcode"); only markdown-it knows (four spaces or fewer never do)
_MARKED = r"(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))+(?= {5}|[ \t]*\t)[ \t]*\S"
_MARKED_INDENT = re.compile(_MARKED)
# any line the scanner would look at twice: a fence, a nested fence, a non-blank line
# indented as code (one search over a whole text, in C, instead of three per line)
_CANDIDATE = re.compile(r"^(?: {0,3}(?:`{3,}|~{3,})|" + _NESTING + r"(?:`{3,}|~{3,})"
                        r"|(?: {4}|\t| {1,3}\t)[^\n]*?\S|" + _MARKED + ")", re.MULTILINE)


#: How a line indented as code starts (``_INDENTED``), and the same after a newline.
_INDENTS = ("    ", "\t", " \t", "  \t", "   \t", "\n    ", "\n\t", "\n \t", "\n  \t",
            "\n   \t")


def may_hold_code(text: str) -> bool:
    """False when no line of ``text`` (lines end at ``\\n``) can be code: no fence line, no
    fence after indentation or a list or quote marker, no non-blank line indented as code,
    no list or quote marker followed by five spaces or a tab and text.
    Then :func:`code_lines` is all False (``tests/test_markdown_lines.py`` holds the two
    together), and a long document (the inventory's ``sdd/CONTEXT.md``) is not scanned line
    by line."""
    if ("```" not in text and "~~~" not in text and "\t" not in text and "     " not in text
            and not text.startswith(_INDENTS[:5])
            and not any(indent in text for indent in _INDENTS[5:])):
        return False  # no fence, no indented line, no wide gap: substring searches, no regex
    return _CANDIDATE.search(text) is not None


def scan_code_lines(lines: list[str]) -> list[bool]:
    """The line scanner: for each line, whether it is in a column-0 fenced block (fence
    lines included). CommonMark's fence rules: three or more backticks or tildes open a
    block, which a fence of the same character, at least as long and with nothing after it,
    closes; a backtick fence's info string may not contain a backtick; an unclosed block
    runs to the end."""
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


def scanner_is_exact(lines: list[str], code: list[bool]) -> bool:
    """Whether :func:`scan_code_lines` gave markdown-it's answer for ``lines``: no fence
    after indentation, a list marker or a quote; no line outside code indented as code,
    at the margin or after a list or quote marker; no HTML block in a document that has a
    fence."""
    fenced = any(code)
    for line, in_code in zip(lines, code, strict=True):
        if in_code:
            if _FENCE.match(line) and line[:1] == " ":
                return False  # an indented fence line: it may belong to a list item
            continue
        if not line.strip():
            continue
        if _NESTED_FENCE.match(line) or _INDENTED.match(line) or _marked_indent(line):
            return False
        if fenced and _HTML_START.match(line):
            return False
    return True


def _marked_indent(line: str) -> bool:
    """Whether ``line`` opens list items or block quotes whose text may be indented code."""
    return ("\t" in line or "     " in line) and _MARKED_INDENT.match(line) is not None


def markdown_code_lines(lines: list[str]) -> list[bool]:
    """markdown-it's answer: the lines of ``fence`` and ``code_block`` tokens, any depth."""
    from markdown_it import MarkdownIt

    source = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    source = source.replace("\r\n", "\n").replace("\r", " ")
    out = [False] * len(lines)
    for token in MarkdownIt("commonmark").parse(source):
        if token.type in ("fence", "code_block") and token.map is not None:
            for index in range(token.map[0], min(token.map[1], len(lines))):
                out[index] = True
    return out


def code_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a code block (fence lines included), as
    markdown-it reads it (see the module docstring for the fast path)."""
    return code_lines_sliceable(lines)[0]


def code_lines_sliceable(lines: list[str]) -> tuple[list[bool], bool]:
    """(:func:`code_lines` of ``lines``, whether the answer holds for its parts): True when
    the line scanner answered (or no line can be code). Then for any part ``lines[i:j]``
    that starts at the first line or right after a line that is not code,
    ``code_lines(lines[i:j]) == code[i:j]``: the scanner's state is closed after a line
    outside code, so it reads the part as it read the whole, and every condition of
    :func:`scanner_is_exact` that held for the whole holds for the part. (markdown-it's
    answer has no such property: a heading inside an HTML block starts no block of its
    own.) ``tests/test_check_facts.py`` holds the parts to :func:`code_lines`."""
    joined = "\n".join(lines)  # a line ends at most with its "\n": no match spans two
    if "```" not in joined and "~~~" not in joined:
        # no fence anywhere (both patterns above need one): only a line indented as code
        # (at the margin or after a marker) can make code, and then markdown-it decides, as
        # scanner_is_exact would have it
        led = "\n" + joined
        if _INDENTED_LINE.search(led) or (("\t" in joined or "     " in joined)
                                          and _MARKED_LINE.search(led)):
            return markdown_code_lines(lines), False
        return [False] * len(lines), True
    code = _scanned(lines, joined)
    if code is not None:
        return code, True
    return markdown_code_lines(lines), False


#: The line patterns above, each found by the newline before its line (a literal start: a
#: search in C skips to it, where "^" is tried at every character).
_FENCE_LINE = re.compile(r"\n {0,3}(`{3,}|~{3,})([^\n]*)")
_NESTED_FENCE_LINE = re.compile("\n" + _NESTED_FENCE.pattern[1:])
#: A line indented as code with something on it (``_INDENTED`` and ``line.strip()``: ``\S``
#: is what ``str.strip`` keeps).
_INDENTED_LINE = re.compile(r"\n(?: {4}|\t| {1,3}\t)[^\n]*?\S")
_HTML_LINE = re.compile(r"\n {0,3}<")
_MARKED_LINE = re.compile("\n" + _MARKED)


def _scanned(lines: list[str], joined: str) -> list[bool] | None:
    """:func:`scan_code_lines` of ``lines`` when :func:`scanner_is_exact` holds, else None,
    found with searches of ``joined`` (the lines joined by ``"\\n"``) instead of a regular
    expression per line: only the fence lines move the scanner, and only a line some
    search finds can make it inexact. ``tests/test_check_facts.py`` holds the two equal."""
    joined = "\n" + joined  # every line after a newline
    ends = list(accumulate(map(len, lines)))

    def line_at(position: int) -> int:  # the newline before line i is at ends[i-1] + i
        return bisect_left(range(len(lines)), position, key=lambda i: ends[i] + i)

    code = [False] * len(lines)
    fences = [(line_at(m.start()), m) for m in _FENCE_LINE.finditer(joined)]
    opened = -1
    open_char, open_len = "", 0
    for index, match in fences:
        fence, info = match.group(1), match.group(2)
        if not open_char:
            if not (fence[0] == "`" and "`" in info):
                open_char, open_len, opened = fence[0], len(fence), index
        elif fence[0] == open_char and len(fence) >= open_len and not info.strip():
            code[opened : index + 1] = [True] * (index + 1 - opened)
            open_char = ""
    if open_char:
        code[opened:] = [True] * (len(lines) - opened)
    for index, match in fences:  # an indented fence line in code: it may be a list item's
        if code[index] and match.group(0)[1:2] == " ":
            return None
    searches = [_NESTED_FENCE_LINE, _INDENTED_LINE]
    if "\t" in joined or "     " in joined:  # a marker, then five columns or a tab: text
        searches.append(_MARKED_LINE)
    if opened >= 0:  # an HTML block beside a fence
        searches.append(_HTML_LINE)
    for search in searches:
        for match in search.finditer(joined):
            if not code[line_at(match.start())]:
                return None
    return code
