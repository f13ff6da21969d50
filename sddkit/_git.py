"""The only module that imports GitPython, and only inside its functions (it is slow to import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import SddkitError


def _repo(root: Path) -> Any | None:
    try:
        import git
    except ImportError:  # pragma: no cover - GitPython is a dependency; git itself may be absent
        return None
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    except git.GitError:
        return None


def is_repo(root: Path) -> bool:
    return _repo(root) is not None


def head_sha(root: Path) -> str | None:
    """The full SHA of HEAD, or None outside git or before the first commit."""
    repo = _repo(root)
    if repo is None:
        return None
    try:
        return str(repo.head.commit.hexsha)
    except (ValueError, TypeError):  # no commit yet / detached oddities
        return None


def user_name(root: Path) -> str | None:
    """``git config user.name`` as git itself resolves it (repo, then global)."""
    repo = _repo(root)
    if repo is None:
        return None
    try:
        with repo.config_reader() as reader:
            value = reader.get_value("user", "name", default="")
    except Exception:  # a broken config file is not a reason to refuse an approval
        return None
    return str(value) or None


def commit_paths(root: Path, paths: list[Path], message: str) -> str:
    """Commit exactly ``paths`` (other staged changes stay staged and uncommitted)."""
    import git

    repo = _repo(root)
    if repo is None:
        raise SddkitError("--commit needs a git repository", root)
    work = Path(repo.working_tree_dir or root).resolve()
    rels = [str(p.resolve().relative_to(work)) for p in paths]
    try:
        repo.git.add("--", *rels)
        repo.git.commit("-m", message, "--only", "--", *rels)
    except git.GitCommandError as exc:
        detail = (exc.stderr or exc.stdout or str(exc)).strip().splitlines()
        raise SddkitError(f"git commit failed: {detail[-1] if detail else exc}", root) from None
    return str(repo.head.commit.hexsha)
