"""Every write sddkit makes goes through here.

Promises (see docs/reliability.md):

- reads refuse non-UTF-8 text and NUL bytes with the file and line at fault
  (:mod:`sddkit.io.reading`, re-exported here);
- writes are atomic and all or nothing: every file of a change goes to a temporary
  file in its folder first (flushed and fsynced), then each is replaced; a failure
  puts back the files already replaced (``_commit``);
- a file someone else changed since it was read is never silently overwritten:
  sddkit's edit is re-applied over theirs or the change is refused (``_merge``);
- nothing is written when nothing changed, and a dry run writes nothing;
- no path resolves outside the repository root, symlinks included, and only
  regular files are ever replaced;
- the replace happens under one repository lock, in the git common dir (``_lock``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sddkit.errors import SddkitError, UnsafePath
from sddkit.io.commit import FAULT_ENV, TEMP_SUFFIX, Staged, WriteFailed, write_all  # noqa: F401
from sddkit.io.reading import (  # noqa: F401 (the readers, re-exported)
    check_text,
    decode,
    inside_root,
    newline_of,
    read_bytes,
    read_text,
)
from sddkit.io.repo_lock import DEFAULT_LOCK_TIMEOUT, lock_path, lock_timeout, repo_lock  # noqa: F401

T = TypeVar("T")

#: What the user is told for an OS error while writing, by errno name; else its strerror.
_WRITE_REASONS = {
    "ENOSPC": "no space left on the device",
    "EDQUOT": "the disk quota is exceeded",
    "EFBIG": "the file would exceed the file-size limit (`ulimit -f`)",
    "EROFS": "the file system is read-only",
}


def write_failure(exc: OSError, root: Path, path: Path, action: str = "write") -> SddkitError:
    """An OS error met while writing ``path`` as one line naming ``path`` (never a temporary
    file's absolute path): the reason in words, and the folder when a permission is missing.

    Sources: errno names from POSIX ``<errno.h>``; ``EACCES``/``EPERM`` on creating or
    replacing an entry is a permission of its folder (POSIX ``rename``/``open``)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    if name in ("EACCES", "EPERM"):
        # the entry the OS refused to create (a folder, the temporary file) or rename
        # (the temporary file over the file) lives in a folder without write permission
        culprit = Path(os.fsdecode(exc.filename)).parent if exc.filename else path.parent
        try:
            shown = culprit.resolve().relative_to(root.resolve()).as_posix() or "."
        except (ValueError, OSError):
            shown = str(culprit)
        reason = f"permission denied (the folder {shown}/ is not writable)"
    else:
        reason = _WRITE_REASONS.get(name) or (exc.strerror or str(exc)).rstrip(".")
    return SddkitError(f"could not {action} it: {reason}; it is unchanged", path)


def atomic_write(root: Path, path: Path, text: str) -> bool:
    """Replace ``path`` with ``text`` atomically. Returns False when the bytes are already there."""
    item = _staged(root, path, text, None, compare=False)
    return item is not None and bool(_write(root, [item]))


def _write(root: Path, items: list[Staged]) -> list[Path]:
    """:func:`~sddkit.io.commit.write_all`, an OS refusal worded by :func:`write_failure`."""
    try:
        return write_all(items)
    except WriteFailed as failed:
        error = write_failure(failed.error, root, failed.path)
        if failed.undone:
            raise error from None
        raise SddkitError(error.message.replace(
            "; it is unchanged", "; other files of the change were written and could not be "
            "put back: run `sdd check`"), error.path) from None


def _staged(root: Path, path: Path, text: str, original: str | None, *, compare: bool
            ) -> Staged | None:
    """A :class:`~sddkit.io.commit.Staged` write of ``text`` to ``path``; None when the bytes
    are already there.

    With ``compare``, ``original`` is what the transaction read (None: absent), checked
    again just before the replace; without, the file as it is now is the original.
    """
    real = inside_root(root, path)
    data = text.encode("utf-8")
    mode: int | None = None
    existed = os.path.lexists(real)
    if existed:
        st = real.lstat()
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath("not a regular file; refusing to replace it", path)
        current = real.read_bytes()
        if current == data:
            return None
        mode = stat.S_IMODE(st.st_mode)
        if not compare:
            original = decode(current, path)
    inside_root(root, real.parent)
    return Staged(path, real, text, original if compare or existed else None, existed, mode)


@dataclass
class Transaction:
    """A set of file changes computed together and written together (or shown as a diff).

    Reads see the transaction's own pending writes. Nothing touches the disk until
    :meth:`commit`, so an error while computing the changes leaves every file as it was.
    """

    root: Path
    pending: dict[Path, str] = field(default_factory=dict)
    originals: dict[Path, str | None] = field(default_factory=dict)
    #: Files to delete at commit (see :meth:`delete`); never also in ``pending``.
    removals: set[Path] = field(default_factory=set)

    def _key(self, path: Path) -> Path:
        return path if path.is_absolute() else self.root / path

    def read(self, path: Path) -> str | None:
        key = self._key(path)
        if key in self.removals:
            return None
        if key in self.pending:
            return self.pending[key]
        if key not in self.originals:
            exists = os.path.lexists(key)
            if exists:
                inside_root(self.root, key)  # a link leaving the root is not read either
            self.originals[key] = read_text(key) if exists else None
        return self.originals[key]

    def is_pending(self, path: Path) -> bool:
        """Whether ``path`` was written (staged) earlier in this transaction."""
        return self._key(path) in self.pending

    def write(self, path: Path, text: str) -> None:
        key = self._key(path)
        check_text(text, key)
        if key not in self.originals:
            self.read(key)
        inside_root(self.root, key)
        self.removals.discard(key)
        self.pending[key] = text

    def delete(self, path: Path) -> None:
        """Stage the deletion of an existing regular file inside the root (no-op when absent).

        Refused like a write for a path leaving the root, a symlink or a non-file. At
        commit the file is removed only if its bytes are still the ones read here.
        """
        key = self._key(path)
        self.read(key)
        self.pending.pop(key, None)  # a file created earlier in this transaction: not written
        if self.originals[key] is not None:
            _check_deletable(self.root, key)
            self.removals.add(key)

    def deletions(self) -> list[Path]:
        """Every file this transaction deletes, sorted."""
        return sorted(self.removals)

    def changes(self) -> list[tuple[Path, str | None, str]]:
        """(path, old text or None, new text) for every file that really changes, sorted."""
        out = []
        for key in sorted(self.pending):
            new = self.pending[key]
            old = self.originals.get(key)
            if old != new:
                out.append((key, old, new))
        return out

    def diff(self) -> str:
        """A unified diff of every pending change, paths relative to the root."""
        import difflib

        chunks: list[str] = []
        for key, old, new in self.changes():
            rel = self._rel(key)
            chunks.extend(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile="/dev/null" if old is None else f"a/{rel}",
                    tofile=f"b/{rel}",
                )
            )
        for key in self.deletions():
            old = self.originals.get(key) or ""
            chunks.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True), [],
                    fromfile=f"a/{self._rel(key)}", tofile="/dev/null",
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                       for line in chunks)

    def _rel(self, key: Path) -> str:
        try:
            return key.relative_to(self.root).as_posix()
        except ValueError:
            return key.as_posix()

    def commit(self) -> list[Path]:
        """Write every changed file, all or nothing, then delete the removals; return the
        paths (the order is in :mod:`sddkit.io.commit`).

        Every path is checked first (inside the root, a regular file or absent), so a
        refused path refuses the whole change: no file is written before the refusal.
        A file someone else changed since it was read gets sddkit's edit re-applied over
        theirs, or the change is refused naming it: nothing is silently overwritten.
        Raises :class:`SddkitError` naming the file at fault; then no file changed.
        """
        changes = self.changes()
        for key, _old, _new in changes:
            _check_writable(self.root, key)
        for key in self.deletions():
            _check_deletable(self.root, key)
        items = []
        for key, old, new in changes:
            item = _staged(self.root, key, new, old, compare=True)
            if item is not None:
                items.append(item)
        written = _write(self.root, items)
        for key in self.deletions():
            if safe_delete(self.root, key, self.originals.get(key)):
                written.append(key)
        return written


