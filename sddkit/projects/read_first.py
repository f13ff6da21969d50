"""What to read before working on a project: its constitution, its plan, and its contexts.

A project names the contexts its work needs in its constitution's front matter::

    contexts: [k8s, billing]      # or one name, or a comma-separated string

They are opened like ``sdd open NAME...`` (a composite's ``includes`` first, each once).
``sdd next`` and the session briefing list these paths under "read first", so an agent that
picks up a task reads the foundations and the domain rules before it changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sddkit.errors import SddkitError
from sddkit.names import shown
from sddkit.workspace import Workspace


@dataclass(frozen=True)
class ReadItem:
    """One file to read first: its path (POSIX, relative to the root) and why."""

    path: str
    why: str  # "constitution" | "plan" | "context NAME" | a problem, in words

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "why": self.why}


def declared_contexts(value: object) -> list[str]:
    """The ``contexts:`` value as a list of names: a list, one name or ``"a, b"``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    raise SddkitError("contexts: must be a list of context names (e.g. contexts: [k8s, billing])")


def read_first(ws: Workspace, project: str) -> list[ReadItem]:
    """The files to read before working on ``project``, in reading order.

    The constitution and (once it exists) the plan, then each context the constitution
    declares, composites resolved. Never raises for the project's own content: a bad
    ``contexts:`` value or an unknown context becomes an item saying so, so a briefing
    still prints.
    """
    from sddkit.projects.project import project_loader

    folder = ws.assets / project
    items = [ReadItem(ws.rel(folder / "constitution.md"), "constitution")]
    if (folder / "plan.md").is_file():
        items.append(ReadItem(ws.rel(folder / "plan.md"), "plan"))
    constitution = folder / "constitution.md"
    try:
        doc = project_loader(ws).doc(str(folder), project, "constitution")  # parse cache
        names = declared_contexts(doc.meta.get("contexts") if doc is not None else None)
        contexts = []
        if names:  # the context registry is read only for a project that names contexts
            from sddkit.repository.contexts import resolve

            contexts = resolve(ws, names)
    except (SddkitError, OSError) as exc:
        message = exc.located(ws.root) if isinstance(exc, SddkitError) else str(exc)
        return [*items, ReadItem(ws.rel(constitution), f"contexts not listed: {shown(message)}")]
    items += [ReadItem(ws.rel(c.path), f"context {c.name}") for c in contexts]
    return items


def to_text(items: list[ReadItem]) -> str:
    """``path (why), path (why)`` on one line."""
    return ", ".join(f"{item.path} ({item.why})" for item in items)


__all__ = ["ReadItem", "declared_contexts", "read_first", "to_text"]
