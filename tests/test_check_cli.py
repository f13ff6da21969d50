"""``sdd check`` on the command line: output, exit codes, --json, --strict, PROJECT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Invoke, fill, walk_to

TASKS = "## Phase 1: core\n\n- [ ] T001 First step\n  - verify: true\n"


def assets(root: Path, project: str = "demo") -> Path:
    return root / "AGENTS.ctx/sdd/assets" / project


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    return initialised


def drift(root: Path, sdd: Invoke) -> None:
    doc = assets(root) / "tasks.md"
    doc.write_text(doc.read_text() + "- [ ] T002 Added after approval\n  - verify: true\n")
    assert sdd(root, "inventory").exit_code == 0


def warn(root: Path, sdd: Invoke) -> None:
    """A spec in review that references a test not written yet: a warning."""
    walk_to(root, sdd, "other", upto="constitution")
    spec = assets(root, "other") / "spec.md"
    fill(spec)
    text = spec.read_text().replace("## Error handling",
                                    "- EC-009 x. test: tests/test_later.py::test_x\n\n"
                                    "## Error handling")
    spec.write_text(text)
    assert sdd(root, "ready", "other").exit_code == 0


def test_all_clear(repo: Path, sdd: Invoke) -> None:
    result = sdd(repo, "check")
    assert result.exit_code == 0
    assert result.stdout == "all clear: 1 project, 1 context\n"
    assert result.stderr == ""


def test_error_lines_summary_and_exit_1(repo: Path, sdd: Invoke) -> None:
    drift(repo, sdd)
    result = sdd(repo, "check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "AGENTS.ctx/sdd/assets/demo/tasks.md:7: SDD-003 error tasks changed since it was "
        "approved (by Grace at ")
    assert lines[0].endswith("(if the change is meant: `sdd ready demo`, then a person runs "
                             "`sdd approve demo`; otherwise revert it)")
    assert lines[1:] == ["1 error, 0 warnings in 1 project"]
    assert result.stderr == ""


def test_output_is_sorted(repo: Path, sdd: Invoke) -> None:
    drift(repo, sdd)
    warn(repo, sdd)
    (repo / "AGENTS.ctx/zz").mkdir()
    (repo / "AGENTS.ctx/zz/CONTEXT.md").write_text("---\nname: zz\ndescription: z\n---\n")
    result = sdd(repo, "check")
    findings = result.stdout.splitlines()[:-1]
    assert [line.split(": ")[1].split()[0] for line in findings] == \
        ["SDD-003", "SDD-009", "SDD-010"]
    keys = [(line.split(":")[0], int(line.split(":")[1])) for line in findings]
    assert keys == sorted(keys)
    assert result.stdout.splitlines()[-1] == "2 errors, 1 warning in 2 projects"


def test_warnings_fail_only_with_strict(repo: Path, sdd: Invoke) -> None:
    warn(repo, sdd)
    result = sdd(repo, "check")
    assert result.exit_code == 0, result.stdout
    assert "SDD-009 warning tests/test_later.py does not exist" in result.stdout
    assert result.stdout.splitlines()[-1] == "0 errors, 1 warning in 2 projects"
    strict = sdd(repo, "check", "--strict")
    assert strict.exit_code == 1
    assert strict.stdout == result.stdout and strict.stderr == ""


def test_json(repo: Path, sdd: Invoke) -> None:
    drift(repo, sdd)
    result = sdd(repo, "check", "--json")
    assert result.exit_code == 1 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["schema"] == "sddkit.check/1"
    [finding] = data["findings"]
    assert finding["rule"] == "SDD-003" and finding["severity"] == "error"
    assert finding["path"] == "AGENTS.ctx/sdd/assets/demo/tasks.md" and finding["line"] == 7
    assert set(finding) == {"rule", "severity", "path", "line", "message", "hint"}
    assert data["summary"] == {"errors": 1, "warnings": 0, "suppressed": 0, "projects": 1,
                               "contexts": 1}


def test_json_all_clear(repo: Path, sdd: Invoke) -> None:
    result = sdd(repo, "check", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []


def test_project_arguments(repo: Path, sdd: Invoke) -> None:
    warn(repo, sdd)
    drift(repo, sdd)
    only = sdd(repo, "check", "other")
    assert only.exit_code == 0
    assert "demo" not in only.stdout and "other/spec.md" in only.stdout
    assert only.stdout.splitlines()[-1] == "0 errors, 1 warning in 1 project"
    both = sdd(repo, "check", "other", "demo")
    assert both.exit_code == 1
    assert both.stdout.splitlines()[-1] == "1 error, 1 warning in 2 projects"


def test_unknown_project(repo: Path, sdd: Invoke) -> None:
    result = sdd(repo, "check", "nope")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "sdd: unknown project 'nope'; known projects: demo\n"


def test_invalid_project_name(repo: Path, sdd: Invoke) -> None:
    result = sdd(repo, "check", "../etc")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("sdd: invalid project name: '../etc' is not allowed")


def test_broken_files_are_findings_not_crashes(repo: Path, sdd: Invoke) -> None:
    (assets(repo) / "spec.md").write_text("---\nproject: demo\nphase: spec\nstatus: [\n---\n")
    (repo / "AGENTS.ctx/sdd/CONTEXT.md").write_text(
        (repo / "AGENTS.ctx/sdd/CONTEXT.md").read_text().replace(
            "<!-- sddkit:inventory:start -->", "<!-- sddkit:inventory:start -->\n"
            "<!-- sddkit:inventory:start -->"))
    result = sdd(repo, "check")
    assert result.exit_code == 1 and result.stderr == ""
    assert "spec.md:5: SDD-001 error invalid YAML" in result.stdout


def test_outside_a_repository(tmp_path: Path, sdd: Invoke) -> None:
    result = sdd(tmp_path, "check")
    assert result.exit_code == 1 and result.stdout == ""
    assert "no AGENTS.ctx/ here; run `sdd init" in result.stderr


def test_help(sdd: Invoke, repo: Path) -> None:
    result = sdd(repo, "check", "--help")
    assert result.exit_code == 0
    for option in ("--json", "--strict", "[PROJECT]..."):
        assert option in result.stdout


def test_a_real_process(repo: Path, run_sdd) -> None:  # type: ignore[no-untyped-def]
    done = run_sdd("check", cwd=repo / "AGENTS.ctx/sdd")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "all clear: 1 project, 1 context\n" and done.stderr == ""


def test_text_in_pieces_is_the_text_built_whole(repo: Path, sdd: Invoke) -> None:
    """`sdd check` writes its text in pieces (never the whole 10 MB at 10,000 projects):
    joined, the pieces are the text built whole, for pieces of one line and of many."""
    from sddkit import operations
    from sddkit.io import cache
    from sddkit.workspace import Workspace

    drift(repo, sdd)
    warn(repo, sdd)
    ws = Workspace.find(override=repo)
    whole = operations.check(ws, form="text")
    cache.reset()
    pieces = operations.check(ws, form="lines")
    assert pieces.text == "" and pieces.data is None and whole.data is None
    assert whole.text.count("\n") == 3  # two findings and the summary
    for size in (1, 2, 1000):
        assert "".join(pieces.text_chunks(size)) == whole.text
    assert (pieces.exit_code, pieces.errors, pieces.warnings_found) == \
        (whole.exit_code, whole.errors, whole.warnings_found) == (1, 1, 1)
    assert sdd(repo, "check").stdout == whole.text
