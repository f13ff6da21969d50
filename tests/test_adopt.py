"""sdd adopt: foreign spec-driven work and agent rules become projects and contexts.

Each tree under tests/fixtures/adopt/ is one foreign layout, written for these tests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import git, tree_digest

FIXTURES = Path(__file__).parent / "fixtures" / "adopt"

#: layout -> (project, copied phases, tasks done/total after approval, next task id)
EXPECTED = {
    "spec-kit": ("001-recipe-search", "spec, plan, tasks", (2, 5), "T003"),
    "openspec": ("add-csv-export", "spec, tasks", (0, 3), "1.1"),
    "kiro": ("notification-settings", "spec, plan, tasks", (1, 4), "2.1"),
    "agent-os": ("invoice-reminders", "spec, plan, tasks", (0, 5), "1.1"),
}


def _tree(tmp_path: Path, layout: str) -> Path:
    repo = tmp_path / layout
    shutil.copytree(FIXTURES / layout, repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "foreign work")
    return repo


@pytest.mark.parametrize("layout", sorted(EXPECTED))
def test_each_layout_becomes_a_project_with_its_tasks_and_next_step(
        tmp_path: Path, sdd, layout: str) -> None:
    repo = _tree(tmp_path, layout)
    sources = {k: v for k, v in tree_digest(repo).items() if not k.startswith("AGENTS")}
    name, copied, (done, total), first = EXPECTED[layout]
    result = sdd(repo, "adopt")
    assert result.exit_code == 0, result.stderr
    assert f"project        {name} <- {layout} " in result.stdout
    assert f"{copied} copied; every phase in review" in result.stdout
    # nothing moved or deleted: every source byte is where it was
    after = tree_digest(repo)
    assert {k: after[k] for k in sources} == sources
    # the task list is the source's, byte for byte, under sddkit's front matter
    tasks_src = next(p for p in (repo).rglob("tasks.md")
                     if "AGENTS.ctx" not in p.parts and "archive" not in p.parts)
    copy = (repo / "AGENTS.ctx/sdd/assets" / name / "tasks.md").read_bytes()
    assert copy.endswith(b"---\n" + tasks_src.read_bytes())
    waiting = json.loads(sdd(repo, "next", "--json").stdout)
    assert waiting["kind"] == "approve" and waiting["project"] == name
    assert sdd(repo, "check").exit_code == 0
    approved = sdd(repo, "approve", name, "--all-imported", "--by", "Grace")
    assert approved.exit_code == 0, approved.stderr
    assert approved.stdout == f"approved constitution, spec, plan, tasks of {name} (imported)\n"
    step = json.loads(sdd(repo, "next", "--json").stdout)
    assert step["kind"] == "task" and step["task"]["id"] == first, step
    status = json.loads(sdd(repo, "status", "--json").stdout)["projects"][0]
    assert status["tasks"] == {"done": done, "total": total}
    for phase in ("constitution", "spec", "plan", "tasks"):
        text = (repo / "AGENTS.ctx/sdd/assets" / name / f"{phase}.md").read_text()
        assert "approved_as: import\n" in text and "status: approved\n" in text
    assert sdd(repo, "check").exit_code == 0


@pytest.mark.parametrize("layout", [*sorted(EXPECTED), "instructions"])
def test_a_second_adopt_changes_nothing(tmp_path: Path, sdd, layout: str) -> None:
    repo = _tree(tmp_path, layout)
    assert sdd(repo, "adopt").exit_code == 0
    before = tree_digest(repo)
    again = sdd(repo, "adopt")
    assert again.exit_code == 0
    assert again.stdout.endswith("Nothing to adopt: everything found was imported before.\n")
    assert tree_digest(repo) == before


def test_dry_run_shows_the_whole_plan_and_writes_nothing(tmp_path: Path, sdd) -> None:
    repo = _tree(tmp_path, "spec-kit")
    before = tree_digest(repo)
    result = sdd(repo, "adopt", "--dry-run")
    assert result.exit_code == 0
    assert "project        001-recipe-search <- spec-kit specs/001-recipe-search/" in result.stdout
    assert "+++ b/AGENTS.ctx/sdd/assets/001-recipe-search/tasks.md" in result.stdout
    assert "+++ b/AGENTS.md" in result.stdout
    assert tree_digest(repo) == before


def test_the_constitution_points_at_the_foundations_and_gaps_are_said(tmp_path: Path, sdd) -> None:
    repo = _tree(tmp_path, "openspec")
    assert sdd(repo, "adopt").exit_code == 0
    folder = repo / "AGENTS.ctx/sdd/assets/add-csv-export"
    constitution = (folder / "constitution.md").read_text()
    assert "- `openspec/project.md` (kept where it is)" in constitution
    assert "imported_from: openspec/changes/add-csv-export/\n" in constitution
    plan = (folder / "plan.md").read_text()
    assert "has no plan document; its tasks document was written without one" in plan
    # the archived change is not adopted
    assert sorted(p.name for p in (repo / "AGENTS.ctx/sdd/assets").iterdir()) == ["add-csv-export"]


def test_a_changed_source_is_reported_and_left_alone(tmp_path: Path, sdd) -> None:
    repo = _tree(tmp_path, "kiro")
    assert sdd(repo, "adopt").exit_code == 0
    source = repo / ".kiro/specs/notification-settings/design.md"
    source.write_text(source.read_text() + "\n- AuditLog\n")
    before = tree_digest(repo)
    result = sdd(repo, "adopt")
    assert result.exit_code == 0
    assert ("source-changed notification-settings <- kiro .kiro/specs/notification-settings/: "
            ".kiro/specs/notification-settings/design.md changed since the import") in result.stdout
    assert tree_digest(repo) == before


def test_instruction_files_become_contexts_duplicates_reported_pointers_added(
        tmp_path: Path, sdd) -> None:
    repo = _tree(tmp_path, "instructions")
    claude = (repo / "CLAUDE.md").read_text()
    result = sdd(repo, "adopt", "--json")
    assert result.exit_code == 0
    steps = json.loads(result.stdout)["steps"]
    assert [(s["kind"], s["name"]) for s in steps if s["kind"] in ("context", "pointer")] == [
        ("context", "claude-md"), ("context", "copilot-instructions"),
        ("context", "cursor-python"), ("pointer", "claude"), ("pointer", "copilot"),
        ("pointer", "cursor")]
    duplicates = sorted((s["name"], s["source"]) for s in steps if s["kind"] == "duplicate")
    assert duplicates == [
        ("Money amounts are integers in cents, never floats.",
         "CLAUDE.md:4, .github/copilot-instructions.md:3"),
        ("Run `make test` before every commit.", "CLAUDE.md:3, .cursor/rules/python.mdc:7"),
    ]
    # the file keeps every byte it had; the pointer block is added after it
    assert (repo / "CLAUDE.md").read_text().startswith(claude)
    assert "<!-- sddkit:agents:start -->" in (repo / "CLAUDE.md").read_text()
    context = (repo / "AGENTS.ctx/cursor-python/CONTEXT.md").read_text()
    assert "source: \".cursor/rules/python.mdc\"" in context
    assert "- Use type hints on every public function.\n" in context
    assert "alwaysApply" not in context  # the rule file's own front matter is not a rule
    listed = json.loads(sdd(repo, "ctx", "list", "--json").stdout)["contexts"]
    assert {c["name"] for c in listed} >= {"claude-md", "copilot-instructions", "cursor-python"}
    assert sdd(repo, "check").exit_code == 0


def test_all_imported_refuses_a_project_that_was_not_imported(initialised: Path, sdd) -> None:
    assert sdd(initialised, "new", "plain").exit_code == 0
    before = tree_digest(initialised)
    result = sdd(initialised, "approve", "plain", "--all-imported")
    assert result.exit_code == 1
    assert "plain has no imported phase in review" in result.stderr
    assert tree_digest(initialised) == before


def test_a_name_taken_by_another_project_gets_the_tool_suffix(tmp_path: Path, sdd) -> None:
    repo = _tree(tmp_path, "kiro")
    assert sdd(repo, "init").exit_code == 0
    assert sdd(repo, "new", "notification-settings").exit_code == 0
    result = sdd(repo, "adopt")
    assert "project        notification-settings-kiro <- kiro" in result.stdout


def test_an_instruction_file_with_broken_markers_is_skipped_not_fatal(tmp_path: Path, sdd) -> None:
    repo = _tree(tmp_path, "spec-kit")
    (repo / "CLAUDE.md").write_text("- Keep functions short.\n<!-- sddkit:agents:start -->\n")
    broken = (repo / "CLAUDE.md").read_bytes()
    result = sdd(repo, "adopt")
    assert result.exit_code == 0, result.stderr
    assert ("skipped        claude-md <- CLAUDE.md: line 2: managed block 'agents' is never "
            "closed") in result.stdout
    assert "project        001-recipe-search" in result.stdout
    assert (repo / "CLAUDE.md").read_bytes() == broken
    assert not (repo / "AGENTS.ctx/claude-md").exists()


def test_an_archived_import_is_not_imported_again(tmp_path: Path, sdd) -> None:
    repo = _tree(tmp_path, "openspec")
    assert sdd(repo, "adopt").exit_code == 0
    assert sdd(repo, "approve", "add-csv-export", "--all-imported", "--by", "Grace").exit_code == 0
    for task in ("1.1", "1.2", "1.3"):
        assert sdd(repo, "done", task, "--project", "add-csv-export").exit_code == 0
    assert sdd(repo, "archive", "add-csv-export").exit_code == 0
    before = tree_digest(repo)
    again = sdd(repo, "adopt")
    assert "-add-csv-export <- openspec openspec/changes/add-csv-export/: imported earlier, " \
        "since archived" in again.stdout
    assert tree_digest(repo) == before


def test_adopt_from_a_subfolder_adopts_the_repository(tmp_path: Path, run_sdd) -> None:
    repo = _tree(tmp_path, "spec-kit")
    deep = repo / "src" / "deep"
    deep.mkdir(parents=True)
    result = run_sdd("adopt", cwd=deep)
    assert result.returncode == 0, result.stderr
    assert (repo / "AGENTS.ctx/sdd/assets/001-recipe-search").is_dir()
    assert not (deep / "AGENTS.ctx").exists()
    # adopt registers the merge drivers as init does
    assert git(repo, "config", "--get", "merge.sddkit-tasks.driver").strip()


def test_a_linked_unit_folder_is_reported_not_followed(tmp_path: Path, sdd) -> None:
    repo = _tree(tmp_path, "spec-kit")
    elsewhere = tmp_path / "elsewhere" / "002-linked"
    elsewhere.mkdir(parents=True)
    (elsewhere / "spec.md").write_text("# Linked\n")
    (repo / "specs" / "002-linked").symlink_to(elsewhere)
    result = sdd(repo, "adopt")
    assert "skipped        002-linked <- specs/002-linked: a symbolic link: not followed" \
        in result.stdout
    assert not (repo / "AGENTS.ctx/sdd/assets/002-linked").exists()


def test_names_fold_accents() -> None:
    from sddkit.repository.adopt_sources import slug

    assert slug("004-Café Menu") == "004-cafe-menu"
    assert slug("ü") == "u" and slug("日本") == "imported"
