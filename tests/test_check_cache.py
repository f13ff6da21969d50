"""``sdd check``'s caches never give a stale answer (issue 15).

Each cache is edited behind its back (same size and same mtime) and the check must see the
change: the per-project records (:mod:`sddkit.checks.memo`), the per-document results
(SDD-005 task findings, SDD-021 plan targets, readiness facts), the test files' names
(SDD-009), and the stamp that names the cache files after the code computing them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke, git, walk_to
from test_bad_input import CASES as BAD_CASES
from test_bad_input import apply as apply_case
from test_bad_input import load_case, standard  # noqa: F401 (a fixture)
from test_cache import age_tree, edit_in_place

from sddkit.io import cache, code_stamp

ASSETS = "AGENTS.ctx/sdd/assets"
TASKS = "- [ ] T001 First\n  - verify: ok\n- [ ] T002 Second\n  - verify: ok\n"


def check(sdd: Invoke, root: Path) -> list[tuple[str, str, str]]:
    result = sdd(root, "check", "--json")
    cache.reset()  # the next command reads the cache files back, as a new process does
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


def _spec_naming_a_test(repo: Path, name: str) -> Path:
    """``name``'s spec references tests/test_pay.py::test_a, which exists; the spec's path."""
    spec = repo / ASSETS / name / "spec.md"
    text = spec.read_text()
    assert "## Acceptance criteria" in text
    spec.write_text(text.replace("## Acceptance criteria\n",
                                 "## Acceptance criteria\n\n- test: tests/test_pay.py::test_a\n",
                                 1))
    (repo / "tests").mkdir()
    (repo / "tests" / "test_pay.py").write_text("def test_a():\n    pass\n")
    age_tree(repo)
    return spec


def test_a_test_file_edit_with_the_same_size_and_mtime_is_seen(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    _spec_naming_a_test(repo, "demo")
    before = {(r, p) for r, p, _m in settled(sdd, repo, monkeypatch)}
    assert ("SDD-009", f"{ASSETS}/demo/spec.md") not in before
    edit_in_place(repo / "tests" / "test_pay.py", "def test_a", "def test_b")
    after = settled(sdd, repo, monkeypatch)
    assert ("SDD-009", f"{ASSETS}/demo/spec.md",
            "tests/test_pay.py has no test 'test_a' (referenced as "
            "'tests/test_pay.py::test_a')") in after


def test_a_spec_reference_edit_with_the_same_size_and_mtime_is_seen(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec_naming_a_test(repo, "alpha")
    assert "SDD-009" not in {r for r, _p, _m in settled(sdd, repo, monkeypatch)}
    edit_in_place(spec, "test_pay.py::test_a", "test_pay.py::test_b")
    found = settled(sdd, repo, monkeypatch)
    assert ("SDD-009", f"{ASSETS}/alpha/spec.md",
            "tests/test_pay.py has no test 'test_b' (referenced as "
            "'tests/test_pay.py::test_b')") in found


def test_an_inherited_context_edit_with_the_same_size_and_mtime_is_seen(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """SDD-010 reads the constitution (kept) and the contexts (judged every run)."""
    constitution = repo / ASSETS / "beta" / "constitution.md"
    text = constitution.read_text()
    constitution.write_text(text.replace("\nstatus:", "\ninherits: backend\nstatus:", 1))
    age_tree(repo)
    assert ("SDD-010", f"{ASSETS}/beta/constitution.md") in {
        (r, p) for r, p, _m in settled(sdd, repo, monkeypatch)}
    assert sdd(repo, "ctx", "new", "backend", "--description", "The backend").exit_code == 0
    cache.reset()
    assert "SDD-010" not in {r for r, _p, _m in settled(sdd, repo, monkeypatch)}
    edit_in_place(constitution, "inherits: backend", "inherits: backenx")
    assert ("SDD-010", f"{ASSETS}/beta/constitution.md") in {
        (r, p) for r, p, _m in settled(sdd, repo, monkeypatch)}


def test_a_deleted_document_is_seen(repo: Path, sdd: Invoke,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """SDD-014: the record of a project is kept for the documents it had."""
    assert settled(sdd, repo, monkeypatch) == []
    (repo / ASSETS / "beta" / "plan.md").unlink()
    found = settled(sdd, repo, monkeypatch)
    assert ("SDD-014", f"{ASSETS}/beta/plan.md") in {(r, p) for r, p, _m in found}


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


def test_a_new_head_is_judged_again(repo: Path, sdd: Invoke,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """SDD-017's results are kept for one HEAD: the same documents committed again by
    someone else (history rewritten, nothing in the work tree changed) are judged again."""
    (repo / "CODEOWNERS").write_text("* ada@example.com\n")
    git(repo, "add", "CODEOWNERS")
    git(repo, "commit", "-q", "-m", "owners")
    assert settled(sdd, repo, monkeypatch) == []
    assert cache.Cache(repo, "approvals").entries  # kept: the next run reuses them
    git(repo, "reset", "-q", "--soft", "HEAD~2")
    with monkeypatch.context() as patch:
        patch.setenv("GIT_AUTHOR_NAME", "Other Person")
        patch.setenv("GIT_AUTHOR_EMAIL", "other@example.com")
        git(repo, "commit", "-q", "-m", "projects, by someone else")
    found = settled(sdd, repo, monkeypatch)
    assert found and {rule for rule, _p, _m in found} == {"SDD-017"}
    assert all("Other Person" in message and "not an approver" in message
               for _r, _p, message in found)


def test_the_history_rule_is_asked_again_at_a_new_head(
        initialised: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """SDD-002's history form: when a document was added is kept for one HEAD; history
    rewritten (the spec now added after the constitution's approval, same bytes on disk)
    is read again."""
    import re

    assert sdd(initialised, "new", "demo").exit_code == 0
    folder = initialised / ASSETS / "demo"
    spec_text = (Path(__file__).parents[1] / "templates/spec.md.j2").read_text()
    spec_text = re.sub(r"\{\{ (project|title)( \| yaml)? \}\}", "demo", spec_text)
    spec_text = re.sub(r"\{%.*?%\}", "", spec_text, flags=re.DOTALL)
    (folder / "spec.md").write_text(spec_text)
    old = "2020-01-01T00:00:00+00:00"
    with monkeypatch.context() as patch:
        patch.setenv("GIT_COMMITTER_DATE", old)
        patch.setenv("GIT_AUTHOR_DATE", old)
        git(initialised, "add", "-A")
        git(initialised, "commit", "-q", "-m", "spec early")
    walk_to(initialised, sdd, "demo", upto="constitution")
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "constitution approved")
    age_tree(initialised)
    cache.reset()
    found = settled(sdd, initialised, monkeypatch)
    assert [(r, p.rsplit("/", 1)[1]) for r, p, _m in found] == [("SDD-002", "spec.md")]
    assert "while constitution was draft" in found[0][2]
    git(initialised, "reset", "-q", "--soft", "HEAD~2")  # one commit, dated now
    git(initialised, "commit", "-q", "-m", "spec with the approved constitution")
    assert settled(sdd, initialised, monkeypatch) == []


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


# --- the same answer warm, cold and without caches, on whole repositories ---------------------

SDD = Path(sys.executable).parent / "sdd"


def _run_check(root: Path, *, no_cache: bool = False) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SDDKIT_NO_CACHE"}
    if no_cache:
        env["SDDKIT_NO_CACHE"] = "1"
    done = subprocess.run([str(SDD), "check", "--json"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    assert done.stderr == "", done.stderr
    return done.stdout


def _forget_caches(root: Path) -> None:
    for folder in {git(root, "rev-parse", "--absolute-git-dir").strip(),
                   git(root, "rev-parse", "--path-format=absolute", "--git-common-dir").strip()}:
        for path in Path(folder).glob("sddkit-*-v*"):
            path.unlink()
    shutil.rmtree(Path.home() / ".cache" / "sddkit", ignore_errors=True)


def same_answer_every_way(root: Path) -> dict:
    """``sdd check --json`` (subprocesses) with no cache file, then twice with the files the
    first run left, then with SDDKIT_NO_CACHE=1: the same bytes each time."""
    _forget_caches(root)
    cold = _run_check(root)
    assert any(p.name.startswith("sddkit-records-")
               for p in Path(git(root, "rev-parse", "--absolute-git-dir").strip()).iterdir())
    assert _run_check(root) == cold
    assert _run_check(root) == cold
    assert _run_check(root, no_cache=True) == cold
    return json.loads(cold)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def _projects(root: Path) -> dict[str, list[str]]:
    """Project name -> the phases it has, for a generated workload."""
    assets = root / ASSETS
    return {p.name: sorted(f.stem for f in p.glob("*.md")) for p in sorted(assets.iterdir())}


def test_a_generated_workload_gets_the_same_answer_warm_cold_and_uncached(
        tmp_path: Path) -> None:
    root = tmp_path / "bench"
    generate = Path(__file__).resolve().parent.parent / "bench" / "generate.py"
    done = subprocess.run([sys.executable, str(generate), "40", str(root)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    clean = same_answer_every_way(root)
    assert clean["summary"]["errors"] == 0
    projects = _projects(root)
    full = [n for n, phases in projects.items() if len(phases) == 4]
    specs = [n for n, phases in projects.items() if phases == ["constitution", "spec"]]
    drafts = [n for n, phases in projects.items() if phases == ["constitution"]]
    # committed: a test renamed (SDD-009), an approved spec edited (SDD-003), a phase gone
    # after its predecessor's approval (SDD-014), approvers named (SDD-017)
    test_file = next((root / "tests").glob("test_*.py"))
    name = test_file.read_text().split("def ", 2)[1].split("(")[0]
    _edit(test_file, f"def {name}(", f"def {name}_renamed(")
    _edit(root / ASSETS / full[0] / "spec.md", "\n## ", "\nAn edit after approval.\n\n## ")
    (root / ASSETS / full[1] / "tasks.md").unlink()
    (root / ASSETS / full[1] / "plan.md").unlink()
    (root / "CODEOWNERS").write_text("AGENTS.ctx/ nobody@example.com\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "edits")
    # not committed: a task without a check (SDD-005), a suppression, an unknown context
    # (SDD-010), two open plans naming one file (SDD-021), a spec of a draft (SDD-002)
    tasks = root / ASSETS / full[2] / "tasks.md"
    tasks.write_text(tasks.read_text() + "\n- [ ] T099 One more step\n")
    tasks = root / ASSETS / full[3] / "tasks.md"
    tasks.write_text(tasks.read_text() + "\n- [ ] T099 Later <!-- sddkit:ignore SDD-005 -- soon -->\n")
    _edit(root / ASSETS / drafts[0] / "constitution.md", "\nstatus:", "\ninherits: nosuch\nstatus:")
    (root / ASSETS / drafts[1] / "spec.md").write_text(
        (root / ASSETS / specs[0] / "spec.md").read_text().replace(specs[0], drafts[1]))
    for name in full[4:6]:
        _edit(root / ASSETS / name / "plan.md", "## Files to create or modify\n",
              "## Files to create or modify\n\n- `src/shared/module.py` (modify)\n")
    found = same_answer_every_way(root)
    rules = {f["rule"] for f in found["findings"]}
    assert {"SDD-002", "SDD-003", "SDD-005", "SDD-009", "SDD-010", "SDD-014", "SDD-017",
            "SDD-021"} <= rules, rules
    assert found["summary"]["suppressed"] >= 1
    assert "SDD-001" not in rules, [f for f in found["findings"] if f["rule"] == "SDD-001"]


@pytest.mark.parametrize("name", BAD_CASES)
def test_every_bad_input_gets_the_same_answer_warm_cold_and_uncached(
        name: str, standard: Path, tmp_path: Path, sdd: Invoke,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case of the bad-input corpus (tests/fixtures/bad/), applied to the standard
    repository: ``sdd check --json`` gives the same output with no cache file, with the
    files the first run left (twice), and with SDDKIT_NO_CACHE=1."""
    repo = tmp_path / "repo"
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copytree(standard, repo, symlinks=True)
    apply_case(load_case(name), repo, outside)
    _forget_caches(repo)

    def output() -> str:
        result = sdd(repo, "check", "--json")
        assert result.exit_code in (0, 1), result.stderr
        cache.reset()  # the next command reads the cache files back, as a new process does
        return result.stdout

    cold = output()
    assert json.loads(cold)["findings"] or load_case(name).exit == 0
    assert output() == cold
    assert output() == cold
    with monkeypatch.context() as patch:
        patch.setenv("SDDKIT_NO_CACHE", "1")
        assert output() == cold


def test_a_new_clone_checks_no_project_again_and_still_sees_an_edit(
        repo: Path, sdd: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records are shared by content between this machine's clones: the first check in a
    new clone loads no project, gives the answer computed without caches, and a project
    edited in the clone (same size and mtime as in the first) is checked again."""
    from sddkit.checks import memo

    _plan_files(repo, "beta", "- `src/pay/client.py` (modify)\n")  # SDD-021 with alpha
    git(repo, "commit", "-qam", "beta names the same file")
    truth = settled(sdd, repo, monkeypatch)
    assert any(rule == "SDD-021" for rule, _p, _m in truth)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    age_tree(clone)
    computed: list[str] = []
    real = memo.compute

    def counting(ws: object, project: object) -> memo.Record:
        computed.append(project.name)  # type: ignore[attr-defined]
        return real(ws, project)  # type: ignore[arg-type]

    monkeypatch.setattr(memo, "compute", counting)
    monkeypatch.setattr("sddkit.checks.compute", counting)
    from sddkit.io import git as git_io

    logs: list[object] = []
    real_log = git_io.log_patches
    monkeypatch.setattr(git_io, "log_patches", lambda *a: logs.append(a) or real_log(*a))
    in_clone = check(sdd, clone)  # a clone's own git config lacks the merge drivers
    assert [f for f in in_clone if f[0] != "SDD-020"] == truth
    assert computed == []  # every record came from the store the clones share
    assert logs == []  # and the gate lines' history read at this HEAD, too
    tasks = clone / ASSETS / "demo" / "tasks.md"
    edit_in_place(tasks, "  - verify: ok\n- [ ] T002", "  - verfiy: ok\n- [ ] T002")
    found = check(sdd, clone)
    assert computed == ["demo"]
    assert ("SDD-005", f"{ASSETS}/demo/tasks.md", "T001 has no `verify:` line") in found
    assert found == uncached(sdd, clone, monkeypatch)
