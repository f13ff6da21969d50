"""The MCP tools that move the work on (ready, new_project, undo_task, block, unblock,
start_task, release_task), driven by the SDK's stdio client as an agent drives them (issue 16).

Each tool is compared with its CLI command run on a copy of the repository: the files on disk
must be the same bytes. Every structured result is validated against the output schema the
tool declares in its listing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, fill, git, sdd_executable, tree_digest, walk_to

anyio = pytest.importorskip("anyio")
pytest.importorskip("mcp")
jsonschema = pytest.importorskip("jsonschema")

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from test_mcp import server_env  # noqa: E402

from sddkit.cli.mcp_server import all_outputs  # noqa: E402

ASSETS = Path("AGENTS.ctx/sdd/assets")
TASKS = """## Phase 1: core

- [ ] T001 Create the module
  - verify: true
- [ ] T002 Add the parser
  - depends: T001
- [ ] T003 Write the docs
"""
ACTIONS = {"ready", "new_project", "undo_task", "block", "unblock", "start_task",
           "release_task"}


class Agent:
    """A client session plus the tools' declared output schemas: every call's structured
    result is validated against its tool's schema before the test sees it."""

    def __init__(self, client: ClientSession, schemas: dict[str, Any]) -> None:
        self.client = client
        self.schemas = schemas

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments)
        assert not result.is_error, (tool, result.content)
        data: dict[str, Any] = result.structured_content
        jsonschema.validate(data, self.schemas[tool])
        return data

    async def error(self, tool: str, **arguments: Any) -> str:
        result = await self.client.call_tool(tool, arguments)
        assert result.is_error, (tool, result.structured_content)
        assert result.structured_content is None
        text: str = result.content[0].text
        assert "\n" not in text and "Traceback" not in text, text
        return text


@asynccontextmanager
async def agent_session(cwd: Path, env: dict[str, str]) -> AsyncIterator[Agent]:
    params = StdioServerParameters(command=sdd_executable(), args=["mcp"], cwd=str(cwd),
                                   env={**server_env(), **env})
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write) as client:
            await client.initialize()
            tools = (await client.list_tools()).tools
            yield Agent(client, {t.name: t.output_schema for t in tools})


def as_agent(cwd: Path, body: Callable[[Agent], Awaitable[Any]], **env: str) -> Any:
    """Run ``body`` against ``sdd mcp`` started in ``cwd``; by default inside what looks like
    Claude Code's shell (``CLAUDECODE=1``): an MCP client is an agent."""

    async def main() -> Any:
        with anyio.fail_after(120):
            async with agent_session(cwd, {"CLAUDECODE": "1", **env}) as agent:
                return await body(agent)

    return anyio.run(main)


def twin_of(root: Path, tmp_path: Path) -> Path:
    twin = tmp_path / "twin"
    shutil.copytree(root, twin, symlinks=True)
    return twin


def ok(sdd: Invoke, root: Path, *args: str) -> str:
    result = sdd(root, *args)
    assert result.exit_code == 0, (args, result.stderr)
    return result.stdout


@pytest.fixture
def implementing(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "approved")
    return initialised


def test_tools_declare_their_schemas_and_none_approves(initialised: Path) -> None:
    async def body(agent: Agent) -> Any:
        return {t.name: t for t in (await agent.client.list_tools()).tools}

    tools = as_agent(initialised, body)
    assert set(tools) >= ACTIONS
    assert set(tools) == set(all_outputs())
    assert not [name for name in tools if "approve" in name or "reopen" in name]
    for name in ACTIONS:
        declared = tools[name].output_schema
        assert declared["additionalProperties"] is False
        assert declared["properties"]["schema"]["const"] == all_outputs()[name]
        assert tools[name].annotations.read_only_hint is False
        assert tools[name].description
    for name in ("release_task", "start_task", "undo_task", "block", "unblock", "ready"):
        assert "force" not in tools[name].input_schema["properties"], name
    assert tools["start_task"].input_schema["required"] == ["task", "as_name"]


