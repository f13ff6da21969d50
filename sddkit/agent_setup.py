"""``sdd agents``: which agent names reach which kind of installation.

Four kinds, each with its own table and module:

- ``pointers``: the instruction-file blocks (``agents.py``);
- ``hooks``: session-start hooks (``agent_hooks.py``);
- ``skills``: the phase workflows as Agent Skills and Gemini CLI commands
  (``agent_skills.py``);
- ``mcp``: the project's MCP configuration registering ``sdd mcp`` (``agent_mcp.py``).

An agent name is looked up in every kind: ``codex`` is the ``agents`` pointer entry
(Codex reads ``AGENTS.md``) and the ``codex`` hook row. A name no kind knows is an error;
a name a kind does not know simply selects nothing of that kind.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import agent_hooks, agent_mcp, agent_skills, agents
from .errors import SddkitError
from .names import shown

KINDS = ("pointers", "hooks", "skills", "mcp")


def kind_names(kind: str) -> list[str]:
    """The canonical agent names of ``kind``, in table order."""
    if kind == "pointers":
        return agents.all_names()
    if kind == "skills":
        return agent_skills.skill_agents()
    if kind == "mcp":
        return agent_mcp.mcp_agents()
    return agent_hooks.hook_agents()


def known() -> str:
    """Every accepted name, for messages and help."""
    extra = [n for k in KINDS[1:] for n in kind_names(k)]
    pointer_names = {n for a in agents.REGISTRY for n in (a.name, *a.aliases)}
    rest = [n for n in dict.fromkeys(extra) if n not in pointer_names]
    return agents.known_names() + (", " + ", ".join(rest) if rest else "")


def _resolve(kind: str, name: str) -> str | None:
    if kind == "pointers":
        try:
            return agents.get_agent(name).name
        except SddkitError:
            return None
    return name if name in kind_names(kind) else None


def select(names: Iterable[str], kind: str) -> list[str]:
    """The canonical names of ``kind`` that ``names`` select (all when ``names`` is empty).

    ``all`` selects every one. Raises :class:`SddkitError` for a name no kind knows.
    """
    names = list(names)
    wanted = [part.strip().lower() for n in names for part in n.split(",") if part.strip()]
    if names and not wanted:
        raise SddkitError(f"no agent named; known agents: {known()}, or all")
    if not wanted or "all" in wanted:
        return kind_names(kind)
    for name in wanted:
        if all(_resolve(k, name) is None for k in KINDS):
            raise SddkitError(f"unknown agent '{shown(name)}'; known agents: {known()}, or all")
    out = [r for r in (_resolve(kind, name) for name in wanted) if r is not None]
    return list(dict.fromkeys(out))


__all__ = ["KINDS", "kind_names", "known", "select"]
