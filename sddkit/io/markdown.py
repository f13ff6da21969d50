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
    if not any("```" in line or "~~~" in line for line in lines):
        # no fence anywhere (both patterns above need one): only a line indented as code
        # (at the margin or after a marker) can make code, and then markdown-it decides, as
        # scanner_is_exact would have it
        if any((line[:1] in (" ", "\t") and _INDENTED.match(line) and line.strip())
               or _marked_indent(line) for line in lines):
            return markdown_code_lines(lines)
        return [False] * len(lines)
    code = scan_code_lines(lines)
    if scanner_is_exact(lines, code):
        return code
    return markdown_code_lines(lines)
