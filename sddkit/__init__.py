"""sddkit: spec-driven development in plain Markdown under ``AGENTS.ctx/``.

The names below are imported on first use (PEP 562): every ``sdd`` command imports this
package first, and a warm ``sdd next`` needs neither ``typing`` nor ``dataclasses``
(``tests/test_import_paths.py``).
"""

from __future__ import annotations

from sddkit.lazy_exports import lazy_exports

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers read it)
if TYPE_CHECKING:
    from sddkit.errors import SddkitError
    from sddkit.workspace import Workspace, find_root

__all__ = ["SddkitError", "Workspace", "__version__", "find_root"]

_exports = lazy_exports(__name__, {"errors": ("SddkitError",),
                                   "workspace": ("Workspace", "find_root")}, globals())


def __getattr__(name: str) -> object:
    # importlib.metadata is slow to import; only pay for it when the version is asked for.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("sddkit")
        except PackageNotFoundError:  # pragma: no cover - a bare source tree
            return "0+unknown"
    return _exports(name)
