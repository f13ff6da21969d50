"""What ``sdd check`` learns from one document's text alone, cached by the document's content.

The readiness problems, the ``test:`` references and whether the document carries a
suppression depend only on the document's bytes; on a repository of thousands of
projects, reading them from the check cache instead of re-scanning every document is
most of ``sdd check``'s time (see bench/README.md). The check cache's file is named by
the code's stamp (:data:`sddkit.io.cache.STAMPED`): facts found by other code are not reused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sddkit.io import cache as _cache
from sddkit.projects.phases import PhaseDoc
from sddkit.projects.readiness import Problem, outline, problems
from sddkit.workspace import Workspace


@dataclass(frozen=True)
class Facts:
    has_ignore: bool
    problems: list[Problem]  # readiness problems (SDD-007/008), suppression comments blanked
    references: list[tuple[int, str]]  # (line, reference text) of a spec's `test:` entries


_IGNORE = re.compile(r"<!--\s*sddkit:ignore\b.*?-->")


def unsuppressed(doc: PhaseDoc) -> PhaseDoc:
    """``doc`` with its suppression comments blanked (same lines): ``sdd check`` applies
    suppressions itself, for every rule alike, and counts them."""
    if "sddkit:ignore" not in doc.text:
        return doc
    return replace(doc, raw=_IGNORE.sub("", doc.text), cached_hash=None, summary=None)


def _compute(doc: PhaseDoc) -> Facts:
    """The facts of ``doc``, its text read once (:func:`~sddkit.projects.readiness.outline`)
    for both the readiness problems and the test references."""
    from sddkit.checks.testrefs import references

    text = doc.text
    has_ignore = "sddkit:ignore" in text
    shape = None
    found: list[Problem] = []
    if doc.status in ("review", "approved"):
        checked = unsuppressed(doc)
        if checked is doc and doc.phase == "spec":  # else read once anyway, or read as blanked
            shape = outline(text)
        found = problems(checked, shape)
    refs: list[tuple[int, str]] = []
    if doc.phase == "spec":
        refs = [(r.line, r.text) for r in references(text, shape or outline(text))]
    return Facts(has_ignore, found, refs)


def facts(ws: Workspace, doc: PhaseDoc) -> Facts:
    """The facts of ``doc``, from the check cache when its bytes were seen before."""
    cache = _cache.for_root(ws.root, "check") if doc.key is not None else None
    key = f"{doc.phase}/{doc.key}"
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            try:
                has_ignore, found, refs = hit
                return Facts(bool(has_ignore), [Problem(*p) for p in found],
                             [(int(n), str(t)) for n, t in refs])
            except (TypeError, ValueError):
                pass
    result = _compute(doc)
    if cache is not None and doc.key is not None:  # None: the bytes read were others
        cache.put(key, (result.has_ignore,
                                 [(p.rule, p.line, p.message) for p in result.problems],
                                 result.references))
    return result
