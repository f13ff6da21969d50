"""Runnable checks: run a task's ``verify: $ CMD`` lines and keep the outcome in its done mark.

A task's check is *runnable* when its ``verify:`` line starts with ``$ `` (see
:attr:`sddkit.tasks.Task.checks`); other ``verify:`` lines are prose. Commands come from
the repository's own files, like a Makefile's targets: they run only when a person or an
agent asks (``sdd verify``, ``sdd done``, ``sdd check --run-tests``), from the
repository root, each with a time limit (:func:`timeout_seconds`).

The done mark ``<!-- done DATE verify=OUTCOME at=COMMIT forced: WHAT; WHAT -->`` records
what was known when the task was ticked (:class:`DoneMark`; the grammar is documented once,
in docs/tasks.md "The done mark"). OUTCOME is one of :data:`OUTCOMES`; ``at`` is the commit
the checks ran on (``-dirty`` when the work tree had other uncommitted changes), present
only when a check ran; ``forced:`` (last, to the end of the mark) is what ``sdd done
--force`` overrode. The mark never names the commit that records it: that commit carries
the ``Sddkit-Task: PROJECT/TASK`` trailer instead (``sdd done --commit``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sddkit.errors import SddkitError, TaskError
from sddkit.io.markers import split_lines

if TYPE_CHECKING:
    from sddkit.io.command_runner import RunResult
    from sddkit.tasks import Task
    from sddkit.workspace import Workspace

PASSED, FAILED, SKIPPED, PROSE, NONE = "passed", "failed", "skipped", "prose", "none"
#: passed: every runnable check exited 0; failed: one did not (recorded by ``sdd verify``
#: on a done task); skipped: ``--no-verify`` while runnable checks exist; prose: only prose
#: ``verify:`` lines; none: no ``verify:`` line at all.
OUTCOMES = (PASSED, FAILED, SKIPPED, PROSE, NONE)
DEFAULT_TIMEOUT = 600.0  # seconds, per command
TIMEOUT_ENV = "SDDKIT_VERIFY_TIMEOUT"
TRAILER = "Sddkit-Task"
FORCED = "forced:"  # what `sdd done --force` overrode: the last part of a done mark
TAIL_LINES = 20
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LEGACY_SHA = re.compile(r"[0-9a-f]{7,64}")
_MARK_ON_LINE = re.compile(r"<!--\s*done\b(?P<body>[^>]*?)\s*-->")


class CheckFailed(SddkitError):
    """A runnable check did not pass; the message ends with its output's last lines."""


@dataclass
class DoneMark:
    """A done mark's content: ``DATE verify=OUTCOME at=COMMIT forced: WHAT; WHAT``, each part
    optional, in that order (docs/tasks.md, "The done mark").

    ``forced`` lists what ``sdd done --force`` overrode (``open T001, T002``, ``blocked``);
    it comes last because its items hold spaces. Marks written before runnable checks
    (``DATE SHA``) read with ``verify`` None; their bare SHA (the commit before the tick,
    which never contained it) is dropped on rewrite. ``other`` keeps words this version
    does not know, in order, so a newer mark survives a rewrite.
    """

    date: str | None = None
    verify: str | None = None
    at: str | None = None
    other: list[str] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)

    def render(self) -> str:
        words = [self.date] if self.date else []
        if self.verify:
            words.append(f"verify={self.verify}")
        if self.at:
            words.append(f"at={self.at}")
        words += [w for w in self.other if not _LEGACY_SHA.fullmatch(w)]
        if self.forced:
            words.append(f"{FORCED} {'; '.join(self.forced)}")
        return " ".join(words)


def parse_mark(text: str | None) -> DoneMark:
    """The parts of a done mark's content (what :attr:`Task.done_mark` holds)."""
    mark = DoneMark()
    head, sep, forced = f" {text or ''} ".partition(f" {FORCED} ")
    if sep:
        mark.forced = [part.strip() for part in forced.split(";") if part.strip()]
    for word in head.split():
        key, sep, value = word.partition("=")
        if sep and key == "verify" and value:
            mark.verify = value
        elif sep and key == "at" and value:
            mark.at = value
        elif mark.date is None and _DATE.fullmatch(word):
            mark.date = word
        else:
            mark.other.append(word)
    return mark


def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def timeout_seconds(value: float | None = None) -> float:
    """The time limit per command: ``value`` (``--timeout``), else ``SDDKIT_VERIFY_TIMEOUT``,
    else :data:`DEFAULT_TIMEOUT`. Raises SddkitError for a value that is not a positive number.
    """
    if value is not None:
        if not value > 0:
            raise SddkitError(f"--timeout must be a number of seconds above 0, not {value}")
        return float(value)
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise SddkitError(f"{TIMEOUT_ENV} must be a number of seconds above 0, not {raw!r}")
    return seconds


def unchecked_outcome(task: Task) -> str:
    """The outcome of a task whose checks are not run: skipped (it has runnable checks),
    prose (only prose ``verify:`` lines) or none."""
    if task.checks:
        return SKIPPED
    return PROSE if task.verify else NONE


