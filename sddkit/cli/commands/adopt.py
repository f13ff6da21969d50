"""``sdd adopt``: bring spec-kit, OpenSpec, Kiro/cc-sdd and agent-os work and agent
instruction files under sddkit (see :mod:`sddkit.repository.adopt`)."""

from __future__ import annotations

from pathlib import Path

import click

from sddkit.cli.commands import dry_run_option, json_option, print_json, root_option


@click.command()
@json_option
@dry_run_option
@click.pass_context
def adopt(ctx: click.Context, as_json: bool, dry_run: bool) -> None:
    """Import other tools' specs and agent rules as projects and contexts (copies; nothing is
    moved or deleted). Creates AGENTS.ctx/ first when the repository has none."""
    from sddkit.io.fileio import transaction
    from sddkit.repository.adopt import plan_adoption
    from sddkit.repository.generated_blocks import refresh
    from sddkit.repository.initialise import initialise

    target = _target(root_option(ctx))
    with transaction(target, dry_run=dry_run) as tx:
        ws = initialise(target, tx)
        steps = plan_adoption(ws, tx)
        refresh(ws, tx)
        changed = bool(tx.changes())
    if not dry_run:
        from sddkit.repository.merge_drivers import register_config

        register_config(target)  # as `sdd init` does: the clone's merge drivers
    if as_json:
        print_json({"schema": "sddkit.adopt/1", "dry_run": dry_run, "changed": changed,
                    "steps": [{"kind": s.kind, "name": s.name, "source": s.source,
                               "detail": s.detail} for s in steps]})
        return
    for step in steps:
        click.echo(step.to_text())
    if dry_run and changed:
        click.echo(tx.diff(), nl=False)
        return
    if not changed:  # a dry run too: what the real run would say
        click.echo("Nothing to adopt: everything found was imported before." if steps else
                   "Nothing to adopt: no spec-kit, OpenSpec, Kiro or agent-os work and no agent "
                   "instruction files with rules of their own.")
        return
    imported = [s.name for s in steps if s.kind == "project"]
    if imported:
        click.echo(f"Next: a person reviews each import and approves it in one pass: "
                   f"`sdd approve {imported[0]} --all-imported`.")


def _target(explicit: Path | None) -> Path:
    """Where to adopt: ``--root``, an AGENTS.ctx/ above, else the git work tree's top (run
    from a subfolder, adopt still sees the whole repository), else the current folder."""
    import subprocess

    from sddkit.repository.initialise import init_target

    target = init_target(Path.cwd(), explicit)
    if explicit is not None or (target / "AGENTS.ctx").is_dir():
        return target
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=False)
    except OSError:
        return target
    return Path(top.stdout.strip()) if top.returncode == 0 and top.stdout.strip() else target
