"""Contexts: ``AGENTS.ctx/CONTEXT.md`` (level 1) and ``AGENTS.ctx/<name>/CONTEXT.md`` (level 2)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sddkit.errors import FrontMatterError, SddkitError
from sddkit.graph_cycles import find_cycle
from sddkit.io import frontmatter
from sddkit.io.reading import inside_root, read_text
from sddkit.names import RESERVED_CONTEXTS, check_slug, shown
from sddkit.workspace import CONTEXT_FILE, Workspace

if TYPE_CHECKING:
    from sddkit.io.fileio import Transaction

TABLE_BLOCK = "contexts"


@dataclass(frozen=True)
class Context:
    """One context: its name, description, the contexts it includes, its file and text."""

    name: str
    description: str
    includes: tuple[str, ...]
    path: Path
    text: str

    @property
    def body(self) -> str:
        return frontmatter.body(self.text, self.path)


def check_context_name(name: str) -> str:
    return check_slug(name, "context", RESERVED_CONTEXTS)


def load_context_file(
    path: Path, expected_name: str | None = None, text: str | None = None
) -> Context:
    """Read one CONTEXT.md (or parse ``text`` as it) and validate its front matter."""
    if text is None:
        text = read_text(path)
    data = frontmatter.parse(text, path)
    if data is None:
        raise FrontMatterError(
            "CONTEXT.md must start with front matter (---, name, description, ---)", path, 1
        )
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise FrontMatterError("front matter needs 'name' (a string)", path, 2)
    if expected_name is not None and name != expected_name:
        raise FrontMatterError(
            f"front matter says name '{shown(name)}' but the folder is '{expected_name}'", path, 2
        )
    description = data.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str) or "\n" in description.strip():
        raise FrontMatterError("'description' must be one line of text", path, 2)
    includes = data.get("includes", [])
    if includes is None:
        includes = []
    if isinstance(includes, str):
        includes = [part.strip() for part in includes.split(",") if part.strip()]
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise FrontMatterError("'includes' must be a list of context names", path, 2)
    return Context(name, description.strip(), tuple(includes), path, text)


def context_names(ws: Workspace) -> list[str]:
    """Folders under AGENTS.ctx/ that hold a CONTEXT.md, sorted."""
    try:
        entries = sorted(ws.ctx.iterdir())
    except FileNotFoundError:
        return []
    return [
        p.name
        for p in entries
        if p.is_dir() and p.name not in RESERVED_CONTEXTS and _has_context_file(p)
    ]


def _has_context_file(folder: Path) -> bool:
    """Whether ``folder`` holds a CONTEXT.md; a folder sddkit may not look into counts (its
    loading then reports the permission problem, rather than the context vanishing)."""
    try:
        return (folder / CONTEXT_FILE).exists()
    except OSError:
        return True


def _load(ws: Workspace, path: Path, name: str | None = None) -> Context:
    """A context of this repository: one whose file resolves outside it is refused (a cloned
    repository must not make `sdd open` print a file from elsewhere on the machine)."""
    inside_root(ws.root, path)
    return load_context_file(path, name)


def list_contexts(ws: Workspace) -> list[Context]:
    """Every context that loads, sorted by name. One that cannot be read is recorded in
    :mod:`sddkit.projects.fault_isolation` and left out: it never stops the listing of the others."""
    from sddkit.projects import fault_isolation

    out = []
    for name in context_names(ws):
        path = ws.context_file(name)
        found = fault_isolation.isolate("context", name, path,
                               lambda path=path, name=name: _load(ws, path, name))
        if isinstance(found, Context):
            out.append(found)
    return out


def load_root(ws: Workspace) -> Context:
    path = ws.root_context
    if not path.exists():
        raise SddkitError("missing; run `sdd init` to recreate it", path)
    return _load(ws, path)


def get_context(ws: Workspace, name: str, known: list[str] | None = None) -> Context:
    known = context_names(ws) if known is None else known
    if name not in known:
        listing = ", ".join(known) or "none yet"
        raise SddkitError(f"unknown context '{shown(name)}'; known contexts: {listing}")
    return _load(ws, ws.context_file(name), name)


def resolve(ws: Workspace, names: list[str]) -> list[Context]:
    """The named contexts with their ``includes`` opened first, in order, each once.

    An unknown name or a cycle of includes (found with graphlib) is an error naming the
    file at fault.
    """
    known = context_names(ws)
    loaded: dict[str, Context] = {}
    queue: list[tuple[str, Context | None]] = [(name, None) for name in names]
    while queue:  # every context reachable from ``names``, each read once
        name, via = queue.pop(0)
        if name in loaded:
            continue
        if name not in known:
            if via is not None:
                raise SddkitError(
                    f"includes unknown context '{shown(name)}'; known contexts: "
                    f"{', '.join(known) or 'none'}",
                    via.path,
                    2,
                )
            get_context(ws, name, known)
        ctx = loaded[name] = _load(ws, ws.context_file(name), name)
        queue += [(child, ctx) for child in ctx.includes]
    cycle = find_cycle({name: list(ctx.includes) for name, ctx in loaded.items()})
    if cycle is not None:
        nodes = cycle[:-1]
        start = nodes.index(next((n for n in names if n in nodes), nodes[0]))
        nodes = nodes[start:] + nodes[:start]
        shown_cycle = " -> ".join([*nodes, nodes[0]])
        raise SddkitError(f"includes form a cycle: {shown_cycle}", loaded[nodes[-1]].path, 2)
    ordered: list[Context] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        done.add(name)
        for child in loaded[name].includes:
            visit(child)
        ordered.append(loaded[name])

    for name in names:
        visit(name)
    return ordered


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


#: The description shown for a context whose CONTEXT.md cannot be read.
UNREADABLE = "(unreadable: `sdd check` says why)"


def render_table(contexts: list[Context], unreadable: list[str] | None = None) -> str:
    """The contexts table of the root CONTEXT.md (deterministic: sorted by name).

    ``unreadable`` names contexts whose file cannot be read: they keep a row (the table
    stays complete while one file is broken) with :data:`UNREADABLE` as description.
    """
    rows = ["| Context | Description | Includes |", "|---|---|---|"]
    entries = [(c.name, _cell(c.description), _cell(", ".join(c.includes))) for c in contexts]
    entries += [(name, UNREADABLE, "") for name in unreadable or ()]
    for name, description, includes in sorted(entries):
        rows.append(f"| [{name}]({name}/{CONTEXT_FILE}) | {description} | {includes} |")
    return "\n".join(rows) + "\n"


def new_context(ws: Workspace, tx: Transaction, name: str, description: str = "",
                includes: list[str] | None = None) -> Path:
    """Stage ``AGENTS.ctx/NAME/CONTEXT.md`` from the context template in ``tx``.

    Refused (:class:`SddkitError`) for an invalid or reserved name, a context that exists,
    a description of more than one line, or an include that is unknown or the context itself.
    """
    from sddkit.io.rendering import render_checked

    check_context_name(name)
    if "\n" in description or "\r" in description:
        raise SddkitError("--description must be one line")
    wanted = list(includes or [])
    known = context_names(ws)
    if name in known or ws.context_file(name).exists():
        raise SddkitError(f"context '{name}' already exists", ws.context_file(name))
    for inc in wanted:
        if inc == name:
            raise SddkitError(f"context '{name}' cannot include itself")
        if inc not in known:
            raise SddkitError(
                f"--includes: unknown context '{shown(inc)}'; known contexts: "
                f"{', '.join(known) or 'none'}"
            )
    path = ws.context_file(name)
    text = render_checked(
        "context.md.j2", ws.local_templates, ws.root, path,
        lambda target, text: load_context_file(target, name, text),
        name=name, description=description, includes=wanted,
    )
    tx.write(path, text)
    return path
