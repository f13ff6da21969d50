"""Session-start hooks: `sdd agents install --hooks` and the `sdd open --brief` they run (issue 16)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, sdd_executable, tree_digest, walk_to

from sddkit.agents.hook_briefing import MAX_CHARS
from sddkit.agents.hooks import FILES, HOOKS, handler

AGENTS = ["claude", "codex", "gemini", "cursor"]

#: What each agent sends its SessionStart hook on stdin (field names from each agent's
#: hooks reference; the values are our own).
PAYLOADS: dict[str, dict[str, Any]] = {
    "claude": {"session_id": "5f0c3d1e", "transcript_path": "/tmp/t.jsonl",
               "permission_mode": "default", "hook_event_name": "SessionStart",
               "source": "compact", "model": "claude-model"},
    "codex": {"session_id": "0199aa", "transcript_path": None, "hook_event_name": "SessionStart",
              "model": "gpt-model", "permission_mode": "default", "source": "startup"},
    "gemini": {"session_id": "g-1", "transcript_path": "/tmp/g.json",
               "hook_event_name": "SessionStart", "timestamp": "2026-11-30T03:00:00Z",
               "source": "resume"},
    "cursor": {"conversation_id": "c-1", "generation_id": "g-2", "hook_event_name": "sessionStart",
               "session_id": "s-3", "is_background_agent": False, "composer_mode": "agent"},
}


def hooks(sdd: Invoke, root: Path, verb: str, *args: str) -> str:
    result = sdd(root, "agents", verb, "--hooks", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def load(root: Path, agent: str) -> dict[str, Any]:
    data = json.loads((root / FILES[agent].path).read_text())
    assert isinstance(data, dict)
    return data


def context_of(agent: str, stdout: str) -> str:
    """The text an agent adds to the model's context from the hook's stdout."""
    data = json.loads(stdout)
    if agent == "cursor":
        assert set(data) == {"additional_context"}
        return str(data["additional_context"])
    assert set(data) == {"hookSpecificOutput"}
    assert data["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    return str(data["hookSpecificOutput"]["additionalContext"])


def run_hook_command(command: str, cwd: Path, payload: dict[str, Any] | None,
                     env: dict[str, str] | None = None,
                     stdin: Any = None) -> subprocess.CompletedProcess[str]:
    """Run ``command`` the way the agents do: a shell in the project, payload on stdin."""
    path = f"{Path(sdd_executable()).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        command, shell=True, cwd=cwd, env={**os.environ, "PATH": path, **(env or {})},
        input=None if payload is None else json.dumps(payload), stdin=stdin,
        capture_output=True, text=True, timeout=60,
    )


# --- each agent's file ----------------------------------------------------------------------


def test_install_creates_each_agents_file_in_its_format(initialised: Path, sdd: Invoke) -> None:
    out = hooks(sdd, initialised, "install")
    assert sorted(out.splitlines()) == sorted(f"created {FILES[a].path}" for a in AGENTS)
    claude = load(initialised, "claude")
    assert claude == {"hooks": {"SessionStart": [{
        "matcher": "startup|resume|clear|compact",
        "hooks": [{"type": "command", "command": "sdd open --brief --hook claude", "timeout": 10}],
    }], "PreToolUse": [{
        "matcher": "Bash|Edit|MultiEdit|Write",
        "hooks": [{"type": "command", "command": "sdd guard --hook claude", "timeout": 10}],
    }]}}
    assert load(initialised, "codex") == {"hooks": {"SessionStart": [{
        "hooks": [{"type": "command", "command": "sdd open --brief --hook codex", "timeout": 10}],
    }], "PreToolUse": [{
        "matcher": "Bash|apply_patch",
        "hooks": [{"type": "command", "command": "sdd guard --hook codex", "timeout": 10}],
    }]}}
    assert load(initialised, "gemini") == {"hooks": {"SessionStart": [{
        "hooks": [{"type": "command", "name": "sddkit-briefing",
                   "command": "sdd open --brief --hook gemini", "timeout": 10000}],
    }], "BeforeTool": [{
        "matcher": "run_shell_command|write_file|replace",
        "hooks": [{"type": "command", "name": "sddkit-guard",
                   "command": "sdd guard --hook gemini", "timeout": 10000}],
    }]}}
    assert load(initialised, "cursor") == {"version": 1, "hooks": {"sessionStart": [
        {"command": "sdd open --brief --hook cursor", "timeout": 10},
    ], "beforeShellExecution": [{"command": "sdd guard --hook cursor", "timeout": 10}]}}
    before = tree_digest(initialised)
    assert "nothing changed" in hooks(sdd, initialised, "install")
    assert tree_digest(initialised) == before
    listed = json.loads(sdd(initialised, "agents", "list", "--json").stdout)
    assert {(h["agent"], h["state"]) for h in listed["hooks"]} == {(a, "installed") for a in AGENTS}
    out = hooks(sdd, initialised, "remove")
    assert sorted(out.splitlines()) == sorted(
        f"deleted {FILES[a].path} (it held only what sddkit wrote)" for a in AGENTS)
    assert tree_digest(initialised) == {k: v for k, v in before.items()
                                        if not any(k.startswith(FILES[a].path) for a in AGENTS)}


@pytest.mark.parametrize("agent", AGENTS)
def test_each_installed_command_runs_and_briefs(initialised: Path, sdd: Invoke, agent: str) -> None:
    walk_to(initialised, sdd, "billing", upto="plan")
    hooks(sdd, initialised, "install", "--agent", agent)
    data = load(initialised, agent)
    event = "sessionStart" if agent == "cursor" else "SessionStart"
    entries = data["hooks"][event]
    command = entries[0]["command"] if agent == "cursor" else entries[0]["hooks"][0]["command"]
    payload = dict(PAYLOADS[agent])
    sub = initialised / "src"
    sub.mkdir()
    if agent == "cursor":
        payload["workspace_roots"] = [str(initialised)]
    else:
        payload["cwd"] = str(sub)  # the agent was started in a subfolder
    result = run_hook_command(command, Path("/"), payload)  # the hook's own cwd: elsewhere
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    text = context_of(agent, result.stdout)
    assert text.startswith(f"# sddkit session briefing ({initialised})")
    assert "## Next step" in text and "tasks of billing is draft" in text
    assert "Read first: AGENTS.ctx/sdd/assets/billing/constitution.md (constitution), " \
           "AGENTS.ctx/sdd/assets/billing/plan.md (plan)" in text
    assert "Never approve a phase yourself" in text
    assert len(text) <= MAX_CHARS


# --- merging into the user's settings -----------------------------------------------------------


USER_CLAUDE = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "permissions": {"allow": ["Bash(npm run test:*)"], "deny": ["Read(./.env)"]},
    "hooks": {
        "SessionStart": [{"matcher": "startup", "hooks": [
            {"type": "command", "command": "echo team-banner"}]}],
        "PostToolUse": [{"matcher": "Edit|Write", "hooks": [
            {"type": "command", "command": "npx prettier --write ."}]}],
    },
    "env": {"FOO": "1"},
}


def test_merge_keeps_every_user_key_and_remove_restores_them(initialised: Path,
                                                             sdd: Invoke) -> None:
    path = initialised / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps(USER_CLAUDE, indent=4) + "\n")
    assert hooks(sdd, initialised, "install", "--agent", "claude") == "updated .claude/settings.json\n"
    data = load(initialised, "claude")
    assert data["permissions"] == USER_CLAUDE["permissions"] and data["env"] == {"FOO": "1"}
    assert data["hooks"]["PostToolUse"] == USER_CLAUDE["hooks"]["PostToolUse"]
    assert data["hooks"]["SessionStart"][0] == USER_CLAUDE["hooks"]["SessionStart"][0]
    assert data["hooks"]["SessionStart"][1]["hooks"][0]["command"] == "sdd open --brief --hook claude"
    assert list(data) == list(USER_CLAUDE)  # key order kept
    assert path.read_text().startswith('{\n    "$schema"')  # the file's 4-space indent kept
    assert hooks(sdd, initialised, "remove", "--agent", "claude") == "updated .claude/settings.json\n"
    assert load(initialised, "claude") == USER_CLAUDE


def test_user_handler_in_the_same_group_is_kept(initialised: Path, sdd: Invoke) -> None:
    hooks(sdd, initialised, "install", "--agent", "claude")
    path = initialised / ".claude" / "settings.json"
    data = load(initialised, "claude")
    data["hooks"]["SessionStart"][0]["hooks"].append({"type": "command", "command": "date"})
    path.write_text(json.dumps(data, indent=2) + "\n")
    hooks(sdd, initialised, "remove", "--agent", "claude")
    assert load(initialised, "claude") == {"hooks": {"SessionStart": [{
        "matcher": "startup|resume|clear|compact", "hooks": [{"type": "command", "command": "date"}],
    }]}}


def test_outdated_entry_is_reported_then_replaced_once(initialised: Path, sdd: Invoke) -> None:
    hooks(sdd, initialised, "install", "--agent", "gemini")
    path = initialised / ".gemini" / "settings.json"
    data = load(initialised, "gemini")
    data["mcpServers"] = {"other": {"command": "other-server"}}
    data["hooks"]["SessionStart"][0]["hooks"][0]["command"] = "sdd open --brief"  # an older form
    data["hooks"]["SessionStart"][0]["hooks"][0]["timeout"] = 60000
    path.write_text(json.dumps(data, indent=2) + "\n")
    listed = sdd(initialised, "agents", "list")
    assert "gemini    outdated   .gemini/settings.json" in listed.stdout
    hooks(sdd, initialised, "install", "--agent", "gemini")
    fresh = load(initialised, "gemini")
    assert fresh["mcpServers"] == {"other": {"command": "other-server"}}
    assert fresh["hooks"]["SessionStart"] == [{"hooks": [handler(HOOKS[2])]}]


def test_bad_json_is_refused_with_its_line_and_nothing_changes(initialised: Path,
                                                               sdd: Invoke) -> None:
    path = initialised / ".gemini" / "settings.json"
    path.parent.mkdir()
    path.write_text('{\n  // my settings\n  "theme": "dark"\n}\n')
    before = tree_digest(initialised)
    result = sdd(initialised, "agents", "install", "--hooks")
    assert result.exit_code == 1
    assert result.stderr.startswith("sdd: ") and ".gemini/settings.json:2: not plain JSON" in result.stderr
    assert result.stderr.count("\n") == 1
    assert tree_digest(initialised) == before
    listed = json.loads(sdd(initialised, "agents", "list", "--json").stdout)
    assert {h["agent"]: h["state"] for h in listed["hooks"]}["gemini"] == "broken"


def test_wrong_type_on_the_way_is_refused(initialised: Path, sdd: Invoke) -> None:
    path = initialised / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text('{"hooks": []}\n')
    result = sdd(initialised, "agents", "install", "--hooks", "--agent", "claude")
    assert result.exit_code == 1
    assert "'hooks' must be an object" in result.stderr
    assert path.read_text() == '{"hooks": []}\n'


def test_dry_run_prints_the_diff_and_writes_nothing(initialised: Path, sdd: Invoke) -> None:
    before = tree_digest(initialised)
    out = hooks(sdd, initialised, "install", "--dry-run", "--agent", "cursor")
    assert "+++ b/.cursor/hooks.json" in out and '"sessionStart"' in out
    assert tree_digest(initialised) == before


def test_the_guard_is_one_more_row_per_agent(initialised: Path, sdd: Invoke) -> None:
    """The guard hook (issue 17): install, list and remove handle its rows unchanged."""
    hooks(sdd, initialised, "install", "--agent", "claude")
    data = load(initialised, "claude")
    assert data["hooks"]["PreToolUse"] == [{"matcher": "Bash|Edit|MultiEdit|Write", "hooks": [
        {"type": "command", "command": "sdd guard --hook claude", "timeout": 10}]}]
    states = json.loads(sdd(initialised, "agents", "list", "--json").stdout)["hooks"]
    assert {(h["event"], h["state"]) for h in states if h["agent"] == "claude"} == {
        ("SessionStart", "installed"), ("PreToolUse", "installed")}
    guard = data["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    payload = {"tool_name": "Bash", "tool_input": {"command": "sdd approve billing"}}
    result = run_hook_command(guard, initialised, payload)  # the installed command denies
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    hooks(sdd, initialised, "remove", "--agent", "claude")
    assert not (initialised / ".claude" / "settings.json").exists()


# --- the briefing ---------------------------------------------------------------------------


def test_brief_is_bounded_in_size(initialised: Path, sdd: Invoke, run_sdd: Any) -> None:
    for i in range(60):
        result = sdd(initialised, "ctx", "new", f"domain-{i:02d}", "--description", "x" * 150)
        assert result.exit_code == 0, result.stderr
    root_ctx = initialised / "AGENTS.ctx" / "CONTEXT.md"
    root_ctx.write_text(root_ctx.read_text() + ("\n- a long rule " + "y" * 100) * 200)
    result = run_sdd("open", "--brief", cwd=initialised)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout) <= MAX_CHARS + 1
    assert "(cut at 2500 characters: read AGENTS.ctx/CONTEXT.md)" in result.stdout
    assert "- ... 41 more: `sdd ctx list`" in result.stdout  # sdd + 60 contexts, 20 shown
    assert "## Next step" in result.stdout


def test_brief_outside_a_repository_is_one_line_and_exit_0(tmp_path: Path) -> None:
    result = run_hook_command("sdd open --brief --hook claude", tmp_path,
                              {**PAYLOADS["claude"], "cwd": str(tmp_path)})
    assert result.returncode == 0 and result.stderr == ""
    text = context_of("claude", result.stdout)
    assert text.startswith("sddkit: no briefing (no AGENTS.ctx/ in ")
    assert text.count("\n") == 1


def test_brief_with_a_broken_root_context_still_briefs(initialised: Path) -> None:
    """The root context's rules are lost, not the briefing: one line names the file."""
    (initialised / "AGENTS.ctx" / "CONTEXT.md").write_text("---\nname: [unclosed\n---\n")
    result = run_hook_command("sdd open --brief --hook cursor", initialised,
                              PAYLOADS["cursor"])
    assert result.returncode == 0
    assert result.stderr.startswith("sdd: warning: AGENTS.ctx/CONTEXT.md:3: ")
    assert result.stderr.count("\n") == 1
    text = context_of("cursor", result.stdout)
    assert "(AGENTS.ctx/CONTEXT.md:3 cannot be read: invalid YAML" in text
    assert "## Next step" in text and "- sdd: " in text


