"""Project-scoped MCP configuration: ``sdd agents install --mcp`` registers ``sdd mcp``.

One server entry named ``sddkit`` (``{"command": "sdd", "args": ["mcp"]}``) is merged into
each agent's project file; the ``sddkit`` entry is sddkit's (install sets it, remove
deletes it), every other server and key stays as it was:

- claude ``.mcp.json``, cursor ``.cursor/mcp.json``, gemini ``.gemini/settings.json``:
  ``{"mcpServers": {"sddkit": {...}}}``;
- vscode (GitHub Copilot in VS Code) ``.vscode/mcp.json``: ``{"servers": {"sddkit":
  {"type": "stdio", ...}}}``;
- codex ``.codex/config.toml``: a ``[mcp_servers.sddkit]`` table, edited as a span of
  lines (comments and the rest of the file kept byte for byte) and read back with
  ``tomllib`` to prove the result.

Sources of each format: ``docs/agents.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sddkit.errors import SddkitError
from sddkit.io import jsonfile
from sddkit.io.fileio import Transaction, read_text
from sddkit.workspace import Workspace

SERVER = "sddkit"
ENTRY: dict[str, Any] = {"command": "sdd", "args": ["mcp"]}


@dataclass(frozen=True)
class McpFile:
    agent: str
    path: str
    key: str  # the servers object ("mcpServers", "servers"); "" for Codex's TOML
    extra: tuple[tuple[str, Any], ...] = ()  # keys before command, e.g. VS Code's type
    aliases: tuple[str, ...] = ()  # other agent names that select this file

    def entry(self) -> dict[str, Any]:
        return {**dict(self.extra), **ENTRY}


FILES: tuple[McpFile, ...] = (
    McpFile("claude", ".mcp.json", "mcpServers"),
    McpFile("cursor", ".cursor/mcp.json", "mcpServers"),
    McpFile("vscode", ".vscode/mcp.json", "servers", (("type", "stdio"),), ("copilot",)),
    McpFile("gemini", ".gemini/settings.json", "mcpServers"),
    McpFile("codex", ".codex/config.toml", ""),
)

TOML_TABLE = f'[mcp_servers.{SERVER}]\ncommand = "sdd"\nargs = ["mcp"]\n'
_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")


def mcp_agents() -> list[str]:
    return [name for f in FILES for name in (f.agent, *f.aliases)]


def files_for(agents: Iterable[str]) -> list[McpFile]:
    wanted = set(agents)
    return [f for f in FILES if wanted & {f.agent, *f.aliases}]


# --- TOML (Codex) ---------------------------------------------------------------------------


def _toml_load(text: str, path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+)", str(exc))  # tomllib words its position so
        line = int(where.group(1)) if where else getattr(exc, "lineno", None)
        raise SddkitError(f"not valid TOML ({str(exc).split(' (at')[0]})", path, line) from None
    return data


def _table_name(line: str) -> str | None:
    match = _HEADER.match(line)
    if match is None or line.lstrip().startswith("[["):
        return None
    return ".".join(part.strip().strip('"').strip("'") for part in match.group(1).split("."))


def _span(lines: list[str]) -> tuple[int, int] | None:
    """[start, end) of the ``[mcp_servers.sddkit]`` table and its sub-tables."""
    start = None
    for i, line in enumerate(lines):
        name = _table_name(line)
        if name is None:
            continue
        ours = name == f"mcp_servers.{SERVER}" or name.startswith(f"mcp_servers.{SERVER}.")
        if start is None and ours:
            start = i
        elif start is not None and not ours:
            end = i
            while end > start and not lines[end - 1].strip():
                end -= 1  # blank lines before the next table are not ours
            return start, end
    return (start, len(lines)) if start is not None else None


def _toml_server(text: str | None, path: Path) -> Any:
    if not text:
        return None
    return _toml_load(text, path).get("mcp_servers", {}).get(SERVER)


def _toml_set(text: str | None, path: Path, install: bool) -> str | None:
    """The new text with the table set (install) or removed; None when nothing changes."""
    old = text or ""
    lines = old.splitlines(keepends=True)
    span = _span(lines)
    current = _toml_server(old, path)
    if install and current == ENTRY:
        return None
    if not install and current is None:
        return None
    newline = "\r\n" if "\r\n" in old else "\n"
    table = TOML_TABLE.replace("\n", newline)
    if span is not None:
        start, end = span
        new_lines = lines[:start] + ([table] if install else []) + lines[end:]
        blank = start > 0 and not new_lines[start - 1].strip()
        if not install and blank and (start == len(new_lines) or not new_lines[start].strip()):
            del new_lines[start - 1]  # the blank line that set the table apart
        new = "".join(new_lines)
    elif install:
        if not old or old.endswith(newline * 2):
            sep = ""
        else:
            sep = newline if old.endswith(newline) else newline * 2
        new = old + sep + table
    else:
        new = old
    expected = ENTRY if install else None
    try:
        result = _toml_server(new, path)
    except SddkitError:  # the edit would clash with a definition elsewhere in the file
        result = object()
    if result != expected:
        raise SddkitError(f"the '{SERVER}' MCP server is defined in a form sddkit does not edit "
                          f"(not a [mcp_servers.{SERVER}] table); change it by hand", path)
    return new


# --- install / remove / status ----------------------------------------------------------------


def _json_set(text: str | None, spec: McpFile, path: Path, install: bool) -> str | None:
    data = jsonfile.load_object(text, path)
    servers = data.get(spec.key)
    if not install and not isinstance(servers, dict):
        return None
    servers = jsonfile.child(data, spec.key, dict, path)
    if install:
        servers[SERVER] = spec.entry()
    elif SERVER in servers:
        del servers[SERVER]
        if not servers:
            del data[spec.key]
    return jsonfile.updated(text, data, path)


def install_mcp(ws: Workspace, tx: Transaction, agents: Iterable[str]) -> list[McpFile]:
    """Stage the ``sddkit`` server in each named agent's project MCP file."""
    chosen = files_for(agents)
    for spec in chosen:
        path = ws.root / spec.path
        text = tx.read(path)
        new = _toml_set(text, path, True) if not spec.key else _json_set(text, spec, path, True)
        if new is not None:
            tx.write(path, new)
    return chosen


