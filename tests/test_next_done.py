"""Tasks, sdd next, sdd done and the inventory through the CLI (issue 4)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import Invoke, git, sdd_executable, tree_digest, walk_to

TASKS = """## Phase 1: core

- [ ] T001 Create the module
  - verify: python -c "import x"
- [ ] T002 [P] Add the parser
  - depends: T001
  - verify: pytest tests/test_parser.py
- [ ] T003 Talk to the vendor
  - blocked: waiting on the vendor's API key
- [ ] T004 Wire the CLI
  - depends: T002

## Phase 2: polish

```markdown
- [ ] T999 not a task: inside a code fence
```

- [ ] T005 Document it
"""


def tasks_path(root: Path, project: str = "demo") -> Path:
    return root / "AGENTS.ctx/sdd/assets" / project / "tasks.md"


@pytest.fixture
def implementing(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "approved")
    return initialised


def test_next_gives_first_task_with_details(implementing: Path, sdd: Invoke) -> None:
    data = json.loads(sdd(implementing, "next", "--json").stdout)
    assert data["schema"] == "sddkit.next/1"
    assert data["kind"] == "task" and data["project"] == "demo"
    task = data["task"]
    assert task["key"] == "T001" and task["heading"] == "Phase 1: core"
    assert task["verify"] == ['python -c "import x"']
    assert task["file"] == "AGENTS.ctx/sdd/assets/demo/tasks.md"
    lines = tasks_path(implementing).read_text().splitlines()
    assert lines[task["line"] - 1].startswith("- [ ] T001")
    assert data["command"] == "sdd done T001 --project demo"
    text = sdd(implementing, "next").stdout
    assert text.startswith("Next: T001 Create the module")
    assert "verify: python -c" in text
    assert "When its check passes: sdd done T001 --project demo" in text
    # a task without a `verify:` line has no check to pass
    for key in ("T001", "T002"):
        assert sdd(implementing, "done", key, "--project", "demo").exit_code == 0
    text = sdd(implementing, "next").stdout
    assert text.startswith("Next: T004 Wire the CLI")
    assert "When it is done: sdd done T004 --project demo" in text
    assert "check" not in text


def test_done_flips_exactly_one_box(implementing: Path, sdd: Invoke) -> None:
    path = tasks_path(implementing)
    before = path.read_text().splitlines(keepends=True)
    result = sdd(implementing, "done", "T001", "--project", "demo")
    assert result.exit_code == 0, result.stderr
    after = path.read_text().splitlines(keepends=True)
    diff = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and len(diff) == 1
    old, new = diff[0]
    today = datetime.now(timezone.utc).date().isoformat()
    # a prose check is not run: the mark says so, and names no commit
    assert new == f"- [x] T001 Create the module <!-- done {today} verify=prose -->\n"
    assert old.replace("[ ]", "[x]", 1).rstrip("\n") == new.split(" <!-- done")[0]
    nxt = json.loads(sdd(implementing, "next", "--json").stdout)
    assert nxt["task"]["key"] == "T002"
    assert nxt["progress"] == {"done": 1, "total": 5}
    # the tasks gate stays open: checking a box is not drift
    assert json.loads(sdd(implementing, "status", "demo", "--json").stdout)["flags"] == []


def test_blocked_task_is_skipped_with_reason(implementing: Path, sdd: Invoke) -> None:
    for key in ("T001", "T002", "T004"):
        assert sdd(implementing, "done", key).exit_code == 0
    data = json.loads(sdd(implementing, "next", "--json").stdout)
    assert data["task"]["key"] == "T005"
    assert {"key": "T003", "text": "Talk to the vendor", "line": data["skipped"][0]["line"],
            "reason": "blocked: waiting on the vendor's API key"} in data["skipped"]


def test_done_refuses_open_dependencies_unless_forced(implementing: Path, sdd: Invoke) -> None:
    before = tree_digest(implementing)
    result = sdd(implementing, "done", "T004")
    assert result.exit_code == 1
    assert "T004 waits for T002; finish them first" in result.stderr
    assert tree_digest(implementing) == before
    assert sdd(implementing, "done", "T004", "--force").exit_code == 0


def test_done_twice_is_ok_and_writes_nothing(implementing: Path, sdd: Invoke) -> None:
    sdd(implementing, "done", "T001")
    before = tree_digest(implementing)
    result = sdd(implementing, "done", "T001")
    assert result.exit_code == 0 and "already done" in result.stdout
    assert tree_digest(implementing) == before


def test_unknown_task_lists_nearest(implementing: Path, sdd: Invoke) -> None:
    result = sdd(implementing, "done", "T0001", "--project", "demo")
    assert result.exit_code == 1
    assert "no task 'T0001' in demo; nearest:" in result.stderr
    assert "T001" in result.stderr


def test_unknown_task_without_project_says_where_it_looked(initialised: Path,
                                                          sdd: Invoke) -> None:
    """`--project` would not help a task that exists nowhere: the message names the
    projects searched and their nearest ids, never "add --project"."""
    assert sdd(initialised, "new", "empty").exit_code == 0
    result = sdd(initialised, "done", "T999")
    assert result.exit_code == 1
    assert result.stderr == ("sdd: no task 'T999': no project has a task list yet "
                             "(`sdd next` says what comes first)\n")
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    result = sdd(initialised, "done", "T0001")
    assert result.exit_code == 1
    assert result.stderr.startswith("sdd: ") and result.stderr.count("\n") == 1
    assert ("AGENTS.ctx/sdd/assets/demo/tasks.md: no task 'T0001' in demo; nearest: T001, "
            in result.stderr)
    walk_to(initialised, sdd, "other", tasks="## Phase 1\n\n- [ ] 1. One thing\n")
    before = tree_digest(initialised)
    for command in ("done", "verify", "show", "start", "undo"):
        result = sdd(initialised, command, "T0001")
        assert result.exit_code == 1, command
        assert result.stderr == ("sdd: no task 'T0001' in any project (searched: demo, "
                                 "other); nearest: T001 (demo), 1 (other)\n"), command
    for args in (["block", "T0001", "--reason", "waiting"], ["unblock", "T0001"]):
        result = sdd(initialised, *args)  # not a project name: a task, and its error
        assert result.exit_code == 1, args
        assert result.stderr.startswith("sdd: no task 'T0001' in any project"), args
    assert tree_digest(initialised) == before


def test_done_refused_before_tasks_approved(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="plan")
    (tasks_path(initialised)).write_text(tasks_path(initialised).read_text())
    result = sdd(initialised, "done", "T001", "--project", "demo")
    assert result.exit_code == 1
    assert "tasks of demo is draft" in result.stderr


def test_undo_restores_the_original_bytes(implementing: Path, sdd: Invoke) -> None:
    path = tasks_path(implementing)
    original = path.read_bytes()
    sdd(implementing, "done", "T001")
    assert sdd(implementing, "undo", "T001").exit_code == 0
    assert path.read_bytes() == original


def test_done_with_commit(implementing: Path, sdd: Invoke) -> None:
    result = sdd(implementing, "done", "T001", "--commit")
    assert result.exit_code == 0, result.stderr
    assert git(implementing, "log", "-1", "--format=%s").strip() == "sdd: demo T001 done"
    assert git(implementing, "status", "--porcelain") == ""


def test_done_dry_run(implementing: Path, sdd: Invoke) -> None:
    before = tree_digest(implementing)
    result = sdd(implementing, "done", "T001", "--dry-run")
    assert result.exit_code == 0
    assert "-- [ ] T001 Create the module" in result.stdout
    assert tree_digest(implementing) == before


def test_task_problems_refuse_ready(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="plan")
    path = tasks_path(initialised)
    text = path.read_text().split("## Phase 1")[0]
    path.write_text(text + "- [ ] T001 a\n  - depends: T002\n- [ ] T002 b\n  - depends: T001\n")
    result = sdd(initialised, "ready", "demo")
    assert result.exit_code == 1
    assert "cycle" in result.stderr


def test_inventory_is_deterministic_and_checkable(implementing: Path, sdd: Invoke) -> None:
    sdd(implementing, "new", "alpha")
    ctx = implementing / "AGENTS.ctx/sdd/CONTEXT.md"
    first = ctx.read_bytes()
    assert sdd(implementing, "inventory").exit_code == 0
    assert ctx.read_bytes() == first
    assert sdd(implementing, "inventory", "--check").exit_code == 0
    # a hand edit of a task box makes the inventory stale
    path = tasks_path(implementing)
    path.write_text(path.read_text().replace("- [ ] T001", "- [x] T001"))
    stale = sdd(implementing, "inventory", "--check")
    assert stale.exit_code == 1 and "out of date" in stale.stderr
    assert sdd(implementing, "inventory").exit_code == 0
    block = ctx.read_text().split("<!-- sddkit:inventory:start -->")[1]
    rows = [line for line in block.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0] == "| Project | Phase | Status | Progress | Next | Updated | Notes |"
    assert rows[1].startswith("| demo | tasks | implementing | 1/5 tasks | T002 Add the parser |")
    assert rows[2].startswith("| alpha | constitution | drafting | 0/4 phases |")


def test_next_orders_projects_by_priority(implementing: Path, sdd: Invoke) -> None:
    walk_to(implementing, sdd, "zeta", tasks="- [ ] T001 Zeta first\n")
    data = json.loads(sdd(implementing, "next", "--json").stdout)
    assert data["project"] == "demo"
    assert [o["project"] for o in data["others"]] == ["zeta"]
    constitution = implementing / "AGENTS.ctx/sdd/assets/zeta/constitution.md"
    constitution.write_text(constitution.read_text().replace("priority: 0", "priority: 5"))
    assert json.loads(sdd(implementing, "next", "--json").stdout)["project"] == "zeta"


def test_all_done_says_so(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", tasks="- [ ] T001 Only step\n")
    assert sdd(initialised, "done", "T001").exit_code == 0
    result = sdd(initialised, "next")
    assert result.exit_code == 0
    assert "every project is completed" in result.stdout
    assert json.loads(sdd(initialised, "next", "demo", "--json").stdout)["kind"] == "done"
    assert json.loads(sdd(initialised, "status", "--json").stdout)["projects"][0]["state"] == (
        "completed")


def test_gate_next_steps(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "new", "demo")
    data = json.loads(sdd(initialised, "next", "--json").stdout)
    assert data["kind"] == "write"
    assert data["message"] == ("constitution of demo is draft: write "
                               "AGENTS.ctx/sdd/assets/demo/constitution.md, then `sdd ready demo`")
    walk_to(initialised, sdd, "demo", upto="constitution")
    from conftest import fill

    fill(initialised / "AGENTS.ctx/sdd/assets/demo/spec.md")
    sdd(initialised, "ready", "demo")
    data = json.loads(sdd(initialised, "next", "--json").stdout)
    assert data["kind"] == "approve"
    assert data["message"].startswith("spec of demo awaits approval by a person")


SESSION_TASKS = "".join(f"- [ ] T{n:03d} Step {n}\n  - verify: check {n}\n" for n in range(1, 11))


def test_ten_sessions_resume_in_order(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", tasks=SESSION_TASKS)
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "approved")
    path = tasks_path(initialised)
    original = path.read_text().splitlines()
    exe = sdd_executable()
    order = []
    for _session in range(10):
        out = subprocess.run([exe, "next", "--json"], cwd=initialised, capture_output=True,
                             text=True, check=True)
        key = json.loads(out.stdout)["task"]["key"]
        order.append(key)
        subprocess.run([exe, "done", key], cwd=initialised, capture_output=True, text=True,
                       check=True)
    assert order == [f"T{n:03d}" for n in range(1, 11)]
    final = path.read_text().splitlines()
    assert len(final) == len(original)
    changed = [(a, b) for a, b in zip(original, final) if a != b]
    assert len(changed) == 10
    for old, new in changed:
        assert new.startswith(old.replace("- [ ]", "- [x]", 1) + " <!-- done ")


@pytest.mark.parametrize("attempt", range(20))
def test_eight_concurrent_done(implementing: Path, attempt: int) -> None:
    tasks = "".join(f"- [ ] T{n:03d} Step {n}\n" for n in range(1, 9))
    path = tasks_path(implementing)
    head, _sep, _rest = path.read_text().partition("## Phase 1")
    # rewrite the approved tasks as eight independent steps, then re-approve them
    from click.testing import CliRunner

    from sddkit.cli.group import cli

    runner = CliRunner()
    path.write_text(head + tasks)
    for step in ("ready", "approve"):
        result = runner.invoke(cli, ["--root", str(implementing), step, "demo"])
        assert result.exit_code == 0, result.stderr
    exe = sdd_executable()
    env = {**os.environ}
    procs = [
        subprocess.Popen([exe, "--root", str(implementing), "done", f"T{n:03d}"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for n in range(1, 9)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    text = path.read_text()
    assert text.count("- [x] T0") == 8
    check = runner.invoke(cli, ["--root", str(implementing), "inventory", "--check"])
    assert check.exit_code == 0, check.stderr
    assert "8/8 tasks" in (implementing / "AGENTS.ctx/sdd/CONTEXT.md").read_text()


def test_next_warns_about_task_problems_after_a_forced_approval(initialised: Path,
                                                                 sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="plan")
    path = tasks_path(initialised)
    head = path.read_text().split("## Phase 1")[0]
    path.write_text(head + "- [ ] T001 a\n  - depends: T404\n- [ ] T002 b\n")
    assert sdd(initialised, "approve", "demo", "--force").exit_code == 0
    out = sdd(initialised, "next").stdout
    assert out.startswith("Next: T002 b")
    assert "skipped: T001 waits for T404" in out
    assert "warning: the task list has 1 error(s) and 0 warning(s)" in out


# --- issue 13: real task lists through the CLI -------------------------------------------


def test_next_orders_story_names_naturally(initialised: Path, sdd: Invoke) -> None:
    for name in ("story-1-10", "story-1-2", "story-2-1"):
        walk_to(initialised, sdd, name, tasks=f"- [ ] T001 Work on {name}\n  - verify: true\n")
    data = json.loads(sdd(initialised, "next", "--json").stdout)
    assert data["project"] == "story-1-2"
    assert [o["project"] for o in data["others"]] == ["story-1-10", "story-2-1"]
    inventory = (initialised / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert inventory.index("| story-1-2 ") < inventory.index("| story-1-10 ")


FOREIGN = """## Tasks

