"""Suppressions: ``<!-- sddkit:ignore RULE -- reason -->`` on the line of a finding.

The grammar is the one :mod:`sddkit.projects.readiness` honours for ``sdd ready``: one rule id, then
``--`` and a reason. A suppression without a reason suppresses nothing and is itself a
finding (SDD-011). Code fences and inline code are skipped, so documentation may show
the syntax. Findings on front matter lines (the gate rules) cannot be suppressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sddkit.findings import Finding
from sddkit.io.markdown import code_lines
from sddkit.io.markers import split_lines

ERROR = "error"

RULE = "SDD-011"
_ANY = re.compile(r"<!--\s*sddkit:ignore\b(.*?)-->", re.DOTALL)
_VALID = re.compile(r"\s+([A-Z]+-\d+)\s+--\s*(\S.*?)\s*$", re.DOTALL)
_RULE_ONLY = re.compile(r"\s+([A-Z]+-\d+)\s*(?:--\s*)?$")
_CODE_SPAN = re.compile(r"(`+).*?\1")


@dataclass
class Suppressions:
    """Per file: line -> the rules suppressed there; and the malformed ones as findings."""

    lines: dict[int, set[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def scan(rel: str, text: str) -> Suppressions:
    out = Suppressions()
    if "sddkit:ignore" not in text:
        return out
    lines = split_lines(text)
    in_code = code_lines(lines)
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if in_code[number - 1] or "sddkit:ignore" not in line:
            continue
        for comment in _ANY.finditer(_CODE_SPAN.sub("", line)):
            inner = comment.group(1)
            valid = _VALID.match(inner)
            if valid:
                out.lines.setdefault(number, set()).add(valid.group(1))
                continue
            bare = _RULE_ONLY.match(inner)
            if bare:
                message = f"suppression of {bare.group(1)} without a reason; it suppresses nothing"
            else:
                message = "malformed suppression; it suppresses nothing"
            out.findings.append(Finding(
                rel, number, RULE, ERROR, message,
                "write it as <!-- sddkit:ignore RULE -- the reason -->",
            ))
    return out


def apply(findings: list[Finding], texts: dict[str, str]) -> tuple[list[Finding], int]:
    """``findings`` without the suppressed ones, plus SDD-011; and how many were suppressed."""
    scanned = {rel: scan(rel, text) for rel, text in texts.items()}
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        found = scanned.get(finding.path)
        if found is not None and finding.line and finding.rule in found.lines.get(
                finding.line, ()):
            suppressed += 1
            continue
        kept.append(finding)
    for found in scanned.values():
        kept += found.findings
    return kept, suppressed