def test_brief_time_bound_when_stdin_never_closes(initialised: Path) -> None:
    """An agent that never closes the hook's stdin cannot hold the session start."""
    read_end, write_end = os.pipe()
    try:
        result = run_hook_command("sdd open --brief --hook gemini", initialised, None,
                                  env={"SDDKIT_BRIEF_TIMEOUT": "0.5"}, stdin=read_end)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert "took longer than 0.5 s and was skipped" in context_of("gemini", result.stdout)


def test_brief_reads_first_the_contexts_the_project_declares(initialised: Path,
                                                             sdd: Invoke, run_sdd: Any) -> None:
    for name, includes in (("security", ""), ("payments", "security")):
        args = ["--includes", includes] if includes else []
        assert sdd(initialised, "ctx", "new", name, *args).exit_code == 0
    walk_to(initialised, sdd, "refunds", upto="spec")
    constitution = initialised / "AGENTS.ctx/sdd/assets/refunds/constitution.md"
    # a key a person adds: contexts the project's work needs (not part of the gate hash)
    text = constitution.read_text().replace("priority: 0\n", "priority: 0\ncontexts: [payments]\n", 1)
    constitution.write_text(text)
    out = run_sdd("open", "--brief", cwd=initialised).stdout
    assert ("Read first: AGENTS.ctx/sdd/assets/refunds/constitution.md (constitution), "
            "AGENTS.ctx/sdd/assets/refunds/plan.md (plan), AGENTS.ctx/security/CONTEXT.md (context security), "
            "AGENTS.ctx/payments/CONTEXT.md (context payments)") in out
    constitution.write_text(text.replace("[payments]", "[nowhere]"))
    out = run_sdd("open", "--brief", cwd=initialised).stdout
    assert "contexts not listed: unknown context 'nowhere'" in out


def test_brief_usage_errors(initialised: Path, sdd: Invoke) -> None:
    assert sdd(initialised, "open", "--hook", "claude").exit_code == 2
    assert sdd(initialised, "open", "--brief", "sdd").exit_code == 2
