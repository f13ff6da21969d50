"""The pre-tool-use guard: an agent's hook that denies a person's acts before they run.

``sdd guard --hook AGENT`` reads the agent's hook payload (JSON on stdin) and denies:

- a shell command that runs ``sdd``/``sddkit`` ``approve`` or ``reopen``, or ``done --force``
  (also through ``python -m sddkit`` and ``sh -c``/``bash -c``/``eval``);
- an edit of a phase document (``AGENTS.ctx/sdd/assets/P/{constitution,spec,plan,tasks}.md``)
  that changes its gate keys: ``status``, ``approved_*``, ``based_on``, ``approval_forced``,
  whether by the agent's edit tool, a patch, or a shell command that writes the file.

Payloads and answers, as each agent documents them (docs/approvals.md has the table):

- claude (https://code.claude.com/docs/en/hooks, PreToolUse): ``tool_name`` and
  ``tool_input`` (Bash ``command``; Edit ``file_path``/``old_string``/``new_string``;
  MultiEdit ``edits``; Write ``content``). Deny: ``{"hookSpecificOutput": {"hookEventName":
  "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": R}}``, exit 0.
- codex (https://developers.openai.com/codex/hooks, PreToolUse): the same wire format as
  Claude Code; shell tools arrive as ``Bash``, file edits as ``apply_patch`` with the patch
  text in ``tool_input.command``.
- gemini (gemini-cli docs/hooks/reference.md, BeforeTool): ``tool_name``
  ``run_shell_command``/``write_file``/``replace`` with ``tool_input``. Deny:
  ``{"decision": "deny", "reason": R}``, exit 0; allow prints ``{}`` (stdout must be JSON).
- cursor (https://cursor.com/docs/agent/hooks, beforeShellExecution): ``command`` and
  ``cwd`` at the top level. Deny: ``{"permission": "deny", "user_message": R,
  "agent_message": R}``; allow prints ``{}`` (no decision: Cursor's own settings apply).
  Cursor's documented edit hook (``afterFileEdit``) runs after the edit and cannot deny it,
  so only shell commands are guarded there.

A payload the guard cannot read is let through with a note on stderr: a broken guard must
not break the agent's session, and ``sdd check`` still sees what happens in git.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sddkit.errors import SddkitError

AGENTS = ("claude", "codex", "gemini", "cursor")

_PHASE_DOC = re.compile(r"(?:^|/)AGENTS\.ctx/sdd/assets/[^/]+/(?:constitution|spec|plan|tasks)\.md$")
_PHASE_DOC_IN_TEXT = re.compile(r"AGENTS\.ctx/sdd/assets/[^\s/'\"]+/(?:constitution|spec|plan|tasks)\.md")
_GATE_KEY_LINE = re.compile(r"^\s*(status|approved_[a-z0-9_]+|based_on|approval_forced)\s*:", re.M)
_GATE_KEY_IN_TEXT = re.compile(r"\b(status|approved_[a-z0-9_]+|based_on|approval_forced)\s*:")
_GATE_KEYS = re.compile(r"^(status|approved_[a-z0-9_]+|based_on|approval_forced)$")
_SHELL_TOOLS = {"bash", "run_shell_command", "shell", "exec_command", "local_shell"}
_SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "fish"}
_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", "\n", "|&", ";;"}
_WRITERS = re.compile(r"(\bsed\b[^|;&]*\s-i|\bperl\b[^|;&]*\s-[a-z]*i|\btee\b|>|\byq\b[^|;&]*\s-i|"
                      r"\bpython[0-9.]*\b|\bed\b|\bex\b|\bawk\b[^|;&]*inplace|\bmv\b|\bcp\b)")

PERSON = ("approving, reopening and forcing are a person's acts: ask the person to run it "
          "in their own terminal")


@dataclass(frozen=True)
class Denial:
    """Why the guard denies a tool call (shown to the agent and the person)."""

    reason: str


def _words(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # an unclosed quote: fall back to plain words
        return command.split()


def _simple_commands(words: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for word in words:
        if word in _SEPARATORS or set(word) <= set(";&|()"):
            out.append([])
        else:
            out[-1].append(word)
    return [c for c in out if c]


def _sdd_act(argv: list[str], depth: int = 0) -> str | None:
    """The person's act ``argv`` runs, as a command the person can run themselves
    (``"sdd approve demo"``, ``"sdd done T001 --force"``); looks into ``sh -c``."""
    for i, word in enumerate(argv):
        name = PurePosixPath(word).name
        rest: list[str] | None = None
        if name in ("sdd", "sddkit"):
            rest = argv[i + 1 :]
        elif word == "-m" and i + 1 < len(argv) and argv[i + 1] == "sddkit":
            rest = argv[i + 2 :]
        elif depth < 3 and (name in _SHELLS or name == "eval") and i + 1 < len(argv):
            inner = argv[i + 2] if argv[i + 1] == "-c" and i + 2 < len(argv) else None
            if name == "eval":
                inner = " ".join(argv[i + 1 :])
            if inner is not None:
                found = _scan_shell(inner, depth + 1)
                if found:
                    return found
        if rest is None:
            continue
        sub = _subcommand(rest)
        if sub in ("approve", "reopen") or (sub == "done" and "--force" in rest):
            import shlex

            return shlex.join(["sdd", *rest])
        return None
    return None


def _subcommand(rest: list[str]) -> str | None:
    skip = False
    for word in rest:
        if skip:
            skip = False
            continue
        if word == "--root":
            skip = True
            continue
        if word.startswith("-"):
            continue
        return word
    return None


def _scan_shell(command: str, depth: int = 0) -> str | None:
    for argv in _simple_commands(_words(command)):
        found = _sdd_act(argv, depth)
        if found:
            return found
    return None


def check_command(command: str) -> Denial | None:
    """A shell command line: denied when it runs a person's act or rewrites gate keys."""
    act = _scan_shell(command)
    if act:
        return Denial(f"sddkit guard: `{act}` is refused here; {PERSON}")
    doc = _PHASE_DOC_IN_TEXT.search(command)
    if doc is not None and _GATE_KEY_IN_TEXT.search(command) and _WRITERS.search(command):
        path = PurePosixPath(doc.group(0))
        return Denial("sddkit guard: this command rewrites the gate keys (status, approved_*) "
                      f"of a phase document by hand; {PERSON} (`sdd approve "
                      f"{path.parent.name}`, `sdd reopen {path.parent.name} {path.stem} "
                      "--reason WHY`)")
    return None


