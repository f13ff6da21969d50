from __future__ import annotations

import click

from .._fileio import transaction
from ..contexts import (
    check_context_name,
    context_names,
    get_context,
    list_contexts,
    load_context_file,
)
from ..errors import SddkitError
from ..names import shown
from ..rendering import render_checked
from ..sync import refresh
from . import dry_run_option, json_option, print_json, workspace


@click.group()
def ctx() -> None:
    """Manage contexts: AGENTS.ctx/<name>/CONTEXT.md."""


@ctx.command("list")
@json_option
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Every context: name, description, includes."""
    ws = workspace(ctx)
    contexts = list_contexts(ws)
    if as_json:
        print_json(
            {
                "schema": "sddkit.ctx.list/1",
                "contexts": [
                    {
                        "name": c.name,
                        "description": c.description,
                        "includes": list(c.includes),
                        "path": ws.rel(c.path),
                    }
                    for c in contexts
                ],
            }
        )
        return
    if not contexts:
        click.echo("No contexts yet. Create one with `sdd ctx new NAME`.")
        return
    width = max(len(c.name) for c in contexts)
    for c in contexts:
        includes = f"  (includes: {', '.join(c.includes)})" if c.includes else ""
        click.echo(f"{c.name:<{width}}  {c.description}{includes}")


@ctx.command("new")
@click.argument("name")
@click.option("--description", default="", help="One line saying what the context covers.")
@click.option("--includes", default="", help="Contexts this one includes (comma-separated).")
@dry_run_option
@click.pass_context
def new(ctx: click.Context, name: str, description: str, includes: str, dry_run: bool) -> None:
    """Scaffold AGENTS.ctx/NAME/CONTEXT.md and register it in the root table."""
    ws = workspace(ctx)
    check_context_name(name)
    if "\n" in description or "\r" in description:
        raise SddkitError("--description must be one line")
    wanted = [part.strip() for part in includes.split(",") if part.strip()]
    known = context_names(ws)
    if name in known or ws.context_file(name).exists():
        raise SddkitError(f"context '{name}' already exists", ws.context_file(name))
    for inc in wanted:
        if inc == name:
            raise SddkitError(f"context '{name}' cannot include itself")
        if inc not in known:
            raise SddkitError(
                f"--includes: unknown context '{shown(inc)}'; known contexts: "
                f"{', '.join(known) or 'none'}"
            )
    text = render_checked(
        "context.md.j2", ws.local_templates, ws.root, ws.context_file(name),
        lambda target, text: load_context_file(target, name, text),
        name=name, description=description, includes=wanted,
    )
    with transaction(ws.root, dry_run=dry_run) as tx:
        tx.write(ws.context_file(name), text)
        refresh(ws, tx)
    if dry_run:
        click.echo(tx.diff(), nl=False)
        return
    click.echo(f"created {ws.rel(ws.context_file(name))}; registered in {ws.rel(ws.root_context)}")
    click.echo(f"Fill in its rules, then `sdd open {name}` shows it.")


@ctx.command("show")
@click.argument("name")
@json_option
@click.pass_context
def show(ctx: click.Context, name: str, as_json: bool) -> None:
    """Print one context's CONTEXT.md."""
    ws = workspace(ctx)
    c = get_context(ws, name)
    if as_json:
        print_json(
            {
                "schema": "sddkit.ctx.show/1",
                "name": c.name,
                "description": c.description,
                "includes": list(c.includes),
                "path": ws.rel(c.path),
                "text": c.text,
            }
        )
        return
    click.echo(c.text, nl=not c.text.endswith("\n"))
