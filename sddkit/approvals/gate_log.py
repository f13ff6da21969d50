"""``sdd log [PROJECT]``: approvals, reopenings, forced actions and blocks, from git history.

The front matter keeps only the latest of each; the commits that changed the gate lines
(:mod:`sddkit.approvals.gate_history`) keep them all. Events are derived per commit and document:

- ``approved``: the commit added ``status: approved`` or a new ``approved_at`` (by, at,
  ``forced`` when it also set ``approval_forced``; ``by_hand`` when no ``approved_at`` came
  with the status, i.e. not ``sdd approve``);
- ``reopened``: it added ``reopened_reason`` (the reason, and ``reopened_at``);
- ``blocked`` / ``unblocked``: it set ``blocked`` in a constitution, or cleared it;
- ``forced-done``: it added a done mark that records ``forced:`` (``sdd done --force``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sddkit.approvals.gate_history import Change, scalar
from sddkit.errors import SddkitError
from sddkit.names import check_slug
from sddkit.workspace import PHASES, Workspace

SCHEMA = "sddkit.log/1"


@dataclass(frozen=True)
class Event:
    """One entry of the record, with the commit that made it."""

    date: str  # the time recorded in the file, else the commit's author date (ISO 8601)
    project: str
    phase: str
    event: str  # approved | reopened | blocked | unblocked | forced-done
    detail: str
    by: str  # who the file names (approved_by), else the commit's author
    commit: str
    author: str  # the commit's author, "Name <email>"


def _null(value: str | None) -> bool:
    return value is None or value in ("", "null", "~", "{}")


def _events(change: Change, project: str, phase: str) -> list[Event]:
    out = []
    author = f"{change.author} <{change.email}>"

    def event(kind: str, detail: str, date: str | None = None, by: str | None = None) -> None:
        out.append(Event(date or change.date, project, phase, kind, detail, by or change.author,
                         change.commit, author))

    status = change.added_value("status")
    at = change.added_value("approved_at")
    if status == "approved" or not _null(at):
        forced = change.added_value("approval_forced")
        notes = []
        if not _null(forced):
            notes.append(f"forced ({forced})")
        if _null(at):
            notes.append("by hand: no `sdd approve` recorded it")
        by = change.added_value("approved_by")
        event("approved", "; ".join(notes), None if _null(at) else at,
              None if _null(by) else by)
    reason = change.added_value("reopened_reason")
    if not _null(reason):
        reopened_at = change.added_value("reopened_at")
        event("reopened", str(reason), None if _null(reopened_at) else reopened_at)
    if phase == "constitution":
        blocked = change.added_value("blocked")
        was = [scalar(line.split(":", 1)[1]) for line in change.removed
               if line.startswith("blocked:")]
        if not _null(blocked):
            event("blocked", str(blocked))
        elif blocked is not None and was and not _null(was[0]):
            event("unblocked", f"was: {was[0]}")
    for task, mark in change.forced_done():
        event("forced-done", f"{task} ({mark})")
    return out


def _order(event: Event) -> tuple[str, int]:
    return event.date, PHASES.index(event.phase) if event.phase in PHASES else len(PHASES)


def read_log(ws: Workspace, project: str | None = None) -> list[Event]:
    """The record of one project (or all), oldest first.

    Raises :class:`SddkitError` outside git, or for a project name that is not a slug or
    that neither exists nor appears in the history.
    """
    from sddkit.approvals import gate_history

    under = None
    if project is not None:
        check_slug(project, "project")
        under = ws.assets / project
    changes = gate_history.read(ws, under)
    if changes is None:
        raise SddkitError("sdd log reads git history, and this is not a git repository with "
                          "commits", ws.root)
    events: list[Event] = []
    batch: list[Event] = []
    commit = None
    for change in reversed(changes):  # oldest commit first; within one, by the dates recorded
        if change.commit != commit:
            events += sorted(batch, key=_order)
            batch, commit = [], change.commit
        parts = change.path.split("/")
        if len(parts) == 2 and parts[1].endswith(".md"):
            batch += _events(change, parts[0], parts[1][:-3])
    events += sorted(batch, key=_order)
    if under is not None and not events and not under.is_dir():
        raise SddkitError(f"unknown project '{project}': no such folder and no history")
    return events


def to_json(events: list[Event]) -> dict[str, Any]:
    return {"schema": SCHEMA, "events": [asdict(e) for e in events]}
