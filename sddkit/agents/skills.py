"""The phase workflows as each agent's own skills and commands, written once in ``templates/skills``.

Six workflows (:data:`SKILLS`): write the constitution, the spec, the plan, the tasks;
resume (``sdd next``, do, verify, ``sdd done``); review (what a person checks before
``sdd approve``). Each template is rendered into every target of :data:`TARGETS`:

- Agent Skills (``NAME/SKILL.md``: front matter ``name`` and ``description``, as the Agent
  Skills specification at agentskills.io requires; ``name`` equals the folder's name) in
  ``.claude/skills/`` (Claude Code) and ``.agents/skills/`` (Codex, Cursor, Gemini CLI,
  GitHub Copilot and the other agents that read the shared folder);
- Gemini CLI custom commands (``.gemini/commands/sdd/NAME.toml``: ``description`` and
  ``prompt``, ``{{args}}`` for what the user types after ``/sdd:NAME``).

Every file carries the sddkit version and the sha256 of its own text (without that
line), so sddkit can tell its unmodified files (updated or removed freely) from files a
person changed (``modified``: kept, never overwritten) or wrote (``foreign``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sddkit.errors import SddkitError
from sddkit.io.fileio import Transaction, read_text
from sddkit.workspace import Workspace

HASH_KEY = "sddkit-sha256"
_HASH_LINE = re.compile(rf"^.*{HASH_KEY}:? *\"?([0-9a-f]{{64}})\"?\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Skill:
    """One workflow: its name (a slug), its one-line description, its template."""

    name: str
    description: str

    @property
    def template(self) -> str:
        return f"skills/{self.name}.md.j2"

    @property
    def short(self) -> str:
        return self.name.removeprefix("sdd-")


SKILLS: tuple[Skill, ...] = (
    Skill("sdd-constitution", "Write an sddkit project's constitution (language, libraries, "
          "naming, constraints, prohibitions) and mark it ready with `sdd ready`. Use when "
          "`sdd next` says a constitution is draft or a new project starts."),
    Skill("sdd-spec", "Write an sddkit project's spec: behaviour, inputs and outputs, numbered "
          "edge cases and acceptance criteria each tied to a test, open questions; then "
          "`sdd ready`. Use when `sdd next` says a spec is draft."),
    Skill("sdd-plan", "Write an sddkit project's plan: files to change, choices with "
          "rationale, order, service contracts, risks; then `sdd ready`. Use when `sdd next` "
          "says a plan is draft."),
    Skill("sdd-tasks", "Write an sddkit project's tasks.md: atomic tasks, each with a runnable "
          "verify check, dependencies and [P] markers; then `sdd ready`. Use when `sdd next` "
          "says tasks are draft."),
    Skill("sdd-resume", "Resume sddkit work: `sdd next`, read what it lists first, do the one "
          "step, run its verify check, `sdd done`. Use at session start or when unsure what "
          "to do next."),
    Skill("sdd-review", "What a person checks in an sddkit phase document before approving it "
          "with `sdd approve` (agents never approve). Use when a phase awaits review."),
)


@dataclass(frozen=True)
class Target:
    """A folder that some agents read skills or commands from."""

    key: str
    folder: str  # POSIX, relative to the repository root
    form: str  # "skill" (NAME/SKILL.md) | "toml" (Gemini CLI command NAME.toml)
    agents: tuple[str, ...]  # the agent names that select it

    def path(self, skill: Skill) -> str:
        if self.form == "skill":
            return f"{self.folder}/{skill.name}/SKILL.md"
        return f"{self.folder}/{skill.short}.toml"


TARGETS: tuple[Target, ...] = (
    Target("claude", ".claude/skills", "skill", ("claude",)),
    Target("agents", ".agents/skills", "skill",
           ("agents", "codex", "cursor", "gemini", "copilot", "opencode", "amp", "goose")),
    Target("gemini", ".gemini/commands/sdd", "toml", ("gemini",)),
)


def skill_agents() -> list[str]:
    """Every agent name that selects some target, in table order."""
    return list(dict.fromkeys(name for t in TARGETS for name in t.agents))


def targets_for(agents: Iterable[str]) -> list[Target]:
    wanted = set(agents)
    return [t for t in TARGETS if wanted & set(t.agents)]


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("sddkit")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "0+unknown"


@cache
def body(skill: Skill) -> str:
    """The workflow's text, rendered from its shipped template (the same for every agent)."""
    from sddkit.io.rendering import render

    return render(skill.template)


def _digest(text: str) -> str:
    """sha256 of ``text`` without its hash line (the line is filled in afterwards)."""
    kept = [line for line in text.split("\n") if HASH_KEY not in line]
    return hashlib.sha256("\n".join(kept).encode("utf-8")).hexdigest()


