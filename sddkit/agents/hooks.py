"""Agents' hooks: one table of (agent, event, matcher, command) rows merged into settings files.

``sdd agents install --hooks`` writes each row into its agent's hook file; ``list`` says
whether it is installed, outdated or absent; ``remove`` takes out only the handlers
sddkit wrote. Every other key, event, group and handler in the file stays as it was.

Adding a hook is adding a row to :data:`HOOKS`: the pre-tool-use guard (``sdd guard``,
which denies ``sdd approve`` and hand edits of the gate keys) is one row per agent, and
install, list, update and remove handle it with no other change. A row's ``owner`` is the
command prefix that marks a handler as sddkit's (its own command, or an older form of it,
which ``list`` reports as outdated).

The files and their shapes (exact formats and documentation sources: ``docs/agents.md``):

- claude ``.claude/settings.json`` and codex ``.codex/hooks.json``:
  ``{"hooks": {EVENT: [{"matcher": M, "hooks": [{"type": "command", "command": C,
  "timeout": SECONDS}]}]}}``;
- gemini ``.gemini/settings.json``: the same groups, handlers also carry ``name``, and
  ``timeout`` is in milliseconds;
- cursor ``.cursor/hooks.json``: ``{"version": 1, "hooks": {event: [{"command": C,
  "timeout": SECONDS}]}}`` (flat handlers, camelCase events).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sddkit.errors import SddkitError
from sddkit.io import jsonfile
from sddkit.io.fileio import Transaction, read_text
from sddkit.workspace import Workspace


@dataclass(frozen=True)
class HookFile:
    """An agent's hook settings file and its shape."""

    agent: str
    path: str  # POSIX, relative to the repository root
    grouped: bool  # {matcher, hooks: [...]} groups (Claude style) or flat handlers (Cursor)
    timeout_ms: bool = False  # Gemini counts milliseconds
    named: bool = False  # Gemini handlers carry a name
    header: tuple[tuple[str, Any], ...] = ()  # top-level keys a new file starts with


@dataclass(frozen=True)
class HookRow:
    """One hook sddkit installs: on ``event`` (matching ``matcher``), run ``command``."""

    agent: str
    event: str
    matcher: str | None
    command: str
    owner: str  # a handler whose command starts with this is sddkit's (this row's)
    timeout: int = 10  # seconds
    name: str = "sddkit-briefing"


FILES: dict[str, HookFile] = {
    "claude": HookFile("claude", ".claude/settings.json", grouped=True),
    "codex": HookFile("codex", ".codex/hooks.json", grouped=True),
    "gemini": HookFile("gemini", ".gemini/settings.json", grouped=True, timeout_ms=True,
                       named=True),
    "cursor": HookFile("cursor", ".cursor/hooks.json", grouped=False, header=(("version", 1),)),
}

BRIEF = "sdd open --brief"
GUARD = "sdd guard"

HOOKS: tuple[HookRow, ...] = (
    # Claude Code: every way a session starts, including after /clear and compaction.
    HookRow("claude", "SessionStart", "startup|resume|clear|compact",
            f"{BRIEF} --hook claude", BRIEF),
    # Codex: no matcher, every source (startup, resume, clear).
    HookRow("codex", "SessionStart", None, f"{BRIEF} --hook codex", BRIEF),
    # Gemini CLI: lifecycle matchers are exact strings; none means every source.
    HookRow("gemini", "SessionStart", None, f"{BRIEF} --hook gemini", BRIEF),
    HookRow("cursor", "sessionStart", None, f"{BRIEF} --hook cursor", BRIEF),
    # The pre-tool-use guard (docs/approvals.md): denies `sdd approve`, `reopen`, `--force`
    # and hand edits of the gate keys before they run, in each agent's deny format.
    HookRow("claude", "PreToolUse", "Bash|Edit|MultiEdit|Write", f"{GUARD} --hook claude",
            GUARD, name="sddkit-guard"),
    HookRow("codex", "PreToolUse", "Bash|apply_patch", f"{GUARD} --hook codex", GUARD,
            name="sddkit-guard"),
    HookRow("gemini", "BeforeTool", "run_shell_command|write_file|replace",
            f"{GUARD} --hook gemini", GUARD, name="sddkit-guard"),
    HookRow("cursor", "beforeShellExecution", None, f"{GUARD} --hook cursor", GUARD,
            name="sddkit-guard"),
)


def hook_agents() -> list[str]:
    """The agents with hooks, in table order, each once."""
    return list(dict.fromkeys(row.agent for row in HOOKS))


def rows_for(agents: Iterable[str]) -> list[HookRow]:
    wanted = set(agents)
    return [row for row in HOOKS if row.agent in wanted]


def handler(row: HookRow) -> dict[str, Any]:
    """The handler object sddkit writes for ``row`` in its agent's format."""
    spec = FILES[row.agent]
    out: dict[str, Any] = {}
    if spec.grouped:
        out["type"] = "command"
    if spec.named:
        out["name"] = row.name
    out["command"] = row.command
    out["timeout"] = row.timeout * 1000 if spec.timeout_ms else row.timeout
    return out


def _group(row: HookRow) -> dict[str, Any]:
    group: dict[str, Any] = {}
    if row.matcher is not None:
        group["matcher"] = row.matcher
    group["hooks"] = [handler(row)]
    return group


