"""The bad-input corpus (issue 9): every case through every command that reads it.

Each folder of ``tests/fixtures/bad/`` is one case: a ``case.yaml`` manifest and, when the
case needs one, the input file. The manifest says what the case does to a standard
repository (``target``: the file it replaces or adds; ``input``, ``edit`` or ``make``: how),
the expected exit code, and the file (and line) the error must name. See
``tests/fixtures/bad/README.md`` for the keys.

The commands run through the installed ``sdd`` in a subprocess, without ``SDDKIT_DEBUG``:
what a user sees. A refused case must give exit 1, exactly one line on stderr naming the
file and line, no traceback, and leave the whole tree byte-identical (``sdd check`` gives
its findings on stdout instead). A valid-but-odd case (CRLF, BOM, no final newline) must
give exit 0 everywhere and keep its oddity through every write.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import fill, git, isolate, sdd_executable, tree_digest, walk_to

from sddkit.cli.group import cli
from sddkit.projects.phases import gate_hash

CORPUS = Path(__file__).parent / "fixtures" / "bad"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
#: Cases run through the installed ``sdd``; a NUL in a name cannot pass through argv, so
#: those cases (``in_process``) run in test_nul_in_names instead.
SUBPROCESS_CASES = [name for name in CASES
                    if "in_process" not in (CORPUS / name / "case.yaml").read_text(encoding="utf-8")]

SDD_CTX = "AGENTS.ctx/sdd/CONTEXT.md"
ROOT_CTX = "AGENTS.ctx/CONTEXT.md"
BACKEND_CTX = "AGENTS.ctx/backend/CONTEXT.md"
ASSETS = "AGENTS.ctx/sdd/assets/"
CONTRACTS = "AGENTS.ctx/contracts/"

TASKS = """## Phase 1: core

- [ ] T001 Create the module
  - verify: true
- [ ] T002 Add the parser
  - depends: T001
- [ ] T003 Wire it
"""

CONTRACT = """\
service: billing
runtime: {port: 8080, health: /healthz, readiness: /readyz}
provides:
  operations:
    - name: charge
      latency: {p50: 20ms, p95: 80ms, p99: 200ms}
"""

#: Commands that rewrite files: they succeed on the standard repository, so a refusal in
#: a case is the bad input's doing. Each also regenerates the inventory and the contexts
#: table, so it reads every project and every context.
WRITERS = ["done T001 --project alpha", "ready beta", "approve gamma", "reopen alpha tasks --reason r"]
#: Commands that write nothing (the others may: in a valid-but-odd case they run on copies).
READ_ONLY = {"status", "next", "open", "check", "ctx list", "ctx show", "agents list",
             "contracts check", "contracts graph", "inventory --check"}


def read_only(command: str) -> bool:
    words = command.split()
    return words[0] in READ_ONLY or " ".join(words[:2]) in READ_ONLY


def readers(target: str) -> list[str]:
    """Every command that reads ``target`` in the standard repository."""
    if target.startswith(CONTRACTS):
        return ["contracts check", "contracts graph", "check"]
    if target == "AGENTS.md":
        return ["init", "agents install", "agents list", "agents remove --agent agents"]
    common = ["open", "check", "inventory --check", "inventory"]
    if target.startswith(ASSETS.rstrip("/")):
        own = []
        parts = target[len(ASSETS):].split("/") if target.startswith(ASSETS) else [""]
        if parts[0] in ("alpha", "beta", "gamma"):
            own = [f"status {parts[0]}", f"next {parts[0]}"]
        return ["status", "next", "open sdd", *own, *common, *WRITERS]
    if target == SDD_CTX:
        return ["open sdd", "ctx list", "ctx show sdd", "ctx new front", "init", *common,
                "done T001 --project alpha", "approve gamma"]
    if target == ROOT_CTX:
        return ["open sdd", "open backend", "ctx new front", "init", *common,
                "done T001 --project alpha"]
    if target == BACKEND_CTX:
        return ["open backend", "ctx list", "ctx show backend", "ctx new front", *common,
                "done T001 --project alpha"]
    raise AssertionError(f"no readers known for {target}")


@dataclass
class Case:
    name: str
    data: dict[str, Any]

    @property
    def folder(self) -> Path:
        return CORPUS / self.name

    @property
    def target(self) -> str | None:
        return self.data.get("target")

    @property
    def exit(self) -> int:
        return int(self.data["exit"])

    def commands(self) -> list[str]:
        if "argv" in self.data:
            return list(self.data["argv"])
        if "commands" in self.data:
            return list(self.data["commands"])
        assert self.target is not None
        return readers(self.target)

    def messages(self) -> list[str]:
        wanted = self.data.get("message")
        if wanted is None:
            return []
        return [wanted] if isinstance(wanted, str) else list(wanted)


def load_case(name: str) -> Case:
    return Case(name, yaml.safe_load((CORPUS / name / "case.yaml").read_text(encoding="utf-8")))


# --- the standard repository -----------------------------------------------------------------


def build_standard(root: Path) -> None:
    """init, a context, a contract, alpha implementing, beta drafting, gamma in review."""
    runner = CliRunner()

    def invoke(repo: Path, *args: str, input: str | None = None) -> Any:
        result = runner.invoke(cli, ["--root", str(repo), *args], input=input,
                               catch_exceptions=False)
        assert result.exit_code == 0, (args, result.stderr)
        return result

    git(root, "init", "-q")
    (root / "AGENTS.md").write_text("# demo\n\nHand-written notes for agents.\n")
    invoke(root, "init", "--root", str(root))
    invoke(root, "ctx", "new", "backend", "--description", "The backend")
    invoke(root, "contracts", "new", "billing")
    (root / CONTRACTS / "billing.yaml").write_text(CONTRACT)
    walk_to(root, invoke, "alpha", tasks=TASKS)
    invoke(root, "new", "beta")
    fill(root / ASSETS / "beta/constitution.md")
    invoke(root, "new", "gamma")
    fill(root / ASSETS / "gamma/constitution.md")
    invoke(root, "ready", "gamma")
    invoke(root, "inventory")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "standard repository")


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("standard") / "repo"
    root.mkdir()
    home = tmp_path_factory.mktemp("standard-home")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, home)
        build_standard(root)
    yield root


def user_env() -> dict[str, str]:
    """The environment a user has: no SDDKIT_DEBUG, so internal errors show as users see them."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}


