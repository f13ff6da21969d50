"""``sdd done --commit``: commit exactly the change sddkit made, nothing a person left uncommitted.

The order (issue 14):

1. :func:`preflight`, before anything is written: a git work tree, an identity git can
   commit with, no merge, rebase, cherry-pick, revert or ``git am`` in progress.
2. :func:`plan`, once the change is computed and before it is written: for each file, the
   text to commit is HEAD's version with sddkit's edit applied (``git merge-file``: base =
   what sddkit read, ours = HEAD's version, theirs = what sddkit writes). A person's
   uncommitted edits elsewhere in the file stay out of the commit; an edit on the lines
   sddkit changes refuses the commit (nothing is written). The index entry gets the same
   edit on top of what was staged, so staged work stays staged.
3. :func:`commit`, after the write: the commit is built in a temporary index from HEAD
   (other staged files stay staged and out of it), made with ``git commit-tree`` (which
   honours ``commit.gpgSign``) and moved onto HEAD with ``git update-ref`` only if HEAD
   is still the commit the plan started from.

Plain ``git`` processes throughout (GitPython does not read SHA-256 repositories), so
SHA-256 repositories (``git init --object-format=sha256``) work like SHA-1 ones. Texts are
compared and merged in their working-tree form (``git cat-file --filters``) and stored
through the clean filters (``git hash-object --path``), so ``core.autocrlf`` and
attributes apply. Hooks do not run for this commit (it is made with plumbing).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sddkit.errors import SddkitError

#: Files in the git dir that mean an operation is stopped half way, and its name.
IN_PROGRESS = (("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"),
               ("rebase-apply", "a rebase (or `git am`)"), ("CHERRY_PICK_HEAD", "a cherry-pick"),
               ("REVERT_HEAD", "a revert"))


@dataclass(frozen=True)
class GitRepo:
    """The work tree ``--commit`` commits in: its top folder and HEAD's commit id then
    (``None`` on a branch without commits yet)."""

    top: Path
    head: str | None


@dataclass(frozen=True)
class Entry:
    """One file of the commit: its path (POSIX, from the top), mode, the text to commit and
    the text to leave in the index (``None``: the index entry is left alone)."""

    rel: str
    mode: str
    committed: str
    staged: str | None


@dataclass(frozen=True)
class Plan:
    repo: GitRepo
    entries: tuple[Entry, ...]


def _git(top: Path, *args: str, stdin: bytes | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=top, input=stdin,
                              capture_output=True, check=False,
                              env={**os.environ, **env} if env else None)
    except OSError as exc:
        raise SddkitError(f"--commit: cannot run git: {exc.strerror or exc}") from None


def _out(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stdout.decode("utf-8", "surrogateescape").strip()


def _last_line(done: subprocess.CompletedProcess[bytes]) -> str:
    lines = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"git exited with {done.returncode}"


def preflight(root: Path) -> GitRepo:
    """Every precondition of a commit, checked before anything is written. Raises
    :class:`SddkitError` naming what is missing: not a git work tree, no identity, an
    operation in progress."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree", "--show-toplevel")
    lines = _out(inside).splitlines()
    if inside.returncode != 0 or not lines or lines[0] != "true" or len(lines) < 2:
        raise SddkitError("--commit needs a git work tree, and this is not in one; nothing "
                          "was changed", root)
    top = Path(lines[1]).resolve()
    for var in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        ident = _git(top, "var", var)
        if ident.returncode != 0:
            raise SddkitError(f"--commit: git has no identity to commit with ({_last_line(ident)}"
                              "); set user.name and user.email; nothing was changed", root)
    for marker, what in IN_PROGRESS:
        where = _git(top, "rev-parse", "--git-path", marker)
        path = Path(_out(where))
        if where.returncode == 0 and (path if path.is_absolute() else top / path).exists():
            raise SddkitError(f"--commit: {what} is in progress; finish or abort it first "
                              "(or run without --commit); nothing was changed", root)
    head = _git(top, "rev-parse", "--verify", "-q", "HEAD")
    return GitRepo(top, _out(head) if head.returncode == 0 else None)


def _head_entry(repo: GitRepo, rel: str) -> tuple[str, str] | None:
    """(mode, blob id) of ``rel`` in HEAD, or None."""
    if repo.head is None:
        return None
    listed = _out(_git(repo.top, "ls-tree", "-z", repo.head, "--", rel)).split("\0")[0]
    meta, _tab, _name = listed.partition("\t")
    parts = meta.split()
    return (parts[0], parts[2]) if len(parts) == 3 and parts[1] == "blob" else None


def _index_entry(repo: GitRepo, rel: str, shown: Path) -> tuple[str, str] | None:
    """(mode, blob id) of ``rel`` in the index, or None; refuses a conflicted entry."""
    listed = [line for line in _out(_git(repo.top, "ls-files", "-s", "-z", "--", rel)).split("\0")
              if line]
    entries = [line.partition("\t")[0].split() for line in listed]
    if any(len(e) == 3 and e[2] != "0" for e in entries):
        raise SddkitError("--commit: the file has an unresolved merge conflict in the index; "
                          "resolve it first; nothing was changed", shown)
    return (entries[0][0], entries[0][1]) if entries else None


