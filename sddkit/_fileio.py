"""Every write sddkit makes goes through here.

Promises (see docs/reliability.md):

- reads refuse non-UTF-8 text and NUL bytes with the file and line at fault;
- writes are atomic: a temporary file in the same folder, flushed and fsynced,
  then ``os.replace``; a failure at any point leaves the original untouched and
  removes the temporary file;
- nothing is written when nothing changed, and a dry run writes nothing;
- no path resolves outside the repository root, symlinks included, and only
  regular files are ever replaced;
- read-modify-write happens under one repository lock (``filelock``, imported
  only when a command writes).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LockTimeout, SddkitError, UnsafePath

#: Seconds to wait for the repository lock before giving up with a clear message.
DEFAULT_LOCK_TIMEOUT = 30.0
#: Test-only fault injection: when set to "before-replace", a write fails after
#: the temporary file is written and before it replaces the original.
FAULT_ENV = "SDDKIT_TEST_FAULT"


def decode(data: bytes, path: Path) -> str:
    """UTF-8 text of ``data``, or a one-line error naming the line of the first bad byte."""
    nul = data.find(b"\x00")
    if nul != -1:
        raise SddkitError(
            "contains NUL bytes: not a text file", path, data.count(b"\n", 0, nul) + 1
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SddkitError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8", path, line
        ) from None


def read_text(path: Path) -> str:
    """The text of a file as it is on disk: BOM and line endings kept."""
    try:
        if not path.is_file():
            if path.exists():
                raise SddkitError("expected a file, found a directory or special file", path)
            raise SddkitError("file not found", path)
        data = path.read_bytes()
    except PermissionError:
        raise SddkitError("permission denied", path) from None
    return decode(data, path)


def newline_of(text: str) -> str:
    """The newline style a text already uses (CRLF if its first line ends so)."""
    first = text.find("\n")
    if first > 0 and text[first - 1] == "\r":
        return "\r\n"
    return "\n"


def inside_root(root: Path, path: Path) -> Path:
    """``path`` fully resolved, refused unless it stays under ``root``."""
    real_root = root.resolve()
    target = (root / path) if not path.is_absolute() else path
    real = target.resolve()
    if real != real_root and real_root not in real.parents:
        raise UnsafePath(
            f"refusing to write outside the repository (resolves to {real})", target
        )
    return real


def atomic_write(root: Path, path: Path, text: str) -> bool:
    """Replace ``path`` with ``text`` atomically. Returns False when the bytes are already there."""
    real = inside_root(root, path)
    data = text.encode("utf-8")
    mode: int | None = None
    if os.path.lexists(real):
        st = real.lstat()
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath("not a regular file; refusing to replace it", path)
        if real.read_bytes() == data:
            return False
        mode = stat.S_IMODE(st.st_mode)
    real.parent.mkdir(parents=True, exist_ok=True)
    inside_root(root, real.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".sddkit-tmp", dir=real.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if os.environ.get(FAULT_ENV) == "before-replace":
            raise OSError("injected fault before replace (SDDKIT_TEST_FAULT)")
        os.replace(tmp, real)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def lock_path(root: Path) -> Path:
    """Where the repository lock lives: inside ``.git/`` when there is one, never the tree."""
    git_dir = root / ".git"
    if git_dir.is_dir():
        return git_dir / "sddkit.lock"
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"sddkit-{digest}.lock"


@contextmanager
def repo_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the repository lock. An OS lock: a killed holder releases it at once."""
    import filelock  # only commands that write pay for this import

    if timeout is None:
        timeout = float(os.environ.get("SDDKIT_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
    path = lock_path(root)
    lock = filelock.FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockTimeout(
            f"another sdd process has held the repository lock for {timeout:g}s; "
            "wait for it to finish, or stop it and try again",
            path,
        ) from None
    try:
        yield
    finally:
        lock.release()


@dataclass
class Transaction:
    """A set of file changes computed together and written together (or shown as a diff).

    Reads see the transaction's own pending writes. Nothing touches the disk until
    :meth:`commit`, so an error while computing the changes leaves every file as it was.
    """

    root: Path
    pending: dict[Path, str] = field(default_factory=dict)
    originals: dict[Path, str | None] = field(default_factory=dict)

    def _key(self, path: Path) -> Path:
        return path if path.is_absolute() else self.root / path

    def read(self, path: Path) -> str | None:
        key = self._key(path)
        if key in self.pending:
            return self.pending[key]
        if key not in self.originals:
            self.originals[key] = read_text(key) if os.path.lexists(key) else None
        return self.originals[key]

    def write(self, path: Path, text: str) -> None:
        key = self._key(path)
        if key not in self.originals:
            self.read(key)
        inside_root(self.root, key)
        self.pending[key] = text

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
        chunks: list[str] = []
        for key, old, new in self.changes():
            try:
                rel = key.relative_to(self.root).as_posix()
            except ValueError:
                rel = key.as_posix()
            chunks.extend(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile="/dev/null" if old is None else f"a/{rel}",
                    tofile=f"b/{rel}",
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                       for line in chunks)

    def commit(self) -> list[Path]:
        """Write every changed file atomically; return the paths written."""
        written = []
        for key, _old, new in self.changes():
            if atomic_write(self.root, key, new):
                written.append(key)
        return written


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