def _gate_fields(text: str | None) -> dict[str, Any]:
    """The gate keys in ``text``'s front matter (empty for no text or no front matter)."""
    if not text:
        return {}
    from sddkit.io import frontmatter

    try:
        meta = frontmatter.parse(text, Path("payload"))
    except SddkitError:
        return {"?": text}  # unreadable: compare as text
    return {k: v for k, v in (meta or {}).items() if _GATE_KEYS.match(str(k)) and v not in (None, {})}


def _edit_denial(path: str) -> Denial:
    project = PurePosixPath(path.replace("\\", "/")).parent.name
    return Denial(f"sddkit guard: editing the gate keys (status, approved_*, based_on) of {path} "
                  f"by hand is refused; `sdd ready {project}` moves a draft to review, and "
                  f"{PERSON}")


def check_edit(path: str, old: str | None, new: str | None, whole: bool, cwd: Path) -> Denial | None:
    """An edit of ``path``: ``old``/``new`` strings, or (``whole``) the file's new text."""
    if not _PHASE_DOC.search(PurePosixPath(path.replace("\\", "/")).as_posix()):
        return None
    if whole:
        target = Path(path) if Path(path).is_absolute() else cwd / path
        try:
            current = target.read_text(encoding="utf-8") if target.is_file() else None
        except OSError:
            current = None
        before = _gate_fields(current)
        after = _gate_fields(new)
        if current is None:  # a new document may start as a draft, nothing more
            changed = bool({k: v for k, v in after.items() if not (k == "status" and v == "draft")})
        else:
            changed = before != after
        return _edit_denial(path) if changed else None
    if any(_GATE_KEY_LINE.search(text or "") for text in (old, new)):
        return _edit_denial(path)
    return None


