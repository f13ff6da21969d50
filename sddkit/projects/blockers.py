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

from sddkit.workspace import PHASES

# The project model and the task list are typed ``Any`` here: ``project`` and ``tasks`` ask
# this module for their blockers, so importing them back (even for typing) would be a cycle.
Project = Any  # sddkit.projects.project.Project
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
WAITING = "waits"  # a task (or a parent of it) depends on open tasks
OPEN_SUBTASKS = "open-subtasks"  # a parent task whose required subtasks are not all done
CANCELLED = "cancelled"  # a cancelled task: nothing to check off
UNKNOWN_MARKER = "unknown-marker"  # a checkbox marker sddkit cannot read
OPTIONAL = "optional"  # an optional task (`[ ]*`): never handed out, never required
SEQUENTIAL = "sequential"  # a list with [P] runs: a later run waits for the earlier one
CLAIMED = "claimed"  # another agent's claim (`claimed: NAME DATE`)
STALE_CLAIM = "stale-claim"  # another agent's claim older than the claim age

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
    CANCELLED: "cancelled",
    UNKNOWN_MARKER: "has the checkbox marker [{detail}], which sddkit does not know "
                    "(write [ ], [-] or [x])",
    OPTIONAL: "optional",
    SEQUENTIAL: "sequential: waits for the tasks before it",
    CLAIMED: "claimed by {detail}{since}",
    STALE_CLAIM: "claimed by {detail}{since} (stale: `sdd start {task} --steal` takes it over)",
}
#: Task kinds ``sdd done --force`` may override (recorded in the done mark).
FORCIBLE = frozenset({TASK_BLOCKED, WAITING, UNKNOWN_MARKER})
#: What moves a held task on, for ``sdd done``'s refusal.
REMEDIES = {
    OPEN_SUBTASKS: "check those first",
    WAITING: "finish them first",
    TASK_BLOCKED: "clear its `blocked:` line first",
    CANCELLED: "there is nothing to check off",
    UNKNOWN_MARKER: "fix the marker first",
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
    ``cause``/``earlier``/``status`` say why a phase is stale (see :data:`CAUSES`);
    ``since`` is when a claim was made (``YYYY-MM-DDTHH:MMZ``, None when undated).
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
    since: str | None = None

    # --- wording -----------------------------------------------------------------------
    @property
    def reason(self) -> str:
        """The kind's reason phrase, filled in: ``"changed since approval"``."""
        since = f" since {self.since}" if self.since else ""
        text = REASONS[self.kind].format(detail=self.detail or "", since=since, task=self.task)
        if self.kind == STALE and self.cause is not None:
            text += ": " + CAUSES[self.cause].format(earlier=self.earlier, status=self.status)
        return text

    @property
    def forcible(self) -> bool:
        """Whether ``sdd done --force`` may check the task off anyway."""
        return self.kind in FORCIBLE

    @property
    def keys(self) -> tuple[str, ...]:
        """The task keys a held task waits for, or a parent's open subtasks."""
        if self.kind in (WAITING, OPEN_SUBTASKS) and self.detail:
            return tuple(self.detail.split(", "))
        return ()

    @property
    def claim(self) -> bool:
        """Whether another agent's claim (fresh or stale) is what holds the task."""
        return self.kind in (CLAIMED, STALE_CLAIM)

    @property
    def subject(self) -> str:
        if self.task is not None:
            return self.task
        if self.phase is not None and self.kind not in (BLOCKED, TASKS_HELD):
            return f"{self.phase} of {self.project}"
        return self.project

    def sentence(self) -> str:
        """The subject and its reason: ``"spec of demo changed since approval"``."""
        verb = "" if self.kind in (CHANGED, IN_REVIEW, WAITING, OPEN_SUBTASKS,
                                   UNKNOWN_MARKER) else "is "
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
        return f"write {phase}, then `sdd ready {self.project}`"

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
        more = " (or --force)" if self.forcible else ""
        return f"{REMEDIES.get(self.kind, 'clear it first')}{more}"

    def overridden(self) -> str:
        """What ``sdd done --force`` went past, as its done mark records it
        (``<!-- done DATE SHA forced: open T001, T002 -->``): ``open KEYS``, ``blocked``,
        ``unknown-marker``."""
        if self.kind == WAITING:
            return f"open {self.detail}"
        return "blocked" if self.kind == TASK_BLOCKED else self.kind

    def needs_person(self) -> str | None:
        """What a person must do (unblock the project, approve a phase), or None."""
        if self.kind == BLOCKED:
            return f"{self.reason} (`{self.command}`)"
        if self.kind == IN_REVIEW:
            return f"{self.phase} {self.reason} (`{self.command}`)"
        return None

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
    """Why an open ``task`` of ``tasks`` (a ``tasks.TaskList``) cannot be done now, or None
    when it can: it is cancelled; (a parent) its required subtasks are open; it or an
    ancestor is blocked; it or an ancestor waits on open tasks (a cancelled dependency is
    met); its checkbox marker is unknown. ``sdd next`` passes such a task over and
    ``sdd done`` refuses it (docs/tasks.md)."""
    key = task.key
    if tasks.is_cancelled(task):
        return Blocker(CANCELLED, project, task=key)
    if task.children:
        open_children = [c.key for c in tasks.children_of(task)
                         if not tasks.is_closed(c) and not c.optional]
        if open_children:
            return Blocker(OPEN_SUBTASKS, project, task=key, detail=", ".join(open_children))
    for owner in (task, *tasks.ancestors(task)):
        if owner.blocked is not None:
            return Blocker(TASK_BLOCKED, project, task=key, detail=owner.blocked)
    waiting = [ref for ref in tasks.waits_on(task)
               if (dependency := tasks.get(ref)) is None or not tasks.is_closed(dependency)]
    if waiting:
        return Blocker(WAITING, project, task=key, detail=", ".join(waiting))
    if task.state == "unknown":
        return Blocker(UNKNOWN_MARKER, project, task=key, detail=task.marker)
    return None


def passed_over(kind: str, task: Task, project: str = "", *, claimant: str | None = None,
                since: str | None = None) -> Blocker:
    """A task ``sdd next`` passes over for a reason outside the task itself: ``kind`` is
    :data:`OPTIONAL`, :data:`SEQUENTIAL`, :data:`CLAIMED` or :data:`STALE_CLAIM` (with the
    ``claimant``'s name and the claim's ``since``)."""
    return Blocker(kind, project, task=task.key, detail=claimant, since=since)


def stale_cause(project: Project, phase: str) -> str:
    """Why an approved ``phase`` is stale, in words: ``"spec was approved again"``."""
    cause, earlier, status = _stale_cause(project, phase)
    return CAUSES[cause].format(earlier=earlier, status=status)
