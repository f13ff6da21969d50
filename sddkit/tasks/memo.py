"""Task lists parsed in this process, by the text they were parsed from.

One command may load the same tasks document several times (``sdd done``: before taking
the lock, under it, for the inventory row, for the mark it reports, for the next step);
each load of the same text shares one parse and one summary. A 50,000-task list takes a
second to parse. Task lists are never changed after parsing (a ``done`` derives a new
one), so sharing them is safe; equal text is required, so a file changed in between is
parsed again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sddkit.tasks.model import TaskList
    from sddkit.tasks.summary import TaskSummary

_KEPT = 4  # entries of each memo: a command works on one or two lists at a time
_parsed: dict[str, tuple[str, TaskList]] = {}  # by the path as a str
_summaries: dict[int, tuple[TaskList, TaskSummary]] = {}


def parsed_tasks(text: str, path: Path | str) -> TaskList:
    """:func:`sddkit.tasks.parse_tasks` of ``text`` (the tasks document at ``path``),
    shared with every earlier call for the same text at that path."""
    known = _parsed.get(str(path))
    if known is not None and (known[0] is text or known[0] == text):
        return known[1]
    from sddkit.tasks.parse import parse_tasks

    tasks = parse_tasks(text, Path(path))
    keep(path, text, tasks)
    return tasks


def keep(path: Path | str, text: str, tasks: TaskList) -> None:
    """``tasks`` is what parsing ``text`` at ``path`` gives (parsed, or derived by a
    ``done``): later :func:`parsed_tasks` calls for that text use it."""
    key = str(path)  # documents from the parse cache carry a str
    _parsed.pop(key, None)
    while len(_parsed) >= _KEPT:
        del _parsed[next(iter(_parsed))]
    _parsed[key] = (text, tasks)


def summary_of(tasks: TaskList) -> TaskSummary:
    """:func:`sddkit.tasks.summarise` of ``tasks``, computed once per task list object."""
    known = _summaries.get(id(tasks))
    if known is not None and known[0] is tasks:
        return known[1]
    from sddkit.tasks.summary import summarise

    summary = summarise(tasks)
    while len(_summaries) >= _KEPT:
        del _summaries[next(iter(_summaries))]
    _summaries[id(tasks)] = (tasks, summary)
    return summary
