"""``sdd new``, ``status``, ``ready``, ``approve``, ``reopen``, ``block``, ``unblock``:
adapters over ``sddkit.operations``."""

from __future__ import annotations

from pathlib import Path

import click

from .. import operations
from ..workspace import PHASES
from . import dry_run_option, emit, json_option, workspace


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
@click.option("--all-imported", is_flag=True,
              help="Approve every phase `sdd adopt` imported, in order (recorded as an import).")
@dry_run_option
@click.pass_context
def approve(ctx: click.Context, project: str, by: str | None, force: bool, all_imported: bool,
            dry_run: bool) -> None:
    """Approve the phase of PROJECT in review. A person's act: agents never approve."""
    if all_imported:
        if force:
            raise click.UsageError("--all-imported approves documents in review only; "
                                   "drop --force")
        emit(ctx, operations.approve_imported(workspace(ctx), project, by, dry_run))
        return
    emit(ctx, operations.approve(workspace(ctx), project, by, force, dry_run))


@click.command()
@click.argument("project")
@click.argument("phase", type=click.Choice(PHASES))
@click.option("--reason", required=True, help="Why the phase is reopened (recorded).")
@dry_run_option
@click.pass_context
def reopen(ctx: click.Context, project: str, phase: str, reason: str, dry_run: bool) -> None:
    """Reopen a phase in review or approved: back to draft; later phases become stale."""
    emit(ctx, operations.reopen(workspace(ctx), project, phase, reason, dry_run))


@click.command()
@click.argument("project")
@click.option("--reason", required=True, help="What blocks the project.")
@dry_run_option
@click.pass_context
def block(ctx: click.Context, project: str, reason: str, dry_run: bool) -> None:
    """Mark PROJECT blocked (kept in its constitution's front matter)."""
    emit(ctx, operations.block(workspace(ctx), project, reason, dry_run))


@click.command()
@click.argument("project")
@dry_run_option
@click.pass_context
def unblock(ctx: click.Context, project: str, dry_run: bool) -> None:
    """Clear PROJECT's blocked mark."""
    emit(ctx, operations.unblock(workspace(ctx), project, dry_run))


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
