"""The agents' instruction files: one managed block in each, pointing the agent at AGENTS.ctx/.

The registry (``sdd agents list`` shows it), name: file (block):

- agents: ``AGENTS.md`` (the pointer, ``templates/agents-pointer.md.j2``)
- claude: ``CLAUDE.md`` (``@AGENTS.md`` plus one line, ``templates/agents-import.md.j2``)
- gemini: ``GEMINI.md`` (the same as claude)
- cursor: ``.cursor/rules/sddkit.mdc`` (the pointer, after front matter ``alwaysApply: true``)
- copilot: ``.github/copilot-instructions.md`` (the pointer)
- windsurf: ``.windsurf/rules/sddkit.md`` (the pointer, after front matter
  ``trigger: always_on``)
- cline: ``.clinerules/sddkit.md`` (the pointer)
- devin: ``.devin/rules/sddkit.md`` (Devin Desktop, formerly Windsurf, which prefers
  ``.devin/rules/`` and still reads ``.windsurf/rules/``; the same front matter)

``AGENTS.md`` is read by many agents, so its entry is called ``agents`` and answers to
``codex``, ``amp``, ``opencode``, ``zed``, ``jules``, ``aider`` and ``goose`` as well.
Every file uses the block name ``sdd init`` uses (``agents``), so the two always agree.

Removing takes out only the block. A file left with no bytes at all, or with exactly
the front matter sddkit writes when it creates the file, is deleted; a file holding
anything else is kept with that text. Folders are left in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sddkit.errors import SddkitError
from sddkit.io import markers
from sddkit.io.fileio import Transaction, read_text
from sddkit.names import shown
from sddkit.repository.initialise import POINTER_BLOCK
from sddkit.workspace import Workspace

SCHEMA = "sddkit.agents.list/1"
#: One block name for every file, the one ``sdd init`` writes into AGENTS.md.
BLOCK = POINTER_BLOCK


@dataclass(frozen=True)
class Agent:
    """One instruction file and how sddkit's block goes into it."""

    name: str
    path: str  # POSIX, relative to the repository root
    template: str  # the block's text
    header: str | None = None  # front matter written only when sddkit creates the file
    aliases: tuple[str, ...] = ()


REGISTRY: tuple[Agent, ...] = (
    Agent("agents", "AGENTS.md", "agents-pointer.md.j2",
          aliases=("codex", "amp", "opencode", "zed", "jules", "aider", "goose")),
    Agent("claude", "CLAUDE.md", "agents-import.md.j2"),
    Agent("gemini", "GEMINI.md", "agents-import.md.j2"),
    Agent("cursor", ".cursor/rules/sddkit.mdc", "agents-pointer.md.j2",
          header="agents-cursor.mdc.j2"),
    Agent("copilot", ".github/copilot-instructions.md", "agents-pointer.md.j2"),
    Agent("windsurf", ".windsurf/rules/sddkit.md", "agents-pointer.md.j2",
          header="agents-windsurf.md.j2"),
    Agent("cline", ".clinerules/sddkit.md", "agents-pointer.md.j2"),
    Agent("devin", ".devin/rules/sddkit.md", "agents-pointer.md.j2",
          header="agents-windsurf.md.j2"),
)

_BY_NAME: dict[str, Agent] = {
    key: agent for agent in REGISTRY for key in (agent.name, *agent.aliases)
}


def known_names() -> str:
    """The accepted names, for messages and help: ``agents (codex, amp, ...), claude, ...``."""
    return ", ".join(
        f"{a.name} ({', '.join(a.aliases)})" if a.aliases else a.name for a in REGISTRY
    )


def get_agent(name: str) -> Agent:
    agent = _BY_NAME.get(name.strip().lower())
    if agent is None:
        raise SddkitError(f"unknown agent '{shown(name)}'; known agents: {known_names()}, or all")
    return agent


