"""The last ``sdd next`` and ``sdd open`` answers, kept with everything they were computed
from (issue 15).

Agents run ``sdd next`` and ``sdd open`` (or ``sdd open --brief``, from their session-start
hooks) at every session start, and most of the time nothing changed since
the last run. At 10,000 projects the answer costs loading every project's row; knowing
that nothing changed costs one ``git diff-files`` (git compares its index's stat data with
the files, in C) and a handful of ``lstat`` calls. So the answer is kept in the git
directory (``sddkit-<command>-v<VERSION>``: one file per command of :data:`KINDS`;
``marshal``), with:

- what was asked: the root, ``--json``, the project named, the claimant, sddkit's code
  (its modules' sizes and modification times);
- git's index (its stat signature; a commit, checkout, ``git add`` or stash changes it)
  and the documents ``git diff-files`` reported changed then: the same set is required,
  so a document edited, reverted or deleted since is seen;
- the stat signatures of the projects folder (a project added, removed or renamed changes
  its modification time) and of the contexts (``read first``), both taken before the
  answer is worked out, and of every file the answer rests on that git does not vouch
  for: documents outside the index or modified (hashed then), folders of projects with a
  missing document; a signature is only ever recorded for a file older than two seconds
  (:data:`sddkit.io.cache.RACY_NS`), so an edit within the same second is never missed.

An answer is not kept when it read a task list holding claims (claims expire with the
clock), when a project could not be read (its warning goes to stderr on every run), or
when any project was not read through the content keys (a symlinked folder or
document). Anything else gives the full computation, which keeps the answer again.
``SDDKIT_NO_CACHE=1`` turns it off. ``tests/test_next_memo.py`` edits behind its back
(same size and mtime included).
"""

from __future__ import annotations

import marshal
import os
import stat
import time
from pathlib import Path

from sddkit.io import cache

TYPE_CHECKING = False  # typing.TYPE_CHECKING: a warm ``sdd next`` imports no typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

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


#: The commands whose answers are kept, each in its own file: an agent's session start
#: runs ``sdd open --brief`` (its hook) and then ``sdd next``; one file would keep neither.
KINDS = ("next", "open", "brief")


def _path(root: Path, kind: str) -> Path | None:
    git_dir = cache.git_dir(root)
    return None if git_dir is None else git_dir / f"sddkit-{kind}-v{cache.VERSION}"


def _index(root: Path) -> Any:
    return cache.index_signature(root)


def _folders(assets: Path) -> Any:
    """The stat signature of the projects folder: a folder's modification time changes
    whenever an entry is added to it, removed or renamed (POSIX ``mtime`` of a directory),
    so an unchanged signature means the same project names (recorded only when it was not
    racy at the look, or has settled since: :func:`sddkit.io.cache.settled`)."""
    try:
        return cache.signature(os.stat(assets))
    except OSError:
        return None


def _contexts(ctx: Path) -> list[tuple[str, Any]] | None:
    """Stat signatures of ``AGENTS.ctx/``, of its own ``CONTEXT.md`` (the root rules) and of
    each context's ``CONTEXT.md``; None when a ``CONTEXT.md`` is a symbolic link (its
    target's edits leave the link's own stat as it was, so no answer resting on it is
    kept)."""
    out: list[tuple[str, Any]] = []
    try:
        out.append((str(ctx), cache.signature(os.lstat(ctx))))
        root = os.path.join(ctx, "CONTEXT.md")  # the root rules (``sdd open``)
        try:
            st = os.lstat(root)
            if stat.S_ISLNK(st.st_mode):
                return None
            out.append((root, cache.signature(st)))
        except FileNotFoundError:
            out.append((root, None))
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


def question(*asked: Any) -> tuple[Any, ...]:
    """The inputs of an answer besides the files: what was asked (the command and its
    arguments) and who claims: ``$SDDKIT_AGENT``, else the login name, which
    ``getpass.getuser()`` takes from the first of ``LOGNAME``, ``USER``, ``LNAME``,
    ``USERNAME`` set, else from the user id (its documented order). Their values are the
    question: importing ``getpass`` is a cost every kept answer would pay."""
    login = (*(os.environ.get(name) for name in ("LOGNAME", "USER", "LNAME", "USERNAME")),
             os.getuid() if hasattr(os, "getuid") else None)
    return (*asked, os.environ.get("SDDKIT_AGENT"), login)


