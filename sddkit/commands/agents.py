"""``sdd agents``: install, list and remove what sddkit puts in each agent's files.

Kinds: the pointer block in each instruction file (the default), session-start hooks
(``--hooks``), the phase workflows as skills and commands (``--skills``), the project
MCP configuration (``--mcp``); ``--all`` is every kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .._fileio import Transaction, transaction
from ..agent_setup import KINDS, known, select
from ..workspace import Workspace
from . import dry_run_option, json_option, print_json, workspace

agent_option = click.option(
    "--agent",
    "names",
    multiple=True,
    metavar="NAME",
    help=f"An agent (repeat, or comma-separate; default: all). Known: {known()}.",
)


def kind_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--pointers (the default when no kind is named), --hooks, --skills, --mcp and --all."""
    func = click.option("--all", "all_kinds", is_flag=True,
                        help="Every kind: pointers, hooks, skills and MCP configuration.")(func)
    func = click.option("--mcp", is_flag=True,
                        help="Register `sdd mcp` in the project MCP files (.mcp.json, "
                             ".cursor/mcp.json, .vscode/mcp.json, .gemini/settings.json, "
                             ".codex/config.toml).")(func)
    func = click.option("--skills", is_flag=True,
                        help="The phase workflows (constitution, spec, plan, tasks, resume, "
                             "review) as Agent Skills and Gemini CLI commands.")(func)
    func = click.option("--hooks", is_flag=True,
                        help="Session-start hooks that run `sdd open --brief` (Claude Code, "
                             "Codex, Gemini CLI, Cursor).")(func)
    return click.option("--pointers", is_flag=True,
                        help="The pointer block in each instruction file (the default).")(func)


def _kinds(pointers: bool, hooks: bool, skills: bool, mcp: bool, all_kinds: bool) -> list[str]:
    if all_kinds:
        return list(KINDS)
    flags = (("pointers", pointers), ("hooks", hooks), ("skills", skills), ("mcp", mcp))
    chosen = [k for k, on in flags if on]
    return chosen or ["pointers"]


@click.group()
def agents() -> None:
    """Pointer blocks in each agent's instruction file (AGENTS.md, CLAUDE.md, ...),
    session-start hooks (--hooks), the phase workflows as skills (--skills) and the
    project MCP configuration (--mcp).

    Every block says the same: read AGENTS.ctx/CONTEXT.md, run `sdd open` and
    `sdd next` at session start, never approve a phase yourself. The hooks run
    `sdd open --brief` when a session starts, so the agent begins oriented.
    """


def _report(ws: Workspace, tx: Transaction, dry_run: bool, nothing: str,
            notes: list[str] | None = None) -> None:
    if dry_run:
        click.echo(tx.diff(), nl=False)
        return
    for note in notes or []:
        click.echo(note)
    changes, deleted = tx.changes(), tx.deletions()
    if not changes and not deleted:
        click.echo(nothing)
        return
    for path, old, _new in changes:
        click.echo(f"{'created' if old is None else 'updated'} {ws.rel(path)}")
    for path in deleted:
        click.echo(f"deleted {ws.rel(path)} (it held only what sddkit wrote)")


def _apply(ws: Workspace, tx: Transaction, kinds: list[str], names: tuple[str, ...],
           remove: bool) -> list[str]:
    """Stage the change for every kind; return notes on files kept as a person left them."""
    from .. import agent_hooks, agent_mcp, agent_skills
    from .. import agents as pointers

    notes: list[str] = []
    for kind in kinds:
        chosen = select(names, kind)
        if kind == "pointers":
            (pointers.remove_agents if remove else pointers.install_agents)(ws, tx, chosen)
            _aider(ws, tx, names, remove, notes)
        elif kind == "hooks":
            (agent_hooks.remove_hooks if remove else agent_hooks.install_hooks)(ws, tx, chosen)
        elif kind == "mcp":
            (agent_mcp.remove_mcp if remove else agent_mcp.install_mcp)(ws, tx, chosen)
        else:
            act = agent_skills.remove_skills if remove else agent_skills.install_skills
            for kept in act(ws, tx, chosen):
                why = "changed by hand" if kept.state == "modified" else "not written by sddkit"
                notes.append(f"kept {kept.path} ({why}; sddkit leaves it as it is)")
    return notes


def _aider(ws: Workspace, tx: Transaction, names: tuple[str, ...], remove: bool,
           notes: list[str]) -> None:
    """Aider's `read:` list: added when aider is named; sddkit's lines removed on any remove."""
    from .. import agent_aider

    named = {part.strip().lower() for n in names for part in n.split(",")}
    if remove and (not names or named & {"aider", "agents", "all"}):
        agent_aider.remove(ws, tx)
    elif not remove and "aider" in named:
        note = agent_aider.install(ws, tx)
        if note:
            notes.append(note)


