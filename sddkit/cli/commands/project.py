"""``sdd new``, ``status``, ``ready``, ``approve``, ``reopen``:
adapters over ``sddkit.operations``."""

from __future__ import annotations

from pathlib import Path

import click

from sddkit import operations
from sddkit.cli.commands import dry_run_option, emit, json_option, root_option, workspace
from sddkit.workspace import PHASES


def _person(action: str, project: str) -> None:
    """Refuse a person's act in an agent's shell unless confirmed on the terminal."""
    from sddkit.approvals.person import require_person

    require_person(action, project)


@click.command()
@click.argument("project")
@click.option("--title", default=None, help="Human title (default: the project name).")
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Seed the project from an existing plan document (kept verbatim as source.md).",
)
@dry_run_option
@click.pass_context
def new(ctx: click.Context, project: str, title: str | None, source: Path | None,
        dry_run: bool) -> None:
    """Scaffold a project: AGENTS.ctx/sdd/assets/PROJECT/constitution.md (draft)."""
    emit(ctx, operations.new_project(workspace(ctx), project, title, source, dry_run))


@click.command()
@click.argument("project")
@dry_run_option
@click.pass_context
def ready(ctx: click.Context, project: str, dry_run: bool) -> None:
    """Mark the current draft of PROJECT ready for review (refused while it is incomplete)."""
    emit(ctx, operations.ready(workspace(ctx), project, dry_run))


@click.command()
@click.argument("project")
@click.option("--by", default=None, help="Who approves (default: git config user.name).")
@click.option("--force", is_flag=True, help="Approve a document not in review (recorded).")
@click.option("--commit", is_flag=True,
              help="Also commit the approval with git (always, and signed, when the sdd "
                   "context sets signed_approvals: true).")
@click.option("--all-imported", is_flag=True,
              help="Approve every phase `sdd adopt` imported, in order (recorded as an import).")
@dry_run_option
@click.pass_context
def approve(ctx: click.Context, project: str, by: str | None, force: bool, commit: bool,
            all_imported: bool, dry_run: bool) -> None:
    """Approve the phase of PROJECT in review. A person's act: agents never approve.

    Inside a coding agent's shell it is refused unless a person types the project name
    on the controlling terminal. When CODEOWNERS or the sdd context name approvers, only
    they may approve. See docs/approvals.md.
    """
    if not all_imported:  # the body the click-free path runs
        from sddkit.cli.fast_writes import approve as run_approve

        emit(ctx, run_approve(root_option(ctx), project, by, force, commit, dry_run))
        return
    if not dry_run:
        _person(f"sdd approve {project}" + (" --force" if force else ""), project)
    if force:
        raise click.UsageError("--all-imported approves documents in review only; drop --force")
    emit(ctx, operations.approve_imported(workspace(ctx), project, by, dry_run))


@click.command()
@click.argument("project")
@click.argument("phase", type=click.Choice(PHASES))
@click.option("--reason", required=True, help="Why the phase is reopened (recorded).")
@dry_run_option
@click.pass_context
def reopen(ctx: click.Context, project: str, phase: str, reason: str, dry_run: bool) -> None:
    """Reopen a phase in review or approved: back to draft; later phases become stale.

    A person's act: refused inside a coding agent's shell unless confirmed on the terminal.
    """
    if not dry_run:
        _person(f"sdd reopen {project} {phase}", project)
    emit(ctx, operations.reopen(workspace(ctx), project, phase, reason, dry_run))


@click.command()
@click.argument("project", required=False)
@click.option("--archived", is_flag=True, help="List the archived projects instead.")
@json_option
@click.pass_context
def status(ctx: click.Context, project: str | None, archived: bool, as_json: bool) -> None:
    """Every project (state, phase, progress), or one project's phases in detail."""
    if archived:
        emit(ctx, operations.archived_status(workspace(ctx)), as_json)
        return
    emit(ctx, operations.status(workspace(ctx), project), as_json)
