"""The MCP adapter: the CLI's operations (``sddkit.operations``) served over stdio with the
official SDK.

Only ``sdd mcp`` imports this module, and only this module imports ``mcp``.

Tools return the CLI's ``--json`` shapes (docs/json.md) as structured content, with the
same JSON as text. An :class:`SddkitError` comes back as a tool error carrying its one-line
message; the server keeps running. There is no approval tool: approving a phase is a
person's act (``sdd approve`` in a terminal), and the server's instructions say so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import CallToolResult, Resource, TextContent, ToolAnnotations
from pydantic import Field

from sddkit import operations
from sddkit.approvals.person import PersonRequired
from sddkit.errors import SddkitError
from sddkit.io.fileio import read_text
from sddkit.workspace import Workspace

CONTEXT_URI = "sddkit://context/{name}"
ROOT_URI = "sddkit://context"

INSTRUCTIONS = """\
sddkit keeps this repository's shared context and its spec-driven projects in AGENTS.ctx/.
Start every session with open_context (the rules, the contexts, the projects) and next_step,
then do the step it gives. Working beside other agents, claim a task with start_task (your
name as as_name, the same you give next_step) and drop it with release_task. A task is done
when its verify: check passes; then call complete_task, which runs its `verify: $` commands
and marks it exactly as `sdd done` does (a failing command is an error; nothing is marked).
When a phase document is written, ready hands it to a person for review.
Approving a phase is a person's act. This server has no approval tool and no agent approves:
when next_step says a phase awaits approval, stop and ask the person to run
`sdd approve PROJECT` in a terminal.
Each context's CONTEXT.md is also a resource: sddkit://context/NAME, and each phase document
sddkit://project/PROJECT/PHASE. The prompts (sdd-spec, sdd-tasks, sdd-resume...) say how to
write each phase and how to resume the work."""

#: Every tool's result: the documented JSON object (also sent as text).
Result = Annotated[CallToolResult, dict[str, Any]]
Names = Annotated[
    list[str] | None,
    Field(description="Contexts to open (composites open what they include); none: the overview."),
]
ProjectName = Annotated[
    str | None, Field(description="A project name; omitted: every project.")
]
AsName = Annotated[
    str | None, Field(description="Who asks: the claimant name used with `sdd start --as`.")
]
TaskRef = Annotated[str, Field(description="The task: an id such as T003 or 2.1, or #3.")]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def _ok(data: Mapping[str, Any]) -> CallToolResult:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return CallToolResult(content=[TextContent(type="text", text=text)],
                          structured_content=dict(data))


def _error(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


class Locator:
    """Finds the repository root for each call: ``--root``, else from the server's cwd.

    Looked up per call, so a repository initialised after the server started is found.
    """

    def __init__(self, start: Path, root: Path | None = None) -> None:
        self.start = start.absolute()
        self.root = root

    def workspace(self) -> Workspace:
        return Workspace.find(self.start, self.root)

    def run(self, action: Callable[[Workspace], Mapping[str, Any]]) -> CallToolResult:
        """``action`` on the workspace; a refusal or bad input becomes a one-line tool error."""
        try:
            ws = self.workspace()
        except SddkitError as exc:
            return _error(exc.located(self.start))
        from sddkit.projects import fault_isolation

        fault_isolation.reset()  # each call reports the projects it could not read (``broken``)
        try:
            return _ok(action(ws))
        except SddkitError as exc:
            return _error(exc.located(ws.root))  # paths relative to the repository root
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            return _error(f"{where}{exc.strerror or exc}")
        finally:
            from sddkit.io import cache

            cache.flush()  # one call is one run: the next looks at the files afresh


# --- the tools' answers: the operations' JSON ---------------------------------------------


def open_data(ws: Workspace, names: list[str]) -> Mapping[str, Any]:
    """``open_context``: :func:`sddkit.operations.open_briefing` (``sddkit.open/1``)."""
    return _data(operations.open_briefing(ws, names))


def status_data(ws: Workspace, project: str | None) -> Mapping[str, Any]:
    """``status``: :func:`sddkit.operations.status` (``sddkit.status/1``)."""
    return _data(operations.status(ws, project or None))


def next_data(ws: Workspace, project: str | None, as_name: str | None = None,
              all_tasks: bool = False) -> Mapping[str, Any]:
    """``next_step``/``available_tasks``: :func:`sddkit.operations.next_step` or
    :func:`sddkit.operations.available_tasks` (``sddkit.next/1``, ``sddkit.next.all/1``)."""
    if all_tasks:
        return _data(operations.available_tasks(ws, project or None, as_name))
    return _data(operations.next_step(ws, project or None, as_name))


def complete_data(ws: Workspace, task: str, project: str | None, force: bool,
                  timeout: float | None = None) -> Mapping[str, Any]:
    """``complete_task``: :func:`sddkit.operations.complete` (``sddkit.done/1``): the
    task's checks run first; a failing check is a tool error with its last lines."""
    if force:  # a person's act (docs/approvals.md); an MCP client is always an agent
        raise PersonRequired(f"forcing a task is a person's act: a person runs `sdd done {task} "
                             "--force` in their own terminal")
    return _data(operations.complete(ws, task, project, force, timeout=timeout))


