"""The one error boundary, shared by the click CLI and the click-free fast path.

A user's mistake (:class:`SddkitError`) is one line on stderr and exit 1; an OS error on a
file is one line too; Ctrl-C is 130; a closed output pipe ends quietly; anything else is a
bug: one line saying so (``SDDKIT_DEBUG=1`` re-raises it, for the traceback).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sddkit.errors import SddkitError


def _say(line: str) -> None:
    """``line`` on stderr; a closed stderr (``2>&-``: Python's ``sys.stderr`` is None) takes
    nothing, as click's echo does: a warning that cannot be shown is no error."""
    if sys.stderr is not None:
        sys.stderr.write(line)


def handle(exc: BaseException) -> int:
    """Report ``exc`` on stderr and return the exit code (re-raises it under SDDKIT_DEBUG)."""
    if isinstance(exc, SddkitError):
        _say(f"sdd: {exc.located(Path.cwd())}\n")
        return 1
    if isinstance(exc, KeyboardInterrupt):
        _say("sdd: interrupted\n")
        return 130
    if isinstance(exc, BrokenPipeError):  # `sdd status | head`: the reader left; say nothing
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    if isinstance(exc, OSError):
        where = f"{_user_path(exc.filename)}: " if exc.filename else ""
        _say(f"sdd: {where}{exc.strerror or exc}\n")
        return 1
    if os.environ.get("SDDKIT_DEBUG") or not isinstance(exc, Exception):
        raise exc
    _say(
        f"sdd: internal error: {type(exc).__name__}: {exc} (a bug in sddkit; run with "
        "SDDKIT_DEBUG=1 for the traceback and report it)\n"
    )
    return 1


def report_faults(strict: bool, error: BaseException | None = None) -> int:
    """Print on stderr the broken projects and contexts the command skipped (recorded by
    :mod:`sddkit.projects.fault_isolation`), one warning line each; return 1 under ``--strict`` when there
    were any, else 0. When the command failed with ``error``, a fault about the same file
    is that error, not a second line."""
    faults = sys.modules.get("sddkit.projects.fault_isolation")
    if faults is None:  # nothing was listed: nothing can have been skipped
        return 0
    if isinstance(error, SddkitError) and error.path is not None:
        faults.forget_path(error.path)
    lines = faults.warning_lines(Path.cwd())
    faults.reset()
    for line in lines:
        _say(line + "\n")
    if lines and strict:
        _say(f"sdd: --strict: {len(lines)} project(s) or context(s) cannot be read\n")
        return 1
    return 0


def _user_path(filename: object) -> str:
    """An OS error's file as the user knows it: a temporary file of sddkit's
    (``.NAME.XXXXXXXX.sddkit-tmp``) is named as the file it was to replace, and a path
    under the current folder is relative."""
    path = Path(os.fsdecode(filename)) if isinstance(filename, (str, bytes)) else Path(str(filename))
    name = path.name
    if name.startswith(".") and name.endswith(".sddkit-tmp"):
        path = path.parent / name[1:-len(".sddkit-tmp")].rsplit(".", 1)[0]
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def flush_caches() -> None:
    cache = sys.modules.get("sddkit.io.cache")
    if cache is not None:
        cache.flush()
