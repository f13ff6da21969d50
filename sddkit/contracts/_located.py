"""YAML documents whose mappings and lists remember the line of every key and item.

Deployment files (Kubernetes manifests, docker-compose files, OpenAPI documents) are read
with PyYAML's safe loader; the node marks give each mapping a ``line`` (where it starts) and
``lines`` (key -> line of the key), and each list a ``line`` and ``lines`` (item lines), so
a finding can name the exact line in the file. Lines are 1-based.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

#: A deployment or interface file larger than this is not read (a guard against mistakes).
MAX_FILE = 4 * 1024 * 1024


class LDict(dict[Any, Any]):
    """A mapping with ``line`` (its first line) and ``lines`` (key -> line of the key)."""

    line: int = 0
    lines: dict[Any, int]

    def at(self, key: Any) -> int:
        """The line of ``key``, else the mapping's own line."""
        return self.lines.get(key, self.line) if hasattr(self, "lines") else self.line


class LList(list[Any]):
    """A list with ``line`` (its first line) and ``lines`` (the line of each item)."""

    line: int = 0
    lines: list[int]

    def at(self, index: int) -> int:
        """The line of item ``index``, else the list's own line."""
        lines = getattr(self, "lines", [])
        return lines[index] if 0 <= index < len(lines) else self.line


class _Loader(yaml.SafeLoader):
    """The safe loader, building :class:`LDict` and :class:`LList` with their lines."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LDict:
    loader.flatten_mapping(node)  # merge keys (<<: *base), as docker-compose files use them
    out = LDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines.setdefault(key, key_node.start_mark.line + 1)
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LList:
    out = LList(loader.construct_object(item, deep=True) for item in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [item.start_mark.line + 1 for item in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_all(text: str) -> Iterator[Any]:
    """Every document of a (multi-document) YAML or JSON text, with lines.

    Raises ``yaml.YAMLError`` (with ``problem_mark`` when PyYAML knows the place) for text
    that is not YAML, and ``RecursionError`` for nesting too deep to read.
    """
    yield from yaml.load_all(text, Loader=_Loader)


def error_line(exc: BaseException) -> int:
    """The 1-based line a YAML error points at, or 1 when it gives none."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return int(mark.line) + 1 if mark is not None else 1


def error_text(exc: BaseException) -> str:
    """A one-line reason for a YAML error."""
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    return str(problem or exc or "cannot parse").splitlines()[0]


def dig(value: Any, *keys: Any) -> Any:
    """``value[k1][k2]...`` through mappings and lists, None where a step is missing."""
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def line(value: Any, fallback: int = 0) -> int:
    """The line a mapping or list starts on, else ``fallback``."""
    return int(getattr(value, "line", 0)) or fallback


def line_at(value: Any, key: Any, fallback: int = 0) -> int:
    """The line of ``key`` in a mapping or list read by :func:`load_all`, else ``fallback``."""
    if isinstance(value, (LDict, LList)):
        return value.at(key)
    return fallback
