"""Archived projects: finished work out of the active view, its approvals still checked.

``sdd archive P`` moves ``AGENTS.ctx/sdd/assets/P/`` to ``AGENTS.ctx/sdd/archive/YYYY-MM-DD-P/``
byte for byte (every file, every hash intact). The date is the day of archiving (UTC); the
folder name keeps archives of the same name apart and sorts them in time. Archived projects
leave ``sdd next``, ``sdd open`` and the inventory's rows (the inventory counts them);
``sdd status --archived`` lists them and ``sdd check`` keeps verifying their documents'
hashes (SDD-003) and their spec's ``test:`` references (SDD-009).

Only a completed project is archived, unless ``force``: then the constitution records
``archived_forced: from <state>`` (a front-matter key; the body and so every hash stays).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sddkit.errors import SddkitError
from sddkit.io.fileio import Transaction, read_text
from sddkit.projects.phases import PhaseDoc, load_doc
from sddkit.projects.project import Project
from sddkit.workspace import PHASES, Workspace

#: ``YYYY-MM-DD-name``: the archive folder of one project.
FOLDER = re.compile(r"(\d{4}-\d{2}-\d{2})-([a-z0-9][a-z0-9-]{0,63})")


def archive_root(ws: Workspace) -> Path:
    """``AGENTS.ctx/sdd/archive/``."""
    return ws.ctx / "sdd" / "archive"


@dataclass(frozen=True)
class Archived:
    """One archived project folder: ``archived_on`` is its ``YYYY-MM-DD`` prefix."""

    folder: str
    name: str
    archived_on: str
    path: Path


def archived(ws: Workspace) -> list[Archived]:
    """Every archive folder that follows the naming rule, sorted by folder name (so by date).

    Other entries in ``sdd/archive/`` are ignored here and reported by ``sdd check``.
    """
    root = archive_root(ws)
    out = []
    try:
        with os.scandir(root) as entries:
            for entry in entries:
                match = FOLDER.fullmatch(entry.name)
                if match and entry.is_dir(follow_symlinks=False):
                    out.append(Archived(entry.name, match.group(2), match.group(1),
                                        Path(entry.path)))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(out, key=lambda a: a.folder)


def archived_count(ws: Workspace, tx: Transaction | None = None) -> int:
    """How many archived projects there are (a directory listing, no file read), counting the
    archive folders staged in ``tx``."""
    folders = {a.folder for a in archived(ws)}
    if tx is not None:
        root = archive_root(ws)
        for path in tx.pending:
            if root in path.parents:
                first = path.relative_to(root).parts[0]
                if FOLDER.fullmatch(first):
                    folders.add(first)
    return len(folders)


def load_archived(entry: Archived) -> Project:
    """The archived project's documents, validated like an active project's.

    Raises :class:`SddkitError` naming the file and line for a document that cannot be read.
    """
    project = Project(entry.name, entry.path)
    for phase in PHASES:
        path = entry.path / f"{phase}.md"
        if not path.is_file() or path.is_symlink():
            continue
        project.docs[phase] = load_doc(path, read_text(path), entry.name, phase)
    if "constitution" not in project.docs:
        raise SddkitError("archived project has no constitution.md", entry.path)
    return project


def archived_docs(ws: Workspace) -> list[tuple[Archived, Project | None, SddkitError | None]]:
    """Each archived project loaded, or the error that keeps it from loading."""
    out: list[tuple[Archived, Project | None, SddkitError | None]] = []
    for entry in archived(ws):
        try:
            out.append((entry, load_archived(entry), None))
        except SddkitError as exc:
            out.append((entry, None, exc))
    return out


def doc_summary(doc: PhaseDoc | None) -> str | None:
    """A phase's status as listed by ``sdd status --archived``."""
    if doc is None:
        return None
    return doc.status + (" (changed since approval)" if doc.changed else "")
