"""Fault isolation (issue 14): one broken project or context never stops work on the others.

Each case breaks the project ``broken`` (or the context ``notes``) in its own way, then runs
every listing command and a write to the healthy project ``good`` through the installed
``sdd``: they answer for ``good``, name the broken file on stderr, exit 0 (1 under
``--strict``), and the inventory shows ``broken`` as an ``error`` row.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import git, sdd_executable, walk_to

ASSETS = Path("AGENTS.ctx/sdd/assets")
TASKS = "## Phase 1: core\n\n- [ ] T001 Build it\n  - verify: true\n- [ ] T002 Ship it\n"


def unprivileged() -> list[str]:
    """A command prefix that makes permission bits apply: nothing for a normal user; for
    root, ``setpriv`` dropping the capabilities that let root read and write anything."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permission bits cannot be made to apply")
    probe = subprocess.run([setpriv, "--bounding-set=-dac_override,-dac_read_search", "true"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop capabilities here: {probe.stderr!r}")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def run(repo: Path, *args: str, prefix: list[str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SDDKIT_DEBUG"}
    return subprocess.run([*(prefix or []), sdd_executable(), *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def repo(initialised: Path, sdd: Callable[..., object]) -> Path:
    walk_to(initialised, sdd, "good", tasks=TASKS)
    walk_to(initialised, sdd, "broken", tasks=TASKS)
    assert sdd(initialised, "ctx", "new", "notes", "--description", "Notes").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "two projects")
    return initialised


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def typo(repo: Path) -> tuple[str, int | None]:
    path = repo / ASSETS / "broken/constitution.md"
    _edit(path, "status: approved", "status: [draft")
    return "AGENTS.ctx/sdd/assets/broken/constitution.md", 5


def phase_is_a_folder(repo: Path) -> tuple[str, int | None]:
    path = repo / ASSETS / "broken/plan.md"
    path.unlink()
    path.mkdir()
    return "AGENTS.ctx/sdd/assets/broken/plan.md", None


def empty_tasks(repo: Path) -> tuple[str, int | None]:
    (repo / ASSETS / "broken/tasks.md").write_text("")
    return "AGENTS.ctx/sdd/assets/broken/tasks.md", 1


def nested_too_deep(repo: Path) -> tuple[str, int | None]:
    path = repo / ASSETS / "broken/tasks.md"
    text = path.read_text()
    deep = "".join("  " * depth + "- x\n" for depth in range(120))
    path.write_text(text + "\n" + deep)
    return "AGENTS.ctx/sdd/assets/broken/tasks.md", None


def stray_folder(repo: Path) -> tuple[str, int | None]:
    (repo / ASSETS / "archive").mkdir()
    (repo / ASSETS / "archive" / "old-notes.md").write_text("notes\n")
    (repo / ASSETS / ".obsidian").mkdir()  # hidden: a tool's folder, not reported
    (repo / ASSETS / ".obsidian" / "app.json").write_text("{}\n")
    return "AGENTS.ctx/sdd/assets/archive", None


CASES = [typo, phase_is_a_folder, empty_tasks, nested_too_deep, stray_folder]


def _check_listings(repo: Path, where: str, name: str) -> None:
    for args in (["next"], ["status"], ["open"], ["open", "sdd"]):
        result = run(repo, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "good" in result.stdout, (args, result.stdout)
        warnings = result.stderr.splitlines()
        assert len(warnings) == 1 and warnings[0].startswith(f"sdd: warning: {where}"), \
            (args, result.stderr)
        assert f"project {name} skipped" in warnings[0]
        strict = run(repo, "--strict", *args)
        assert strict.returncode == 1, (args, strict.stderr)
    for args in (["next", "--json"], ["status", "--json"]):
        data = json.loads(run(repo, *args).stdout)
        assert [b["name"] for b in data["broken"]] == [name], (args, data)
        assert data["broken"][0]["file"] == where.split(":")[0]
    opened = json.loads(run(repo, "open", "sdd", "--json").stdout)
    assert [b["name"] for b in opened["sdd"]["broken"]] == [name]


@pytest.mark.parametrize("breakage", CASES, ids=[c.__name__ for c in CASES])
def test_one_broken_project_never_stops_the_others(repo: Path, breakage: Callable[[Path], tuple[
        str, int | None]]) -> None:
    file, line = breakage(repo)
    where = f"{file}:{line}" if line else file
    name = file.split("/")[3]
    _check_listings(repo, where, name)
    done = run(repo, "done", "T001", "--project", "good")
    assert done.returncode == 0, done.stderr
    assert "[x] T001" in (repo / ASSETS / "good/tasks.md").read_text()
    # a write reads only its own project (issue 15): the broken one is not looked at, and
    # the inventory's other rows are left as they were until it is regenerated whole
    assert done.stderr == ""
    assert run(repo, "inventory").returncode == 0
    assert f"| {name} | - | error |" in (repo / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    if name == "broken":  # without --project: the search across projects skips it too
        found = run(repo, "done", "T002")
        assert found.returncode == 0, found.stderr
        assert "[x] T002" in (repo / ASSETS / "good/tasks.md").read_text()
    created = run(repo, "new", "other")
    assert created.returncode == 0, created.stderr
    inventory = run(repo, "inventory")
    assert inventory.returncode == 0, inventory.stderr
    table = (repo / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    row = next(line for line in table.splitlines() if line.startswith(f"| {name} |"))
    assert "| error |" in row and file in row, row
    assert "| good |" in table and "| other |" in table
    assert run(repo, "inventory", "--check").returncode == 0
    # a hand edit of the inventory is still reported while the project is broken
    _edit(repo / "AGENTS.ctx/sdd/CONTEXT.md", "| good |", "| good-by-hand |")
    check = run(repo, "check")
    assert "SDD-006" in check.stdout, check.stdout
    # the broken file itself was never touched
    assert "skipped" not in check.stderr


def test_broken_context_never_stops_the_others(repo: Path) -> None:
    path = repo / "AGENTS.ctx/notes/CONTEXT.md"
    _edit(path, "description:", "description: [unclosed\nx:")
    before = path.read_bytes()
    for args in (["open"], ["ctx", "list"], ["new", "other"], ["done", "T001", "-p", "good"],
                 ["inventory"]):
        result = run(repo, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr.startswith("sdd: warning: AGENTS.ctx/notes/CONTEXT.md"), result.stderr
        assert "context notes skipped" in result.stderr
    assert "[notes](notes/CONTEXT.md) | (unreadable" in (repo / "AGENTS.ctx/CONTEXT.md").read_text()
    assert run(repo, "open", "notes").returncode == 1  # asked for by name: its own error
    assert path.read_bytes() == before


def test_broken_root_context_still_briefs(repo: Path) -> None:
    """A broken front matter in AGENTS.ctx/CONTEXT.md costs its rules, not the session: the
    briefing (and the hook's) still lists the contexts, the projects and the next step,
    and names the file and line at fault."""
    path = repo / "AGENTS.ctx/CONTEXT.md"
    _edit(path, "description:", "description: [unclosed\nx:")
    before = path.read_bytes()
    for args in (["open"], ["open", "--brief"], ["open", "sdd"]):
        result = run(repo, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr.startswith("sdd: warning: AGENTS.ctx/CONTEXT.md:4: "), result.stderr
        assert "Next: T001 Build it" in result.stdout, (args, result.stdout)
        assert "- notes: Notes" in result.stdout
        assert "AGENTS.ctx/CONTEXT.md:4 cannot be read" in result.stdout
    data = json.loads(run(repo, "open", "--json").stdout)
    assert data["rules"]["path"] == "AGENTS.ctx/CONTEXT.md"
    assert data["rules"]["text"].startswith("(AGENTS.ctx/CONTEXT.md:4 cannot be read: ")
    assert [c["name"] for c in data["contexts"]] == ["notes", "sdd"]
    assert run(repo, "--strict", "open").returncode == 1
    assert path.read_bytes() == before


def test_folder_holding_only_a_temporary_file(repo: Path) -> None:
    """A killed `sdd new` leaves a folder with its temporary file: not a project, and
    `sdd new` of that name succeeds (cleaning the leftover)."""
    folder = repo / ASSETS / "half"
    folder.mkdir()
    (folder / ".constitution.md.abc123.sddkit-tmp").write_text("---\nproject: half\n")
    for args in (["next"], ["status"], ["inventory", "--check"]):
        result = run(repo, *args)
        assert result.returncode == 0 and result.stderr == "", (args, result.stderr)
    created = run(repo, "new", "half")
    assert created.returncode == 0, created.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["constitution.md"]


@pytest.mark.parametrize("what", ["file", "folder"])
def test_unreadable_project_is_reported(repo: Path, what: str) -> None:
    prefix = unprivileged()
    target = repo / ASSETS / "broken" / ("spec.md" if what == "file" else "")
    target.chmod(0)
    try:
        done = run(repo, "done", "T001", "-p", "good", prefix=prefix)  # reads good alone
        assert done.returncode == 0 and done.stderr == "", done.stderr
        for args in (["next"], ["status"], ["inventory"], ["done", "T002", "-p", "good"]):
            result = run(repo, *args, prefix=prefix)
            assert result.returncode == 0, (args, result.stderr)
            assert result.stderr.startswith("sdd: warning: AGENTS.ctx/sdd/assets/broken"), \
                result.stderr
            assert "permission denied" in result.stderr.lower()
        table = (repo / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
        assert "| broken | - | error |" in table
    finally:
        target.chmod(0o755 if what == "folder" else 0o644)
