"""The ``test: path::name`` references of a spec (read by SDD-009 and the check cache).

A pure parser over the spec's text: looked for in the "Edge cases" and "Acceptance
criteria" sections, outside code and HTML comments. A reference is a path with a ``/``, a
file extension or a ``::``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sddkit.io.markdown import code_lines
from sddkit.projects.readiness import Outline, sections

SECTIONS = ("edge cases", "acceptance criteria")
_TEST = re.compile(r"(?<![\w/-])tests?:[ \t]*", re.IGNORECASE)
_TOKEN = re.compile(r"[ \t]*(?:,|and\b)?[ \t]*(`?)([^\s`,;]+)\1")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{1,7}$")
_PARAMS = re.compile(r"\[.*\]$")


@dataclass(frozen=True)
class Reference:
    line: int
    text: str

    @property
    def path(self) -> str:
        return self.text.split("::")[0]

    @property
    def names(self) -> list[str]:
        return [_PARAMS.sub("", part) if "[" in part else part
                for part in self.text.split("::")[1:]]


def _looks_like_reference(token: str) -> bool:
    if "://" in token:
        return False
    path = token.split("::")[0]
    return bool(path) and ("::" in token or "/" in path or bool(_EXTENSION.search(path)))


def references(text: str, shape: Outline | None = None) -> list[Reference]:
    """Every ``test:`` reference of the spec's edge cases and acceptance criteria.
    ``shape``: the :func:`~sddkit.projects.readiness.outline` of ``text``, when the caller
    has it; without it, each section's code lines are read from its lines alone (the
    answer ``tests/test_check_facts.py`` holds the outline's to)."""
    found = []
    for section in (shape.sections if shape is not None else sections(text)):
        if section.level != 2 or section.title.lower() not in SECTIONS:
            continue
        comment = False
        content = section.content
        in_code = (shape.code_of(section) if shape is not None
                   else code_lines([line for _n, line in content]))
        for (number, line), code in zip(content, in_code, strict=True):
            if code:
                continue
            visible, comment = _without_comments(line, comment)
            found += [Reference(number, token) for token in _tokens(visible)]
    return found


def _without_comments(line: str, inside: bool) -> tuple[str, bool]:
    out: list[str] = []
    rest = line
    while rest:
        if inside:
            end = rest.find("-->")
            if end == -1:
                return "".join(out), True
            rest, inside = rest[end + 3:], False
        else:
            start = rest.find("<!--")
            if start == -1:
                out.append(rest)
                break
            out.append(rest[:start] + " ")
            rest, inside = rest[start + 4:], True
    return "".join(out), inside


def _tokens(line: str) -> list[str]:
    out = []
    for match in _TEST.finditer(line):
        position = match.end()
        while True:
            token = _TOKEN.match(line, position)
            if token is None:
                break
            value = token.group(2).rstrip(".:)")
            if not _looks_like_reference(value):
                break
            out.append(value)
            position = token.end()
    return out
