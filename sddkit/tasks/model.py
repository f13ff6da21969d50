"""The task model: one :class:`Task` per checkbox list item, a :class:`TaskList` per document,
and the :class:`TaskProblem` values that say what in a list sddkit could not read safely."""

from __future__ import annotations

import re
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sddkit.projects.blockers import Blocker

#: The key of a task without an id: its position, in a form a shell passes through as is.
POSITION_PREFIX = "task-"
_POSITION = re.compile(r"(?:#|task-)(\d+)", re.IGNORECASE)


def position_key(position: int) -> str:
    """``task-3`` for the third task (``#3`` is a comment in a shell; still accepted)."""
    return f"{POSITION_PREFIX}{position}"


def is_position_ref(ref: str) -> bool:
    """Whether ``ref`` names a task by position (``task-3``, ``#3``) rather than by id."""
    return _POSITION.fullmatch(ref.strip()) is not None


#: a ``verify:`` line that starts with this holds a shell command (a runnable check)
CHECK_PREFIX = "$ "

@dataclass
class Task:
    """One checkbox list item.

    ``key`` is its id, or ``task-N`` (its position) without one or when its id is taken by
    an earlier task. ``state`` is the item's own box: ``todo``, ``in-progress``, ``done``,
    ``cancelled`` (struck through or tagged; not counted) or ``unknown`` (a marker sddkit
    does not know; counted as open, never offered). A parent's state as a whole is
    :meth:`TaskList.state_of`. ``marker`` is the character between its
    brackets. ``claimed_by``/``claimed_at`` come from a ``claimed: NAME DATE`` child line,
    ``blocked`` from ``blocked: reason``, ``notes`` from ``note: ...`` lines.
    """

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
    marker: str = " "
    optional: bool = False
    claimed_by: str | None = None
    claimed_at: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def checks(self) -> list[str]:
        """The runnable checks: each ``verify: $ CMD`` line's command, in order. Other
        ``verify:`` lines are prose for a person to follow."""
        return [line[2:].strip() for line in self.verify
                if line.startswith(CHECK_PREFIX) and line[2:].strip()]


@dataclass
class TaskProblem:
    """Something in a task list sddkit could not read as a person would, at ``line``.

    ``kind``: errors ``duplicate-id``, ``unknown-dependency``, ``cycle``; warnings
    ``unknown-marker``, ``unread-dependency``, ``not-a-task``, ``unclosed-fence``,
    ``copy``, ``parent-ticked``.
    """

    line: int
    kind: str
    message: str
    severity: str = "error"  # "error" | "warning"


@dataclass
class TaskList:
    """The tasks of one document in document order, and the problems found among them."""

    path: Path | None
    tasks: list[Task]
    problems: list[TaskProblem] = field(default_factory=list)
    _by_key: dict[str, Task] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.index()

    def index(self) -> None:
        """Rebuild the key lookup (after keys changed)."""
        self._by_key = {}
        for task in self.tasks:
            self._by_key.setdefault(task.key.upper(), task)

    def replaced(self, old: Task, new: Task) -> TaskList:
        """A copy of this list with ``old`` replaced by ``new`` (same key, same place) and
        the same problems; its key lookup is copied, not rebuilt (a ``done`` in a long list)."""
        derived = copy(self)
        derived.tasks = [new if task is old else task for task in self.tasks]
        derived.problems = list(self.problems)
        derived._by_key = {key: new if task is old else task
                           for key, task in self._by_key.items()}
        return derived

    def get(self, ref: str) -> Task | None:
        """A task by id (case-insensitive, ``1.`` finds ``1``, ``t2`` finds ``T2``) or by
        position (``task-3``, or ``#3`` as older versions printed it)."""
        known = self._by_key.get(ref)
        if known is not None:  # a key as the index holds it (ids are kept normalised)
            return known
        ref = ref.strip()
        if position := _POSITION.fullmatch(ref):
            number = int(position.group(1))
            return self.tasks[number - 1] if 1 <= number <= len(self.tasks) else None
        from sddkit.tasks.lines import normalise  # the line grammar: not needed to load a model

        return self._by_key.get(normalise(ref).upper())

    def children_of(self, task: Task) -> Iterator[Task]:
        return (self._by_key[key.upper()] for key in task.children)

    def ancestors(self, task: Task) -> Iterator[Task]:
        """The parent of ``task``, its parent, and so on."""
        while task.parent is not None:
            task = self._by_key[task.parent.upper()]
            yield task

    def waits_on(self, task: Task) -> list[str]:
        """The dependency refs of ``task`` and of its ancestors, in order, each once (a
        parent's wait is its children's too)."""
        refs: list[str] = []
        if task.parent is None:  # (no ancestors: the common case, without the generator)
            for ref in task.depends:
                if ref not in refs:
                    refs.append(ref)
            return refs
        for owner in (task, *self.ancestors(task)):
            refs.extend(ref for ref in owner.depends if ref not in refs)
        return refs

    def is_cancelled(self, task: Task) -> bool:
        """Cancelled itself, or under a cancelled parent."""
        if task.parent is None:
            return task.state == "cancelled"
        return any(t.state == "cancelled" for t in (task, *self.ancestors(task)))

    def is_closed(self, task: Task) -> bool:
        """Nothing left to do: done, or cancelled (a dependency on it is met)."""
        return self.is_cancelled(task) or self.is_done(task)

    def is_done(self, task: Task) -> bool:
        """A leaf when ticked; a parent when each child is done, cancelled or optional (and
        at least one is done). A parent's own box does not decide: its children do."""
        if task.state == "cancelled":
            return False
        if task.is_leaf:
            return task.state == "done"
        children = list(self.children_of(task))
        if not all(self.is_closed(child) or child.optional for child in children):
            return False
        return any(self.is_done(child) for child in children) or task.state == "done"

    def state_of(self, task: Task) -> str:
        """The state a person reads for ``task`` as a whole: a leaf's own; a parent's from
        its children (done when they are; in-progress when some are; else its own box)."""
        if self.is_cancelled(task):
            return "cancelled"
        if task.is_leaf:
            return task.state
        if self.is_done(task):
            return "done"
        started = any(self.state_of(c) in ("done", "in-progress") for c in self.children_of(task))
        return "in-progress" if started else "todo" if task.state == "done" else task.state

    def leaves(self) -> list[Task]:
        return [task for task in self.tasks if task.is_leaf]

    def counted(self) -> list[Task]:
        """The leaves that make up progress: not cancelled, and not optional."""
        return [t for t in self.leaves() if not t.optional and not self.is_cancelled(t)]

    def progress(self) -> tuple[int, int]:
        """(done, total) over :meth:`counted` leaves."""
        leaves = self.counted()
        return sum(task.state == "done" for task in leaves), len(leaves)

    def nearest(self, ref: str, n: int = 3) -> list[str]:
        keys = [task.key for task in self.tasks]
        import difflib

        from sddkit.tasks.lines import normalise

        return difflib.get_close_matches(normalise(ref).upper(), keys, n=n) or keys[:n]

    def errors(self) -> list[TaskProblem]:
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class NextTask:
    """The task to do now, and the open tasks passed over on the way, with why.

    ``all_done``: the list has tasks and every counted one is done (optional ones may be
    open: they are in ``skipped`` with the kind ``optional``). ``skipped`` pairs each task
    passed over with its :class:`sddkit.projects.blockers.Blocker`.
    """

    task: Task | None
    skipped: list[tuple[Task, Blocker]]
    all_done: bool
