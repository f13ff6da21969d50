"""Archived projects stay true: SDD-001, SDD-003 and SDD-009 over ``AGENTS.ctx/sdd/archive/``.

An archive is a record of what was approved and built. Its documents must still hash to
their approvals (an edit after archiving is SDD-003), and the tests its spec names must
still exist (a test deleted or renamed as the code moves on is SDD-009, an error). A folder
in ``sdd/archive/`` that is not ``YYYY-MM-DD-project`` or cannot be read is SDD-001.
"""

from __future__ import annotations

from dataclasses import replace

from sddkit.checks.gate_drift import check as gates_check
from sddkit.checks.references import Resolver
from sddkit.checks.references import check as references_check
from sddkit.checks.references import spec_refs
from sddkit.checks.rule_ids import ERROR
from sddkit.findings import Finding
from sddkit.projects.archive import FOLDER, archive_root, archived_docs
from sddkit.workspace import Workspace

HINTS = {
    "SDD-003": "an archive is a record: restore the file from git (`git checkout -- {path}`)",
    "SDD-009": "the test an archived spec names is gone: restore it, or record where it "
               "went with `<!-- sddkit:ignore SDD-009 -- reason -->` in the archived spec",
}


def check(ws: Workspace, resolver: Resolver) -> list[Finding]:
    """Every archived project's findings; nothing when there is no archive."""
    found: list[Finding] = []
    root = archive_root(ws)
    try:
        entries = sorted(p.name for p in root.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    for name in entries:
        path = root / name
        if not FOLDER.fullmatch(name) and not name.startswith("."):
            found.append(Finding(ws.rel(path), 0, "SDD-001", ERROR,
                                 "not an archived project: expected a folder YYYY-MM-DD-project",
                                 "move it out of sdd/archive/ or rename it"))
    for entry, project, error in archived_docs(ws):
        if project is None:
            assert error is not None
            where = ws.rel(error.path) if error.path is not None else ws.rel(entry.path)
            found.append(Finding(where, error.line or 0, "SDD-001", ERROR, error.message,
                                 "fix the archived file (restore it from git)"))
            continue
        gate_findings, _history = gates_check(ws, project)  # an archive's history is not asked
        for finding in [*gate_findings, *references_check(spec_refs(ws, project), resolver)]:
            if finding.rule in ("SDD-003", "SDD-009"):
                finding = replace(finding, severity=ERROR,
                                  message=f"archived: {finding.message}",
                                  hint=HINTS[finding.rule].format(path=finding.path))
            found.append(finding)
    return found