def check_data(ws: Workspace, projects: list[str] | None, strict: bool) -> Mapping[str, Any]:
    """``check``: :func:`sddkit.operations.check` (``sddkit.check/1``)."""
    return _data(operations.check(ws, projects or None, strict, form="json"))


def contracts_check_data(ws: Workspace, strict: bool) -> Mapping[str, Any]:
    """``contracts_check``: :func:`sddkit.operations.contracts_check`."""
    return _data(operations.contracts_check(ws, strict))


def _data(outcome: operations.Outcome) -> Mapping[str, Any]:
    assert outcome.data is not None, "every tool's operation has a JSON shape"
    return outcome.data


# --- the server ------------------------------------------------------------------------------


class SddkitServer(MCPServer[Any]):
    """An MCPServer whose resource list is the repository's contexts, read when asked."""

    def __init__(self, locator: Locator) -> None:
        from sddkit import __version__

        super().__init__(
            name="sddkit",
            title="sddkit",
            description="Spec-driven development in plain Markdown under AGENTS.ctx/.",
            instructions=INSTRUCTIONS,
            version=str(__version__),
            log_level="WARNING",
        )
        self.locator = locator

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        """Refuse an argument the tool does not take (an agent's ``dry_run: true`` to a tool
        that has none must not become a real write), as one line, before anything runs."""
        tool = self._tool_manager.get_tool(name)
        taken = list(tool.parameters.get("properties", {})) if tool is not None else []
        unknown = [key for key in arguments if tool is not None and key not in taken]
        if unknown:
            raise ToolError(f"{name} takes no argument '{unknown[0]}' (it takes: "
                            f"{', '.join(taken) or 'none'}); nothing was done")
        return await super().call_tool(name, arguments, context)

    async def list_resources(self) -> list[Resource]:
        from sddkit.repository.contexts import list_contexts

        listed = await super().list_resources()
        try:
            contexts = list_contexts(self.locator.workspace())
        except SddkitError:
            return listed
        from sddkit.cli.mcp_prompts import listed_resources

        return listed + listed_resources(self.locator) + [
            Resource(
                uri=CONTEXT_URI.format(name=c.name),
                name=f"context:{c.name}",
                title=f"{c.name} context",
                description=c.description or None,
                mime_type="text/markdown",
            )
            for c in contexts
        ]


def build_server(locator: Locator) -> SddkitServer:
    """The server with its tools and resources; nothing runs until :func:`serve`."""
    from sddkit.cli import mcp_actions
    from sddkit.cli.mcp_prompts import add_to

    server = SddkitServer(locator)
    _add_tools(server, locator)
    mcp_actions.add_to(server, locator)  # the tools that move the work on
    _declare_outputs(server)
    _add_resources(server, locator)
    add_to(server, locator)  # the workflow prompts and the phase documents
    return server


#: Each tool's result shape (docs/json.md; typed in ``json_shapes``), declared as its output.
OUTPUTS = {
    "open_context": "sddkit.open/1",
    "status": "sddkit.status/1",
    "next_step": "sddkit.next/1",
    "available_tasks": "sddkit.next.all/1",
    "complete_task": "sddkit.done/1",
    "check": "sddkit.check/1",
    "contracts_check": "sddkit.contracts.check/1",
}


def all_outputs() -> dict[str, str]:
    """Every tool's name -> its result shape: these and ``mcp_actions.OUTPUTS``."""
    from sddkit.cli.mcp_actions import OUTPUTS as ACTIONS

    return {**OUTPUTS, **ACTIONS}


def output_model(schema_id: str) -> Any:
    """The typed result of a shape (:data:`sddkit.json_shapes.SHAPES`): its ``TypedDict``,
    or the union of its variants (``sddkit.status/1``: every project, one project)."""
    from typing import Union

    from sddkit.json_shapes import SHAPES

    shapes = SHAPES[schema_id]
    return shapes[0] if len(shapes) == 1 else Union[shapes]  # noqa: UP007 (a runtime tuple)


def _declare_outputs(server: SddkitServer) -> None:
    """Give each tool the typed result of its shape, as the SDK does for a tool annotated
    ``-> Annotated[CallToolResult, Shape]``: the SDK derives the ``outputSchema`` from it
    (pydantic; only documented fields, ``additionalProperties: false``) and validates each
    result against it before sending it. A shape with variants is a union; the schema's
    root then also says ``"type": "object"``, as MCP requires."""
    from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata

    for name, schema_id in all_outputs().items():
        tool = server._tool_manager.get_tool(name)
        assert tool is not None, name
        typed = FuncMetadata(arg_model=tool.fn_metadata.arg_model,
                             output_model=output_model(schema_id))
        assert typed.output_schema is not None, name
        typed.output_schema = {"type": "object", **typed.output_schema}
        tool.fn_metadata = typed
        tool.parameters["additionalProperties"] = False  # :meth:`SddkitServer.call_tool`