@agents.command("install")
@agent_option
@kind_options
@dry_run_option
@click.pass_context
def install(ctx: click.Context, names: tuple[str, ...], pointers: bool, hooks: bool,
            skills: bool, mcp: bool, all_kinds: bool, dry_run: bool) -> None:
    """Write or update the pointer block (or hooks) in each agent's files.

    Every byte outside the block stays as it was; hooks merge into the settings file
    keeping every other key. Re-running changes nothing.
    """
    ws = workspace(ctx)
    kinds = _kinds(pointers, hooks, skills, mcp, all_kinds)
    with transaction(ws.root, dry_run=dry_run) as tx:
        notes = _apply(ws, tx, kinds, names, remove=False)
    _report(ws, tx, dry_run, f"sdd: every {' and '.join(kinds)} entry is already in place; "
                             "nothing changed.", notes)


@agents.command("list")
@json_option
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Each agent's files and whether sddkit's entries are installed, outdated or absent."""
    from ..agent_aider import status as aider_status
    from ..agent_hooks import hook_status
    from ..agent_mcp import mcp_status
    from ..agent_skills import skill_status, summarise
    from ..agents import agent_status, to_json

    ws = workspace(ctx)
    states = agent_status(ws)
    hooks = hook_status(ws)
    skills = skill_status(ws)
    servers = mcp_status(ws)
    if as_json:
        aider_state = aider_status(ws)
        print_json({**to_json(states),
                    "aider": {"path": ".aider.conf.yml", "state": aider_state.state,
                              "problem": aider_state.problem},
                    "hooks": [h.to_json() for h in hooks],
                    "skills": [f.to_json() for f in skills],
                    "mcp": [m.to_json() for m in servers]})
        return
    name_w = max(len(s.agent.name) for s in states)
    state_w = max(len(s.state) for s in states)
    path_w = max(len(s.agent.path) for s in states)
    for s in states:
        also = f"  (also: {', '.join(s.agent.aliases)})" if s.agent.aliases else ""
        line = f"{s.agent.name:<{name_w}}  {s.state:<{state_w}}  {s.agent.path:<{path_w}}{also}"
        click.echo(line.rstrip())
        if s.problem:
            click.echo(f"  {s.problem}")
    aider = aider_status(ws)
    click.echo(f"{'aider':<{name_w}}  {aider.state:<{state_w}}  .aider.conf.yml  "
               "(read: AGENTS.md; `--agent aider` adds it)")
    if aider.problem:
        click.echo(f"  {aider.problem}")
    click.echo("\nhooks:")
    for h in hooks:
        click.echo(f"{h.row.agent:<{name_w}}  {h.state:<{state_w}}  {h.path}  "
                   f"({h.row.event}: {h.row.command})")
        if h.problem:
            click.echo(f"  {h.problem}")
    click.echo("\nskills:")
    for target, state, detail in summarise(skills):
        click.echo(f"{target.key:<{name_w}}  {state:<{state_w}}  {target.folder}  ({detail}; "
                   f"for {', '.join(target.agents)})")
    for f in skills:
        if f.problem:
            click.echo(f"  {f.problem}")
    click.echo("\nmcp:")
    for m in servers:
        click.echo(f"{m.spec.agent:<{name_w}}  {m.state:<{state_w}}  {m.spec.path}")
        if m.problem:
            click.echo(f"  {m.problem}")


@agents.command("remove")
@agent_option
@kind_options
@dry_run_option
@click.pass_context
def remove(ctx: click.Context, names: tuple[str, ...], pointers: bool, hooks: bool,
           skills: bool, mcp: bool, all_kinds: bool, dry_run: bool) -> None:
    """Take sddkit's pointer block (or hooks) out of each agent's files.

    Nothing else in the file changes. A file left empty (or holding only what sddkit
    wrote when it created it) is deleted.
    """
    ws = workspace(ctx)
    kinds = _kinds(pointers, hooks, skills, mcp, all_kinds)
    with transaction(ws.root, dry_run=dry_run) as tx:
        notes = _apply(ws, tx, kinds, names, remove=True)
    nothing = "sdd: no pointer block to remove; nothing changed." if kinds == ["pointers"] else (
        f"sdd: no {' or '.join(kinds)} entry to remove; nothing changed.")
    _report(ws, tx, dry_run, nothing, notes)
