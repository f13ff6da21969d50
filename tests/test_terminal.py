"""Issue 14: repository text never reaches a terminal as raw control sequences.

A hostile repository puts ESC sequences (OSC 52 writes the clipboard), 8-bit C1 controls and
bidi overrides in titles, task text, notes, reasons, names and documents. Every command's
text output shows them escaped (``\\u001b``); its JSON output decodes to the exact text.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import Invoke, git, sdd_executable, walk_to

from sddkit.io.terminal import escape

ASSETS = Path("AGENTS.ctx/sdd/assets")
OSC52 = "\x1b]52;c;aGVsbG8=\x07"  # "write 'hello' to the clipboard"
CSI8 = "\x9b2J"  # 8-bit CSI: clear the screen
RLO = "\u202e"  # right-to-left override
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_escape_keeps_text_and_shows_controls() -> None:
    assert escape("plain é text\twith tab\nand CRLF\r\n") == "plain é text\twith tab\nand CRLF\r\n"
    assert escape(OSC52) == "\\u001b]52;c;aGVsbG8=\\u0007"
    assert escape(CSI8 + RLO + "\x7f" + "a\rb") == "\\u009b2J\\u202e\\u007fa\\u000db"
    # the escape is JSON's own: a JSON reader gets the very same text back
    for raw in (OSC52, CSI8, RLO, "\x85", "\x7f"):
        text = json.dumps({"t": raw}, ensure_ascii=False)
        assert json.loads(escape(text)) == {"t": raw}


def _yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (YAML refuses raw control characters)."""
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text) + '"'


@pytest.fixture
def hostile(initialised: Path, sdd: Invoke) -> Path:
    """A project whose title, task text, notes, block reason and context carry controls."""
    root = initialised
    tasks = (f"## Phase 1\n\n- [ ] T001 Build {CSI8} the thing\n"
             f"  - note: look {RLO}here\n- [ ] T002 Second {OSC52}\n")
    walk_to(root, sdd, "evil", tasks=tasks)
    constitution = root / ASSETS / "evil/constitution.md"
    text = constitution.read_text()
    title = "title: " + _yaml_quoted(f"Evil {OSC52} title {RLO}x")
    text = re.sub(r"^title: .*$", lambda _m: title, text, count=1, flags=re.M)
    constitution.write_text(text)
    context = root / "AGENTS.ctx/hostile/CONTEXT.md"
    context.parent.mkdir()
    context.write_text("---\nname: hostile\ndescription: " + _yaml_quoted(f"ctx {OSC52}")
                       + "\n---\n# hostile\n\nBody with \x1b[2J clear screen\n")
    assert sdd(root, "inventory").exit_code == 0
    result = sdd(root, "block", "T002", "--project", "evil", "--reason", f"waits {OSC52}")
    assert result.exit_code == 0, result.stderr
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "hostile")
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}
    return subprocess.run([sdd_executable(), *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)


TEXT_COMMANDS = [
    ("status",), ("status", "evil"), ("next",), ("next", "evil"), ("next", "--all"),
    ("open",), ("open", "hostile"), ("open", "--brief"), ("check",), ("log",),
    ("ctx", "list"), ("ctx", "show", "hostile"), ("inventory", "--dry-run"),
    ("done", "T001", "--project", "evil", "--dry-run"),
    ("start", "T001", "--project", "evil", "--dry-run"),
]


@pytest.mark.parametrize("args", TEXT_COMMANDS, ids=" ".join)
def test_text_output_has_no_raw_controls(hostile: Path, args: tuple[str, ...]) -> None:
    result = _run(hostile, *args)
    assert "Traceback" not in result.stderr
    out = result.stdout + result.stderr
    assert not RAW.search(out), (args, out)
    assert "\r" not in out.replace("\r\n", "")


def test_the_hostile_text_is_really_shown(hostile: Path) -> None:
    """The escaping shows the text; it does not drop it."""
    status = _run(hostile, "status", "evil").stdout
    assert "Evil \\u001b]52;c;aGVsbG8=\\u0007 title \\u202ex" in status
    assert 'description: "ctx \\u001b]52;c;aGVsbG8=\\u0007"' in _run(hostile, "ctx", "show",
                                                                     "hostile").stdout
    assert "Build \\u009b2J the thing" in _run(hostile, "next", "evil").stdout


def test_an_error_message_is_escaped_too(hostile: Path) -> None:
    result = _run(hostile, "done", f"T9{OSC52}", "--project", "evil")
    assert result.returncode in (1, 2)
    assert not RAW.search(result.stderr), result.stderr


JSON_COMMANDS = [("status", "--json"), ("status", "evil", "--json"), ("next", "evil", "--json"),
                 ("ctx", "show", "hostile", "--json"), ("open", "hostile", "--json")]


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=" ".join)
def test_json_output_is_exact(hostile: Path, args: tuple[str, ...]) -> None:
    result = _run(hostile, *args)
    assert result.returncode == 0, result.stderr
    assert not RAW.search(result.stdout)
    data = json.dumps(json.loads(result.stdout), ensure_ascii=False)
    wanted = {("status", "--json"): f"Evil {OSC52} title {RLO}x",
              ("status", "evil", "--json"): f"Evil {OSC52} title {RLO}x",
              ("next", "evil", "--json"): f"Build {CSI8} the thing",
              ("ctx", "show", "hostile", "--json"): "Body with \x1b[2J clear screen",
              ("open", "hostile", "--json"): "Body with \x1b[2J clear screen"}[args]
    assert json.dumps(wanted, ensure_ascii=False)[1:-1] in data


def test_in_process_runner_escapes_as_well(hostile: Path, sdd: Invoke) -> None:
    """The escaping lives in the click group itself, not only in the console script."""
    result = sdd(hostile, "status", "evil")
    assert result.exit_code == 0
    assert not RAW.search(result.stdout)
    assert "\\u001b]52" in result.stdout


def test_a_real_terminal_gets_the_escaped_text(hostile: Path) -> None:
    """On a terminal (a pty), where click strips nothing, the bytes that arrive are escaped."""
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}
    with subprocess.Popen([sdd_executable(), "ctx", "show", "hostile"], cwd=hostile, env=env,
                          stdout=follower, stderr=follower) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the pty is closed once the process has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=60) == 0
    os.close(leader)
    seen = b"".join(chunks).decode("utf-8")
    assert "Body with \\u001b[2J clear screen" in seen
    assert not RAW.search(seen.replace("\r\n", "\n"))
