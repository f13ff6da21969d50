"""Where git keeps a work tree's data, read from the files as git does, without running git.

gitrepository-layout(5): ``.git`` is the git directory, or a file ``gitdir: PATH`` naming it
(a linked worktree, a submodule); a worktree's git directory holds a ``commondir`` file
naming the directory it shares with the main work tree (objects, refs, config).
"""

from __future__ import annotations

import os
from pathlib import Path


def git_dirs(root: Path) -> tuple[Path, Path] | None:
    """(the git directory, the common directory) of the work tree at ``root``, read from
    ``.git`` (a folder, or a file ``gitdir: ...`` in a worktree) without running git."""
    dot = root / ".git"
    if dot.is_dir():
        return dot, dot
    if not dot.is_file():
        return None
    try:
        line = dot.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not line.startswith("gitdir:"):
        return None
    git_dir = Path(line[len("gitdir:"):].strip())
    git_dir = git_dir if git_dir.is_absolute() else (root / git_dir)
    common = git_dir
    try:
        shared = (git_dir / "commondir").read_text(encoding="utf-8").strip()
        common = Path(os.path.normpath(git_dir / shared))
    except (OSError, UnicodeDecodeError):
        pass
    return (git_dir, common) if git_dir.is_dir() else None
