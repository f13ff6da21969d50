"""``sdd merge-driver``: the command git runs to merge sddkit's files (see
sddkit.repository.merge_drivers)."""

from __future__ import annotations

import sys

import click


@click.command(name="merge-driver")
@click.argument("kind", type=click.Choice(["tasks", "inventory"]))
@click.argument("base")
@click.argument("ours")
@click.argument("theirs")
@click.argument("path", required=False, default="")
def merge_driver(kind: str, base: str, ours: str, theirs: str, path: str) -> None:
    """Merge BASE, OURS and THEIRS (git's %O %A %B) into OURS; exit 1 on conflicts.

    Registered by `sdd init` in .gitattributes and the clone's git config.
    """
    from sddkit.repository.merge_drivers import run_driver

    sys.exit(run_driver(kind, base, ours, theirs, path or kind))
