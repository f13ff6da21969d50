"""Findings: what ``sdd check`` and ``sdd contracts check`` report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True, slots=True)  # slots: tens of thousands in a big check
class Finding:
    """One problem: a stable rule id, its severity, where it is, what is wrong and how to fix it.

    ``path`` is relative to the repository root (POSIX form); ``line`` is 1-based or 0
    when the problem is the whole file.
    """

    path: str
    line: int
    rule: str
    severity: str  # "error" | "warning"
    message: str
    hint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
        }

    def to_text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}: {self.rule} {self.severity} {self.message}{hint}"
