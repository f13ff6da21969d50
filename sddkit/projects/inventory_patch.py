"""Updating the inventory block for the projects one write changed, without listing the rest.

A write (``done``, ``approve``, ``ready``, ``new``, a claim) changes one project; listing
every project to regenerate the block made each write cost O(all projects) (issue 15: about
0.6 s at 10,000 projects). :func:`patch` edits the block the way :func:`~.inventory.render`
would have laid it out: the changed project's line is replaced, moved or removed, the
completed projects shown and counted are kept right, and every other line is left as it is.

It only answers when it can be exact **given that the block was up to date before the
write** (the block is what ``render`` writes; lines are in its order). It returns None, and
the caller lists every project instead, when the block has another shape, when a completed
project leaves the few shown (the next one to show is not in the block), when a project is
deleted or archived, when a changed project cannot be read, or when the block holds a broken
project's row. A block that was stale before the write stays stale in its other lines;
``sdd check`` (SDD-006) reports it and ``sdd inventory`` regenerates it whole.
``tests/test_inventory_patch.py`` holds every patch to the whole regeneration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sddkit.names import natural_key
from sddkit.projects.project import STATES
from sddkit.projects.rows import ProjectRow

_CELL_SPLIT = re.compile(r"(?<!\\)\|")  # _cell escapes "|" as "\|"; separators are " | "
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HIDDEN = re.compile(r"^\| _(\d+) more completed projects?: `sdd status` lists every project_ \|")
_NONE_YET = "| _no projects yet: `sdd new NAME`_ |"


@dataclass
class _Line:
    name: str
    state: str
    updated: str
    text: str

    def recent(self) -> tuple[str, str]:
        return (self.updated, self.name)

    def order(self) -> tuple[int, tuple[tuple[int, int | str], ...], str]:
        return (STATES.index(self.state), natural_key(self.name), self.name)  # rows.sort_key


@dataclass
class _Block:
    header: list[str]
    active: list[str] = field(default_factory=list)  # raw lines, read only where needed
    shown: list[_Line] = field(default_factory=list)
    hidden: int = 0
    none_yet: bool = False
    tail: list[str] = field(default_factory=list)  # the archived count: "", "Archived: ..."


def _read_line(text: str) -> _Line | None:
    cells = [c.strip() for c in _CELL_SPLIT.split(text)]
    if len(cells) != 9 or cells[0] or cells[8]:
        return None
    name, status, updated = cells[1], cells[3], cells[6]
    state = status.split(" (", 1)[0]
    if state not in STATES or not name or not (updated == "-" or _DATE.fullmatch(updated)):
        return None
    return _Line(name, state, "" if updated == "-" else updated, text)


class _Unreadable(Exception):
    """A line the patch had to read is not one :func:`~.inventory.render` writes."""


def _order(text: str) -> tuple[int, tuple[tuple[int, int | str], ...], str]:
    line = _read_line(text)
    if line is None or line.state == "completed":
        raise _Unreadable(text)
    return line.order()


def parse(content: str, header: str, shown_limit: int) -> _Block | None:
    """The block's content (between its markers) as :func:`~.inventory.render` lays it
    out, or None when it has another shape (a hand edit, a broken project's row, another
    version's layout). The active projects' lines (most of a large block) are read only
    where a patch looks: :func:`patch` refuses a line it cannot read."""
    lines = [line.rstrip("\r") for line in content.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 2 or lines[0] != header or not lines[1].startswith("|---"):
        return None
    block = _Block(header=lines[:2])
    rest = lines[2:]
    if len(rest) >= 2 and rest[-2] == "" and rest[-1].startswith("Archived: "):
        block.tail = rest[-2:]
        rest = rest[:-2]
    if rest and rest[-1].startswith(_NONE_YET):
        block.none_yet = True
        rest.pop()
    if rest and (hidden := _HIDDEN.match(rest[-1])) is not None:
        block.hidden = int(hidden.group(1))
        rest.pop()
    while rest and len(block.shown) <= shown_limit:
        line = _read_line(rest[-1])
        if line is None:
            return None  # another shape, or a broken project's row
        if line.state != "completed":
            break
        block.shown.insert(0, line)
        rest.pop()
    if len(block.shown) > shown_limit or (block.hidden and len(block.shown) != shown_limit):
        return None
    if [line.recent() for line in block.shown] != sorted(
            (line.recent() for line in block.shown), reverse=True):
        return None
    if (block.none_yet and (rest or block.shown)) or any(
            line.startswith(("| _", "|---")) or not line.startswith("| ")
            or " | - | error | " in line for line in rest):  # a broken project's row
        return None
    block.active = rest
    return block


def patch(block: _Block, name: str, existed: bool, row: ProjectRow, line: str,
          shown_limit: int) -> bool:
    """Put project ``name`` (now ``row``, rendered as ``line``) in its place in ``block``.

    ``existed`` says whether the project was there before the write (a project absent from
    the block that existed is one of the completed projects counted, not shown). Returns
    False when the result cannot be known from the block alone (see the module doc)."""
    import bisect

    floor = block.shown[-1].recent() if block.shown else None  # every counted one is older
    prefix = f"| {name} |"
    old_active = next((i for i, x in enumerate(block.active) if x.startswith(prefix)), None)
    old_shown = next((i for i, x in enumerate(block.shown) if x.name == name), None)
    if old_active is not None:
        del block.active[old_active]
    elif old_shown is not None:
        del block.shown[old_shown]
    elif existed:
        if block.hidden == 0:
            return False  # neither listed nor counted: the block was stale
        block.hidden -= 1
    new = _Line(row.name, row.state, row.updated, line)
    if row.state != "completed":
        try:
            at = bisect.bisect(block.active, new.order(), key=_order)
        except _Unreadable:
            return False
        block.active.insert(at, line)
    else:
        block.shown.append(new)
        block.shown.sort(key=_Line.recent, reverse=True)
        if len(block.shown) > shown_limit:
            del block.shown[shown_limit:]
            block.hidden += 1
    if block.hidden:
        if len(block.shown) < shown_limit:
            return False  # a shown project left: the next to show is only counted here
        if any(x is new for x in block.shown) and (floor is None or new.recent() < floor):
            return False  # it fell below the last shown: a counted one may be newer
    block.none_yet = False
    return True


def render(block: _Block, hidden_line: str) -> str:
    """The block's content again, in :func:`~.inventory.render`'s layout."""
    lines = [*block.header, *block.active, *(x.text for x in block.shown)]
    if block.hidden:
        lines.append(hidden_line.format(n=block.hidden,
                                        noun="project" if block.hidden == 1 else "projects"))
    if not (block.active or block.shown or block.hidden):
        return ""  # no project left: the caller regenerates (the "no projects yet" line)
    return "\n".join(lines + block.tail) + "\n"
