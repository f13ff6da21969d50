"""Where the work stands and moving it on: ``sdd status``, ``sdd next``, ``sdd done``,
``sdd undo``. Read by the click-free ``sdd next`` too, so this module imports little."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..workspace import Workspace
from .outcome import Outcome, lines, write

if TYPE_CHECKING:
    from ..nextstep import Step

DONE_SCHEMA = "sddkit.done/1"


@dataclass(kw_only=True)
class Status(Outcome):
    """``sdd status [PROJECT]``: ``data`` is ``sddkit.status/1``."""

    project: str | None


@dataclass(kw_only=True)
class NextStep(Outcome):
    """``sdd next [PROJECT]``: the step; ``data`` is ``sddkit.next/1``."""

    step: Step


@dataclass(kw_only=True)
class TaskChecked(Outcome):
    """``sdd done`` / ``sdd undo``: the task, whether its box changed, and (for ``done``)
    ``data`` in ``sddkit.done/1`` with the project's next step after it."""

    project: str
    task: Any  # tasks.Task
    box_changed: bool
    commit: str | None = None


def status(ws: Workspace, project: str | None = None) -> Status:
    """Every project's row, or one project's phases in detail (``sddkit.status/1``)."""
    from ..status import detail_text, project_detail, project_summary, summary_text

    if project is None:
        data = project_summary(ws)
        return Status(text=summary_text(data), data=data, project=None)
    data = project_detail(ws, project)
    return Status(text=detail_text(data), data=data, project=project)


def archived_status(ws: Workspace) -> Outcome:
    """``sdd status --archived``: every archived project (``sddkit.status.archived/1``)."""
    from ..status import archived_summary

    data = archived_summary(ws)
    if not data["archived"]:
        return Outcome(text=lines("No archived projects (`sdd archive PROJECT` moves a "
                                  "completed one there)."), data=data)
    out = []
    for item in data["archived"]:
        if item["error"]:
            out.append(f"{item['archived_on']}  {item['project']}  cannot be read: "
                       f"{item['error']}")
            continue
        tasks = item["tasks"]
        forced = f"  [forced {item['forced']}]" if item["forced"] else ""
        out.append(f"{item['archived_on']}  {item['project']}  {tasks['done']}/{tasks['total']} "
                   f"tasks  {item['path']}/{forced}")
    return Outcome(text=lines(*out), data=data)


def next_step(ws: Workspace, project: str | None = None, as_name: str | None = None
              ) -> NextStep:
    """The most urgent step across the projects (from their cached rows), or one project's,
    for the claimant ``as_name`` (default :func:`sddkit.claims.agent_name`: ``SDDKIT_AGENT``,
    else the login name): its own claimed task first, others' claims passed over.
    ``data`` is ``sddkit.next/1``."""
    from ..claims import agent_name
    from ..index import row_of, rows
    from ..nextstep import next_step as most_urgent
    from ..nextstep import project_step, to_json, to_text
    from ..project import load_project

    me = agent_name(as_name)
    if project is not None:
        step = project_step(ws, row_of(load_project(ws, project)), me)
    else:
        step = most_urgent(ws, rows(ws), me)
    return NextStep(text=to_text(ws, step), data=to_json(ws, step), step=step)


def available_tasks(ws: Workspace, project: str | None = None, as_name: str | None = None
                    ) -> Outcome:
    """``sdd next --all``: every task that can start now (in ``project``, or every project),
    the claimant's own claims, others' claims and the projects that wait for a person.
    ``data`` is ``sddkit.next.all/1``."""
    from ..claims import agent_name
    from ..handout import all_text, next_all
    from ..index import row_of, rows
    from ..project import load_project

    chosen = [row_of(load_project(ws, project))] if project is not None else rows(ws)
    data = next_all(ws, chosen, agent_name(as_name))
    return Outcome(text=all_text(data), data=data)


def complete(ws: Workspace, task: str, project: str | None = None, force: bool = False,
             commit: bool = False, dry_run: bool = False) -> TaskChecked:
    """Tick ``task`` (``T003``, ``2.1`` or ``#3``): its box and a done mark, nothing else.

    Refused (:class:`GateError`, :class:`TaskError`) while the tasks gate is closed, the
    task is blocked, waits on open tasks (unless ``force``) or has open subtasks. With
    ``commit``, the changed files are committed with git afterwards.
    """
    from ..complete import commit_message, today_mark
    from ..complete import complete as stage

    mark = today_mark(ws)  # before the lock: asking git for HEAD imports GitPython
    result, staged = write(ws, dry_run, lambda tx: stage(ws, tx, task, project, force, mark),
                           refresh=lambda done: done.changed, optimistic=True)
    name = result.project.name
    text = [result.message]
    sha = None
    if commit and result.changed and not dry_run:
        from .._git import commit_paths

        sha = commit_paths(ws.root, [result.project.docs["tasks"].path, ws.sdd_context],
                           commit_message(result))
        text.append(f"committed {sha[:7]}: {commit_message(result)}")
    data = {
        "schema": DONE_SCHEMA,
        "project": name,
        "task": result.task.key,
        "text": result.task.text,
        "changed": result.changed,
        "message": result.message,
        "files": staged.files,
        "next": next_step(ws, name).data,
    }
    return TaskChecked(text=lines(*text), data=data, project=name, task=result.task,
                       box_changed=result.changed, commit=sha, **staged.outcome_fields())


def undo(ws: Workspace, task: str, project: str | None = None,
         dry_run: bool = False) -> TaskChecked:
    """Untick ``task`` and remove its done mark (refused while the tasks gate is closed)."""
    from ..complete import undo as stage

    result, staged = write(ws, dry_run, lambda tx: stage(ws, tx, task, project),
                           refresh=lambda done: done.changed, optimistic=True)
    return TaskChecked(text=lines(result.message), project=result.project.name,
                       task=result.task, box_changed=result.changed,
                       **staged.outcome_fields())
