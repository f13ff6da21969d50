"""``sdd open --brief``: the short briefing an agent's session-start hook adds to its context.

It holds the root rules (cut to :data:`RULES_MAX` characters), the contexts (one line
each), the projects in progress, the next step, and what to read before the next step's
project (``readfirst``). The whole text is at most :data:`MAX_CHARS` characters (Claude
Code keeps at most 10,000 characters of a hook's context in the conversation).

A hook must never slow or break a session start, so :func:`run_hook` has a time bound
(:data:`TIMEOUT` seconds, ``SDDKIT_BRIEF_TIMEOUT`` overrides it) and turns every failure,
including a repository without ``AGENTS.ctx/``, into a one-line note; the command exits 0.

Output formats (``--hook FORMAT``; sources are recorded in ``docs/agents.md``):

- ``plain``: the text (Claude Code and Codex also add plain stdout to the context);
- ``claude``, ``codex``, ``gemini``: ``{"hookSpecificOutput": {"hookEventName":
  "SessionStart", "additionalContext": TEXT}}``, the SessionStart output of Claude Code's
  hooks reference, Codex's ``session-start.command.output`` schema and Gemini CLI's hooks
  reference;
- ``cursor``: ``{"additional_context": TEXT}`` (Cursor's ``sessionStart`` output).

The agent's hook payload arrives as JSON on stdin; its ``cwd`` (Claude, Codex, Gemini) or
``workspace_roots[0]`` (Cursor) names the folder the briefing starts from.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from sddkit.workspace import Workspace

TYPE_CHECKING = False  # typing.TYPE_CHECKING: a kept briefing imports no typing
if TYPE_CHECKING:
    from typing import Any

MAX_CHARS = 8000
RULES_MAX = 2500
TIMEOUT = 5.0
PAYLOAD_MAX = 256 * 1024  # bytes of hook payload read from stdin
FORMATS = ("plain", "claude", "codex", "gemini", "cursor")
CONTEXTS_MAX = 20


def _cut(text: str, limit: int, hint: str) -> str:
    """``text`` cut at a line boundary to at most ``limit`` characters, saying so."""
    if len(text) <= limit:
        return text
    note = f"\n(cut at {limit} characters: {hint})\n"
    room = max(0, limit - len(note))
    head = text[:room]
    if "\n" in head:
        head = head[: head.rindex("\n")]
    return head + note


def build(ws: Workspace) -> str:
    """The briefing text for ``ws`` (at most :data:`MAX_CHARS` characters): the last run's
    when nothing it rests on changed (:mod:`sddkit.io.next_memo`), else :func:`work_out`'s.
    """
    from sddkit.io import next_memo

    next_memo.start(ws.root, ws.assets, "brief")  # git looks at the files meanwhile

    def answers() -> tuple[dict[str, Any], bool]:
        from sddkit.projects.next_step import worked_out

        return worked_out(lambda: {"text": work_out(ws)})

    return next_memo.remembered(ws.root, ws.assets, ws.ctx, next_memo.question("brief"),
                                "text", answers)


def work_out(ws: Workspace) -> str:
    """The briefing text for ``ws`` (at most :data:`MAX_CHARS` characters), worked out.

    A broken root context, project or ``contexts:`` list is reported inside the text (and
    recorded, a warning on stderr) instead.
    """
    from sddkit.projects.inventory import summary
    from sddkit.repository.briefing import Briefing, load_root_isolated, rules_text
    from sddkit.repository.contexts import list_contexts

    root = load_root_isolated(ws)
    contexts = list_contexts(ws)
    where = ws.rel(ws.root_context)
    rules = _cut(rules_text(ws, Briefing(root, contexts, [])), RULES_MAX, f"read {where}")
    out = [f"# sddkit session briefing ({ws.root})", ""]
    out += [f"## Rules ({where})", "", rules.strip(), ""]
    out += ["## Contexts (`sdd open NAME` prints one)", ""]
    out += [f"- {c.name}: {c.description} ({ws.rel(c.path)})" for c in contexts[:CONTEXTS_MAX]]
    if len(contexts) > CONTEXTS_MAX:
        out.append(f"- ... {len(contexts) - CONTEXTS_MAX} more: `sdd ctx list`")
    if not contexts:
        out.append("- (none yet)")
    out.append("")
    out += summary(ws, full=True)["text"].rstrip("\n").split("\n")  # ends with `sdd next`'s text
    out += [
        "",
        "Work: `sdd next`, do the step, run its verify check, then `sdd done TASK`. "
        "Never approve a phase yourself: a person runs `sdd approve PROJECT`.",
    ]
    return _cut("\n".join(out) + "\n", MAX_CHARS, "run `sdd open sdd` for the rest")


def render(text: str, fmt: str) -> str:
    """``text`` in the hook output format ``fmt`` (one of :data:`FORMATS`), newline-ended."""
    if fmt == "plain":
        return text if text.endswith("\n") else text + "\n"
    import json

    if fmt == "cursor":
        data: dict[str, Any] = {"additional_context": text}
    else:
        data = {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": text}}
    return json.dumps(data, ensure_ascii=False) + "\n"


def payload_start(payload: Any) -> Path | None:
    """The folder a hook payload names: ``cwd``, else ``workspace_roots[0]``; None if neither."""
    if not isinstance(payload, dict):
        return None
    candidates = [payload.get("cwd")]
    roots = payload.get("workspace_roots")
    if isinstance(roots, list) and roots:
        candidates.append(roots[0])
    for value in candidates:
        if isinstance(value, str) and value and Path(value).is_dir():
            return Path(value)
    return None


def read_payload(stream: Any) -> Any:
    """The JSON object on ``stream`` (at most :data:`PAYLOAD_MAX` bytes), or None.

    A terminal, an empty stream or text that is not JSON gives None: the payload only
    helps find the folder, and the briefing works without it.
    """
    if stream is None or stream.isatty():
        return None
    data = stream.buffer.read(PAYLOAD_MAX) if hasattr(stream, "buffer") else stream.read(PAYLOAD_MAX)
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    import json

    try:
        return json.loads(data) if data.strip() else None
    except ValueError:
        return None


def timeout() -> float:
    """The time bound in seconds: ``SDDKIT_BRIEF_TIMEOUT`` when it is a number, else the default."""
    raw = os.environ.get("SDDKIT_BRIEF_TIMEOUT")
    try:
        value = float(raw) if raw else TIMEOUT
    except ValueError:
        return TIMEOUT
    return value if value >= 0 else TIMEOUT


def _note(exc: BaseException) -> str:
    from sddkit.errors import SddkitError

    located = isinstance(exc, SddkitError)
    reason = exc.located(Path.cwd()) if located else f"{type(exc).__name__}: {exc}"  # type: ignore[attr-defined]
    reason = " ".join(reason.split())[:300]
    return f"sddkit: no briefing ({reason}); run `sdd open` and `sdd next` by hand."


def run_hook(root: Path | None, fmt: str, stdin: Any, stdout: Any) -> int:
    """Print the briefing in ``fmt`` on ``stdout`` within the time bound; always return 0.

    ``stdin`` (None: not read) carries the agent's hook payload. ``root`` (``--root``)
    wins over the payload's folder, which wins over the current one. A failure or an
    overrun prints a one-line note (in the same format) instead.
    """
    result: dict[str, str] = {}

    def work() -> None:
        try:
            payload = read_payload(stdin) if root is None else None
            start = root or payload_start(payload)
            ws = Workspace.find(start=start) if root is None else Workspace.find(override=root)
            result["text"] = build(ws)
        except BaseException as exc:  # a hook never fails the session: one line instead
            result["text"] = _note(exc) + "\n"

    worker = threading.Thread(target=work, name="sddkit-brief", daemon=True)
    worker.start()
    limit = timeout()
    worker.join(limit)
    text = result.get("text")
    if text is None:
        text = (f"sddkit: the briefing took longer than {limit:g} s and was skipped; "
                "run `sdd open` and `sdd next` by hand.\n")
    if stdout is not None:  # None: a closed stdout, which takes nothing
        stdout.write(render(text, fmt))
        stdout.flush()
    if worker.is_alive():  # do not wait for a stuck read at interpreter exit
        if sys.stderr is not None:
            sys.stderr.flush()
        os._exit(0)
    return 0


__all__ = ["FORMATS", "MAX_CHARS", "TIMEOUT", "build", "payload_start", "read_payload", "render",
           "run_hook", "timeout"]
