"""Shared fixtures: an isolated environment, real git repositories, and the CLI."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sddkit.agents.shell_detection import variable_names
from sddkit.cli.group import cli

AGENT_VARIABLES = variable_names()

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Tester",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Tester",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
}


def isolate(mp: pytest.MonkeyPatch, home: Path) -> None:
    """Point HOME and git's config at ``home``, with a pinned identity (for module fixtures
    too, which cannot use the function-scoped autouse fixture)."""
    mp.setenv("HOME", str(home))
    mp.delenv("XDG_CACHE_HOME", raising=False)  # the user cache under this HOME, not theirs
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
    mp.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for key, value in GIT_IDENTITY.items():
        mp.setenv(key, value)
    for key in AGENT_VARIABLES & set(os.environ):  # a coding agent's shell: not a person's
        mp.delenv(key)
    (home / ".gitconfig").write_text("[user]\n\tname = Ada Tester\n\temail = ada@example.com\n"
                                     "[init]\n\tdefaultBranch = main\n")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test sees the developer's HOME, git config, sddkit variables or the variables a
    coding agent sets in its shells (the suite passes inside Claude Code, Codex...).

    A patcher of its own, not the test's ``monkeypatch``: a test that calls
    ``monkeypatch.undo()`` to drop its own patches keeps the isolation (it used to run
    the rest with the developer's HOME, user cache and git identity)."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, home)
        mp.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        for key in list(os.environ):
            if key.startswith("SDDKIT_"):
                mp.delenv(key)
        mp.setenv("SDDKIT_DEBUG", "1")  # a bug shows its traceback in the tests
        yield


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return out.stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty git repository with one commit."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README.md").write_text("# demo\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


Invoke = Callable[..., Result]


@pytest.fixture
def sdd() -> Invoke:
    """Run the CLI in-process against a root: ``sdd(root, "next", "--json")``."""
    runner = CliRunner()

    def invoke(root: Path, *args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--root", str(root), *args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def initialised(git_repo: Path, sdd: Invoke) -> Path:
    """A git repository after ``sdd init``, committed."""
    result = sdd(git_repo, "init", "--root", str(git_repo))
    assert result.exit_code == 0, result.stderr
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "sdd init")
    return git_repo


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (outside .git) with its sha256: to prove nothing changed."""
    out = {}
    for path in sorted(root.rglob("*")):
        if ".git" in path.relative_to(root).parts:
            continue
        if path.is_symlink():
            out[path.relative_to(root).as_posix()] = "link:" + os.readlink(path)
        elif path.is_file():
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            out[path.relative_to(root).as_posix() + "/"] = "dir"
    return out


def sdd_executable() -> str:
    """The installed ``sdd`` next to this interpreter (for end-to-end subprocess runs)."""
    candidate = Path(sys.executable).parent / "sdd"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("sdd")
    assert found, "the sdd console script is not installed"
    return found


@pytest.fixture
def run_sdd() -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    exe = sdd_executable()

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            check: bool = False) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([exe, *args], cwd=cwd, env=full_env, capture_output=True,
                              text=True, check=check, timeout=120)

    yield run


FILL = re.compile(r"<!-- fill:.*?-->", re.DOTALL)


def fill(path: Path, tasks: str | None = None) -> None:
    """Complete a scaffolded phase document the way an author would."""
    text = path.read_text()
    if tasks is not None:
        head, _sep, _rest = text.partition("## Phase 1")
        text = head + tasks
    text = text.replace("- [ ] <!-- fill: a question", "- [x] Settled: <!-- fill: a question")
    text = FILL.sub("Filled in.", text)
    path.write_text(text)


def walk_to(root: Path, invoke: Invoke, project: str, upto: str = "tasks",
            tasks: str | None = None) -> None:
    """Create ``project`` and approve every phase up to and including ``upto``."""
    assets = root / "AGENTS.ctx" / "sdd" / "assets" / project
    if not assets.exists():
        result = invoke(root, "new", project)
        assert result.exit_code == 0, result.stderr
    for phase in ("constitution", "spec", "plan", "tasks"):
        doc = assets / f"{phase}.md"
        if "status: approved" in doc.read_text():
            continue
        fill(doc, tasks if phase == "tasks" else None)
        for step in ("ready", "approve"):
            result = invoke(root, step, project, *(["--by", "Grace"] if step == "approve" else []))
            assert result.exit_code == 0, (phase, step, result.stderr)
        if phase == upto:
            return


@pytest.fixture
def spec_in_review(initialised: Path, sdd: Invoke) -> Path:
    """``demo`` with its constitution approved and its spec in review, all committed."""
    walk_to(initialised, sdd, "demo", upto="constitution")
    fill(initialised / "AGENTS.ctx/sdd/assets/demo/spec.md")
    result = sdd(initialised, "ready", "demo")
    assert result.exit_code == 0, result.stderr
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "spec ready")
    return initialised
