"""Every ``sdd ...`` command sddkit prints as advice runs as printed.

A person (or an agent) copies the command in backticks from a message, the inventory, a
``--json`` answer's ``command``: it must name what it acts on (``sdd ready demo``, not
``sdd ready``). A repository with a project in each state is asked everything a session
asks; every command found in the answers is parsed by sdd's own click commands, which
refuse a missing argument, an unknown option or an unknown command.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from conftest import Invoke, fill, git, sdd_executable, walk_to

from sddkit.cli.group import cli

ASSETS = "AGENTS.ctx/sdd/assets"
QUOTED = re.compile(r"`(sdd [^`]*)`")


def _rest(ctx: click.Context) -> list[str]:
    """A group's context: its command and that command's arguments, still to parse."""
    protected = getattr(ctx, "_protected_args", None)  # click 8.2 (8.1: protected_args)
    return [*(ctx.protected_args if protected is None else protected), *ctx.args]


def runnable(command: str) -> str | None:
    """Why ``command`` ("sdd ready demo") would not run as printed, or None when sdd's click
    commands accept it (every required argument given, every option known)."""
    try:
        args = shlex.split(command)[1:]
    except ValueError as exc:
        return str(exc)
    try:
        ctx = cli.make_context("sdd", list(args))
        group: click.Group = cli
        rest = _rest(ctx)
        while True:
            name, sub, rest = group.resolve_command(ctx, rest)
            assert sub is not None and name is not None
            ctx = sub.make_context(name, list(rest), parent=ctx)
            if not isinstance(sub, click.Group):
                return None
            group, rest = sub, _rest(ctx)
            if not rest:
                return "a group without its command"
    except click.exceptions.Exit:
        return None
    except click.ClickException as exc:
        return exc.format_message()


@pytest.mark.parametrize(("command", "ok"), [
    ("sdd ready demo", True), ("sdd done T001 --project demo", True),
    ("sdd next --as 'Ada L'", True), ("sdd status", True), ("sdd ready", False),
    ("sdd approve", False), ("sdd block demo", False), ("sdd done", False),
    ("sdd ctx", False), ("sdd nope", False), ("sdd done T1 --bogus", False),
])
def test_the_judge_refuses_what_would_not_run(command: str, ok: bool) -> None:
    assert (runnable(command) is None) == ok, runnable(command)


def strings(value: object) -> Iterator[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.fixture
def states(initialised: Path, sdd: Invoke) -> Path:
    """A project in each state a gate or a task can be in, and one that cannot be read."""
    root = initialised
    walk_to(root, sdd, "building", tasks=(
        "- [ ] T001 One\n  - verify: $ true\n- [ ] T002 Two (after T001)\n  - depends: T001\n"
        "  - verify: by eye\n- [ ] T003 Three\n  - blocked: waiting for the vendor\n"
        "- [ ] T004 Four\n  - claimed: someone-else 2099-01-01T00:00Z\n  - verify: by eye\n"))
    walk_to(root, sdd, "drifted", tasks="- [ ] T001 One\n  - verify: by eye\n")
    walk_to(root, sdd, "reopened", tasks="- [ ] T001 One\n  - verify: by eye\n")
    walk_to(root, sdd, "reviewing", upto="constitution")
    fill(root / ASSETS / "reviewing/spec.md")
    assert sdd(root, "ready", "reviewing").exit_code == 0
    walk_to(root, sdd, "held", upto="constitution")
    assert sdd(root, "block", "held", "--reason", "on hold").exit_code == 0
    # ticked by hand: no pass of its check on record (SDD-012)
    walk_to(root, sdd, "finished", tasks="- [x] T001 One\n  - verify: $ true\n")
    assert sdd(root, "new", "drafting").exit_code == 0
    assert sdd(root, "new", "broken").exit_code == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "states")
    spec = root / ASSETS / "drifted/spec.md"
    spec.write_text(spec.read_text() + "\nOne more edge case.\n")
    assert sdd(root, "reopen", "reopened", "spec", "--reason", "a new case").exit_code == 0
    (root / ASSETS / "broken/constitution.md").write_text("---\nphase: [\n---\n")
    spec = root / ASSETS / "reviewing/spec.md"  # in review, not complete (SDD-008)
    spec.write_text(spec.read_text() + "\n<!-- fill: one more thing -->\n")
    forged = root / ASSETS / "forged/constitution.md"  # approved by hand: no hash
    text = (root / ASSETS / "drafting/constitution.md").read_text()
    forged.parent.mkdir()
    forged.write_text(text.replace("project: drafting", "project: forged").replace(
        "status: draft", "status: approved"))
    (root / ASSETS / "headless").mkdir()  # its constitution deleted by hand, and the rest
    return root


PROJECTS = ("building", "drifted", "reopened", "reviewing", "held", "finished", "drafting",
            "broken", "forged", "headless")
DOC = f"{ASSETS}/reviewing/spec.md"
#: what an agent's tools ask the guard (Claude Code's hook payloads)
GUARDED = [
    {"tool_name": "Bash", "tool_input": {"command": "sdd approve reviewing"}},
    {"tool_name": "Bash",
     "tool_input": {"command": f"sed -i 's/status: review/status: approved/' {DOC}"}},
    {"tool_name": "Edit", "tool_input": {"file_path": DOC, "old_string": "status: review",
                                         "new_string": "status: approved"}},
]


def asks() -> Iterator[list[str]]:
    """What a session asks: the briefing, every status and next step, the checks, and the
    refusals of writes tried in the wrong state (dry runs: nothing changes)."""
    yield from (["open"], ["open", "sdd"], ["open", "--brief"], ["status"], ["status", "--json"],
                ["next"], ["next", "--json"], ["next", "--all"], ["next", "--all", "--json"],
                ["check"], ["check", "--json"], ["log"], ["show", "T002", "-p", "building"],
                ["verify", "--all", "--dry-run"])
    for name in PROJECTS:
        yield from (["status", name], ["status", name, "--json"], ["next", name],
                    ["next", name, "--json"], ["ready", name, "--dry-run"],
                    ["approve", name, "--dry-run"], ["unblock", name, "--dry-run"],
                    ["done", "T001", "-p", name, "--dry-run"])
    for task in ("T002", "T003", "T004"):
        yield from (["done", task, "-p", "building", "--dry-run"],
                    ["start", task, "-p", "building", "--dry-run"],
                    ["release", task, "-p", "building", "--dry-run"])


def test_every_command_printed_as_advice_runs_as_printed(states: Path, sdd: Invoke) -> None:
    found: dict[str, str] = {}  # command -> what printed it
    # the root context is the repository's own rules (`sdd open` shows it as written)
    rules = set((states / "AGENTS.ctx/CONTEXT.md").read_text().splitlines())
    for args in asks():
        result = sdd(states, *args)
        texts = ["\n".join(line for line in result.stdout.splitlines() if line not in rules),
                 result.stderr]
        if "--json" in args and result.exit_code == 0:
            data = json.loads(result.stdout)
            texts += list(strings(data))
            texts += [f"`{c}`" for c in _commands(data)]
        for text in texts:
            for command in QUOTED.findall(text):
                found.setdefault(command, " ".join(args))
    for payload in GUARDED:
        base = {"session_id": "s", "hook_event_name": "PreToolUse", "cwd": str(states)}
        result = sdd(states, "guard", "--hook", "claude", input=json.dumps({**base, **payload}))
        assert result.exit_code == 0 and "\"deny\"" in result.stdout, result.stdout
        for command in QUOTED.findall(result.stdout + result.stderr):
            found.setdefault(command, f"guard {payload['tool_name']}")
    inventory = (states / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    for command in QUOTED.findall(inventory.split("<!-- sddkit:inventory:start -->")[1]):
        found.setdefault(command, "the inventory")
    for looked in ("sdd ready drafting", "sdd approve reviewing", "sdd undo T001 --project "
                   "finished", "sdd reopen reviewing spec --reason WHY", "sdd new headless",
                   "sdd approve forged"):
        assert looked in found, looked  # every kind of answer was heard
    wrong = {command: (where, runnable(command)) for command, where in found.items()
             if runnable(command) is not None}
    assert wrong == {}


def _commands(data: object) -> Iterator[str]:
    """The values of every ``command`` key in a JSON answer."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "command" and isinstance(value, str) and value.startswith("sdd "):
                yield value
            else:
                yield from _commands(value)
    elif isinstance(data, list):
        for item in data:
            yield from _commands(item)


def test_status_of_a_draft_names_the_command_whole(states: Path) -> None:
    """The case found: ``sdd status P`` said "write constitution, then `sdd ready`"."""
    done = subprocess.run([sdd_executable(), "status", "drafting"], cwd=states,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Next: write constitution, then `sdd ready drafting`\n" in done.stdout