def remove_mcp(ws: Workspace, tx: Transaction, agents: Iterable[str]) -> list[McpFile]:
    """Stage the removal of the ``sddkit`` server; a file left empty (``{}`` or blank) goes."""
    chosen = files_for(agents)
    for spec in chosen:
        path = ws.root / spec.path
        text = tx.read(path)
        if text is None:
            continue
        new = _toml_set(text, path, False) if not spec.key else _json_set(text, spec, path, False)
        if new is None:
            continue
        empty = not new.strip() if not spec.key else jsonfile.load_object(new, path) == {}
        if empty:
            tx.delete(path)
        else:
            tx.write(path, new)
    return chosen


@dataclass(frozen=True)
class McpState:
    spec: McpFile
    state: str  # installed | outdated | absent | broken
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"agent": self.spec.agent, "path": self.spec.path, "state": self.state,
                "problem": self.problem}


def mcp_status(ws: Workspace) -> list[McpState]:
    """Each MCP file: ``installed`` (the entry is sddkit's current one), ``outdated`` (an
    ``sddkit`` entry that differs), ``absent`` or ``broken`` (unreadable)."""
    out = []
    for spec in FILES:
        path = ws.root / spec.path
        try:
            text = read_text(path) if path.is_file() else None
            if not spec.key:
                current = _toml_server(text, path)
            else:
                servers = jsonfile.load_object(text, path).get(spec.key)
                current = servers.get(SERVER) if isinstance(servers, dict) else None
        except SddkitError as exc:
            out.append(McpState(spec, "broken", exc.located(ws.root)))
            continue
        state = "absent" if current is None else (
            "installed" if current == (spec.entry() if spec.key else ENTRY) else "outdated")
        out.append(McpState(spec, state))
    return out


__all__ = ["ENTRY", "FILES", "SERVER", "McpFile", "McpState", "files_for", "install_mcp",
           "mcp_agents", "mcp_status", "remove_mcp"]
