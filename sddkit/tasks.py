"""Tasks: read a ``tasks.md`` into tasks, pick the next one, tick one off.

The list is parsed with markdown-it-py, so a checkbox inside a code block, a quote or
an HTML comment is not a task, and each token's line map places a task on its file
line. Edits change only the checkbox characters of that line and append a done mark.

Read as they are: sddkit and spec-kit lists (``- [ ] T001 [P] [US1] ...``), Kiro/cc-sdd
and agent-os lists (``- [ ] 1. Set up``, ``- [ ] 1.1 ... (P)``, ``_Depends: 1.1_``, sub-tasks
nested or flat after their major task) and plain checklists (tasks addressed as ``#N``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _frontmatter
from .errors import TaskError
from .markers import split_lines

if TYPE_CHECKING:
    from markdown_it.token import Token

_STATES = {" ": "todo", "-": "in-progress", "x": "done", "X": "done"}

# on a list item's inline content: the checkbox (cc-sdd marks optional tasks "[ ]*")
_CHECKBOX = re.compile(r"\[([ xX-])\]\*?[ \t]+(?=\S)")
# on the source line: list markers, then the checkbox whose column we edit
_SOURCE_BOX = re.compile(r"[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*\[([ xX-])\]")
_ID = re.compile(r"(?:\*\*)?(T\d+|\d+(?:\.\d+)+\.?|\d+\.)(?:\*\*)?(?=\s|$)")
_LEAD_MARKER = re.compile(r"\s*(\[P\]|\(P\)|\[US\d+\])")
_TRAIL_MARKER = re.compile(r"\s*(\[P\]|\(P\)|\[US\d+\])\s*$")
_DONE_MARK = re.compile(r"[ \t]*<!--\s*done\b\s*(.*?)\s*-->[ \t]*$")
_INLINE_DEPENDS = re.compile(r"\s*\(\s*depends(?:\s+on)?\s*:?\s*([^)]*)\)", re.IGNORECASE)
_DIRECTIVE = re.compile(r"(verify|blocked|depends(?:\s+on)?)\s*:\s*(.*)", re.IGNORECASE)
_NOT_IDS = {"", "and", "none", "-", "n/a"}
_MAX_NESTING = 100  # token levels: about 45 nested lists


@dataclass
class Task:
    """One checkbox list item; ``key`` is its id, or ``#N`` (its position) without one."""

    key: str
    id: str | None
    position: int
    text: str
    state: str
    line: int
    depth: int = 0
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    depends: list[str] = field(default_factory=list)
    blocked: str | None = None
    verify: list[str] = field(default_factory=list)
    parallel: bool = False
    story: str | None = None
    heading: str | None = None
    done_mark: str | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass
class TaskProblem:
    line: int
    kind: str  # "duplicate-id" | "unknown-dependency" | "cycle"
    message: str


@dataclass
class TaskList:
    """The tasks of one document in document order, and the problems found among them."""

    path: Path | None
    tasks: list[Task]
    problems: list[TaskProblem] = field(default_factory=list)
    _by_key: dict[str, Task] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for task in self.tasks:
            self._by_key.setdefault(task.key.upper(), task)

    def get(self, ref: str) -> Task | None:
        """A task by id (case-insensitive, ``1.`` finds ``1``) or by position (``#3``)."""
        ref = ref.strip()
        if ref.startswith("#") and ref[1:].isdigit():
            number = int(ref[1:])
            return self.tasks[number - 1] if 1 <= number <= len(self.tasks) else None
        return self._by_key.get(_normalise(ref).upper())

    def is_done(self, task: Task) -> bool:
        """A leaf when ticked; a parent when all its children are done."""
        if task.is_leaf:
            return task.state == "done"
        return all(self.is_done(child) for child in self._children(task))

    def leaves(self) -> list[Task]:
        return [task for task in self.tasks if task.is_leaf]

    def progress(self) -> tuple[int, int]:
        leaves = self.leaves()
        return sum(task.state == "done" for task in leaves), len(leaves)

    def nearest(self, ref: str, n: int = 3) -> list[str]:
        keys = [task.key for task in self.tasks]
        import difflib

        return difflib.get_close_matches(_normalise(ref).upper(), keys, n=n) or keys[:n]

    def ancestors(self, task: Task) -> Iterator[Task]:
        """The parent of ``task``, its parent, and so on."""
        while task.parent is not None:
            task = self._by_key[task.parent.upper()]
            yield task

    def _children(self, task: Task) -> Iterator[Task]:
        return (self._by_key[key.upper()] for key in task.children)


