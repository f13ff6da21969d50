"""``sdd done`` in a long task list (issue 15).

The repository lock is held only around the read-compare-replace: the list is parsed, the
edit made and the inventory rendered before the lock is taken, so a second writer waits
for the replace, not for a parse. Two ``done`` runs at once on one long list both land.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import Invoke, git, sdd_executable, walk_to

from sddkit.cli.group import cli
from sddkit.errors import LockTimeout
from sddkit.io.repo_lock import repo_lock

TASKS = 4_000


def long_list(count: int) -> str:
    """``count`` tasks in batches of 100 under headings, each with a prose check."""
    lines: list[str] = []
    for number in range(1, count + 1):
        if number % 100 == 1:
            lines += ["", f"## Batch {number // 100 + 1}", ""]
        lines.append(f"- [ ] T{number:05d} Import record family {number}")
        lines.append(f"  - verify: the family {number} rows match the source")
    return "\n".join(lines).lstrip("\n") + "\n"


@pytest.fixture
def long_project(initialised: Path, sdd: Invoke) -> Path:
    """``bulk``, implementing a :data:`TASKS`-task list, committed."""
    walk_to(initialised, sdd, "bulk", tasks=long_list(TASKS))
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "a long list")
    return initialised


def tasks_file(root: Path) -> Path:
    return root / "AGENTS.ctx/sdd/assets/bulk/tasks.md"


def lock_held(root: Path) -> bool:
    """Whether some holder (this process included) has the repository lock now."""
    try:
        with repo_lock(root, timeout=0):
            return False
    except LockTimeout:
        return True


def test_done_parses_and_renders_outside_the_lock(long_project: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Every parse of the list and every rendering of the inventory in a ``done`` runs
    without the lock; the replace runs with it (which shows the probe sees the lock)."""
    import sddkit.io.fileio as fileio
    import sddkit.projects.inventory as inventory
    import sddkit.tasks.parse as parse

    path = tasks_file(long_project)  # a box ticked by hand: a text no cache has seen
    path.write_text(path.read_text().replace("- [ ] T00001 ", "- [x] T00001 ", 1))
    seen: dict[str, list[bool]] = {"parse": [], "inventory": [], "replace": []}

    def watched(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            seen[name].append(lock_held(long_project))
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(parse, "parse_tasks", watched("parse", parse.parse_tasks))
    monkeypatch.setattr(inventory, "refresh_inventory",
                        watched("inventory", inventory.refresh_inventory))
    monkeypatch.setattr(fileio.Transaction, "commit",
                        watched("replace", fileio.Transaction.commit))
    result = CliRunner().invoke(cli, ["--root", str(long_project), "done", "T02500",
                                      "--project", "bulk"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert seen["parse"] and seen["inventory"] and seen["replace"], seen
    assert not any(seen["parse"]), seen
    assert not any(seen["inventory"]), seen
    assert all(seen["replace"]), seen
    assert "- [x] T02500 Import record family 2500 <!-- done " in tasks_file(
        long_project).read_text()


def test_two_done_at_once_in_one_long_list_both_land(long_project: Path) -> None:
    """Two processes tick two tasks of the same long list at once: both succeed (the one
    that replaces second sees the first's change, and works again from it), both boxes
    are ticked, no other line changes, and the inventory counts both."""
    before = tasks_file(long_project).read_text().split("\n")
    exe = sdd_executable()
    env = {**os.environ, "SDDKIT_LOCK_TIMEOUT": "60"}
    picks = ["T00007", "T03999"]
    procs = [subprocess.Popen([exe, "--root", str(long_project), "done", key, "--project",
                               "bulk"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, text=True)
             for key in picks]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    after = tasks_file(long_project).read_text().split("\n")
    assert len(after) == len(before)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == 2, changed
    for key, (old, new) in zip(picks, changed, strict=True):
        assert key in old and new.startswith(old.replace("- [ ]", "- [x]", 1) + " <!-- done ")
    check = CliRunner().invoke(cli, ["--root", str(long_project), "inventory", "--check"])
    assert check.exit_code == 0, check.stderr
    assert f"2/{TASKS} tasks" in (long_project / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