def run(repo: Path, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sdd_executable(), *shlex.split(command)], cwd=repo, env=user_env(),
                          capture_output=True, text=True, timeout=120)


def run_all(repo: Path, commands: list[str]) -> list[tuple[str, subprocess.CompletedProcess[str]]]:
    """Every command against ``repo``, a few at a time (none of them may write)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(zip(commands, pool.map(lambda c: run(repo, c), commands)))


# --- applying a case ----------------------------------------------------------------------------


def _transform(data: bytes, how: str) -> bytes:
    for step in how.split("+"):
        if step == "crlf":
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        elif step == "bom":
            data = b"\xef\xbb\xbf" + data
        elif step == "no-final-newline":
            data = data.rstrip(b"\r\n")
        else:
            raise AssertionError(f"unknown transform {step}")
    return data


def _rehash(path: Path) -> None:
    """Keep an approval valid after the case's edit: the edit is the point, not drift."""
    text = path.read_bytes().decode("utf-8")
    digest = gate_hash(path.stem, text)
    text = re.sub(r"approved_sha256: \w+", f"approved_sha256: {digest}", text, count=1)
    path.write_bytes(text.encode("utf-8"))


def apply(case: Case, repo: Path, outside: Path) -> None:
    """Make ``repo`` (a copy of the standard repository) hold the case's bad input."""
    target = case.target
    if target is None:
        return
    path = repo / target
    data = case.data
    make = data.get("make", "")
    if "input" in data:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        path.write_bytes((case.folder / data["input"]).read_bytes())
    if "edit" in data:
        text = path.read_bytes().decode("utf-8")
        for old, new in data["edit"]:
            assert old in text, (case.name, old)
            text = text.replace(old, new, 1)
        path.write_bytes(text.encode(data.get("encoding", "utf-8")))
    if make in ("", None):
        pass
    elif make == "directory":
        path.unlink()
        path.mkdir()
        (path / "README.md").write_text("a folder, not a file\n")
    elif make == "symlink-outside":
        moved = outside / path.name
        shutil.move(str(path), str(moved))
        path.symlink_to(moved, target_is_directory=moved.is_dir())
    elif make == "big-front-matter":
        text = path.read_text(encoding="utf-8")
        filler = "".join(f"key{n:06d}: {'x' * 40}\n" for n in range(1024 * 1024 // 52))
        path.write_text(text.replace("---\n", "---\n" + filler, 1), encoding="utf-8")
        assert path.stat().st_size > 1024 * 1024
    elif make.startswith("copy-of:"):
        shutil.copytree(repo / make.split(":", 1)[1], path)
    else:
        path.write_bytes(_transform(path.read_bytes(), make))
    if data.get("rehash"):
        _rehash(path)


# --- assertions -----------------------------------------------------------------------------------


def no_traceback(command: str, result: subprocess.CompletedProcess[str]) -> None:
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, (command, stream)
        assert "internal error" not in stream, (command, stream)


def where(case: Case) -> str | None:
    """``path:line`` (or ``path``) the error must start with."""
    file = case.data.get("file")
    if file is None:
        return None
    line = case.data.get("line")
    return f"{file}:{line}" if line else file


def broken_project(case: Case) -> str | None:
    """The project folder (a file inside it, or the folder itself) or the context other
    than ``sdd`` a case breaks, when the commands are the default readers: the listings and
    the writes elsewhere skip it and report it (issue 14) instead of refusing."""
    if case.target == ROOT_CTX and "argv" not in case.data:
        return "root"  # its rules are lost, not the briefing (`sdd open`): see ``isolated``
    if case.target is None or "commands" in case.data or "argv" in case.data:
        return None
    if case.target == BACKEND_CTX:
        return "backend"
    if case.target == SDD_CTX:
        return "sdd"
    if not case.target.startswith(ASSETS):
        return None
    return case.target[len(ASSETS):].split("/")[0] or None


def isolated(command: str, project: str) -> bool:
    """Whether ``command`` goes on when ``project`` cannot be read: it neither names it
    nor is `sdd check` (which reports it as a finding). The sdd context holds the
    inventory, so only the listings of contexts go on without it."""
    words = command.split()
    if project == "sdd":
        return command in ("open", "ctx list")
    if project == "root":  # the writes rewrite its contexts table: they need it
        return words[0] == "open"
    return words[0] != "check" and project not in words


def assert_reported(case: Case, command: str, result: subprocess.CompletedProcess[str]) -> None:
    """The command did its work (exit 0) and named the broken project's file on stderr,
    in one warning line."""
    no_traceback(command, result)
    assert result.returncode == 0, (command, result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, (command, result.stderr)
    located = where(case)
    assert lines[0].startswith(f"sdd: warning: {located}: " if located else "sdd: warning: "), \
        (command, located, lines[0])
    assert " skipped: " in lines[0]
    if case.messages():
        assert any(m in lines[0] for m in case.messages()), (command, case.messages(), lines[0])


def assert_refused(case: Case, command: str, result: subprocess.CompletedProcess[str]) -> None:
    no_traceback(command, result)
    assert result.returncode == 1, (command, result.returncode, result.stdout, result.stderr)
    located = where(case)
    findings = case.data.get("form") == "findings" and "graph" not in command
    if command.split()[0] == "check" or findings:
        # sdd check (and contracts check) report findings on stdout, one per line
        assert result.stderr == "", (command, result.stderr)
        lines = result.stdout.splitlines()
        assert located is not None
        hits = [line for line in lines if line.startswith(f"{located}:") or
                line.startswith(f"{located} ")]
        assert hits, (command, located, result.stdout)
        if case.messages() and command.split()[0] != "check":
            assert any(m in hit for hit in hits for m in case.messages()), (command, hits)
        return
    lines = result.stderr.splitlines()
    assert len(lines) == 1, (command, result.stderr)
    line = lines[0]
    assert line.startswith("sdd: "), (command, line)
    if located is not None:
        assert line.startswith(f"sdd: {located}: "), (command, located, line)
    if case.messages():
        assert any(m in line for m in case.messages()), (command, case.messages(), line)


def odd_kept(case: Case, command: str, before: bytes, after: bytes) -> None:
    """The case's oddity (BOM, CRLF, missing final newline, tabs) survived ``command``."""
    make = case.data.get("make", "")
    if before.startswith(b"\xef\xbb\xbf"):
        assert after.startswith(b"\xef\xbb\xbf") and not after.startswith(b"\xef\xbb\xbf" * 2)
    else:
        assert not after.startswith(b"\xef\xbb\xbf")
    if "crlf" in make:
        assert after.count(b"\n") == after.count(b"\r\n"), case.name
    if "no-final-newline" in make and not command.startswith("agents remove"):
        # (removing the pointer block that ended the file leaves the text before it as it was)
        assert not after.endswith(b"\n"), case.name
    if b"\t" in before:
        assert before.count(b"\t") <= after.count(b"\t")


# --- the tests -------------------------------------------------------------------------------------


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    for name in CASES:
        case = load_case(name)
        assert case.data.get("what"), name
        assert case.exit in (0, 1), name
        if "input" in case.data:
            assert (case.folder / case.data["input"]).is_file(), name


def test_standard_repository_accepts_every_command(standard: Path, tmp_path: Path) -> None:
    """Every command the corpus runs succeeds on the clean repository: a refusal is the case's."""
    targets = {load_case(name).target for name in CASES} - {None}
    commands = sorted({c for target in targets for c in readers(str(target))})
    for command in commands:
        repo = tmp_path / f"r{commands.index(command)}"
        shutil.copytree(standard, repo, symlinks=True)
        result = run(repo, command)
        no_traceback(command, result)
        assert result.returncode == 0, (command, result.stderr)


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_bad_input(name: str, standard: Path, tmp_path: Path) -> None:
    case = load_case(name)
    repo = tmp_path / "repo"
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copytree(standard, repo, symlinks=True)
    apply(case, repo, outside)
    before, outside_before = tree_digest(repo), tree_digest(outside)
    commands = case.commands()
    if case.exit == 1:
        project = broken_project(case)
        neighbours = [c for c in commands if project is not None and isolated(c, project)]
        commands = [c for c in commands if c not in neighbours]
        for command, result in run_all(repo, commands):
            assert_refused(case, command, result)
        for command, result in run_all(repo, [c for c in neighbours if read_only(c)]):
            assert_reported(case, command, result)
        for command, result in run_all(repo, [f"--strict {c}" for c in neighbours
                                              if read_only(c)]):
            no_traceback(command, result)
            assert result.returncode == 1, (command, result.stderr)
        for command, result in run_all(repo, list(case.data.get("fine", []))):
            no_traceback(command, result)
            assert result.returncode == 0, (command, result.stderr)
        assert tree_digest(repo) == before
        assert tree_digest(outside) == outside_before
        assert not list(repo.rglob("*.sddkit-tmp"))
        for index, command in enumerate(c for c in neighbours if not read_only(c)):
            copy = tmp_path / f"n{index}"  # a write elsewhere succeeds, leaving the file be
            shutil.copytree(repo, copy, symlinks=True)
            result = run(copy, command)
            if result.returncode != 0 or result.stderr != "":  # empty: it read only its
                assert_reported(case, command, result)  # own project (issue 15)
            if case.target is not None and (repo / case.target).is_file():
                assert (copy / case.target).read_bytes() == (repo / case.target).read_bytes()
        return
    # valid but odd: every reader succeeds and writes nothing ...
    for command, result in run_all(repo, [c for c in commands if read_only(c)]):
        no_traceback(command, result)
        assert result.returncode == 0, (command, result.stderr)
    assert tree_digest(repo) == before
    # ... and every writer keeps the oddity in the file it rewrites
    assert case.target is not None
    original = (repo / case.target).read_bytes()
    rewritten = []
    for index, command in enumerate(c for c in commands if not read_only(c)):
        copy = tmp_path / f"w{index}"
        shutil.copytree(repo, copy, symlinks=True)
        result = run(copy, command)
        no_traceback(command, result)
        assert result.returncode == 0, (command, result.stderr)
        after = (copy / case.target).read_bytes()
        odd_kept(case, command, original, after)
        if after != original:
            rewritten.append(command)
        check = CliRunner().invoke(cli, ["--root", str(copy), "inventory", "--check"])
        assert check.exit_code == 0, (command, check.stderr)
    if case.data.get("make"):  # the oddity went through at least one real rewrite
        assert rewritten, case.name


def test_nul_in_names(standard: Path, tmp_path: Path) -> None:
    """A NUL cannot be passed in argv: the same names go through the core, CliRunner and MCP."""
    from sddkit.errors import InvalidName
    from sddkit.names import check_slug

    case = load_case("name-nul")
    repo = tmp_path / "repo"
    shutil.copytree(standard, repo, symlinks=True)
    before = tree_digest(repo)
    for name in ("al\x00pha", "\x00", "alpha\x00/../x"):
        with pytest.raises(InvalidName, match="not allowed") as info:
            check_slug(name)
        assert "\x00" not in str(info.value) and "\\x00" in str(info.value)
    runner = CliRunner()
    for command in case.data["in_process"]:
        args = command.split(" ")
        result = runner.invoke(cli, ["--root", str(repo), *args])
        assert result.exit_code == 1, (command, result.output)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("sdd: "), (command, result.stderr)
        assert "\x00" not in result.stderr
        assert any(m in lines[0] for m in case.messages()), (command, lines[0])
    from sddkit.cli.mcp_server import Locator, complete_data, next_data, status_data

    locator = Locator(repo)
    for action in (lambda ws: status_data(ws, "al\x00pha"), lambda ws: next_data(ws, "al\x00pha"),
                   lambda ws: complete_data(ws, "T001", "al\x00pha", False)):
        result = locator.run(action)
        assert result.is_error
        text = result.content[0].text  # type: ignore[union-attr]
        assert "invalid project name" in text and "\x00" not in text and "\n" not in text
    assert tree_digest(repo) == before
