"""Reading a ``tasks.md`` into a :class:`~.model.TaskList` with markdown-it-py.

A checkbox inside a fenced block, a quote or an HTML comment is not a task, and each
token's line map places a task on its file line. Every other line that a person would read
as a task but sddkit does not (a checkbox in indented code, in a fence that never closes,
in a heading, in a table, or not at the start of a list item) becomes a warning, so that
nothing a person reads as work silently drops out of the count.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sddkit.errors import TaskError
from sddkit.io import frontmatter
from sddkit.tasks.cycles import cycles
from sddkit.tasks.lines import (
    KNOWN_MARKERS,
    dependency_ids,
    explicit_none,
    read_claim,
    read_directive,
    read_head,
)
from sddkit.tasks.link import assign_keys, id_problems, link, resolve_references
from sddkit.tasks.model import Task, TaskList, TaskProblem

if TYPE_CHECKING:
    from markdown_it.token import Token

_MAX_NESTING = 100  # token levels: about 45 nested lists
# a line a person reads as a task: list markers (or none), an optional id, a box, text
_LOOKS_LIKE_TASK = re.compile(
    r"^[ \t>]*(?:#{1,6}[ \t]+)?(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*"
    r"(?:(?:[Tt]\d+[a-z]?|\d+(?:\.\d+)*\.?):?[ \t]+)?\[(?:[ xX]|[^\]\w\s])\]\*?[ \t]+\S"
)
_TABLE_BOX = re.compile(r"\|[ \t]*\[(?:[ xX]|[^\]\w\s|])\][ \t]*\|")


def _apply_directives(task: Task, lines: list[str]) -> list[str]:
    """Read ``verify:``, ``depends:``, ``blocked:``, ``claimed:``, ``note:`` child lines into
    ``task``; returns the dependency texts that name no task id."""
    unread: list[str] = []
    for raw in lines:
        found = read_directive(raw)
        if found is None:
            continue
        if found.name == "verify":
            task.verify.append(found.value)
        elif found.name == "blocked":
            task.blocked = found.value or "blocked"
        elif found.name == "claimed":
            task.claimed_by, task.claimed_at = read_claim(found.value)
        elif found.name == "note":
            task.notes.append(found.value)
        else:
            ids = dependency_ids(found.value)
            task.depends.extend(d for d in ids if d not in task.depends)
            if not ids and not explicit_none(found.value):
                unread.append(found.value)
    return unread


def _first_inline(tokens: list[Token], index: int) -> Token | None:
    """The inline token of the paragraph a list item opens with, if it opens with one."""
    if index + 2 < len(tokens) and tokens[index + 1].type == "paragraph_open":
        inline = tokens[index + 2]
        return inline if inline.type == "inline" and inline.map is not None else None
    return None


class _Reader:
    """One pass over the tokens: the tasks, their nesting, and the lines not read as tasks."""

    def __init__(self, lines: list[str], offset: int) -> None:
        self.lines = lines
        self.offset = offset
        self.tasks: list[Task] = []
        self.parents: dict[int, Task | None] = {}
        self.numbered: dict[int, str] = {}
        self.problems: list[TaskProblem] = []
        self.task_lines: set[int] = set()  # 0-based body lines
        self.context: dict[int, str] = {}  # 0-based body line -> why it is not read as a task
        self.first_by_id: dict[str, Task] = {}

    def add(self, token: Token, inline: Token, items: list[Task | None], heading: str | None,
            ordered: bool) -> Task | None:
        assert inline.map is not None
        head = read_head(inline.content)
        if head is None:
            return None
        line = self.offset + inline.map[0] + 1
        self.task_lines.add(inline.map[0])
        first = self.first_by_id.get(head.id.upper()) if head.id is not None else None
        if first is not None and first.heading != heading:
            if " ".join(first.text.split()).lower() == " ".join(head.text.split()).lower():
                self.problems.append(TaskProblem(
                    line, "copy", f"a copy of {first.id} (line {first.line}): not counted; "
                    "keep one list, or strike the copy out of the checklist", "warning"))
                return None
        state = KNOWN_MARKERS.get(head.marker, "unknown")
        if head.cancelled:
            state = "cancelled"
        task = Task(
            key="", id=head.id, position=len(self.tasks) + 1, text=head.text, state=state,
            line=line, depends=head.depends, parallel=head.parallel, story=head.story,
            heading=heading, done_mark=head.done_mark, marker=head.marker,
            optional=head.optional,
        )
        if head.id is not None:
            self.first_by_id.setdefault(head.id.upper(), task)
        unread = head.unread_depends + _apply_directives(task, inline.content.split("\n")[1:])
        self._unread(task, unread)
        if state == "unknown":
            self.problems.append(TaskProblem(
                line, "unknown-marker", f"checkbox marker [{head.marker}] is not one sddkit "
                "knows: counted as open, never offered by `sdd next`; write [ ], [-] or [x]",
                "warning"))
        self.parents[task.position] = next((t for t in reversed(items) if t), None)
        if ordered and token.info.isdigit() and self.parents[task.position] is None:
            self.numbered[task.position] = str(int(token.info))
        self.tasks.append(task)
        return task

    def _unread(self, task: Task, unread: list[str]) -> None:
        for value in unread:
            self.problems.append(TaskProblem(
                task.line, "unread-dependency", f"dependency {value!r} names no task id: "
                "ignored (write the id, e.g. `depends: T001` or `depends: 1.2`)", "warning"))

    def directives(self, task: Task, inline: Token) -> None:
        self._unread(task, _apply_directives(task, inline.content.split("\n")))

    def mark(self, token: Token, why: str) -> None:
        if token.map is not None:
            for number in range(token.map[0], token.map[1]):
                self.context.setdefault(number, why)

    def unread_lines(self) -> None:
        """A warning for each line that looks like a task but is not read as one."""
        fences: dict[str, int] = {}
        for number, line in enumerate(self.lines):
            if number in self.task_lines:
                continue
            if _TABLE_BOX.search(line):
                why = self.context.get(number, "")
                if why in ("", "table"):
                    self.problems.append(TaskProblem(
                        self.offset + number + 1, "not-a-task", "a checkbox in a table is not "
                        "read as a task: write tasks as list items (`- [ ] T001 ...`)",
                        "warning"))
                continue
            if not _LOOKS_LIKE_TASK.match(line):
                continue
            why = self.context.get(number, "")
            where = self.offset + number + 1
            if why in ("code", "comment", "quote"):
                continue  # an example, commented out, or quoted: not read as work
            if why.startswith("unclosed:"):
                start = int(why.split(":")[1])
                fences[why] = fences.get(why, 0) + 1
                if fences[why] == 1:
                    self.problems.append(TaskProblem(
                        self.offset + start + 1, "unclosed-fence", "a code fence opened here "
                        "never closes, so the task lines after it are not read (first at line "
                        f"{where}): close the fence", "warning"))
                continue
            message = {
                "indented": "indented as code (4 or more spaces after a paragraph), so not "
                "read as a task: indent it less, or make it a list item",
                "heading": "a checkbox in a heading is not read as a task: make it a list item",
                "table": "a checkbox in a table is not read as a task: write it as a list item",
                "html": "inside an HTML block, so not read as a task: leave a blank line "
                "between the HTML and the list",
            }.get(why, "looks like a task but is not the start of a list item, so it is not "
                  "read as one: start it on its own line with `- [ ]`")
            self.problems.append(TaskProblem(where, "not-a-task", message, "warning"))

    def fence(self, token: Token) -> None:
        """A fenced block: code, or, when it never closes, the lines it swallowed."""
        assert token.map is not None
        start, end = token.map
        last = self.lines[end - 1] if end - 1 < len(self.lines) else ""
        char, size = token.markup[:1], len(token.markup)
        closing = re.fullmatch(rf"[ \t>]*{re.escape(char)}{{{size},}}[ \t]*\n?", last)
        if end - 1 > start and closing:
            self.mark(token, "code")
        else:
            self.mark(token, f"unclosed:{start}")


def parse_tasks(text: str, path: Path | None = None, front_matter: bool = True) -> TaskList:
    """Every checkbox list item of ``text`` (front matter skipped; with ``front_matter``
    False the whole text is Markdown), with its problems.

    Raises :class:`TaskError` (with the line) when lists or quotes nest too deeply for the
    parser to read, rather than dropping the tasks inside them.
    """
    offset = frontmatter.body_line_offset(text, path) if front_matter else 0
    body = frontmatter.body(text, path) if front_matter else text
    # markdown-it ends a line at a bare "\r" too; split_lines (our line numbers) does not
    source = body.replace("\r\n", "\n").replace("\r", " ")
    from markdown_it import MarkdownIt  # imported here: read paths served from the cache skip it

    tokens = MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).parse(source)
    # markdown-it stops reading at its nesting limit; say so rather than lose tasks
    if deep := next((t for t in tokens if t.level >= _MAX_NESTING - 1), None):
        where = offset + deep.map[0] + 1 if deep.map else None
        raise TaskError("lists or quotes nested too deeply to read", path, where)
    reader = _Reader(source.split("\n"), offset)
    items: list[Task | None] = []  # list items we are inside, innermost last
    ordered: list[bool] = []
    quotes = 0
    heading: str | None = None
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "blockquote_open":
            quotes += 1
            reader.mark(token, "quote")
        elif kind == "blockquote_close":
            quotes -= 1
        elif kind == "fence":
            reader.fence(token)
        elif kind == "code_block":
            reader.mark(token, "indented")
        elif kind == "html_block":
            reader.mark(token, "comment" if token.content.lstrip().startswith("<!--") else "html")
        elif kind == "table_open":
            reader.mark(token, "table")
        if quotes:
            continue
        if kind == "heading_open":
            heading = tokens[index + 1].content.strip()
            reader.mark(token, "heading")
        elif kind in ("bullet_list_open", "ordered_list_open"):
            ordered.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            ordered.pop()
        elif kind == "list_item_close":
            items.pop()
        elif kind == "list_item_open":
            inline = _first_inline(tokens, index)
            task = None
            if inline is not None:
                task = reader.add(token, inline, items, heading, bool(ordered and ordered[-1]))
                if task is None and items and items[-1] is not None:
                    reader.directives(items[-1], inline)
            items.append(task)
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
