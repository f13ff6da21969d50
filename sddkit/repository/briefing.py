"""``sdd open``: the session-start briefing. Short by design: rules, contexts, paths, next step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sddkit.io import frontmatter, markers
from sddkit.repository.contexts import TABLE_BLOCK, Context, list_contexts, load_root, resolve
from sddkit.workspace import Workspace

if TYPE_CHECKING:
    from sddkit.projects.fault_isolation import Broken

SCHEMA = "sddkit.open/1"


def _body_without_block(ctx: Context, name: str, replacement: str) -> str:
    """The context's body with block ``name`` replaced by ``replacement``.

    The block is found in the whole file, so a broken marker is reported at its file line.
    """
    text = ctx.text
    block = markers.find_block(text, name, ctx.path)
    if block is not None:
        lines = markers.split_lines(text)
        text = "".join(lines[: block.start]) + replacement + "".join(lines[block.end + 1 :])
    return frontmatter.body(text, ctx.path)


@dataclass
class Briefing:
    """What ``sdd open`` shows: the root context, every context, the ones opened, and the
    projects' state (None when contexts other than ``sdd`` were asked for). ``root`` is a
    ``Broken`` when AGENTS.ctx/CONTEXT.md cannot be read (its rules are then a line naming
    the file, and the rest of the briefing stands)."""

    root: Context | Broken
    contexts: list[Context]
    opened: list[Context]
    sdd: dict[str, Any] | None = field(default=None)


def load_root_isolated(ws: Workspace) -> Context | Broken:
    """The root context, or a ``Broken`` recorded for the run (a warning on stderr, exit 1
    under ``sdd --strict``): one broken file never costs the session its briefing."""
    from sddkit.projects.fault_isolation import isolate

    def load() -> Context:
        root = load_root(ws)
        _body_without_block(root, TABLE_BLOCK, "")  # a broken contexts block: its file:line
        return root

    return isolate("context", "root", ws.root_context, load)


def build(ws: Workspace, names: list[str]) -> Briefing:
    root = load_root_isolated(ws)
    contexts = list_contexts(ws)
    opened = resolve(ws, names)
    sdd = None
    if any(c.name == "sdd" for c in opened) or not names:
        from sddkit.projects.inventory import summary  # the projects' state; no GitPython on this path

        sdd = summary(ws, full=any(c.name == "sdd" for c in opened))
    return Briefing(root, contexts, opened, sdd)


def rules_text(ws: Workspace, b: Briefing) -> str:
    """The root context's body with the contexts table replaced by a pointer to the list, or
    one line naming the file and line that cannot be read."""
    if not isinstance(b.root, Context):
        return f"({b.root.where(ws)} cannot be read: {b.root.error}; fix it to see its rules)"
    return _body_without_block(b.root, TABLE_BLOCK, "(see the contexts list below)\n").strip()


def context_text(c: Context, b: Briefing) -> str:
    if c.name == "sdd":
        return _body_without_block(c, "inventory", "(the projects are summarised below)\n").strip()
    return c.body.strip()


def to_json(ws: Workspace, b: Briefing) -> dict[str, Any]:
    def describe(c: Context) -> dict[str, Any]:
        return {
            "name": c.name,
            "description": c.description,
            "includes": list(c.includes),
            "path": ws.rel(c.path),
        }

    return {
        "schema": SCHEMA,
        "root": str(ws.root),
        "rules": {"path": ws.rel(ws.root_context), "text": rules_text(ws, b)},
        "contexts": [describe(c) for c in b.contexts],
        "opened": [{**describe(c), "text": context_text(c, b)} for c in b.opened],
        "sdd": b.sdd,
    }


def to_text(ws: Workspace, b: Briefing) -> str:
    out = [f"# Session briefing: {ws.root}", ""]
    out += [f"## Rules ({ws.rel(ws.root_context)})", "", rules_text(ws, b), ""]
    out += ["## Contexts (open more with `sdd open NAME...`)", ""]
    for c in b.contexts:
        inc = f" [includes: {', '.join(c.includes)}]" if c.includes else ""
        out.append(f"- {c.name}: {c.description}{inc} ({ws.rel(c.path)})")
    if not b.contexts:
        out.append("- (none yet: `sdd ctx new NAME`)")
    out.append("")
    for c in b.opened:
        out += [f"## Context {c.name} ({ws.rel(c.path)})", "", context_text(c, b), ""]
    if b.sdd is not None:
        out += b.sdd["text"].rstrip("\n").split("\n")
        out.append("")
    return "\n".join(out)
