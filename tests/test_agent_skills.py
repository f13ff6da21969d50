"""The phase workflows as skills and commands: `sdd agents install --skills` (issue 16)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from conftest import Invoke, tree_digest

from sddkit.agents import skills as agent_skills
from sddkit.agents.skills import SKILLS, TARGETS, body, render

tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else pytest.importorskip("tomli")

#: The Agent Skills specification (agentskills.io): a name of 1-64 lowercase letters,
#: digits and single hyphens, equal to its folder; a description of 1-1024 characters;
#: metadata a map of strings.
NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def skills(sdd: Invoke, root: Path, verb: str, *args: str) -> str:
    result = sdd(root, "agents", verb, "--skills", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def front_matter(text: str) -> dict[str, object]:
    assert text.startswith("---\n")
    head = text.split("\n---\n", 1)[0][4:]
    data = yaml.safe_load(head)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("target", [t for t in TARGETS if t.form == "skill"], ids=lambda t: t.key)
def test_skill_files_follow_the_agent_skills_spec(initialised: Path, sdd: Invoke, target) -> None:
    skills(sdd, initialised, "install", "--agent", target.agents[0])
    for skill in SKILLS:
        path = initialised / target.path(skill)
        data = front_matter(path.read_text())
        assert data["name"] == skill.name == path.parent.name
        assert NAME.fullmatch(str(data["name"])) and len(str(data["name"])) <= 64
        assert 0 < len(str(data["description"])) <= 1024
        meta = data["metadata"]
        assert isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())
        assert meta["generator"] == "sddkit"
        assert meta["sddkit-version"] == agent_skills.version()
        assert path.read_text().split("\n---\n", 1)[1] == body(skill)


def test_gemini_commands_are_toml_with_description_and_prompt(initialised: Path,
                                                              sdd: Invoke) -> None:
    skills(sdd, initialised, "install", "--agent", "gemini")
    folder = initialised / ".gemini" / "commands" / "sdd"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s.short}.toml" for s in SKILLS)
    for skill in SKILLS:
        data = tomllib.loads((folder / f"{skill.short}.toml").read_text())
        assert set(data) == {"description", "prompt"}
        assert data["description"] == skill.description
        assert data["prompt"].startswith(body(skill))
        assert data["prompt"].rstrip().endswith("{{args}}")  # what the user typed after /sdd:NAME
    # gemini also reads the shared .agents/skills folder
    assert (initialised / ".agents/skills/sdd-spec/SKILL.md").is_file()


def test_guidance_is_specific() -> None:
    """The phase guidance says what a good document holds, not only "fill it in"."""
    by_name = {s.name: body(s) for s in SKILLS}
    spec, plan, tasks = by_name["sdd-spec"], by_name["sdd-plan"], by_name["sdd-tasks"]
    for needle in ("EC-001", "AC-001", "test: tests/", "Open questions", "sdd ready"):
        assert needle in spec
    for needle in ("verify:", "depends:", "[P]", "Atomic", "sdd ready"):
        assert needle in tasks
    for needle in ("AGENTS.ctx/contracts/", "sdd contracts check", "Risks"):
        assert needle in plan
    for skill in SKILLS:
        text = body(skill)
        assert "sdd approve" in text  # each says who approves
        assert "<!--" not in text.replace("<!-- fill: ... -->", "")


def test_install_is_idempotent_and_remove_takes_only_sddkits(initialised: Path,
                                                            sdd: Invoke) -> None:
    before = tree_digest(initialised)
    out = skills(sdd, initialised, "install")
    assert out.count("created ") == len(SKILLS) * len(TARGETS)
    after = tree_digest(initialised)
    assert "nothing changed" in skills(sdd, initialised, "install")
    assert tree_digest(initialised) == after
    mine = initialised / ".claude/skills/my-own/SKILL.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\nname: my-own\ndescription: mine\n---\nMine.\n")
    out = skills(sdd, initialised, "remove")
    assert out.count("deleted ") == len(SKILLS) * len(TARGETS)
    assert mine.read_text().endswith("Mine.\n")
    files = {k: v for k, v in tree_digest(initialised).items() if not k.endswith("/")}
    assert files == {**{k: v for k, v in before.items() if not k.endswith("/")},
                     ".claude/skills/my-own/SKILL.md": files[".claude/skills/my-own/SKILL.md"]}


def test_outdated_is_updated_and_modified_is_kept(initialised: Path, sdd: Invoke,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agent_skills, "version", lambda: "0.0.1")
    skills(sdd, initialised, "install", "--agent", "claude")
    monkeypatch.undo()
    spec = initialised / ".claude/skills/sdd-spec/SKILL.md"
    plan = initialised / ".claude/skills/sdd-plan/SKILL.md"
    plan.write_text(plan.read_text() + "\nOur team also lists the feature flags.\n")
    listed = json.loads(sdd(initialised, "agents", "list", "--json").stdout)
    states = {(f["target"], f["skill"]): f["state"] for f in listed["skills"]}
    assert states[("claude", "sdd-spec")] == "outdated"
    assert states[("claude", "sdd-plan")] == "modified"
    assert states[("agents", "sdd-spec")] == "absent"
    text = sdd(initialised, "agents", "list").stdout
    assert "claude    modified   .claude/skills" in text
    out = skills(sdd, initialised, "install", "--agent", "claude")
    assert "kept .claude/skills/sdd-plan/SKILL.md (changed by hand" in out
    assert "updated .claude/skills/sdd-spec/SKILL.md" in out
    assert spec.read_text() == render(TARGETS[0], SKILLS[1])
    out = skills(sdd, initialised, "remove", "--agent", "claude")
    assert plan.exists() and not spec.exists()
    assert "kept .claude/skills/sdd-plan/SKILL.md" in out


def test_a_foreign_file_of_the_same_name_is_never_touched(initialised: Path, sdd: Invoke) -> None:
    theirs = initialised / ".agents/skills/sdd-spec/SKILL.md"
    theirs.parent.mkdir(parents=True)
    theirs.write_text("---\nname: sdd-spec\ndescription: another tool's\n---\nTheirs.\n")
    out = skills(sdd, initialised, "install", "--agent", "codex")
    assert "kept .agents/skills/sdd-spec/SKILL.md (not written by sddkit" in out
    assert theirs.read_text().endswith("Theirs.\n")
    skills(sdd, initialised, "remove", "--agent", "codex")
    assert theirs.read_text().endswith("Theirs.\n")


def test_dry_run_writes_nothing(initialised: Path, sdd: Invoke) -> None:
    before = tree_digest(initialised)
    out = skills(sdd, initialised, "install", "--dry-run", "--agent", "claude")
    assert "+++ b/.claude/skills/sdd-resume/SKILL.md" in out
    assert tree_digest(initialised) == before


def test_all_installs_every_kind(initialised: Path, sdd: Invoke) -> None:
    result = sdd(initialised, "agents", "install", "--all", "--agent", "claude")
    assert result.exit_code == 0, result.stderr
    assert "created CLAUDE.md" in result.stdout
    assert "created .claude/settings.json" in result.stdout
    assert "created .claude/skills/sdd-spec/SKILL.md" in result.stdout
    assert ".agents/skills" not in result.stdout  # claude reads only its own folder
