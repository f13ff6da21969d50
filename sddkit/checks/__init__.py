"""``sdd check``: every rule of DESIGN.md section 7 over the whole ``AGENTS.ctx/``.

One module per rule family, each returning :class:`~sddkit.findings.Finding` values.
Bad user files never raise here: a project that cannot be loaded is an SDD-001 finding
(its other rules are skipped), a broken managed block is an SDD-006 finding. Rule ids are
stable and documented in docs/rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sddkit import suppressions as suppress
from sddkit.checks import (
    approval_commits,
    archived,
    completeness,
    evidence,
    gate_drift,
    generated,
    leftovers,
    overlap,
    references,
    task_list,
    unreadable,
)
from sddkit.checks import (
    context_registry as contexts,
)
from sddkit.checks.document_facts import facts
from sddkit.checks.rule_ids import ERROR, RULES, WARNING
from sddkit.errors import SddkitError
from sddkit.findings import Finding
from sddkit.names import check_slug, shown
from sddkit.projects.project import Project, known_listing
from sddkit.workspace import Workspace

__all__ = ["RULES", "SCHEMA", "Report", "TestRun", "check_workspace"]

SCHEMA = "sddkit.check/1"


@dataclass(frozen=True)
class Report:
    """What ``sdd check`` found, sorted, and what it looked at."""

    findings: list[Finding]
    projects: int
    contexts: int
    #: findings silenced by ``<!-- sddkit:ignore RULE -- reason -->``
    suppressed: int

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))

    def summary(self) -> str:
        if not self.findings:
            return f"all clear: {_count(self.projects, 'project')}, " \
                   f"{_count(self.contexts, 'context')}"
        return (f"{_count(self.errors, 'error')}, {_count(self.warnings, 'warning')} in "
                f"{_count(self.projects, 'project')}")

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "findings": [f.to_json() for f in self.findings],
            "summary": {
                "errors": self.errors,
                "warnings": self.warnings,
                "suppressed": self.suppressed,
                "projects": self.projects,
                "contexts": self.contexts,
            },
        }


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _selected(ws: Workspace, projects: list[str] | None, findings: list[Finding]
              ) -> list[str]:
    try:
        on_disk = ws.project_names()
    except SddkitError as exc:  # sdd/assets is a file, say
        findings.append(unreadable.unreadable(ws, exc, ws.rel(ws.assets)))
        on_disk = []
    if not projects:
        return on_disk
    for name in projects:
        check_slug(name, "project")
        if name not in on_disk:
            raise SddkitError(f"unknown project '{shown(name)}'; {known_listing(ws, name)}")
    return sorted(set(projects))


def _contracts(ws: Workspace, strict: bool) -> list[Finding]:
    from sddkit.contracts import check_contracts

    try:
        return list(check_contracts(ws, strict=strict))
    except SddkitError as exc:
        path = ws.rel(exc.path) if exc.path is not None else ws.rel(ws.contracts)
        return [Finding(path, exc.line or 0, "CON-001", ERROR, exc.message)]


@dataclass(frozen=True)
class TestRun:
    """``sdd check --run-tests``: the command a spec's test reference runs with (``{ref}``
    stands for it) and the time limit per reference, in seconds."""

    command: str
    timeout: float


def _merge_drivers(ws: Workspace) -> list[Finding]:
    """SDD-020: ``.gitattributes`` routes files to sddkit's merge drivers, this clone's git
    config does not define them (git then merges those files as plain text)."""
    from sddkit.repository.merge_drivers import missing_config

    missing = missing_config(ws.root)
    if not missing:
        return []
    return [Finding(".gitattributes", 0, "SDD-020", WARNING,
                    f"this clone's git config lacks the merge driver(s) {', '.join(missing)}: "
                    "parallel task completions will conflict",
                    "run `sdd init` in this clone (it registers them; nothing else changes)")]


def _project_rules(ws: Workspace, project: Project, history: gate_drift.History,
                   resolver: references.Resolver, texts: dict[str, str],
                   test_run: TestRun | None) -> list[Finding]:
    for doc in project.docs.values():
        if facts(ws, doc).has_ignore:  # only these can suppress (or be SDD-011)
            texts[ws.rel(doc.path)] = doc.text
    found = [
        *gate_drift.check(ws, project, history),
        *task_list.check(ws, project),
        *completeness.check(ws, project),
        *references.check(ws, project, resolver),
        *leftovers.missing_phase(ws, project),
        *evidence.check(ws, project),
    ]
    if test_run is not None:
        found += evidence.run_tests(ws, project, resolver, test_run.command, test_run.timeout)
    return found


def check_workspace(ws: Workspace, projects: list[str] | None = None,
                    strict: bool = False, test_run: TestRun | None = None) -> Report:
    """Run every rule; with ``projects``, only those projects' rules (no repository-wide ones).

    ``test_run`` also runs each spec's existing test references (SDD-013); without it no
    command runs. Raises only for bad arguments (an unknown or invalid project name).
    """
    from sddkit.io import cache

    cache.new_run()  # look at the files afresh (a library caller may call this twice)
    findings: list[Finding] = []
    names = _selected(ws, projects, findings)
    texts: dict[str, str] = {}
    loaded: list[Project] = []
    listable = not findings  # the projects folder could be listed
    history = gate_drift.History(ws)
    resolver = references.Resolver(ws)
    for name in names:
        project, problems = unreadable.load(ws, name)
        findings += problems
        if project is None:
            continue
        try:
            found = _project_rules(ws, project, history, resolver, texts, test_run)
        except SddkitError as exc:  # e.g. a task list nested too deeply to read
            findings.append(unreadable.unreadable(ws, exc, ws.rel(project.path)))
            continue
        loaded.append(project)
        findings += found
    findings += history.findings()  # the git history, asked once for every project
    findings += approval_commits.check(ws, loaded)  # who made each approval (SDD-017)
    count = 0
    if not projects:
        report = contexts.check(ws)
        count = report.count
        findings += report.findings
        texts.update(report.texts)
        findings += generated.check(ws, loaded if listable else None, report.contexts,
                                    report.registration, report.root_text)
        from sddkit.projects.fault_isolation import reset

        reset()  # the projects that cannot be read are findings here (SDD-001), not warnings
        findings += _contracts(ws, strict)
        findings += archived.check(ws, resolver)
        findings += _merge_drivers(ws)
        findings += overlap.check(ws, loaded)
        findings += leftovers.temporary_files(ws)
    kept, suppressed = suppress.apply(findings, texts)
    return Report(sorted(set(kept)), len(names), count, suppressed)

