"""A package's exports imported on first use (PEP 562): its ``__init__`` loads none of its
modules until a name is asked for, so a command pays only for the modules it uses."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on every command
if TYPE_CHECKING:
    from typing import Any


def lazy_exports(package: str, where: Mapping[str, tuple[str, ...]],
                 namespace: dict[str, Any]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``.

    ``where`` maps each submodule of ``package`` to the names it defines. A name is imported
    from its submodule when first asked for (``from package import name`` too) and kept in
    ``namespace`` (the package's ``globals()``), so later look-ups are plain reads. Any
    other name raises :class:`AttributeError`, worded as Python words it.
    """
    module_of = {name: module for module, names in where.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
