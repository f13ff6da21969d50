"""The click-free write commands (``sddkit.cli.fast_writes``) answer and write exactly as the
click commands do (issue 15: a write must not pay for click).

Each case runs once through the console script (the fast path when the arguments are plain)
and once through the click group, each in its own copy of one repository; their exit
codes, stdout, stderr and the files they leave must be equal (times of day and durations
normalised: the two runs are seconds apart).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke, fill, git, sdd_executable, walk_to

from sddkit.cli.fast_writes import GRAMMARS, parse

CLICK = [sys.executable, "-c", "import sys; from sddkit.cli.group import main; main(sys.argv[1:])"]
#: Runs the console script's entry, then says whether click was imported (on stderr, last).
FAST = [sys.executable, "-c",
        "import sys\nfrom sddkit.cli.entry import main\ntry:\n    main(sys.argv[1:])\n"
        "finally:\n    sys.stderr.write('click' in sys.modules and '[click]' or '[fast]')\n"]
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
                  r'|"seconds": [0-9.e-]+|in [0-9.]+ s\b')


@pytest.mark.parametrize(
    ("argv", "parsed"),
    [
        (["done", "T001"], (None, "done", {"task": "T001", "project": None, "commit": False,
                                           "force": False, "no_verify": False,
                                           "dry_run": False, "as_json": False})),
        (["done", "--project", "demo", "T001", "--no-verify", "--json"],
         (None, "done", {"task": "T001", "project": "demo", "commit": False, "force": False,
                         "no_verify": True, "dry_run": False, "as_json": True})),
        (["--root", ".", "done", "-p", "demo", "T001"],
         (Path("."), "done", {"task": "T001", "project": "demo", "commit": False,
                              "force": False, "no_verify": False, "dry_run": False,
                              "as_json": False})),
        (["approve", "demo", "--by", "Grace Hopper"],
         (None, "approve", {"project": "demo", "by": "Grace Hopper", "force": False,
                            "commit": False, "dry_run": False})),
        (["block", "demo", "--reason", "waiting"],
         (None, "block", {"name": "demo", "reason": "waiting", "project": None,
                          "dry_run": False})),
        (["block", "demo"], None),  # --reason is required: click says so
        (["done"], None),
        (["done", "T001", "T002"], None),
        (["done", "T001", "--project"], None),
        (["done", "T001", "--project", "--json"], None),
        (["done", "T001", "--project", ""], None),
        (["done", ""], None),
        (["done", "T001", "--project=demo"], None),
        (["done", "T001", "-pdemo"], None),
        (["done", "T001", "--json", "--json"], None),
        (["done", "T001", "-p", "a", "--project", "b"], None),
        (["done", "T001", "--timeout", "5"], None),
        (["done", "T001", "--help"], None),
        (["done", "--", "T001"], None),
        (["approve", "demo", "--all-imported"], None),
        (["new", "demo", "--from", "plan.md"], None),
        (["--strict", "done", "T001"], None),
        (["--root", "/nonexistent-folder", "done", "T001"], None),
        (["next"], None),
        (["status"], None),
        ([], None),
    ],
)
def test_only_plain_writes_take_the_fast_path(argv: list[str], parsed: object) -> None:
    assert parse(argv) == parsed


def test_every_grammar_is_the_click_commands() -> None:
    """Each option the fast path accepts is an option of the click command, with the same
    parameter name and kind (a flag is a flag), so no spelling means two things."""
    import click

    from sddkit.cli.group import cli

    ctx = click.Context(cli)
    for name, (arguments, options, flags, required) in GRAMMARS.items():
        command = cli.get_command(ctx, name)
        assert command is not None, name
        params = {opt: p for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        assert [p.name for p in command.params if isinstance(p, click.Argument)] == list(
            arguments), name
        for spelling, param in {**options, **flags}.items():
            found = params[spelling]
            assert found.name == param, (name, spelling)
            assert isinstance(found, click.Option)
            assert found.is_flag == (spelling in flags), (name, spelling)
        for param in required:
            assert any(p.name == param and p.required for p in command.params), (name, param)
        for p in command.params:
            if isinstance(p, click.Option) and p.required:
                assert p.name in required, (name, p.name)


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    full = {k: v for k, v in os.environ.items() if k not in ("SDDKIT_DEBUG", "PYTHONIOENCODING")}
    full.update(env or {})
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=full, timeout=120)
    return done.returncode, TIME.sub("<time>", done.stdout), TIME.sub("<time>", done.stderr)


def files(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if ".git" not in rel.parts and path.is_file():
            out[rel.as_posix()] = TIME.sub("<time>", path.read_text(errors="replace"))
    return out


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    """``demo`` implementing (one task with a runnable check, one whose text carries a colour
    sequence, one blocked), ``review`` with its spec in review, ``draft-one`` drafting a
    constitution that is complete; committed."""
    walk_to(initialised, sdd, "demo", tasks=(
        "- [ ] T001 One\n  - verify: $ echo checked\n"
        "- [ ] T002 Two \x1b[31mred\x1b[0m\n  - verify: by eye\n"
        "- [ ] T003 Three\n  - blocked: waiting for the vendor\n"
        "- [ ] T004 Four (after T001)\n"))
    walk_to(initialised, sdd, "review", upto="constitution")
    fill(initialised / "AGENTS.ctx/sdd/assets/review/spec.md")
    assert sdd(initialised, "ready", "review").exit_code == 0
    assert sdd(initialised, "new", "draft-one").exit_code == 0
    fill(initialised / "AGENTS.ctx/sdd/assets/draft-one/constitution.md")
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "work")
    return initialised


CASES: list[tuple[list[str], dict[str, str]]] = [
    (["done", "T001", "--project", "demo"], {}),  # runs its check: the listener's lines
    (["done", "T001", "-p", "demo", "--json"], {}),
    (["done", "T002", "--project", "demo", "--no-verify"], {}),  # colour sequence, piped
    (["done", "T003", "--project", "demo"], {}),  # blocked: refused
    (["done", "T004", "--project", "demo"], {}),  # its dependency is open: refused
    (["done", "T001", "--project", "demo", "--dry-run"], {}),
    (["done", "T009", "--project", "demo"], {}),
    (["done", "T001"], {}),
    (["done", "T001", "--project", "nope"], {}),
    (["done", "T001", "--project", "Bad/Name"], {}),
    (["done", "T003", "--project", "demo", "--force"], {}),  # a person's act, no terminal
    (["done", "T003", "--project", "demo", "--force"], {"CLAUDECODE": "1"}),
    (["undo", "T001", "--project", "demo"], {}),
    (["approve", "review", "--by", "Grace Hopper"], {}),
    (["approve", "review", "--by", "Grace Hopper"], {"CLAUDECODE": "1"}),
    (["approve", "review", "--dry-run"], {"CLAUDECODE": "1"}),
    (["approve", "draft-one", "--by", "Grace"], {}),  # a draft: refused
    (["approve", "draft-one", "--by", "Grace", "--force"], {}),
    (["ready", "draft-one"], {}),
    (["ready", "draft-one", "--dry-run"], {}),
    (["ready", "demo"], {}),
    (["new", "fresh-one", "--title", "A fresh one"], {}),
    (["new", "demo"], {}),
    (["new", "Bad Name"], {}),
    (["start", "T001", "--project", "demo", "--as", "agent-a"], {}),
    (["start", "T001", "-p", "demo", "--json"], {"SDDKIT_AGENT": "agent-b"}),
    (["release", "T001", "--project", "demo"], {}),
    (["block", "demo", "--reason", "waiting  for\tthe vendor"], {}),
    (["block", "T001", "--project", "demo", "--reason", "flaky"], {}),
    (["unblock", "demo"], {}),
    (["unblock", "T003", "--project", "demo"], {}),
    (["unblock", "T003", "-p", "demo", "--dry-run"], {}),
    # dry runs that would change nothing: the real run's answer, on both paths
    (["undo", "T001", "-p", "demo", "--dry-run"], {}),
    (["release", "T001", "-p", "demo", "--dry-run"], {}),
    (["release", "T001", "-p", "demo", "--json", "--dry-run"], {}),
    (["unblock", "T001", "-p", "demo", "--dry-run"], {}),
    (["block", "T003", "-p", "demo", "--reason", "waiting for the vendor", "--dry-run"], {}),
    (["ready", "demo", "--dry-run"], {}),
    (["new", "demo", "--dry-run"], {}),
    # an ASCII locale: arguments typed in UTF-8 are read, written and shown as UTF-8
    (["new", "cafe", "--title", "Café crème"], {"LC_ALL": "C", "PYTHONUTF8": "0"}),
    (["block", "T001", "-p", "demo", "--reason", "attente du réseau"],
     {"LC_ALL": "C", "PYTHONUTF8": "0"}),
    (["start", "T001", "-p", "demo", "--as", "Zoë"], {"LC_ALL": "C", "PYTHONUTF8": "0"}),
    (["done", "T003", "-p", "demo"], {"LC_ALL": "C", "PYTHONUTF8": "0"}),
]


@pytest.mark.parametrize(("args", "env"), CASES, ids=[" ".join(a) + "".join(e) for a, e in CASES])
def test_fast_and_click_writes_are_identical(repo: Path, tmp_path: Path, args: list[str],
                                             env: dict[str, str]) -> None:
    fast_root, click_root = tmp_path / "fast", tmp_path / "click"
    shutil.copytree(repo, fast_root, symlinks=True)
    shutil.copytree(repo, click_root, symlinks=True)
    code, out, err = run([*FAST, *args], fast_root, env)
    assert err.endswith("[fast]"), (args, err)  # it did take the click-free path
    assert (code, out, err.removesuffix("[fast]")) == run([*CLICK, *args], click_root, env)
    assert files(fast_root) == files(click_root)


def test_the_root_option_and_unusual_forms_reach_the_same_answer(repo: Path, tmp_path: Path
                                                                 ) -> None:
    """``--root DIR`` from outside the repository takes the fast path; the forms it leaves to
    click (``--opt=value``, ``--help``) still work through the console script."""
    exe = sdd_executable()
    code, out, err = run([*FAST, "--root", str(repo), "start", "T001", "-p", "demo"], tmp_path)
    assert (code, err) == (0, "[fast]") and "T001 of demo claimed by" in out
    code, out, err = run([exe, "release", "T001", "--project=demo"], repo)
    assert code == 0 and "released" in out, err
    code, out, _err = run([exe, "done", "--help"], repo)
    assert code == 0 and "Usage: sdd done" in out
    code, _out, err = run([exe, "block", "demo"], repo)
    assert code == 2 and "Missing option '--reason'" in err


def test_done_json_next_is_the_next_commands_answer(repo: Path) -> None:
    """`done --json` gives the project's next step as `sdd next PROJECT --json` then does
    (it is worked out from the project the done read back, not read a second time)."""
    import json

    def data(*args: str) -> object:
        done = subprocess.run([sdd_executable(), *args], cwd=repo, capture_output=True,
                              text=True, timeout=120, check=True)
        return json.loads(done.stdout)

    done = data("done", "T001", "--project", "demo", "--json")
    assert isinstance(done, dict) and done["changed"]
    assert done["next"] == data("next", "demo", "--json")


#: (commands run and committed first, a command whose real run changes nothing)
NO_OPS: list[tuple[list[list[str]], list[str]]] = [
    ([["done", "T001", "-p", "demo"]], ["done", "T001", "-p", "demo"]),
    ([["done", "T001", "-p", "demo"]], ["done", "T001", "-p", "demo", "--json"]),
    ([["done", "T001", "-p", "demo"]], ["done", "T001", "-p", "demo", "--commit"]),
    ([], ["undo", "T001", "-p", "demo"]),
    ([["start", "T001", "-p", "demo", "--as", "agent-a"]],
     ["start", "T001", "-p", "demo", "--as", "agent-a"]),
    ([], ["release", "T001", "-p", "demo"]),
    ([], ["block", "T003", "-p", "demo", "--reason", "waiting for the vendor"]),
    ([["block", "demo", "--reason", "on hold"]], ["block", "demo", "--reason", "on hold"]),
    ([], ["unblock", "T001", "-p", "demo"]),
    ([], ["unblock", "demo"]),
    ([], ["approve", "demo", "--by", "Grace"]),
    ([], ["ready", "demo"]),
    ([], ["new", "demo", "--title", "Again"]),
    ([], ["init"]),
    ([], ["inventory"]),
    ([], ["adopt"]),
    ([["agents", "install", "--agent", "cursor"]], ["agents", "install", "--agent", "cursor"]),
    ([], ["agents", "remove", "--agent", "cursor"]),
]


@pytest.mark.parametrize(("setup", "args"), NO_OPS, ids=[" ".join(a) for _s, a in NO_OPS])
def test_a_dry_run_that_would_change_nothing_says_what_the_real_run_says(
        repo: Path, setup: list[list[str]], args: list[str]) -> None:
    """``--dry-run`` of a write that has nothing to do (a task already done, a claim already
    held, a block already recorded...) answers as the real run does (same exit code, stdout
    and stderr, never silence) and writes nothing; so does the real run."""
    exe = sdd_executable()
    for step in setup:
        assert run([exe, *step], repo)[0] == 0, step
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "setup")
    before = files(repo)
    code, out, err = run([exe, *args, "--dry-run"], repo)
    assert files(repo) == before and not git(repo, "status", "--porcelain")
    assert out or err, "a dry run said nothing"
    assert (code, out, err) == run([exe, *args], repo)
    assert files(repo) == before and not git(repo, "status", "--porcelain")
