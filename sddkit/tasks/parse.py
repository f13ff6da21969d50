"""Reading a ``tasks.md`` into a :class:`~.model.TaskList`.

A checkbox inside a fenced block, a quote or an HTML comment is not a task, and each
token's line map places a task on its file line. Every other line that a person would read
as a task but sddkit does not (a checkbox in indented code, in a fence that never closes,
in a heading, in a table, or not at the start of a list item) becomes a warning, so that
nothing a person reads as work silently drops out of the count.

markdown-it-py (CommonMark) is the reference reader. Most task lists are plain (headings,
bullet lists with child lines, fences at the margin, prose): :func:`sddkit.tasks.scan.scan_tasks`
reads those line by line, exactly as markdown-it would, and hands everything else to
markdown-it (imported only then). ``tests/test_tasks_scan.py`` holds the two to the same
answer on generated documents.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING

from sddkit.errors import TaskError
from sddkit.io import frontmatter
from sddkit.tasks.cycles import cycles
from sddkit.tasks.link import assign_keys, id_problems, link, resolve_references
from sddkit.tasks.model import Task, TaskList, TaskProblem
from sddkit.tasks.reader import Reader
from sddkit.tasks.scan import scan_tasks

if TYPE_CHECKING:
    from markdown_it.token import Token

_MAX_NESTING = 100  # token levels: about 45 nested lists


def _first_inline(tokens: list[Token], index: int) -> Token | None:
    """The inline token of the paragraph a list item opens with, if it opens with one."""
    if index + 2 < len(tokens) and tokens[index + 1].type == "paragraph_open":
        inline = tokens[index + 2]
        return inline if inline.type == "inline" and inline.map is not None else None
    return None


def _span(token: Token) -> tuple[int, int]:
    return (token.map[0], token.map[1]) if token.map is not None else (0, 0)


def _mark(reader: Reader, token: Token) -> int:
    """Mark the lines of a block that holds no task; returns the change in quote depth."""
    kind = token.type
    if kind == "blockquote_open":
        reader.mark(*_span(token), "quote")
        return 1
    if kind == "blockquote_close":
        return -1
    if kind == "fence" and token.map is not None:
        reader.fence(token.map[0], token.map[1], token.markup)
    elif kind == "code_block":
        reader.mark(*_span(token), "indented")
    elif kind == "html_block":
        why = "comment" if token.content.lstrip().startswith("<!--") else "html"
        reader.mark(*_span(token), why)
    elif kind == "table_open":
        reader.mark(*_span(token), "table")
    return 0


def read_markdown(source: str, reader: Reader, path: Path | None = None) -> None:
    """Read ``source`` (the body, newlines normalised) with markdown-it into ``reader``.

    Raises :class:`TaskError` (with the line) when lists or quotes nest too deeply for the
    parser to read, rather than dropping the tasks inside them.
    """
    from markdown_it import MarkdownIt  # imported here: plain task lists never need it

    tokens = MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).parse(source)
    # markdown-it stops reading at its nesting limit; say so rather than lose tasks
    if deep := next((t for t in tokens if t.level >= _MAX_NESTING - 1), None):
        where = reader.offset + deep.map[0] + 1 if deep.map else None
        raise TaskError("lists or quotes nested too deeply to read", path, where)
    items: list[Task | None] = []  # list items we are inside, innermost last
    ordered: list[bool] = []
    quotes = 0
    heading: str | None = None
    for index, token in enumerate(tokens):
        kind = token.type
        quotes += _mark(reader, token)
        if quotes:
            continue
        if kind == "heading_open":
            heading = tokens[index + 1].content.strip()
            reader.mark(*_span(token), "heading")
        elif kind in ("bullet_list_open", "ordered_list_open"):
            ordered.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            ordered.pop()
        elif kind == "list_item_close":
            items.pop()
        elif kind == "list_item_open":
            inline = _first_inline(tokens, index)
            task = None
            if inline is not None and inline.map is not None:
                number = token.info if ordered and ordered[-1] else None
                task = reader.item(inline.map[0], inline.content, items, heading, number)
            items.append(task)


#: A list with at least this many tasks is kept out of later garbage collections.
LONG_LIST = 10_000


def parse_tasks(text: str, path: Path | None = None, front_matter: bool = True,
                *, scanner: bool = True) -> TaskList:
    """Every checkbox list item of ``text`` (front matter skipped; with ``front_matter``
    False the whole text is Markdown), with its problems. ``scanner`` False reads with
    markdown-it even where the line scanner is exact (the tests compare the two).

    Python's cyclic garbage collector is paused meanwhile: a long list makes hundreds of
    thousands of objects, none of them garbage, and each collection on the way walks them
    all (a quarter of the parse of a 50,000-task list). A list of :data:`LONG_LIST` tasks
    or more is then frozen (``gc.freeze``: the objects alive are left out of later
    collections, which would walk them again two or three times in a ``done``; they are
    still freed when nothing refers to them, and tasks hold no reference cycles).

    Raises :class:`TaskError` (with the line) when lists or quotes nest too deeply for the
    parser to read, rather than dropping the tasks inside them.
    """
    if not gc.isenabled():
        return _parse(text, path, front_matter, scanner)
    gc.disable()
    try:
        tasks = _parse(text, path, front_matter, scanner)
        if len(tasks.tasks) >= LONG_LIST:
            gc.freeze()
        return tasks
    finally:
        gc.enable()


def _parse(text: str, path: Path | None, front_matter: bool, scanner: bool) -> TaskList:
    offset = frontmatter.body_line_offset(text, path) if front_matter else 0
    body = frontmatter.body(text, path) if front_matter else text
    # markdown-it ends a line at a bare "\r" too; split_lines (our line numbers) does not
    source = body.replace("\r\n", "\n").replace("\r", " ")
    lines = source.split("\n")
    reader = Reader(lines, offset)
    if not (scanner and scan_tasks(source, lines, reader)):
        reader = Reader(lines, offset)
        read_markdown(source, reader, path)
    tasks = reader.tasks
    assign_keys(tasks, reader.numbered, reader.parents)
    link(tasks, reader.parents)
    task_list = TaskList(path, tasks)
    resolve_references(task_list)
    reader.unread_lines()
    problems = reader.problems + id_problems(task_list)
    for cycle in cycles(task_list):
        message = "dependency cycle: " + " -> ".join(t.key for t in [*cycle, cycle[0]])
        problems.append(TaskProblem(cycle[0].line, "cycle", message))
    problems.sort(key=lambda problem: problem.line)
    task_list.problems = problems
    return task_list