def remembered(root: Path, assets: Path, ctx: Path, asked: tuple[Any, ...], key: str,
               work_out: Callable[[], tuple[dict[str, Any], bool]]) -> Any:
    """The answer ``key`` to ``asked`` (see :func:`question`): the kept one when nothing it
    rests on changed (:func:`lookup`), else ``work_out()``'s, which gives (key -> answer,
    whether it may be kept), kept for the next run when it may (:func:`store`)."""
    kept = lookup(root, assets, ctx, asked, key)
    if kept is not None:
        return kept
    answers, keep = work_out()
    if keep:
        try:
            names = os.listdir(assets)  # listed after the answer: each must have been read
        except OSError:
            return answers[key]
        store(root, assets, ctx, asked, answers, names)
    return answers[key]


_started: dict[tuple[Path, str], Any] = {}


def _rel(root: Path, assets: Path) -> str | None:
    try:
        return assets.relative_to(root).as_posix()
    except ValueError:
        return None


def start(root: Path, assets: Path, kind: str = "next") -> None:
    """Start git's look at the files now, when an answer to the command ``kind`` (one of
    :data:`KINDS`) is kept: the command's imports then overlap with git's work (two cores),
    and :func:`lookup` waits for it."""
    path = _path(root, kind) if cache.enabled() else None
    rel = _rel(root, assets)
    if path is None or rel is None or not path.is_file():
        return
    from sddkit.io import git

    _started[(root, rel)] = git.modified_files_later(root, rel)


#: (folders signature, contexts, when they were looked at: ns since the epoch) seen by
#: :func:`lookup` before the answer was worked out, by (root, assets, ctx): :func:`store`
#: records these, never a later look (a folder or context added while a cold run worked for
#: seconds would be recorded, and missed by the answer), and judges whether they are racy
#: as of that look, not of its own clock (by then, seconds later, a folder changed just
#: before the look seems old; a second change within its timestamp's tick would leave the
#: signature as recorded).
_seen: dict[tuple[Path, Path, Path], tuple[Any, Any, int]] = {}


def lookup(root: Path, assets: Path, ctx: Path, question: tuple[Any, ...], key: str) -> Any:
    """The answer ``key`` (``"text"`` or ``"data"``) kept for ``question`` (a tuple of the
    command's inputs, the command first: see :func:`question`) when nothing it rests on
    changed since, else None. On a miss, what git said is handed to the listing that
    follows (:func:`sddkit.io.content_keys.prefetch_git`): git looks once."""
    rel = _rel(root, assets)
    started = _started.pop((root, rel), None) if rel is not None else None
    _seen.pop((root, assets, ctx), None)  # an earlier run's, in this process: never stored
    if not cache.enabled() or rel is None:
        return None
    looked = time.time_ns()  # before the looks: a racy judgement errs on the safe side
    seen = (_folders(assets), _contexts(ctx))
    _seen[(root, assets, ctx)] = (*seen, looked)
    path = _path(root, question[0])
    memo, answer = _read(path, key) if path is not None else (None, None)
    if not isinstance(memo, dict) or memo.get("question") != _question(root, question):
        if started is not None:
            _prefetch(root, rel, started)
        return None
    from sddkit.io import git

    dirty = started or git.modified_files_later(root, rel)  # git looks meanwhile
    try:
        same = (memo["index"] == _index(root) and seen[1] is not None
                and (memo["folders"], memo["contexts"]) == seen
                and _unchanged(assets, memo["files"]))
    except (KeyError, TypeError, ValueError):
        same = False
    found = dirty()
    if not same or found is None or sorted(found) != memo.get("dirty"):
        if found is not None:
            _prefetch(root, rel, lambda: found)
        return None
    return answer


#: The memo file: the header's length (4 bytes, big-endian), the header (``marshal``: what
#: the answer rests on, and where each answer lies after it), then the answers, each its own
#: ``marshal`` (``sdd next`` reads its 2 KB text, not the JSON that lists every project).
_LENGTH = 4