def parse_agent_names(text: str) -> list[str]:
    """``"claude,codex"`` -> ``["claude", "agents"]``: canonical names, in order, each once.

    ``all`` stands for every agent. An unknown name is an error listing the known ones.
    """
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    if not wanted:
        raise SddkitError(f"no agent named; known agents: {known_names()}, or all")
    out: list[str] = []
    for name in wanted:
        names = [a.name for a in REGISTRY] if name.lower() == "all" else [get_agent(name).name]
        out += [n for n in names if n not in out]
    return out


def all_names() -> list[str]:
    return [agent.name for agent in REGISTRY]


@cache
def _render(template: str) -> str:
    from sddkit.io.rendering import render  # jinja2 only when a block is written or compared

    return render(template)


def block_text(agent: Agent) -> str:
    """What sddkit writes between the block's markers for ``agent``."""
    return _render(agent.template)


def header_text(agent: Agent) -> str:
    """The front matter sddkit writes when it creates ``agent``'s file ("" when none)."""
    return _render(agent.header) if agent.header else ""


def agent_path(ws: Workspace, agent: Agent) -> Path:
    return ws.root / agent.path


def install_agents(ws: Workspace, tx: Transaction, names: Iterable[str]) -> list[Agent]:
    """Stage the block in each named agent's file; an up-to-date file is left as it is.

    A new file gets the agent's front matter (if any) and the block; an existing one
    keeps every byte outside the block (a missing block is appended after a blank line).
    """
    chosen = [get_agent(name) for name in names]
    for agent in chosen:
        path = agent_path(ws, agent)
        text = tx.read(path)
        base = header_text(agent) if text is None else text
        tx.write(path, markers.upsert_block(base, BLOCK, block_text(agent), path))
    return chosen


def remove_agents(ws: Workspace, tx: Transaction, names: Iterable[str]) -> list[Agent]:
    """Stage the removal of the block from each named agent's file.

    Only the block goes (with the blank line sddkit put before it). A file left empty, or
    holding exactly the front matter sddkit wrote for it, is deleted; others are kept.
    """
    chosen = [get_agent(name) for name in names]
    for agent in chosen:
        path = agent_path(ws, agent)
        text = tx.read(path)
        if text is None:
            continue
        rest = markers.remove_block(text, BLOCK, path)
        if rest == text:
            continue
        if rest == "" or (agent.header is not None and rest == header_text(agent)):
            tx.delete(path)
        else:
            tx.write(path, rest)
    return chosen


@dataclass(frozen=True)
class AgentState:
    """Whether an agent's block is in place: for ``sdd agents list``."""

    agent: Agent
    state: str  # "installed" | "outdated" | "absent" | "broken"
    file_exists: bool
    problem: str | None = None


def agent_state(ws: Workspace, agent: Agent) -> AgentState:
    path = agent_path(ws, agent)
    if not path.exists() and not path.is_symlink():
        return AgentState(agent, "absent", False)
    try:
        text = read_text(path)
        if markers.find_block(text, BLOCK, path) is None:
            return AgentState(agent, "absent", True)
        current = markers.upsert_block(text, BLOCK, block_text(agent), path) == text
    except SddkitError as exc:
        return AgentState(agent, "broken", True, exc.located(ws.root))
    return AgentState(agent, "installed" if current else "outdated", True)


def agent_status(ws: Workspace) -> list[AgentState]:
    """Every known agent, in registry order, with the state of its block."""
    return [agent_state(ws, agent) for agent in REGISTRY]


def to_json(states: list[AgentState]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "agents": [
            {
                "name": s.agent.name,
                "aliases": list(s.agent.aliases),
                "path": s.agent.path,
                "state": s.state,
                "file_exists": s.file_exists,
                "problem": s.problem,
            }
            for s in states
        ],
    }


__all__ = [
    "BLOCK",
    "REGISTRY",
    "SCHEMA",
    "Agent",
    "AgentState",
    "agent_state",
    "agent_status",
    "all_names",
    "get_agent",
    "install_agents",
    "parse_agent_names",
    "remove_agents",
    "to_json",
]