def test_new_ready_walk_as_the_cli_does(initialised: Path, sdd: Invoke, tmp_path: Path) -> None:
    twin = twin_of(initialised, tmp_path)
    constitution = ASSETS / "billing/constitution.md"

    async def create(agent: Agent) -> Any:
        made = await agent.call("new_project", project="billing", title="Billing rules")
        refused = await agent.error("ready", project="billing")  # placeholders left
        return made, refused

    made, refused = as_agent(initialised, create)
    ok(sdd, twin, "new", "billing", "--title", "Billing rules")
    assert tree_digest(initialised) == tree_digest(twin)
    assert made["project"] == "billing" and made["title"] == "Billing rules"
    assert made["file"] == constitution.as_posix()
    assert sorted(made["files"]) == ["AGENTS.ctx/sdd/CONTEXT.md", constitution.as_posix()]
    assert made["next"]["kind"] == "write" and made["next"]["project"] == "billing"
    cli_refusal = sdd(twin, "ready", "billing")
    assert cli_refusal.exit_code == 1
    assert cli_refusal.stderr.strip().endswith(refused)  # the CLI names it from its cwd
    assert refused.startswith(f"{constitution.as_posix()}:")  # file and line

    fill(initialised / constitution)
    fill(twin / constitution)

    async def hand_over(agent: Agent) -> Any:
        moved = await agent.call("ready", project="billing")
        again = await agent.error("ready", project="billing")
        step = (await agent.client.call_tool("next_step", {"project": "billing"}))
        return moved, again, step.structured_content

    moved, again, step = as_agent(initialised, hand_over)
    ok(sdd, twin, "ready", "billing")
    assert tree_digest(initialised) == tree_digest(twin)
    assert moved["phase"] == "constitution" and moved["status"] == "review"
    assert moved["file"] == constitution.as_posix()
    assert "status: review" in (initialised / constitution).read_text()
    assert moved["next"] == step and step["kind"] == "approve"
    assert "by a person" in step["message"]
    assert "already in review" in again


def test_new_project_refusals_change_nothing(initialised: Path, sdd: Invoke,
                                             tmp_path: Path) -> None:
    ok(sdd, initialised, "new", "taken")
    outside = tmp_path / "plan.md"
    outside.write_text("# Plan\n\n- [ ] Step one\n  - Verify: true\n")
    before = tree_digest(initialised)

    async def body(agent: Agent) -> list[str]:
        return [await agent.error("new_project", project="taken"),
                await agent.error("new_project", project="../up"),
                await agent.error("new_project", project="x", title="two\nlines"),
                await agent.error("new_project", project="x", from_file=str(outside)),
                await agent.error("new_project", project="x", from_file="missing.md")]

    taken, slug, title, far, missing = as_agent(initialised, body)
    assert tree_digest(initialised) == before
    assert taken == f"{(ASSETS / 'taken').as_posix()}: project 'taken' already exists"
    assert "invalid project name" in slug
    assert "--title must be one line" in title
    assert "resolves outside the repository" in far
    assert "missing.md: no such file" in missing


def test_new_project_from_a_file_in_the_repository(initialised: Path, sdd: Invoke,
                                                   tmp_path: Path) -> None:
    (initialised / "docs").mkdir()
    (initialised / "docs/plan.md").write_text("# Rate limits\n\n1. Count the calls\n"
                                              "   Verify: true\n", newline="\r\n")
    twin = twin_of(initialised, tmp_path)

    async def body(agent: Agent) -> Any:
        return await agent.call("new_project", project="limits", from_file="docs/plan.md")

    made = as_agent(initialised, body)
    ok(sdd, twin, "new", "limits", "--from", str(twin / "docs/plan.md"))
    assert tree_digest(initialised) == tree_digest(twin)
    assert made["title"] == "Rate limits"
    assert (ASSETS / "limits/source.md").as_posix() in made["files"]
    assert (initialised / ASSETS / "limits/source.md").read_bytes() == \
        (initialised / "docs/plan.md").read_bytes()


