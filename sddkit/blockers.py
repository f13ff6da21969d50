"""What holds a project, a phase or a task back: one typed answer, worded in one place.

A :class:`Blocker` is computed here and only here (:func:`project_blocker`,
:func:`phase_blocker`, :func:`task_blocker`) and rendered by the methods below, which every
front end uses: ``sdd next`` (:meth:`Blocker.message`), ``sdd status`` and the inventory
(:meth:`Blocker.short`), ``sdd ready``/``approve``/``done`` refusals and ``sdd check``'s
SDD-004 (:meth:`Blocker.sentence`, :func:`stale_cause`). Each kind's reason is one string in :data:`REASONS`; change it
there and every command says the new words (``tests/test_blockers.py`` proves it).
A cached row stores the blocker's plain fields, never its wording.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .workspace import PHASES

# The project model and the task list are typed ``Any`` here: ``project`` and ``tasks`` ask
# this module for their blockers, so importing them back (even for typing) would be a cycle.
Project = Any  # sddkit.project.Project
TaskList = Any  # sddkit.tasks.TaskList
Task = Any  # sddkit.tasks.Task

# --- kinds ------------------------------------------------------------------------------
BLOCKED = "blocked"  # the project: the constitution's `blocked: REASON`
CHANGED = "changed-since-approval"  # an approved phase's body no longer hashes to its approval
STALE = "stale"  # approved against an earlier approval that is no longer current
DRAFT = "draft"  # the current phase is being written
IN_REVIEW = "in-review"  # the current phase waits for a person's approval
TASKS_HELD = "tasks-held"  # implementing, but every open task is blocked or waiting
TASK_BLOCKED = "task-blocked"  # a task (or a parent of it) has `blocked: REASON`
WAITING = "waiting"  # a task (or a parent of it) depends on open tasks
OPEN_SUBTASKS = "open-subtasks"  # a parent task whose subtasks are not all done

#: The one reason phrase of each kind. ``{detail}`` is the kind's data (the user's reason,
#: the task keys waited on, a status) and ``{cause}`` a stale phase's cause.
REASONS = {
    BLOCKED: "blocked: {detail}",
    CHANGED: "changed since approval",
    STALE: "stale",
    DRAFT: "draft",
    IN_REVIEW: "awaits approval by a person",
    TASKS_HELD: "all remaining tasks blocked",
    TASK_BLOCKED: "blocked: {detail}",
    WAITING: "waits for {detail}",
    OPEN_SUBTASKS: "has open subtasks ({detail})",
}
#: Why a phase is stale, by ``cause`` kind: ``{earlier}`` is the earlier phase.
CAUSES = {
    "approved-again": "{earlier} was approved again",
    "reopened": "{earlier} is {status} (reopened)",
    "unapproved": "{earlier} is {status}",
}


class Blocker(NamedTuple):
    """What holds ``project`` (and ``phase`` or ``task`` of it) back.

    ``kind`` is one of the constants above; ``detail`` its data (see :data:`REASONS`);
    ``cause``/``earlier``/``status`` say why a phase is stale (see :data:`CAUSES`).
    A named tuple of plain strings, so a row cache keeps it as a plain tuple (and makes it
    back cheaply: ``sdd next`` restores one per project).
    """

    kind: str
    project: str
    phase: str | None = None
    task: str | None = None
    detail: str | None = None
    cause: str | None = None
    earlier: str | None = None
    status: str | None = None

    # --- wording -----------------------------------------------------------------------
    @property
    def reason(self) -> str:
        """The kind's reason phrase, filled in: ``"changed since approval"``."""
        text = REASONS[self.kind].format(detail=self.detail or "")
        if self.kind == STALE and self.cause is not None:
            text += ": " + CAUSES[self.cause].format(earlier=self.earlier, status=self.status)
        return text
        return text

    @property
    def subject(self) -> str:
        if self.task is not None:
            return self.task
        if self.phase is not None and self.kind not in (BLOCKED, TASKS_HELD):
            return f"{self.phase} of {self.project}"
        return self.project

    def sentence(self) -> str:
        """The subject and its reason: ``"spec of demo changed since approval"``."""
        verb = "" if self.kind in (CHANGED, IN_REVIEW, WAITING, OPEN_SUBTASKS) else "is "
        if self.kind == TASKS_HELD:
            return f"{self.project}: {self.reason}"
        return f"{self.subject} {verb}{self.reason}"

    def short(self) -> str:
        """A few words for the inventory's Next column and ``sdd status``."""
        phase = self.phase
        if self.kind in (BLOCKED, TASKS_HELD):
            return self.reason
        if self.kind in (CHANGED, STALE):
            update = "update and " if self.kind == STALE else ""
            return f"{update}re-approve {phase} ({REASONS[self.kind]})"
        if self.kind == IN_REVIEW:
            return f"approve {phase} (a person)"
        return f"write {phase}, then `sdd ready`"

    def message(self, rel: str) -> str:
        """What ``sdd next`` says: the sentence and what opens the gate (``rel``: the
        document's path)."""
        name = self.project
        if self.kind == CHANGED:
            return (f"{self.sentence()}: review the change in {rel} (or revert it), then "
                    f"`sdd ready {name}` for re-approval")
        if self.kind == STALE:
            return f"{self.sentence()}; bring {rel} up to date, then `sdd ready {name}`"
        if self.kind == IN_REVIEW:
            return f"{self.sentence()} (`sdd approve {name}`); agents do not approve"
        if self.kind == DRAFT:
            return f"{self.sentence()}: write {rel}, then `sdd ready {name}`"
        return self.sentence()

    def remedy(self) -> str:
        """What moves a held task on, for ``sdd done``'s refusal."""
        if self.kind == OPEN_SUBTASKS:
            return "check those first"
        if self.kind == WAITING:
            return "finish them first (or --force)"
        return "clear its `blocked:` line first (or --force)"

    @property
    def command(self) -> str | None:
        """The command that moves it on, for ``sdd next``'s ``command``."""
        if self.kind == BLOCKED:
            return f"sdd unblock {self.project}"
        if self.kind == IN_REVIEW:
            return f"sdd approve {self.project}"
        if self.kind in (CHANGED, STALE, DRAFT):
            return f"sdd ready {self.project}"
        return None

    # --- cache -------------------------------------------------------------------------
    def to_tuple(self) -> tuple[str | None, ...]:
        return tuple(self)

    @classmethod
    def from_tuple(cls, values: Any) -> Blocker:
        return cls._make(values)


