"""A write redoes only its own project's inventory line (issue 15), and the block it leaves
is byte for byte the block a whole regeneration writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Invoke, walk_to
from hypothesis import given, settings
from hypothesis import strategies as st

from sddkit.projects import inventory, inventory_patch, rows
from sddkit.projects.inventory import HEADER, HIDDEN_LINE, render
from sddkit.projects.project import STATES
from sddkit.projects.rows import ProjectRow

LIMIT = 3  # fewer completed projects shown than the default, so the counted ones matter


def make_row(name: str, state: str, updated: str) -> ProjectRow:
    return ProjectRow(
        name=name, title=name, state=state, phase="tasks", flags=(), done=1, total=2,
        clean_phases=4, implementing=state in ("implementing", "completed"), priority=0,
        blocked=None, updated=updated, notes="a | pipe \\ and more", blocker=None,
        next_task=None if state == "completed" else "T002 Next | step", tasks=None)


names = st.sampled_from([f"p-{n}" for n in range(1, 13)] + ["p-01", "p-001"])  # ties by number
dates = st.sampled_from(["", "2026-01-05", "2026-02-01", "2026-02-01", "2026-03-09"])
rows_st = st.builds(make_row, names, st.sampled_from(STATES), dates)


@settings(max_examples=400, deadline=None)
@given(before=st.lists(rows_st, max_size=10, unique_by=lambda r: r.name),
       changed=rows_st, archived=st.sampled_from([0, 2]))
def test_a_patch_gives_what_a_whole_regeneration_gives(
        before: list[ProjectRow], changed: ProjectRow, archived: int) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(inventory, "COMPLETED_SHOWN", LIMIT)
        check_patch(before, changed, archived)


def check_patch(before: list[ProjectRow], changed: ProjectRow, archived: int) -> None:
    block = inventory_patch.parse(render(before, archived), HEADER, LIMIT)
    assert block is not None  # render's own layout always parses
    existed = any(r.name == changed.name for r in before)
    after = [r for r in before if r.name != changed.name] + [changed]
    if inventory_patch.patch(block, changed.name, existed, changed, inventory._line(changed),
                             LIMIT):
        assert inventory_patch.render(block, HIDDEN_LINE) == render(after, archived)


@pytest.mark.parametrize("edit", [
    lambda t: t.replace("|---|", "|--|", 1),                    # another layout
    lambda t: "".join([*t.splitlines(True)[:-2], *t.splitlines(True)[:-3:-1]]),  # out of order
    lambda t: t + "| p-1 | - | error | - | fix it | - | - |\n",  # a broken project's row
    lambda t: t.replace("|---|---|---|---|---|---|---|\n",
                        "|---|---|---|---|---|---|---|\n| p-0 | - | error | - | fix | - | - |\n"),
    lambda t: t.replace(" completed ", " finished "),           # an unknown state
])
def test_a_block_in_another_shape_is_not_patched(edit: object) -> None:
    before = [make_row("p-1", "drafting", ""), make_row("p-2", "drafting", "2026-01-05"),
              make_row("p-3", "completed", "2026-01-05"), make_row("p-4", "completed", "")]
    text = render(before)
    assert inventory_patch.parse(text, HEADER, 5) is not None
    assert inventory_patch.parse(edit(text), HEADER, 5) is None  # type: ignore[operator]


def test_writes_keep_the_block_exact_without_listing_every_project(
        initialised: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real writes through the CLI: each leaves the block equal to a fresh regeneration
    (``sdd inventory --check``), and none of them lists the other projects."""
    monkeypatch.setattr(inventory, "COMPLETED_SHOWN", 1)
    tasks = "- [ ] T001 First step\n  - verify: ok\n- [ ] T002 Second step\n  - verify: ok\n"
    for name in ("alpha", "beta", "gamma"):
        walk_to(initialised, sdd, name, tasks=tasks)
    listed: list[int] = []
    real = rows.listing

    def counting(*args: object, **kwargs: object) -> object:
        listed.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(inventory, "listing", counting)
    steps = [("done", "T001", "--project", "alpha"), ("done", "T002", "--project", "alpha"),
             ("done", "T001", "--project", "beta"), ("done", "T002", "--project", "beta"),
             ("new", "delta"), ("undo", "T002", "--project", "beta"),
             ("block", "gamma", "--reason", "waiting on the vendor"), ("unblock", "gamma")]
    for step in steps:
        result = sdd(initialised, *step)
        assert result.exit_code == 0, (step, result.output)
        assert sdd(initialised, "inventory", "--check").exit_code == 0, step
    # `inventory --check` lists everything (one each); the writes listed nothing, except
    # undo of beta, the one completed project shown, whose place only a listing can fill
    assert len(listed) == len(steps) + 1