def test_block_and_unblock_a_project_and_a_task(implementing: Path, sdd: Invoke,
                                                tmp_path: Path) -> None:
    twin = twin_of(implementing, tmp_path)
    tasks_md = (ASSETS / "demo/tasks.md").as_posix()

    async def body(agent: Agent) -> Any:
        out = {
            "task": await agent.call("block", task="T003", project="demo",
                                     reason="waits on  the\tvendor"),
            "same": await agent.call("block", task="T003", reason="waits on the vendor"),
            "project": await agent.call("block", project="demo", reason="legal review"),
        }
        step = await agent.client.call_tool("next_step", {})
        out["step"] = step.structured_content
        out["neither"] = await agent.error("block", reason="something")
        out["empty"] = await agent.error("block", project="demo", reason="   ")
        out["unproject"] = await agent.call("unblock", project="demo")
        out["again"] = await agent.error("unblock", project="demo")
        out["untask"] = await agent.call("unblock", task="T003")
        out["untask_again"] = await agent.call("unblock", task="T003")
        return out

    out = as_agent(implementing, body)
    ok(sdd, twin, "block", "T003", "--project", "demo", "--reason", "waits on  the\tvendor")
    ok(sdd, twin, "block", "demo", "--reason", "legal review")
    ok(sdd, twin, "unblock", "demo")
    ok(sdd, twin, "unblock", "T003")
    assert tree_digest(implementing) == tree_digest(twin)
    task = out["task"]
    assert (task["action"], task["project"], task["task"], task["reason"]) == \
        ("block", "demo", "T003", "waits on the vendor")
    lines = (implementing / tasks_md).read_text().splitlines()
    assert lines[task["line"] - 1] == "- [ ] T003 Write the docs"
    assert task["file"] == tasks_md and task["changed"] is True
    assert tasks_md in task["files"]
    assert out["same"]["changed"] is False and out["same"]["files"] == []
    project = out["project"]
    assert (project["task"], project["line"], project["reason"]) == (None, None, "legal review")
    assert project["file"] == (ASSETS / "demo/constitution.md").as_posix()
    assert project["message"] == "demo is blocked: legal review"
    assert out["step"]["kind"] == "blocked"
    assert out["neither"] == "block needs a project, or a task (and its project)"
    assert "--reason must say what blocks the project" in out["empty"]
    assert out["unproject"]["action"] == "unblock" and out["unproject"]["reason"] is None
    assert out["again"] == "demo is not blocked"
    assert out["untask"]["changed"] is True
    assert out["untask_again"]["changed"] is False
    assert out["untask_again"]["message"] == "T003 of demo is not blocked"


def test_claims_between_two_agents(implementing: Path, sdd: Invoke, tmp_path: Path) -> None:
    twin = twin_of(implementing, tmp_path)

    async def body(agent: Agent) -> Any:
        out = {"start": await agent.call("start_task", task="T001", as_name="alice"),
               "mine": await agent.call("start_task", task="T001", as_name="alice")}
        step = await agent.client.call_tool("next_step", {"as_name": "bob"})
        out["bob_next"] = step.structured_content
        out["bob_start"] = await agent.error("start_task", task="T001", as_name="bob")
        out["bob_release"] = await agent.error("release_task", task="T001", as_name="bob")
        out["held"] = await agent.error("start_task", task="T002", as_name="bob")
        out["release"] = await agent.call("release_task", task="T001", as_name="alice")
        out["unclaimed"] = await agent.call("release_task", task="T001", as_name="alice")
        out["bad_name"] = await agent.error("start_task", task="T003", as_name="<x>")
        return out

    out = as_agent(implementing, body)
    assert out["start"]["action"] == "start" and out["start"]["changed"] is True
    assert out["start"]["stolen_from"] is None
    assert out["mine"]["changed"] is False
    assert out["bob_next"]["task"]["key"] == "T003"  # alice's T001 passed over
    assert "T001 of demo is claimed by alice" in out["bob_start"]
    assert out["bob_start"].startswith((ASSETS / "demo/tasks.md").as_posix() + ":")
    assert "claimed by alice, not bob" in out["bob_release"]
    assert "cannot start" in out["held"] and "T001" in out["held"]
    assert out["release"]["action"] == "release" and out["release"]["changed"] is True
    assert out["unclaimed"]["changed"] is False
    assert "claimant name" in out["bad_name"]
    # started and released: the same bytes as never claimed (the CLI twin did nothing)
    assert tree_digest(implementing) == tree_digest(twin)


def test_a_stale_claim_is_stolen_and_recorded(implementing: Path, sdd: Invoke,
                                              tmp_path: Path) -> None:
    tasks_md = implementing / ASSETS / "demo/tasks.md"
    tasks_md.write_text(tasks_md.read_text().replace(
        "- [ ] T003 Write the docs\n", "- [ ] T003 Write the docs\n"
        "  - claimed: carol 2020-01-01T00:00Z\n"))
    refused = sdd(implementing, "start", "T003", "--as", "dave")
    assert refused.exit_code == 1 and "--steal" in refused.stderr

    async def body(agent: Agent) -> Any:
        plain = await agent.error("start_task", task="T003", as_name="dave")
        stolen = await agent.call("start_task", task="T003", as_name="dave", steal=True)
        return plain, stolen

    plain, stolen = as_agent(implementing, body)
    assert "a stale claim" in plain and "--steal" in plain
    assert stolen["stolen_from"] == {"name": "carol", "at": "2020-01-01T00:00Z"}
    text = tasks_md.read_text()
    assert "  - claimed: dave " in text and "claimed: carol" not in text
    assert "  - note: dave took over from carol (claimed 2020-01-01T00:00Z)" in text


