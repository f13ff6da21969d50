"""Every front end answers from the same operation (issue 12).

Each use case is driven through the click CLI (a real ``sdd`` process), the click-free
``sdd next`` fast path, the real MCP client (``sdd mcp`` over stdio) and the operation
called in-process; their JSON (or, for writes, their output and the files they leave)
must be identical.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, fill, git, sdd_executable, tree_digest, walk_to

from sddkit import operations
from sddkit.workspace import Workspace

CLICK = [sys.executable, "-c", "import sys; from sddkit.cli.group import main; main(sys.argv[1:])"]
TASKS = """## Phase 1: core

- [ ] T001 Create the module
  - verify: python -c "import x"
- [ ] T002 [P] Add the parser
  - depends: T001
- [ ] T003 Talk to the vendor
  - blocked: waiting on the vendor's API key
"""
CONTRACT = """service: billing
provides:
  operations:
    - name: charge
"""


def run(cmd: list[str], cwd: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SDDKIT_DEBUG"}
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)
    return done.returncode, done.stdout, done.stderr


def cli(cwd: Path, *args: str) -> Any:
    """The click command's ``--json`` answer (a real process, never the fast path)."""
    code, out, err = run([*CLICK, *args, "--json"], cwd)
    assert code in (0, 1), err
    return json.loads(out)


def fast(cwd: Path, *args: str) -> Any:
    code, out, err = run([sdd_executable(), *args, "--json"], cwd)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    """Two contexts, an implementing project, a drafting one and a contract, committed."""
    assert sdd(initialised, "ctx", "new", "geo", "--description", "Geography").exit_code == 0
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    walk_to(initialised, sdd, "later", upto="constitution")
    fill(initialised / "AGENTS.ctx/sdd/assets/later/spec.md")  # written, not yet ready
    assert sdd(initialised, "contracts", "new", "billing").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "work")
    return initialised