# --- computing ----------------------------------------------------------------------------


def _stale_cause(project: Project, phase: str) -> tuple[str, str, str | None]:
    """(cause kind, earlier phase, its status) for a stale ``phase``."""
    doc = project.docs[phase]
    for earlier in PHASES[: PHASES.index(phase)]:
        prev = project.docs.get(earlier)
        if prev is None or not prev.approved:
            status = prev.status if prev is not None else "missing"
            reopened = prev is not None and bool(prev.meta.get("reopened_at"))
            return ("reopened" if reopened else "unapproved"), earlier, status
        if doc.based_on.get(earlier) != prev.approved_sha256:
            return "approved-again", earlier, None
    return "approved-again", PHASES[0], None  # pragma: no cover - stale() found a mismatch


def phase_blocker(project: Project, phase: str) -> Blocker | None:
    """Why ``phase``'s gate is not open (None when it is: approved, unchanged, not stale)."""
    if project.clean(phase):
        return None
    doc = project.docs.get(phase)
    name = project.name
    if doc is not None and doc.changed:
        return Blocker(CHANGED, name, phase)
    if project.stale(phase):
        cause, earlier, status = _stale_cause(project, phase)
        return Blocker(STALE, name, phase, cause=cause, earlier=earlier, status=status)
    if doc is not None and doc.status == "review":
        return Blocker(IN_REVIEW, name, phase)
    return Blocker(DRAFT, name, phase, detail=doc.status if doc is not None else "missing")


def project_blocker(project: Project) -> Blocker | None:
    """What holds the project back now: blocked, then its current phase's gate, then (when
    implementing) every open task held. None when it can move (or is complete)."""
    if project.blocked:
        return Blocker(BLOCKED, project.name, project.current_phase, detail=project.blocked)
    if not project.implementing:
        return phase_blocker(project, project.current_phase)
    summary = project.task_summary
    if summary is not None and not summary.all_done and summary.next is None:
        return Blocker(TASKS_HELD, project.name, "tasks")
    return None


def task_blocker(tasks: TaskList, task: Task, project: str = "") -> Blocker | None:
    """Why an open ``task`` cannot be done now: (a parent) its subtasks are open, it or a
    parent is blocked, or it or a parent waits on open tasks. None when it can."""
    if not task.is_leaf:
        open_children = [key for key in task.children
                         if (child := tasks.get(key)) is not None and not tasks.is_done(child)]
        if open_children:
            return Blocker(OPEN_SUBTASKS, project, task=task.key, detail=", ".join(open_children))
    owners = (task, *tasks.ancestors(task))
    for owner in owners:
        if owner.blocked is not None:
            return Blocker(TASK_BLOCKED, project, task=task.key, detail=owner.blocked)
    waiting: list[str] = []
    for owner in owners:
        for ref in owner.depends:
            dependency = tasks.get(ref)
            if ref not in waiting and (dependency is None or not tasks.is_done(dependency)):
                waiting.append(ref)
    if waiting:
        return Blocker(WAITING, project, task=task.key, detail=", ".join(waiting))
    return None


def stale_cause(project: Project, phase: str) -> str:
    """Why an approved ``phase`` is stale, in words: ``"spec was approved again"``."""
    cause, earlier, status = _stale_cause(project, phase)
    return CAUSES[cause].format(earlier=earlier, status=status)
