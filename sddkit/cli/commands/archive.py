"""``sdd archive``: move completed projects to ``AGENTS.ctx/sdd/archive/``."""

from __future__ import annotations

import click

from sddkit.cli.commands import dry_run_option, json_option, print_json, workspace


@click.command()
@click.argument("projects", nargs=-1)
@click.option("--completed", is_flag=True, help="Archive every completed project.")
@click.option("--force", is_flag=True, help="Archive a project that is not completed (recorded).")
@json_option
@dry_run_option
@click.pass_context
def archive(ctx: click.Context, projects: tuple[str, ...], completed: bool, force: bool,
            as_json: bool, dry_run: bool) -> None:
    """Move PROJECT (completed) to AGENTS.ctx/sdd/archive/YYYY-MM-DD-PROJECT/, hashes intact."""
    from sddkit.projects.archive_move import archive as run
    from sddkit.projects.archive_move import completed_names

    ws = workspace(ctx)
    names = list(projects)
    if completed:
        names += [n for n in completed_names(ws) if n not in names]
    if not names:
        if completed:
            click.echo("No completed project to archive.")
            return
        raise click.UsageError("name a PROJECT, or give --completed")
    outcome = run(ws, names, force=force, dry_run=dry_run)
    if dry_run:
        click.echo(outcome.diff, nl=False)
        return
    if as_json:
        print_json({
            "schema": "sddkit.archive/1",
            "archived": [
                {"project": r.name, "state": r.state, "path": ws.rel(r.target),
                 "files": r.files, "forced": r.forced}
                for r in outcome.results
            ],
        })
        return
    for r in outcome.results:
        forced = f" (forced from {r.state}; recorded)" if r.forced else ""
        click.echo(f"archived {r.name} to {ws.rel(r.target)}/ ({r.files} files){forced}")