@dataclass
class NextTask:
    """The task to do now, and the open tasks passed over on the way, with why."""

    task: Task | None
    skipped: list[tuple[Task, str]]
    all_done: bool


# --- parsing ---------------------------------------------------------------------------


def _normalise(ref: str) -> str:
    """An id as written by a user or a ``depends:`` line, in the form of a key."""
    ref = ref.strip().strip("`*").rstrip(".")
    return ref.upper() if re.fullmatch(r"[tT]\d+", ref) else ref


def _dependency_ids(value: str) -> list[str]:
    words = (word.strip("`*_") for word in re.split(r"[,;\s]+", value))
    return [_normalise(word) for word in words if word.lower() not in _NOT_IDS]


def _read_directives(task: Task, lines: list[str]) -> None:
    """``verify:``, ``depends:``, ``blocked:`` and Kiro ``_Depends: 1.2_`` lines."""
    for raw in lines:
        line = raw.strip()
        if len(line) > 2 and line.startswith("_") and line.endswith("_"):
            line = line[1:-1].strip()
        match = _DIRECTIVE.fullmatch(line)
        if match is None:
            continue
        name, value = match.group(1).lower(), match.group(2).strip()
        if name == "verify":
            task.verify.append(value)
        elif name == "blocked":
            task.blocked = value or "blocked"
        else:
            task.depends.extend(d for d in _dependency_ids(value) if d not in task.depends)


def _read_task(content: str, line: int, position: int, heading: str | None) -> Task | None:
    """The task a list item's first paragraph holds, or None when it has no checkbox."""
    box = _CHECKBOX.match(content)
    if box is None:
        return None
    first, *more = content[box.end() :].split("\n")
    done_mark = None
    if mark := _DONE_MARK.search(first):
        done_mark, first = mark.group(1), first[: mark.start()]
    task_id = None
    if found := _ID.match(first):
        task_id, first = _normalise(found.group(1)), first[found.end() :]
    parallel, story = False, None
    markers: list[str] = []
    while found := _LEAD_MARKER.match(first):
        markers.append(found.group(1))
        first = first[found.end() :]
    inline = _INLINE_DEPENDS.finditer(first)
    depends = list(dict.fromkeys(d for m in inline for d in _dependency_ids(m.group(1))))
    first = _INLINE_DEPENDS.sub("", first)
    while found := _TRAIL_MARKER.search(first):
        markers.append(found.group(1))
        first = first[: found.start()]
    for marker in markers:
        if marker in ("[P]", "(P)"):
            parallel = True
        else:
            story = marker[1:-1]
    task = Task(
        key=task_id or f"#{position}",
        id=task_id,
        position=position,
        text=first.strip(),
        state=_STATES[box.group(1)],
        line=line,
        depends=depends,
        parallel=parallel,
        story=story,
        heading=heading,
        done_mark=done_mark,
    )
    _read_directives(task, more)
    return task


def _first_inline(tokens: list[Token], index: int) -> Token | None:
    """The inline token of the paragraph a list item opens with, if it opens with one."""
    if index + 2 < len(tokens) and tokens[index + 1].type == "paragraph_open":
        inline = tokens[index + 2]
        return inline if inline.type == "inline" and inline.map is not None else None
    return None


def parse_tasks(text: str, path: Path | None = None) -> TaskList:
    """Every checkbox list item of ``text`` (front matter skipped), with its problems."""
    offset = _frontmatter.body_line_offset(text, path)
    # markdown-it ends a line at a bare "\r" too; split_lines (our line numbers) does not
    source = _frontmatter.body(text, path).replace("\r\n", "\n").replace("\r", " ")
    from markdown_it import MarkdownIt  # imported here: read paths served from the cache skip it

    tokens = MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).parse(source)
    # markdown-it stops reading at its nesting limit; say so rather than lose tasks
    if deep := next((t for t in tokens if t.level >= _MAX_NESTING - 1), None):
        where = offset + deep.map[0] + 1 if deep.map else None
        raise TaskError("lists or quotes nested too deeply to read", path, where)
    tasks: list[Task] = []
    parents: dict[int, Task | None] = {}  # by position: the enclosing checkbox item
    items: list[Task | None] = []  # list items we are inside, innermost last
    quotes = 0
    heading: str | None = None
    for index, token in enumerate(tokens):
        quotes += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        if quotes:
            continue
        if token.type == "heading_open":
            heading = tokens[index + 1].content.strip()
        elif token.type == "list_item_close":
            items.pop()
        elif token.type == "list_item_open":
            inline = _first_inline(tokens, index)
            task = None
            if inline is not None and inline.map is not None:
                line = offset + inline.map[0] + 1
                task = _read_task(inline.content, line, len(tasks) + 1, heading)
                if task is None and items and items[-1] is not None:
                    _read_directives(items[-1], inline.content.split("\n"))
            if task is not None:
                parents[task.position] = next((t for t in reversed(items) if t), None)
                tasks.append(task)
            items.append(task)
    _link(tasks, parents)
    task_list = TaskList(path, tasks)
    task_list.problems = _problems(task_list)
    return task_list


