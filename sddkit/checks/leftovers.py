"""SDD-014: the traces of an interrupted write.

- A phase document missing after the phase before it was approved: approval writes the
  next phase's draft in the same change, so only an interrupted write of an older sddkit,
  or a deleted file, leaves this state. ``sdd ready`` or ``sdd approve`` recreates it.
- Temporary files sddkit writes before a replace (``.NAME.XXXXXXXX.sddkit-tmp``), left by
  a killed process. Never the only copy of anything (the file it was meant to replace is
  whole): delete it. Looked for under ``AGENTS.ctx/`` and at the root (the agent files).
"""

from __future__ import annotations

import os

from sddkit.checks.rule_ids import ERROR, WARNING
from sddkit.findings import Finding
from sddkit.io.fileio import TEMP_SUFFIX
from sddkit.projects.project import Project
from sddkit.workspace import PHASES, Workspace

RULE = "SDD-014"


def missing_phase(ws: Workspace, project: Project) -> list[Finding]:
    """An error when the phase after the last approved one has no document."""
    for position, phase in enumerate(PHASES[1:], start=1):
        earlier = project.docs.get(PHASES[position - 1])
        if phase not in project.docs and earlier is not None and earlier.status == "approved":
            rel = ws.rel(project.path / f"{phase}.md")
            return [Finding(rel, 0, RULE, ERROR,
                            f"missing: {PHASES[position - 1]} is approved but {phase}.md does "
                            "not exist (an interrupted write, or a deleted file)",
                            f"`sdd ready {project.name}` recreates it as a draft")]
    return []


def temporary_files(ws: Workspace) -> list[Finding]:
    """A warning for every ``*.sddkit-tmp`` file under ``AGENTS.ctx/`` (symlinks not
    followed) or at the root."""
    found: list[str] = []
    folders = [str(ws.ctx)]
    while folders:  # os.walk's order does not matter (sorted below); one scandir per folder
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.is_dir():
                        if not entry.is_symlink():
                            folders.append(entry.path)
                    elif entry.name.endswith(TEMP_SUFFIX):
                        found.append(entry.path)
        except OSError:
            pass
    try:
        with os.scandir(ws.root) as entries:
            found += [e.path for e in entries
                      if e.name.endswith(TEMP_SUFFIX) and e.is_file(follow_symlinks=False)]
    except OSError:
        pass
    return [Finding(ws.rel(ws.root / os.path.relpath(path, ws.root)), 0, RULE, WARNING,
                    "temporary file left by an interrupted sdd command",
                    "delete it; the file it was meant to replace is whole")
            for path in sorted(found)]