def _check_writable(root: Path, path: Path) -> None:
    """Refuse, before anything is written, a path :func:`atomic_write` would refuse."""
    real = inside_root(root, path)
    if os.path.lexists(real) and not stat.S_ISREG(real.lstat().st_mode):
        raise UnsafePath("not a regular file; refusing to replace it", path)


def _check_deletable(root: Path, path: Path) -> None:
    """Refuse to delete anything but a regular file (not a symlink) inside ``root``."""
    inside_root(root, path)  # resolves every symlink on the way
    st = path.lstat()
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePath("not a regular file; refusing to delete it", path)


def safe_delete(root: Path, path: Path, expected: str | None) -> bool:
    """Delete ``path`` if it still holds exactly ``expected``; False when it is already gone."""
    if not os.path.lexists(path):
        return False
    _check_deletable(root, path)
    if expected is None or path.read_bytes() != expected.encode("utf-8"):
        raise SddkitError("changed on disk while sdd was working; not deleted, run again", path)
    try:
        path.unlink()
    except OSError as exc:
        raise write_failure(exc, root, path, "delete") from None
    return True


def _unchanged(tx: Transaction) -> bool:
    """Whether every file ``tx`` read still holds the bytes it read (or is still absent)."""
    for key, original in tx.originals.items():
        try:
            now: bytes | None = key.read_bytes()
        except FileNotFoundError:
            now = None
        except OSError:
            return False
        if now != (None if original is None else original.encode("utf-8")):
            return False
    return True


def run_transaction(root: Path, compute: Callable[[Transaction], T], *,
                    dry_run: bool = False, attempts: int = 3) -> tuple[T, Transaction]:
    """``compute(tx)`` without the lock, then under it: if every file it read still holds
    the same bytes, write the changes; if another writer got there first, compute again
    (the last attempt under the lock). Returns (what ``compute`` returned, the transaction).

    The repository lock is so held only around read-compare-replace, never around parsing
    and rendering: a ``done`` in a 50,000-task list keeps other writers waiting for the
    milliseconds its replace takes, not for its parse.
    """
    for _attempt in range(max(attempts - 1, 0)):
        tx = Transaction(root)  # (listing the projects again looks at the files afresh)
        result = compute(tx)
        if dry_run:
            return result, tx
        with repo_lock(root):
            if _unchanged(tx):
                tx.commit()
                return result, tx
    with transaction(root, dry_run=dry_run) as tx:
        result = compute(tx)
    return result, tx


@contextmanager
def transaction(root: Path, *, dry_run: bool = False) -> Iterator[Transaction]:
    """Compute changes under the repository lock, then write them (unless ``dry_run``)."""
    tx = Transaction(root)
    if dry_run:
        yield tx
        return
    with repo_lock(root):
        yield tx
        tx.commit()
