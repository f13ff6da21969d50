"""The ``sdd`` command: the root group, global options and the one error boundary.

Sub-commands are imported lazily: ``sdd next`` loads only the modules it uses.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from sddkit.cli.boundary import flush_caches, handle, report_faults
from sddkit.io.terminal import escaped_output

#: name -> (module:attribute, one-line help). The help is here so that
#: ``sdd --help`` lists every command without importing any of them.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("sddkit.cli.commands.init:init", "Create AGENTS.ctx/ and the agents' pointer block."),
    "open": ("sddkit.cli.commands.open:open_", "Session-start briefing: rules, contexts, next step."),
    "ctx": ("sddkit.cli.commands.ctx:ctx", "List, create and show contexts."),
    "new": ("sddkit.cli.commands.project:new", "Scaffold a new SDD project."),
    "status": ("sddkit.cli.commands.project:status", "All projects, or one project's phases."),
    "ready": ("sddkit.cli.commands.project:ready", "Mark the current draft as ready for review."),
    "approve": ("sddkit.cli.commands.project:approve", "Approve the phase in review (a person's act)."),
    "reopen": ("sddkit.cli.commands.project:reopen", "Reopen a reviewed or approved phase."),
    "block": ("sddkit.cli.commands.claims:block", "Mark a project or one task blocked, with a reason."),
    "unblock": ("sddkit.cli.commands.claims:unblock", "Clear a project's or a task's blocked mark."),
    "next": ("sddkit.cli.commands.tasks:next_", "The next step: a gate action or the next task."),
    "start": ("sddkit.cli.commands.claims:start", "Claim a task, so other agents take another."),
    "release": ("sddkit.cli.commands.claims:release", "Drop a claim on a task."),
    "done": ("sddkit.cli.commands.tasks:done", "Check a task off."),
    "undo": ("sddkit.cli.commands.tasks:undo", "Uncheck a task."),
    "show": ("sddkit.cli.commands.tasks:show", "One task's checks, done mark and commits."),
    "verify": ("sddkit.cli.commands.verify:verify", "Run tasks' runnable checks; record the outcome."),
    "adopt": ("sddkit.cli.commands.adopt:adopt", "Import spec-kit, OpenSpec, Kiro, agent-os work."),
    "archive": ("sddkit.cli.commands.archive:archive", "Move completed projects to sdd/archive/."),
    "inventory": ("sddkit.cli.commands.inventory:inventory", "Rebuild (or --check) the inventory."),
    "check": ("sddkit.cli.commands.check:check", "Check gates, drift, tasks, contexts, contracts."),
    "contracts": ("sddkit.cli.commands.contracts:contracts", "Service contracts: new, check, graph."),
    "agents": ("sddkit.cli.commands.agents:agents", "Pointer blocks in each agent's instruction file."),
    "merge-driver": ("sddkit.cli.commands.merge_driver:merge_driver",
                     "The git merge driver sdd init registers."),
    "mcp": ("sddkit.cli.commands.mcp:mcp", "Serve the same operations over MCP (stdio)."),
    "log": ("sddkit.cli.commands.log:log", "Approvals, reopenings, forced actions, blocks (git)."),
    "guard": ("sddkit.cli.commands.guard:guard", "Agent hook: deny approvals and gate-key edits."),
}


@dataclass
class Options:
    """Global options, carried in ``ctx.obj``."""

    root: Path | None = None
    #: ``--strict``: a neighbour project or context that cannot be read makes the exit 1.
    strict: bool = False


class SddGroup(click.Group):
    """A group that imports its commands on demand and owns the error boundary."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        faults = sys.modules.get("sddkit.projects.fault_isolation")
        if faults is not None:  # a library caller's earlier run
            faults.reset()
        with escaped_output():  # repository text never reaches the terminal raw
            try:
                result = super().invoke(ctx)
            except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort) as exc:
                code = report_faults(_strict(ctx))
                if code and getattr(exc, "exit_code", 0) == 0:
                    ctx.exit(code)
                raise
            except Exception as exc:
                report_faults(False, exc)
                ctx.exit(handle(exc))
            except KeyboardInterrupt as exc:
                ctx.exit(handle(exc))
            finally:
                flush_caches()
            if report_faults(_strict(ctx)):
                ctx.exit(1)
            return result


@click.group(cls=SddGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Repository root (default: nearest folder above holding AGENTS.ctx/).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when a project or context other than the one asked for cannot be read "
         "(by default it is reported on stderr and the command succeeds). For CI.",
)
@click.version_option(version=None, package_name="sddkit", prog_name="sdd", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, strict: bool) -> None:
    """sddkit: spec-driven development in plain Markdown under AGENTS.ctx/.

    Start a session with `sdd open` and `sdd next`.
    """
    ctx.obj = Options(root=root, strict=strict)


def _strict(ctx: click.Context) -> bool:
    return isinstance(ctx.obj, Options) and ctx.obj.strict


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``sdd`` and ``sddkit``). Under an ASCII locale the standard
    streams speak UTF-8 (:func:`sddkit.cli.console.utf8_streams`) and arguments typed in
    UTF-8 are read as UTF-8 (:func:`sddkit.io.reading.os_text`)."""
    from sddkit.cli.console import utf8_streams
    from sddkit.io.reading import os_text

    utf8_streams()
    args = [os_text(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    try:
        cli.main(args=args, prog_name="sdd")
    except KeyboardInterrupt:  # pragma: no cover - click maps most of these itself
        sys.exit(130)
