"""Handing tasks out to several agents: which tasks can start now, and whose claims stand.

``sdd next --as NAME`` gives NAME's own claimed task first, then the first task that can
start; ``sdd next --all`` lists every task that can start now. A task can start when it is
an open leaf, nothing holds it (:func:`sddkit.projects.blockers.task_blocker`: dependencies open,
blocked) and nobody else claims it. ``[P]``/``(P)`` is honoured as spec-kit and Kiro define it: when a list marks any
task parallel, unmarked tasks are sequential, so the tasks run in *runs* (consecutive ``[P]``
tasks form one run, each other task is a run of its own) and only the first run with an open
task is handed out. A list without any ``[P]`` is ordered by its dependencies alone.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from sddkit.projects.blockers import (
    CLAIMED,
    OPTIONAL,
    SEQUENTIAL,
    STALE_CLAIM,
    Blocker,
    passed_over,
)

_CLAIM_LINE = re.compile(r"^[ \t]*(?:[-+*][ \t]+)?claimed[ \t]*:", re.IGNORECASE | re.MULTILINE)

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from sddkit import json_shapes as shape


def has_claims(text: str) -> bool:
    """Whether a tasks document has any ``claimed:`` line (else the cached summary answers)."""
    return _CLAIM_LINE.search(text) is not None


@dataclass
class Handout:
    """One list seen by one agent: ``mine`` (its claimed open tasks), ``available`` (tasks
    anyone may start now, in document order), ``skipped`` (open tasks passed over, each with
    its :class:`~sddkit.projects.blockers.Blocker`: claimed by another, held, or later in a
    sequential list) and ``stale`` (others' claims
    older than the claim age: ``sdd start --steal`` takes them)."""

    mine: list[Any] = field(default_factory=list)
    available: list[Any] = field(default_factory=list)
    skipped: list[tuple[Any, Blocker]] = field(default_factory=list)
    stale: list[Any] = field(default_factory=list)

    @property
    def first(self) -> Any:
        """The task to do now: the agent's own claim first, then the first available."""
        return (self.mine or self.available or [None])[0]


def _runs(tasks: Any) -> dict[int, int]:
    """Leaf position -> run number (see the module docstring)."""
    leaves = tasks.leaves()
    uses_parallel = any(task.parallel for task in leaves)
    runs: dict[int, int] = {}
    run, previous_parallel = 0, False
    for task in leaves:
        if uses_parallel and not (task.parallel and previous_parallel):
            run += 1
        runs[task.position] = run
        previous_parallel = task.parallel
    return runs


def hand_out(tasks: Any, me: str | None, ttl: timedelta | None = None,
             now: datetime | None = None) -> Handout:
    """What ``me`` (a claimant name, or None for nobody's claims) may do in ``tasks``
    (a ``tasks.TaskList``) now."""
    from sddkit.projects.blockers import task_blocker
    from sddkit.tasks.claims import claim_of

    runs = _runs(tasks)
    result = Handout()
    current: int | None = None
    for task in tasks.leaves():
        if tasks.is_closed(task):
            continue
        if task.optional:
            result.skipped.append((task, passed_over(OPTIONAL, task)))
            continue
        claim = claim_of(task, ttl, now)
        if claim is not None and claim.name == me:
            result.mine.append(task)
            current = runs[task.position] if current is None else current
            continue
        if current is None:
            current = runs[task.position]
        if runs[task.position] != current:
            result.skipped.append((task, passed_over(SEQUENTIAL, task)))
            continue
        if claim is not None:
            if claim.stale:
                result.stale.append(task)
            kind = STALE_CLAIM if claim.stale else CLAIMED
            result.skipped.append((task, passed_over(kind, task, claimant=claim.name,
                                                     since=claim.at)))
            continue
        why = task_blocker(tasks, task)
        if why is not None:
            result.skipped.append((task, why))
            continue
        result.available.append(task)
    return result


def needs_person(row: Any) -> str | None:
    """What a person must do for ``row`` (an ``projects.rows.ProjectRow``: approve a phase, unblock
    it), or None (:meth:`sddkit.projects.blockers.Blocker.needs_person`)."""
    return row.blocker.needs_person() if row.blocker is not None else None


ALL_SCHEMA: Final = "sddkit.next.all/1"


def next_all(ws: Any, rows: list[Any], me: str) -> shape.NextAll:
    """``sdd next --all``: every task that can start now in each implementing project of
    ``rows`` (``projects.rows.ProjectRow``), ``me``'s own claims, the claims of others and the
    projects that wait for a person. Shape: ``sddkit.next.all/1`` (docs/json.md)."""
    from sddkit.projects.project import load_project

    def entry(row: Any, task: Any) -> shape.Available:
        return {
            "project": row.name,
            "key": task.key,
            "text": task.text,
            "file": ws.rel(ws.assets / row.name / "tasks.md"),
            "line": task.line,
            "parallel": task.parallel,
            "verify": list(task.verify),
            "command": f"sdd start {task.key} --project {row.name}"
            + (f" --as {shlex.quote(me)}" if me else ""),  # pasted into a shell
        }

    available: list[shape.Available] = []
    mine: list[shape.Available] = []
    claimed: list[shape.ClaimedTask] = []
    for row in sorted(rows, key=lambda r: (-r.priority, r.name)):
        if not row.implementing or row.blocked or row.next_kind == "done":
            continue
        tasks = load_project(ws, row.name).tasks
        if tasks is None:
            continue
        handout = hand_out(tasks, me)
        available += [entry(row, task) for task in handout.available]
        mine += [entry(row, task) for task in handout.mine]
        for task, why in handout.skipped:
            if task.claimed_by:
                seen = entry(row, task)
                claimed.append({"project": seen["project"], "key": seen["key"],
                                "text": seen["text"], "file": seen["file"],
                                "line": seen["line"], "by": task.claimed_by,
                                "at": task.claimed_at, "stale": task in handout.stale,
                                "reason": why.reason})
    people: list[shape.NeedsPerson] = [
        {"project": r.name, "needs": need} for r in rows if (need := needs_person(r))]
    return {"schema": ALL_SCHEMA, "as": me, "mine": mine, "available": available,
            "claimed": claimed, "needs_person": people}


def all_text(data: shape.NextAll) -> str:
    """``sdd next --all`` for a person."""
    lines: list[str] = []
    for item in data["mine"]:
        lines.append(f"Yours: {item['key']} {item['text']}   [project {item['project']}]")
    if data["available"]:
        lines.append(f"Can start now ({len(data['available'])}):")
        lines += [f"  {i['key']} {i['text']}   [project {i['project']}]  {i['command']}"
                  for i in data["available"]]
    else:
        lines.append("No task can start now.")
    for taken in data["claimed"]:
        lines.append(f"  taken: {taken['key']} of {taken['project']} {taken['reason']}")
    lines += [f"Needs a person: {p['project']}: {p['needs']}" for p in data["needs_person"]]
    return "\n".join(lines) + "\n"
