"""``sdd new P --from FILE``: read a plan written elsewhere for its title and its steps.

A plan document arrives in one of three common shapes, all read with markdown-it:

- a checklist (``- [ ] ...``, any of the task-list shapes of docs/tasks.md);
- a numbered list, each step with child lines such as ``Verify: ...`` and ``Depends on 2``;
- numbered step headings (``## Step 1: ...``, ``### 2. ...``) with those lines below them.

The shape with the most checked steps wins (then the most steps). Its steps seed
``tasks.md`` when the plan phase is approved, renumbered ``T001``... with their checks and
dependencies. The title is the first heading that says what the document is about, not a
generic one ("Overview", "Requirements Document", "Implementation Plan: X" gives "X").
A document that starts with a ``---`` thematic break (no closing line, or no YAML mapping
before it) is Markdown, not front matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sddkit.errors import FrontMatterError
from sddkit.io import frontmatter
from sddkit.tasks.lines import dependency_ids, read_directive

if TYPE_CHECKING:
    from markdown_it.token import Token

_GENERIC = {
    "overview", "introduction", "summary", "requirements", "requirements document",
    "implementation plan", "implementation", "plan", "project plan", "tasks", "task list",
    "implementation tasks", "design", "design document", "technical design", "spec",
    "specification", "background", "context", "goal", "goals", "todo", "to do", "checklist",
    "contents", "table of contents", "notes", "readme", "steps", "scope", "proposal",
}
_TITLE_PREFIX = re.compile(r"^(?:[\w ]+?)\s*[:\u2013\u2014-]\s+(?P<rest>.+)$")
_STEP_HEADING = re.compile(r"^(?:(?:step|task|phase)\s+)?(?P<n>\d+)[.:)]?\s+(?P<text>.+)$",
                           re.IGNORECASE)
_EMPHASIS = re.compile(r"[*_`]+")


@dataclass
class PlanStep:
    """One step of an imported plan: its number there, text, checks and dependencies (the
    numbers or ids the plan wrote)."""

    number: str
    text: str
    verify: list[str] = field(default_factory=list)
    depends: list[str] = field(default_factory=list)


def markdown_of(text: str) -> tuple[dict[str, Any], str]:
    """The front matter mapping (or ``{}``) and the Markdown body of an imported document.

    A leading ``---`` that does not open a closed YAML mapping is a thematic break: the
    whole text is the body.
    """
    try:
        meta = frontmatter.parse(text)
    except FrontMatterError:
        return {}, text.lstrip("\ufeff")
    if meta is None:
        return {}, text.lstrip("\ufeff")
    return meta, frontmatter.body(text)


def _plain(text: str) -> str:
    return " ".join(_EMPHASIS.sub("", text).split()).strip(" #:")


def title_of(meta: dict[str, Any], body: str) -> str | None:
    """The document's title by meaning: front matter ``title``, else the first heading that is
    not generic (``Implementation Plan: Photo albums`` gives ``Photo albums``)."""
    if isinstance(meta.get("title"), str) and meta["title"].strip():
        return str(meta["title"]).strip()
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(body)
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = _plain(tokens[index + 1].content)
        if not text:
            continue
        if text.lower() not in _GENERIC:
            prefix = _TITLE_PREFIX.match(text)
            if prefix and prefix.group(0)[: prefix.start("rest")].strip(" :-").lower() in _GENERIC:
                return prefix.group("rest").strip()
            if not _STEP_HEADING.match(text):
                return text
    return None


def _item_lines(lines: list[str], token: Token) -> list[str]:
    assert token.map is not None
    return lines[token.map[0] : token.map[1]]


def _read_lines(step: PlanStep, lines: list[str]) -> None:
    for raw in lines:
        stripped = re.sub(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])?[ \t]*", "", raw)
        found = read_directive(stripped.strip())
        if found is None:
            continue
        if found.name == "verify" and found.value:
            step.verify.append(found.value)
        elif found.name == "depends":
            step.depends.extend(d for d in dependency_ids(found.value) if d not in step.depends)


def _numbered(tokens: list[Token], lines: list[str]) -> list[PlanStep]:
    """The items of the top-level ordered lists."""
    steps: list[PlanStep] = []
    for index, token in enumerate(tokens):
        if token.type != "list_item_open" or token.level != 1 or not token.info:
            continue
        inline = tokens[index + 2] if index + 2 < len(tokens) else None
        if inline is None or inline.type != "inline":
            continue
        step = PlanStep(token.info, _plain(inline.content.split("\n")[0]))
        if read_directive(step.text) is not None:
            continue
        _read_lines(step, _item_lines(lines, token)[1:])
        steps.append(step)
    return steps


def _headings(tokens: list[Token], lines: list[str]) -> list[PlanStep]:
    """Numbered step headings, each with the lines up to the next heading."""
    heads = [(t, tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]
    steps: list[PlanStep] = []
    for position, (token, inline) in enumerate(heads):
        found = _STEP_HEADING.match(_plain(inline.content))
        if found is None or token.map is None:
            continue
        end = len(lines)
        if position + 1 < len(heads) and heads[position + 1][0].map is not None:
            end = heads[position + 1][0].map[0]  # type: ignore[index]
        step = PlanStep(found.group("n"), found.group("text").strip())
        _read_lines(step, lines[token.map[1] : end])
        steps.append(step)
    return steps


def _checklist(body: str) -> list[PlanStep]:
    from sddkit.tasks import parse_tasks

    tasks = parse_tasks(body, front_matter=False)
    return [PlanStep(t.key, t.text, list(t.verify), list(t.depends))
            for t in tasks.counted() if t.state != "done"]


def plan_steps(body: str) -> list[PlanStep]:
    """The steps of a plan document (see the module docstring); ``[]`` when it has none."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(body)
    lines = body.split("\n")
    shapes = [_checklist(body), _numbered(tokens, lines), _headings(tokens, lines)]
    shapes = [steps for steps in shapes if len(steps) >= 2]
    if not shapes:
        return []
    return max(shapes, key=lambda steps: (sum(bool(s.verify) for s in steps), len(steps)))


def seeded_tasks(steps: list[PlanStep]) -> list[dict[str, Any]]:
    """The steps as template values: ``id`` (``T001``...), ``text``, ``verify``, ``depends``
    (renumbered; a dependency on a step the plan does not have is dropped)."""
    ids = {step.number.upper(): f"T{index:03d}" for index, step in enumerate(steps, start=1)}
    out = []
    for index, step in enumerate(steps, start=1):
        depends = [ids[d.upper()] for d in step.depends if d.upper() in ids]
        out.append({"id": f"T{index:03d}", "text": step.text, "verify": step.verify,
                    "depends": [d for d in depends if d != f"T{index:03d}"]})
    return out
