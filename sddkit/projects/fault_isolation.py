"""Fault isolation: one broken project or context never stops work on the others.

The listing paths (:func:`sddkit.projects.rows.listing`, :func:`sddkit.repository.contexts.list_contexts`,
:func:`sddkit.repository.generated_blocks.staged_contexts`) load each project and context through
:func:`isolate`. A project or context that cannot be read becomes a :class:`Broken`
value (its name, file, line and error) instead of an exception: the listings answer for
the healthy ones, the inventory shows a broken project as an ``error`` row, and every
broken one is recorded here for the command's run. The one error boundary
(``sddkit.cli.boundary``) prints the recorded ones on stderr as warnings after the command
and, under ``sdd --strict``, turns them into exit status 1.

What is *asked for* by name (``sdd status P``, ``sdd done T1 --project P``, ``sdd open
CTX``) still fails with P's or CTX's own error: only the neighbours are isolated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sddkit.errors import SddkitError

if TYPE_CHECKING:
    from sddkit.workspace import Workspace

T = TypeVar("T")



@dataclass(frozen=True)
class Broken:
    """A project or context sddkit could not read. ``line`` is 1-based (None: whole file)."""

    kind: str  # "project" | "context"
    name: str
    path: Path | None
    line: int | None
    error: str

    def where(self, ws: Workspace) -> str:
        """``file:line`` relative to the root, or the file alone, or ``-``."""
        if self.path is None:
            return "-"
        rel = ws.rel(self.path)
        return f"{rel}:{self.line}" if self.line else rel

    def to_json(self, ws: Workspace) -> dict[str, Any]:
        """The ``broken`` entries of the listing JSON shapes (docs/json.md)."""
        return {
            "kind": self.kind,
            "name": self.name,
            "file": ws.rel(self.path) if self.path is not None else None,
            "line": self.line,
            "error": self.error,
        }


_recorded: dict[tuple[str, str], Broken] = {}


def isolate(kind: str, name: str, path: Path | None, load: Callable[[], T]) -> T | Broken:
    """``load()``, or a :class:`Broken` (recorded for the run) when it raises a user-file
    error (:class:`SddkitError`), an OS error (permissions, a folder where a file should be)
    or hits Python's recursion limit. ``path`` is named when the error names no file."""
    try:
        return load()
    except SddkitError as exc:
        broken = Broken(kind, name, exc.path or path, exc.line, exc.message)
    except RecursionError:
        broken = Broken(kind, name, path, None, "nested too deeply to read")
    except OSError as exc:
        where = Path(exc.filename) if isinstance(exc.filename, str) else path
        broken = Broken(kind, name, where, None, exc.strerror or str(exc))
    record(broken)
    return broken


def record(broken: Broken) -> None:
    """Remember ``broken`` for this run (once per kind and name)."""
    _recorded[(broken.kind, broken.name)] = broken


def forget(broken: Broken) -> None:
    """Drop ``broken`` from the run's record (it turned out not to be a project at all)."""
    _recorded.pop((broken.kind, broken.name), None)


def forget_path(path: Path) -> None:
    """Drop every recorded fault about ``path`` (the command's own error already names it)."""
    for key, broken in list(_recorded.items()):
        if broken.path is not None and broken.path == path:
            del _recorded[key]


def recorded() -> list[Broken]:
    """Every broken project and context met during this run, sorted by kind and name."""
    return [_recorded[key] for key in sorted(_recorded)]


def reset() -> None:
    """Forget what was recorded (each command run, each MCP call starts clean)."""
    _recorded.clear()


def warning_lines(cwd: Path) -> list[str]:
    """One line per recorded fault, for stderr, paths as the error boundary shows them:
    ``sdd: warning: FILE:LINE: project NAME skipped: ERROR``."""
    from sddkit.errors import _relative

    out = []
    for b in recorded():
        where = "" if b.path is None else str(_relative(b.path, cwd))
        if where and b.line:
            where += f":{b.line}"
        prefix = f"{where}: " if where else ""
        out.append(f"sdd: warning: {prefix}{b.kind} {b.name} skipped: {b.error}")
    return out


def only_temporary(folder: Path) -> bool:
    """Whether ``folder`` holds nothing but sddkit's leftover temporary files (or nothing):
    the trace of a killed write, not a project."""
    import os

    from sddkit.io.commit import TEMP_SUFFIX  # the writer: not loaded by the read paths

    try:
        with os.scandir(folder) as entries:
            return all(e.name.endswith(TEMP_SUFFIX) and e.is_file(follow_symlinks=False)
                       for e in entries)
    except OSError:
        return False
