"""A line scanner for plain task lists: markdown-it's reading of them, without markdown-it.

Parsing a ``tasks.md`` with markdown-it-py costs an import and about half a millisecond per
task, which dominates a cold ``sdd next`` and a ``done`` in a long list. Most task lists
use a handful of CommonMark block constructs; :func:`scan_tasks` reads a document made only
of those, following the CommonMark 0.31 block rules as markdown-it-py implements them
(``rules_block/list.py``, ``paragraph.py``, ``fence.py``, ``heading.py``, ``hr.py``,
``html_block.py``), and reports to the same :class:`~.reader.Reader` the markdown-it walk
reports to. It answers only when it can prove its reading exact, and declines (returns
False) at the first line it does not model, so the caller reads the document with
markdown-it instead.

Modelled: blank lines; prose paragraphs, with their continuation lines and lazy
continuation lines (a plain line under a list item that is indented less than its text);
bullet (``-``, ``*``, ``+``) and ordered (``1.``, ``1)``) list items with 1-4 spaces after
the marker and text on the marker line, nested by indentation; ATX headings (``## X``) at
the margin; thematic breaks (``---``) at the margin after a blank line; fenced code
(backticks or tildes) opened at the margin, closed or not; HTML comments (``<!--``) at the
margin.

Declined (markdown-it reads them): tabs, NUL, form feeds and non-ASCII spaces; quotes
(``>``); every other HTML block; indented code; headings, fences, comments or breaks that
are indented; fences inside list items; setext underlines (``===``, ``---`` under a
paragraph); empty list items or 5+ spaces after a marker; a list item whose text opens
another block (``- # x``, ``- - x``); anything that may be a link reference definition
(``[label]:``); lists nested more than :data:`MAX_DEPTH` deep.

The lines most of a long list is made of (blank lines, and bullet items with one space
after the marker and plain text) are read in :func:`scan_tasks`'s loop with one match each;
every other line goes through :meth:`_Scan.line`, which holds the same state.

``tests/test_tasks_scan.py`` generates documents from these constructs and the declined
ones and checks that wherever the scanner answers, its task list equals markdown-it's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sddkit.tasks.model import Task
from sddkit.tasks.reader import Reader

#: Lists nested deeper than this are left to markdown-it.
MAX_DEPTH = 8
# whitespace CommonMark does not treat as a space, or Python's strip() treats differently
_ODD_SPACE = re.compile(
    "[\t\v\f\x00\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
_ODD_ASCII = "\t\v\f\x00\x1c\x1d\x1e\x1f"  # _ODD_SPACE's characters in ASCII
_RULE_CHARS = re.compile(r"[-*_=+ ]+")
_BREAK = re.compile(r"([-*_])(?: *\1){2,} *")
_MARKER = re.compile(r"(?:[-*+]|(\d{1,9})[.)])(?= |$)")
_HEADING = re.compile(r"#{1,6}(?= |$)")
_FENCE = re.compile(r"`{3,}|~{3,}")
# the common line of a task list: a bullet item, one space after its marker, whose text
# opens no other block (a letter, or a bracket that cannot start a link reference
# definition: what _opens() reads as plain text); group 1: its indentation
_COMMON_ITEM = re.compile(r"( *)[-*+] (?=[A-Za-z]|\[[^\[\]\\]*\](?!:))")

# what a line (its indentation removed) opens; None: a construct the scanner leaves alone
_PLAIN, _ITEM, _HEAD, _OPEN_FENCE, _COMMENT, _BREAK_LINE = range(6)


def _opens(rest: str) -> int | None:
    """The block ``rest`` (a non-blank line without its indentation) opens."""
    first = rest[0]
    if first in "-*_=+" and _RULE_CHARS.fullmatch(rest):
        return _BREAK_LINE if _BREAK.fullmatch(rest) else None
    if first in "-*+" or "0" <= first <= "9":
        if _MARKER.match(rest):
            return _ITEM
        return _PLAIN
    if first == "#":
        return _HEAD if _HEADING.match(rest) else _PLAIN
    if first in "`~":
        fence = _FENCE.match(rest)
        if fence is None or (first == "`" and "`" in rest[fence.end() :]):
            return _PLAIN
        return _OPEN_FENCE
    if first == "<":
        return _COMMENT if rest.startswith("<!--") else None
    if first == ">":
        return None
    if first == "[":
        # a link reference definition "[label]: ..." (its label may run over lines)
        end = rest.find("]")
        if end < 0 or "[" in rest[1:end] or "\\" in rest[1:end] or rest[end + 1 : end + 2] == ":":
            return None
    return _PLAIN


@dataclass(slots=True)
class _Item:
    width: int  # the column its text starts at: its lines must be indented this far
    task: Task | None = None


@dataclass
class _Scan:
    """The scanner's state between lines."""

    reader: Reader
    items: list[_Item] = field(default_factory=list)  # open list items, innermost last
    paragraph: bool = False  # a paragraph is open (in the innermost container)
    # the first paragraph of the innermost item, while it is being read:
    # (start line, number for an ordered item, its lines)
    first: tuple[int, str | None, list[str]] | None = None
    heading: str | None = None
    fence: tuple[int, str] | None = None  # an open fence: (its first line, its characters)
    comment: int | None = None  # the first line of an open HTML comment

    def line(self, index: int, line: str) -> bool:
        """Read one line; False when it is a construct the scanner does not model."""
        rest = line.lstrip(" ")
        indent = len(line) - len(rest)
        if self.fence is not None:
            start, markup = self.fence
            if indent <= 3 and rest.startswith(markup) and not rest.lstrip(markup[0]).strip(" "):
                self.reader.fence(start, index + 1, markup)
                self.fence = None
            return True
        if self.comment is not None:
            if "-->" in line:
                self.reader.mark(self.comment, index + 1, "comment")
                self.comment = None
            return True
        if not rest:
            self.end_paragraph()
            return True
        items = self.items
        depth = 0  # the open items this line is indented into
        while depth < len(items) and items[depth].width <= indent:
            depth += 1
        relative = indent - (items[depth - 1].width if depth else 0)
        if self.paragraph and depth == len(items) and relative >= 4:
            self.continued(line, indent)  # a continuation line, indented further
            return True
        if relative >= 4:
            return False  # indented code, or a lazy line markdown-it reads its own way
        opens = _opens(rest)
        if opens is None:
            return False
        if opens == _PLAIN or (opens == _ITEM and self.paragraph and depth == len(items)
                               and not _interrupts(rest)):
            if self.paragraph:  # a continuation line, or a lazy one
                self.continued(line, indent)
                return True
            self.close_to(depth)
            self.paragraph = True  # a paragraph in the innermost item, or at the margin
            return True
        if opens == _ITEM:
            self.close_to(depth)
            return self.open_item(index, indent, rest)
        if indent or (opens == _BREAK_LINE and self.paragraph):
            return False  # indented, or a setext underline / a break ending a list item
        self.margin_block(index, line, rest, opens)
        return True

    def continued(self, line: str, indent: int) -> None:
        """A line of the open paragraph (kept when it is an item's first paragraph)."""
        if self.first is not None:
            self.first[2].append(line[min(indent, self.items[-1].width) :])

    def margin_block(self, index: int, line: str, rest: str, opens: int) -> None:
        """A heading, a break, a fence or a comment at the margin: it ends every list."""
        self.close_to(0)
        self.end_paragraph()
        if opens == _HEAD:
            self.heading = _heading_text(rest)
            self.reader.mark(index, index + 1, "heading")
        elif opens == _OPEN_FENCE:
            self.fence = (index, _FENCE.match(rest).group())  # type: ignore[union-attr]
        elif opens == _COMMENT:
            if "-->" in line:
                self.reader.mark(index, index + 1, "comment")
            else:
                self.comment = index

    def finish(self, count: int) -> None:
        """The end of the document (``count`` lines): what is open closes there."""
        if self.fence is not None:
            self.reader.fence(self.fence[0], count, self.fence[1])
        if self.comment is not None:
            self.reader.mark(self.comment, count, "comment")
        self.close_to(0)
        self.end_paragraph()

    def end_paragraph(self) -> None:
        self.paragraph = False
        if self.first is None:
            return
        start, number, parts = self.first
        self.first = None
        items = self.items
        outer = [item.task for item in items[:-1]] if len(items) > 1 else []
        if len(parts) == 1 and number is None:
            items[-1].task = self.reader.bullet(start, parts[0].strip(), outer, self.heading)
            return
        content = "\n".join(parts).strip()
        items[-1].task = self.reader.item(start, content, outer, self.heading, number)

    def close_to(self, depth: int) -> None:
        """End the paragraph if the innermost item closes, and the items deeper than
        ``depth``."""
        if len(self.items) > depth:
            self.end_paragraph()
            del self.items[depth:]

    def open_item(self, index: int, indent: int, rest: str) -> bool:
        marker = _MARKER.match(rest)
        assert marker is not None
        after = rest[marker.end() :]
        text = after.lstrip(" ")
        spaces = len(after) - len(text)
        if not text or spaces > 4 or _opens(text) != _PLAIN or len(self.items) >= MAX_DEPTH:
            return False  # empty, indented code inside, another block inside, too deep
        self.end_paragraph()
        self.items.append(_Item(indent + marker.end() + spaces))
        self.paragraph = True
        self.first = (index, marker.group(1), [text])
        return True


