"""``sdd archive``: move completed projects into ``AGENTS.ctx/sdd/archive/`` (see :mod:`.archive`)."""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sddkit.errors import SddkitError
from sddkit.io import frontmatter
from sddkit.io.fileio import Transaction
from sddkit.names import check_slug
from sddkit.projects.archive import archive_root
from sddkit.projects.project import load_project
from sddkit.workspace import Workspace


@dataclass(frozen=True)
class ArchiveResult:
    """What :func:`archive_project` staged: the project, where it goes, and how many files."""

    name: str
    state: str
    source: Path
    target: Path
    files: int
    forced: bool


def _files(folder: Path) -> list[Path]:
    """Every regular file below ``folder``, sorted; a symlink or special file is refused."""
    found: list[Path] = []
    for here, dirs, names in os.walk(folder):
        for name in sorted(dirs):
            if os.path.islink(os.path.join(here, name)):
                raise SddkitError("a symbolic link in the project folder; refusing to archive it",
                                  Path(here) / name)
        for name in sorted(names):
            path = Path(here) / name
            mode = path.lstat().st_mode
            if not stat.S_ISREG(mode):
                raise SddkitError("not a regular file; refusing to archive it", path)
            found.append(path)
    return sorted(found)


def archive_project(ws: Workspace, tx: Transaction, name: str, *, force: bool = False,
                    today: date | None = None) -> ArchiveResult:
    """Stage the move of project ``name`` into ``sdd/archive/YYYY-MM-DD-name/``.

    Every file is written at the target with the same text and deleted at the source, in
    one transaction (a refused path refuses it all). Raises :class:`SddkitError` for an
    unknown project, a project that is not completed (without ``force``), or a target that
    exists already.
    """
    check_slug(name, "project")
    project = load_project(ws, name, tx)
    state = project.state
    if state != "completed" and not force:
        raise SddkitError(
            f"{name} is {state}, not completed; finish it first, or archive it anyway with "
            f"`sdd archive {name} --force` (recorded)"
        )
    day = (today or datetime.now(timezone.utc).date()).isoformat()
    target = archive_root(ws) / f"{day}-{name}"
    if os.path.lexists(target):
        raise SddkitError("already exists; archive again tomorrow or rename it first", target)
    forced = force and state != "completed"
    files = _files(project.path)
    for path in files:
        text = tx.read(path)
        if text is None:  # pragma: no cover - raced with a deletion
            continue
        if forced and path == project.constitution.path:
            text = frontmatter.set_keys(text, {"archived_forced": f"from {state}"}, path)
        tx.write(target / path.relative_to(project.path), text)
        tx.delete(path)
    return ArchiveResult(name, state, project.path, target, len(files), forced)


def remove_empty_folders(folder: Path) -> None:
    """Remove ``folder`` and its subfolders when the move left them empty (after commit)."""
    for here, _dirs, _names in os.walk(folder, topdown=False):
        with contextlib.suppress(OSError):  # not empty (written meanwhile), or gone: leave it
            os.rmdir(here)


@dataclass(frozen=True)
class ArchiveOutcome:
    """The result of :func:`archive`: each project archived (or to be, with ``dry_run``) and
    the unified diff of the change when ``dry_run``."""

    results: list[ArchiveResult]
    diff: str
    dry_run: bool


def completed_names(ws: Workspace) -> list[str]:
    """The active projects whose state is ``completed``, sorted."""
    from sddkit.projects.rows import rows

    return sorted(r.name for r in rows(ws) if r.state == "completed")


def archive(ws: Workspace, names: list[str], *, force: bool = False, dry_run: bool = False,
            today: date | None = None) -> ArchiveOutcome:
    """Archive ``names`` in one transaction, regenerate the inventory, then remove the emptied
    project folders. Raises :class:`SddkitError` (nothing written) when any one is refused."""
    from sddkit.io.fileio import transaction
    from sddkit.repository.generated_blocks import refresh

    results: list[ArchiveResult] = []
    with transaction(ws.root, dry_run=dry_run) as tx:
        for name in names:
            results.append(archive_project(ws, tx, name, force=force, today=today))
        refresh(ws, tx)
        diff = tx.diff() if dry_run else ""
    if not dry_run:
        for result in results:
            remove_empty_folders(result.source)
    return ArchiveOutcome(results, diff, dry_run)
