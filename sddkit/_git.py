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


def _run_git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    """``git ARGS`` in ``cwd`` without GitPython (its import alone costs ~0.12 s): stdout,
    or None when git is missing or fails (not a repository, no commit yet)."""
    import subprocess

    try:
        done = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd,
                              input=stdin, capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def _toplevel(root: Path) -> Path | None:
    out = _run_git(root, "rev-parse", "--show-toplevel")
    text = out.decode("utf-8", "surrogateescape").strip() if out is not None else ""
    return Path(text).resolve() if text else None


def added_commits(root: Path, under: Path) -> dict[Path, tuple[str, str]] | None:
    """Files under ``under`` -> (commit, committer date ISO 8601) of the commit that added them.

    One ``git log --diff-filter=A`` over the history (renames count as additions); when a
    file was added more than once (deleted, then added again), the latest addition wins:
    it created the file as it is now. Keys are resolved absolute paths. None outside git
    or before the first commit; files never committed are absent. Runs git directly (two
    quick processes) rather than through GitPython: ``sdd check`` is a hot path.
    """
    top = _toplevel(root)
    if top is None:
        return None
    try:
        scope = under.resolve().relative_to(top).as_posix() or "."
    except ValueError:
        return None
    out = _run_git(top, "log", "--diff-filter=A", "--no-renames", "--name-only",
                   "--format=%x00%H %cI", "--", scope)
    if out is None:
        return None
    found: dict[Path, tuple[str, str]] = {}
    commit = ("", "")
    for line in out.decode("utf-8", "surrogateescape").split("\n"):
        if line.startswith("\x00"):
            sha, _sep, date = line[1:].partition(" ")
            commit = (sha, date.strip())
        elif line.strip():
            found.setdefault(top / line, commit)  # newest first: keep the latest addition
    return found


def files_at(root: Path, wanted: list[tuple[str, Path]]) -> list[str | None] | None:
    """The text of each (commit, path), None where the file did not exist at that commit.

    One ``git cat-file --batch`` process answers them all. None when git cannot be asked
    (outside git, git missing or failing): the answer is unknown, not "missing".
    """
    if not wanted:
        return []
    top = _toplevel(root)
    if top is None:
        return None
    rels: list[tuple[str, str]] = []
    for commit, path in wanted:
        try:
            rels.append((commit, path.resolve().relative_to(top).as_posix()))
        except ValueError:
            rels.append((commit, ""))
    # `cat-file <commit>:<path>` walks the tree for every name, which is slow for a folder
    # of thousands of projects: list each commit's tree once, then ask for blobs by id.
    blobs: dict[str, dict[str, str]] = {}
    for commit in sorted({c for c, rel in rels if rel}):
        folders = sorted({rel.rsplit("/", 1)[0] for c, rel in rels if c == commit and "/" in rel})
        listing = _run_git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--",
                           *(folders or ["."]))
        if listing is None:
            return None
        found: dict[str, str] = {}
        for entry in listing.split(b"\0"):
            meta, _tab, name = entry.partition(b"\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == b"blob":
                found[name.decode("utf-8", "surrogateescape")] = parts[2].decode()
        blobs[commit] = found
    names: list[str | None] = [blobs.get(c, {}).get(rel) if rel else None for c, rel in rels]
    asked = [name for name in names if name is not None]
    out = _run_git(top, "cat-file", "--batch", stdin="".join(f"{n}\n" for n in asked).encode())
    if out is None:
        return None
    answers: list[str | None] = []
    position = 0
    for _name in asked:
        end = out.find(b"\n", position)
        if end == -1:  # pragma: no cover - git answers every line it is asked
            return None
        header = out[position:end].split()
        position = end + 1
        if len(header) == 3 and header[2].isdigit():  # "<sha> <type> <size>", then content
            size = int(header[2])
            blob = out[position : position + size] if header[1] == b"blob" else None
            answers.append(blob.decode("utf-8", "replace") if blob is not None else None)
            position += size + 1
        else:  # "<name> missing" or "<name> ambiguous"
            answers.append(None)
    replies = iter(answers)
    return [next(replies) if name is not None else None for name in names]


def work_tree_base(root: Path, own: Path | None = None) -> str | None:
    """What a check run in ``root`` ran on: HEAD's short SHA, with ``-dirty`` appended when
    the work tree had uncommitted changes (untracked files included, ignored ones not)
    outside ``own`` (sddkit's own records, which do not change what a check sees). None
    outside git or before the first commit. Follows ``git describe --dirty``'s spelling.
    """
    top = _toplevel(root)
    if top is None:
        return None
    head = _run_git(top, "rev-parse", "--short=7", "--verify", "-q", "HEAD")
    sha = head.decode().strip() if head else ""
    if not sha:
        return None
    spec = ["--", "."]
    if own is not None:
        try:
            spec.append(f":(exclude){own.resolve().relative_to(top).as_posix()}")
        except ValueError:
            pass
    status = _run_git(top, "status", "--porcelain", "-z", *spec)
    return f"{sha}-dirty" if status else sha


def commits_with_trailer(root: Path, key: str, value: str) -> list[tuple[str, str, str]] | None:
    """Commits whose message carries the trailer ``KEY: VALUE`` (as ``git interpret-trailers``
    reads trailers), newest first: (full SHA, committer date ISO 8601, subject). None outside
    git or before the first commit."""
    top = _toplevel(root)
    if top is None:
        return None
    out = _run_git(top, "log", "-z", "-F", f"--grep={key}: {value}",
                   f"--format=%H%x1f%cI%x1f%s%x1f%(trailers:key={key},valueonly,separator=%x1e)")
    if out is None:
        return None
    found = []
    for record in out.decode("utf-8", "replace").split("\0"):
        parts = record.strip("\n").split("\x1f")
        if len(parts) != 4:
            continue
        sha, date, subject, trailers = parts
        if value in (t.strip() for t in trailers.split("\x1e")):
            found.append((sha, date, subject))
    return found