def test_undo_task_as_sdd_undo(implementing: Path, sdd: Invoke, tmp_path: Path) -> None:
    ok(sdd, implementing, "done", "T001", "--project", "demo")
    twin = twin_of(implementing, tmp_path)

    async def body(agent: Agent) -> Any:
        undone = await agent.call("undo_task", task="T001", project="demo")
        again = await agent.call("undo_task", task="T001")
        missing = await agent.error("undo_task", task="T009", project="demo")
        return undone, again, missing

    undone, again, missing = as_agent(implementing, body)
    ok(sdd, twin, "undo", "T001", "--project", "demo")
    assert tree_digest(implementing) == tree_digest(twin)
    assert (implementing / ASSETS / "demo/tasks.md").read_bytes() == \
        (twin / ASSETS / "demo/tasks.md").read_bytes()
    assert undone["changed"] is True and undone["task"] == "T001"
    assert undone["message"] == "T001 of demo is open again"
    assert sorted(undone["files"]) == ["AGENTS.ctx/sdd/CONTEXT.md",
                                       (ASSETS / "demo/tasks.md").as_posix()]
    assert undone["next"]["task"]["key"] == "T001"
    assert again["changed"] is False and again["files"] == []
    assert missing.startswith((ASSETS / "demo/tasks.md").as_posix())
    assert "no task 'T009' in demo" in missing


BROKEN = "---\nproject: broken\nphase: [unclosed\n---\n# Broken\n"


@pytest.fixture
def with_broken(implementing: Path, sdd: Invoke) -> Path:
    """``implementing`` plus a project ``other`` (constitution filled, draft) and a project
    ``broken`` whose front matter does not parse."""
    ok(sdd, implementing, "new", "other")
    ok(sdd, implementing, "new", "broken")
    (implementing / ASSETS / "broken/constitution.md").write_text(BROKEN)
    fill(implementing / ASSETS / "other/constitution.md")
    return implementing


async def _every_action(agent: Agent) -> list[Any]:
    return [
        await agent.client.call_tool("ready", {"project": "other"}),
        await agent.client.call_tool("new_project", {"project": "fresh"}),
        await agent.client.call_tool("block", {"project": "other", "reason": "waits"}),
        await agent.client.call_tool("unblock", {"project": "other"}),
        await agent.client.call_tool("start_task", {"task": "T001", "project": "demo",
                                                    "as_name": "ann"}),
        await agent.client.call_tool("release_task", {"task": "T001", "project": "demo",
                                                      "as_name": "ann"}),
        await agent.client.call_tool("block", {"task": "T003", "project": "demo",
                                               "reason": "later"}),
        await agent.client.call_tool("undo_task", {"task": "T001", "project": "demo"}),
    ]


def test_a_broken_project_is_one_line_never_a_crash(with_broken: Path) -> None:
    """Whatever a broken neighbour does to a tool, the answer is its schema's shape or a
    one-line error (naming the broken file and line); the broken file is never touched."""
    broken = with_broken / ASSETS / "broken/constitution.md"

    async def body(agent: Agent) -> Any:
        results = await _every_action(agent)
        own = await agent.error("ready", project="broken")
        return results, own

    results, own = as_agent(with_broken, body)
    named = f"{(ASSETS / 'broken/constitution.md').as_posix()}:4: "
    assert not results[0].is_error or results[0].content[0].text.startswith(named)
    for result in results:
        if result.is_error:
            text = result.content[0].text
            assert "\n" not in text and "Traceback" not in text and "internal error" not in text
        else:
            assert result.structured_content["schema"].startswith("sddkit.")
    assert own.startswith(f"{(ASSETS / 'broken/constitution.md').as_posix()}:4: invalid YAML")
    assert broken.read_text() == BROKEN


def test_a_broken_project_elsewhere_breaks_no_tool(with_broken: Path) -> None:
    async def body(agent: Agent) -> Any:
        return await _every_action(agent)

    for result in as_agent(with_broken, body):
        assert not result.is_error, result.content


def test_outside_a_repository_the_tools_say_how_to_fix(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    async def body(agent: Agent) -> list[str]:
        return [await agent.error("new_project", project="x"),
                await agent.error("ready", project="x"),
                await agent.error("start_task", task="T001", as_name="a")]

    for message in as_agent(empty, body):
        assert "no AGENTS.ctx/" in message and "sdd init" in message
    assert list(empty.iterdir()) == []
