"""What both task readers (:mod:`.scan`, the line scanner, and :mod:`.parse`, markdown-it)
report into: one :class:`Reader` collects the tasks, their nesting, the directive child
lines, and the lines a person reads as tasks that are not read as tasks.

The readers call it in document order with plain values (line numbers, a list item's first
paragraph as markdown-it's inline token holds it), so that a document read by either one
gives the same :class:`~.model.TaskList`, problem for problem.
"""

from __future__ import annotations

import re

from sddkit.tasks.lines import (
    KNOWN_MARKERS,
    dependency_ids,
    explicit_none,
    read_claim,
    read_directive,
    plain_head,
    read_head,
    read_plain_head,
)
from sddkit.tasks.model import Task, TaskProblem

# a line a person reads as a task: list markers (or none), an optional id, a box, text
_LOOKS_LIKE_TASK = re.compile(
    r"^[ \t>]*(?:#{1,6}[ \t]+)?(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*"
    r"(?:(?:[Tt]\d+[a-z]?|\d+(?:\.\d+)*\.?):?[ \t]+)?\[(?:[ xX]|[^\]\w\s])\]\*?[ \t]+\S"
)
# a child line naming dependencies by T ids only (dependency_ids reads each as written)
_PLAIN_DEPENDS = re.compile(r"depends: (T[0-9]+(?:, T[0-9]+)*)")
_TABLE_BOX = re.compile(r"\|[ \t]*\[(?:[ xX]|[^\]\w\s|])\][ \t]*\|")
_WHY_NOT = {
    "indented": "indented as code (4 or more spaces after a paragraph), so not "
    "read as a task: indent it less, or make it a list item",
    "heading": "a checkbox in a heading is not read as a task: make it a list item",
    "table": "a checkbox in a table is not read as a task: write it as a list item",
    "html": "inside an HTML block, so not read as a task: leave a blank line "
    "between the HTML and the list",
}
_NOT_AN_ITEM = ("looks like a task but is not the start of a list item, so it is not "
                "read as one: start it on its own line with `- [ ]`")


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