def _interrupts(rest: str) -> bool:
    """Whether the list item on ``rest`` may end a paragraph: after a paragraph line, an
    ordered item does only as ``1.`` (CommonMark; markdown-it's ``list`` rule)."""
    marker = _MARKER.match(rest)
    return marker is None or marker.group(1) is None or int(marker.group(1)) == 1


def _heading_text(rest: str) -> str:
    """An ATX heading's text: markdown-it's ``heading`` rule (closing ``#`` run removed when
    a space precedes it), trimmed."""
    after = rest[len(rest) - len(rest.lstrip("#")) :]
    text = after.rstrip(" ")
    bare = text.rstrip("#")
    if bare != text and bare.endswith(" "):
        text = bare
    return text.strip()


def scan_tasks(source: str, lines: list[str], reader: Reader) -> bool:
    """Read ``source`` (a body, ``\\r`` already gone; ``lines`` is ``source.split("\\n")``)
    into ``reader`` as markdown-it's walk in :mod:`.parse` would. Returns False, with
    ``reader`` holding a partial reading to be thrown away, when the document holds a
    construct the scanner does not model (see the module docstring)."""
    if (any(odd in source for odd in _ODD_ASCII) if source.isascii()
            else _ODD_SPACE.search(source)):
        return False
    # markdown-it's line count: a last line of only spaces without "\n" is not a line
    count = len(lines) if lines[-1].strip(" ") else len(lines) - 1
    state = _Scan(reader)
    items = state.items
    common = _COMMON_ITEM.match
    careful = state.line
    for index in range(count):
        line = lines[index]
        if state.fence is None and state.comment is None:
            # the two lines most of a list is made of, read here as _Scan.line would
            if not line:
                state.end_paragraph()
                continue
            found = common(line)
            if found is not None:
                indent = found.end(1)
                depth, open_items = 0, len(items)
                while depth < open_items and items[depth].width <= indent:
                    depth += 1
                if indent - (items[depth - 1].width if depth else 0) < 4 and depth < MAX_DEPTH:
                    # a bullet item always interrupts a paragraph (close_to, open_item)
                    state.end_paragraph()
                    del items[depth:]
                    items.append(_Item(indent + 2))
                    state.paragraph = True
                    state.first = (index, None, [line[indent + 2 :]])
                    continue
        if not careful(index, line):
            return False
    state.finish(count)
    return True
