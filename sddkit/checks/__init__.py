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
from sddkit.checks.memo import Memo, Record, compute
from sddkit.checks.rule_ids import ERROR, RULES, WARNING
from sddkit.errors import SddkitError
from sddkit.findings import Finding
from sddkit.names import check_slug, shown
from sddkit.projects import rows
from sddkit.projects.project import known_listing
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


def _record(ws: Workspace, memo: Memo, name: str, findings: list[Finding]) -> Record | None:
    """The project's record (kept, or computed and kept); None when it cannot be loaded or
    read, with the SDD-001 finding added to ``findings``."""
    record = memo.get(name)
    if record is not None:
        return record
    project, problems = unreadable.load(ws, name)
    findings += problems
    if project is None:
        return None
    rows.remember(ws, project)  # SDD-006's listing finds it (in the child, too)
    try:
        record = compute(ws, project)
    except SddkitError as exc:  # e.g. a task list nested too deeply to read
        findings.append(unreadable.unreadable(ws, exc, ws.rel(project.path)))
        return None
    memo.put(project, record)
    return record


#: Projects without a kept record from which ``sdd check`` works on two cores
#: (:mod:`sddkit.io.two_cores`): a fork costs a few milliseconds, a project a few.
TWO_CORES_FROM = 100
#: The share of them the child checks; it also reads the gate history first (``git log
#: -p`` of every document), while the parent judges the rules that read more than the
#: documents (the test files of SDD-009 first) as it goes. Measured on a new clone of
#: 10,000 projects: 0.5 has the child done as the parent reaches its projects (0.55 left
#: the parent waiting a tenth of the run).
CHILD_SHARE = 0.5


def _second_core(ws: Workspace, memo: Memo, names: list[str]) -> tuple[Any, str | None]:
    """A child computing the records of the later part of the projects of ``names`` that
    have none kept (:func:`_record`, which fills the records and parse caches), and the
    first name it checks; (None, None) when not worth it or not possible."""
    from sddkit.io import two_cores

    if not two_cores.usable():
        return None, None
    todo = [name for name in names if not memo.known(name)]
    if len(todo) < TWO_CORES_FROM:
        return None, None
    share = todo[int(len(todo) * (1 - CHILD_SHARE)):]

    def work() -> None:
        from sddkit.approvals import gate_history

        try:  # the history every SDD-017 judgement reads (one `git log -p`), in its cache
            gate_history.read(ws)
        except Exception:  # noqa: BLE001 - the parent reads it and reports the problem
            pass
        judge = approval_commits.Approvals(ws)
        resolver = references.Resolver(ws)
        for name in share:
            try:
                record = _record(ws, memo, name, [])
                if record is not None:
                    judge.judge(record.approved)  # into the approvals cache
                    references.check(record.spec, resolver)  # test files read: their cache
            except Exception:  # noqa: BLE001, S112 - the parent checks it and reports it
                continue

    # its documents' parse entries and per-document facts are for later runs: this one
    # reads its records (and what the judging after the loop asks)
    child = two_cores.start(work, ws.root, ("parse", "records", "check", "states", "history",
                                            "approvals", "rows", "testfiles"),
                            unread=("parse", "check"))
    return (child, share[0]) if child is not None else (None, None)


def _judged(ws: Workspace, record: Record, history: gate_drift.History,
            resolver: references.Resolver, contexts: list[str] | None,
            test_run: TestRun | None) -> list[Finding]:
    """The findings of the rules that read more than the project's documents (git's
    history, the contexts, the test files, a test run), judged on ``record`` now."""
    for query in record.queries:
        history.ask(query)  # SDD-002's history form: judged once for every project
    found = completeness.inheritance(record.inherits, contexts or [])
    found += references.check(record.spec, resolver)
    if test_run is not None:
        found += evidence.run_tests(ws, record.spec, resolver, test_run.command,
                                    test_run.timeout)
    return found


def check_workspace(ws: Workspace, projects: list[str] | None = None,
                    strict: bool = False, test_run: TestRun | None = None) -> Report:
    """Run every rule; with ``projects``, only those projects' rules (no repository-wide ones).

    What a project's documents alone decide comes from its :class:`~sddkit.checks.memo.Record`
    (kept by the documents' content keys); the rules that also read git, the contexts, other
    files or a test run are judged every run (:func:`_judged`). ``test_run`` also runs each
    spec's existing test references (SDD-013); without it no command runs. Raises only for
    bad arguments (an unknown or invalid project name).
    """
    from sddkit.io import cache
    from sddkit.io.fileio import read_text
    from sddkit.repository.contexts import context_names

    cache.new_run()  # look at the files afresh (a library caller may call this twice)
    findings: list[Finding] = []
    names = _selected(ws, projects, findings)
    texts: dict[str, str] = {}
    plans: list[tuple[str, str, dict[str, int]]] = []  # SDD-021: what each open plan names
    listable = not findings  # the projects folder could be listed
    history = gate_drift.History(ws)
    resolver = references.Resolver(ws)
    approvals = approval_commits.Approvals(ws)  # who made each approval (SDD-017)
    memo = Memo(ws)
    known: list[str] | None = None  # the contexts' names, read when a constitution inherits
    approved: list[tuple[Any, ...]] = []  # judged after the loop: a child reads the history
    child, child_from = _second_core(ws, memo, names)
    defer = child is not None  # else judged as the loop goes: no list of every approval
    try:
        for name in names:
            if name == child_from:
                child.join()  # the records of the projects from here on are kept now
                child = None
            record = _record(ws, memo, name, findings)
            if record is None:
                continue
            if record.plan is not None:
                plans.append((name, *record.plan))
            findings += record.findings
            if defer:
                approved.append(record.approved)
            else:
                findings += approvals.judge(record.approved)
            if record.inherits is not None and known is None:
                known = context_names(ws)
            findings += _judged(ws, record, history, resolver, known, test_run)
            for rel in record.ignore:  # only these can suppress (or be SDD-011)
                try:
                    texts[rel] = read_text(ws.root / rel)
                except (OSError, SddkitError):  # pragma: no cover - removed since
                    pass
    finally:
        if child is not None:
            child.stop()
    memo.release()
    for docs in approved:
        findings += approvals.judge(docs)
    findings += history.findings()  # the git history, asked once for every project
    findings += approvals.findings()
    count = 0
    if not projects:
        report = contexts.check(ws)
        count = report.count
        findings += report.findings
        texts.update(report.texts)
        findings += generated.check(ws, listable, report.contexts,
                                    report.registration, report.root_text)
        rows.release(ws)  # SDD-006 was their last reader
        from sddkit.projects.fault_isolation import reset

        reset()  # the projects that cannot be read are findings here (SDD-001), not warnings
        findings += _contracts(ws, strict)
        findings += archived.check(ws, resolver)
        findings += _merge_drivers(ws)
        findings += overlap.check(ws, plans)
        findings += leftovers.temporary_files(ws)
    kept, suppressed = suppress.apply(findings, texts)
    return Report(sorted(set(kept), key=_order), len(names), count, suppressed)


def _order(finding: Finding) -> tuple[str, int, str, str, str, str]:
    """A finding's own order (its fields in turn), without a dataclass comparison per step."""
    return (finding.path, finding.line, finding.rule, finding.severity, finding.message,
            finding.hint)