def _quoted(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML/TOML basic string


def render(target: Target, skill: Skill) -> str:
    """The file sddkit writes for ``skill`` in ``target``'s format, hash included."""
    text = body(skill)
    if target.form == "skill":
        draft = (
            f"---\nname: {skill.name}\ndescription: {_quoted(skill.description)}\n"
            f"metadata:\n  generator: sddkit\n  sddkit-version: {_quoted(version())}\n"
            f"  {HASH_KEY}: \"HASH\"\n---\n{text}"
        )
    else:
        if '"""' in text or "\\" in text:
            raise SddkitError(f"{skill.template} cannot go into a TOML multi-line string")
        draft = (
            f"# Generated by sddkit {version()} (sdd agents install --skills); "
            f"{HASH_KEY}: HASH\n"
            f"description = {_quoted(skill.description)}\n"
            f'prompt = """\n{text}\nWhat the user asked for with this command: {{{{args}}}}\n"""\n'
        )
    return draft.replace("HASH", _digest(draft), 1)


def file_state(target: Target, skill: Skill, text: str | None) -> str:
    """``installed`` | ``outdated`` (sddkit's, unmodified, older) | ``modified`` (sddkit's,
    changed by hand) | ``foreign`` (not written by sddkit) | ``absent``."""
    if text is None:
        return "absent"
    if text == render(target, skill):
        return "installed"
    match = _HASH_LINE.search(text)
    if match is None:
        return "foreign"
    return "outdated" if match.group(1) == _digest(text) else "modified"


@dataclass(frozen=True)
class SkillFile:
    """One rendered file and its state, for ``sdd agents list`` and the install report."""

    target: Target
    skill: Skill
    path: str
    state: str
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target.key, "skill": self.skill.name, "path": self.path,
                "state": self.state, "problem": self.problem}


def install_skills(ws: Workspace, tx: Transaction, agents: Iterable[str]) -> list[SkillFile]:
    """Stage every skill file of the targets ``agents`` select; return the files kept as
    they were because a person changed them (``modified``) or wrote them (``foreign``)."""
    kept: list[SkillFile] = []
    for target in targets_for(agents):
        for skill in SKILLS:
            path = ws.root / target.path(skill)
            state = file_state(target, skill, tx.read(path))
            if state in ("absent", "outdated"):
                tx.write(path, render(target, skill))
            elif state in ("modified", "foreign"):
                kept.append(SkillFile(target, skill, target.path(skill), state))
    return kept


def remove_skills(ws: Workspace, tx: Transaction, agents: Iterable[str]) -> list[SkillFile]:
    """Stage the deletion of sddkit's unmodified skill files; return the ones kept."""
    kept: list[SkillFile] = []
    for target in targets_for(agents):
        for skill in SKILLS:
            path = ws.root / target.path(skill)
            state = file_state(target, skill, tx.read(path))
            if state in ("installed", "outdated"):
                tx.delete(path)
            elif state in ("modified", "foreign"):
                kept.append(SkillFile(target, skill, target.path(skill), state))
    return kept


def skill_status(ws: Workspace) -> list[SkillFile]:
    """Every target's every skill file with its state (``broken``: unreadable)."""
    out: list[SkillFile] = []
    for target in TARGETS:
        for skill in SKILLS:
            rel = target.path(skill)
            path = ws.root / rel
            try:
                text = read_text(path) if path.is_file() else None
                out.append(SkillFile(target, skill, rel, file_state(target, skill, text)))
            except (SddkitError, OSError) as exc:
                problem = exc.located(ws.root) if isinstance(exc, SddkitError) else str(exc)
                out.append(SkillFile(target, skill, rel, "broken", problem))
    return out


def summarise(files: list[SkillFile]) -> list[tuple[Target, str, str]]:
    """(target, state, detail) per target: one line each for ``sdd agents list``."""
    out = []
    for target in TARGETS:
        mine = [f for f in files if f.target is target]
        states = {f.state for f in mine}
        if len(states) == 1:
            state = states.pop()
            detail = f"{len(mine)} files"
        else:
            state = next(s for s in ("broken", "modified", "foreign", "outdated", "absent",
                                     "installed") if s in states)
            detail = ", ".join(f"{f.skill.name} {f.state}" for f in mine if f.state != "installed")
        out.append((target, state, detail))
    return out


__all__ = ["SKILLS", "TARGETS", "Skill", "SkillFile", "Target", "body", "file_state",
           "install_skills", "remove_skills", "render", "skill_agents", "skill_status",
           "summarise", "targets_for", "version"]
