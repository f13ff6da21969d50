"""End to end: a real agent CLI loads the hook sddkit installed and sends the briefing to its model.

Each test starts the agent's own CLI in a repository after `sdd agents install --hooks`,
with the model endpoint pointed at a stub server on 127.0.0.1 (no network, no account),
and checks that the first model request carries the briefing the hook printed.

The CLIs come from the registries (`npm install @anthropic-ai/claude-code
@google/gemini-cli @openai/codex`); a test is skipped when its CLI is not on PATH, e.g.
`PATH=/path/to/node_modules/.bin:$PATH python -m pytest tests/test_agents_e2e.py`.
Cursor cannot be run this way here (docs/agents.md says why).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, sdd_executable, walk_to

from sddkit.agents.skills import SKILLS

GEMINI_REPLY = {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]},
                                "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1,
                                  "totalTokenCount": 2}}


def _sse(events: list[dict[str, Any]], named: bool) -> bytes:
    out = []
    for event in events:
        head = f"event: {event['type']}\n" if named else ""
        out.append(f"{head}data: {json.dumps(event)}\n\n")
    return "".join(out).encode()


CODEX_EVENTS = [
    {"type": "response.created", "response": {"id": "resp-1"}},
    {"type": "response.output_item.done", "item": {
        "type": "message", "role": "assistant", "id": "msg-1",
        "content": [{"type": "output_text", "text": "ok", "annotations": []}]}},
    {"type": "response.completed", "response": {"id": "resp-1", "usage": {
        "input_tokens": 1, "input_tokens_details": None, "output_tokens": 1,
        "output_tokens_details": None, "total_tokens": 2}}},
]


CLAUDE_EVENTS = [
    {"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "stub-model",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
     "usage": {"output_tokens": 1}},
    {"type": "message_stop"},
]


class Stub(BaseHTTPRequestHandler):
    """A model endpoint that records each request body and answers "ok"."""

    bodies: list[str]

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(200, b'{"models": [], "data": []}', "application/json")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.bodies.append(self.rfile.read(length).decode("utf-8", "replace"))  # type: ignore[attr-defined]
        if self.path.startswith("/v1/messages/count_tokens"):
            self._send(200, b'{"input_tokens": 1}', "application/json")
        elif self.path.startswith("/v1/messages"):
            self._send(200, _sse(CLAUDE_EVENTS, named=True), "text/event-stream")
        elif self.path.startswith("/v1/responses"):
            self._send(200, _sse(CODEX_EVENTS, named=True), "text/event-stream")
        elif ":streamGenerateContent" in self.path:
            self._send(200, _sse([GEMINI_REPLY], named=False), "text/event-stream")
        elif ":countTokens" in self.path:
            self._send(200, b'{"totalTokens": 1}', "application/json")
        else:
            self._send(200, json.dumps(GEMINI_REPLY).encode(), "application/json")


@pytest.fixture
def stub() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    server.bodies = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def agent_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: our sdd first on PATH, a private HOME, no agent variables."""
    path = os.pathsep.join([str(Path(sdd_executable()).parent), os.environ["PATH"]])
    keep = {k: os.environ[k] for k in ("LANG", "TMPDIR") if k in os.environ}
    return {**keep, "PATH": path, "HOME": str(home), **extra}


def briefed(bodies: list[str], root: Path) -> bool:
    marker = f"# sddkit session briefing ({root})"
    return any(marker in body for body in bodies)  # JSON escapes nothing in the marker


@pytest.fixture
def project(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "billing", upto="plan")
    return initialised