def _link(tasks: list[Task], parents: dict[int, Task | None]) -> None:
    """Give duplicates a ``#N`` key, attach flat Kiro sub-tasks, set parent/children/depth."""
    first_by_id: dict[str, Task] = {}
    for task in tasks:
        if task.id is not None:
            if task.id.upper() in first_by_id:
                task.key = f"#{task.position}"
            first_by_id.setdefault(task.id.upper(), task)
    nested = dict(parents)
    for task in tasks:
        # cc-sdd writes "- [ ] 1. Major" then "- [ ] 1.1 Sub" at the same level
        if task.id is not None and "." in task.id and first_by_id.get(task.id.upper()) is task:
            major = first_by_id.get(task.id.rsplit(".", 1)[0].upper())
            if (
                major is not None
                and major.position < task.position
                and nested[major.position] is nested[task.position]
            ):
                parents[task.position] = major
    for task in tasks:
        parent = parents[task.position]
        if parent is not None:
            task.parent = parent.key
            task.depth = parent.depth + 1
            parent.children.append(task.key)


# --- problems --------------------------------------------------------------------------


def _waits_on(tasks: TaskList, task: Task) -> list[str]:
    """The dependencies of ``task`` and of its ancestors (a parent's wait is its children's)."""
    refs: list[str] = []
    for owner in (task, *tasks.ancestors(task)):
        refs.extend(ref for ref in owner.depends if ref not in refs)
    return refs


def _problems(tasks: TaskList) -> list[TaskProblem]:
    """Duplicate ids, dependencies on unknown tasks and dependency cycles, by line."""
    problems: list[TaskProblem] = []
    for task in tasks.tasks:
        first = tasks.get(task.id) if task.id is not None else None
        if first is not None and first is not task:
            message = f"duplicate task id {task.id} (first at line {first.line})"
            problems.append(TaskProblem(task.line, "duplicate-id", message))
        for ref in task.depends:
            if tasks.get(ref) is None:
                message = f"{task.key} depends on unknown task {ref}"
                problems.append(TaskProblem(task.line, "unknown-dependency", message))
    for cycle in _cycles(tasks):
        message = "dependency cycle: " + " -> ".join(t.key for t in [*cycle, cycle[0]])
        problems.append(TaskProblem(cycle[0].line, "cycle", message))
    problems.sort(key=lambda problem: problem.line)
    return problems


def _cycles(tasks: TaskList) -> list[list[Task]]:
    """Cycles of "cannot be done before" edges (a parent waits for its children, a task
    for its and its parents' dependencies), found with graphlib (:mod:`sddkit.cycles`),
    each starting at its earliest task."""
    from .cycles import find_cycles

    edges = {
        task.position: [child.position for child in tasks._children(task)]
        + [target.position for ref in _waits_on(tasks, task)
           if (target := tasks.get(ref)) is not None]
        for task in tasks.tasks
    }
    by_position = {task.position: task for task in tasks.tasks}
    return [[by_position[p] for p in cycle[:-1]] for cycle in find_cycles(edges)]


# --- the next task ---------------------------------------------------------------------


def _hold(tasks: TaskList, task: Task) -> str | None:
    """Why an open leaf cannot be started now, or None when it can (see
    :func:`sddkit.blockers.task_blocker`, which ``sdd done`` asks too)."""
    from .blockers import task_blocker

    held = task_blocker(tasks, task)
    return held.reason if held is not None else None


