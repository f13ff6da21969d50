"""sddkit: spec-driven development in plain Markdown under ``AGENTS.ctx/``."""

from __future__ import annotations

from typing import Any

from sddkit.errors import SddkitError
from sddkit.workspace import Workspace, find_root

__all__ = ["SddkitError", "Workspace", "__version__", "find_root"]


def __getattr__(name: str) -> Any:
    # importlib.metadata is slow to import; only pay for it when the version is asked for.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("sddkit")
        except PackageNotFoundError:  # pragma: no cover - a bare source tree
            return "0+unknown"
    raise AttributeError(name)
