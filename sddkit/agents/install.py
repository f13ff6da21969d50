"""``sdd agents``: which agent names reach which kind of installation.

Four kinds, each with its own table and module:

- ``pointers``: the instruction-file blocks (``agents/pointer_blocks.py``);
- ``hooks``: session-start hooks (``agents/hooks.py``);
- ``skills``: the phase workflows as Agent Skills and Gemini CLI commands
  (``agents/skills.py``);
- ``mcp``: the project's MCP configuration registering ``sdd mcp`` (``agents/mcp_config.py``).

An agent name is looked up in every kind: ``codex`` is the ``agents`` pointer entry
(Codex reads ``AGENTS.md``) and the ``codex`` hook row. A name no kind knows is an error;
a name a kind does not know simply selects nothing of that kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sddkit.agents import hooks as agent_hooks
from sddkit.agents import mcp_config, pointer_blocks
from sddkit.agents import skills as agent_skills
from sddkit.errors import SddkitError
from sddkit.names import shown

if TYPE_CHECKING:
    from sddkit.io.fileio import Transaction
    from sddkit.workspace import Workspace

KINDS = ("pointers", "hooks", "skills", "mcp")


def kind_names(kind: str) -> list[str]:
    """The canonical agent names of ``kind``, in table order."""
    if kind == "pointers":
        return pointer_blocks.all_names()
    if kind == "skills":
        return agent_skills.skill_agents()
    if kind == "mcp":
        return mcp_config.mcp_agents()
    return agent_hooks.hook_agents()


def known() -> str:
    """Every accepted name, for messages and help."""
    extra = [n for k in KINDS[1:] for n in kind_names(k)]
    pointer_names = {n for a in pointer_blocks.REGISTRY for n in (a.name, *a.aliases)}
    rest = [n for n in dict.fromkeys(extra) if n not in pointer_names]
    return pointer_blocks.known_names() + (", " + ", ".join(rest) if rest else "")


def _resolve(kind: str, name: str) -> str | None:
    if kind == "pointers":
        try:
            return pointer_blocks.get_agent(name).name
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


def apply(ws: Workspace, tx: Transaction, kinds: Iterable[str], names: Iterable[str],
          remove: bool) -> list[str]:
    """Stage the install (or removal) of every kind in ``kinds`` for the agents ``names``
    select (all when empty); return one note per file kept as a person left it."""
    names = list(names)
    notes: list[str] = []
    for kind in kinds:
        chosen = select(names, kind)
        if kind == "pointers":
            (pointer_blocks.remove_agents if remove else pointer_blocks.install_agents)(ws, tx, chosen)
            notes += _aider(ws, tx, names, remove)
        elif kind == "hooks":
            (agent_hooks.remove_hooks if remove else agent_hooks.install_hooks)(ws, tx, chosen)
        elif kind == "mcp":
            (mcp_config.remove_mcp if remove else mcp_config.install_mcp)(ws, tx, chosen)
        else:
            act = agent_skills.remove_skills if remove else agent_skills.install_skills
            for kept in act(ws, tx, chosen):
                why = "changed by hand" if kept.state == "modified" else "not written by sddkit"
                notes.append(f"kept {kept.path} ({why}; sddkit leaves it as it is)")
    return notes


def _aider(ws: Workspace, tx: Transaction, names: list[str], remove: bool) -> list[str]:
    """Aider's ``read:`` list: added when aider is named; sddkit's lines go on any remove
    that covers the AGENTS.md entry."""
    from sddkit.agents import aider as agent_aider

    named = {part.strip().lower() for n in names for part in n.split(",")}
    if remove and (not names or named & {"aider", "agents", "all"}):
        agent_aider.remove(ws, tx)
    elif not remove and "aider" in named:
        note = agent_aider.install(ws, tx)
        return [note] if note else []
    return []


def listing(ws: Workspace) -> tuple[str, dict[str, Any]]:
    """What ``sdd agents list`` prints: (text, ``sddkit.agents.list/1`` JSON)."""
    from sddkit.agents.aider import status as aider_status

    states = pointer_blocks.agent_status(ws)
    hooks = agent_hooks.hook_status(ws)
    skills = agent_skills.skill_status(ws)
    servers = mcp_config.mcp_status(ws)
    aider = aider_status(ws)
    data = {**pointer_blocks.to_json(states),
            "aider": {"path": ".aider.conf.yml", "state": aider.state, "problem": aider.problem},
            "hooks": [h.to_json() for h in hooks],
            "skills": [f.to_json() for f in skills],
            "mcp": [m.to_json() for m in servers]}
    name_w = max(len(s.agent.name) for s in states)
    state_w = max(len(s.state) for s in states)
    path_w = max(len(s.agent.path) for s in states)
    out: list[str] = []

    def row(name: str, state: str, rest: str, problem: str | None) -> None:
        out.append(f"{name:<{name_w}}  {state:<{state_w}}  {rest}".rstrip())
        if problem:
            out.append(f"  {problem}")

    for s in states:
        also = f"  (also: {', '.join(s.agent.aliases)})" if s.agent.aliases else ""
        row(s.agent.name, s.state, f"{s.agent.path:<{path_w}}{also}", s.problem)
    row("aider", aider.state, ".aider.conf.yml  (read: AGENTS.md; `--agent aider` adds it)",
        aider.problem)
    out += ["", "hooks:"]
    for h in hooks:
        row(h.row.agent, h.state, f"{h.path}  ({h.row.event}: {h.row.command})", h.problem)
    out += ["", "skills:"]
    for target, state, detail in agent_skills.summarise(skills):
        problems = "; ".join(f.problem for f in skills if f.target is target and f.problem)
        row(target.key, state, f"{target.folder}  ({detail}; for {', '.join(target.agents)})",
            problems or None)
    out += ["", "mcp:"]
    for m in servers:
        row(m.spec.agent, m.state, m.spec.path, m.problem)
    return "\n".join(out) + "\n", data


__all__ = ["KINDS", "apply", "kind_names", "known", "listing", "select"]
