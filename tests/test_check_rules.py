"""``sdd check`` rules (issue 5): for each rule a fixture that triggers it, and only it.

Each fixture starts from a clean repository (every check passes), breaks one thing, and
asserts the set of rule ids found is exactly that rule.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke, fill, git, walk_to

from sddkit.checks import check_workspace
from sddkit.findings import Finding
from sddkit.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "check"
TASKS = """## Phase 1: core

- [ ] T001 First step
  - verify: pytest -q
- [ ] T002 Second step
  - depends: T001
  - verify: pytest -q
"""


def found(root: Path, projects: list[str] | None = None) -> list[Finding]:
    return check_workspace(Workspace(root), projects).findings


def rules(root: Path) -> set[str]:
    return {f.rule for f in found(root)}


def assets(root: Path, project: str = "demo") -> Path:
    return root / "AGENTS.ctx/sdd/assets" / project


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, count))


def regenerate(root: Path, sdd: Invoke) -> None:
    """What a careful author does after a hand edit: bring the generated blocks up to date."""
    result = sdd(root, "inventory")
    assert result.exit_code == 0, result.stderr


def complete(root: Path, sdd: Invoke, project: str = "demo") -> None:
    walk_to(root, sdd, project, tasks=TASKS)
    for task in ("T001", "T002"):
        result = sdd(root, "done", task, "--project", project)
        assert result.exit_code == 0, result.stderr


@pytest.fixture
def approved(initialised: Path, sdd: Invoke) -> Path:
    """A repository with one project, every phase approved: all clear."""
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    assert found(initialised) == []
    return initialised


@pytest.fixture
def drafting(initialised: Path, sdd: Invoke) -> Path:
    """A repository with one project whose constitution is a fresh draft: all clear."""
    assert sdd(initialised, "new", "demo").exit_code == 0
    assert found(initialised) == []
    return initialised


def test_clean_repositories_have_no_findings(initialised: Path, sdd: Invoke) -> None:
    assert found(initialised) == []
    walk_to(initialised, sdd, "demo", upto="spec")
    assert found(initialised) == []
    complete(initialised, sdd)
    report = check_workspace(Workspace(initialised))
    assert report.findings == [] and report.projects == 1 and report.contexts == 1
    assert report.summary() == "all clear: 1 project, 1 context"


# --- SDD-001 front matter ----------------------------------------------------------------


def test_sdd001_unknown_status(approved: Path) -> None:
    edit(assets(approved) / "spec.md", "status: approved", "status: finished")
    result = found(approved)
    assert {f.rule for f in result} == {"SDD-001"}
    [finding] = result
    assert finding.path == "AGENTS.ctx/sdd/assets/demo/spec.md" and finding.line == 4
    assert "'status' must be one of draft, review, approved" in finding.message


def test_sdd001_unparseable_yaml_names_line_and_skips_other_rules(approved: Path) -> None:
    doc = assets(approved) / "tasks.md"
    edit(doc, "based_on:", "based_on: [unclosed\nbased_on_x:")
    edit(doc, "- [ ] T002 Second step", "- [ ] T001 duplicate")  # SDD-005, but skipped
    [finding] = found(approved)
    assert finding.rule == "SDD-001" and finding.severity == "error"
    assert finding.path.endswith("demo/tasks.md") and finding.line > 1
    assert "invalid YAML" in finding.message


def test_sdd001_context_front_matter(drafting: Path) -> None:
    context = drafting / "AGENTS.ctx/sdd/CONTEXT.md"
    edit(context, "name: sdd", "name: [sdd")
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-001"}
    assert result[0].path == "AGENTS.ctx/sdd/CONTEXT.md"


def test_sdd001_project_folder_not_a_slug(drafting: Path) -> None:
    shutil.copytree(assets(drafting), assets(drafting, "Bad_Name"))
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-001"}
    assert result[0].path == "AGENTS.ctx/sdd/assets/Bad_Name"
    assert "invalid project name" in result[0].message


# --- SDD-002 gate order --------------------------------------------------------------------


def test_sdd002_successor_exists_while_predecessor_draft(drafting: Path) -> None:
    folder = assets(drafting)
    spec = (folder / "constitution.md").read_text().replace("phase: constitution", "phase: spec")
    (folder / "spec.md").write_text(spec)
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-002"}
    [finding] = result
    assert finding.path.endswith("demo/spec.md") and finding.line == 4
    assert "constitution is draft, not approved: a gate was skipped" in finding.message
    assert "sdd ready demo" in finding.hint


def test_sdd002_approved_successor_while_predecessor_draft_is_not_also_stale(
        approved: Path, sdd: Invoke) -> None:
    edit(assets(approved) / "constitution.md", "status: approved", "status: draft")
    regenerate(approved, sdd)
    result = found(approved)
    assert {f.rule for f in result} == {"SDD-002"}  # plan and tasks are not also "stale"
    assert [Path(f.path).name for f in result] == ["spec.md"]


def test_reopen_is_not_a_skipped_gate(approved: Path, sdd: Invoke) -> None:
    result = sdd(approved, "reopen", "demo", "constitution", "--reason", "scope")
    assert result.exit_code == 0, result.stderr
    assert rules(approved) == {"SDD-004"}


def _commit(repo: Path, message: str, date: str | None = None) -> None:
    """Commit everything, optionally with a pinned (backdated) commit date."""
    git(repo, "add", "-A")
    env = {**os.environ, **({"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date} if date
                            else {})}
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, env=env, check=True)


def test_sdd002_history_successor_committed_before_predecessor_approval(
        drafting: Path, sdd: Invoke) -> None:
    folder = assets(drafting)
    # a spec written by hand and committed while the constitution was still a draft
    spec_text = (Path(__file__).parents[1] / "templates/spec.md.j2").read_text()
    spec_text = re.sub(r"\{\{ (project|title)( \| yaml)? \}\}", "demo", spec_text)
    spec_text = re.sub(r"\{%.*?%\}", "", spec_text, flags=re.DOTALL)
    (folder / "spec.md").write_text(spec_text)
    _commit(drafting, "spec early", "2020-01-01T00:00:00+00:00")
    assert rules(drafting) == {"SDD-002"}  # the existence rule
    walk_to(drafting, sdd, "demo", upto="constitution")
    assert (folder / "spec.md").read_text() == spec_text  # approve did not scaffold over it
    _commit(drafting, "constitution approved")
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-002"}  # the history rule
    [finding] = result
    assert "spec.md was added in commit" in finding.message
    assert "while constitution was draft" in finding.message
    # the remedy: review the spec and approve it through the now open gate
    walk_to(drafting, sdd, "demo", upto="spec")
    assert found(drafting) == []


@pytest.mark.parametrize("folder", ['the "docs"', "back\\slash"])
def test_sdd002_history_under_a_folder_git_quotes(
        git_repo: Path, sdd: Invoke, folder: str) -> None:
    """sddkit's root in a folder of the repository whose name git prints C-quoted (a double
    quote, a backslash): the adding commits are found as for a plain folder (the quoted
    names matched no path, so the skipped gate went unreported)."""
    root = git_repo / folder
    root.mkdir()
    assert sdd(root, "init", "--root", str(root)).exit_code == 0
    assert sdd(root, "new", "demo").exit_code == 0
    spec_text = (Path(__file__).parents[1] / "templates/spec.md.j2").read_text()
    spec_text = re.sub(r"\{\{ (project|title)( \| yaml)? \}\}", "demo", spec_text)
    spec_text = re.sub(r"\{%.*?%\}", "", spec_text, flags=re.DOTALL)
    (assets(root) / "spec.md").write_text(spec_text)
    _commit(git_repo, "spec early", "2020-01-01T00:00:00+00:00")
    walk_to(root, sdd, "demo", upto="constitution")
    _commit(git_repo, "constitution approved")
    [finding] = found(root)
    assert finding.rule == "SDD-002" and "spec.md was added in commit" in finding.message


def test_history_successor_added_with_predecessor_approved_then_reapproved(
        approved: Path, sdd: Invoke) -> None:
    # everything committed long ago (backdated), the constitution approved again since
    _commit(approved, "all", "2020-01-01T00:00:00+00:00")
    sdd(approved, "reopen", "demo", "constitution", "--reason", "again")
    edit(assets(approved) / "constitution.md", "Filled in.", "Filled in, amended.")
    walk_to(approved, sdd, "demo", upto="constitution")
    # spec.md was added when the constitution was approved: not a skipped gate, only stale
    assert rules(approved) == {"SDD-004"}


def test_history_outside_git_uses_existence_rule_only(tmp_path: Path, sdd: Invoke) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    assert sdd(root, "init").exit_code == 0
    walk_to(root, sdd, "demo", upto="spec")
    assert found(root) == []
    edit(assets(root) / "constitution.md", "status: approved", "status: review")
    regenerate(root, sdd)
    assert rules(root) == {"SDD-002"}


# --- SDD-003 changed since approval --------------------------------------------------------


def test_sdd003_drift(approved: Path, sdd: Invoke) -> None:
    doc = assets(approved) / "tasks.md"
    doc.write_text(doc.read_text() + "\n- [ ] T003 Sneaked in after approval\n  - verify: true\n")
    regenerate(approved, sdd)
    result = found(approved)
    assert {f.rule for f in result} == {"SDD-003"}
    [finding] = result
    assert finding.path.endswith("demo/tasks.md") and finding.line == 7
    assert "tasks changed since it was approved (by Grace at " in finding.message
    assert "sdd ready demo" in finding.hint


def test_checking_a_task_is_not_drift(approved: Path, sdd: Invoke) -> None:
    assert sdd(approved, "done", "T001", "--project", "demo").exit_code == 0
    assert found(approved) == []


# --- SDD-004 stale -------------------------------------------------------------------------


def test_sdd004_stale_after_reapproval(approved: Path, sdd: Invoke) -> None:
    edit(assets(approved) / "spec.md", "Filled in.", "Filled in, and changed.")
    for step in ("ready", "approve"):  # spec approved again: plan and tasks are stale
        assert sdd(approved, step, "demo").exit_code == 0
    result = found(approved)
    assert {f.rule for f in result} == {"SDD-004"}
    assert [(Path(f.path).name, f.line) for f in result] == [("plan.md", 9), ("tasks.md", 9)]
    assert "plan is stale: spec was approved again since it was approved" in result[0].message


# --- SDD-005 tasks -------------------------------------------------------------------------


@pytest.mark.parametrize(("tasks", "message"), [
    ("- [ ] T001 a\n- [ ] T001 b\n", "duplicate task id T001 (first at line"),
    ("- [ ] T001 a\n  - depends: T009\n", "T001 depends on unknown task T009"),
    ("- [ ] T001 a\n  - depends: T002\n- [ ] T002 b\n  - depends: T001\n",
     "dependency cycle: T001 -> T002 -> T001"),
])
def test_sdd005_task_problems(initialised: Path, sdd: Invoke, tasks: str, message: str) -> None:
    walk_to(initialised, sdd, "demo", upto="plan")
    fill(assets(initialised) / "tasks.md", "## Phase 1: core\n\n" + tasks)
    result = [f for f in found(initialised) if f.severity == "error"]
    assert {f.rule for f in result} == {"SDD-005"}
    assert message in result[0].message and result[0].path.endswith("demo/tasks.md")


def test_sdd005_a_verify_command_nothing_runs_is_a_warning(initialised: Path,
                                                           sdd: Invoke) -> None:
    """A command in backticks is prose to sddkit and `$` alone names none: `sdd done`
    would run nothing, so the author learns it before approval, not from a done mark."""
    walk_to(initialised, sdd, "demo", upto="plan")
    fill(assets(initialised) / "tasks.md", "## Phase 1: core\n\n"
         "- [ ] T001 a\n  - verify: `$ pytest -q`\n"
         "- [ ] T002 b\n  - verify: $\n"
         "- [ ] T003 c\n  - verify: `pytest -q` passes\n"
         "- [ ] T004 d\n  - verify: $ pytest -q\n"
         "- [x] T005 e\n  - verify: `$ make`\n")
    result = sorted((f.line, f.severity, f.message, f.hint) for f in found(initialised)
                    if f.rule == "SDD-005")
    assert [(m, h.split(",")[0]) for _l, _s, m, h in result] == [
        ("T001's `verify:` holds a command in backticks (`$ pytest -q`), read as prose: "
         "nothing runs it", "write it as `verify: $ CMD`"),
        ("T002's `verify: $` names no command: nothing runs",
         "write the command after `$ `"),
    ]
    assert all(severity == "warning" for _l, severity, _m, _h in result)


@pytest.mark.parametrize("command", [
    "$ `make`", "$ ``make test``", "$ `pytest -q` && `ruff check`", "$ $(make check)",
    "$ $(cd src && make)",
])
def test_sdd005_a_command_substitution_run_as_the_command_is_a_warning(
        initialised: Path, sdd: Invoke, command: str) -> None:
    """`` verify: $ `make` `` runs make, then runs what make printed as a command: a
    Markdown code span inside a check, or a `$( )` around all of it, never meant that."""
    walk_to(initialised, sdd, "demo", upto="plan")
    fill(assets(initialised) / "tasks.md", "## Phase 1: core\n\n"
         f"- [ ] T001 a\n  - verify: {command}\n"
         "- [ ] T002 b\n  - verify: $ $(which python3) -m pytest -q\n"  # a real idiom
         "- [ ] T003 c\n  - verify: $ test -n \"`date`\"\n"
         f"- [x] T004 d\n  - verify: {command}\n")
    result = [f for f in found(initialised) if f.rule == "SDD-005"]
    assert [(f.severity, f.message, f.hint) for f in result] == [(
        "warning", f"T001's `verify:` command is a shell command substitution ({command}): "
        "the shell would run it, then run what it prints as a command",
        "write the command itself after `$ `, without backticks or `$( )` around it: "
        "`verify: $ make test`")]


def test_sdd005_a_verify_finding_points_at_its_verify_line(initialised: Path,
                                                           sdd: Invoke) -> None:
    """Each unrunnable `verify:` is reported at its own line (a task may have several, a
    subtask's lines are its own even when its parent's say the same), in every spelling
    the task reader accepts (`**verify**:`, a numbered child)."""
    walk_to(initialised, sdd, "demo", upto="plan")
    tasks = ("## Phase 1: core\n\n"
             "- [ ] T001 a\n  - verify: $ pytest -q\n  - verify: $ `make`\n"
             "- [ ] T002 b\n"
             "  - [ ] T003 c\n    - verify: $\n"
             "  - verify: $\n"
             "- [ ] T004 d\n  - **Verify**: `$ make lint`\n"
             "1. [ ] T005 e\n   1. verify: $ $(make)\n")
    doc = assets(initialised) / "tasks.md"
    fill(doc, tasks)
    text = doc.read_text().split("\n")
    result = sorted((f.line, f.message.split("'")[0]) for f in found(initialised)
                    if f.rule == "SDD-005")
    assert [key for _line, key in result] == ["T001", "T003", "T002", "T004", "T005"]
    assert [text[line - 1].strip() for line, _key in result] == [
        "- verify: $ `make`", "- verify: $", "- verify: $", "- **Verify**: `$ make lint`",
        "1. verify: $ $(make)"]


# --- SDD-006 generated blocks --------------------------------------------------------------


def test_sdd006_inventory_out_of_date(drafting: Path) -> None:
    context = drafting / "AGENTS.ctx/sdd/CONTEXT.md"
    text = context.read_text()
    context.write_text(re.sub(r"\| demo \|.*\n", "", text))
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-006"}
    [finding] = result
    assert finding.path == "AGENTS.ctx/sdd/CONTEXT.md"
    assert text.splitlines()[finding.line - 1] == "<!-- sddkit:inventory:start -->"
    assert finding.message == "the inventory is out of date"
    assert "sdd inventory" in finding.hint


def test_sdd006_contexts_table_out_of_date(drafting: Path) -> None:
    edit(drafting / "AGENTS.ctx/sdd/CONTEXT.md", "description: \"Spec-driven",
         "description: \"Now: spec-driven")
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-006"}
    assert result[0].path == "AGENTS.ctx/CONTEXT.md"
    assert result[0].message == "the contexts table is out of date"


def test_sdd006_broken_managed_block(drafting: Path) -> None:
    context = drafting / "AGENTS.ctx/sdd/CONTEXT.md"
    edit(context, "<!-- sddkit:inventory:end -->\n", "")
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-006"}
    assert "managed block 'inventory' is never closed" in result[0].message
    assert result[0].line > 0


# --- SDD-007 / SDD-008 review --------------------------------------------------------------


def test_sdd007_open_question_in_review(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="constitution")
    spec = assets(initialised) / "spec.md"
    fill(spec)
    assert sdd(initialised, "ready", "demo").exit_code == 0
    assert found(initialised) == []
    spec.write_text(spec.read_text() + "- [ ] Who signs off the rollout?\n")
    result = found(initialised)
    assert {f.rule for f in result} == {"SDD-007"}
    assert "spec is review: unresolved open question" in result[0].message


def test_sdd007_not_for_a_draft(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="constitution")
    assert found(initialised) == []  # the fresh spec draft is full of open questions


def test_sdd008_placeholder_in_review(drafting: Path, sdd: Invoke) -> None:
    constitution = assets(drafting) / "constitution.md"
    fill(constitution)
    assert sdd(drafting, "ready", "demo").exit_code == 0
    edit(constitution, "Filled in.", "<!-- fill: the language -->")
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-008"}
    assert result[0].message == "constitution is review: unfilled template placeholder " \
                                "<!-- fill: ... -->"


def test_sdd008_empty_section_in_forced_approval(drafting: Path, sdd: Invoke) -> None:
    assert sdd(drafting, "approve", "demo", "--force").exit_code == 0
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-008"}


# --- SDD-009 references --------------------------------------------------------------------


SPEC_REFS = """
- EC-002 A tie. test: tests/test_geo.py::test_tie_break
- EC-003 A class test. test: `tests/test_geo.py::TestGeo::test_far[3-km]`
- EC-004 Inherited. test: tests/test_geo.py::TestNear::test_far, tests/test_geo.py::test_async
- EC-005 Elsewhere. test: docs/geo.md
- EC-006 Not a reference: test: by hand, e.g. opening the map.
<!-- EC-007 test: tests/gone.py::test_commented_out -->
```
test: tests/gone.py::test_in_a_code_block
```
"""


def _spec_with(root: Path, sdd: Invoke, lines: str) -> Path:
    walk_to(root, sdd, "demo", upto="constitution")
    spec = assets(root) / "spec.md"
    fill(spec)
    edit(spec, "## Error handling", lines.strip("\n") + "\n\n## Error handling")
    (root / "tests").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "sample_geo.py", root / "tests/test_geo.py")
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs/geo.md").write_text("# geo\n")
    assert sdd(root, "ready", "demo").exit_code == 0, "the spec must be complete"
    return spec


def test_sdd009_references_that_resolve(initialised: Path, sdd: Invoke) -> None:
    _spec_with(initialised, sdd, SPEC_REFS)
    assert found(initialised) == []


@pytest.mark.parametrize(("ref", "message"), [
    ("tests/test_missing.py::test_x", "tests/test_missing.py does not exist"),
    ("tests/test_geo.py::test_nothing", "tests/test_geo.py has no test 'test_nothing'"),
    ("tests/test_geo.py::TestGeo::test_nope", "has no 'test_nope' in class TestGeo"),
    ("tests/test_geo.py::test_tie_break::x", None),  # inside a function: not checked
    ("tests/test_syntax.py::test_a", "tests/test_syntax.py cannot be read as Python (line 1"),
    ("../outside.py", "'../outside.py' points outside the repository"),
    ("docs/missing.md", "docs/missing.md does not exist"),
])
def test_sdd009_broken_reference(initialised: Path, sdd: Invoke, ref: str,
                                 message: str | None) -> None:
    (initialised / "tests").mkdir()
    (initialised / "tests/test_syntax.py").write_text("def test_a(:\n")
    spec = _spec_with(initialised, sdd, f"- EC-002 Something. test: {ref}\n")
    result = found(initialised)
    if message is None:
        assert result == []
        return
    assert {f.rule for f in result} == {"SDD-009"}
    [finding] = result
    assert finding.severity == "warning" and message in finding.message
    lines = spec.read_text().splitlines()
    assert ref in lines[finding.line - 1]


def test_sdd009_is_an_error_once_every_task_is_done(initialised: Path, sdd: Invoke) -> None:
    _spec_with(initialised, sdd, "- EC-002 Something. test: tests/test_geo.py::test_gone\n")
    assert sdd(initialised, "approve", "demo").exit_code == 0
    assert [f.severity for f in found(initialised)] == ["warning"]
    complete(initialised, sdd)
    result = found(initialised)
    assert [(f.rule, f.severity) for f in result] == [("SDD-009", "error")]


def test_sdd009_never_imports_the_test_file(initialised: Path, sdd: Invoke) -> None:
    (initialised / "tests").mkdir()
    boom = initialised / "boom"
    (initialised / "tests/test_side.py").write_text(
        f"open({str(boom)!r}, 'w').write('ran')\n\ndef test_here():\n    pass\n")
    _spec_with(initialised, sdd, "- EC-002 x. test: tests/test_side.py::test_here\n")
    assert found(initialised) == []
    assert not boom.exists()
    assert "test_side" not in " ".join(sys.modules)


# --- SDD-010 contexts ----------------------------------------------------------------------


def _context(root: Path, name: str, includes: str = "") -> Path:
    path = root / "AGENTS.ctx" / name / "CONTEXT.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = f"includes: {includes}\n" if includes else ""
    path.write_text(f"---\nname: {name}\ndescription: the {name} rules\n{extra}---\n# {name}\n")
    return path


def test_sdd010_present_but_unregistered(drafting: Path) -> None:
    _context(drafting, "k8s")
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-010"}
    assert result[0].path == "AGENTS.ctx/k8s/CONTEXT.md" and result[0].line == 2
    assert "context 'k8s' is not registered" in result[0].message


def test_sdd010_registered_but_missing(drafting: Path, sdd: Invoke) -> None:
    assert sdd(drafting, "ctx", "new", "k8s", "--description", "cluster").exit_code == 0
    assert found(drafting) == []
    shutil.rmtree(drafting / "AGENTS.ctx/k8s")
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-010"}
    [finding] = result
    assert finding.path == "AGENTS.ctx/CONTEXT.md"
    assert "[k8s]" in (drafting / "AGENTS.ctx/CONTEXT.md").read_text().splitlines()[
        finding.line - 1]
    assert "registered in the contexts table but AGENTS.ctx/k8s/CONTEXT.md does not exist" \
        in finding.message


@pytest.mark.parametrize(("contexts", "message"), [
    ({"web": "[nope]"}, "includes unknown context 'nope'; known contexts: sdd, web"),
    ({"a": "[b]", "b": "[a]"}, "includes form a cycle: a -> b -> a"),
    ({"a": "[a]"}, "includes form a cycle: a -> a"),
])
def test_sdd010_includes(drafting: Path, sdd: Invoke, contexts: dict[str, str],
                         message: str) -> None:
    for name, includes in contexts.items():
        _context(drafting, name, includes)
    regenerate(drafting, sdd)
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-010"}
    assert [f.message for f in result] == [message]
    assert result[0].line == 4


# --- suppression and SDD-011 ---------------------------------------------------------------


def test_suppression_with_a_reason(drafting: Path, sdd: Invoke) -> None:
    constitution = assets(drafting) / "constitution.md"
    fill(constitution)
    assert sdd(drafting, "ready", "demo").exit_code == 0
    edit(constitution, "Filled in.",
         "<!-- fill: later --> <!-- sddkit:ignore SDD-008 -- decided in the kickoff -->")
    report = check_workspace(Workspace(drafting))
    assert report.findings == [] and report.suppressed == 1


def test_sdd011_suppression_without_a_reason(drafting: Path, sdd: Invoke) -> None:
    constitution = assets(drafting) / "constitution.md"
    fill(constitution)
    assert sdd(drafting, "ready", "demo").exit_code == 0
    edit(constitution, "Filled in.", "<!-- fill: later --> <!-- sddkit:ignore SDD-008 -->")
    result = found(drafting)
    assert [f.rule for f in result] == ["SDD-008", "SDD-011"]  # it suppresses nothing
    assert result[0].line == result[1].line
    assert "suppression of SDD-008 without a reason" in result[1].message


def test_sdd011_alone(drafting: Path) -> None:
    edit(assets(drafting) / "constitution.md", "## Amendments",
         "<!-- sddkit:ignore SDD-008 -->\n\n## Amendments")
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-011"}
    assert result[0].severity == "error"


def test_suppression_syntax_shown_in_code_is_not_a_suppression(drafting: Path) -> None:
    edit(drafting / "AGENTS.ctx/sdd/CONTEXT.md", "## Inventory",
         "Write `<!-- sddkit:ignore SDD-008 -->` with a reason:\n\n```\n"
         "<!-- sddkit:ignore SDD-008 -->\n```\n\n## Inventory")
    assert found(drafting) == []


def test_gate_findings_cannot_be_suppressed(approved: Path, sdd: Invoke) -> None:
    doc = assets(approved) / "tasks.md"
    doc.write_text(doc.read_text() + "<!-- sddkit:ignore SDD-003 -- trust me -->\n")
    regenerate(approved, sdd)
    assert rules(approved) == {"SDD-003"}


# --- the whole run -------------------------------------------------------------------------


def test_findings_sorted_relative_posix_and_never_raise(approved: Path, sdd: Invoke) -> None:
    walk_to(approved, sdd, "other", upto="constitution")
    edit(assets(approved, "other") / "constitution.md", "status: approved", "status: 7")
    (assets(approved) / "plan.md").write_bytes(b"---\nphase: plan\n\xff\n")
    _context(approved, "k8s")
    result = found(approved)
    assert result == sorted(result)
    assert all(not Path(f.path).is_absolute() and "\\" not in f.path for f in result)
    assert {f.rule for f in result} == {"SDD-001", "SDD-010"}
    messages = [f.to_text() for f in result]
    assert any("plan.md:3: SDD-001 error not valid UTF-8" in m for m in messages)


def test_project_filter_checks_only_those_projects(approved: Path, sdd: Invoke) -> None:
    walk_to(approved, sdd, "other", upto="constitution")
    edit(assets(approved, "other") / "constitution.md", "status: approved", "status: 7")
    _context(approved, "k8s")
    report = check_workspace(Workspace(approved), ["demo"])
    assert report.findings == [] and report.projects == 1 and report.contexts == 0
    assert {f.rule for f in found(approved, ["other"])} == {"SDD-001"}


def test_contract_findings_are_included(drafting: Path) -> None:
    contracts = drafting / "AGENTS.ctx/contracts"
    contracts.mkdir()
    (contracts / "pay.yaml").write_text("service: [pay\n")
    result = found(drafting)
    assert result and all(f.rule.startswith("CON-") for f in result)
    assert result[0].path == "AGENTS.ctx/contracts/pay.yaml"


def test_rules_are_documented() -> None:
    from sddkit.checks import RULES

    text = (Path(__file__).parents[1] / "docs/rules.md").read_text()
    for rule in RULES:
        section = text.split(f"## {rule}", 1)
        assert len(section) == 2, f"{rule} has no section in docs/rules.md"
        body = section[1].split("\n## SDD-", 1)[0]
        assert "Bad:" in body and "Good:" in body, rule


def test_this_repository_passes_its_own_check() -> None:
    """The dogfooding AGENTS.ctx of sddkit itself (DESIGN.md section 9): no errors."""
    root = Path(__file__).parents[1]
    if not (root / "AGENTS.ctx").is_dir():  # pragma: no cover - an sdist without it
        pytest.skip("no AGENTS.ctx/ next to the tests")
    errors = [f.to_text() for f in found(root) if f.severity == "error"]
    assert errors == []


def test_sdd010_root_context_missing(drafting: Path) -> None:
    (drafting / "AGENTS.ctx/CONTEXT.md").unlink()
    result = found(drafting)
    assert [(f.rule, f.path, f.message) for f in result] == [
        ("SDD-010", "AGENTS.ctx/CONTEXT.md", "the root context is missing")]


def test_sdd010_context_folder_name_not_a_slug(drafting: Path, sdd: Invoke) -> None:
    _context(drafting, "Web_UI")
    regenerate(drafting, sdd)
    result = found(drafting)
    assert {f.rule for f in result} == {"SDD-010"}
    assert "invalid context name: 'Web_UI' is not allowed" in result[0].message


def test_inventory_file_missing(drafting: Path) -> None:
    (drafting / "AGENTS.ctx/sdd/CONTEXT.md").unlink()
    result = found(drafting)
    assert [(f.rule, f.path) for f in result] == [
        ("SDD-010", "AGENTS.ctx/CONTEXT.md"), ("SDD-006", "AGENTS.ctx/sdd/CONTEXT.md")]


@pytest.mark.parametrize(("line", "refs"), [
    ("- EC-1 x. test: tests/a.py::test_b", ["tests/a.py::test_b"]),
    ("test: `tests/a.py::T::test_b[1-2]`.", ["tests/a.py::T::test_b[1-2]"]),
    ("Tests: a.py::x, b/c.sh and docs/d.md; more", ["a.py::x", "b/c.sh", "docs/d.md"]),
    ("test: by hand, see tests/a.py", []),
    ("test: https://ci.example.com/job/1", []),
    ("attest: tests/a.py", []),
    ("test: e.g. something", []),
    ("x <!-- test: tests/hidden.py --> test: tests/shown.py", ["tests/shown.py"]),
])
def test_reference_syntax(line: str, refs: list[str]) -> None:
    from sddkit.checks.testrefs import references

    text = f"---\nphase: spec\n---\n## Edge cases\n\n{line}\n\n## Behaviour\n\ntest: other.py\n"
    assert [r.text for r in references(text)] == refs
    assert all(r.line == 6 for r in references(text))


@pytest.mark.parametrize(("comment", "rules", "bad"), [
    ("<!-- sddkit:ignore SDD-008 -- a reason -->", {"SDD-008"}, None),
    ("<!--sddkit:ignore SDD-007 --because-->", {"SDD-007"}, None),
    ("<!-- sddkit:ignore SDD-008 -->", set(), "suppression of SDD-008 without a reason"),
    ("<!-- sddkit:ignore SDD-008 -- -->", set(), "suppression of SDD-008 without a reason"),
    ("<!-- sddkit:ignore -->", set(), "malformed suppression"),
    ("<!-- sddkit:ignore SDD-007, SDD-008 -- r -->", set(), "malformed suppression"),
    ("`<!-- sddkit:ignore SDD-008 -->`", set(), None),
])
def test_suppression_syntax(comment: str, rules: set[str], bad: str | None) -> None:
    from sddkit.suppressions import scan

    result = scan("x.md", f"# t\n\ntext {comment}\n")
    assert result.lines.get(3, set()) == rules
    assert [f.message.split(";")[0] for f in result.findings] == ([bad] if bad else [])


def test_moment() -> None:
    from sddkit.checks.gate_drift import moment

    assert moment("2026-11-21T10:00:00Z") == moment("2026-11-21T11:00:00+01:00")
    assert moment("2026-11-21T10:00:00") == moment("2026-11-21T10:00:00Z")
    assert moment("yesterday") is None and moment(None) is None and moment(5) is None


def test_git_history_helpers(git_repo: Path, tmp_path: Path) -> None:
    from sddkit.io.git import added_commits, files_at

    folder = git_repo / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("first\n")
    _commit(git_repo, "a", "2020-01-01T00:00:00+00:00")
    first = git(git_repo, "rev-parse", "HEAD").strip()
    (folder / "a.md").write_text("second\n")
    (folder / "b.md").write_text("b\n")
    _commit(git_repo, "b")
    added = added_commits(git_repo, folder)
    assert added is not None
    assert added[(folder / "a.md").resolve()] == (first, "2020-01-01T00:00:00+00:00")
    assert added[(folder / "b.md").resolve()][0] != first
    assert (git_repo / "README.md").resolve() not in added  # outside the folder asked about
    texts = files_at(git_repo, [(first, folder / "a.md"), (first, folder / "b.md"),
                                (first, folder), ("HEAD", folder / "a.md")])
    assert texts == ["first\n", None, None, "second\n"]
    plain = tmp_path / "plain"
    plain.mkdir()
    assert added_commits(plain, plain) is None
    assert files_at(plain, [(first, plain / "x")]) is None
    assert files_at(plain, []) == []