def _read(path: Path, key: str) -> tuple[Any, Any]:
    """(the header, the answer ``key``) of the memo file at ``path``; (None, None) when it
    cannot be read whole. A length beyond the file's end (a damaged file, or one of the
    same name written before the header had its length: a plain ``marshal`` dict, whose
    first bytes read as about 2 GB) is refused before anything is read: a read of that size
    asks for the memory first (``MemoryError`` where address space is bounded)."""
    try:
        with open(path, "rb") as file:
            total = os.fstat(file.fileno()).st_size
            size = int.from_bytes(file.read(_LENGTH), "big")
            if _LENGTH + size > total:
                return None, None
            memo = marshal.loads(file.read(size))
            start, length = memo["parts"][key]
            if not 0 <= start <= start + length <= total - _LENGTH - size:
                return None, None
            file.seek(_LENGTH + size + start)
            part = file.read(length)
            if len(part) != length:
                return None, None
            return memo, marshal.loads(part)
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None, None


def _dumps(memo: dict[str, Any], answers: dict[str, Any]) -> bytes:
    parts, offset, blobs = {}, 0, []
    for key, answer in answers.items():
        blob = marshal.dumps(answer)
        parts[key] = (offset, len(blob))
        offset += len(blob)
        blobs.append(blob)
    header = marshal.dumps({**memo, "parts": parts})
    return b"".join((len(header).to_bytes(_LENGTH, "big"), header, *blobs))


def _prefetch(root: Path, rel: str, answer: Any) -> None:
    from sddkit.io import content_keys

    content_keys.prefetch_git(root, rel, answer)


def _contexts_settled(ctx: Path, contexts: list[tuple[str, Any]], looked: int) -> bool:
    """Whether the contexts look as they did (``contexts``, taken at ``looked``), each racy
    one then settled since (:func:`sddkit.io.cache.settled`)."""
    now = _contexts(ctx)
    if now is None or [file for file, _sig in now] != [file for file, _sig in contexts]:
        return False
    return all(sig == then if then is None or not cache.racy(then, looked)
               else cache.settled(then, looked, sig)
               for (_file, sig), (_same, then) in zip(now, contexts))


def _unchanged(assets: Path, files: list[tuple[str, Any]]) -> bool:
    """Whether each file (a path relative to ``assets``) has the stat signature recorded.
    Looked up from the open folder (``fstatat``) where the system allows it: the kernel
    walks two names per file, not ten. (``os.supports_dir_fd`` names ``os.stat``, never
    ``os.lstat``, which is ``os.stat`` without following the last link. One loop, no call
    per file: 2,750 files at 10,000 projects of the bench mix.)"""
    folder: int | None = None
    prefix = ""
    if not files:
        return True
    if os.stat in os.supports_dir_fd:
        try:
            folder = os.open(assets, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return False
    else:  # Windows
        prefix = f"{assets}/"
    lstat, signature = os.lstat, cache.signature
    try:
        for file, sig in files:
            if signature(lstat(prefix + file, dir_fd=folder)) != sig:
                return False
    except OSError:
        return False
    finally:
        if folder is not None:
            os.close(folder)
    return True


def store(root: Path, assets: Path, ctx: Path, question: tuple[Any, ...],
          answers: dict[str, Any], names: list[str]) -> None:
    """Keep ``answers`` (key -> answer: ``"text"``, ``"data"``) to ``question``, computed in
    this run (after :func:`lookup`) from the projects ``names``, listed after it was worked
    out (each read through the run's content keys: see the module doc for what is recorded
    and when nothing is). Errors are ignored: a memo is only a shortcut."""
    seen = _seen.pop((root, assets, ctx), None)
    if not cache.enabled() or seen is None:
        return
    path = _path(root, question[0])
    from sddkit.io import content_keys

    snapshot = content_keys.for_workspace(root, assets)
    if path is None or snapshot is None:
        return
    recorded = snapshot.recorded_files(names)
    index = _index(root)
    if recorded is None or index is None or index != snapshot.index_seen:
        return  # the index changed while the answer was worked out: it may rest on both
    dirty, files = recorded
    folders, contexts, looked = seen
    if folders is None or contexts is None:
        return
    if cache.racy(folders, looked) and not cache.settled(folders, looked, _folders(assets)):
        return
    if any(sig is not None and cache.racy(sig, looked) for _file, sig in contexts) \
            and not _contexts_settled(ctx, contexts, looked):
        return
    memo = {"question": _question(root, question), "index": index, "folders": folders,
            "contexts": contexts, "files": files, "dirty": sorted(dirty)}
    try:
        cache.replace_file(path, _dumps(memo, answers))
    except (OSError, ValueError):
        pass