def test_gemini_cli_runs_the_session_start_hook(project: Path, sdd: Invoke, tmp_path: Path,
                                                stub: ThreadingHTTPServer) -> None:
    gemini = shutil.which("gemini")
    if gemini is None:
        pytest.skip("the gemini CLI is not on PATH (npm install @google/gemini-cli)")
    assert sdd(project, "agents", "install", "--hooks", "--agent", "gemini").exit_code == 0
    home = tmp_path / "gemini-home"
    (home / ".gemini").mkdir(parents=True)
    (home / ".gemini" / "settings.json").write_text(json.dumps(
        {"security": {"auth": {"selectedType": "gemini-api-key"}}}))
    # project hooks run only in a trusted folder (Gemini CLI's HookRunner)
    (home / ".gemini" / "trustedFolders.json").write_text(json.dumps({str(project): "TRUST_FOLDER"}))
    env = agent_env(home, GEMINI_API_KEY="test-key",
                    GOOGLE_GEMINI_BASE_URL=f"http://127.0.0.1:{stub.server_port}")
    result = subprocess.run([gemini, "-p", "Reply with ok."], cwd=project, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
    bodies = stub.bodies  # type: ignore[attr-defined]
    assert bodies, result.stderr[-2000:]
    assert briefed(bodies, project), bodies[0][:2000]
    assert "tasks of billing is draft" in "".join(bodies)


def test_codex_runs_the_session_start_hook(project: Path, sdd: Invoke, tmp_path: Path,
                                           stub: ThreadingHTTPServer) -> None:
    codex = shutil.which("codex")
    if codex is None:
        pytest.skip("the codex CLI is not on PATH (npm install @openai/codex)")
    assert sdd(project, "agents", "install", "--hooks", "--agent", "codex").exit_code == 0
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "config.toml").write_text(
        'model_provider = "stub"\nmodel = "stub-model"\n'
        "[model_providers.stub]\n"
        f'name = "stub"\nbase_url = "http://127.0.0.1:{stub.server_port}/v1"\n'
        'wire_api = "responses"\n'
        f'[projects."{project}"]\ntrust_level = "trusted"\n'
    )
    env = agent_env(home, CODEX_HOME=str(home), OPENAI_API_KEY="test-key")
    # Codex runs a project's hooks once a person has reviewed them (`/hooks`); this flag is
    # its documented way to skip that review for one automated run.
    result = subprocess.run(
        [codex, "exec", "--dangerously-bypass-hook-trust", "--skip-git-repo-check", "Reply ok."],
        cwd=project, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=180,
    )
    assert "hook: SessionStart Completed" in result.stderr + result.stdout, result.stderr[-2000:]
    bodies = stub.bodies  # type: ignore[attr-defined]
    assert bodies, result.stderr[-2000:]
    assert briefed(bodies, project), bodies[0][:3000]