def next_task(tasks: TaskList) -> NextTask:
    """The first open leaf, in document order, that is neither blocked nor waiting."""
    skipped: list[tuple[Task, str]] = []
    for task in tasks.leaves():
        if tasks.is_done(task):
            continue
        reason = _hold(tasks, task)
        if reason is None:
            return NextTask(task, skipped, all_done=False)
        skipped.append((task, reason))
    return NextTask(None, skipped, all_done=bool(tasks.tasks) and not skipped)


# --- editing ---------------------------------------------------------------------------


def _checkbox(text: str, task: Task, states: str) -> tuple[list[str], str, str, int]:
    """The lines of ``text``, the task line without and with its ending, and the box column."""
    lines = split_lines(text)
    line = lines[task.line - 1] if 0 < task.line <= len(lines) else ""
    ending = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""
    content = line[: len(line) - len(ending)]
    bom = 1 if content.startswith("\ufeff") else 0  # a BOM before the first line's bullet
    match = _SOURCE_BOX.match(content, bom)
    if match is None or match.group(1) not in states:
        wanted = "open" if " " in states else "ticked"
        raise TaskError(f"task {task.key}: line {task.line} has no {wanted} checkbox", None,
                        task.line)
    return lines, content, ending, match.start(1)


def set_done(text: str, task: Task, mark: str) -> str:
    """``text`` with the task's ``[ ]`` ticked and `` <!-- done MARK -->`` appended to its line."""
    if "-->" in mark or "\n" in mark or "\r" in mark:
        raise TaskError(f"a done mark cannot hold '-->' or a line break: {mark!r}")
    lines, content, ending, column = _checkbox(text, task, " -")
    suffix = f" <!-- done {mark} -->" if mark else " <!-- done -->"
    content = content[:column] + "x" + content[column + 1 :] + suffix
    lines[task.line - 1] = content + ending
    return "".join(lines)


def set_undone(text: str, task: Task) -> str:
    """``text`` with the task's ``[x]`` cleared and its done mark (and the space before) removed."""
    lines, content, ending, column = _checkbox(text, task, "xX")
    content = content[:column] + " " + content[column + 1 :]
    if mark := re.search(r" ?<!--\s*done\b.*?-->(?=[ \t]*$)", content):
        content = content[: mark.start()] + content[mark.end() :]
    lines[task.line - 1] = content + ending
    return "".join(lines)


# --- summary (what the inventory and status need, small enough to cache) ----------------


@dataclass(frozen=True)
class TaskSummary:
    """What ``sdd next``, the inventory and ``sdd status`` need of a list, without parsing it:
    progress, the latest done date, and the next task with the open tasks skipped before it.
    """

    done: int
    total: int
    last_done: str
    next: Task | None
    skipped: list[tuple[Task, str]]
    all_done: bool
    problems: int

    @property
    def next_key(self) -> str | None:
        return self.next.key if self.next else None

    @property
    def next_text(self) -> str | None:
        return self.next.text if self.next else None

    def to_tuple(self) -> tuple[object, ...]:
        """Plain values only (for the parse cache)."""
        return (
            self.done,
            self.total,
            self.last_done,
            _task_tuple(self.next) if self.next else None,
            [(_task_tuple(task), why) for task, why in self.skipped],
            self.all_done,
            self.problems,
        )

    @classmethod
    def from_tuple(cls, data: tuple[Any, ...]) -> TaskSummary:
        done, total, last_done, nxt, skipped, all_done, problems = data
        return cls(
            done,
            total,
            last_done,
            _task_from(nxt) if nxt else None,
            [(_task_from(task), why) for task, why in skipped],
            all_done,
            problems,
        )


_TASK_FIELDS = tuple(f.name for f in fields(Task))


def _task_tuple(task: Task) -> tuple[Any, ...]:
    return tuple(getattr(task, name) for name in _TASK_FIELDS)


def _task_from(values: tuple[Any, ...]) -> Task:
    return Task(**dict(zip(_TASK_FIELDS, values, strict=True)))


_MARK_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def summarise(tasks: TaskList) -> TaskSummary:
    done, total = tasks.progress()
    dates = [m for task in tasks.tasks if task.done_mark for m in _MARK_DATE.findall(task.done_mark)]
    found = next_task(tasks)
    return TaskSummary(
        done,
        total,
        max(dates) if dates else "",
        found.task,
        found.skipped,
        found.all_done,
        len(tasks.problems),
    )
