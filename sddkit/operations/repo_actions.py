"""Repository-wide use cases: ``sdd init``, ``sdd open``, ``sdd inventory``, ``sdd check``
and ``sdd agents install|list|remove``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sddkit.operations.outcome import Outcome, lines, write
from sddkit.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sddkit.io.fileio import Transaction

INIT_NEXT = ("Next: `sdd ctx new NAME` for a domain, `sdd new PROJECT` for a project, "
             "`sdd open` to see the briefing.")


def init_target(start: Path, explicit: Path | None) -> Path:
    """Where ``sdd init`` works: ``explicit``, an existing AGENTS.ctx/ above ``start``, else
    ``start`` (see :func:`sddkit.repository.initialise.init_target`)."""
    from sddkit.repository.initialise import init_target as target

    return target(start, explicit)


def init(target: Path, agents: str | None = None, dry_run: bool = False) -> Outcome:
    """Create AGENTS.ctx/ (root and sdd contexts) and the pointer block in AGENTS.md at
    ``target`` (an existing folder), and the pointer blocks of ``agents`` (comma-separated
    names); registers sddkit's git merge drivers in the clone's config. Re-running changes
    nothing."""
    from sddkit.repository.initialise import initialise

    ws = Workspace(target)
    created: set[str] = set()

    def stage(tx: Transaction) -> None:
        initialise(target, tx)
        if agents:
            from sddkit.agents.pointer_blocks import install_agents, parse_agent_names

            install_agents(ws, tx, parse_agent_names(agents))
        created.update(ws.rel(p) for p, old, _new in tx.changes() if old is None)

    _none, staged = write(ws, dry_run, stage)
    notes = []
    if not dry_run:
        from sddkit.repository.merge_drivers import register_config

        registered = register_config(target)
        if registered:
            notes.append(f"registered git merge drivers {', '.join(registered)} in this "
                         "clone's git config")
    if not staged.files:
        text = lines(*notes, f"sdd: {target} is already initialised; nothing changed.")
    else:
        text = lines(*notes, *_changed_lines(staged.files, created, []), INIT_NEXT)
    return Outcome(text=text, **staged.outcome_fields())


def open_briefing(ws: Workspace, names: list[str] | None = None) -> Outcome:
    """The session-start briefing (``sddkit.open/1``): root rules, the contexts, each named
    context (composites resolved) and, for ``sdd``, the projects and the next step."""
    from sddkit.repository.briefing import build, to_json, to_text

    briefing = build(ws, list(names or []))
    return Outcome(text=to_text(ws, briefing), data=to_json(ws, briefing))


def rebuild_inventory(ws: Workspace, check: bool = False, dry_run: bool = False) -> Outcome:
    """Regenerate the inventory and the contexts table; with ``check``, write nothing and
    set ``exit_code`` 1 (with a warning naming the files) when either is out of date."""
    _none, staged = write(ws, dry_run or check, lambda tx: None)
    if check:
        from sddkit.projects.fault_isolation import recorded
        from sddkit.projects.inventory import without_rows

        # A broken project's or context's row is reported as theirs, not as a stale block.
        projects = [b.name for b in recorded() if b.kind == "project"]
        contexts = [b.name for b in recorded() if b.kind == "context"]
        generated = (ws.rel(ws.sdd_context), ws.rel(ws.root_context))
        stale_files = [f for f in staged.files
                       if f not in generated
                       or without_rows(staged.originals.get(f) or "", projects, contexts)
                       != without_rows(staged.texts[f], projects, contexts)]
        if stale_files:
            stale = ", ".join(stale_files)
            return Outcome(warnings=[f"sdd: out of date: {stale}; run `sdd inventory` and "
                                     "commit"], exit_code=1, files=stale_files)
        return Outcome(text=lines("inventory is up to date"))
    text = f"updated {', '.join(staged.files)}" if staged.files else "inventory is up to date"
    return Outcome(text=lines(text), **staged.outcome_fields())


@dataclass(kw_only=True)
class Checked(Outcome):
    """``sdd check``: how many errors and warnings; ``data`` is ``sddkit.check/1``.

    Built with ``form="lines"``, ``text`` is "" and :meth:`text_chunks` gives it piece by
    piece (the findings' report is kept for that)."""

    errors: int
    warnings_found: int
    report: Any = None

    def text_chunks(self, size: int = 1000) -> Iterator[str]:
        """The text, in pieces of ``size`` whole lines (newline-terminated): what ``text``
        holds, never held whole (at 10,000 projects it is about 10 MB)."""
        if self.report is None:
            yield self.text
            return
        findings = self.report.findings
        for start in range(0, len(findings), size):
            yield "".join(f"{finding.to_text()}\n" for finding in findings[start:start + size])
        yield lines(self.report.summary())


def check(ws: Workspace, projects: list[str] | None = None, strict: bool = False,
          test_run: Any = None, form: str | None = None) -> Checked:
    """Every ``sdd check`` rule (docs/rules.md); ``exit_code`` 1 on an error (with
    ``strict``, on a warning too). With ``projects``, only their rules. ``test_run`` (a
    :class:`sddkit.checks.TestRun`) also runs the specs' test references (SDD-013).

    ``form`` "text" or "json" builds only that one of ``text`` and ``data`` (the other is
    "" or None): at 10,000 projects each form of 20,000 findings is tens of MiB; "lines"
    builds neither, the text comes from :meth:`Checked.text_chunks`. None builds both."""
    from sddkit.checks import check_workspace

    report = check_workspace(ws, projects or None, strict=strict, test_run=test_run)
    text = "" if form in ("json", "lines") else \
        lines(*(f.to_text() for f in report.findings), report.summary())
    data = None if form in ("text", "lines") else report.to_json()
    errors = sum(f.severity == "error" for f in report.findings)
    return Checked(text=text, data=data, exit_code=1 if report.failed(strict) else 0,
                   errors=errors, warnings_found=len(report.findings) - errors,
                   report=report if form == "lines" else None)


def _changed_lines(staged_files: list[str], created: set[str], deleted: list[str]) -> list[str]:
    out = [f"{'created' if f in created else 'updated'} {f}" for f in staged_files]
    out += [f"deleted {f} (it held only what sddkit wrote)" for f in deleted]
    return out


def _agents_apply(ws: Workspace, names: list[str] | None, kinds: list[str] | None,
                  dry_run: bool, remove: bool) -> Outcome:
    from sddkit.agents.install import apply

    chosen = list(kinds or ["pointers"])
    notes: list[str] = []
    created: set[str] = set()

    def stage(tx: Transaction) -> None:
        notes.extend(apply(ws, tx, chosen, tuple(names or ()), remove=remove))
        created.update(ws.rel(p) for p, old, _new in tx.changes() if old is None)

    _none, staged = write(ws, dry_run, stage, refresh=False)
    if staged.files or staged.deleted:
        return Outcome(text=lines(*notes, *_changed_lines(staged.files, created, staged.deleted)),
                       **staged.outcome_fields())
    pointers_only = chosen == ["pointers"]
    if remove:
        nothing = ("sdd: no pointer block to remove; nothing changed." if pointers_only else
                   f"sdd: nothing of {', '.join(chosen)} to remove; nothing changed.")
    else:
        what = ("every pointer block is" if pointers_only else
                f"everything of {', '.join(chosen)} is")
        nothing = f"sdd: {what} already in place; nothing changed."
    return Outcome(text=lines(*notes, nothing), **staged.outcome_fields())


def agents_install(ws: Workspace, names: list[str] | None = None,
                   kinds: list[str] | None = None, dry_run: bool = False) -> Outcome:
    """Write or update sddkit's entries in each agent's files: ``kinds`` of ``pointers``
    (the default), ``hooks``, ``skills``, ``mcp`` (see :mod:`sddkit.agents.install`); ``names``
    the agents (default: all). Re-running changes nothing."""
    return _agents_apply(ws, names, kinds, dry_run, remove=False)


def agents_remove(ws: Workspace, names: list[str] | None = None,
                  kinds: list[str] | None = None, dry_run: bool = False) -> Outcome:
    """Take sddkit's entries out of each agent's files; a file left holding only what
    sddkit wrote is deleted."""
    return _agents_apply(ws, names, kinds, dry_run, remove=True)


def agents_list(ws: Workspace) -> Outcome:
    """Each agent's files and whether sddkit's entries are installed
    (``sddkit.agents.list/1``)."""
    from sddkit.agents.install import listing

    text, data = listing(ws)
    return Outcome(text=text, data=data)
