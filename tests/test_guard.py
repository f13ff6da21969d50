"""The pre-tool-use guard, fed each agent's documented payload and answering in its format."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import sdd_executable

from sddkit.agents.hook_guard import check_command, inspect, run

DOC = "AGENTS.ctx/sdd/assets/demo/spec.md"
FRONT = ("---\nproject: demo\nphase: spec\nstatus: review\napproved_by: null\n"
         "approved_at: null\napproved_sha256: null\napproved_commit: null\nbased_on: {}\n---\n"
         "# Spec\n\nBody.\n")


def _payloads(cwd: Path) -> dict[str, dict[str, object]]:
    """One shell payload per agent, shaped as each agent documents it."""
    return {
        "claude": {"session_id": "s1", "cwd": str(cwd), "hook_event_name": "PreToolUse",
                   "tool_name": "Bash",
                   "tool_input": {"command": "sdd approve demo", "description": "approve"}},
        "codex": {"session_id": "s1", "cwd": str(cwd), "hook_event_name": "PreToolUse",
                  "tool_name": "Bash", "tool_input": {"command": "sdd approve demo"}},
        "gemini": {"session_id": "s1", "cwd": str(cwd), "hook_event_name": "BeforeTool",
                   "timestamp": "2026-11-30T00:00:00Z", "tool_name": "run_shell_command",
                   "tool_input": {"command": "sdd approve demo", "description": "approve"}},
        "cursor": {"hook_event_name": "beforeShellExecution", "conversation_id": "c1",
                   "generation_id": "g1", "workspace_roots": [str(cwd)],
                   "command": "sdd approve demo", "cwd": str(cwd)},
    }


def _sdd_guard(agent: str, payload: object) -> subprocess.CompletedProcess[str]:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run([sdd_executable(), "guard", "--hook", agent], input=text,
                          capture_output=True, text=True, timeout=60)


def _denied(agent: str, stdout: str) -> bool:
    data = json.loads(stdout) if stdout.strip() else {}
    if agent in ("claude", "codex"):
        out = data.get("hookSpecificOutput", {})
        return out.get("hookEventName") == "PreToolUse" and out.get("permissionDecision") == "deny" \
            and "person" in out.get("permissionDecisionReason", "")
    if agent == "gemini":
        return data.get("decision") == "deny" and "person" in data.get("reason", "")
    return data.get("permission") == "deny" and "person" in data.get("agent_message", "") \
        and "person" in data.get("user_message", "")


@pytest.mark.parametrize("agent", ["claude", "codex", "gemini", "cursor"])
def test_each_agent_format_denies_approve(agent: str, tmp_path: Path) -> None:
    payload = _payloads(tmp_path)[agent]
    done = _sdd_guard(agent, payload)
    assert done.returncode == 0, done.stderr
    assert _denied(agent, done.stdout), done.stdout
    # the same payload running something harmless is let through, in the agent's format
    harmless = dict(payload)
    if agent == "cursor":
        harmless["command"] = "sdd next demo"
    else:
        harmless["tool_input"] = {"command": "sdd next demo"}
    done = _sdd_guard(agent, harmless)
    assert done.returncode == 0 and not _denied(agent, done.stdout)
    if agent in ("gemini", "cursor"):
        assert json.loads(done.stdout) == {}  # stdout must stay JSON
    else:
        assert done.stdout == ""


@pytest.mark.parametrize("command", [
    "sdd approve demo",
    "sdd --root /repo approve demo --by Ada",
    "cd repo && sdd approve demo",
    "true; /usr/local/bin/sdd reopen demo spec --reason x",
    "python -m sddkit approve demo",
    "sddkit approve demo",
    "bash -c 'sdd approve demo'",
    "eval sdd approve demo",
    "sdd done T002 --force --project demo",
    f"sed -i 's/status: review/status: approved/' {DOC}",
    f"perl -pi -e 's/approved_by: null/approved_by: Ada/' {DOC}",
])
def test_commands_denied(command: str) -> None:
    assert check_command(command) is not None, command


@pytest.mark.parametrize("command", [
    "sdd next demo", "sdd ready demo", "sdd done T001 --project demo", "sdd status",
    "grep -n 'sdd approve' README.md", f"grep 'status:' {DOC}", "echo approve",
    "git log -- AGENTS.ctx", "sdd check",
])
def test_commands_allowed(command: str) -> None:
    assert check_command(command) is None, command


def test_claude_edit_tools(tmp_path: Path) -> None:
    doc = tmp_path / DOC
    doc.parent.mkdir(parents=True)
    doc.write_text(FRONT)
    base = {"cwd": str(tmp_path), "hook_event_name": "PreToolUse"}
    edit = {**base, "tool_name": "Edit", "tool_input": {
        "file_path": str(doc), "old_string": "status: review", "new_string": "status: approved"}}
    assert inspect("claude", edit) is not None
    body = {**base, "tool_name": "Edit", "tool_input": {
        "file_path": str(doc), "old_string": "Body.", "new_string": "Better body."}}
    assert inspect("claude", body) is None
    multi = {**base, "tool_name": "MultiEdit", "tool_input": {"file_path": str(doc), "edits": [
        {"old_string": "Body.", "new_string": "B."},
        {"old_string": "approved_by: null", "new_string": "approved_by: Ada"}]}}
    assert inspect("claude", multi) is not None
    write_same = {**base, "tool_name": "Write", "tool_input": {
        "file_path": DOC, "content": FRONT.replace("Body.", "New body.")}}
    assert inspect("claude", write_same) is None  # gate keys unchanged (relative path, cwd)
    write_gate = {**base, "tool_name": "Write", "tool_input": {
        "file_path": DOC, "content": FRONT.replace("status: review", "status: approved")}}
    assert inspect("claude", write_gate) is not None
    other = {**base, "tool_name": "Edit", "tool_input": {
        "file_path": str(tmp_path / "notes.md"), "old_string": "status: a", "new_string": "status: b"}}
    assert inspect("claude", other) is None  # not a phase document


def test_new_document_may_start_as_draft(tmp_path: Path) -> None:
    new = FRONT.replace("status: review", "status: draft")
    payload = {"cwd": str(tmp_path), "tool_name": "Write",
               "tool_input": {"file_path": DOC, "content": new}}
    assert inspect("claude", payload) is None
    payload["tool_input"] = {"file_path": DOC, "content": FRONT.replace("status: review",
                                                                        "status: approved")}
    assert inspect("claude", payload) is not None


def test_codex_apply_patch(tmp_path: Path) -> None:
    patch = ("*** Begin Patch\n*** Update File: " + DOC + "\n@@\n-status: review\n"
             "+status: approved\n*** End Patch\n")
    payload = {"cwd": str(tmp_path), "hook_event_name": "PreToolUse", "tool_name": "apply_patch",
               "tool_input": {"command": patch}}
    done = _sdd_guard("codex", payload)
    assert _denied("codex", done.stdout)
    body_only = patch.replace("-status: review\n+status: approved\n", "-Body.\n+Better.\n")
    payload["tool_input"] = {"command": body_only}
    assert inspect("codex", payload) is None


def test_gemini_file_tools(tmp_path: Path) -> None:
    doc = tmp_path / DOC
    doc.parent.mkdir(parents=True)
    doc.write_text(FRONT)
    replace = {"cwd": str(tmp_path), "hook_event_name": "BeforeTool", "tool_name": "replace",
               "tool_input": {"file_path": str(doc), "old_string": "approved_at: null",
                              "new_string": "approved_at: 2026-11-30T00:00:00Z"}}
    done = _sdd_guard("gemini", replace)
    assert _denied("gemini", done.stdout)
    write = {"cwd": str(tmp_path), "tool_name": "write_file",
             "tool_input": {"file_path": str(doc), "content": FRONT + "More.\n"}}
    assert inspect("gemini", write) is None


def test_unreadable_payload_is_let_through_with_a_note() -> None:
    out, note, code = run("claude", "{not json")
    assert (out, code) == ("", 0) and "not understood" in note
    done = _sdd_guard("gemini", "[1, 2]")
    assert done.returncode == 0 and json.loads(done.stdout) == {} and "not understood" in done.stderr


def test_unknown_agent_is_a_usage_error() -> None:
    done = _sdd_guard("vim", {})
    assert done.returncode == 2
