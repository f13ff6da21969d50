"""Agents' JSON settings files: read an object, write it back in the file's own indentation.

Used for the hook files (``.claude/settings.json``, ``.cursor/hooks.json``...) and the MCP
configuration files. Only plain JSON (RFC 8259) is read: a file with comments or trailing
commas is refused with its line, never rewritten. Keys keep their order (``json`` keeps
insertion order), so a merge changes only the keys sddkit owns; the file is rewritten
only when its data really changes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sddkit.errors import SddkitError


def load_object(text: str | None, path: Path) -> dict[str, Any]:
    """The JSON object in ``text`` ({} for a missing or blank file).

    Raises :class:`SddkitError` naming ``path`` and the line for text that is not JSON
    or not an object.
    """
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SddkitError(
            f"not plain JSON ({exc.msg}); sddkit merges only into JSON it can read back, "
            "so fix the file (comments and trailing commas are not JSON) and run again",
            path, exc.lineno,
        ) from None
    if not isinstance(data, dict):
        raise SddkitError("expected a JSON object at the top level", path, 1)
    return data


def indent_of(text: str | None) -> str | int:
    """The indentation the file uses (its first indented line), 2 spaces by default."""
    if text:
        match = re.search(r"^[{\[][ \t]*\r?\n([ \t]+)\S", text, re.MULTILINE)
        if match:
            found = match.group(1)
            return len(found) if set(found) == {" "} else found
    return 2


def dump(data: dict[str, Any], like: str | None) -> str:
    """``data`` as JSON text indented like ``like`` (the file's old text), newline-ended.

    A file that used CRLF line endings keeps them.
    """
    text = json.dumps(data, indent=indent_of(like), ensure_ascii=False) + "\n"
    if like and "\r\n" in like:
        text = text.replace("\n", "\r\n")
    return text


def updated(text: str | None, data: dict[str, Any], path: Path) -> str | None:
    """The new text for a file whose merged data is ``data``; None when nothing changes."""
    if text is not None and text.strip() and load_object(text, path) == data:
        return None
    return dump(data, text)


def child(data: dict[str, Any], key: str, kind: type, path: Path) -> Any:
    """``data[key]``, created empty when absent; an error naming ``path`` when it has the
    wrong JSON type (``kind`` is ``dict`` or ``list``)."""
    value = data.setdefault(key, kind())
    if not isinstance(value, kind):
        what = "an object" if kind is dict else "a list"
        raise SddkitError(f"'{key}' must be {what}; sddkit will not replace it", path)
    return value
