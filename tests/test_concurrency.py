"""Concurrency (issue 9): 16 ``sdd done`` and 4 ``sdd approve`` at once, twenty times over.

The repository lock serialises every read-modify-write, so each change lands, none is
lost to a race, and the inventory written last describes the files as they end up.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import fill, git, isolate, sdd_executable, walk_to

from sddkit.cli.group import cli
from sddkit.io import frontmatter, markers
from sddkit.projects.project import load_projects
from sddkit.workspace import Workspace

TASKS = 16
REVIEWS = {"p1": "constitution", "p2": "spec", "p3": "plan", "p4": "tasks"}
ROUNDS = 20
TASK_LIST = "## Phase 1: independent steps\n\n" + "".join(
    f"- [ ] T{n:03d} Step {n}\n  - verify: true\n" for n in range(1, TASKS + 1))
SMALL_TASKS = "## Phase 1\n\n- [ ] T001 Only step\n"


def _build(root: Path) -> None:
    """Project ``work`` implementing 16 independent tasks; p1..p4 each with a document in review."""
    runner = CliRunner()

    def invoke(repo: Path, *args: str, input: str | None = None) -> Any:
        result = runner.invoke(cli, ["--root", str(repo), *args], catch_exceptions=False)
        assert result.exit_code == 0, (args, result.stderr)
        return result

    git(root, "init", "-q")
    invoke(root, "init")
    walk_to(root, invoke, "work", tasks=TASK_LIST)
    for project, phase in REVIEWS.items():
        invoke(root, "new", project)
        if phase != "constitution":
            earlier = {"spec": "constitution", "plan": "spec", "tasks": "plan"}[phase]
            walk_to(root, invoke, project, upto=earlier)
        doc = root / "AGENTS.ctx/sdd/assets" / project / f"{phase}.md"
        fill(doc, SMALL_TASKS if phase == "tasks" else None)
        invoke(root, "ready", project)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "ready for the crowd")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("crowd") / "template"
    root.mkdir()
    home = tmp_path_factory.mktemp("crowd-home")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, home)
        _build(root)
    yield root


def every_file_parses(root: Path) -> None:
    """Every Markdown file under AGENTS.ctx: UTF-8, front matter parses, blocks balanced."""
    for path in sorted((root / "AGENTS.ctx").rglob("*.md")):
        text = path.read_bytes().decode("utf-8")
        assert frontmatter.parse(text, path) is not None, path
        markers.scan(text, path)
    assert not list(root.rglob("*.sddkit-tmp"))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_sixteen_done_and_four_approvals_at_once(template: Path, tmp_path: Path,
                                                  round_: int) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(template, repo, symlinks=True)
    exe = sdd_executable()
    env = {**os.environ, "SDDKIT_LOCK_TIMEOUT": "120"}
    commands = [[exe, "--root", str(repo), "done", f"T{n:03d}", "--project", "work"]
                for n in range(1, TASKS + 1)]
    commands += [[exe, "--root", str(repo), "approve", project, "--by", "Grace"]
                 for project in REVIEWS]
    order = list(range(len(commands)))
    # interleave differently each round, so no process always starts first
    order = order[round_ % len(order):] + order[: round_ % len(order)]
    procs = {i: subprocess.Popen(commands[i], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=env, text=True) for i in order}
    for i, proc in procs.items():
        _out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, (commands[i][3:], err)
        assert "Traceback" not in err

    tasks = (repo / "AGENTS.ctx/sdd/assets/work/tasks.md").read_text()
    for n in range(1, TASKS + 1):
        assert f"- [x] T{n:03d} Step {n} <!-- done " in tasks, n
    template_tasks = (template / "AGENTS.ctx/sdd/assets/work/tasks.md").read_text()
    assert len(tasks.splitlines()) == len(template_tasks.splitlines())

    ws = Workspace(repo)
    projects = {p.name: p for p in load_projects(ws)}
    for project, phase in REVIEWS.items():
        doc = projects[project].docs[phase]
        assert doc.status == "approved" and doc.meta["approved_by"] == "Grace", project
        assert not doc.changed
    assert projects["work"].state == "completed"
    every_file_parses(repo)
    check = CliRunner().invoke(cli, ["--root", str(repo), "inventory", "--check"])
    assert check.exit_code == 0, check.stderr
    inventory = (repo / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert f"| work | tasks | completed | {TASKS}/{TASKS} tasks |" in inventory
