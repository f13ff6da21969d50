from __future__ import annotations

from typing import TYPE_CHECKING

import click

from . import dry_run_option, json_option, print_json, workspace
from .verify import listener, timeout_option

if TYPE_CHECKING:
    from .._fileio import Transaction
    from ..complete import Completion


@click.command("next")
@click.argument("project", required=False)
@click.option("--as", "as_name", default=None, metavar="NAME",
              help="Who asks: its own claimed task first, others' claims skipped (default: "
                   "$SDDKIT_AGENT, else the login name).")
@click.option("--all", "all_tasks", is_flag=True,
              help="Every task that can start now (dependencies done, not blocked, not claimed).")
@json_option
@click.pass_context
def next_(ctx: click.Context, project: str | None, as_name: str | None, all_tasks: bool,
          as_json: bool) -> None:
    """The next step: a gate action, or the next task with its file, line and checks."""
    from ..claims import agent_name
    from ..index import row_of, rows
    from ..nextstep import next_step, project_step, to_json, to_text
    from ..project import load_project

    ws = workspace(ctx)
    me = agent_name(as_name)
    if all_tasks:
        from ..handout import all_text, next_all

        chosen = [row_of(load_project(ws, project))] if project is not None else rows(ws)
        data = next_all(ws, chosen, me)
        print_json(data) if as_json else click.echo(all_text(data), nl=False)
        return
    if project is not None:
        step = project_step(ws, row_of(load_project(ws, project)), me)
    else:
        step = next_step(ws, rows(ws), me)
    if as_json:
        print_json(to_json(ws, step))
    else:
        click.echo(to_text(ws, step), nl=False)


def _finish(ctx: click.Context, done: object, dry_run: bool, tx: object,
            plan: object | None = None) -> None:
    from ..complete import Completion, commit_message

    assert isinstance(done, Completion)
    if dry_run:
        click.echo(tx.diff(), nl=False)  # type: ignore[attr-defined]
        return
    click.echo(done.message)
    if plan is not None and done.changed:
        from ..git_commit import Plan, commit

        assert isinstance(plan, Plan)
        message = commit_message(done)
        sha = commit(plan, message)
        click.echo(f"committed {sha[:7]}: {message.splitlines()[0]}")


def _report_missing_tests(ctx: click.Context, done: object) -> None:
    """After the last task, the spec's test references that point at nothing (SDD-009)."""
    from ..checks.references import Resolver
    from ..checks.references import check as references
    from ..complete import Completion
    from ..project import load_project

    assert isinstance(done, Completion)
    ws = workspace(ctx)
    project = load_project(ws, done.project.name)
    finished, total = project.progress
    if not done.changed or not project.implementing or finished != total:
        return
    for finding in references(ws, project, Resolver(ws)):
        click.echo(f"sdd: every task of {project.name} is done, but {finding.path}:"
                   f"{finding.line}: {finding.rule} {finding.message} ({finding.hint})", err=True)


@click.command()
@click.argument("task")
@click.option("--project", "-p", default=None, help="The project (needed when ids repeat).")
@click.option("--commit", is_flag=True,
              help="Also commit sdd's own change with git (your other edits stay uncommitted; "
                   "trailer Sddkit-Task: PROJECT/TASK).")
@click.option("--force", is_flag=True,
              help="Check it even if its dependencies are open or it is blocked (recorded).")
@click.option("--no-verify", is_flag=True,
              help="Do not run its runnable checks (recorded in the done mark: verify=skipped).")
@timeout_option
@dry_run_option
@click.pass_context
def done(ctx: click.Context, task: str, project: str | None, commit: bool, force: bool,
         no_verify: bool, timeout: float | None, dry_run: bool) -> None:
    """Check TASK off (T003, 2.1 or #3): runs its checks, flips its box, appends a done mark.

    Its runnable checks (`verify: $ CMD`) run first, from the repository root; when one
    fails nothing is written and the command's last lines are shown (exit 1). The done
    mark records the outcome (verify=passed, skipped, prose or none), the commit the checks
    ran on, and what --force overrode. With --dry-run the checks are not run.
    """
    from .._fileio import run_transaction
    from ..complete import complete, verify_for_done
    from ..sync import refresh

    ws = workspace(ctx)
    if force and not dry_run:
        from ..person import require_person

        require_person(f"sdd done {task} --force", project or task)
    repo = None
    if commit and not dry_run:  # every precondition of the commit before anything is run or
        from ..git_commit import preflight  # written

        repo = preflight(ws.root)
    plans: list[object] = []
    # before the lock: checks may run for minutes
    mark = verify_for_done(ws, task, project, force, no_verify, timeout,
                           listener(stream_output=False), dry_run).mark

    def stage(tx: Transaction) -> Completion:
        result = complete(ws, tx, task, project, force, mark)
        if result.changed:
            refresh(ws, tx)
        if repo is not None:  # sddkit's own change, apart from a person's (or refused)
            from ..git_commit import plan

            plans[:] = [plan(repo, tx.changes())]
        return result

    result, tx = run_transaction(ws.root, stage, dry_run=dry_run)
    if dry_run and result.changed and result.task.checks and not no_verify:
        click.echo(f"sdd: dry run: {len(result.task.checks)} runnable check(s) not run; the "
                   "mark shows what a pass would record", err=True)
    _finish(ctx, result, dry_run, tx, plans[0] if plans else None)
    if not dry_run:
        _report_missing_tests(ctx, result)


@click.command()
@click.argument("task")
@click.option("--project", "-p", default=None, help="The project (needed when ids repeat).")
@dry_run_option
@click.pass_context
def undo(ctx: click.Context, task: str, project: str | None, dry_run: bool) -> None:
    """Uncheck TASK (removes its done mark)."""
    from .._fileio import run_transaction
    from ..complete import undo as unmark
    from ..sync import refresh

    ws = workspace(ctx)

    def stage(tx: Transaction) -> Completion:
        result = unmark(ws, tx, task, project)
        if result.changed:
            refresh(ws, tx)
        return result

    result, tx = run_transaction(ws.root, stage, dry_run=dry_run)
    _finish(ctx, result, dry_run, tx)


@click.command()
@click.argument("task")
@click.option("--project", "-p", default=None, help="The project (needed when ids repeat).")
@json_option
@click.pass_context
def show(ctx: click.Context, task: str, project: str | None, as_json: bool) -> None:
    """One task's record: its checks, its done mark, and the commits whose trailer names it.

    The commits are those carrying `Sddkit-Task: PROJECT/TASK` (written by `sdd done
    --commit`; add it to the commits that implement the task). Nothing is run.
    """
    from ..task_record import task_record

    ws = workspace(ctx)
    record = task_record(ws, task, project)
    if as_json:
        print_json(record.to_json(ws))
    else:
        click.echo(record.to_text(ws), nl=False)
