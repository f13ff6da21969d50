"""Claims, task-level blocks and handing tasks out to several agents (issue 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Invoke, git, walk_to

TASKS = """## Phase 1: core

- [ ] T001 Create the module
  - verify: python -c "import x"
- [ ] T002 Add the parser
  - verify: pytest tests/test_parser.py
- [ ] T003 Wire the CLI
  - depends: T001
- [ ] T004 Document it
"""


def tasks_path(root: Path, project: str = "demo") -> Path:
    return root / "AGENTS.ctx/sdd/assets" / project / "tasks.md"


@pytest.fixture
def implementing(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "approved")
    return initialised


def nxt(sdd: Invoke, root: Path, *args: str) -> dict:
    result = sdd(root, "next", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_start_writes_a_claim_line_and_keeps_the_gate(implementing: Path, sdd: Invoke) -> None:
    result = sdd(implementing, "start", "T001", "--as", "alice")
    assert result.exit_code == 0, result.stderr
    assert "T001 of demo claimed by alice" in result.stdout
    lines = tasks_path(implementing).read_text().splitlines()
    at = lines.index("- [ ] T001 Create the module")
    assert lines[at + 1] == '  - verify: python -c "import x"'
    assert lines[at + 2].startswith("  - claimed: alice 20")
    # the gate stays open: done still works, and clears the claim
    assert nxt(sdd, implementing, "--as", "bob")["task"]["key"] == "T002"
    mine = nxt(sdd, implementing, "--as", "alice")
    assert mine["task"]["key"] == "T001" and mine["task"]["claimed_by"] == "alice"
    inventory = (implementing / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert "(claimed by alice)" in inventory
    done = sdd(implementing, "done", "T001", "--project", "demo")
    assert done.exit_code == 0, done.stderr
    text = tasks_path(implementing).read_text()
    assert "claimed:" not in text and "- [x] T001" in text
    assert sdd(implementing, "inventory", "--check").exit_code == 0


def test_own_claim_comes_first_and_others_are_skipped(implementing: Path, sdd: Invoke) -> None:
    assert sdd(implementing, "start", "T002", "--as", "alice").exit_code == 0
    data = nxt(sdd, implementing, "--as", "alice")
    assert data["task"]["key"] == "T002"
    data = nxt(sdd, implementing, "--as", "bob")
    assert data["task"]["key"] == "T001"
    assert sdd(implementing, "start", "T001", "--as", "bob").exit_code == 0
    data = nxt(sdd, implementing, "--as", "carol")
    assert data["task"]["key"] == "T004"
    reasons = {s["key"]: s["reason"] for s in data["skipped"]}
    assert reasons["T001"].startswith("claimed by bob since 20")
    assert reasons["T002"].startswith("claimed by alice")
    assert reasons["T003"] == "waits for T001"
    text = sdd(implementing, "next", "--as", "carol").stdout
    assert "skipped: T001 claimed by bob" in text


def test_a_second_start_is_refused_clearly(implementing: Path, sdd: Invoke) -> None:
    assert sdd(implementing, "start", "T001", "--as", "alice").exit_code == 0
    again = sdd(implementing, "start", "T001", "--as", "alice")
    assert again.exit_code == 0 and "already claimed by alice" in again.stdout
    before = tasks_path(implementing).read_text()
    other = sdd(implementing, "start", "T001", "--as", "bob")
    assert other.exit_code == 1
    assert "T001 of demo is claimed by alice since" in other.stderr
    assert tasks_path(implementing).read_text() == before
    held = sdd(implementing, "start", "T003", "--as", "bob")
    assert held.exit_code == 1 and "cannot start: waits for T001" in held.stderr


def test_commands_printed_for_a_name_with_a_space_paste_into_a_shell(implementing: Path,
                                                                      sdd: Invoke) -> None:
    """A claimant name may hold spaces ("Ada Lovelace"): the commands sdd prints for it
    quote it, so pasting them claims as that name, not as "Ada" with a stray argument."""
    assert sdd(implementing, "start", "T001", "--as", "Ada Lovelace").exit_code == 0
    other = sdd(implementing, "start", "T001", "--as", "Bob Smith")
    assert other.exit_code == 1
    assert "take another task (`sdd next --as 'Bob Smith'`)" in other.stderr
    listed = nxt(sdd, implementing, "--all", "--as", "Bob Smith")
    commands = [entry["command"] for entry in listed["available"]]
    assert "sdd start T002 --project demo --as 'Bob Smith'" in commands
    text = sdd(implementing, "next", "--all", "--as", "Bob Smith").stdout
    assert "sdd start T002 --project demo --as 'Bob Smith'" in text


def test_stale_claim_is_reported_and_stolen_with_a_note(implementing: Path, sdd: Invoke,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tasks_path(implementing)
    path.write_text(path.read_text().replace(
        "- [ ] T001 Create the module\n", "- [ ] T001 Create the module\n"
        "  - claimed: alice 2020-01-01T09:00Z\n"))
    data = nxt(sdd, implementing, "--as", "bob")
    assert data["task"]["key"] == "T002"
    assert "stale" in data["skipped"][0]["reason"]
    refused = sdd(implementing, "start", "T001", "--as", "bob")
    assert refused.exit_code == 1 and "--steal" in refused.stderr
    took = sdd(implementing, "start", "T001", "--as", "bob", "--steal", "--json")
    assert took.exit_code == 0, took.stderr
    shape = json.loads(took.stdout)
    assert shape["schema"] == "sddkit.claim/1" and shape["changed"] is True
    assert shape["stolen_from"] == {"name": "alice", "at": "2020-01-01T09:00Z"}
    text = path.read_text()
    assert "  - claimed: bob 20" in text and "alice" in text.split("claimed: bob")[1]
    assert "note: bob took over from alice (claimed 2020-01-01T09:00Z)" in text
    # a fresh claim is not stale: a second steal is refused
    assert sdd(implementing, "start", "T001", "--as", "carol", "--steal").exit_code == 1
    # the claim age is configurable
    monkeypatch.setenv("SDDKIT_CLAIM_TTL", "0s")
    assert sdd(implementing, "start", "T001", "--as", "carol", "--steal").exit_code == 0
    monkeypatch.setenv("SDDKIT_CLAIM_TTL", "soon")
    bad = sdd(implementing, "start", "T002", "--as", "carol")
    assert bad.exit_code == 1 and "SDDKIT_CLAIM_TTL" in bad.stderr


def test_release(implementing: Path, sdd: Invoke) -> None:
    original = tasks_path(implementing).read_text()
    assert sdd(implementing, "start", "T002", "--as", "alice").exit_code == 0
    refused = sdd(implementing, "release", "T002", "--as", "bob")
    assert refused.exit_code == 1 and "claimed by alice" in refused.stderr
    assert sdd(implementing, "release", "T002", "--as", "alice").exit_code == 0
    assert tasks_path(implementing).read_text() == original
    assert "not claimed" in sdd(implementing, "release", "T002").stdout


def test_block_and_unblock_a_task_keep_the_gate(implementing: Path, sdd: Invoke) -> None:
    original = tasks_path(implementing).read_text()
    result = sdd(implementing, "block", "T001", "--project", "demo", "--reason", "needs a key")
    assert result.exit_code == 0, result.stderr
    assert "  - blocked: needs a key" in tasks_path(implementing).read_text()
    data = nxt(sdd, implementing)
    assert data["task"]["key"] == "T002"
    assert data["skipped"][0] == {"key": "T001", "text": "Create the module",
                                  "line": data["skipped"][0]["line"],
                                  "reason": "blocked: needs a key"}
    status = json.loads(sdd(implementing, "status", "demo", "--json").stdout)
    assert "changed" not in json.dumps(status.get("phases", status))
    assert sdd(implementing, "done", "T002", "--project", "demo").exit_code == 0
    assert sdd(implementing, "unblock", "T001", "--project", "demo").exit_code == 0
    text = tasks_path(implementing).read_text()
    assert "blocked:" not in text
    assert text.replace("- [x] T002", "- [ ] T002").split(" <!-- done")[0] == \
        original.split("- [ ] T002 Add the parser")[0] + "- [ ] T002 Add the parser"
    # a project is still blocked by name
    assert sdd(implementing, "block", "demo", "--reason", "on hold").exit_code == 0
    assert nxt(sdd, implementing)["kind"] == "blocked"


def test_next_all_honours_parallel_runs(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", tasks="""## Setup

