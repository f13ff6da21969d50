"""SDD-010: contexts registered but missing, present but unregistered, bad ``includes``.

A context whose front matter cannot be read is SDD-001, like a phase document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sddkit.checks.rule_ids import ERROR
from sddkit.checks.unreadable import unreadable
from sddkit.errors import FrontMatterError, SddkitError
from sddkit.findings import Finding
from sddkit.graph_cycles import find_cycles
from sddkit.io import markers
from sddkit.io.fileio import inside_root, read_text
from sddkit.projects.phases import key_line
from sddkit.repository.contexts import (
    TABLE_BLOCK,
    Context,
    check_context_name,
    context_names,
    load_context_file,
)
from sddkit.workspace import Workspace

RULE = "SDD-010"
#: A row of the contexts table: ``| [name](name/CONTEXT.md) | ...`` (or a bare name).
_ROW = re.compile(r"^\s*\|\s*(?:\[([^\]]*)\]\([^)]*\)|([^|\s][^|]*?))\s*\|")


@dataclass
class ContextsReport:
    findings: list[Finding] = field(default_factory=list)
    #: every context, loaded; None when one of them cannot be read
    contexts: list[Context] | None = None
    #: the names in the table and the folders disagree (the table is then SDD-010, not SDD-006)
    registration: bool = False
    #: the root CONTEXT.md text, when it can be read
    root_text: str | None = None
    count: int = 0
    texts: dict[str, str] = field(default_factory=dict)


def registered(ws: Workspace, root_text: str) -> dict[str, int] | None:
    """Names listed in the contexts table -> file line; None when the block is absent/broken."""
    try:
        block = markers.find_block(root_text, TABLE_BLOCK, ws.root_context)
    except SddkitError:
        return None  # reported by SDD-006
    if block is None:
        return None
    lines = markers.split_lines(root_text)
    out: dict[str, int] = {}
    for index in range(block.start + 1, block.end):
        match = _ROW.match(lines[index])
        if not match:
            continue
        name = (match.group(1) or match.group(2) or "").strip()
        if not name or name.lower() == "context" or set(name) <= set("-: "):
            continue  # the header and the separator row
        out.setdefault(name, index + 1)
    return out


def _load(ws: Workspace, report: ContextsReport, names: list[str]) -> dict[str, Context]:
    loaded: dict[str, Context] = {}
    complete = True
    for name in names:
        path = ws.context_file(name)
        rel = ws.rel(path)
        try:
            check_context_name(name)
        except SddkitError as exc:
            report.findings.append(Finding(rel, 0, RULE, ERROR, exc.message,
                                           "rename the folder to a valid context name"))
        try:
            inside_root(ws.root, path)
            text = read_text(path)
            report.texts[rel] = text
            loaded[name] = load_context_file(path, name, text)
        except FrontMatterError as exc:
            report.findings.append(unreadable(ws, exc, rel))
            complete = False
        except SddkitError as exc:
            report.findings.append(Finding(rel, exc.line or 0, RULE, ERROR, exc.message))
            complete = False
    if complete:
        report.contexts = [loaded[name] for name in names]
    return loaded


def _registration(ws: Workspace, report: ContextsReport, names: list[str],
                  loaded: dict[str, Context]) -> None:
    if report.root_text is None:
        return
    table = registered(ws, report.root_text)
    if table is None:
        return
    root_rel = ws.rel(ws.root_context)
    for name, line in sorted(table.items()):
        if name not in names:
            report.registration = True
            report.findings.append(Finding(
                root_rel, line, RULE, ERROR,
                f"context '{name}' is registered in the contexts table but "
                f"{ws.rel(ws.context_file(name))} does not exist",
                "restore it, or run `sdd inventory` to drop the row",
            ))
    for name in names:
        if name not in table:
            report.registration = True
            ctx = loaded.get(name)
            line = key_line(ctx.text, "name") if ctx is not None else 0
            report.findings.append(Finding(
                ws.rel(ws.context_file(name)), line, RULE, ERROR,
                f"context '{name}' is not registered in the contexts table of {root_rel}",
                "run `sdd inventory` to register it",
            ))


def _includes(ws: Workspace, report: ContextsReport, loaded: dict[str, Context]) -> None:
    known = sorted(loaded)
    for _name, ctx in sorted(loaded.items()):
        for child in ctx.includes:
            if child not in loaded:
                report.findings.append(Finding(
                    ws.rel(ctx.path), key_line(ctx.text, "includes"), RULE, ERROR,
                    f"includes unknown context '{child}'; known contexts: "
                    f"{', '.join(known) or 'none'}",
                    f"fix the name, or create it with `sdd ctx new {child}`",
                ))
    for cycle in _cycles(loaded):
        first = loaded[cycle[0]]
        report.findings.append(Finding(
            ws.rel(first.path), key_line(first.text, "includes"), RULE, ERROR,
            "includes form a cycle: " + " -> ".join([*cycle, cycle[0]]),
            "remove one of these includes",
        ))


def _cycles(loaded: dict[str, Context]) -> list[list[str]]:
    """Cycles of includes (graphlib, :func:`sddkit.graph_cycles.find_cycles`), each starting at its
    smallest name, without the repeated first name."""
    edges = {name: [c for c in loaded[name].includes if c in loaded] for name in sorted(loaded)}
    return [cycle[:-1] for cycle in find_cycles(edges)]


def check(ws: Workspace) -> ContextsReport:
    report = ContextsReport()
    root = ws.root_context
    root_rel = ws.rel(root)
    if not root.is_file():
        report.findings.append(Finding(root_rel, 0, RULE, ERROR, "the root context is missing",
                                       "run `sdd init` to recreate it"))
    else:
        try:
            report.root_text = read_text(root)
            report.texts[root_rel] = report.root_text
            load_context_file(root, None, report.root_text)
        except FrontMatterError as exc:
            report.findings.append(unreadable(ws, exc, root_rel))
        except SddkitError as exc:
            report.findings.append(Finding(root_rel, exc.line or 0, RULE, ERROR, exc.message))
    names = context_names(ws)
    report.count = len(names)
    loaded = _load(ws, report, names)
    _registration(ws, report, names, loaded)
    _includes(ws, report, loaded)
    return report
