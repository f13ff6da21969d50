"""What holds a project or task back is computed and worded once (sddkit/projects/blockers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Invoke, git, walk_to

from sddkit.projects import blockers

TASKS_MD = "AGENTS.ctx/sdd/assets/demo/tasks.md"


@pytest.fixture
def drifted(initialised: Path, sdd: Invoke) -> Path:
    """demo with every phase approved, then its spec edited: changed since approval."""
    walk_to(initialised, sdd, "demo", tasks="- [ ] T001 One\n  - verify: ok\n")
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "approved")
    spec = initialised / "AGENTS.ctx/sdd/assets/demo/spec.md"
    spec.write_text(spec.read_text() + "\nOne more edge case.\n")
    return initialised


@pytest.mark.parametrize("cache", ["on", "off"])
def test_one_reason_string_is_what_every_command_says(drifted: Path, sdd: Invoke,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      cache: str) -> None:
    if cache == "off":
        monkeypatch.setenv("SDDKIT_NO_CACHE", "1")
    assert sdd(drifted, "inventory").exit_code == 0  # rows cached with the old wording
    monkeypatch.setitem(blockers.REASONS, blockers.CHANGED, "edited behind the reviewer's back")
    words = "edited behind the reviewer's back"

    nxt = json.loads(sdd(drifted, "next", "--json").stdout)
    assert nxt["message"].startswith(f"spec of demo {words}: review the change")
    status = json.loads(sdd(drifted, "status", "--json").stdout)
    assert status["projects"][0]["next"] == f"re-approve spec ({words})"
    detail = sdd(drifted, "status", "demo")
    assert f"Next: re-approve spec ({words})" in detail.stdout
    done = sdd(drifted, "done", "T001")
    assert done.exit_code == 1
    assert f"spec of demo {words}: tasks can be checked off only once" in done.stderr
    ready = sdd(drifted, "ready", "demo", "--dry-run")  # the spec itself may go to review
    assert ready.exit_code == 0, ready.stderr
    assert sdd(drifted, "inventory").exit_code == 0
    inventory = (drifted / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert f"re-approve spec ({words})" in inventory


def test_ready_and_approve_word_the_gate_the_same_way(drifted: Path, sdd: Invoke,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(blockers.REASONS, blockers.CHANGED, "altered after sign-off")
    result = sdd(drifted, "approve", "demo", "--by", "Grace")
    assert result.exit_code == 1
    assert "spec of demo altered after sign-off: run `sdd ready demo` first" in result.stderr
    assert sdd(drifted, "ready", "demo").exit_code == 0
    monkeypatch.setitem(blockers.REASONS, blockers.IN_REVIEW, "sits in the review queue")
    result = sdd(drifted, "ready", "demo")
    assert result.exit_code == 1
    assert "spec of demo sits in the review queue: it is already in review" in result.stderr
    nxt = json.loads(sdd(drifted, "next", "--json").stdout)
    assert nxt["message"].startswith("spec of demo sits in the review queue (`sdd approve demo`)")


PARENT_WAITS = """## Phase 1

- [ ] T001 Set up
  - verify: ok
- [ ] T002 The parser
  - depends: T001
  - [ ] T003 Tokens
  - [ ] T004 Grammar
"""


def test_done_honours_a_parents_dependency_as_next_does(initialised: Path,
                                                        sdd: Invoke) -> None:
    """The bug the unification fixed: `next` skipped T003 (its parent waits for T001) while
    `done T003` checked it off."""
    walk_to(initialised, sdd, "demo", tasks=PARENT_WAITS)
    nxt = json.loads(sdd(initialised, "next", "demo", "--json").stdout)
    assert nxt["task"]["key"] == "T001"
    before = (initialised / TASKS_MD).read_text()
    result = sdd(initialised, "done", "T003")
    assert result.exit_code == 1
    assert "T003 waits for T001; finish them first (or --force)" in result.stderr
    assert (initialised / TASKS_MD).read_text() == before
    parent_blocked = PARENT_WAITS.replace("  - depends: T001\n", "  - blocked: vendor API\n")
    walk_to(initialised, sdd, "other", tasks=parent_blocked)
    skipped = json.loads(sdd(initialised, "next", "other", "--json").stdout)["skipped"]
    assert [(s["key"], s["reason"]) for s in skipped] == []  # T001 comes first
    result = sdd(initialised, "done", "T003", "--project", "other")
    assert result.exit_code == 1 and "T003 is blocked: vendor API" in result.stderr
    assert sdd(initialised, "done", "T003", "--project", "other", "--force").exit_code == 0


def test_blocker_survives_the_row_cache_as_plain_fields() -> None:
    import marshal

    from sddkit.projects.rows import FIELDS, ProjectRow, from_record, to_record

    held = blockers.Blocker(blockers.STALE, "demo", "plan", cause="approved-again",
                            earlier="spec")
    row = ProjectRow("demo", "Demo", "drafting", "plan", ("stale:plan",), 0, 0, 1, False, 0,
                     None, "2026-11-30", "", held, None)
    stored = marshal.loads(marshal.dumps(to_record(row)))  # what the rows cache keeps
    assert from_record(stored) == row and from_record(stored).blocker == held
    # an entry of another shape (an older Blocker) is computed again, never a crash
    at = FIELDS.index("blocker")
    assert from_record((*stored[:at], ("stale", "demo") * 6, *stored[at + 1:])) is None
    assert from_record({"name": "demo"}) is None
    assert row._replace(blocker=None) == from_record(to_record(row._replace(blocker=None)))
    assert held.sentence() == "plan of demo is stale: spec was approved again"
    assert held.short() == "update and re-approve plan (stale)"