def _add_tools(server: SddkitServer, locator: Locator) -> None:
    run = locator.run

    @server.tool(
        name="open_context",
        title="Session briefing",
        description="The session-start briefing (like `sdd open`): the root rules, the list of "
        "contexts, each named context's text, and for `sdd` the projects and the next step. "
        "Returns sddkit.open/1.",
        annotations=READ_ONLY,
    )
    def open_context(names: Names = None) -> Result:
        return run(lambda ws: open_data(ws, list(names or [])))

    @server.tool(
        name="status",
        title="Project status",
        description="Every project's state, or one project's phases, flags and progress "
        "(like `sdd status`). Returns sddkit.status/1.",
        annotations=READ_ONLY,
    )
    def status(project: ProjectName = None) -> Result:
        return run(lambda ws: status_data(ws, project))

    @server.tool(
        name="next_step",
        title="Next step",
        description="The next step (like `sdd next`): a document to write, a phase awaiting a "
        "person's approval, or the next task with its file, line and verify checks; tasks "
        "claimed by another name are skipped, the caller's own claim comes first. Returns "
        "sddkit.next/1.",
        annotations=READ_ONLY,
    )
    def next_step(project: ProjectName = None, as_name: AsName = None) -> Result:
        return run(lambda ws: next_data(ws, project, as_name))

    @server.tool(
        name="available_tasks",
        title="Tasks that can start now",
        description="Every task that can start now (like `sdd next --all`): dependencies done, "
        "not blocked, not claimed by another name, honouring [P]; the caller's own claims; "
        "projects waiting for a person. Claim one with `sdd start TASK --as NAME`. Returns "
        "sddkit.next.all/1.",
        annotations=READ_ONLY,
    )
    def available_tasks(project: ProjectName = None, as_name: AsName = None) -> Result:
        return run(lambda ws: next_data(ws, project, as_name, all_tasks=True))

    @server.tool(
        name="complete_task",
        title="Check a task off",
        description="Run the task's runnable checks (`verify: $ CMD`) and, when they pass, "
        "check it off exactly as `sdd done` does (flips its box, appends the done mark with "
        "the outcome, refreshes the inventory). A failing check is an error with the "
        "command's last lines, and nothing is written. Refused while the tasks phase is not "
        "approved or its dependencies are open. Returns sddkit.done/1 with the checks run "
        "and the next step. It cannot approve anything: approval is a person's act.",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True,
            open_world_hint=False,
        ),
    )
    def complete_task(
        task: TaskRef,
        project: Annotated[str | None, Field(description="The project (needed when ids repeat).")]
        = None,
        force: Annotated[bool, Field(description="Refused: forcing is a person's act "
                                     "(`sdd done TASK --force` in a terminal).")]
        = False,
    ) -> Result:
        return run(lambda ws: complete_data(ws, task, project, force))

    @server.tool(
        name="check",
        title="Check the repository",
        description="Every `sdd check` rule over AGENTS.ctx/: gates, drift, staleness, tasks, "
        "contexts, contracts. Returns sddkit.check/1.",
        annotations=READ_ONLY,
    )
    def check(
        projects: Annotated[
            list[str] | None, Field(description="Only these projects; omitted: all.")
        ] = None,
        strict: Annotated[bool, Field(description="Report warnings as failures.")] = False,
    ) -> Result:
        return run(lambda ws: check_data(ws, projects, strict))

    @server.tool(
        name="contracts_check",
        title="Check the service contracts",
        description="Cross-check every service contract in AGENTS.ctx/contracts/ (like "
        "`sdd contracts check`). Returns sddkit.contracts.check/1.",
        annotations=READ_ONLY,
    )
    def contracts_check(
        strict: Annotated[bool, Field(description="A missing runtime block is an error.")]
        = False,
    ) -> Result:
        return run(lambda ws: contracts_check_data(ws, strict))


def _add_resources(server: SddkitServer, locator: Locator) -> None:
    @server.resource(
        ROOT_URI,
        name="context:root",
        title="Root context",
        description="AGENTS.ctx/CONTEXT.md: how this repository works, its rules, its contexts.",
        mime_type="text/markdown",
    )
    def root_context() -> str:
        try:
            return read_text(locator.workspace().root_context)
        except SddkitError as exc:
            raise ResourceNotFoundError(str(exc)) from None

    @server.resource(
        CONTEXT_URI,
        name="context",
        title="A context",
        description="AGENTS.ctx/NAME/CONTEXT.md: one domain's rules.",
        mime_type="text/markdown",
    )
    def context(name: str) -> str:
        from sddkit.repository.contexts import get_context

        try:
            ws = locator.workspace()
        except SddkitError as exc:
            raise ResourceError(exc.message) from None
        try:
            return get_context(ws, name).text
        except SddkitError as exc:
            raise ResourceNotFoundError(exc.located(ws.root)) from None


def serve(start: Path, root: Path | None = None) -> None:
    """Run the server on stdin/stdout until the client closes it."""
    build_server(Locator(start, root)).run("stdio")
