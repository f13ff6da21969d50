"""Contexts and service contracts: ``sdd ctx new|list|show`` and
``sdd contracts new|check|graph``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sddkit.operations.outcome import Outcome, lines, write
from sddkit.workspace import Workspace

CTX_LIST_SCHEMA = "sddkit.ctx.list/1"
CTX_SHOW_SCHEMA = "sddkit.ctx.show/1"
CONTRACTS_CHECK_SCHEMA = "sddkit.contracts.check/1"


@dataclass(kw_only=True)
class Created(Outcome):
    """A scaffolded file (a context or a contract) and its path."""

    path: Path


def contexts_new(ws: Workspace, name: str, description: str = "",
                 includes: list[str] | None = None, dry_run: bool = False) -> Created:
    """Scaffold ``AGENTS.ctx/NAME/CONTEXT.md`` and register it in the root contexts table."""
    from sddkit.repository.contexts import new_context

    path, staged = write(ws, dry_run, lambda tx: new_context(ws, tx, name, description,
                                                             includes),
                         optimistic=True)
    text = lines(f"created {ws.rel(path)}; registered in {ws.rel(ws.root_context)}",
                 f"Fill in its rules, then `sdd open {name}` shows it.")
    return Created(text=text, path=path, **staged.outcome_fields())


def contexts_list(ws: Workspace) -> Outcome:
    """Every context: name, description, includes (``sddkit.ctx.list/1``)."""
    from sddkit.repository.contexts import list_contexts

    contexts = list_contexts(ws)
    data = {
        "schema": CTX_LIST_SCHEMA,
        "contexts": [
            {"name": c.name, "description": c.description, "includes": list(c.includes),
             "path": ws.rel(c.path)}
            for c in contexts
        ],
    }
    if not contexts:
        return Outcome(text=lines("No contexts yet. Create one with `sdd ctx new NAME`."),
                       data=data)
    width = max(len(c.name) for c in contexts)
    out = []
    for c in contexts:
        also = f"  (includes: {', '.join(c.includes)})" if c.includes else ""
        out.append(f"{c.name:<{width}}  {c.description}{also}")
    return Outcome(text=lines(*out), data=data)


def contexts_show(ws: Workspace, name: str) -> Outcome:
    """One context's CONTEXT.md, as it is on disk (``sddkit.ctx.show/1``)."""
    from sddkit.repository.contexts import get_context

    c = get_context(ws, name)
    data = {"schema": CTX_SHOW_SCHEMA, "name": c.name, "description": c.description,
            "includes": list(c.includes), "path": ws.rel(c.path), "text": c.text}
    text = c.text if c.text.endswith("\n") else c.text + "\n"
    return Outcome(text=text, data=data)


def contracts_new(ws: Workspace, service: str, dry_run: bool = False) -> Created:
    """Scaffold ``AGENTS.ctx/contracts/SERVICE.yaml`` from the contract template."""
    from sddkit.contracts.scaffold import new_contract

    path, staged = write(ws, dry_run, lambda tx: new_contract(ws, tx, service), refresh=False,
                         optimistic=True)
    text = lines(f"created {ws.rel(path)}",
                 "Fill in what it provides and depends on, then run `sdd contracts check`.")
    return Created(text=text, path=path, **staged.outcome_fields())


def contracts_check(ws: Workspace, strict: bool = False) -> Outcome:
    """Cross-check every contract (``sddkit.contracts.check/1``); ``exit_code`` 1 on an
    error, or with ``strict`` on any finding."""
    from sddkit.contracts import check, load_contracts

    loaded = load_contracts(ws)
    findings = check(loaded, strict=strict)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    data = {"schema": CONTRACTS_CHECK_SCHEMA, "findings": [f.to_json() for f in findings]}
    if not loaded.files and not findings:
        out = [f"No contracts in {ws.rel(ws.contracts)}/; "
               "create one with `sdd contracts new SERVICE`."]
    else:
        out = [finding.to_text() for finding in findings]
        files = f"{loaded.files} contract file{'s' if loaded.files != 1 else ''}"
        if findings:
            out.append(f"{errors} error{'s' if errors != 1 else ''}, "
                       f"{warnings} warning{'s' if warnings != 1 else ''} in {files}.")
        else:
            out.append(f"No problems in {files}.")
    failed = bool(errors or (strict and warnings))
    return Outcome(text=lines(*out), data=data, exit_code=1 if failed else 0)


def contracts_graph(ws: Workspace, fmt: str = "mermaid") -> Outcome:
    """The contracts as a Mermaid flowchart: calls solid, events and datasets dotted."""
    from sddkit.contracts import load_contracts
    from sddkit.contracts.graph import mermaid

    loaded = load_contracts(ws)
    warnings = []
    if not loaded.files:
        warnings.append(f"sdd: no contracts in {ws.rel(ws.contracts)}/; the graph is empty")
    elif loaded.findings:
        warnings.append(f"sdd: {len(loaded.findings)} contract problem(s) (see "
                        "`sdd contracts check`); the graph shows what loaded")
    return Outcome(text=mermaid(loaded), warnings=warnings)