class Reader:
    """One pass over a document: the tasks, their nesting, and the lines not read as tasks.

    ``lines`` are the body's lines (split on ``"\\n"``, after ``\\r\\n`` became ``\\n``);
    ``offset`` is the number of file lines before the body (front matter), added to every
    0-based body line to give the 1-based file line a task or problem reports.
    """

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

    def item(self, start: int, content: str, items: list[Task | None], heading: str | None,
             number: str | None) -> Task | None:
        """A list item whose first paragraph starts on body line ``start`` (0-based) and
        holds ``content`` (markdown-it's inline content: lines joined with ``"\\n"``, the
        item's indentation removed, trimmed). ``items``: the tasks of the enclosing items,
        outermost first (None for an item that is not a task); ``number``: the item's number
        in an ordered list (as written, ``"01"``), None in a bullet list. Returns the task,
        or None when the item is not one (then its lines are the enclosing item's directive
        lines, read here). Items come in document order."""
        lead = content[:1]  # a box, or an id before one (CHECKBOX): else no task
        task = (self._add(start, content, items, heading, number)
                if lead == "[" or lead in "Tt" or lead.isdigit() else None)
        if task is None and items and items[-1] is not None:
            # the two common child lines, read as _apply_directives reads them
            if content.startswith("verify: ") and "\n" not in content:
                items[-1].verify.append(content[8:].strip())
            elif (plain := _PLAIN_DEPENDS.fullmatch(content)) is not None:
                depends = items[-1].depends
                for ref in plain.group(1).split(", "):
                    if ref not in depends:
                        depends.append(ref)
            else:
                self._unread(items[-1], _apply_directives(items[-1], content.split("\n")))
        return task

    def bullet(self, start: int, content: str, items: list[Task | None],
               heading: str | None) -> Task | None:
        """:meth:`item` for an item of a bullet list whose first paragraph is one line (what
        the line scanner reads most): the common task line and the common ``verify:``
        child line are read without the general path. The same answer as :meth:`item`
        (``tests/test_tasks_scan.py`` compares the scanner, which calls this, with
        markdown-it, which calls :meth:`item`)."""
        if content[:1] == "[":
            fields = plain_head(content)
            if fields is not None:
                marker, task_id, text, done_mark, parallel, story, optional = fields
                return self._task(start, content, items, heading, None, marker, task_id, text,
                                  done_mark, parallel, story, optional, False, [], [])
        elif items and (outer := items[-1]) is not None and content.startswith("verify: "):
            outer.verify.append(content[8:].strip())
            return None
        return self.item(start, content, items, heading, None)

    def _add(self, start: int, content: str, items: list[Task | None], heading: str | None,
             number: str | None) -> Task | None:
        head = read_plain_head(content)
        if head is None:
            head = read_head(content)
        if head is None:
            return None
        return self._task(start, content, items, heading, number, head.marker, head.id,
                          head.text, head.done_mark, head.parallel, head.story, head.optional,
                          head.cancelled, head.depends, head.unread_depends)

    def _task(self, start: int, content: str, items: list[Task | None], heading: str | None,
              number: str | None, marker: str, task_id: str | None, text: str,
              done_mark: str | None, parallel: bool, story: str | None, optional: bool,
              cancelled: bool, depends: list[str], unread: list[str]) -> Task | None:
        """The task of the item :meth:`_add` read (its :class:`~.lines.Head`'s fields)."""
        line = self.offset + start + 1
        self.task_lines.add(start)
        key = task_id.upper() if task_id is not None else None
        first = self.first_by_id.get(key) if key is not None else None
        if (first is not None and first.heading != heading
                and " ".join(first.text.split()).lower() == " ".join(text.split()).lower()):
            self.problems.append(TaskProblem(
                line, "copy", f"a copy of {first.id} (line {first.line}): not counted; "
                "keep one list, or strike the copy out of the checklist", "warning"))
            return None
        state = "cancelled" if cancelled else KNOWN_MARKERS.get(marker, "unknown")
        task = Task("", task_id, len(self.tasks) + 1, text, state, line, depends=depends,
                    parallel=parallel, story=story, heading=heading, done_mark=done_mark,
                    marker=marker, optional=optional)
        if key is not None:
            self.first_by_id.setdefault(key, task)
        if "\n" in content:
            unread = unread + _apply_directives(task, content.split("\n")[1:])
        if unread:
            self._unread(task, unread)
        if state == "unknown":
            self.problems.append(TaskProblem(
                line, "unknown-marker", f"checkbox marker [{marker}] is not one sddkit "
                "knows: counted as open, never offered by `sdd next`; write [ ], [-] or [x]",
                "warning"))
        parent = None
        for outer in reversed(items):
            if outer is not None:
                parent = outer
                break
        self.parents[task.position] = parent
        if number is not None and number.isdigit() and parent is None:
            self.numbered[task.position] = str(int(number))
        self.tasks.append(task)
        return task

    def _unread(self, task: Task, unread: list[str]) -> None:
        for value in unread:
            self.problems.append(TaskProblem(
                task.line, "unread-dependency", f"dependency {value!r} names no task id: "
                "ignored (write the id, e.g. `depends: T001` or `depends: 1.2`)", "warning"))

    def mark(self, start: int, end: int, why: str) -> None:
        """Body lines ``start`` to ``end`` (0-based, end excluded) are not read as tasks
        because they are ``why``: ``code``, ``comment``, ``quote``, ``indented``,
        ``heading``, ``table``, ``html`` (the first reason given for a line stands)."""
        for number in range(start, end):
            self.context.setdefault(number, why)

    def fence(self, start: int, end: int, markup: str) -> None:
        """A fenced block on body lines ``start`` to ``end`` (0-based, end excluded) opened
        by ``markup`` (the fence characters): code, or, when it never closes, the lines it
        swallowed."""
        last = self.lines[end - 1] if end - 1 < len(self.lines) else ""
        char, size = markup[:1], len(markup)
        closing = re.fullmatch(rf"[ \t>]*{re.escape(char)}{{{size},}}[ \t]*\n?", last)
        if end - 1 > start and closing:
            self.mark(start, end, "code")
        else:
            self.mark(start, end, f"unclosed:{start}")

    def unread_lines(self) -> None:
        """A warning for each line that looks like a task but is not read as one."""
        fences: dict[str, int] = {}
        for number, line in enumerate(self.lines):
            if "[" not in line or number in self.task_lines:
                continue  # (both patterns below need a "[")
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
            message = _WHY_NOT.get(why, _NOT_AN_ITEM)
            self.problems.append(TaskProblem(where, "not-a-task", message, "warning"))
