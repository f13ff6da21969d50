"""Where the work stands and moving it on: ``sdd status``, ``sdd next``, ``sdd done``,
``sdd undo``. Read by the click-free ``sdd next`` too, so this module imports little."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sddkit.operations.outcome import Outcome, lines, write
from sddkit.workspace import Workspace

if TYPE_CHECKING:
    from sddkit.projects.next_step import Step

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
    from sddkit.projects.status import detail_text, project_detail, project_summary, summary_text

    if project is None:
        data = project_summary(ws)
        return Status(text=summary_text(data), data=data, project=None)
    data = project_detail(ws, project)
    return Status(text=detail_text(data), data=data, project=project)


def archived_status(ws: Workspace) -> Outcome:
    """``sdd status --archived``: every archived project (``sddkit.status.archived/1``)."""
    from sddkit.projects.status import archived_summary

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
    for the claimant ``as_name`` (default :func:`sddkit.tasks.claims.agent_name`: ``SDDKIT_AGENT``,
    else the login name): its own claimed task first, others' claims passed over.
    ``data`` is ``sddkit.next/1``."""
    from sddkit.projects.next_step import next_step as most_urgent
    from sddkit.projects.next_step import project_step, to_json, to_text
    from sddkit.projects.project import load_project
    from sddkit.projects.rows import row_of, rows
    from sddkit.tasks.claimant import agent_name

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
    from sddkit.projects.project import load_project
    from sddkit.projects.rows import row_of, rows
    from sddkit.tasks.claimant import agent_name
    from sddkit.tasks.handout import all_text, next_all

    chosen = [row_of(load_project(ws, project))] if project is not None else rows(ws)
    data = next_all(ws, chosen, agent_name(as_name))
    return Outcome(text=all_text(data), data=data)


def complete(ws: Workspace, task: str, project: str | None = None, force: bool = False,
             commit: bool = False, dry_run: bool = False, *, no_verify: bool = False,
             timeout: float | None = None, listener: Any = None) -> TaskChecked:
    """``sdd done``: run ``task``'s runnable checks, then tick it (``T003``, ``2.1``, ``#3``):
    its box and a done mark, and clear its claim.

    The checks run first, outside the repository lock (:func:`sddkit.tasks.mark_done.verify_for_done`;
    ``listener``, a :class:`sddkit.tasks.verification.Listener`, hears them; ``timeout`` in
    seconds per check); ``no_verify`` runs none (recorded), ``dry_run`` runs none and writes
    nothing. Refused (:class:`GateError`, :class:`TaskError`) while the tasks gate is closed
    or the task is held (:func:`sddkit.projects.blockers.task_blocker`; ``force`` goes past a forcible
    hold, recorded in the mark); a failing check raises
    :class:`sddkit.tasks.verification.CheckFailed`. With ``commit``, the changed files are committed
    with the ``Sddkit-Task`` trailer. ``data`` is ``sddkit.done/1``; ``warnings`` name the
    spec's test references that point at nothing once the last task is done (SDD-009).
    """
    from sddkit.tasks.mark_done import commit_message, verify_for_done
    from sddkit.tasks.mark_done import complete as stage

    repo = None
    if commit and not dry_run:  # every precondition of the commit before anything runs or
        from sddkit.io.git_commit import preflight  # is written (issue 14)

        repo = preflight(ws.root)
    # before the lock: checks may run for minutes
    verified = verify_for_done(ws, task, project, force, no_verify, timeout, listener, dry_run)
    plans: list[Any] = []

    def plan_commit(tx: Any, done: Any) -> None:
        """sddkit's own change, apart from a person's uncommitted edits (or refused)."""
        if repo is not None and done.changed:
            from sddkit.io.git_commit import plan

            plans[:] = [plan(repo, tx.changes())]

    result, staged = write(ws, dry_run,
                           lambda tx: stage(ws, tx, task, project, force, verified.mark),
                           refresh=lambda done: done.changed, optimistic=True,
                           before_write=plan_commit)
    name = result.project.name
    text = [result.message]
    warnings: list[str] = []
    if dry_run and result.changed and result.task.checks and not no_verify:
        warnings.append(f"sdd: dry run: {len(result.task.checks)} runnable check(s) not run; "
                        "the mark shows what a pass would record")
    sha = None
    if plans:
        from sddkit.io.git_commit import commit as make_commit

        message = commit_message(result)
        sha = make_commit(plans[0], message)
        text.append(f"committed {sha[:7]}: {message.splitlines()[0]}")
    mark = None
    after = None  # the project as the write left it: its mark, and the next step
    if not dry_run:
        after, mark, missing = _after_done(ws, name, result.task.key, result.changed)
        warnings += missing
    elif not result.changed:  # nothing to write: the mark in the file is the answer
        mark = result.task.done_mark
    data = {
        "schema": DONE_SCHEMA,
        "project": name,
        "task": result.task.key,
        "text": result.task.text,
        "changed": result.changed,
        "message": result.message,
        "mark": mark,
        "verification": _verification_json(verified.verification),
        "files": staged.files,
        "next": next_step(ws, name).data if after is None else _next_json(ws, after),
    }
    return TaskChecked(text=lines(*text), data=data, project=name, task=result.task,
                       box_changed=result.changed, commit=sha, warnings=warnings,
                       **staged.outcome_fields())


def _verification_json(verification: Any) -> Mapping[str, Any] | None:
    if verification is None:
        return None
    from sddkit.tasks.verify_runs import result_json

    return result_json(verification)


def _next_json(ws: Workspace, loaded: Any) -> Mapping[str, Any]:
    """:func:`next_step`'s data for the project ``loaded`` (already read: no second load)."""
    from sddkit.projects.next_step import project_step, to_json
    from sddkit.projects.rows import row_of
    from sddkit.tasks.claimant import agent_name

    return to_json(ws, project_step(ws, row_of(loaded), agent_name(None)))


def _after_done(ws: Workspace, project: str, key: str, changed: bool) -> tuple[Any, str | None,
                                                                             list[str]]:
    """The project as the write left it, the task's done mark as it now stands in the file,
    and (once every task is done) the spec's test references that point at nothing, one
    stderr line each."""
    from sddkit.projects.project import load_project

    loaded = load_project(ws, project)
    tasks = loaded.tasks
    task = tasks.get(key) if tasks is not None else None
    mark = task.done_mark if task is not None else None
    finished, total = loaded.progress
    if not changed or not loaded.implementing or finished != total:
        return loaded, mark, []
    # only once the last task is done: sddkit.checks is the whole `sdd check` runner
    from sddkit.checks.references import Resolver
    from sddkit.checks.references import check as references
    from sddkit.checks.references import spec_refs

    found = references(spec_refs(ws, loaded), Resolver(ws))
    return loaded, mark, [f"sdd: every task of {project} is done, but {f.path}:{f.line}: {f.rule} "
                  f"{f.message} ({f.hint})" for f in found]


def undo(ws: Workspace, task: str, project: str | None = None,
         dry_run: bool = False) -> TaskChecked:
    """Untick ``task`` and remove its done mark (refused while the tasks gate is closed)."""
    from sddkit.tasks.mark_done import undo as stage

    result, staged = write(ws, dry_run, lambda tx: stage(ws, tx, task, project),
                           refresh=lambda done: done.changed, optimistic=True)
    return TaskChecked(text=lines(result.message), project=result.project.name,
                       task=result.task, box_changed=result.changed,
                       **staged.outcome_fields())
