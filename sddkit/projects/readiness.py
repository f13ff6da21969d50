"""Is a phase document ready for review? Placeholders, empty sections, open questions.

Used by ``sdd ready`` (refuse) and ``sdd check`` (SDD-007, SDD-008).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from sddkit.io import frontmatter
from sddkit.io.markdown import code_lines, code_lines_sliceable
from sddkit.io.markers import split_lines
from sddkit.projects.phases import PhaseDoc

#: The level-2 sections each phase must have, non-empty, when its document does not declare
#: its own (documents written before templates declared them; the shipped templates declare
#: these same lists in ``required_sections``).
REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    "constitution": ("Foundations", "Amendments"),
    "spec": (
        "Behaviour",
        "Inputs and outputs",
        "Behaviour per case",
        "Edge cases",
        "Error handling",
        "Acceptance criteria",
        "Open questions",
    ),
    "plan": (
        "Files to create or modify",
        "Choices and rationale",
        "Dependencies and order",
        "Contracts",
        "Risks",
    ),
    "tasks": (),
}
OPEN_QUESTIONS = "Open questions"
PLACEHOLDER = "<!-- fill:"
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_OPEN_BOX = re.compile(r"^\s*[-*+]\s+\[ \]")


@dataclass(frozen=True)
class Problem:
    rule: str  # SDD-007 (open questions) or SDD-008 (placeholders / empty sections)
    line: int
    message: str


@dataclass(frozen=True, eq=False)
class Section:
    """One heading of a document and the lines under it, up to the next heading of the same
    level or higher. ``content`` is built when first asked for (most sections' never is)."""

    title: str
    level: int
    line: int  # 1-based file line of the heading
    lines: list[str]  # the document's lines, with their endings
    end: int  # 0-based index of the first line after the content

    @cached_property
    def content(self) -> list[tuple[int, str]]:
        """(1-based file line, text without its ending) of each line under the heading."""
        lines = self.lines
        return [(i + 1, lines[i].rstrip("\r\n")) for i in range(self.line, self.end)]


@dataclass(frozen=True)
class Outline:
    """A document read once for every rule that reads its sections: its lines (with their
    endings), the index of its body's first line, which body lines are code and its
    sections (:func:`sections`)."""

    lines: list[str]
    offset: int
    code: list[bool]  # one per body line: lines[offset:]
    #: whether ``code`` holds for a part of the body that starts after a line outside
    #: code, such as a section's content (:func:`sddkit.io.markdown.code_lines_sliceable`)
    sliceable: bool
    sections: list[Section]

    def code_of(self, section: Section) -> list[bool]:
        """:func:`~sddkit.io.markdown.code_lines` of ``section``'s content lines (a heading
        is never code, so a sliceable answer is read off; else the lines are read alone)."""
        if self.sliceable:
            return self.code[section.line - self.offset : section.end - self.offset]
        return code_lines([text for _n, text in section.content])


def outline(text: str) -> Outline:
    """``text`` read for its sections once (see :class:`Outline`)."""
    lines = split_lines(text)
    offset = frontmatter.body_line_offset(text)
    code, sliceable = code_lines_sliceable(lines[offset:])
    return Outline(lines, offset, code, sliceable, _sections(lines, offset, code))


def sections(text: str) -> list[Section]:
    """The headings of the body (outside code fences) with their content lines."""
    return outline(text).sections


def _sections(lines: list[str], offset: int, in_code: list[bool]) -> list[Section]:
    """:func:`sections` of a document's ``lines`` whose body starts at index ``offset``,
    ``in_code`` telling which body lines are code."""
    heads: list[tuple[int, int, str]] = []
    body = lines[offset:]
    for index in [i for i, line in enumerate(body) if "#" in line]:  # no heading without one
        if in_code[index]:
            continue
        match = _HEADING.match(body[index].rstrip("\r\n"))
        if match:
            heads.append((index + offset, len(match.group(1)), match.group(2).strip()))
    ends = [len(lines)] * len(heads)  # a section ends at the next heading as high as its own
    open_heads: list[int] = []  # positions in heads of the sections not ended yet
    for pos, (index, level, _title) in enumerate(heads):
        while open_heads and heads[open_heads[-1]][1] >= level:
            ends[open_heads.pop()] = index
        open_heads.append(pos)
    return [Section(title, level, index + 1, lines, end)
            for (index, level, title), end in zip(heads, ends, strict=True)]


def required_sections(doc: PhaseDoc) -> tuple[str, ...]:
    """The level-2 sections ``doc`` must have, non-empty.

    A document declares them in its front matter (``required_sections: [A, B]``, written
    there by the template it was scaffolded from, so a team's own template, Gherkin
    scenarios say, defines its own sections); without the key, the phase's defaults. A
    constitution that ``inherits`` the repository's foundations (a context) need not
    restate them: its ``Foundations`` section may then be empty.
    """
    declared = doc.meta.get("required_sections")
    titles = tuple(declared) if isinstance(declared, list) else REQUIRED_SECTIONS.get(doc.phase, ())
    if doc.phase == "constitution" and doc.meta.get("inherits"):
        titles = tuple(t for t in titles if t.lower() != "foundations")
    return titles


def problems(doc: PhaseDoc, shape: Outline | None = None) -> list[Problem]:
    """Everything that keeps ``doc`` from being ready for review. ``shape``: the
    :func:`outline` of ``doc.text``, when the caller has it."""
    text = doc.text
    found: list[Problem] = []
    titles = required_sections(doc)
    if PLACEHOLDER in text:
        offset = frontmatter.body_line_offset(text) if shape is None else shape.offset
        for number, line in enumerate(split_lines(text), start=1):
            if number > offset and PLACEHOLDER in line:
                found.append(
                    Problem("SDD-008", number, "unfilled template placeholder <!-- fill: ... -->")
                )
    if titles or doc.phase == "spec":  # else no section is read (a task list, say)
        found += _section_problems(doc, titles, outline(text) if shape is None else shape)
    if "sddkit:ignore" not in text:
        return found
    from sddkit.suppressions import scan  # the same grammar `sdd check` honours

    suppressed = scan("", text).lines
    return [p for p in found if p.rule not in suppressed.get(p.line, set())]


def _section_problems(doc: PhaseDoc, titles: tuple[str, ...], shape: Outline) -> list[Problem]:
    """The problems of :func:`problems` that read sections: a required one missing or
    empty (``titles``), an open question of a spec."""
    found: list[Problem] = []
    offset = shape.offset
    lines = shape.lines
    by_title: dict[str, Section] = {}
    for section in shape.sections:
        if section.level == 2:
            by_title.setdefault(section.title.lower(), section)
    for title in titles:
        required = by_title.get(title.lower())
        if required is None:
            found.append(Problem("SDD-008", offset + 1, f"required section '## {title}' missing"))
            continue
        # the content's lines as they are: a "\r" before a "\n" is blank like the "\n"
        substance = _COMMENT.sub("", "".join(lines[required.line : required.end])).strip()
        if not substance:
            found.append(Problem("SDD-008", required.line, f"section '## {title}' is empty"))
    if doc.phase == "spec":
        questions = by_title.get(OPEN_QUESTIONS.lower())
        if questions is not None:
            for number, line in questions.content:
                if _OPEN_BOX.match(line):
                    found.append(
                        Problem(
                            "SDD-007",
                            number,
                            "unresolved open question: settle it and check it ([x]) with the "
                            "answer",
                        )
                    )
    return found
