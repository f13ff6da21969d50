"""``sdd check``'s caches never give a stale answer (issue 15).

Each cache is edited behind its back (same size and same mtime) and the check must see the
change: the per-project records (:mod:`sddkit.checks.memo`), the per-document results
(SDD-005 task findings, SDD-021 plan targets, readiness facts), the test files' names
(SDD-009), and the stamp that names the cache files after the code computing them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Invoke, git, walk_to
from test_cache import age_tree, edit_in_place

from sddkit.io import cache, code_stamp

ASSETS = "AGENTS.ctx/sdd/assets"
TASKS = "- [ ] T001 First\n  - verify: ok\n- [ ] T002 Second\n  - verify: ok\n"


def check(sdd: Invoke, root: Path) -> list[tuple[str, str, str]]:
    result = sdd(root, "check", "--json")
    return sorted((f["rule"], f["path"], f["message"])
                  for f in json.loads(result.stdout)["findings"])


def uncached(sdd: Invoke, root: Path, monkeypatch: pytest.MonkeyPatch
             ) -> list[tuple[str, str, str]]:
    with monkeypatch.context() as patch:
        patch.setenv("SDDKIT_NO_CACHE", "1")
        return check(sdd, root)


def settled(sdd: Invoke, root: Path, monkeypatch: pytest.MonkeyPatch
            ) -> list[tuple[str, str, str]]:
    """The check's answer, twice from the caches (filling, then reading), equal to the
    answer computed without any cache."""
    first, second = check(sdd, root), check(sdd, root)
    truth = uncached(sdd, root, monkeypatch)
    assert first == truth and second == truth
    return truth


def _plan_files(root: Path, name: str, files: str) -> Path:
    plan = root / ASSETS / name / "plan.md"
    text = plan.read_text()
    head, _sep, rest = text.partition("## Files to create or modify\n")
    _old, _sep2, tail = rest.partition("## Choices and rationale")
    plan.write_text(head + "## Files to create or modify\n\n" + files
                    + "\n## Choices and rationale" + tail)
    return plan


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    for name in ("alpha", "beta"):
        walk_to(initialised, sdd, name, upto="spec")
    _plan_files(initialised, "alpha", "- `src/pay/client.py` (modify)\n")
    _plan_files(initialised, "beta", "- `src/pay/server.py` (modify)\n")
    assert sdd(initialised, "inventory").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "projects")
    age_tree(initialised)
    cache.reset()
    return initialised


def records(root: Path) -> dict:
    return cache.Cache(root, "records").entries


def test_records_are_kept_and_reused(repo: Path, sdd: Invoke,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settled(sdd, repo, monkeypatch)
    kept = records(repo)
    assert len(kept) == 3  # one per project
    assert all(key.startswith(f"{ASSETS}\0") for key in kept)


def test_a_task_list_edit_with_the_same_size_and_mtime_is_seen(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settled(sdd, repo, monkeypatch) == []
    tasks = repo / ASSETS / "demo" / "tasks.md"
    edit_in_place(tasks, "  - verify: ok\n- [ ] T002", "  - verfiy: ok\n- [ ] T002")
    found = settled(sdd, repo, monkeypatch)
    assert ("SDD-005", f"{ASSETS}/demo/tasks.md", "T001 has no `verify:` line") in found
    edit_in_place(tasks, "  - verfiy: ok\n- [ ] T002", "  - verify: ok\n- [ ] T002")
    assert settled(sdd, repo, monkeypatch) == []  # back to the bytes a record was kept for


def test_a_plan_edit_with_the_same_size_and_mtime_is_seen(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settled(sdd, repo, monkeypatch) == []
    edit_in_place(repo / ASSETS / "beta" / "plan.md", "src/pay/server.py", "src/pay/client.py")
    found = settled(sdd, repo, monkeypatch)
    assert [(rule, path.split("/")[3]) for rule, path, _m in found] == [
        ("SDD-021", "alpha"), ("SDD-021", "beta")]


def test_a_constitution_edit_with_the_same_size_and_mtime_is_seen(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    settled(sdd, repo, monkeypatch)
    edit_in_place(repo / ASSETS / "demo" / "constitution.md", "Filled in.", "Filled on.")
    found = settled(sdd, repo, monkeypatch)
    assert ("SDD-003", f"{ASSETS}/demo/constitution.md") in {(r, p) for r, p, _m in found}


def test_a_test_file_edit_with_the_same_size_and_mtime_is_seen(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = repo / ASSETS / "demo" / "spec.md"
    text = spec.read_text()
    assert "## Acceptance criteria" in text
    spec.write_text(text.replace("## Acceptance criteria\n",
                                 "## Acceptance criteria\n\n- test: tests/test_pay.py::test_a\n",
                                 1))
    (repo / "tests").mkdir()
    (repo / "tests" / "test_pay.py").write_text("def test_a():\n    pass\n")
    age_tree(repo)
    before = {(r, p) for r, p, _m in settled(sdd, repo, monkeypatch)}
    assert ("SDD-009", f"{ASSETS}/demo/spec.md") not in before
    edit_in_place(repo / "tests" / "test_pay.py", "def test_a", "def test_b")
    after = settled(sdd, repo, monkeypatch)
    assert ("SDD-009", f"{ASSETS}/demo/spec.md",
            "tests/test_pay.py has no test 'test_a' (referenced as "
            "'tests/test_pay.py::test_a')") in after


def test_approvers_and_history_are_judged_every_run(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record keeps what the documents say, not the verdict of the rules that also read
    git and the policy files: approvers named after the record was kept are applied."""
    assert settled(sdd, repo, monkeypatch) == []
    (repo / "CODEOWNERS").write_text("* nobody@example.com\n")
    found = settled(sdd, repo, monkeypatch)
    assert {rule for rule, _p, _m in found} == {"SDD-017"}
    assert any(path.endswith("alpha/spec.md") and "not an approver" in message
               for _r, path, message in found)


def test_results_of_other_code_are_not_read(repo: Path, sdd: Invoke, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The check caches are named by the code's stamp: a rule edited gives new files, and
    the files of the old code go."""
    package = tmp_path / "sddkit"
    shutil.copytree(code_stamp.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(code_stamp, "PACKAGE", package)
    check(sdd, repo)
    old = {kind: cache.location(repo, kind) for kind in ("records", "check")}
    assert all(path.is_file() for path in old.values())
    rule = package / "checks" / "task_list.py"
    rule.write_text(rule.read_text() + "\n# a changed rule\n")
    monkeypatch.setattr(code_stamp, "_stamps", {})
    new = {kind: cache.location(repo, kind) for kind in ("records", "check")}
    assert all(new[k] != old[k] and not new[k].exists() for k in new)
    assert check(sdd, repo) == uncached(sdd, repo, monkeypatch)
    assert all(new[k].is_file() and not old[k].exists() for k in new)
