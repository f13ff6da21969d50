"""The inventory block stays readable at any size: active projects listed, old completed
ones counted (issue 15: under 16 KB at 10,000 projects when most are completed)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Invoke, walk_to

from sddkit.projects.inventory import COMPLETED_SHOWN, render
from sddkit.projects.rows import ProjectRow


def row(index: int, state: str) -> ProjectRow:
    done = 20 if state == "completed" else 10
    return ProjectRow(
        name=f"billing-retry-policy-{index:05d}", title=f"Retry policy {index}", state=state,
        phase="tasks", flags=(), done=done, total=20, clean_phases=4, implementing=True,
        priority=0, blocked=None, updated=f"2026-{1 + index % 12:02d}-{1 + index % 28:02d}",
        notes="owner: Ada Lovelace" if index % 3 == 0 else "",
        blocker=None, next_task=None if state == "completed" else "T011 Persist the retry table",
        tasks=None)


def test_ten_thousand_mostly_completed_projects_fit_in_16_kb() -> None:
    states = ["implementing"] * 40 + ["drafting"] * 30 + ["awaiting-approval"] * 15 + \
        ["blocked"] * 5
    rows = [row(i, s) for i, s in enumerate(states)]
    rows += [row(i, "completed") for i in range(len(states), 10_000)]
    block = render(rows)
    assert len(block.encode("utf-8")) < 16 * 1024
    for active in rows[: len(states)]:
        assert f"| {active.name} |" in block  # every active project keeps its row
    listed = [r for r in rows if r.state == "completed" and f"| {r.name} |" in block]
    assert len(listed) == COMPLETED_SHOWN
    newest = sorted((r for r in rows if r.state == "completed"),
                    key=lambda r: (r.updated, r.name), reverse=True)[:COMPLETED_SHOWN]
    assert sorted(listed, key=lambda r: r.name) == sorted(newest, key=lambda r: r.name)
    hidden = 10_000 - len(states) - COMPLETED_SHOWN
    assert f"_{hidden} more completed projects: `sdd status` lists every project_" in block


def test_status_lists_every_completed_project(initialised: Path, sdd: Invoke) -> None:
    names = [f"done-{n}" for n in range(COMPLETED_SHOWN + 2)]
    for name in names:
        walk_to(initialised, sdd, name, tasks="- [ ] T001 Only step\n  - verify: ok\n")
        assert sdd(initialised, "done", "T001", "--project", name).exit_code == 0
    block = (initialised / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert "_2 more completed projects" in block
    assert sdd(initialised, "inventory", "--check").exit_code == 0
    listed = json.loads(sdd(initialised, "status", "--json").stdout)["projects"]
    assert [p["project"] for p in listed] == sorted(names)