def test_gemini_cli_lists_the_skills_and_runs_a_command(project: Path, sdd: Invoke,
                                                        tmp_path: Path,
                                                        stub: ThreadingHTTPServer) -> None:
    gemini = shutil.which("gemini")
    if gemini is None:
        pytest.skip("the gemini CLI is not on PATH (npm install @google/gemini-cli)")
    assert sdd(project, "agents", "install", "--skills", "--agent", "gemini").exit_code == 0
    home = tmp_path / "gemini-home"
    (home / ".gemini").mkdir(parents=True)
    (home / ".gemini" / "settings.json").write_text(json.dumps(
        {"security": {"auth": {"selectedType": "gemini-api-key"}}}))
    (home / ".gemini" / "trustedFolders.json").write_text(json.dumps({str(project): "TRUST_FOLDER"}))
    env = agent_env(home, GEMINI_API_KEY="test-key",
                    GOOGLE_GEMINI_BASE_URL=f"http://127.0.0.1:{stub.server_port}")
    listed = subprocess.run([gemini, "skills", "list"], cwd=project, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    for skill in SKILLS:
        assert f"{skill.name} [Enabled]" in listed.stdout, listed.stdout + listed.stderr
        assert f"{project}/.agents/skills/{skill.name}/SKILL.md" in listed.stdout
    subprocess.run([gemini, "-p", "/sdd:tasks billing"], cwd=project, env=env,
                   stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
    sent = "".join(stub.bodies)  # type: ignore[attr-defined]
    assert "# Write a project's tasks" in sent  # the command's prompt reached the model
    assert "What the user asked for with this command: billing" in sent


def test_codex_offers_the_skills_to_its_model(project: Path, sdd: Invoke, tmp_path: Path,
                                              stub: ThreadingHTTPServer) -> None:
    codex = shutil.which("codex")
    if codex is None:
        pytest.skip("the codex CLI is not on PATH (npm install @openai/codex)")
    assert sdd(project, "agents", "install", "--skills", "--agent", "codex").exit_code == 0
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "config.toml").write_text(
        'model_provider = "stub"\nmodel = "stub-model"\n'
        "[model_providers.stub]\n"
        f'name = "stub"\nbase_url = "http://127.0.0.1:{stub.server_port}/v1"\n'
        'wire_api = "responses"\n'
        f'[projects."{project}"]\ntrust_level = "trusted"\n'
    )
    env = agent_env(home, CODEX_HOME=str(home), OPENAI_API_KEY="test-key")
    subprocess.run([codex, "exec", "--skip-git-repo-check", "Reply ok."], cwd=project, env=env,
                   stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
    sent = "".join(stub.bodies)  # type: ignore[attr-defined]
    for skill in SKILLS:  # Codex lists each skill's name, description and file to the model
        assert f"- {skill.name}: {skill.description}" in sent.replace("\\n", "\n")
        assert f"/{skill.name}/SKILL.md)" in sent


def test_gemini_and_codex_read_the_project_mcp_configuration(project: Path, sdd: Invoke,
                                                             tmp_path: Path) -> None:
    gemini, codex = shutil.which("gemini"), shutil.which("codex")
    if gemini is None or codex is None:
        pytest.skip("the gemini and codex CLIs are not on PATH")
    assert sdd(project, "agents", "install", "--mcp", "--agent", "gemini",
               "--agent", "codex").exit_code == 0
    home = tmp_path / "home"
    (home / ".gemini").mkdir(parents=True)
    (home / ".gemini" / "trustedFolders.json").write_text(json.dumps({str(project): "TRUST_FOLDER"}))
    (home / "config.toml").write_text(f'[projects."{project}"]\ntrust_level = "trusted"\n')
    env = agent_env(home, CODEX_HOME=str(home))
    listed = subprocess.run([gemini, "mcp", "list"], cwd=project, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    assert "sddkit: sdd mcp (stdio)" in listed.stdout + listed.stderr  # gemini prints on stderr
    listed = subprocess.run([codex, "mcp", "list"], cwd=project, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    row = next((line.split() for line in listed.stdout.splitlines() if line.startswith("sddkit ")),
               None)
    assert row is not None and row[:3] == ["sddkit", "sdd", "mcp"], listed.stdout + listed.stderr


def claude_binary() -> str | None:
    """The `claude` CLI (npm `@anthropic-ai/claude-code`; its native binary comes from the
    registry as an optional dependency)."""
    return shutil.which("claude")


def test_claude_code_runs_the_session_start_hook(project: Path, sdd: Invoke, tmp_path: Path,
                                                 stub: ThreadingHTTPServer) -> None:
    claude = claude_binary()
    if claude is None:
        pytest.skip("the claude CLI is not on PATH (npm install @anthropic-ai/claude-code)")
    assert sdd(project, "agents", "install", "--hooks", "--skills", "--agent", "claude").exit_code == 0
    home = tmp_path / "claude-home"
    home.mkdir()
    env = agent_env(home, ANTHROPIC_API_KEY="test-key",
                    ANTHROPIC_BASE_URL=f"http://127.0.0.1:{stub.server_port}",
                    DISABLE_AUTOUPDATER="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1")
    result = subprocess.run([claude, "-p", "Reply with ok.", "--model", "claude-sonnet-4-5"],
                            cwd=project, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=180)
    bodies = stub.bodies  # type: ignore[attr-defined]
    assert bodies, result.stdout[-2000:] + result.stderr[-2000:]
    sent = "".join(bodies)
    assert briefed(bodies, project), sent[:3000]
    assert "sdd-resume" in sent  # the skills Claude Code lists to its model
