"""The click-free fast paths of `sdd next` and `sdd open` answer exactly as the click
commands do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke, sdd_executable, walk_to

from sddkit.cli.entry import _parse_next, _parse_open

CLICK = [sys.executable, "-c", "import sys; from sddkit.cli.group import main; main(sys.argv[1:])"]


def run(cmd: list[str], cwd: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SDDKIT_DEBUG"}
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    ("argv", "parsed"),
    [
        (["next"], (None, False, None)),
        (["next", "--json"], (None, True, None)),
        (["next", "demo", "--json"], (None, True, "demo")),
        (["next", "--project", "demo"], (None, False, "demo")),
        (["next", "-p", "demo", "--json"], (None, True, "demo")),
        (["next", "demo", "--project", "demo"], None),
        (["next", "--project"], None),
        (["--root=.", "next"], (".", False, None)),
        (["next", "--help"], None),
        (["next", "-h"], None),
        (["next", "a", "b"], None),
        (["next", "--json", "--json"], None),
        (["status"], None),
        (["--root", "/nonexistent-folder", "next"], None),
        ([], None),
    ],
)
def test_only_plain_next_takes_the_fast_path(argv: list[str], parsed: object) -> None:
    assert _parse_next(argv) == parsed


def test_fast_path_does_not_import_click(initialised: Path) -> None:
    code = ("import sys; from sddkit.cli.entry import main\n"
            "try:\n    main(['next'])\nexcept SystemExit:\n    pass\n"
            "assert 'click' not in sys.modules, 'click was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=initialised, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_fast_and_click_answers_are_identical(initialised: Path, sdd: Invoke,
                                              tmp_path: Path) -> None:
    walk_to(initialised, sdd, "demo", tasks="- [ ] T001 One\n  - verify: ok\n- [ ] T002 Two\n")
    sdd(initialised, "new", "draft-one")
    walk_to(initialised, sdd, "colour",  # click strips a colour sequence from piped output
            tasks="- [ ] T001 One \x1b[31mred\x1b[0m \x1b]8;;x\x07link\n  - verify: ok\n")
    fast = [sdd_executable()]
    cases = [
        (["next"], initialised),
        (["next", "--json"], initialised),
        (["next", "demo"], initialised),
        (["next", "draft-one", "--json"], initialised),
        (["next", "--project", "demo"], initialised),  # as `sdd done` spells it
        (["next", "-p", "draft-one", "--json"], initialised),
        (["next", "colour"], initialised),
        (["next", "colour", "--json"], initialised),
        (["next", "--project", "nope"], initialised),
        (["next", "demo", "--project", "draft-one"], initialised),
        (["next", "nope"], initialised),
        (["next", "Bad/Name"], initialised),
        (["next"], tmp_path),  # outside any repository
        (["--root", str(initialised), "next", "--json"], tmp_path),
    ]
    for args, cwd in cases:
        assert run([*fast, *args], cwd) == run([*CLICK, *args], cwd), args


@pytest.mark.parametrize(
    ("argv", "parsed"),
    [
        (["open"], (None, False, [], None)),
        (["open", "sdd", "--json"], (None, True, ["sdd"], None)),
        (["open", "--json", "backend", "sdd"], (None, True, ["backend", "sdd"], None)),
        (["--root", ".", "open", "sdd"], (".", False, ["sdd"], None)),
        (["open", "--brief"], (None, False, [], "")),
        (["open", "--brief", "--hook", "plain"], (None, False, [], "plain")),
        (["open", "--brief", "--hook", "claude"], (None, False, [], "claude")),
        (["--root=.", "open", "--brief", "--hook", "cursor"], (".", False, [], "cursor")),
        (["open", "--brief", "--hook", "nope"], None),
        (["open", "--brief", "--json"], None),
        (["open", "--hook", "claude"], None),
        (["open", "sdd", "--brief"], None),
        (["open", "--json", "--json"], None),
        (["open", "--help"], None),
        (["open", ""], None),
        (["--root", "/nonexistent-folder", "open"], None),
        (["--root=", "open"], None),
    ],
)
def test_only_plain_open_takes_the_fast_path(argv: list[str], parsed: object) -> None:
    assert _parse_open(argv) == parsed


def test_fast_and_click_open_are_identical(initialised: Path, sdd: Invoke,
                                           tmp_path: Path) -> None:
    walk_to(initialised, sdd, "demo", tasks="- [ ] T001 One\n  - verify: ok\n")
    assert sdd(initialised, "ctx", "new", "backend").exit_code == 0
    fast = [sdd_executable()]
    payload = tmp_path / "payload.json"
    payload.write_text(f'{{"cwd": "{initialised}", "hook_event_name": "SessionStart"}}')
    cases = [
        ["open"], ["open", "--json"], ["open", "sdd"], ["open", "backend", "--json"],
        ["open", "nope"], ["open", "--brief"], ["open", "--brief", "--hook", "codex"],
        ["open", "--brief", "--hook", "plain"],  # reads the payload as every --hook does
        ["--root", str(initialised), "open", "sdd"],
    ]
    for args in cases:
        for cwd in (initialised, tmp_path):  # the second: outside any repository
            with payload.open() as stdin:
                fast_run = subprocess.run([*fast, *args], cwd=cwd, capture_output=True,
                                          text=True, stdin=stdin, timeout=120)
            with payload.open() as stdin:
                click_run = subprocess.run([*CLICK, *args], cwd=cwd, capture_output=True,
                                           text=True, stdin=stdin, timeout=120)
            assert (fast_run.returncode, fast_run.stdout, fast_run.stderr) == \
                (click_run.returncode, click_run.stdout, click_run.stderr), (args, cwd)


def test_open_takes_no_click(initialised: Path) -> None:
    code = ("import sys; from sddkit.cli.entry import main\n"
            "for args in (['open'], ['open', 'sdd', '--json'], ['open', '--brief']):\n"
            "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
            "assert 'click' not in sys.modules, 'click was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=initialised, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("args", [["next"], ["next", "--json"], ["open"], ["open", "--brief"],
                                  ["status"], ["--strict", "next"], ["done", "T001", "-p", "demo"]])
def test_a_closed_stdout_takes_nothing_and_is_no_error(initialised: Path, sdd: Invoke,
                                                        args: list[str]) -> None:
    """`sdd next >&-`: Python's sys.stdout is None. click's echo writes nothing then; every
    path does the same (the command's work is done, exit 0), never an internal error."""
    walk_to(initialised, sdd, "demo", tasks="- [ ] T001 One\n  - verify: ok\n- [ ] T002 Two\n")
    done = subprocess.run([sdd_executable(), *args], cwd=initialised, capture_output=False,
                          stderr=subprocess.PIPE, text=True, timeout=120,
                          preexec_fn=lambda: os.close(1))  # noqa: PLW1509 (a test's child)
    assert (done.returncode, done.stderr) == (0, ""), args
    if args[0] == "done":
        assert "- [x] T001" in (initialised / "AGENTS.ctx/sdd/assets/demo/tasks.md").read_text()


@pytest.mark.parametrize("args", [["open"], ["open", "--json"], ["open", "--brief"],
                                  ["open", "--brief", "--hook", "claude"], ["ctx", "list"]])
@pytest.mark.parametrize("path", ["fast", "click"])
def test_a_closed_stderr_takes_the_warnings_and_is_no_error(initialised: Path, sdd: Invoke,
                                                           args: list[str], path: str) -> None:
    """`sdd open 2>&-` with a context that cannot be read: its warning has nowhere to go,
    and the briefing is still printed with exit 0 (a session-start hook never fails), as
    with stderr open; a closed stderr is no error, as a closed stdout is not."""
    walk_to(initialised, sdd, "demo", tasks="- [ ] T001 One\n  - verify: ok\n")
    assert sdd(initialised, "ctx", "new", "backend").exit_code == 0
    broken = initialised / "AGENTS.ctx" / "backend" / "CONTEXT.md"
    broken.write_text(broken.read_text().replace("name: backend", "name: [backend", 1))
    cmd = [sdd_executable()] if path == "fast" else CLICK
    env = {k: v for k, v in os.environ.items() if k != "SDDKIT_DEBUG"}
    shown = subprocess.run([*cmd, *args], cwd=initialised, capture_output=True, text=True,
                           input="{}", env=env, timeout=120)
    assert shown.returncode == 0 and "backend" in shown.stderr, shown.stderr
    closed = subprocess.run([*cmd, *args], cwd=initialised, stdout=subprocess.PIPE, text=True,
                            input="{}", env=env, timeout=120,
                            preexec_fn=lambda: os.close(2))  # noqa: PLW1509 (a test's child)
    assert (closed.returncode, closed.stdout) == (0, shown.stdout), args


def test_the_collector_is_off_only_in_a_command_s_own_process(initialised: Path) -> None:
    """`sdd` run as a command leaves Python's cyclic garbage collector off to its exit (a
    cold listing's objects are never walked again); a program that calls ``main`` with
    its own arguments, a test included, keeps its collector."""
    import gc

    from sddkit.cli.entry import main

    assert gc.isenabled()
    with pytest.raises(SystemExit) as ended:
        main(["--root", str(initialised), "next"])
    assert ended.value.code == 0
    assert gc.isenabled()
    probe = ("import gc, sys; from sddkit.cli import entry; sys.argv = ['sdd', 'next']\n"
             "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
             "print(gc.isenabled(), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=initialised,
                          capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
