"""MCP prompts and phase-document resources, added to the server by :func:`add_to`.

- **Prompts**: the six workflows of ``agents.skills.SKILLS`` (the same text as the skills,
  from ``templates/skills/``), one prompt each, named like the skill (``sdd-spec``...);
  hosts show them as slash commands. An optional ``project`` argument names the project
  and its folder.
- **Resources**: each phase document, ``sddkit://project/{project}/{phase}``
  (``text/markdown``); the resource list names those of the projects not yet completed.

Only ``mcp_server`` imports this module (it imports the MCP SDK through the server it is
given, never at import time of the CLI).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from sddkit.errors import SddkitError
from sddkit.workspace import PHASES, Workspace

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

PHASE_URI = "sddkit://project/{project}/{phase}"
#: At most this many phase documents are listed (the template still reads any).
LIST_LIMIT = 400

ProjectArg = Annotated[
    str | None, Field(description="The project to work on (its name); omitted: the one `sdd next` names.")
]


def prompt_text(ws: Workspace | None, name: str, project: str | None) -> str:
    """The prompt ``name`` (a skill name) for ``project``: the workflow, then where to work."""
    from sddkit.agents.skills import SKILLS, body
    from sddkit.names import check_slug

    skill = next((s for s in SKILLS if s.name == name), None)
    if skill is None:
        raise SddkitError(f"unknown prompt '{name}'")
    text = body(skill)
    if project:
        check_slug(project, "project")
        folder = f"AGENTS.ctx/sdd/assets/{project}/"
        text += f"\nThe project: `{project}` (its documents are in `{folder}`).\n"
        if ws is not None:
            from sddkit.projects.read_first import read_first
            from sddkit.projects.read_first import to_text as read_text

            text += f"Read first: {read_text(read_first(ws, project))}\n"
    else:
        text += "\nThe project: the one `sdd next` (or the next_step tool) names.\n"
    return text


def phase_text(ws: Workspace, project: str, phase: str) -> str:
    """The text of ``project``'s ``phase`` document (refused outside the repository)."""
    from sddkit.io.fileio import inside_root, read_text
    from sddkit.names import check_slug

    check_slug(project, "project")
    if phase not in PHASES:
        raise SddkitError(f"unknown phase '{phase}'; phases: {', '.join(PHASES)}")
    path = ws.assets / project / f"{phase}.md"
    if not path.is_file():
        raise SddkitError(f"{project} has no {phase} document yet", path)
    inside_root(ws.root, path)
    return read_text(path)


def phase_listing(ws: Workspace) -> list[tuple[str, str, str]]:
    """(project, phase, title) of each existing phase document of the open projects."""
    from sddkit.projects.rows import rows

    out: list[tuple[str, str, str]] = []
    for row in rows(ws):
        if row.state == "completed":
            continue
        for phase in PHASES:
            if (ws.assets / row.name / f"{phase}.md").is_file():
                out.append((row.name, phase, row.title))
        if len(out) >= LIST_LIMIT:
            break
    return out[:LIST_LIMIT]


def add_to(server: MCPServer[Any], locator: Any) -> None:
    """Register the prompts and the phase-document resource template on ``server``."""
    from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

    from sddkit.agents.skills import SKILLS

    def workspace() -> Workspace | None:
        try:
            ws: Workspace = locator.workspace()
        except SddkitError:
            return None
        return ws

    for skill in SKILLS:
        def make(name: str) -> Any:
            def prompt(project: ProjectArg = None) -> str:
                return prompt_text(workspace(), name, project)

            return prompt

        server.prompt(name=skill.name, title=skill.name.replace("sdd-", "sddkit: "),
                      description=skill.description)(make(skill.name))

    @server.resource(
        PHASE_URI,
        name="phase",
        title="A phase document",
        description="AGENTS.ctx/sdd/assets/PROJECT/PHASE.md: constitution, spec, plan or tasks.",
        mime_type="text/markdown",
    )
    def phase_document(project: str, phase: str) -> str:
        ws = workspace()
        if ws is None:
            raise ResourceError("no AGENTS.ctx/ here: run `sdd init`")
        try:
            return phase_text(ws, project, phase)
        except SddkitError as exc:
            raise ResourceNotFoundError(exc.located(ws.root)) from None


def listed_resources(locator: Any) -> list[Any]:
    """The phase documents as MCP ``Resource`` entries, for the server's resource list."""
    from mcp.types import Resource

    try:
        ws = locator.workspace()
        listing = phase_listing(ws)
    except SddkitError:
        return []
    return [
        Resource(uri=PHASE_URI.format(project=project, phase=phase),
                 name=f"{project}:{phase}", title=f"{title}: {phase}",
                 mime_type="text/markdown")
        for project, phase, title in listing
    ]


__all__ = ["PHASE_URI", "add_to", "listed_resources", "phase_listing", "phase_text",
           "prompt_text"]
