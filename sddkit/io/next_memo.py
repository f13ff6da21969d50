"""The last ``sdd next`` answer, kept with everything it was computed from (issue 15).

Agents run ``sdd next`` at every session start, and most of the time nothing changed since
the last run. At 10,000 projects the answer costs loading every project's row; knowing
that nothing changed costs one ``git diff-files`` (git compares its index's stat data with
the files, in C) and a handful of ``lstat`` calls. So the answer is kept in the git
directory (``sddkit-next-v<VERSION>``, ``marshal``), with:

- what was asked: the root, ``--json``, the project named, the claimant, sddkit's code
  (its modules' sizes and modification times);
- git's index (its stat signature; a commit, checkout, ``git add`` or stash changes it)
  and the documents ``git diff-files`` reported changed then: the same set is required,
  so a document edited, reverted or deleted since is seen;
- the project folders (their names) and the stat signature of every file the answer
  rests on that git does not vouch for: documents outside the index or modified (hashed
  then), folders of projects with a missing document, the contexts (``read first``);
  a signature is only ever recorded for a file older than two seconds
  (:data:`sddkit.io.cache.RACY_NS`), so an edit within the same second is never missed.

An answer is not kept when it read a task list holding claims (claims expire with the
clock), when a project could not be read (its warning goes to stderr on every run), or
when any project was not read through the content keys (a symlinked folder). Anything else
gives the full computation, which keeps the answer again. ``SDDKIT_NO_CACHE=1`` turns it
off. ``tests/test_next_memo.py`` edits behind its back (same size and mtime included).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
from pathlib import Path
from typing import Any

from sddkit.io import cache

_CODE: list[Any] = []


def _code_stamp() -> tuple[int, int, int]:
    """(number, total size, latest mtime in ns) of sddkit's modules: a change to the code
    (an upgrade, an edit in a development checkout) is a new stamp."""
    if not _CODE:
        count = size = latest = 0
        stack = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
        while stack:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                        stack.append(entry.path)
                    elif entry.name.endswith(".py"):
                        st = entry.stat()
                        count, size = count + 1, size + st.st_size
                        latest = max(latest, st.st_mtime_ns)
        _CODE.append((count, size, latest))
    return _CODE[0]


def _path(root: Path) -> Path | None:
    git_dir = cache.git_dir(root)
    return None if git_dir is None else git_dir / f"sddkit-next-v{cache.VERSION}"


def _index(root: Path) -> Any:
    return cache.index_signature(root)


def _folders(assets: Path) -> str:
    try:
        names = sorted(os.listdir(assets))
    except OSError:
        return ""
    return hashlib.sha1("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()  # noqa: S324


def _contexts(ctx: Path) -> list[tuple[str, Any]] | None:
    """Stat signatures of ``AGENTS.ctx/`` and of each context's ``CONTEXT.md``; None when a
    ``CONTEXT.md`` is a symbolic link (its target's edits leave the link's own stat as it
    was, so no answer resting on it is kept)."""
    out: list[tuple[str, Any]] = []
    try:
        out.append((str(ctx), cache.signature(os.lstat(ctx))))
        for name in sorted(os.listdir(ctx)):
            file = os.path.join(ctx, name, "CONTEXT.md")
            try:
                st = os.lstat(file)
            except OSError:
                out.append((file, None))
                continue
            if stat.S_ISLNK(st.st_mode):
                return None
            out.append((file, cache.signature(st)))
    except OSError:
        return [("", None)]
    return out


def _question(root: Path, question: tuple[Any, ...]) -> tuple[Any, ...]:
    return (str(root), _code_stamp(), *question)


_started: dict[tuple[Path, str], Any] = {}


def _rel(root: Path, assets: Path) -> str | None:
    try:
        return assets.relative_to(root).as_posix()
    except ValueError:
        return None


def start(root: Path, assets: Path) -> None:
    """Start git's look at the files now, when an answer is kept: the command's imports
    then overlap with git's work (two cores), and :func:`lookup` waits for it."""
    path = _path(root) if cache.enabled() else None
    rel = _rel(root, assets)
    if path is None or rel is None or not path.is_file():
        return
    from sddkit.io import git

    _started[(root, rel)] = git.modified_files_later(root, rel)


def lookup(root: Path, assets: Path, ctx: Path, question: tuple[Any, ...]) -> Any:
    """The answer kept for ``question`` (a tuple of the command's inputs) when nothing it
    rests on changed since, else None. On a miss, what git said is handed to the listing
    that follows (:func:`sddkit.io.content_keys.prefetch_git`): git looks once."""
    rel = _rel(root, assets)
    started = _started.pop((root, rel), None) if rel is not None else None
    if not cache.enabled() or rel is None:
        return None
    from sddkit.io import content_keys

    path = _path(root)
    memo: Any = None
    if path is not None:
        try:
            memo = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            memo = None
    if not isinstance(memo, dict) or memo.get("question") != _question(root, question):
        if started is not None:
            content_keys.prefetch_git(root, rel, started)
        return None
    from sddkit.io import git

    dirty = started or git.modified_files_later(root, rel)  # git looks meanwhile
    try:
        contexts = _contexts(ctx)
        same = (memo["index"] == _index(root) and memo["folders"] == _folders(assets)
                and contexts is not None and memo["contexts"] == contexts
                and _unchanged(memo["files"]))
    except (KeyError, TypeError, ValueError):
        same = False
    found = dirty()
    if not same or found is None or sorted(found) != memo.get("dirty"):
        if found is not None:
            content_keys.prefetch_git(root, rel, lambda: found)
        return None
    return memo.get("answer")


def _unchanged(files: list[tuple[str, Any]]) -> bool:
    for file, sig in files:
        try:
            if cache.signature(os.lstat(file)) != sig:
                return False
        except OSError:
            return False
    return True


def store(root: Path, assets: Path, ctx: Path, question: tuple[Any, ...], answer: Any,
          names: list[str]) -> None:
    """Keep ``answer`` to ``question``, computed in this run from the projects ``names``
    (each read through the run's content keys: see the module doc for what is recorded and
    when nothing is). Errors are ignored: a memo is only a shortcut."""
    if not cache.enabled():
        return
    path = _path(root)
    from sddkit.io import content_keys

    snapshot = content_keys.for_workspace(root, assets)
    if path is None or snapshot is None:
        return
    recorded = snapshot.recorded_files(names)
    index = _index(root)
    if recorded is None or index is None or index != snapshot.index_seen:
        return  # the index changed while the answer was worked out: it may rest on both
    dirty, files = recorded
    contexts = _contexts(ctx)
    if contexts is None or any(sig is not None and cache.racy(sig) for _file, sig in contexts):
        return
    memo = {"question": _question(root, question), "index": index,
            "folders": _folders(assets), "contexts": contexts, "files": files,
            "dirty": sorted(dirty), "answer": answer}
    try:
        cache.replace_file(path, marshal.dumps(memo))
    except (OSError, ValueError):
        pass
