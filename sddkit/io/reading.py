"""Reading a repository's text files, with the rules every write keeps too.

Split from :mod:`sddkit.io.fileio` (which re-exports every name here) so that the read
paths (``sdd next``, ``sdd status``, ``sdd open``) do not load the writer, its lock and its
transaction: reads refuse non-UTF-8 text and NUL bytes with the file and line at fault, and
no path may resolve outside the repository root (docs/reliability.md).
"""

from __future__ import annotations

from pathlib import Path

from sddkit.errors import SddkitError, UnsafePath


def decode(data: bytes, path: Path | str) -> str:
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


def os_text(text: str) -> str:
    """A string the operating system gave (a command-line argument, an environment variable,
    a login name) as the UTF-8 it was typed in. Under a locale whose encoding is not UTF-8
    (``LC_ALL=C`` with ``PYTHONUTF8=0``: ASCII) Python reads such bytes with the
    ``surrogateescape`` error handler (PEP 383), so "Café" arrives holding lone surrogates
    that no file can hold; their bytes are read again as UTF-8. Text without such
    surrogates, or whose bytes are not UTF-8 either, is returned unchanged (a write then
    refuses the latter, naming it)."""
    if text.isascii() or not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    import os

    try:
        return os.fsencode(text).decode("utf-8")
    except (UnicodeError, ValueError):
        return text


def check_text(text: str, path: Path) -> None:
    """Refuse text that :func:`decode` would refuse when read back (a NUL byte, or a lone
    surrogate that cannot be written as UTF-8), so no write makes a file unreadable."""
    nul = text.find("\x00")
    if nul != -1:
        raise SddkitError("refusing to write a NUL byte: every later read would refuse the file",
                          path, text.count("\n", 0, nul) + 1)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise SddkitError("refusing to write text that is not valid Unicode (a lone "
                              "surrogate, as a command-line argument in another encoding "
                              "gives)", path, text.count("\n", 0, exc.start) + 1) from None


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file; a one-line error for a missing or unreadable one."""
    try:
        if not path.is_file():
            if path.exists():
                raise SddkitError("expected a file, found a directory or special file", path)
            raise SddkitError("file not found", path)
        return path.read_bytes()
    except PermissionError:
        raise SddkitError("permission denied", path) from None


def read_text(path: Path) -> str:
    """The text of a file as it is on disk: BOM and line endings kept."""
    return decode(read_bytes(path), path)


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
            f"resolves outside the repository (to {real}); sddkit reads and writes only "
            "inside it", target
        )
    return real
