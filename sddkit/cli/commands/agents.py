"""``sdd agents``: install, list and remove what sddkit puts in each agent's files.

Kinds: the pointer block in each instruction file (the default), session-start hooks
(``--hooks``), the phase workflows as skills and commands (``--skills``), the project
MCP configuration (``--mcp``); ``--all`` is every kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from sddkit import operations
from sddkit.agents.install import KINDS, known
from sddkit.cli.commands import dry_run_option, emit, json_option, workspace

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


@agents.command("install")
@agent_option
@kind_options
@dry_run_option
@click.pass_context
def install(ctx: click.Context, names: tuple[str, ...], pointers: bool, hooks: bool,
            skills: bool, mcp: bool, all_kinds: bool, dry_run: bool) -> None:
    """Write or update sddkit's entries in each agent's files (default: the pointer blocks).

    Every byte outside the block stays as it was; hooks and MCP entries merge into the
    settings files keeping every other key; a skill file changed by hand is kept.
    Re-running changes nothing.
    """
    kinds = _kinds(pointers, hooks, skills, mcp, all_kinds)
    emit(ctx, operations.agents_install(workspace(ctx), list(names), kinds, dry_run))


@agents.command("list")
@json_option
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Each agent's files and whether sddkit's entries are installed, outdated or absent."""
    emit(ctx, operations.agents_list(workspace(ctx)), as_json)


@agents.command("remove")
@agent_option
@kind_options
@dry_run_option
@click.pass_context
def remove(ctx: click.Context, names: tuple[str, ...], pointers: bool, hooks: bool,
           skills: bool, mcp: bool, all_kinds: bool, dry_run: bool) -> None:
    """Take sddkit's entries out of each agent's files (default: the pointer blocks).

    Nothing else in the file changes. A file left empty (or holding only what sddkit
    wrote when it created it) is deleted.
    """
    kinds = _kinds(pointers, hooks, skills, mcp, all_kinds)
    emit(ctx, operations.agents_remove(workspace(ctx), list(names), kinds, dry_run))