class Listener:
    """What a front end hears while checks run (the default hears nothing). Output and
    progress come from the runner's thread of control, in order. ``streams``: whether
    it wants the commands' output (else progress comes every interval regardless)."""

    streams = False

    def start(self, project: str, task: Task, index: int, command: str) -> None:
        """Command ``index`` (1-based) of ``task.checks`` is about to run."""

    def output(self, text: str) -> None:
        """A piece of the running command's output (stdout and stderr merged)."""

    def progress(self, project: str, task: Task, command: str, elapsed: float,
                 timeout: float) -> None:
        """The command has run ``elapsed`` seconds without output."""

    def end(self, project: str, task: Task, result: RunResult) -> None:
        """The command ended."""


@dataclass
class TaskVerification:
    """A task's checks as run (or not): ``outcome`` in :data:`OUTCOMES`, ``at`` the commit
    they ran on, ``runs`` one :class:`RunResult` per command run (in order)."""

    project: str
    task: Task
    outcome: str
    at: str | None
    runs: list[RunResult]
    recorded: bool = False  # the done mark was rewritten with this outcome

    @property
    def failed(self) -> RunResult | None:
        return next((run for run in self.runs if not run.passed), None)

    @property
    def seconds(self) -> float:
        return sum(run.seconds for run in self.runs)


def run_task(ws: Workspace, project: str, task: Task, timeout: float,
             listener: Listener | None = None, stop_on_failure: bool = True,
             progress_every: float = 10.0) -> TaskVerification:
    """Run ``task.checks`` from the repository root, one after the other.

    Each command gets ``timeout`` seconds. With ``stop_on_failure`` the first failure ends
    the run. A task without runnable checks runs nothing (outcome prose or none).
    """
    if not task.checks:
        return TaskVerification(project, task, unchecked_outcome(task), None, [])
    from sddkit.io.command_runner import run_command  # subprocess: only when a check runs
    from sddkit.io.git import work_tree_base

    hear = listener or Listener()
    at = work_tree_base(ws.root, ws.ctx)
    runs: list[RunResult] = []
    for index, command in enumerate(task.checks, start=1):
        hear.start(project, task, index, command)
        result = run_command(
            command, ws.root, timeout, on_output=hear.output if hear.streams else None,
            on_progress=lambda elapsed, c=command: hear.progress(project, task, c, elapsed,
                                                                 timeout),
            progress_every=progress_every,
        )
        hear.end(project, task, result)
        runs.append(result)
        if not result.passed and stop_on_failure:
            break
    outcome = PASSED if all(run.passed for run in runs) else FAILED
    return TaskVerification(project, task, outcome, at, runs)


def failure_message(verification: TaskVerification, refused: str) -> str:
    """``refused`` (what did not happen), which check failed and why, then its last lines."""
    run = verification.failed
    assert run is not None
    task = verification.task
    index = task.checks.index(run.command) + 1
    head = (f"{refused}: check {index} of {len(task.checks)} failed ({run.reason()}): "
            f"$ {run.command}")
    lines = run.last_lines(TAIL_LINES)
    if not lines:
        return head + " (it printed nothing)"
    said = "last line" if len(lines) == 1 else f"last {len(lines)} lines"
    return head + f"\n{said} of its output:\n" + "\n".join(
        f"  | {line}" for line in lines)


def mark_for_done(verification: TaskVerification) -> str:
    """The done mark for a task ticked now with this verification."""
    return DoneMark(today(), verification.outcome, verification.at).render()


def with_outcome(mark_text: str | None, verification: TaskVerification) -> str | None:
    """A done task's mark rewritten to record ``verification``, or None when the mark
    already says the same outcome (a repeat pass is not news: no churn in the file)."""
    mark = parse_mark(mark_text)
    if verification.outcome not in (PASSED, FAILED) or mark.verify == verification.outcome:
        return None
    mark.verify, mark.at = verification.outcome, verification.at
    mark.date = mark.date or today()
    return mark.render()


def replace_mark(text: str, task: Task, mark: str) -> str:
    """``text`` with the done mark on ``task``'s line replaced by ``<!-- done MARK -->``;
    every other byte stays. Raises TaskError when the line holds no done mark."""
    if "-->" in mark or "\n" in mark or "\r" in mark:
        raise TaskError(f"a done mark cannot hold '-->' or a line break: {mark!r}")
    lines = split_lines(text)
    if not 0 < task.line <= len(lines):
        raise TaskError(f"task {task.key}: line {task.line} is past the end of the file")
    line = lines[task.line - 1]
    found = list(_MARK_ON_LINE.finditer(line))
    if not found:
        raise TaskError(f"task {task.key}: line {task.line} has no done mark", None, task.line)
    last = found[-1]
    lines[task.line - 1] = line[: last.start()] + f"<!-- done {mark} -->" + line[last.end():]
    return "".join(lines)