- [ ] T001 Set up
- [ ] T002 [P] Model A
- [ ] T003 [P] Model B
- [ ] T004 [P] Model C
  - blocked: waiting for a schema
- [ ] T005 Join them
""")
    data = nxt(sdd, initialised, "--all", "--as", "alice")
    assert data["schema"] == "sddkit.next.all/1"
    assert [t["key"] for t in data["available"]] == ["T001"]
    assert sdd(initialised, "done", "T001", "--project", "demo").exit_code == 0
    assert sdd(initialised, "start", "T003", "--as", "bob").exit_code == 0
    data = nxt(sdd, initialised, "--all", "--as", "alice")
    assert [t["key"] for t in data["available"]] == ["T002"]
    assert [(c["key"], c["by"]) for c in data["claimed"]] == [("T003", "bob")]
    assert data["available"][0]["command"] == "sdd start T002 --project demo --as alice"
    text = sdd(initialised, "next", "--all", "--as", "bob").stdout
    assert text.startswith("Yours: T003 Model B")


def test_next_lists_gates_waiting_for_a_person(implementing: Path, sdd: Invoke) -> None:
    assert sdd(implementing, "new", "other").exit_code == 0
    walk_to(implementing, sdd, "other", upto="constitution")
    # the spec of "other" is draft; put it in review so it waits for a person
    spec = implementing / "AGENTS.ctx/sdd/assets/other/spec.md"
    from conftest import fill

    fill(spec)
    assert sdd(implementing, "ready", "other").exit_code == 0
    data = nxt(sdd, implementing)
    assert data["kind"] == "task" and data["project"] == "demo"
    others = {o["project"]: o for o in data["others"]}
    assert others["other"]["needs_person"] == ("spec awaits approval by a person "
                                               "(`sdd approve other`)")
    text = sdd(implementing, "next").stdout
    assert "Needs a person: other: spec awaits approval" in text


def test_next_names_a_few_projects_waiting_for_a_person_and_counts_the_rest(
        implementing: Path, sdd: Invoke) -> None:
    """At 10,000 projects a line per waiting project made `sdd next` 120 KB of text, read
    at every session start; the JSON and `sdd next --all` keep every one."""
    from conftest import fill

    from sddkit.projects.next_step import SHOWN

    names = [f"wait-{i:02d}" for i in range(SHOWN + 3)]
    for name in names:
        assert sdd(implementing, "new", name).exit_code == 0
        fill(implementing / f"AGENTS.ctx/sdd/assets/{name}/constitution.md")
        assert sdd(implementing, "ready", name).exit_code == 0
    text = sdd(implementing, "next").stdout
    waiting = [line for line in text.splitlines() if line.startswith("Needs a person:")]
    assert waiting[:SHOWN] == [f"Needs a person: {name}: constitution awaits approval by a "
                               f"person (`sdd approve {name}`)" for name in names[:SHOWN]]
    assert waiting[SHOWN:] == ["Needs a person: 3 more projects (`sdd next --all` lists them)"]
    data = nxt(sdd, implementing)
    assert [o["project"] for o in data["others"] if o["needs_person"]] == names
    listed = sdd(implementing, "next", "--all").stdout
    assert all(f"Needs a person: {name}:" in listed for name in names)
