"""The MCP tools that move the work on: ``ready``, ``new_project``, ``undo_task``, ``block``,
``unblock``, ``start_task`` and ``release_task``, registered on the server by :func:`add_to`.

Each tool is the CLI command of the same name run through the same core function, the same
transaction (lock, atomic writes) and the same inventory refresh, returning a documented
JSON shape (docs/json.md: ``sddkit.ready/1``, ``sddkit.new/1``, ``sddkit.undo/1``,
``sddkit.block/1``, ``sddkit.claim/1``) instead of a line of text.

An MCP client is a coding agent (docs/approvals.md), so these are the agent's own moves
only: ``ready`` hands a phase to a person, it never approves; ``release_task`` drops the
caller's own claim or a stale one, never another name's fresh claim (a person's
``sdd release --force``); there is no tool for ``approve``, ``reopen`` or any ``--force``.

Only ``mcp_server`` imports this module (it imports the MCP SDK, like the server).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from .errors import SddkitError
from .workspace import Workspace

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from ._fileio import Transaction

T = TypeVar("T")

#: Each tool's result shape (docs/json.md), whose generated JSON Schema it declares.
OUTPUTS = {
    "ready": "sddkit.ready/1",
    "new_project": "sddkit.new/1",
    "undo_task": "sddkit.undo/1",
    "block": "sddkit.block/1",
    "unblock": "sddkit.block/1",
    "start_task": "sddkit.claim/1",
    "release_task": "sddkit.claim/1",
}


# --- the data (plain functions over the core, shared with the tests) ----------------------


def _write(ws: Workspace, stage: Callable[[Transaction], T],
           refresh_when: Callable[[T], bool] = lambda _value: True) -> tuple[T, list[str]]:
    """``stage`` and the inventory refresh in one locked transaction, as the CLI does;
    returns what ``stage`` returned and the repository-relative paths written."""
    from ._fileio import transaction
    from .sync import refresh

    with transaction(ws.root) as tx:
        value = stage(tx)
        if refresh_when(value):
            refresh(ws, tx)
    return value, [ws.rel(path) for path, _old, _new in tx.changes()]


def _next_of(ws: Workspace, project: str) -> dict[str, Any]:
    """``sdd next PROJECT --json`` (``sddkit.next/1``) after the change."""
    from .index import row_of
    from .nextstep import project_step, to_json
    from .project import load_project

    return to_json(ws, project_step(ws, row_of(load_project(ws, project))))


def ready_data(ws: Workspace, project: str) -> dict[str, Any]:
    """``sdd ready PROJECT``: the current draft goes to review (``sddkit.ready/1``).

    Raises :class:`~sddkit.errors.GateError` when the document is incomplete (placeholders,
    empty required sections, open questions, task-list errors: the first named with its
    line), already in review, or an earlier gate is closed.
    """
    from .gates import ready

    doc, files = _write(ws, lambda tx: ready(ws, tx, project))
    return {
        "schema": "sddkit.ready/1",
        "project": project,
        "phase": doc.phase,
        "status": "review",
        "file": ws.rel(doc.path),
        "message": f"{doc.phase} of {project} is in review; a person approves it with "
                   f"`sdd approve {project}`.",
        "files": files,
        "next": _next_of(ws, project),
    }


def new_data(ws: Workspace, project: str, title: str | None,
             from_file: str | None = None) -> dict[str, Any]:
    """``sdd new PROJECT [--title T] [--from FILE]`` (``sddkit.new/1``). ``from_file`` is
    relative to the repository root and must stay inside it (a client names a file the
    repository holds). Raises :class:`SddkitError` for a bad or taken name, a title of
    several lines, or a source outside the repository or missing."""
    from ._fileio import inside_root
    from .gates import new_project

    source = None
    if from_file is not None:
        source = inside_root(ws.root, Path(from_file))
        if not source.is_file():
            raise SddkitError(f"{from_file}: no such file", ws.root / from_file)
    path, files = _write(ws, lambda tx: new_project(ws, tx, project, title, source))
    from .project import load_project

    return {
        "schema": "sddkit.new/1",
        "project": project,
        "title": load_project(ws, project).title,
        "file": ws.rel(path),
        "message": f"created {ws.rel(path)}; write the constitution, then `sdd ready "
                   f"{project}`",
        "files": files,
        "next": _next_of(ws, project),
    }


def undo_data(ws: Workspace, task: str, project: str | None) -> dict[str, Any]:
    """``sdd undo TASK [--project P]``: the box unchecked and the done mark removed
    (``sddkit.undo/1``); ``changed`` is false when the task was not done. Raises
    :class:`~sddkit.errors.TaskError` for an unknown or ambiguous task and
    :class:`~sddkit.errors.GateError` while the tasks phase is not approved."""
    from ._fileio import run_transaction
    from .complete import Completion, undo
    from .sync import refresh

    def stage(tx: Transaction) -> Completion:
        result = undo(ws, tx, task, project)
        if result.changed:
            refresh(ws, tx)
        return result

    result, tx = run_transaction(ws.root, stage)
    name = result.project.name
    return {
        "schema": "sddkit.undo/1",
        "project": name,
        "task": result.task.key,
        "text": result.task.text,
        "changed": result.changed,
        "message": result.message,
        "files": [ws.rel(path) for path, _old, _new in tx.changes()],
        "next": _next_of(ws, name),
    }


def block_data(ws: Workspace, reason: str | None, project: str | None,
               task: str | None) -> dict[str, Any]:
    """``sdd block``/``unblock`` (``reason`` None) of a project, or of one ``task`` (of
    ``project`` when given): ``sddkit.block/1``.

    A project's mark is its constitution's ``blocked:`` key; a task's is a ``blocked:``
    line under it (left out of the tasks gate hash, so the gate stays approved). Raises
    :class:`SddkitError` when neither is named, for an empty reason, and when unblocking
    a project that is not blocked (as ``sdd unblock`` does).
    """
    action = "block" if reason is not None else "unblock"
    folded = " ".join(reason.split()) if reason is not None else None
    if task is not None:
        from .claims import TaskChange, block_task

        def stage(tx: Transaction) -> TaskChange:
            return block_task(ws, tx, task, project, reason)

        change, files = _write(ws, stage, lambda change: change.changed)
        return {
            "schema": "sddkit.block/1",
            "action": action,
            "project": change.project.name,
            "task": change.task.key,
            "reason": folded,
            "file": ws.rel(change.project.docs["tasks"].path),
            "line": change.task.line,
            "changed": change.changed,
            "message": change.message,
            "files": files,
        }
    if project is None:
        raise SddkitError(f"{action} needs a project, or a task (and its project)")
    from .gates import set_blocked

    doc, files = _write(ws, lambda tx: set_blocked(ws, tx, project, reason))
    return {
        "schema": "sddkit.block/1",
        "action": action,
        "project": project,
        "task": None,
        "reason": folded,
        "file": ws.rel(doc.path),
        "line": None,
        "changed": bool(files),
        "message": f"{project} is blocked: {folded}" if folded is not None
        else f"{project} is no longer blocked.",
        "files": files,
    }


def claim_data(ws: Workspace, action: str, task: str, project: str | None, as_name: str,
               steal: bool = False) -> dict[str, Any]:
    """``sdd start TASK --as NAME [--steal]`` or ``sdd release TASK --as NAME``
    (``sddkit.claim/1``). Release never drops another name's fresh claim here (the
    ``--force`` form is a person's). Raises :class:`~sddkit.errors.TaskError` for a task
    that cannot be claimed (done, held, a parent, claimed by another name) and
    :class:`SddkitError` for a bad name or ``SDDKIT_CLAIM_TTL``."""
    from .claims import TaskChange, agent_name, change_json, claim_ttl, release, start

    name = agent_name(as_name)
    claim_ttl()  # a bad SDDKIT_CLAIM_TTL is refused before anything is read

    def stage(tx: Transaction) -> TaskChange:
        if action == "start":
            return start(ws, tx, task, project, name, steal)
        return release(ws, tx, task, project, name, force=False)

    change, _files = _write(ws, stage, lambda change: change.changed)
    return change_json(change, ws, action)


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
    run: Callable[[Callable[[Workspace], dict[str, Any]]], CallToolResult] = locator.run
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