def test_a_stale_block_stays_stale_elsewhere_and_check_says_so(
        initialised: Path, sdd: Invoke) -> None:
    tasks = "- [ ] T001 First step\n  - verify: ok\n- [ ] T002 Second step\n  - verify: ok\n"
    walk_to(initialised, sdd, "alpha", tasks=tasks)
    walk_to(initialised, sdd, "beta", tasks=tasks)
    beta = initialised / "AGENTS.ctx/sdd/assets/beta/tasks.md"
    beta.write_text(beta.read_text().replace("- [ ] T001", "- [x] T001"))  # by hand
    assert sdd(initialised, "done", "T001", "--project", "alpha").exit_code == 0
    block = (initialised / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert "| alpha | tasks | implementing | 1/2 tasks |" in block
    assert "| beta | tasks | implementing | 0/2 tasks |" in block  # not this write's project
    assert sdd(initialised, "inventory", "--check").exit_code == 1
    assert sdd(initialised, "inventory").exit_code == 0
    assert "| beta | tasks | implementing | 1/2 tasks |" in \
        (initialised / "AGENTS.ctx/sdd/CONTEXT.md").read_text()


def test_a_counted_project_in_a_linked_folder_leaves_the_count(
        initialised: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """A completed project counted (not shown) whose folder is a symbolic link to a folder
    elsewhere in the repository: a write that reopens its work takes it out of the count."""
    monkeypatch.setattr(inventory, "COMPLETED_SHOWN", 1)
    tasks = "- [ ] T001 First step\n  - verify: ok\n- [ ] T002 Second step\n  - verify: ok\n"
    for name in ("alpha", "beta"):
        walk_to(initialised, sdd, name, tasks=tasks)
    assets = initialised / "AGENTS.ctx/sdd/assets"
    (initialised / "kept").mkdir()
    (assets / "alpha").rename(initialised / "kept" / "alpha")
    (assets / "alpha").symlink_to(Path("..") / ".." / ".." / "kept" / "alpha")
    for step in [("done", "T001", "--project", "alpha"), ("done", "T002", "--project", "alpha"),
                 ("done", "T001", "--project", "beta"), ("done", "T002", "--project", "beta"),
                 ("undo", "T002", "--project", "alpha")]:
        result = sdd(initialised, *step)
        assert result.exit_code == 0, (step, result.output)
        assert sdd(initialised, "inventory", "--check").exit_code == 0, step


def test_names_equal_in_natural_order_keep_the_regenerated_order(
        initialised: Path, sdd: Invoke) -> None:
    """``p-1``, ``p-01`` and ``p-001`` sort alike by number: a write puts its line where the
    whole regeneration does (plain name order among them), not after its equals."""
    for step in [("new", "p-1"), ("new", "p-01"), ("new", "p-001"),
                 ("block", "p-01", "--reason", "waiting"), ("unblock", "p-01")]:
        result = sdd(initialised, *step)
        assert result.exit_code == 0, (step, result.output)
        assert sdd(initialised, "inventory", "--check").exit_code == 0, step
    rows_ = [r.name for r in (make_row("p-1", "drafting", ""), make_row("p-01", "drafting", ""))]
    block = inventory_patch.parse(render([make_row(n, "drafting", "") for n in rows_]),
                                  HEADER, 5)
    assert block is not None
    changed = make_row("p-1", "drafting", "2026-01-05")
    assert inventory_patch.patch(block, "p-1", True, changed, inventory._line(changed), 5)
    assert inventory_patch.render(block, HIDDEN_LINE) == render(
        [make_row("p-01", "drafting", ""), changed])


def test_a_project_started_in_a_folder_made_by_hand_is_not_taken_from_the_count(
        initialised: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty folder (made by hand, or left by a killed ``sdd new``) is no project and has
    no line; ``sdd new`` in it adds a project, it does not take one from the completed
    count."""
    monkeypatch.setattr(inventory, "COMPLETED_SHOWN", 1)
    tasks = "- [x] T001 First step\n  - verify: ok\n"
    for name in ("alpha", "beta"):
        walk_to(initialised, sdd, name, tasks=tasks)
    assert sdd(initialised, "inventory").exit_code == 0
    assert "| _1 more completed project:" in (initialised / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    (initialised / "AGENTS.ctx/sdd/assets/gamma").mkdir()
    assert sdd(initialised, "inventory", "--check").exit_code == 0
    assert sdd(initialised, "new", "gamma").exit_code == 0
    assert sdd(initialised, "inventory", "--check").exit_code == 0
