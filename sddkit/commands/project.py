from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..workspace import PHASES, Workspace
from . import dry_run_option, json_option, print_json, workspace

if TYPE_CHECKING:
    from .._fileio import Transaction


def _run(ctx: click.Context, dry_run: bool, stage: Callable[[Workspace, Transaction], Any]) -> Any:
    """Stage changes, regenerate the derived blocks, then write them (or print the diff).

    The changes (templates included) are computed outside the repository lock, which is
    held only to compare and replace (``_fileio.run_transaction``): a slow template never
    keeps another writer waiting."""
    from .._fileio import run_transaction
    from ..sync import refresh

    ws = workspace(ctx)

    def compute(tx: Transaction) -> Any:
        result = stage(ws, tx)
        refresh(ws, tx)
        return result

    result, tx = run_transaction(ws.root, compute, dry_run=dry_run)
    if dry_run:
        click.echo(tx.diff(), nl=False)
        return None
    return result


def _person(action: str, project: str) -> None:
    """Refuse a person's act in an agent's shell unless confirmed on the terminal."""
    from ..person import require_person

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
    from ..gates import new_project

    path = _run(ctx, dry_run, lambda ws, tx: new_project(ws, tx, project, title, source))
    if path is not None:
        ws = workspace(ctx)
        click.echo(f"created {ws.rel(path)}")
        if source is not None:
            from ..plan_import import markdown_of, plan_steps

            click.echo(f"kept {source} verbatim as {ws.rel(path.parent / 'source.md')}; its text "
                       "seeds the spec and plan drafts")
            count = len(plan_steps(markdown_of(source.read_text(encoding="utf-8"))[1]))
            if count:
                click.echo(f"{count} steps found: they seed tasks.md (with their checks and "
                           "dependencies) when the plan is approved")
        click.echo(f"Next: write the constitution, then `sdd ready {project}`.")


@click.command()
@click.argument("project")
@dry_run_option
@click.pass_context
def ready(ctx: click.Context, project: str, dry_run: bool) -> None:
    """Mark the current draft of PROJECT ready for review (refused while it is incomplete)."""
    from ..gates import ready as stage
    from ..gates import repair_missing_phase

    doc = _run(ctx, dry_run, lambda ws, tx: repair_missing_phase(ws, tx, project)
               or stage(ws, tx, project))
    if isinstance(doc, Path):
        _repaired(ctx, project, doc)
    elif doc is not None:
        click.echo(f"{doc.phase} of {project} is in review; a person approves it with "
                   f"`sdd approve {project}`.")


def _repaired(ctx: click.Context, project: str, path: Path) -> None:
    """Say that ready/approve recreated a missing phase document instead (issue 14)."""
    click.echo(f"created {workspace(ctx).rel(path)} (draft): it was missing (an interrupted "
               f"write or a deleted file); write it, then `sdd ready {project}`.")


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
    from .._fileio import run_transaction
    from ..gates import approve as stage
    from ..gates import repair_missing_phase
    from ..sync import refresh

    if not dry_run:
        _person(f"sdd approve {project}" + (" --force" if force else ""), project)
    if all_imported:
        if force:
            raise click.UsageError("--all-imported approves documents in review only; "
                                   "drop --force")
        from ..adopt import approve_imported

        phases = _run(ctx, dry_run, lambda ws, tx: approve_imported(ws, tx, project, by))
        if phases is not None:
            click.echo(f"approved {', '.join(phases)} of {project} (imported)")
        return
    ws = workspace(ctx)

    def compute(tx: Transaction) -> Any:
        approved = repair_missing_phase(ws, tx, project) or stage(ws, tx, project, by, force)
        refresh(ws, tx)
        return approved

    result, tx = run_transaction(ws.root, compute, dry_run=dry_run)  # the next draft renders
    changes = tx.changes()  # outside the lock
    if dry_run:
        click.echo(tx.diff(), nl=False)
        return
    if isinstance(result, Path):
        _repaired(ctx, project, result)
        return
    forced = " (forced)" if result.forced else ""
    click.echo(f"approved {result.doc.phase} of {project} by {result.by} at {result.at}{forced}")
    if result.signed or commit:
        sha = _commit_approval(ws, changes, result)
        signed = "signed " if result.signed else ""
        click.echo(f"committed {signed}approval {sha[:7]}")
    if result.scaffolded is not None:
        click.echo(f"created {ws.rel(result.scaffolded)} (draft): the next phase")
    elif result.doc.phase == "tasks":
        click.echo(f"Implementation can start: `sdd next {project}`.")


