"""Writing a transaction's files: all or nothing, never over what someone else wrote.

The order (issue 14):

1. **Stage.** Every new text goes to a temporary file in its target's folder
   (``.NAME.XXXXXXXX.sddkit-tmp``), flushed and ``fsync``ed. A full disk or a file-size
   limit strikes here, before any file is replaced.
2. **Compare before replace**, for each file just before its replace: it must still hold
   the bytes the transaction read (the bytes themselves are compared, which covers size,
   modification time and any hash of them). When a person changed it meanwhile, sddkit's
   own edit is re-applied over theirs (:func:`sddkit.io.line_merge.merge3`) and the temporary
   file rewritten; when the two overlap, the change is refused naming the file. A file
   that appeared or vanished meanwhile is refused too.
3. **Replace**, each original first kept as a hard link (a backup that costs no space),
   then ``os.replace``. A program that had the original open and wrote to it after step 2
   wrote into that backup: its edit is taken into the new file (appended in place, or
   merged). If a replace fails, the earlier ones are undone from their backups (files the
   change created are removed), so either every file changed or none did.
4. Temporary files and backups are removed whatever happens.

Errors name the file, relative to the root, never a temporary file's path.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from sddkit.errors import SddkitError, UnsafePath

#: Test-only fault injection (see docs/reliability.md): ``before-replace`` fails the first
#: replace; ``replace:N`` fails the Nth replace (after N-1 files were replaced).
FAULT_ENV = "SDDKIT_TEST_FAULT"
TEMP_SUFFIX = ".sddkit-tmp"


@dataclass
class Staged:
    """One file of a change on its way to disk."""

    path: Path  # as the transaction names it (for messages)
    real: Path  # every symlink resolved, inside the root
    text: str
    original: str | None  # what the transaction read (None: the file did not exist)
    existed: bool
    mode: int | None
    created: list[Path] = field(default_factory=list)  # folders made for it, deepest first
    tmp: Path | None = None
    backup: Path | None = None
    replaced: bool = False
    seen: bytes | None = None  # what the target held when compared (step 2)


def _temp_name(real: Path) -> Path:
    return real.parent / f".{real.name}.{os.urandom(4).hex()}{TEMP_SUFFIX}"


def _write_temp(item: Staged) -> None:
    data = item.text.encode("utf-8")
    while True:
        tmp = _temp_name(item.real)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
    item.tmp = tmp
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if item.mode is not None:
        os.chmod(tmp, item.mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, deepest first."""
    missing = []
    current = folder
    while not os.path.lexists(current) and current != current.parent:
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_folders(created: list[Path]) -> None:
    for folder in created:
        try:
            folder.rmdir()
        except OSError:  # something else was put there meanwhile: leave it
            return


def _read_current(item: Staged) -> bytes | None:
    try:
        st = os.lstat(item.real)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePath("not a regular file; refusing to replace it", item.path)
    return item.real.read_bytes()


def _compare(item: Staged) -> None:
    """Step 2: the file still holds what was read, or sddkit's edit is re-applied over the
    person's edit, or the change is refused."""
    current = _read_current(item)
    item.seen = current
    original = None if item.original is None else item.original.encode("utf-8")
    if current == original:
        return
    if current is not None and current == item.text.encode("utf-8"):
        item.tmp and item.tmp.unlink(missing_ok=True)
        item.tmp = None  # someone wrote exactly our text: nothing to do
        return
    if current is None or original is None:
        what = "was deleted" if current is None else "was created"
        raise SddkitError(f"{what} by someone else while sdd was working; nothing was written, "
                          "run the command again", item.path)
    item.text = _merged(item, item.original or "", current)
    if item.tmp is not None:
        item.tmp.unlink(missing_ok=True)
    _write_temp(item)


def _text(data: bytes, item: Staged) -> str:
    """``data`` (what someone else wrote to ``item``'s file meanwhile) as text."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SddkitError("was changed by someone else while sdd was working, and is no "
                          "longer UTF-8 text; nothing was written", item.path) from None


def _merged(item: Staged, base: str, theirs: bytes) -> str:
    """sddkit's edit (``base`` to ``item.text``) applied over ``theirs``, or a refusal."""
    from sddkit.io.line_merge import merge3

    merged = merge3(base, item.text, _text(theirs, item))
    if merged is None:
        raise SddkitError(
            "was edited by someone else while sdd was working, on the lines sdd changes; "
            "nothing was written: run the command again", item.path)
    return merged


