"""Is this process running inside a coding agent's shell? Read from the environment.

Each coding agent marks the shells it spawns for its tool calls with environment variables;
:data:`SIGNALS` lists the ones sddkit reads, each with where it is documented (the same
table, with notes, is in docs/approvals.md). Detection is advice, not proof: a variable
can be unset by whoever runs the command (see the threat model in docs/approvals.md).

Only variables that mark an *agent's* tool call are listed. Variables an editor sets in
every terminal it opens, where a person also types (Cursor's ``CURSOR_TRACE_ID`` alone,
VS Code's ``TERM_PROGRAM``), are used only together with what the agent adds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    """One way an agent marks its shells: every (variable, value) in ``all`` is present.

    A value of ``None`` means "set to anything non-empty". ``source`` is where the
    variable is documented (a first-party page where one exists).
    """

    agent: str
    all: tuple[tuple[str, str | None], ...]
    source: str

    def matches(self, environ: Mapping[str, str]) -> bool:
        for name, value in self.all:
            found = environ.get(name, "")
            if not found or (value is not None and found != value):
                return False
        return True

    @property
    def variables(self) -> str:
        """The variables as shown to a person: ``CLAUDECODE`` or ``TERM_PROGRAM=zed, PAGER=cat``."""
        return ", ".join(name if value is None else f"{name}={value}" for name, value in self.all)


_CLI_DETECT = "https://github.com/cli/cli/blob/trunk/internal/agents/detect.go"
_VIBING = "https://github.com/ascorbic/am-i-vibing (packages/am-i-vibing/src/providers.ts)"

#: Checked in order; the first that matches names the agent.
SIGNALS: tuple[Signal, ...] = (
    Signal("an AI agent (AI_AGENT)", (("AI_AGENT", None),),
           "https://github.com/vercel/vercel/tree/main/packages/detect-agent (the AI_AGENT "
           "convention)"),
    Signal("Amp", (("AGENT", "amp"),), _CLI_DETECT),
    Signal("Amp", (("AMP_CURRENT_THREAD_ID", None),), _VIBING),
    Signal("Claude Code", (("CLAUDECODE", None),),
           "https://code.claude.com/docs/en/env-vars (CLAUDECODE: set to 1 in the shells "
           "Claude Code spawns)"),
    Signal("Claude Code", (("CLAUDE_CODE", None),), _CLI_DETECT),
    Signal("Gemini CLI", (("GEMINI_CLI", None),),
           "https://github.com/google-gemini/gemini-cli/blob/main/docs/tools/shell.md "
           "(GEMINI_CLI=1 in the shell tool's environment)"),
    Signal("Codex", (("CODEX_SANDBOX", None),),
           "https://github.com/openai/codex codex-rs/core/src/spawn.rs (CODEX_SANDBOX)"),
    Signal("Codex", (("CODEX_SANDBOX_NETWORK_DISABLED", None),),
           "https://github.com/openai/codex/blob/main/AGENTS.md (set whenever the shell tool "
           "runs without network)"),
    Signal("Codex", (("CODEX_THREAD_ID", None),),
           "https://github.com/openai/codex codex-rs/core/src/exec_env.rs (CODEX_THREAD_ID)"),
    Signal("Codex", (("CODEX_CI", None),),
           "https://github.com/openai/codex codex-rs/core/src/unified_exec/process_manager.rs"),
    Signal("Cursor", (("CURSOR_AGENT", None),), _CLI_DETECT + " (cursor-agent CLI)"),
    Signal("Cursor", (("CURSOR_EXTENSION_HOST_ROLE", "agent-exec"),), _CLI_DETECT),
    Signal("Cursor", (("CURSOR_TRACE_ID", None), ("PAGER", "head -n 10000 | cat")), _VIBING),
    Signal("GitHub Copilot CLI", (("COPILOT_CLI", None),),
           "https://github.com/dotnet/sdk/pull/54227 and " + _CLI_DETECT),
    Signal("GitHub Copilot in VS Code", (("TERM_PROGRAM", "vscode"), ("GIT_PAGER", "cat")),
           _VIBING),
    Signal("OpenCode", (("OPENCODE", None),),
           "https://github.com/anomalyco/opencode packages/opencode/src/index.ts (via "
           + _CLI_DETECT + ")"),
    Signal("Augment", (("AUGMENT_AGENT", None),), _CLI_DETECT),
    Signal("Antigravity", (("ANTIGRAVITY_AGENT", None),), _CLI_DETECT),
    Signal("Qwen Code", (("QWEN_CODE", None),), _VIBING),
    Signal("Zed", (("TERM_PROGRAM", "zed"), ("PAGER", "cat")), _VIBING),
    Signal("an agent named in SDDKIT_AGENT", (("SDDKIT_AGENT", None),),
           "sddkit's own switch, for an agent none of these detect (Aider sets none)"),
)


def variable_names() -> set[str]:
    """Every variable any signal reads (for tests that must run without them)."""
    return {name for signal in SIGNALS for name, _value in signal.all}


def detect(environ: Mapping[str, str] | None = None) -> Signal | None:
    """The first :data:`SIGNALS` entry ``environ`` (default ``os.environ``) matches, or None."""
    env = os.environ if environ is None else environ
    for signal in SIGNALS:
        if signal.matches(env):
            return signal
    return None