def _commit_approval(ws: Workspace, changes: list[tuple[Path, str | None, str]],
                     result: Any) -> str:
    """Commit what the approval wrote (signed when the policy asks); on failure put every
    file back as it was, so a refused signature leaves no unsigned approval behind."""
    from .._fileio import transaction
    from .._git import commit_files
    from ..errors import SddkitError

    message = (f"sdd approve {result.doc.project}: {result.doc.phase} approved by {result.by}"
               f"\n\nSddkit-Approval: {result.doc.project}/{result.doc.phase}\n")
    try:
        return commit_files(ws.root, [path for path, _old, _new in changes], message,
                            sign=result.signed)
    except SddkitError as exc:
        with transaction(ws.root) as undo:
            for path, old, _new in changes:
                if old is None:
                    undo.delete(path)
                else:
                    undo.write(path, old)
        raise SddkitError(f"{exc.message}; the approval was not recorded", exc.path) from None


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
    from ..gates import reopen as stage

    if not dry_run:
        _person(f"sdd reopen {project} {phase}", project)
    doc = _run(ctx, dry_run, lambda ws, tx: stage(ws, tx, project, phase, reason))
    if doc is not None:
        later = PHASES[PHASES.index(phase) + 1 :]
        stale = f"; {', '.join(later)} must be approved again" if later else ""
        click.echo(f"{phase} of {project} is draft again{stale}.")


@click.command()
@click.argument("project")
@click.option("--reason", required=True, help="What blocks the project.")
@dry_run_option
@click.pass_context
def block(ctx: click.Context, project: str, reason: str, dry_run: bool) -> None:
    """Mark PROJECT blocked (kept in its constitution's front matter)."""
    from ..gates import set_blocked

    if _run(ctx, dry_run, lambda ws, tx: set_blocked(ws, tx, project, reason)) is not None:
        click.echo(f"{project} is blocked: {' '.join(reason.split())}")


@click.command()
@click.argument("project")
@dry_run_option
@click.pass_context
def unblock(ctx: click.Context, project: str, dry_run: bool) -> None:
    """Clear PROJECT's blocked mark."""
    from ..gates import set_blocked

    if _run(ctx, dry_run, lambda ws, tx: set_blocked(ws, tx, project, None)) is not None:
        click.echo(f"{project} is no longer blocked.")


@click.command()
@click.argument("project", required=False)
@click.option("--archived", is_flag=True, help="List the archived projects instead.")
@json_option
@click.pass_context
def status(ctx: click.Context, project: str | None, archived: bool, as_json: bool) -> None:
    """Every project (state, phase, progress), or one project's phases in detail."""
    from ..status import project_detail, project_summary

    ws = workspace(ctx)
    if archived:
        _archived(ws, as_json)
        return
    if project is None:
        data = project_summary(ws)
        if as_json:
            print_json(data)
            return
        rows, broken = data["projects"], data["broken"]
        if not rows and not broken:
            click.echo("No projects yet: `sdd new NAME` starts one.")
            return
        width = max(len(r["project"]) for r in [*rows, *({"project": b["name"]} for b in broken)])
        for r in rows:
            flags = f"  [{', '.join(r['flags'])}]" if r["flags"] else ""
            click.echo(f"{r['project']:<{width}}  {r['state']:<17} {r['phase']:<12} "
                       f"{r['progress']}{flags}")
        for b in broken:  # cannot be read: the file, line and error (also on stderr)
            where = f"{b['file']}:{b['line']}" if b["line"] else b["file"] or "-"
            click.echo(f"{b['name']:<{width}}  {'error':<17} {'-':<12} {where}: {b['error']}")
        return
    data = project_detail(ws, project)
    if as_json:
        print_json(data)
        return
    click.echo(f"{data['project']}: {data['state']} (phase {data['phase']}) — {data['title']}")
    if data["blocked"]:
        click.echo(f"  blocked: {data['blocked']}")
    for p in data["phases"]:
        flags = f"  [{', '.join(p['flags'])}]" if p["flags"] else ""
        who = f" by {p['approved_by']} at {p['approved_at']}" if p["approved_by"] else ""
        click.echo(f"  {p['phase']:<12} {p['status'] or '-':<9}{who}{flags}")
    tasks = data["tasks"]
    if tasks["total"]:
        click.echo(f"  tasks: {tasks['done']}/{tasks['total']} done")
    click.echo(f"Next: {data['next']}")


def _archived(ws: Workspace, as_json: bool) -> None:
    from ..status import archived_summary

    data = archived_summary(ws)
    if as_json:
        print_json(data)
        return
    if not data["archived"]:
        click.echo("No archived projects (`sdd archive PROJECT` moves a completed one there).")
        return
    for item in data["archived"]:
        if item["error"]:
            click.echo(f"{item['archived_on']}  {item['project']}  cannot be read: {item['error']}")
            continue
        tasks = item["tasks"]
        forced = f"  [forced {item['forced']}]" if item["forced"] else ""
        click.echo(f"{item['archived_on']}  {item['project']}  {tasks['done']}/{tasks['total']} "
                   f"tasks  {item['path']}/{forced}")
