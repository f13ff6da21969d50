"""The error tree. Core modules raise these; only ``cli/group.py`` turns them into exit codes."""

from __future__ import annotations

import os
from pathlib import Path


class SddkitError(Exception):
    """A refused action or bad input: one line for the user, exit code 1.

    ``path`` and ``line`` (1-based) point at the file and line at fault, when there is one.
    """

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def located(self, root: Path | None = None) -> str:
        """The one-line form: ``path:line: message``."""
        if self.path is None:
            return self.message
        shown = self.path if root is None else _relative(self.path, root)
        if shown == Path("."):  # the folder itself (the repository): named, not "."
            shown = Path(os.path.abspath(self.path))  # noqa: PTH100
        where = f"{shown}:{self.line}" if self.line else str(shown)
        return f"{where}: {self.message}"

    def __str__(self) -> str:
        return self.located()


def _relative(path: Path, root: Path) -> Path:
    """``path`` relative to ``root`` when it lies inside it, else ``path``.

    Tried as written first, so that a symlink inside the repository (one pointing outside,
    say) is named where the user sees it, then with every symlink resolved.
    """
    try:
        # abspath, not resolve: normalise the path without following its symlinks
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root))  # noqa: PTH100
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return path


class NotInitialised(SddkitError):
    """No ``AGENTS.ctx/`` above the working directory."""


class InvalidName(SddkitError):
    """A project, context or service name that is not a slug."""


class FrontMatterError(SddkitError):
    """Front matter that cannot be parsed or has the wrong shape."""


class MarkerError(SddkitError):
    """A managed block whose markers are missing, doubled, nested or reversed."""


class UnsafePath(SddkitError):
    """A path that would resolve outside the repository root, or is not a regular file."""


class GateError(SddkitError):
    """A phase transition refused by the gate rules."""


class TaskError(SddkitError):
    """A task that cannot be found or changed."""


class LockTimeout(SddkitError):
    """Another sdd process held the repository lock for too long."""


class ContractError(SddkitError):
    """A service contract that cannot be loaded."""
