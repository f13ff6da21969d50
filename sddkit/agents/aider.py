"""Aider reads ``AGENTS.md`` only when it is in the ``read:`` list of ``.aider.conf.yml``.

``sdd agents install --agent aider`` adds it there (Aider's documented YAML config: ``read:``
takes one file or a list of files to add read-only to every chat). The lines sddkit adds
end with the comment ``# added by sddkit``, so ``remove`` takes out exactly those lines and
nothing a person wrote. The file is edited at the spans PyYAML's nodes report; a ``read:``
written in flow style (``[a, b]``) or as one scalar is left alone with a message, since
rewriting it would change a person's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sddkit.errors import SddkitError
from sddkit.io.fileio import Transaction, read_text
from sddkit.workspace import Workspace

PATH = ".aider.conf.yml"
FILE = "AGENTS.md"
MARK = "# added by sddkit"


def _document(text: str, path: Path) -> Any:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SddkitError(f"not valid YAML ({getattr(exc, 'problem', exc)})", path,
                          mark.line + 1 if mark else None) from None
    if node is not None and not isinstance(node, yaml.MappingNode):
        raise SddkitError("expected a mapping of settings at the top level", path, 1)
    return node


def _read_entry(node: Any) -> tuple[Any, Any] | None:
    if node is None:
        return None
    for key, value in node.value:
        if getattr(key, "value", None) == "read":
            return key, value
    return None


def state_of(text: str | None, path: Path) -> str:
    """``installed`` (AGENTS.md is in ``read:``), ``absent`` or ``other`` (``read:`` in a
    form sddkit does not edit)."""
    import yaml

    entry = _read_entry(_document(text or "", path))
    if entry is None:
        return "absent"
    value = entry[1]
    if isinstance(value, yaml.ScalarNode):
        return "installed" if value.value == FILE else "other"
    if isinstance(value, yaml.SequenceNode):
        if any(getattr(item, "value", None) == FILE for item in value.value):
            return "installed"
        return "absent" if not value.flow_style else "other"
    return "other"


def install(ws: Workspace, tx: Transaction) -> str | None:
    """Stage ``AGENTS.md`` into the ``read:`` list; return a note when it cannot be added."""
    import yaml

    path = ws.root / PATH
    text = tx.read(path) or ""
    state = state_of(text, path)
    if state == "installed":
        return None
    if state == "other":
        return f"kept {PATH} (its read: is not a block list; add {FILE} to it by hand)"
    entry = _read_entry(_document(text, path))
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    if entry is None:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        lines += [f"read:  {MARK}{newline}", f"  - {FILE}  {MARK}{newline}"]
    else:
        key, seq = entry
        assert isinstance(seq, yaml.SequenceNode)
        if seq.value:
            last, indent = seq.value[-1].end_mark.line, seq.value[0].start_mark.column - 2
            at = last + 1 if seq.value[-1].end_mark.column > 0 else last
        else:  # `read:` with an empty block: put the item under the key
            at, indent = key.end_mark.line + 1, key.start_mark.column + 2
        lines.insert(at, f"{' ' * max(indent, 0)}- {FILE}  {MARK}{newline}")
    new = "".join(lines)
    if state_of(new, path) != "installed":  # pragma: no cover - a layout the spans misread
        return f"kept {PATH} (could not add {FILE} to read: safely; add it by hand)"
    tx.write(path, new)
    return None


def remove(ws: Workspace, tx: Transaction) -> None:
    """Stage the removal of the lines sddkit added (those ending in its mark)."""
    path = ws.root / PATH
    text = tx.read(path)
    if text is None or MARK not in text:
        return
    kept = [line for line in text.splitlines(keepends=True) if not line.rstrip().endswith(MARK)]
    new = "".join(kept)
    _document(new, path)  # still valid YAML
    if new.strip():
        tx.write(path, new)
    else:
        tx.delete(path)


@dataclass(frozen=True)
class AiderState:
    state: str  # installed | absent | other | broken
    problem: str | None = None


def status(ws: Workspace) -> AiderState:
    path = ws.root / PATH
    try:
        return AiderState(state_of(read_text(path) if path.is_file() else None, path))
    except SddkitError as exc:
        return AiderState("broken", exc.located(ws.root))


__all__ = ["FILE", "MARK", "PATH", "AiderState", "install", "remove", "state_of", "status"]
