"""SDD-007 and SDD-008: documents in review or approved that are not complete."""

from __future__ import annotations

import re
from dataclasses import replace

from ..findings import Finding
from ..phases import PhaseDoc
from ..project import Project
from ..workspace import Workspace
from .facts import facts
from .rules import ERROR

_HINTS = {
    "SDD-007": "settle the question and check it ([x]) with the answer",
    "SDD-008": "fill it in; `sdd reopen` first if the document must change",
}
_IGNORE = re.compile(r"<!--\s*sddkit:ignore\b.*?-->")


def unsuppressed(doc: PhaseDoc) -> PhaseDoc:
    """``doc`` with its suppression comments blanked (same lines): ``sdd check`` applies
    suppressions itself, for every rule alike, and counts them."""
    if "sddkit:ignore" not in doc.text:
        return doc
    return replace(doc, raw=_IGNORE.sub("", doc.text), cached_hash=None, summary=None)


def check(ws: Workspace, project: Project) -> list[Finding]:
    found = []
    for doc in project.docs.values():
        if doc.status not in ("review", "approved"):
            continue
        for problem in facts(ws, doc).problems:
            found.append(Finding(ws.rel(doc.path), problem.line, problem.rule, ERROR,
                                 f"{doc.phase} is {doc.status}: {problem.message}",
                                 _HINTS.get(problem.rule, "")))
    return found