def mcp_answers(root: Path, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Each tool's structured answer from a real ``sdd mcp`` server started in ``root``."""
    pytest.importorskip("mcp")
    import anyio
    from test_mcp import call, session

    async def main() -> list[Any]:
        with anyio.fail_after(120):
            async with session(root) as client:
                return [await call(client, tool, **arguments) for tool, arguments in calls]

    return anyio.run(main)


READS = [
    # (CLI arguments, MCP tool and arguments, the operation in-process)
    (["next"], ("next_step", {}), lambda ws: operations.next_step(ws)),
    (["next", "demo"], ("next_step", {"project": "demo"}),
     lambda ws: operations.next_step(ws, "demo")),
    (["next", "later"], ("next_step", {"project": "later"}),
     lambda ws: operations.next_step(ws, "later")),
    (["status"], ("status", {}), lambda ws: operations.status(ws)),
    (["status", "demo"], ("status", {"project": "demo"}), lambda ws: operations.status(ws, "demo")),
    (["open"], ("open_context", {}), lambda ws: operations.open_briefing(ws)),
    (["open", "sdd", "geo"], ("open_context", {"names": ["sdd", "geo"]}),
     lambda ws: operations.open_briefing(ws, ["sdd", "geo"])),
    (["check"], ("check", {}), lambda ws: operations.check(ws)),
    (["check", "demo"], ("check", {"projects": ["demo"]}),
     lambda ws: operations.check(ws, ["demo"])),
    (["contracts", "check"], ("contracts_check", {}), lambda ws: operations.contracts_check(ws)),
]


def test_reads_agree_across_cli_fast_path_mcp_and_operation(repo: Path) -> None:
    ws = Workspace(repo)
    through_mcp = mcp_answers(repo, [tool for _args, tool, _op in READS])
    for (args, _tool, op), from_mcp in zip(READS, through_mcp, strict=True):
        from_cli = cli(repo, *args)
        assert from_cli == from_mcp, args
        assert op(ws).data == from_cli, args
        if args[0] == "next":  # the click-free entry point answers `next` itself
            assert fast(repo, *args) == from_cli, args


def test_done_agrees_across_cli_and_mcp(repo: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(repo, twin, symlinks=True)
    code, out, err = run([*CLICK, "done", "T001", "--json"], repo)
    assert code == 0, err
    from_cli = json.loads(out)
    [from_mcp] = mcp_answers(twin, [("complete_task", {"task": "T001"})])
    assert from_cli == from_mcp
    assert from_cli["changed"] and from_cli["next"]["task"]["key"] == "T002"
    assert tree_digest(repo) == tree_digest(twin)


WRITES = [
    # (CLI arguments, the same operation in-process)
    (["new", "fresh", "--title", "Fresh start"],
     lambda ws, dry: operations.new_project(ws, "fresh", "Fresh start", None, dry)),
    (["ready", "later"], lambda ws, dry: operations.ready(ws, "later", dry)),
    (["approve", "later", "--force", "--by", "Ada"],
     lambda ws, dry: operations.approve(ws, "later", "Ada", True, dry)),
    (["reopen", "demo", "plan", "--reason", "scope grew"],
     lambda ws, dry: operations.reopen(ws, "demo", "plan", "scope grew", dry)),
    (["block", "later", "--reason", "waiting  on legal"],
     lambda ws, dry: operations.block(ws, "later", "waiting  on legal", dry_run=dry)),
    (["done", "T001"], lambda ws, dry: operations.complete(ws, "T001", None, False, False, dry)),
    (["ctx", "new", "ops", "--includes", "geo"],
     lambda ws, dry: operations.contexts_new(ws, "ops", "", ["geo"], dry)),
    (["contracts", "new", "shipping"], lambda ws, dry: operations.contracts_new(ws, "shipping",
                                                                               dry)),
    (["agents", "install", "--agent", "claude"],
     lambda ws, dry: operations.agents_install(ws, ["claude"], None, dry)),
]


@pytest.mark.parametrize(("args", "op"), WRITES, ids=[" ".join(w[0][:2]) for w in WRITES])
def test_writes_agree_between_cli_and_operation(repo: Path, tmp_path: Path, sdd: Invoke,
                                                monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                op: Any) -> None:
    from sddkit.projects import transitions

    moment = transitions.utc_now()  # one clock for both runs: reopen and approve record the time
    monkeypatch.setattr(transitions, "utc_now", lambda: moment)
    twin = tmp_path / "twin"
    shutil.copytree(repo, twin, symlinks=True)
    before = tree_digest(repo)
    planned_cli = sdd(repo, *args, "--dry-run")
    assert planned_cli.exit_code == 0, planned_cli.stderr
    assert tree_digest(repo) == before
    planned = op(Workspace(repo), True)
    assert planned.diff == planned_cli.stdout and planned.dry_run and planned.changed
    done_cli = sdd(repo, *args)
    assert done_cli.exit_code == 0, done_cli.stderr
    done = op(Workspace(twin), False)
    assert done.text == done_cli.stdout
    assert sorted(done.files) == sorted(planned.files)
    assert tree_digest(repo) == tree_digest(twin) != before


def test_failed_checks_share_the_exit_code(repo: Path) -> None:
    (repo / "AGENTS.ctx/contracts/billing.yaml").write_text("service: [unclosed\n")
    ws = Workspace(repo)
    assert operations.contracts_check(ws).exit_code == 1
    assert run([*CLICK, "contracts", "check"], repo)[0] == 1
    stale = operations.rebuild_inventory(ws, check=True)
    assert stale.exit_code == 0  # the contract is not part of the inventory
    sdd_md = repo / "AGENTS.ctx/sdd/CONTEXT.md"
    sdd_md.write_text(sdd_md.read_text().replace("| demo |", "| demo (edited) |"))
    stale = operations.rebuild_inventory(ws, check=True)
    assert stale.exit_code == 1 and stale.warnings == [
        "sdd: out of date: AGENTS.ctx/sdd/CONTEXT.md; run `sdd inventory` and commit"]
    code, out, err = run([*CLICK, "inventory", "--check"], repo)
    assert (code, out, err) == (1, "", stale.warnings[0] + "\n")
