"""The task list a ``done`` derives without parsing equals the one parsing gives (issue 15).

``sdd done`` ticks one box; :func:`sddkit.tasks.mark_done.ticked` builds the list after the
edit from the list before it, so that the inventory row and the report parse nothing. On
every list the differential grammar of tests/test_tasks_scan.py generates, and on the
realistic fixtures, for every task it derives, the derived list must equal the parser's.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from test_tasks_scan import FIXTURES, documents

from sddkit.projects.phases import gate_hash
from sddkit.tasks import gate_view, parse_tasks, set_done
from sddkit.tasks.child_lines import clear_claim
from sddkit.tasks.mark_done import _line_at, ticked

MARKS = ["2026-11-30 abc1234", "", "2026-11-30 verify=passed", "2026-11-30 forced: open T001"]


def derived_agree(text: str, mark: str, front_matter: bool = True) -> int:
    """Check every task of ``text`` that ``ticked`` derives; returns how many it derived."""
    tasks = parse_tasks(text, front_matter=front_matter)
    count = 0
    for task in tasks.tasks:
        derived = ticked(tasks, task, _line_at(text, task.line), mark)
        if derived is None:
            continue
        count += 1
        written = clear_claim(set_done(text, task, mark), task)  # what `sdd done` writes
        after = parse_tasks(written, front_matter=front_matter)
        assert [asdict(t) for t in derived.tasks] == [asdict(t) for t in after.tasks], text
        assert [asdict(p) for p in derived.problems] == [asdict(p) for p in after.problems]
        assert derived.get(task.key) is not None
        # `done` then takes the gate hash of the new text to be the old one's
        if front_matter:
            assert gate_hash("tasks", written) == gate_hash("tasks", text)
        else:
            assert gate_view(written) == gate_view(text)
    return count


@settings(max_examples=400, deadline=None)
@given(documents(), st.sampled_from(MARKS))
def test_the_derived_list_is_the_parsed_list(text: str, mark: str) -> None:
    derived_agree(text, mark, front_matter=False)


def test_realistic_lists_are_derived() -> None:
    total = 0
    for path in sorted(Path(FIXTURES).glob("*.md")):
        for mark in MARKS[:2]:
            total += derived_agree(path.read_text(encoding="utf-8"), mark)
    assert total > 20


def test_what_ticking_may_change_is_parsed_again() -> None:
    text = ("- [x] T001 parent ticked early\n  - [ ] T002 child\n"
            "- [ ] T003 claimed\n  - claimed: agent-a 2026-11-30\n"
            "- [ ] T004 carries <!-- a comment -->\n- [?] T005 unknown marker\n"
            "- [ ] T006 plain\n")
    tasks = parse_tasks(text)
    derived = {t.key for t in tasks.tasks
               if ticked(tasks, t, _line_at(text, t.line), "m") is not None}
    assert derived == set()  # the parent-ticked problem may be settled by any tick
    text = text.replace("- [x] T001", "- [ ] T001")
    tasks = parse_tasks(text)
    derived = {t.key for t in tasks.tasks
               if ticked(tasks, t, _line_at(text, t.line), "m") is not None}
    assert derived == {"T002", "T006"}
