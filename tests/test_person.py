"""A person's acts refused in a coding agent's shell; confirmed only on a real terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest
from conftest import Invoke, sdd_executable, tree_digest, walk_to

from sddkit.agents.shell_detection import SIGNALS, detect
from sddkit.approvals.person import PersonRequired, require_person

SPEC = Path("AGENTS.ctx/sdd/assets/demo/spec.md")


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def _detached(root: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run sdd the way an agent's tool call does: a new session (no controlling terminal),
    stdin and stdout pipes."""
    return subprocess.run([sdd_executable(), "--root", str(root), *args], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          start_new_session=True, timeout=60)


@pytest.mark.parametrize("signal", SIGNALS, ids=lambda s: s.variables)
def test_every_signal_is_detected_and_refused_without_a_terminal(signal: object) -> None:
    env = {name: value or "1" for name, value in signal.all}  # type: ignore[attr-defined]
    assert detect(env) is not None
    with pytest.raises(PersonRequired, match="a person must run it"):
        require_person("sdd approve demo", "demo", env, confirm=lambda _p, _e: False)


def test_no_agent_no_question() -> None:
    asked = []
    assert require_person("sdd approve demo", "demo", {"PATH": "/bin"},
                          confirm=lambda p, e: asked.append(p) or False) is None
    assert asked == []


def test_editor_terminal_alone_is_not_an_agent() -> None:
    # Cursor and VS Code set these in every terminal a person opens
    assert detect({"CURSOR_TRACE_ID": "x", "TERM_PROGRAM": "vscode"}) is None
    assert detect({"CURSOR_TRACE_ID": "x", "PAGER": "head -n 10000 | cat"}) is not None


@pytest.mark.parametrize("variables", [
    {"CLAUDECODE": "1"}, {"GEMINI_CLI": "1"}, {"CODEX_SANDBOX": "seatbelt"},
    {"CURSOR_AGENT": "1"}, {"COPILOT_CLI": "1"},
])
def test_approve_refused_in_agent_shell(spec_in_review: Path, variables: dict[str, str]) -> None:
    before = tree_digest(spec_in_review)
    done = _detached(spec_in_review, "approve", "demo", env=_env(**variables))
    assert done.returncode == 1, done.stderr
    assert "a person must run it" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert tree_digest(spec_in_review) == before


def test_reopen_and_forced_forms_refused(spec_in_review: Path, sdd: Invoke) -> None:
    env = _env(CLAUDECODE="1")
    for args in (["reopen", "demo", "constitution", "--reason", "why not"],
                 ["approve", "demo", "--force"]):
        done = _detached(spec_in_review, *args, env=env)
        assert done.returncode == 1 and "a person must run it" in done.stderr, args
    # done --force too (dependency still open)
    assert sdd(spec_in_review, "approve", "demo", "--by", "Grace").exit_code == 0
    walk_to(spec_in_review, sdd, "demo", upto="tasks",
            tasks="## Phase 1\n- [ ] T001 first\n- [ ] T002 second\n  - depends: T001\n")
    done = _detached(spec_in_review, "done", "T002", "--force", "--project", "demo", env=env)
    assert done.returncode == 1 and "sdd done T002 --force" in done.stderr
    # a dry run writes nothing, so it needs no person
    assert _detached(spec_in_review, "approve", "demo", "--dry-run", env=env).returncode == 1  # all approved
    assert _detached(spec_in_review, "done", "T002", "--force", "--dry-run", env=env).returncode == 0


def test_scripts_and_ci_approve_as_before(spec_in_review: Path) -> None:
    done = _detached(spec_in_review, "approve", "demo", "--by", "Grace", env=_env())
    assert done.returncode == 0, done.stderr
    assert "status: approved" in (spec_in_review / SPEC).read_text()


def _read_until(fd: int, needle: bytes, limit: float = 30.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + limit
    while needle not in seen and time.monotonic() < deadline:
        ready, _w, _x = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def _on_terminal(root: Path, answer: str, *args: str) -> tuple[int, str]:
    """Run sdd with a pseudo-terminal as its controlling terminal, as a person's shell;
    type ``answer`` at the prompt. Returns (exit code, everything the terminal showed)."""
    exe = sdd_executable()
    env = _env(CLAUDECODE="1")
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child process
        os.execve(exe, [exe, "--root", str(root), *args], env)
    shown = _read_until(fd, b"to confirm: ")
    os.write(fd, answer.encode() + b"\n")
    shown += _read_until(fd, b"\x00never\x00")
    _pid, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")


def test_typed_confirmation_on_a_terminal_approves(spec_in_review: Path) -> None:
    code, shown = _on_terminal(spec_in_review, "demo", "approve", "demo", "--by", "Grace")
    assert code == 0, shown
    assert "Claude Code (CLAUDECODE)" in shown and "sdd approve demo" in shown
    assert "approved spec of demo by Grace" in shown
    assert "status: approved" in (spec_in_review / SPEC).read_text()


def test_wrong_confirmation_on_a_terminal_is_refused(spec_in_review: Path) -> None:
    before = tree_digest(spec_in_review)
    code, shown = _on_terminal(spec_in_review, "yes", "approve", "demo")
    assert code == 1, shown
    assert "no person confirmed" in shown
    assert tree_digest(spec_in_review) == before


def test_done_force_is_recorded_in_the_mark(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo",
            tasks="## Phase 1\n- [ ] T001 first\n- [ ] T002 second\n  - depends: T001\n"
                  "- [ ] T003 third\n  - blocked: waiting for a key\n- [ ] T004 fourth\n")
    tasks = initialised / "AGENTS.ctx/sdd/assets/demo/tasks.md"
    assert sdd(initialised, "done", "T002", "--force").exit_code == 0
    assert sdd(initialised, "done", "T003", "--force").exit_code == 0
    assert sdd(initialised, "done", "T004", "--force").exit_code == 0
    lines = {line.split()[2]: line for line in tasks.read_text().splitlines()
             if line.startswith("- [x]")}
    assert lines["T002"].endswith(" forced: open T001 -->")
    assert lines["T003"].endswith(" forced: blocked -->")
    assert "forced" not in lines["T004"]  # --force that overrode nothing records nothing
