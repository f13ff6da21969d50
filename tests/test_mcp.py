"""`sdd mcp` driven by the official SDK's stdio client, as an agent would drive it (issue 7)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, fill, git, sdd_executable, tree_digest, walk_to

anyio = pytest.importorskip("anyio")
mcp = pytest.importorskip("mcp")

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402

TASKS = """## Phase 1: core

- [ ] T001 Create the module
  - verify: $ git --version
- [ ] T002 [P] Add the parser
  - depends: T001
  - verify: $ git frobnicate-nothing
- [ ] T003 Talk to the vendor
  - blocked: waiting on the vendor's API key
- [ ] T004 Wire the CLI
  - depends: T002
"""

TOOLS = {"open_context", "status", "next_step", "available_tasks", "complete_task", "check",
         "contracts_check", "ready", "new_project", "undo_task", "block", "unblock",
         "start_task", "release_task"}  # the last seven: tests/test_mcp_actions.py
TASKS_MD = Path("AGENTS.ctx/sdd/assets/demo/tasks.md")
SDD_MD = Path("AGENTS.ctx/sdd/CONTEXT.md")


def server_env() -> dict[str, str]:
    """What the isolated test environment sets, passed on to the server process."""
    keys = ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL",
            "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")
    return {key: os.environ[key] for key in keys if key in os.environ}


@asynccontextmanager
async def session(cwd: Path, *args: str) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=sdd_executable(), args=["mcp", *args], cwd=str(cwd),
                                   env=server_env())
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write) as client:
            await client.initialize()
            yield client


def drive(cwd: Path, body: Callable[[ClientSession], Awaitable[Any]], *args: str) -> Any:
    """Run ``body`` against a fresh ``sdd mcp`` started in ``cwd``; its result comes back."""

    async def main() -> Any:
        with anyio.fail_after(120):
            async with session(cwd, *args) as client:
                return await body(client)

    return anyio.run(main)


async def call(client: ClientSession, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    text = result.content[0].text
    assert json.loads(text) == result.structured_content
    return result.structured_content


async def error(client: ClientSession, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert result.structured_content is None
    text: str = result.content[0].text
    assert "\n" not in text and "Traceback" not in text
    return text


def cli_json(sdd: Invoke, root: Path, *args: str) -> Any:
    result = sdd(root, *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def implementing(initialised: Path, sdd: Invoke) -> Path:
    result = sdd(initialised, "ctx", "new", "geo", "--description", "Geography rules")
    assert result.exit_code == 0, result.stderr
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "approved")
    return initialised


def test_tools_listed_and_none_approves(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="spec")
    fill(initialised / "AGENTS.ctx/sdd/assets/demo/plan.md")
    result = sdd(initialised, "ready", "demo")  # the plan now waits for a person
    assert result.exit_code == 0, result.stderr
    before = tree_digest(initialised)

    async def body(client: ClientSession) -> None:
        listed = await client.list_tools()
        names = {tool.name for tool in listed.tools}
        assert names == TOOLS
        assert not any("approve" in name for name in names)
        for tool in listed.tools:
            assert tool.description
        result = await client.call_tool("approve", {"project": "demo"})
        assert result.is_error and "approve" in result.content[0].text
        step = await call(client, "next_step")
        assert step["kind"] == "approve" and "by a person" in step["message"]

    drive(initialised, body)
    assert tree_digest(initialised) == before
    status = cli_json(sdd, initialised, "status", "demo")
    assert [p["status"] for p in status["phases"]] == ["approved", "approved", "review", None]


def test_instructions_say_a_person_approves(initialised: Path) -> None:
    async def body(client: ClientSession) -> str:
        params = StdioServerParameters(command=sdd_executable(), args=["mcp"],
                                       cwd=str(initialised), env=server_env())
        async with stdio_client(params, errlog=sys.stderr) as (read, write), \
                ClientSession(read, write) as other:
            init = await other.initialize()
            return init.instructions or ""

    instructions = drive(initialised, body)
    assert "person's act" in instructions and "no approval tool" in instructions
    assert "sdd approve" in instructions


def test_open_next_complete_as_sdd_done(implementing: Path, sdd: Invoke, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(implementing, twin, symlinks=True)
    assert git(twin, "rev-parse", "HEAD") == git(implementing, "rev-parse", "HEAD")
    expected_open = cli_json(sdd, implementing, "open", "geo", "sdd")
    expected_next = cli_json(sdd, implementing, "next")

    async def body(client: ClientSession) -> dict[str, Any]:
        opened = await call(client, "open_context", names=["geo", "sdd"])
        assert opened == expected_open
        assert [c["name"] for c in opened["opened"]] == ["geo", "sdd"]
        step = await call(client, "next_step")
        assert step == expected_next
        assert step["task"]["key"] == "T001"
        done: dict[str, Any] = await call(client, "complete_task", task="T001", project="demo")
        again = await call(client, "complete_task", task="T001", project="demo")
        assert again["changed"] is False and again["files"] == []
        return done

    done = drive(implementing, body)
    result = sdd(twin, "done", "T001", "--project", "demo")
    assert result.exit_code == 0, result.stderr
    assert (implementing / TASKS_MD).read_bytes() == (twin / TASKS_MD).read_bytes()
    assert (implementing / SDD_MD).read_bytes() == (twin / SDD_MD).read_bytes()
    assert tree_digest(implementing) == tree_digest(twin)
    sha = git(implementing, "rev-parse", "--short=7", "HEAD").strip()
    today = datetime.now(timezone.utc).date().isoformat()
    line = f"- [x] T001 Create the module <!-- done {today} verify=passed at={sha} -->\n"
    assert line in (implementing / TASKS_MD).read_text()
    assert done["mark"] == f"{today} verify=passed at={sha}"
    assert done["verification"]["outcome"] == "passed"
    assert done["verification"]["checks"][0]["command"] == "git --version"
    assert done["verification"]["checks"][0]["tail"][0].startswith("git version")
    assert done["schema"] == "sddkit.done/1"
    assert done["changed"] is True and done["task"] == "T001" and done["project"] == "demo"
    assert done["message"] == result.stdout.strip()
    assert sorted(done["files"]) == [SDD_MD.as_posix(), TASKS_MD.as_posix()]
    assert done["next"] == cli_json(sdd, twin, "next", "demo")
    assert done["next"]["task"]["key"] == "T002"


def test_refusals_are_one_line_tool_errors(implementing: Path, sdd: Invoke) -> None:
    before = tree_digest(implementing)

    async def body(client: ClientSession) -> None:
        message = await error(client, "complete_task", task="T004", project="demo")
        assert message.startswith("AGENTS.ctx/sdd/assets/demo/tasks.md:")
        assert "T004 waits for T002; finish them first" in message
        message = await error(client, "complete_task", task="T004", project="demo", force=True)
        assert message.startswith("forcing a task is a person's act")  # no forcing over MCP
        message = await error(client, "status", project="nope")
        assert message == "unknown project 'nope'; known projects: demo"
        message = await error(client, "next_step", project="../etc")
        assert "invalid project name" in message
        # the server is still there after the refusals
        assert (await call(client, "next_step"))["kind"] == "task"

    drive(implementing, body)
    assert tree_digest(implementing) == before


def test_a_failing_check_is_a_tool_error_and_nothing_is_written(implementing: Path,
                                                                sdd: Invoke) -> None:
    assert sdd(implementing, "done", "T001", "--project", "demo").exit_code == 0
    before = tree_digest(implementing)
    line = next(n for n, text in enumerate((implementing / TASKS_MD).read_text().splitlines(), 1)
                if "] T002 " in text)

    async def body(client: ClientSession) -> None:
        failed = await client.call_tool("complete_task", {"task": "T002", "project": "demo"})
        assert failed.is_error and failed.structured_content is None
        message = failed.content[0].text
        assert "Traceback" not in message
        assert message.startswith(f"{TASKS_MD.as_posix()}:{line}: T002 of demo is not done: "
                                  "check 1 of 1 failed (exit 1): $ git frobnicate-nothing")
        assert message.splitlines()[1:] == [
            "last line of its output:",
            "  | git: 'frobnicate-nothing' is not a git command. See 'git --help'."]

    drive(implementing, body)
    assert tree_digest(implementing) == before


def test_status_is_the_cli_shape(implementing: Path, sdd: Invoke) -> None:
    async def body(client: ClientSession) -> tuple[Any, Any]:
        return await call(client, "status"), await call(client, "status", project="demo")

    every, one = drive(implementing, body)
    assert every == cli_json(sdd, implementing, "status")
    assert one == cli_json(sdd, implementing, "status", "demo")


def test_checks_are_the_cli_shape(implementing: Path, sdd: Invoke) -> None:
    async def body(client: ClientSession) -> tuple[Any, Any]:
        contracts = await call(client, "contracts_check")
        result = await client.call_tool("check", {})
        return contracts, result

    contracts, check = drive(implementing, body)
    assert contracts == cli_json(sdd, implementing, "contracts", "check")
    assert not check.is_error
    assert check.structured_content == cli_json(sdd, implementing, "check")


def test_contexts_are_resources(implementing: Path) -> None:
    async def body(client: ClientSession) -> None:
        listed = {str(r.uri): r for r in (await client.list_resources()).resources
                  if str(r.uri).startswith("sddkit://context")}  # phase documents: test_mcp_prompts
        assert set(listed) == {"sddkit://context", "sddkit://context/geo",
                               "sddkit://context/sdd"}
        assert listed["sddkit://context/geo"].description == "Geography rules"
        templates = (await client.list_resource_templates()).resource_templates
        assert "sddkit://context/{name}" in [t.uri_template for t in templates]
        geo = await client.read_resource("sddkit://context/geo")
        text = (implementing / "AGENTS.ctx/geo/CONTEXT.md").read_text()
        assert geo.contents[0].text == text
        assert geo.contents[0].mime_type == "text/markdown"
        root = await client.read_resource("sddkit://context")
        assert root.contents[0].text == (implementing / "AGENTS.ctx/CONTEXT.md").read_text()
        with pytest.raises(MCPError, match="unknown context 'nope'"):
            await client.read_resource("sddkit://context/nope")

    drive(implementing, body)


def test_root_from_subfolder_and_option(implementing: Path, tmp_path: Path) -> None:
    sub = implementing / "src" / "deep"
    sub.mkdir(parents=True)

    async def body(client: ClientSession) -> Any:
        return (await call(client, "open_context"))["root"]

    assert drive(sub, body) == str(implementing)
    assert drive(tmp_path, body, "--root", str(implementing)) == str(implementing)


def test_outside_a_repository_tools_say_how_to_fix(tmp_path: Path) -> None:
    async def body(client: ClientSession) -> str:
        assert (await client.list_resources()).resources[0].uri is not None
        return await error(client, "next_step")

    empty = tmp_path / "empty"
    empty.mkdir()
    message = drive(empty, body)
    assert "no AGENTS.ctx/" in message and "sdd init" in message


def test_bad_root_is_refused_at_start(tmp_path: Path, run_sdd: Callable[..., Any]) -> None:
    result = run_sdd("mcp", "--root", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no such directory" in result.stderr


def test_without_the_sdk_says_how_to_install(
    initialised: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in sys.modules if n == "mcp" or n.startswith("mcp.")]:
        monkeypatch.setitem(sys.modules, name, None)  # as if the SDK were not installed
    monkeypatch.setitem(sys.modules, "mcp", None)
    monkeypatch.delitem(sys.modules, "sddkit.cli.mcp_server", raising=False)
    result = sdd(initialised, "mcp")
    assert result.exit_code == 1
    assert result.stderr == ("sdd: sdd mcp needs the MCP SDK: install it with "
                             "pip install -e '.[mcp]' from a checkout (pip install "
                             "'sddkit[mcp]' once sddkit is published)\n")
    assert result.stdout == ""


def test_cli_help_does_not_import_the_sdk(run_sdd: Callable[..., Any]) -> None:
    code = ("import sys; from sddkit.cli.group import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'mcp' not in sys.modules, 'mcp imported by sdd --help'\n")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "mcp" in out.stdout and "agents" in out.stdout


def test_next_step_with_claims_and_all(implementing: Path, sdd: Invoke) -> None:
    assert sdd(implementing, "start", "T001", "--project", "demo", "--as", "alice").exit_code == 0
    expected = cli_json(sdd, implementing, "next", "--as", "bob")
    expected_all = cli_json(sdd, implementing, "next", "--all", "--as", "alice")

    async def body(client: ClientSession) -> None:
        step = await call(client, "next_step", as_name="bob")
        assert step == expected and step["kind"] == "claimed"
        assert step["skipped"][0]["reason"].startswith("claimed by alice")
        mine = await call(client, "next_step", as_name="alice")
        assert mine["task"]["key"] == "T001" and mine["task"]["claimed_by"] == "alice"
        every = await call(client, "available_tasks", as_name="alice")
        assert every == expected_all and every["schema"] == "sddkit.next.all/1"
        assert [t["key"] for t in every["mine"]] == ["T001"]

    drive(implementing, body)


def test_an_unknown_argument_is_refused_and_nothing_is_written(implementing: Path) -> None:
    """An agent that passes an argument a tool does not take (``dry_run`` to
    ``complete_task``, a misspelt ``projet``) gets a tool error naming it, not a silent
    write that ignored it."""
    before = tree_digest(implementing)

    async def body(client: ClientSession) -> None:
        message = await error(client, "complete_task", task="T001", project="demo",
                              dry_run=True)
        assert message == ("complete_task takes no argument 'dry_run' (it takes: task, "
                           "project, force); nothing was done")
        message = await error(client, "status", projet="demo")
        assert "takes no argument 'projet'" in message
        assert (await call(client, "status", project="demo"))["project"] == "demo"
        listed = (await client.list_tools()).tools
        assert {tool.name for tool in listed} == TOOLS
        assert all(tool.input_schema["additionalProperties"] is False for tool in listed)

    drive(implementing, body)
    assert tree_digest(implementing) == before
