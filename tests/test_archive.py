"""sdd archive: completed projects move to sdd/archive/ byte for byte and stay checked."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from conftest import git, tree_digest, walk_to

TASKS = """## Phase 1: core
- [ ] T001 Write the parser
  - verify: unit tests pass
"""


def _today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def _completed(root: Path, sdd, name: str = "alpha", spec_refs: str | None = None) -> Path:
    walk_to(root, sdd, name, "spec")
    assets = root / "AGENTS.ctx/sdd/assets" / name
    if spec_refs is not None:
        # a spec that names a test, as a person writes it (then re-approve the spec)
        spec = assets / "spec.md"
        spec.write_text(spec.read_text().replace(
            "## Acceptance criteria\n", f"## Acceptance criteria\n\n1. Parses. test: {spec_refs}\n", 1))
        for step in ("ready", "approve"):
            assert sdd(root, step, name, *(["--by", "Grace"] if step == "approve" else [])
                       ).exit_code == 0
    walk_to(root, sdd, name, "tasks", tasks=TASKS)
    assert sdd(root, "done", "T001", "--project", name).exit_code == 0
    return assets


def test_archive_moves_every_byte_and_counts_in_the_inventory(initialised: Path, sdd) -> None:
    assets = _completed(initialised, sdd)
    (assets / "notes.txt").write_text("kept\r\nas is\r\n")
    before = {k.split("/", 4)[-1]: v for k, v in tree_digest(assets).items()}
    result = sdd(initialised, "archive", "alpha")
    assert result.exit_code == 0, result.stderr
    target = initialised / "AGENTS.ctx/sdd/archive" / f"{_today()}-alpha"
    assert result.stdout == f"archived alpha to AGENTS.ctx/sdd/archive/{_today()}-alpha/ (5 files)\n"
    assert not assets.exists()
    after = {k.split("/", 4)[-1]: v for k, v in tree_digest(target).items()}
    assert {k.rsplit("/", 1)[-1]: v for k, v in after.items()} == \
        {k.rsplit("/", 1)[-1]: v for k, v in before.items()}
    inventory = (initialised / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert "| alpha |" not in inventory
    assert "Archived: 1 (`sdd status --archived` lists them)." in inventory
    assert sdd(initialised, "inventory", "--check").exit_code == 0
    check = sdd(initialised, "check")
    assert check.exit_code == 0, check.stdout
    listed = json.loads(sdd(initialised, "status", "--archived", "--json").stdout)
    assert listed["schema"] == "sddkit.status.archived/1"
    [item] = listed["archived"]
    assert item["project"] == "alpha" and item["tasks"] == {"done": 1, "total": 1}
    assert item["phases"]["tasks"] == "approved" and item["forced"] is None
    assert "alpha" not in sdd(initialised, "status").stdout
    assert f"{_today()}  alpha  1/1 tasks" in sdd(initialised, "status", "--archived").stdout


def test_archive_refuses_an_unfinished_project_unless_forced(initialised: Path, sdd) -> None:
    walk_to(initialised, sdd, "beta", "spec")
    before = tree_digest(initialised)
    refused = sdd(initialised, "archive", "beta")
    assert refused.exit_code == 1
    assert "beta is drafting, not completed" in refused.stderr
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert tree_digest(initialised) == before
    forced = sdd(initialised, "archive", "beta", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "(forced from drafting; recorded)" in forced.stdout
    constitution = (initialised / "AGENTS.ctx/sdd/archive" / f"{_today()}-beta" /
                    "constitution.md").read_text()
    assert "archived_forced: from drafting\n" in constitution
    # the approval hash is over the body: the recorded key does not break it
    assert sdd(initialised, "check").exit_code == 0


def test_dry_run_writes_nothing_and_shows_the_move(initialised: Path, sdd) -> None:
    _completed(initialised, sdd)
    before = tree_digest(initialised)
    result = sdd(initialised, "archive", "alpha", "--dry-run")
    assert result.exit_code == 0
    assert f"+++ b/AGENTS.ctx/sdd/archive/{_today()}-alpha/tasks.md" in result.stdout
    assert "+++ /dev/null" in result.stdout
    assert tree_digest(initialised) == before


def test_archive_completed_takes_every_completed_project(initialised: Path, sdd) -> None:
    _completed(initialised, sdd, "alpha")
    _completed(initialised, sdd, "gamma")
    walk_to(initialised, sdd, "beta", "constitution")
    result = sdd(initialised, "archive", "--completed")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("archived ") == 2
    assert sorted(p.name for p in (initialised / "AGENTS.ctx/sdd/assets").iterdir()) == ["beta"]
    assert sdd(initialised, "archive", "--completed").stdout == "No completed project to archive.\n"
    assert sdd(initialised, "archive").exit_code == 2


def test_an_archived_edit_and_a_vanished_test_are_findings(initialised: Path, sdd) -> None:
    tests = initialised / "tests"
    tests.mkdir()
    (tests / "test_parse.py").write_text("def test_parses():\n    assert True\n")
    _completed(initialised, sdd, spec_refs="tests/test_parse.py::test_parses")
    assert sdd(initialised, "check").exit_code == 0
    assert sdd(initialised, "archive", "alpha").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "archive alpha")
    assert sdd(initialised, "check").exit_code == 0
    # the code moves on: the test named by the archived spec is renamed away
    (tests / "test_parse.py").write_text("def test_parses_v2():\n    assert True\n")
    report = json.loads(sdd(initialised, "check", "--json").stdout)
    [finding] = report["findings"]
    archived = f"AGENTS.ctx/sdd/archive/{_today()}-alpha"
    assert finding["rule"] == "SDD-009" and finding["severity"] == "error"
    assert finding["path"] == f"{archived}/spec.md"
    assert finding["message"].startswith("archived: tests/test_parse.py has no test 'test_parses'")
    # and an edit to an archived document
    (tests / "test_parse.py").write_text("def test_parses():\n    assert True\n")
    plan = initialised / archived / "plan.md"
    plan.write_text(plan.read_text() + "\nOne more thought.\n")
    report = json.loads(sdd(initialised, "check", "--json").stdout)
    assert [(f["rule"], f["path"]) for f in report["findings"]] == [("SDD-003", f"{archived}/plan.md")]
    assert "restore the file from git" in report["findings"][0]["hint"]
    assert "the test an archived spec names is gone" not in report["findings"][0]["hint"]


def test_a_stray_folder_in_the_archive_is_reported(initialised: Path, sdd) -> None:
    (initialised / "AGENTS.ctx/sdd/archive/old-stuff").mkdir(parents=True)
    report = json.loads(sdd(initialised, "check", "--json").stdout)
    assert [(f["rule"], f["path"]) for f in report["findings"]] == \
        [("SDD-001", "AGENTS.ctx/sdd/archive/old-stuff")]


def test_archive_target_taken_is_refused(initialised: Path, sdd) -> None:
    _completed(initialised, sdd)
    (initialised / "AGENTS.ctx/sdd/archive" / f"{_today()}-alpha").mkdir(parents=True)
    before = tree_digest(initialised)
    result = sdd(initialised, "archive", "alpha")
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert tree_digest(initialised) == before


def test_unknown_project_is_one_line(initialised: Path, sdd) -> None:
    result = sdd(initialised, "archive", "nope")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "unknown project 'nope'" in result.stderr


def test_an_archived_project_asked_for_by_name_says_where_it_went(initialised: Path,
                                                                  sdd) -> None:
    """`sdd status alpha` after `sdd archive alpha` says it is archived, and where, instead
    of "no projects yet"."""
    _completed(initialised, sdd)
    assert sdd(initialised, "archive", "alpha").exit_code == 0
    folder = f"AGENTS.ctx/sdd/archive/{_today()}-alpha/"
    for args in (["status", "alpha"], ["next", "alpha"], ["show", "T001", "--project", "alpha"],
                 ["archive", "alpha"]):
        result = sdd(initialised, *args)
        assert result.exit_code == 1, args
        assert result.stderr.count("\n") == 1, (args, result.stderr)
        assert (f"unknown project 'alpha'; it was archived to {folder} "
                "(`sdd status --archived`)") in result.stderr, (args, result.stderr)
    assert "unknown project 'beta'; no projects yet" in sdd(initialised, "status", "beta").stderr