def _owned(item: Any, row: HookRow) -> bool:
    command = item.get("command") if isinstance(item, dict) else None
    return isinstance(command, str) and (
        command == row.owner or command.startswith(row.owner + " ")
    )


def _event_list(data: dict[str, Any], row: HookRow, path: Path, create: bool) -> list[Any] | None:
    hooks = data.get("hooks")
    if hooks is None and not create:
        return None
    hooks = jsonfile.child(data, "hooks", dict, path)
    if row.event not in hooks and not create:
        return None
    return jsonfile.child(hooks, row.event, list, path)  # type: ignore[no-any-return]


def _strip(entries: list[Any], row: HookRow, grouped: bool) -> tuple[list[Any], int]:
    """``entries`` without ``row``'s handlers (groups left empty by that go too), and how
    many handlers were taken out."""
    if not grouped:
        kept = [item for item in entries if not _owned(item, row)]
        return kept, len(entries) - len(kept)
    out: list[Any] = []
    taken = 0
    for group in entries:
        inner = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(inner, list):
            out.append(group)
            continue
        kept = [item for item in inner if not _owned(item, row)]
        taken += len(inner) - len(kept)
        if kept or len(kept) == len(inner):
            out.append({**group, "hooks": kept} if len(kept) != len(inner) else group)
    return out, taken


def _state_in(data: dict[str, Any], row: HookRow, path: Path) -> str:
    """"installed" (exactly sddkit's entry, once), "outdated" (sddkit's, differing) or "absent"."""
    entries = _event_list(data, row, path, create=False) or []
    spec = FILES[row.agent]
    _kept, found = _strip(entries, row, spec.grouped)
    if not found:
        return "absent"
    wanted = _group(row) if spec.grouped else handler(row)
    return "installed" if found == 1 and wanted in entries else "outdated"


def _tidy(data: dict[str, Any], row: HookRow, spec: HookFile) -> None:
    """Drop the event list and the hooks object that removing left empty."""
    hooks = data.get("hooks")
    if isinstance(hooks, dict):
        if hooks.get(row.event) == []:
            del hooks[row.event]
        if not hooks:
            del data["hooks"]


def install_hooks(ws: Workspace, tx: Transaction, agents: Iterable[str]) -> list[HookRow]:
    """Stage each named agent's hook rows: an outdated entry is replaced, a current one kept.

    Raises :class:`SddkitError` (nothing staged for that file) when the file is not a
    JSON object or a key on the way has the wrong type.
    """
    chosen = rows_for(agents)
    for agent in dict.fromkeys(row.agent for row in chosen):
        spec = FILES[agent]
        path = ws.root / spec.path
        text = tx.read(path)
        data = jsonfile.load_object(text, path)
        if text is None or not text.strip():
            data = dict(spec.header)
        for row in (r for r in chosen if r.agent == agent):
            if _state_in(data, row, path) == "installed":
                continue
            entries = _event_list(data, row, path, create=True)
            assert entries is not None
            kept, _taken = _strip(entries, row, spec.grouped)
            kept.append(_group(row) if spec.grouped else handler(row))
            data["hooks"][row.event] = kept
        new = jsonfile.updated(text, data, path)
        if new is not None:
            tx.write(path, new)
    return chosen


def remove_hooks(ws: Workspace, tx: Transaction, agents: Iterable[str]) -> list[HookRow]:
    """Stage the removal of sddkit's handlers (and only those) for each named agent.

    A file left holding nothing but what sddkit starts a new file with (``{}``, or
    Cursor's ``{"version": 1}``) is deleted.
    """
    chosen = rows_for(agents)
    for agent in dict.fromkeys(row.agent for row in chosen):
        spec = FILES[agent]
        path = ws.root / spec.path
        text = tx.read(path)
        if text is None:
            continue
        data = jsonfile.load_object(text, path)
        for row in (r for r in chosen if r.agent == agent):
            entries = _event_list(data, row, path, create=False)
            if entries is None:
                continue
            kept, taken = _strip(entries, row, spec.grouped)
            if taken:
                data["hooks"][row.event] = kept
                _tidy(data, row, spec)
        new = jsonfile.updated(text, data, path)
        if new is None:
            continue
        if data == dict(spec.header) or not data:
            tx.delete(path)
        else:
            tx.write(path, new)
    return chosen


@dataclass(frozen=True)
class HookState:
    """Whether one hook row is in place, for ``sdd agents list``."""

    row: HookRow
    path: str
    state: str  # "installed" | "outdated" | "absent" | "broken"
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"agent": self.row.agent, "event": self.row.event, "matcher": self.row.matcher,
                "command": self.row.command, "path": self.path, "state": self.state,
                "problem": self.problem}


def hook_status(ws: Workspace) -> list[HookState]:
    """Every hook row, in table order, with its state in its agent's file."""
    out: list[HookState] = []
    for row in HOOKS:
        spec = FILES[row.agent]
        path = ws.root / spec.path
        if not path.exists():
            out.append(HookState(row, spec.path, "absent"))
            continue
        try:
            data = jsonfile.load_object(read_text(path), path)
            out.append(HookState(row, spec.path, _state_in(data, row, path)))
        except SddkitError as exc:
            out.append(HookState(row, spec.path, "broken", exc.located(ws.root)))
    return out


__all__ = ["FILES", "HOOKS", "HookFile", "HookRow", "HookState", "handler", "hook_agents",
           "hook_status", "install_hooks", "remove_hooks"]
