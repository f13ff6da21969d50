"""``sdd show TASK``: what is on record for one task: its checks, its done mark and the
commits that name it in a ``Sddkit-Task: PROJECT/TASK`` trailer.

A read: nothing runs (the checks are listed, not executed) and nothing is written. Git
is asked through one ``git log`` process, not GitPython.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sddkit.tasks.model import CHECK_PREFIX
from sddkit.tasks.verification import TRAILER, DoneMark, parse_mark

if TYPE_CHECKING:
    from sddkit.projects.project import Project
    from sddkit.tasks import Task
    from sddkit.workspace import Workspace

SCHEMA = "sddkit.show/1"


@dataclass
class TaskRecord:
    """One task with its evidence. ``commits`` is newest first, (SHA, date, subject);
    None when git cannot be asked (outside git, no commit yet)."""

    project: Project
    task: Task
    mark: DoneMark | None
    commits: list[tuple[str, str, str]] | None

    @property
    def trailer(self) -> str:
        return f"{TRAILER}: {self.project.name}/{self.task.key}"

    def to_json(self, ws: Workspace) -> dict[str, Any]:
        task = self.task
        return {
            "schema": SCHEMA,
            "project": self.project.name,
            "task": task.key,
            "text": task.text,
            "state": task.state,
            "file": ws.rel(self.project.docs["tasks"].path),
            "line": task.line,
            "verify": list(task.verify),
            "checks": list(task.checks),
            "mark": None if self.mark is None else {
                "text": task.done_mark, "date": self.mark.date, "verify": self.mark.verify,
                "at": self.mark.at, "forced": list(self.mark.forced),
            },
            "trailer": self.trailer,
            "commits": [
                {"commit": sha, "date": date, "subject": subject}
                for sha, date, subject in self.commits or []
            ],
        }

    def to_text(self, ws: Workspace) -> str:
        task = self.task
        lines = [f"{task.key} of {self.project.name}: {task.text} ({task.state})",
                 f"  file: {ws.rel(self.project.docs['tasks'].path)}:{task.line}"]
        for line in task.verify:
            kind = "check" if line.startswith(CHECK_PREFIX) and line[2:].strip() else "prose"
            lines.append(f"  verify ({kind}): {line}")
        if self.mark is not None:
            outcome = self.mark.verify or "not recorded (a mark from before runnable checks)"
            at = f" at {self.mark.at}" if self.mark.at else ""
            forced = f", forced past: {'; '.join(self.mark.forced)}" if self.mark.forced else ""
            lines.append(f"  done: {self.mark.date or 'no date'}, checks {outcome}{at}{forced}")
        if self.commits is None:
            lines.append("  commits: unknown (not a git repository, or no commit yet)")
        elif not self.commits:
            lines.append(f"  commits: none carry '{self.trailer}'")
        else:
            lines.append(f"  commits with '{self.trailer}':")
            lines += [f"    {sha[:7]} {date[:10]} {subject}" for sha, date, subject in self.commits]
        return "\n".join(lines) + "\n"


def task_record(ws: Workspace, ref: str, project_name: str | None) -> TaskRecord:
    """The record of task ``ref``. Raises SddkitError (TaskError) for an unknown task."""
    from sddkit.io.git import commits_with_trailer
    from sddkit.tasks.mark_done import find_task

    project, task = find_task(ws, None, ref, project_name)
    mark = parse_mark(task.done_mark) if task.done_mark is not None else None
    commits = commits_with_trailer(ws.root, TRAILER, f"{project.name}/{task.key}")
    return TaskRecord(project, task, mark, commits)
