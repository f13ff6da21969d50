"""The evidence of done work: ``sdd verify`` (run a task's, a project's or every done task's
runnable checks and record a changed outcome) and ``sdd show`` (one task's record: its
checks, its done mark, the commits whose trailer names it). ``sdd done`` runs the checks
through :func:`sddkit.operations.complete`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sddkit.operations.outcome import Outcome, write

if TYPE_CHECKING:
    from sddkit.tasks.verification import Listener
    from sddkit.tasks.verify_runs import VerifyReport
    from sddkit.workspace import Workspace


@dataclass(kw_only=True)
class ChecksRun(Outcome):
    """``sdd verify``: ``report`` holds each task's outcome and each command's result;
    ``data`` is ``sddkit.verify/1``; ``exit_code`` is 1 when a check failed."""

    report: VerifyReport


def verify(ws: Workspace, target: str | None = None, project: str | None = None,
           every: bool = False, timeout: float | None = None, listener: Listener | None = None,
           dry_run: bool = False) -> ChecksRun:
    """Run the runnable checks (``verify: $ CMD``) of task ``target`` (open or done), of
    project ``target``'s done tasks, or, with ``every``, of every done task in every project,
    from the repository root, ``timeout`` seconds each (default ``SDDKIT_VERIFY_TIMEOUT``,
    else 600). ``listener`` (a :class:`sddkit.tasks.verification.Listener`) hears each command and
    its output. A done task's mark is rewritten only when its outcome changed (docs/tasks.md,
    "The done mark"); with ``dry_run`` the checks still run and nothing is written.
    Raises SddkitError for a bad selection or time limit; a failing check is ``exit_code`` 1,
    not an error.
    """
    from sddkit.tasks import verify_runs

    chosen = verify_runs.select(ws, target, project, every)
    report = verify_runs.run(ws, chosen, timeout, listener)

    def stage(tx: Any) -> bool:
        verify_runs.record(ws, tx, report)
        return bool(report.files)

    _changed, staged = write(ws, dry_run, stage, refresh=lambda changed: changed)
    return ChecksRun(text=verify_runs.table(report), data=report.to_json(ws),
                     exit_code=1 if report.failed else 0, report=report,
                     **staged.outcome_fields())


def show(ws: Workspace, task: str, project: str | None = None) -> Outcome:
    """``sdd show TASK``: the task's checks (listed, never run), its done mark and the commits
    carrying ``Sddkit-Task: PROJECT/TASK``, newest first (``sddkit.show/1``). Raises
    SddkitError (TaskError) for an unknown task."""
    from sddkit.tasks.task_record import task_record

    record = task_record(ws, task, project)
    return Outcome(text=record.to_text(ws), data=record.to_json(ws))