def _text_of(repo: GitRepo, blob: str, rel: str) -> str:
    """A blob's text as it is in the working tree (smudge filters and eol applied)."""
    done = _git(repo.top, "cat-file", "--filters", f"--path={rel}", blob)
    if done.returncode != 0:
        raise SddkitError(f"--commit: git cannot read {rel} ({_last_line(done)})")
    return done.stdout.decode("utf-8", "surrogateescape")


def _apply(current: str, base: str, edited: str) -> str | None:
    """``current`` with the change from ``base`` to ``edited`` applied (``git merge-file``),
    or None when the two overlap."""
    if current == base:
        return edited
    if edited == base:
        return current
    with tempfile.TemporaryDirectory(prefix="sddkit-merge-") as folder:
        names = []
        for name, text in (("current", current), ("base", base), ("edited", edited)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
            names.append(str(path))
        done = subprocess.run(["git", "merge-file", "-p", *names], capture_output=True,
                              check=False)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "surrogateescape")


def plan(repo: GitRepo, changes: list[tuple[Path, str | None, str]]) -> Plan:
    """What to commit for ``changes`` ((path, text read or None, text written), from
    ``Transaction.changes()``): see the module docstring. Raises :class:`SddkitError`
    naming the file when a person's uncommitted or staged edit overlaps sddkit's."""
    entries = []
    for path, old, new in changes:
        try:
            rel = path.resolve().relative_to(repo.top).as_posix()
        except ValueError:
            raise SddkitError("--commit: the file is outside the git work tree", path) from None
        head = _head_entry(repo, rel)
        index = _index_entry(repo, rel, path)
        head_text = _text_of(repo, head[1], rel) if head else None
        committed = new if head_text is None else _apply(head_text, old or "", new)
        if committed is None:
            raise SddkitError("--commit: the file has uncommitted edits on or next to the lines "
                              "sdd changes; commit or stash them first (or run without "
                              "--commit); nothing was changed", path)
        staged: str | None = committed
        if index is not None and head is not None and index[1] != head[1]:
            staged = _apply(_text_of(repo, index[1], rel), head_text or "", committed)
            if staged is None:
                raise SddkitError("--commit: the file has staged edits on or next to the lines "
                                  "sdd changes; commit or unstage them first; nothing was "
                                  "changed", path)
        mode = (head or index or ("100644", ""))[0]
        entries.append(Entry(rel, mode, committed, staged))
    return Plan(repo, tuple(entries))


def _blob(repo: GitRepo, rel: str, text: str) -> str:
    done = _git(repo.top, "hash-object", "-w", f"--path={rel}", "--stdin",
                stdin=text.encode("utf-8", "surrogateescape"))
    if done.returncode != 0:
        raise SddkitError(f"--commit: git cannot store {rel} ({_last_line(done)})")
    return _out(done)


def commit(plan: Plan, message: str) -> str:
    """Make the commit of ``plan`` on HEAD and update the index entries; the new commit's
    id. Raises :class:`SddkitError` when git refuses or HEAD moved since :func:`preflight`."""
    repo = plan.repo
    blobs = [(entry, _blob(repo, entry.rel, entry.committed)) for entry in plan.entries]
    git_dir = Path(_out(_git(repo.top, "rev-parse", "--absolute-git-dir")))
    with tempfile.NamedTemporaryFile(dir=git_dir, prefix="sddkit-index-") as scratch:
        env = {"GIT_INDEX_FILE": scratch.name}
        base = ["read-tree", repo.head] if repo.head else ["read-tree", "--empty"]
        steps = [base] + [["update-index", "--add", "--cacheinfo", f"{e.mode},{b},{e.rel}"]
                          for e, b in blobs]
        for args in steps:
            done = _git(repo.top, *args, env=env)
            if done.returncode != 0:
                raise SddkitError(f"--commit: git {args[0]} failed: {_last_line(done)}")
        tree = _git(repo.top, "write-tree", env=env)
    if tree.returncode != 0:
        raise SddkitError(f"--commit: git write-tree failed: {_last_line(tree)}")
    parents = ["-p", repo.head] if repo.head else []
    made = _git(repo.top, "commit-tree", _out(tree), *parents, "-F", "-",
                stdin=message.encode("utf-8"))
    if made.returncode != 0:
        raise SddkitError(f"--commit: git commit-tree failed: {_last_line(made)}")
    sha = _out(made)
    moved = _git(repo.top, "update-ref", "-m", f"sdd: {message.splitlines()[0]}", "HEAD", sha,
                 repo.head or "")
    if moved.returncode != 0:
        raise SddkitError("--commit: HEAD moved while sdd was working (another commit landed); "
                          f"the change is written but not committed: {_last_line(moved)}")
    for entry, blob in blobs:
        staged = blob if entry.staged == entry.committed else (
            _blob(repo, entry.rel, entry.staged) if entry.staged is not None else None)
        if staged is None:
            continue
        done = _git(repo.top, "update-index", "--add", "--cacheinfo",
                    f"{entry.mode},{staged},{entry.rel}")
        if done.returncode != 0:
            raise SddkitError(f"--commit: committed {sha[:7]}, but git could not update the "
                              f"index for {entry.rel}: {_last_line(done)}")
    return sha
