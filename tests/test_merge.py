"""Parallel branches: sddkit's own edits merge with plain `git merge`, without conflicts."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import git, walk_to

from sddkit.io.markers import heal_block_conflicts
from sddkit.repository.merge_drivers import merge_task_states

TASKS = """## Phase 1: core
- [ ] T001 Write the reader
  - verify: reader tests pass
- [ ] T002 Write the writer
- [ ] T003 Write the merger
"""


def _done(sdd, root: Path, task: str, project: str) -> None:
    result = sdd(root, "done", task, "--project", project)
    assert result.exit_code == 0, result.stderr


def _commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def test_init_registers_the_drivers(initialised: Path, sdd) -> None:
    attributes = (initialised / ".gitattributes").read_text()
    assert "AGENTS.ctx/sdd/assets/*/tasks.md merge=sddkit-tasks\n" in attributes
    assert "AGENTS.ctx/sdd/CONTEXT.md merge=sddkit-inventory\n" in attributes
    driver = git(initialised, "config", "--get", "merge.sddkit-tasks.driver").strip()
    assert driver.endswith("merge-driver tasks %O %A %B %P")
    # a clone has .gitattributes but not the config: check says so, init repairs it
    git(initialised, "config", "--unset", "merge.sddkit-tasks.driver")
    result = sdd(initialised, "check")
    assert "SDD-020" in result.stdout and "sdd init" in result.stdout
    again = sdd(initialised, "init")
    assert "registered git merge drivers sddkit-tasks" in again.stdout
    assert sdd(initialised, "check").exit_code == 0
    assert (initialised / ".gitattributes").read_text() == attributes  # appended once


def test_two_branches_completing_adjacent_tasks_merge_cleanly(initialised: Path, sdd) -> None:
    root = initialised
    walk_to(root, sdd, "alpha", tasks=TASKS)
    walk_to(root, sdd, "beta", tasks=TASKS)
    _commit(root, "two projects, tasks approved")
    git(root, "checkout", "-q", "-b", "agent-b")
    _done(sdd, root, "T001", "alpha")
    _done(sdd, root, "T003", "beta")
    _commit(root, "agent b: alpha T001, beta T003")
    git(root, "checkout", "-q", "main")
    _done(sdd, root, "T002", "alpha")
    _done(sdd, root, "T003", "alpha")
    _done(sdd, root, "T001", "beta")
    _commit(root, "agent a: alpha T002 T003, beta T001")
    merged = subprocess.run(["git", "merge", "-q", "--no-edit", "agent-b"], cwd=root,
                            capture_output=True, text=True)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert git(root, "status", "--porcelain") == ""
    alpha = (root / "AGENTS.ctx/sdd/assets/alpha/tasks.md").read_text()
    assert alpha.count("- [x] T00") == 3 and "<<<<<<<" not in alpha
    beta = (root / "AGENTS.ctx/sdd/assets/beta/tasks.md").read_text()
    assert "- [x] T001" in beta and "- [ ] T002" in beta and "- [x] T003" in beta
    check = sdd(root, "inventory", "--check")
    assert check.exit_code == 0, check.stdout + check.stderr
    assert "| alpha | tasks | completed | 3/3 tasks |" in \
        (root / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert sdd(root, "check").exit_code == 0


def test_a_real_conflict_is_left_to_git(initialised: Path, sdd) -> None:
    root = initialised
    walk_to(root, sdd, "alpha", tasks=TASKS)
    _commit(root, "approved")
    git(root, "checkout", "-q", "-b", "other")
    path = root / "AGENTS.ctx/sdd/assets/alpha/tasks.md"
    path.write_text(path.read_text().replace("Write the writer", "Write the fast writer"))
    _commit(root, "other: reword")
    git(root, "checkout", "-q", "main")
    path.write_text(path.read_text().replace("Write the writer", "Write the safe writer"))
    _commit(root, "main: reword")
    merged = subprocess.run(["git", "merge", "-q", "--no-edit", "other"], cwd=root,
                            capture_output=True, text=True)
    assert merged.returncode != 0
    text = path.read_text()
    assert "<<<<<<< ours:" in text and "Write the fast writer" in text
    assert "Write the safe writer" in text


def test_state_merge_rules() -> None:
    base = "- [ ] T1 a\n- [ ] T2 b\n"
    ours = "- [x] T1 a <!-- done 2026-11-30 -->\n- [ ] T2 b\n"
    theirs = "- [ ] T1 a\n- [-] T2 b\n  - claimed: bo 2026-11-30\n"
    assert merge_task_states(base, ours, theirs) == \
        "- [x] T1 a <!-- done 2026-11-30 -->\n- [-] T2 b\n  - claimed: bo 2026-11-30\n"
    # both checked the same task with different marks: ours
    both = "- [x] T1 a <!-- done 2026-12-01 -->\n- [ ] T2 b\n"
    assert merge_task_states(base, ours, both) == ours
    # one checked, the other claimed the same task: not a state-only merge
    claimed = "- [-] T1 a\n- [ ] T2 b\n"
    assert merge_task_states(base, ours, claimed) is None
    # a text change is never merged here
    assert merge_task_states(base, ours, "- [ ] T1 a\n- [ ] T2 c\n") is None


def test_inventory_heals_conflict_markers_in_its_block(initialised: Path, sdd) -> None:
    root = initialised
    walk_to(root, sdd, "alpha", tasks=TASKS)
    context = root / "AGENTS.ctx/sdd/CONTEXT.md"
    text = context.read_text()
    start = text.index("| alpha |")
    end = text.index("\n", start) + 1
    row = text[start:end]
    broken = (text[:start] + "<<<<<<< HEAD\n" + row + "=======\n" +
              row.replace("0/3", "1/3") + ">>>>>>> other\n" + text[end:])
    context.write_text(broken)
    assert sdd(root, "inventory", "--check").exit_code == 1
    assert sdd(root, "inventory").exit_code == 0
    assert context.read_text() == text
    # conflict hunks outside the block are a person's: left alone
    outside = "<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> x\n"
    assert heal_block_conflicts(outside + text, "inventory") == outside + text


def _plan_with(root: Path, sdd, name: str, files: str) -> None:
    walk_to(root, sdd, name, upto="spec")
    plan = root / "AGENTS.ctx/sdd/assets" / name / "plan.md"
    text = plan.read_text()
    head, _sep, rest = text.partition("## Files to create or modify\n")
    _old, _sep2, tail = rest.partition("## Choices and rationale")
    plan.write_text(head + "## Files to create or modify\n\n" + files + "\n## Choices and rationale"
                    + tail)


def test_two_open_plans_naming_the_same_file_or_contract_warn(initialised: Path, sdd) -> None:
    import json

    root = initialised
    _plan_with(root, sdd, "alpha", "- `src/pay/client.py` (modify): retries\n"
               "- AGENTS.ctx/contracts/pay.yaml: a new timeout\n")
    _plan_with(root, sdd, "beta", "- `src/refund.py` (create)\n"
               "- `src/pay/client.py` (modify): refunds\n- AGENTS.ctx/contracts/pay.yaml\n")
    _plan_with(root, sdd, "gamma", "- `src/other.py` (create)\n")
    report = json.loads(sdd(root, "check", "--json").stdout)
    overlap = sorted((f["path"].split("/")[3], f["message"])
                     for f in report["findings"] if f["rule"] == "SDD-021")
    assert overlap == [
        ("alpha", "plan names contract pay.yaml, which the plan of beta names too"),
        ("alpha", "plan names file src/pay/client.py, which the plan of beta names too"),
        ("beta", "plan names contract pay.yaml, which the plan of alpha names too"),
        ("beta", "plan names file src/pay/client.py, which the plan of alpha names too"),
    ]
    assert all(f["severity"] == "warning" for f in report["findings"] if f["rule"] == "SDD-021")


def test_a_file_many_open_plans_name_is_reported_with_five_names_and_a_count(
        initialised: Path) -> None:
    """A file a hundred plans name must not give a hundred findings of a hundred names:
    each finding names five other projects and counts the rest."""
    from sddkit.checks import overlap
    from sddkit.workspace import Workspace

    ws = Workspace.find(override=initialised)
    plans = [(f"p{i}", f"AGENTS.ctx/sdd/assets/p{i}/plan.md", {"file:src/shared.py": 9})
             for i in range(8)]
    plans.append(("solo", "AGENTS.ctx/sdd/assets/solo/plan.md", {"file:src/own.py": 4}))
    found = overlap.check(ws, plans)
    assert len(found) == 8
    assert found[0].message == ("plan names file src/shared.py, which the plan of p1, p2, p3, "
                                "p4, p5 and 2 others names too")
    assert found[7].message == ("plan names file src/shared.py, which the plan of p0, p1, p2, "
                                "p3, p4 and 2 others names too")
    six = overlap.check(ws, plans[:6])
    assert six[0].message.endswith("which the plan of p1, p2, p3, p4, p5 names too")
    seven = overlap.check(ws, plans[:7])
    assert seven[0].message.endswith("p4, p5 and 1 other names too")
