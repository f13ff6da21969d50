"""The MCP tools that move the work on: ``ready``, ``new_project``, ``undo_task``, ``block``,
``unblock``, ``start_task`` and ``release_task``, registered on the server by :func:`add_to`.

Each tool is a thin adapter over the operation its CLI command calls
(:mod:`sddkit.operations`: the same rules, transaction, lock and inventory refresh), whose
outcome it returns as a documented JSON shape (docs/json.md: ``sddkit.ready/1``,
``sddkit.new/1``, ``sddkit.undo/1``, ``sddkit.block/1``, ``sddkit.claim/1``; typed in
:mod:`sddkit.json_shapes`) instead of a line of text.

An MCP client is a coding agent (docs/approvals.md), so these are the agent's own moves
only: ``ready`` hands a phase to a person, it never approves; ``release_task`` drops the
caller's own claim or a stale one, never another name's fresh claim (a person's
``sdd release --force``); there is no tool for ``approve``, ``reopen`` or any ``--force``.

Only ``mcp_server`` imports this module (it imports the MCP SDK, like the server).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from sddkit import operations
from sddkit.errors import SddkitError
from sddkit.workspace import Workspace

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer


#: Each tool's result shape (docs/json.md; typed in ``json_shapes``), declared as its output.
OUTPUTS = {
    "ready": "sddkit.ready/1",
    "new_project": "sddkit.new/1",
    "undo_task": "sddkit.undo/1",
    "block": "sddkit.block/1",
    "unblock": "sddkit.block/1",
    "start_task": "sddkit.claim/1",
    "release_task": "sddkit.claim/1",
}


# --- the answers: each one operation (sddkit.operations), its outcome as JSON --------------


def _next_of(ws: Workspace, project: str) -> Mapping[str, Any]:
    """``sdd next PROJECT --json`` (``sddkit.next/1``) after the change."""
    data = operations.next_step(ws, project).data
    assert data is not None
    return data


def ready_data(ws: Workspace, project: str) -> Mapping[str, Any]:
    """:func:`sddkit.operations.ready` (``sdd ready``) as ``sddkit.ready/1``. Raises
    :class:`~sddkit.errors.GateError` when the document is incomplete (placeholders, empty
    required sections, open questions, task-list errors: the first with its line), already
    in review, or an earlier gate is closed."""
    moved = operations.ready(ws, project)
    assert moved.path is not None
    return {
        "schema": "sddkit.ready/1",
        "project": moved.project,
        "phase": moved.phase,
        "status": moved.status,
        "file": ws.rel(moved.path),
        "message": moved.text.strip(),
        "files": moved.files,
        "next": _next_of(ws, project),
    }


def new_data(ws: Workspace, project: str, title: str | None,
             from_file: str | None = None) -> Mapping[str, Any]:
    """:func:`sddkit.operations.new_project` (``sdd new PROJECT [--title T] [--from FILE]``)
    as ``sddkit.new/1``. ``from_file`` is relative to the repository root and must stay
    inside it (a client names a file the repository holds). Raises :class:`SddkitError`
    for a bad or taken name, a title of several lines, a source outside the repository or
    missing."""
    from sddkit.io.fileio import inside_root

    source = None
    if from_file is not None:
        source = inside_root(ws.root, Path(from_file))
        if not source.is_file():
            raise SddkitError(f"{from_file}: no such file", ws.root / from_file)
    made = operations.new_project(ws, project, title, source)
    status = operations.status(ws, project).data
    assert status is not None
    return {
        "schema": "sddkit.new/1",
        "project": made.project,
        "title": status["title"],
        "file": ws.rel(made.path),
        "message": f"created {ws.rel(made.path)}; write the constitution, then `sdd ready "
                   f"{project}`",
        "files": made.files,
        "next": _next_of(ws, project),
    }


def undo_data(ws: Workspace, task: str, project: str | None) -> Mapping[str, Any]:
    """:func:`sddkit.operations.undo` (``sdd undo TASK [--project P]``) as ``sddkit.undo/1``;
    ``changed`` is false when the task was not done. Raises
    :class:`~sddkit.errors.TaskError` for an unknown or ambiguous task and
    :class:`~sddkit.errors.GateError` while the tasks phase is not approved."""
    undone = operations.undo(ws, task, project)
    return {
        "schema": "sddkit.undo/1",
        "project": undone.project,
        "task": undone.task.key,
        "text": undone.task.text,
        "changed": undone.box_changed,
        "message": undone.text.strip(),
        "files": undone.files,
        "next": _next_of(ws, undone.project),
    }


def block_data(ws: Workspace, reason: str | None, project: str | None,
               task: str | None) -> Mapping[str, Any]:
    """:func:`sddkit.operations.block`/:func:`~sddkit.operations.unblock` (``reason`` None)
    of a project, or of one ``task`` (of ``project`` when given), as ``sddkit.block/1``.

    A project's mark is its constitution's ``blocked:`` key; a task's is a ``blocked:``
    line under it (left out of the tasks gate hash, so the gate stays approved). Raises
    :class:`SddkitError` when neither is named, for an empty reason, and when unblocking
    a project that is not blocked (as ``sdd unblock`` does).
    """
    action = "block" if reason is not None else "unblock"
    name = task if task is not None else project
    if name is None:
        raise SddkitError(f"{action} needs a project, or a task (and its project)")
    scope = project if task is not None else None
    changed = (operations.block(ws, name, reason, scope) if reason is not None
               else operations.unblock(ws, name, scope))
    folded = " ".join(reason.split()) if reason is not None else None
    if isinstance(changed, operations.TaskChanged):
        claim = changed.data
        assert claim is not None
        return {"schema": "sddkit.block/1", "action": action, "project": changed.project,
                "task": claim["task"], "reason": folded, "file": claim["file"],
                "line": claim["line"], "changed": claim["changed"],
                "message": changed.text.strip(), "files": changed.files}
    assert changed.path is not None
    return {"schema": "sddkit.block/1", "action": action, "project": changed.project,
            "task": None, "reason": changed.reason, "file": ws.rel(changed.path),
            "line": None, "changed": changed.changed, "message": changed.text.strip(),
            "files": changed.files}


def claim_data(ws: Workspace, action: str, task: str, project: str | None, as_name: str,
               steal: bool = False) -> Mapping[str, Any]:
    """:func:`sddkit.operations.start` (``sdd start TASK --as NAME [--steal]``) or
    :func:`~sddkit.operations.release` (``sdd release TASK --as NAME``, never ``--force``:
    that is a person's) as ``sddkit.claim/1``. Raises :class:`~sddkit.errors.TaskError`
    for a task that cannot be claimed (done, held, a parent, claimed by another name) and
    :class:`SddkitError` for a bad name or ``SDDKIT_CLAIM_TTL``."""
    if action == "start":
        outcome = operations.start(ws, task, project, as_name, steal)
    else:
        outcome = operations.release(ws, task, project, as_name, force=False)
    assert outcome.data is not None
    return outcome.data


# --- the tools -----------------------------------------------------------------------------

#: Every tool's result: the documented JSON object (also sent as text).
Result = Annotated[CallToolResult, dict[str, Any]]
TaskRef = Annotated[str, Field(description="The task: an id such as T003 or 2.1, or #3.")]
ProjectOf = Annotated[str | None, Field(description="The project (needed when ids repeat).")]
Claimant = Annotated[str, Field(
    description="Who claims: the agent's own name, the one it passes to next_step as as_name.")]


def add_to(server: MCPServer[Any], locator: Any) -> None:
    """Register the tools on ``server``; ``locator.run(action)`` turns an
    :class:`SddkitError` into a one-line tool error (``mcp_server.Locator``)."""
    run: Callable[[Callable[[Workspace], Mapping[str, Any]]], CallToolResult] = locator.run
    writes = ToolAnnotations(read_only_hint=False, destructive_hint=False,
                             idempotent_hint=False, open_world_hint=False)
    repeats = ToolAnnotations(read_only_hint=False, destructive_hint=False,
                              idempotent_hint=True, open_world_hint=False)

    @server.tool(
        name="ready", title="Hand a phase to a person",
        description="Mark the project's current draft ready for review, like `sdd ready`: "
        "refused, with the file and line, while it has template placeholders, empty required "
        "sections, open questions or task-list errors. A person then approves it; this "
        "cannot approve. Returns sddkit.ready/1 with the next step.",
        annotations=writes)
    def ready(project: Annotated[str, Field(description="The project.")]) -> Result:
        return run(lambda ws: ready_data(ws, project))

    @server.tool(
        name="new_project", title="Start a project",
        description="Scaffold a project's constitution (draft), like `sdd new`. Returns "
        "sddkit.new/1 with the next step.",
        annotations=writes)
    def new_project(
        project: Annotated[str, Field(description="Its name: a lowercase slug, a-z 0-9 and -.")],
        title: Annotated[str | None, Field(description="A one-line title (default: the name).")]
        = None,
        from_file: Annotated[str | None, Field(
            description="A plan document in the repository (path from its root) to seed the "
            "project from, kept verbatim as source.md, like `sdd new --from`.")] = None,
    ) -> Result:
        return run(lambda ws: new_data(ws, project, title, from_file))

    @server.tool(
        name="undo_task", title="Reopen a task",
        description="Uncheck a task and remove its done mark, like `sdd undo`. Returns "
        "sddkit.undo/1 with the next step.",
        annotations=repeats)
    def undo_task(task: TaskRef, project: ProjectOf = None) -> Result:
        return run(lambda ws: undo_data(ws, task, project))

    @server.tool(
        name="block", title="Mark a project or task blocked",
        description="Record what blocks a project (its constitution's `blocked:`) or, with "
        "task, one task (a `blocked:` line under it; the tasks gate stays approved), like "
        "`sdd block`. next_step passes blocked work over. Returns sddkit.block/1.",
        annotations=repeats)
    def block(
        reason: Annotated[str, Field(description="What blocks it, in one line.")],
        project: Annotated[str | None, Field(
            description="The project (needed for a project, and when task ids repeat).")]
        = None,
        task: Annotated[str | None, Field(description="A task (T003, 2.1, #3); omitted: the "
                                          "project itself.")] = None,
    ) -> Result:
        return run(lambda ws: block_data(ws, reason, project, task))

    @server.tool(
        name="unblock", title="Clear a block",
        description="Clear a project's blocked mark or, with task, a task's `blocked:` line, "
        "like `sdd unblock`. Returns sddkit.block/1.",
        annotations=repeats)
    def unblock(
        project: Annotated[str | None, Field(
            description="The project (needed for a project, and when task ids repeat).")]
        = None,
        task: Annotated[str | None, Field(description="A task; omitted: the project itself.")]
        = None,
    ) -> Result:
        return run(lambda ws: block_data(ws, None, project, task))

    @server.tool(
        name="start_task", title="Claim a task",
        description="Claim a task for as_name before working on it, like `sdd start --as`: "
        "writes `- claimed: NAME DATE` under it; other agents' next_step and available_tasks "
        "pass it over. Refused for a task that is done, held or claimed by another name "
        "(steal takes over only a stale claim, recorded in a note). Returns sddkit.claim/1.",
        annotations=repeats)
    def start_task(
        task: TaskRef, as_name: Claimant, project: ProjectOf = None,
        steal: Annotated[bool, Field(description="Take over another name's stale claim.")]
        = False,
    ) -> Result:
        return run(lambda ws: claim_data(ws, "start", task, project, as_name, steal))

    @server.tool(
        name="release_task", title="Drop a claim",
        description="Drop as_name's claim on a task (or a stale one), like `sdd release`. "
        "Another name's fresh claim stays: a person drops it with `sdd release --force`. "
        "Returns sddkit.claim/1.",
        annotations=repeats)
    def release_task(task: TaskRef, as_name: Claimant, project: ProjectOf = None) -> Result:
        return run(lambda ws: claim_data(ws, "release", task, project, as_name))


__all__ = ["OUTPUTS", "add_to", "block_data", "claim_data", "new_data", "ready_data",
           "undo_data"]