- [x] T001: Resolve the config path
- [~] T002: Read the config file
- [ ] Write the docs (Depends on: Task 2 - the reader must exist first)
- [ ]* T004 Add a progress bar
"""


def test_a_foreign_list_schedules_and_completes_as_a_person_reads_it(
        initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", tasks=FOREIGN)
    data = json.loads(sdd(initialised, "next", "--json").stdout)
    assert data["task"]["key"] == "T002" and data["progress"] == {"done": 1, "total": 3}
    assert data["task"]["optional"] is False
    check = sdd(initialised, "check")
    assert "SDD-005 warning" in check.stdout and "no task has a `verify:` line" in check.stdout
    assert check.exit_code == 0
    # the positional key it prints for the id-less task is pasteable into a shell
    assert sdd(initialised, "done", "T002").exit_code == 0
    text = sdd(initialised, "next").stdout
    assert text.startswith("Next: task-3 Write the docs")
    assert "sdd done task-3 --project demo" in text
    done = sdd(initialised, "done", "task-3")
    assert done.exit_code == 0, done.stderr
    result = json.loads(sdd(initialised, "next", "demo", "--json").stdout)
    assert result["kind"] == "done" and "1 optional task(s) left open" in result["message"]
    state = json.loads(sdd(initialised, "status", "--json").stdout)["projects"][0]["state"]
    assert state == "completed"


def test_tracking_lines_under_a_task_keep_the_gate_open(implementing: Path, sdd: Invoke) -> None:
    path = tasks_path(implementing)
    text = path.read_text()
    path.write_text(text.replace("- [ ] T001 Create the module\n",
                                 "- [-] T001 Create the module\n  - claimed: agent-a 2026-11-30\n"
                                 "  - note: started on the parser first\n"))
    # another name's claim is skipped (issue 19); the claimant gets its own task first
    assert json.loads(sdd(implementing, "next", "--json").stdout)["kind"] == "claimed"
    data = json.loads(sdd(implementing, "next", "--json", "--as", "agent-a").stdout)
    assert data["kind"] == "task"
    assert data["task"]["claimed_by"] == "agent-a" and data["task"]["claimed_at"] == "2026-11-30"
    assert data["task"]["notes"] == ["started on the parser first"]
    assert sdd(implementing, "done", "T001").exit_code == 0
    assert sdd(implementing, "undo", "T001").exit_code == 0
    assert "changed since approval" not in sdd(implementing, "check").stdout


def test_done_refuses_a_subtask_whose_parent_waits(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", tasks="- [ ] 1. Set up\n  - verify: true\n"
            "- [ ] 2. Build\n  - depends: 1\n  - [ ] 2.1 Routes\n    - verify: true\n")
    refused = sdd(initialised, "done", "2.1")
    assert refused.exit_code == 1
    assert "2.1 waits for 1; finish them first (or --force)" in refused.stderr
    assert json.loads(sdd(initialised, "next", "--json").stdout)["task"]["key"] == "1"