def _replace(item: Staged, number: int) -> None:
    """Step 3 for one file: keep the original as a hard link, replace, then take in what a
    person wrote to the original meanwhile (:func:`_settle`)."""
    assert item.tmp is not None
    fault = os.environ.get(FAULT_ENV, "")
    if fault == "before-replace" or fault == f"replace:{number}":
        raise OSError(f"injected fault before replace {number} (SDDKIT_TEST_FAULT)")
    if item.existed:
        backup = _temp_name(item.real)
        try:
            os.link(item.real, backup)
            item.backup = backup
        except OSError:  # no hard links here: keep the text to write back instead
            item.backup = None
    os.replace(item.tmp, item.real)
    item.tmp = None
    item.replaced = True
    _settle(item)


#: How many times a file written to by someone else *during* the replace is merged again.
_LATE_EDITS = 5


def _settle(item: Staged) -> None:
    """Take in the late edits until there are none (at most :data:`_LATE_EDITS` rounds)."""
    for _again in range(_LATE_EDITS):
        if not _late_edit(item):
            return
    raise SddkitError("kept changing while sdd was writing it; run the command again", item.path)


def _late_edit(item: Staged) -> bool:
    """After the replace: when the original (still reachable through its backup link) was
    written to after step 2 (a person's program appending through a file it had opened
    before the replace), take that edit into the new file. An append is appended to the new
    file in place (no second replace, so no second window); any other edit is merged with
    sddkit's and the file replaced again, compared first like any replace. True when there
    was a late edit."""
    if item.backup is None or item.seen is None:
        return False
    try:
        late = item.backup.read_bytes()
    except OSError:
        return False
    if late == item.seen:
        return False
    if late.startswith(item.seen):
        fd = os.open(item.real, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, late[len(item.seen):])
            os.fsync(fd)
        finally:
            os.close(fd)
        item.seen = late
        return True
    merged = _merged(item, _text(item.seen, item), late)
    again = Staged(item.path, item.real, merged, item.text, True, item.mode)
    _write_temp(again)
    _compare(again)
    if again.tmp is not None:
        os.replace(again.tmp, item.real)
        again.tmp = None
    # The backup stays the original file (the person's version): a rollback puts it back.
    item.seen, item.text = late, again.text
    return True


def _undo(item: Staged) -> None:
    """Put one replaced file back as it was before this change."""
    if item.backup is not None:
        os.replace(item.backup, item.real)
        item.backup = None
    elif not item.existed:
        item.real.unlink(missing_ok=True)
    elif item.original is not None:
        restore = Staged(item.path, item.real, item.original, None, True, item.mode)
        _write_temp(restore)
        assert restore.tmp is not None
        os.replace(restore.tmp, item.real)


class WriteFailed(Exception):
    """The OS refused a write of a change (``error``, while writing ``path``); ``undone``
    says whether every file the change had replaced was put back. The caller words it
    (:func:`sddkit.io.fileio.write_failure`)."""

    def __init__(self, error: OSError, path: Path, undone: bool) -> None:
        super().__init__(str(error))
        self.error, self.path, self.undone = error, path, undone


def write_all(items: list[Staged]) -> list[Path]:
    """Steps 1-4 for ``items``; returns the paths replaced. Raises :class:`WriteFailed`
    when the OS refuses (every replaced file put back), :class:`SddkitError` for the
    refusal of step 2."""
    current: Staged | None = None
    try:
        for current in items:
            current.created = _make_folders(current.real.parent)
            _write_temp(current)
        number = 0
        for current in items:  # compare just before its replace: the window stays small
            _compare(current)
            if current.tmp is None:
                continue
            number += 1
            _replace(current, number)
        for current in items:  # once more, after the last replace: a slow writer's late edit
            if current.replaced:
                _settle(current)
    except BaseException as exc:
        failed = current
        undone = True
        for item in reversed(items):
            if item.replaced:
                try:
                    _undo(item)
                    item.replaced = False
                except OSError:
                    undone = False
        _cleanup(items, remove_folders=True)
        if isinstance(exc, SddkitError) or not isinstance(exc, OSError) or failed is None:
            raise
        raise WriteFailed(exc, failed.path, undone) from None
    _cleanup(items, remove_folders=False)
    return [item.path for item in items if item.replaced]


def _cleanup(items: list[Staged], remove_folders: bool) -> None:
    for item in items:
        for leftover in (item.tmp, item.backup):
            if leftover is not None:
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:  # pragma: no cover - reported by `sdd check` later
                    pass
        item.tmp = item.backup = None
    if remove_folders:  # the last made first: a later file's folder sits inside an earlier's
        for item in reversed(items):
            if not item.replaced:
                _remove_folders(item.created)