def _check_patch(patch: str, cwd: Path) -> Denial | None:
    """A Codex ``apply_patch`` body: ``*** Update File: P`` / ``*** Add File: P`` sections."""
    path = None
    for line in patch.splitlines():
        header = re.match(r"\*\*\* (?:Update|Add|Delete) File: (.+)$", line)
        if header:
            path = header.group(1).strip()
            continue
        if path and line[:1] in "+-" and _PHASE_DOC.search(path):
            body = line[1:]
            if _GATE_KEY_LINE.match(body) and not re.match(
                    r"^\s*(status:\s*draft|approved_[a-z0-9_]+:\s*null|based_on:\s*\{\})\s*$", body):
                return _edit_denial(path)
    return None


def inspect(agent: str, payload: Any, cwd: Path | None = None) -> Denial | None:
    """The guard's verdict on one hook payload: a :class:`Denial`, or None to let it run.

    Raises :class:`SddkitError` for an unknown agent or a payload that is not an object.
    """
    if agent not in AGENTS:
        raise SddkitError(f"unknown agent '{agent}' for the guard; known: {', '.join(AGENTS)}")
    if not isinstance(payload, dict):
        raise SddkitError("the hook payload is not a JSON object")
    base = Path(str(payload.get("cwd") or cwd or Path.cwd()))
    tool = str(payload.get("tool_name") or "")
    data = payload.get("tool_input")
    if isinstance(data, str):  # some agents pass the arguments as a JSON string
        try:
            data = json.loads(data)
        except ValueError:
            data = {"command": data}
    args: dict[str, Any] = data if isinstance(data, dict) else {}
    if agent == "cursor" and isinstance(payload.get("command"), str):
        return check_command(payload["command"])
    if tool.lower() in _SHELL_TOOLS:
        command = args.get("command")
        if isinstance(command, list):
            command = " ".join(shlex.quote(str(c)) for c in command)
        return check_command(command) if isinstance(command, str) else None
    if tool == "apply_patch":
        patch = args.get("command") or args.get("input") or args.get("patch")
        return _check_patch(patch, base) if isinstance(patch, str) else None
    return _check_file_tool(args, base)


def _check_file_tool(args: dict[str, Any], base: Path) -> Denial | None:
    """An edit tool's arguments: Claude's Edit/MultiEdit/Write, Gemini's replace/write_file."""
    path = args.get("file_path") or args.get("path") or args.get("absolute_path")
    if not isinstance(path, str):
        return None
    if isinstance(args.get("edits"), list):  # Claude MultiEdit
        for edit in args["edits"]:
            if isinstance(edit, dict):
                found = check_edit(path, edit.get("old_string"), edit.get("new_string"), False, base)
                if found:
                    return found
        return None
    if "old_string" in args or "new_string" in args:
        return check_edit(path, args.get("old_string"), args.get("new_string"), False, base)
    content = args.get("content", args.get("contents"))
    if isinstance(content, str):
        return check_edit(path, None, content, True, base)
    return None


def answer(agent: str, denial: Denial | None) -> tuple[str, int]:
    """(stdout text, exit code) in ``agent``'s documented hook format."""
    if agent in ("claude", "codex"):
        if denial is None:
            return "", 0
        return json.dumps({"hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": denial.reason,
        }}) + "\n", 0
    if agent == "gemini":
        if denial is None:
            return "{}\n", 0
        return json.dumps({"decision": "deny", "reason": denial.reason}) + "\n", 0
    if denial is None:
        return "{}\n", 0
    return json.dumps({"permission": "deny", "user_message": denial.reason,
                       "agent_message": denial.reason}) + "\n", 0


def run(agent: str, stdin_text: str) -> tuple[str, str, int]:
    """The whole hook: (stdout, stderr note, exit code). Never raises for a bad payload."""
    if agent not in AGENTS:
        raise SddkitError(f"unknown agent '{agent}' for the guard; known: {', '.join(AGENTS)}")
    try:
        payload = json.loads(stdin_text) if stdin_text.strip() else {}
        denial = inspect(agent, payload)
    except (ValueError, SddkitError) as exc:
        out, code = answer(agent, None)
        return out, f"sddkit guard: payload not understood ({exc}); let through\n", code
    out, code = answer(agent, denial)
    return out, "", code
