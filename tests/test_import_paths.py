"""The commands agents run all day import only what they use (issue 15).

Each case runs the real entry point in a child process and reads ``sys.modules`` when the
command has finished: a module a hot path stopped importing (the writer's transaction and
lock for the reads, the whole ``sdd check`` runner and the command runner for ``sdd done``)
must not come back through a new top-level import. No timing is asserted here;
``bench/importtime.py`` prints the figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke, fill, git, walk_to

#: Runs ``sdd ARGS`` as the console script does, then writes the loaded modules to OUT.
CODE = ("import sys\nfrom sddkit.cli.entry import main\nout, args = sys.argv[1], sys.argv[2:]\n"
        "try:\n    main(args)\nexcept SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
        "with open(out, 'w') as f:\n    f.write('\\n'.join(sorted(sys.modules)))\n"
        "sys.exit(code)\n")
#: Never on any of these paths: libraries for other commands (issue 8).
LIBRARIES = {"git", "jinja2", "mcp"}
#: The writer (transaction, staging, lock) and the libraries only writes and checks load.
WRITER = {"filelock", "sddkit.io.fileio", "sddkit.io.commit", "sddkit.io.repo_lock"}
#: `sdd check`'s runner (every rule family), and the command runner of runnable checks.
CHECKS = {"sddkit.checks", "sddkit.checks.references", "sddkit.io.command_runner"}
#: The done edit, the claims module and the task verification: `sdd next` reads only.
TASK_WRITES = {"sddkit.tasks.edit", "sddkit.tasks.claims", "sddkit.tasks.verification",
               "sddkit.tasks.mark_done"}


def loaded(root: Path, tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.txt"
    done = subprocess.run([sys.executable, "-c", CODE, str(out), *args], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (args, done.stderr)
    return set(out.read_text().split("\n"))


@pytest.fixture
def working(initialised: Path, sdd: Invoke) -> Path:
    """An implementing project with three tasks (no runnable checks, no contexts named), a
    drafting one, and a spec awaiting approval; committed."""
    walk_to(initialised, sdd, "demo",
            tasks="- [ ] T001 One\n  - verify: it works\n- [ ] T002 Two\n- [ ] T003 Three\n")
    assert sdd(initialised, "new", "draft-one").exit_code == 0
    walk_to(initialised, sdd, "review", upto="constitution")
    fill(initialised / "AGENTS.ctx/sdd/assets/review/spec.md")
    assert sdd(initialised, "ready", "review").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "work")
    return initialised


@pytest.mark.parametrize("args", [("next",), ("next", "--json"), ("next", "demo")])
def test_next_loads_neither_click_nor_the_writer(working: Path, tmp_path: Path,
                                                 args: tuple[str, ...]) -> None:
    for run in ("first", "second"):  # the first fills the caches, the second reads them
        modules = loaded(working, tmp_path, *args)
        unwanted = (LIBRARIES | WRITER | CHECKS | TASK_WRITES
                    | {"click", "sddkit.cli.group", "sddkit.repository.contexts"}) & modules
        assert not unwanted, (run, args, sorted(unwanted))
    if "demo" not in args:  # `next PROJECT` reads that project's documents afresh
        # warm: the rows come from the cache, so the task parser is not loaded
        assert "sddkit.tasks.parse" not in modules, args


def test_status_loads_no_writer(working: Path, tmp_path: Path) -> None:
    for args in (("status",), ("status", "--json"), ("status", "demo")):
        unwanted = (LIBRARIES | WRITER | CHECKS | TASK_WRITES) & loaded(working, tmp_path, *args)
        assert not unwanted, (args, sorted(unwanted))


def test_done_loads_no_check_runner(working: Path, tmp_path: Path) -> None:
    """A task without runnable checks, not the last one: no `sdd check` rules, no subprocess
    runner. The last task does load the references rule (the warning it prints)."""
    modules = loaded(working, tmp_path, "done", "T001", "--project", "demo")
    assert "sddkit.tasks.mark_done" in modules  # the case ran the write
    assert not (LIBRARIES | CHECKS) & modules, sorted((LIBRARIES | CHECKS) & modules)
    loaded(working, tmp_path, "done", "T002", "--project", "demo")
    last = loaded(working, tmp_path, "done", "T003", "--project", "demo")
    assert "sddkit.checks.references" in last


def test_approve_loads_no_check_runner(working: Path, tmp_path: Path) -> None:
    modules = loaded(working, tmp_path, "approve", "review", "--by", "Grace")
    assert "sddkit.projects.transitions" in modules  # the case ran the write
    assert not ({"git", "mcp"} | CHECKS | TASK_WRITES) & modules, sorted(
        ({"git", "mcp"} | CHECKS | TASK_WRITES) & modules)


#: What a plain write never loads (issue 15): click and its command tree (the click-free
#: path of `sddkit.cli.fast_writes`), the filelock package (POSIX locks with fcntl), jinja2
#: (the scaffolds `new` and `approve` render are plain templates), markdown-it (the task
#: lists and managed blocks here are read by the line scanners).
NOT_ON_WRITES = {"click", "sddkit.cli.group", "sddkit.cli.commands", "jinja2", "markdown_it",
                 "git", "mcp"} | ({"filelock"} if sys.platform != "win32" else set())


@pytest.mark.parametrize("args", [
    ("done", "T001", "--project", "demo"),
    ("done", "T001", "-p", "demo", "--json"),
    ("start", "T002", "--project", "demo"),
    ("block", "demo", "--reason", "waiting for the vendor"),
    ("approve", "review", "--by", "Grace"),
    ("new", "fresh-one"),
    ("ready", "draft-one"),
])
def test_plain_writes_load_neither_click_nor_jinja2(working: Path, tmp_path: Path,
                                                     args: tuple[str, ...]) -> None:
    if args[0] == "ready":
        fill(working / "AGENTS.ctx/sdd/assets/draft-one/constitution.md")
    modules = loaded(working, tmp_path, *args)
    assert "sddkit.io.repo_lock" in modules  # the case ran the write
    assert not NOT_ON_WRITES & modules, sorted(NOT_ON_WRITES & modules)


def test_an_option_left_to_click_takes_the_click_command(working: Path,
                                                          tmp_path: Path) -> None:
    """An option the fast path leaves to click (`--strict`) takes the click command."""
    modules = loaded(working, tmp_path, "--strict", "done", "T001", "--project", "demo")
    assert {"click", "sddkit.cli.group", "sddkit.io.repo_lock"} <= modules


#: What an `sdd next` answered from its memo imports of its own, after the console script's
#: `re`: none of these (issue 15: together a fifth of a warm `next` at 10,000 projects).
#: `subprocess` gives way to `sddkit.io.spawn`, `getpass` to the variables it reads.
NOT_ON_A_KEPT_NEXT = {"typing", "dataclasses", "inspect", "subprocess", "hashlib", "getpass",
                      "contextlib", "sddkit.operations", "sddkit.projects"}
#: As CODE, writing only the modules the command itself loaded.
CODE_OWN = CODE.replace("import sys\n", "import sys, re\nbefore = set(sys.modules)\n", 1) \
    .replace("sorted(sys.modules)", "sorted(set(sys.modules) - before)")


@pytest.mark.parametrize("args", [("next",), ("next", "--json")])
def test_a_kept_next_loads_only_what_checks_that_nothing_changed(
        working: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    from test_next_memo import age_tree

    age_tree(working)  # older than two seconds: the answer is kept
    out = tmp_path / "modules.txt"
    for run in ("first", "kept"):
        done = subprocess.run([sys.executable, "-c", CODE_OWN, str(out), *args], cwd=working,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (run, done.stderr)
    modules = set(out.read_text().split("\n"))
    assert "sddkit.io.next_memo" in modules and "sddkit.io.spawn" in modules
    assert not NOT_ON_A_KEPT_NEXT & modules, sorted(NOT_ON_A_KEPT_NEXT & modules)
