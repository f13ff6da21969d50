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


def enclosing(root: Path) -> tuple[Path, Path, Path] | None:
    """(the work tree's top folder, its git directory, the common directory) of the git
    work tree holding ``root`` (``root`` itself or a folder above it: a repository may hold
    its sddkit root in a subfolder), read from the files; None outside git."""
    try:
        start = root.resolve()
    except OSError:
        return None
    for folder in (start, *start.parents):
        found = git_dirs(folder)
        if found is not None:
            return folder, found[0], found[1]
    return None


def history_shape(common: Path) -> str:
    """What, besides HEAD, decides the history git shows in the repository of common
    directory ``common``: "" for a whole history; otherwise a digest of the shallow
    boundary (``shallow``, ``git clone --depth``), the grafts (``info/grafts``) and the
    replace refs (``refs/replace/``, loose or packed), which git-replace(1) and
    gitrepository-layout(5) describe. Two clones at one HEAD show the same history only
    when their shapes are equal; "?" when it cannot be told (a ref store sddkit does not
    read, such as reftable): then nothing read from the history may be kept."""
    import hashlib

    digest = hashlib.blake2b(digest_size=12)
    shaped = False
    for name in ("shallow", "info/grafts"):
        try:
            data = (common / name).read_bytes()
        except FileNotFoundError:
            continue
        except OSError:
            return "?"
        shaped = True
        digest.update(name.encode() + b"\0" + data + b"\0")
    if not os.environ.get("GIT_NO_REPLACE_OBJECTS"):
        if os.environ.get("GIT_REPLACE_REF_BASE") or (common / "reftable").exists():
            return "?"
        replace = common / "refs" / "replace"
        try:
            loose = sorted(f"{p.relative_to(replace)}={p.read_text('utf-8', 'replace')}"
                           for p in replace.rglob("*") if p.is_file())
        except OSError:
            return "?"
        packed = _packed_replace(common / "packed-refs")
        if loose or packed:
            shaped = True
            digest.update("\n".join([*loose, *packed]).encode("utf-8", "surrogateescape"))
    return digest.hexdigest() if shaped else ""


def _packed_replace(path: Path) -> list[str]:
    """The ``refs/replace/`` lines of a ``packed-refs`` file (none without one)."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if b" refs/replace/" not in data:
        return []
    return [line.decode("utf-8", "surrogateescape") for line in data.splitlines()
            if b" refs/replace/" in line]
