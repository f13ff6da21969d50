"""SDD-021: two open projects whose plans name the same file or the same contract.

Parallel work collides where two plans touch the same place. A plan names its files in
"Files to create or modify" (the path in backticks, as the shipped template asks) and its
contracts in "Contracts" (``AGENTS.ctx/contracts/NAME.yaml``). Projects that are completed
or archived are not open; a plan still in draft counts (it is where the work is heading).
"""

from __future__ import annotations

import re
from collections import defaultdict

from sddkit.checks.rule_ids import WARNING
from sddkit.io import cache as _cache
from sddkit.findings import Finding
from sddkit.projects.project import Project
from sddkit.projects.readiness import sections
from sddkit.workspace import Workspace

RULE = "SDD-021"
FILES = "files to create or modify"
CONTRACTS = "contracts"
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CODE = re.compile(r"`([^`\s]+)`")
_CONTRACT = re.compile(r"AGENTS\.ctx/contracts/([A-Za-z0-9_.-]+\.ya?ml)")
_PATHLIKE = re.compile(r"[\w.-]+(?:/[\w.@-]+)*\.?[\w-]*")


def _named(ws: Workspace, project: Project) -> dict[str, int]:
    """What ``project``'s plan names: ``file:PATH`` and ``contract:FILE`` -> first line; from
    the check cache when this code read these very bytes before (it depends on them alone)."""
    doc = project.docs.get("plan")
    if doc is None:
        return {}
    cache = _cache.for_root(ws.root, "check") if doc.key is not None else None
    key = f"{RULE}/{doc.key}"
    if cache is not None:
        hit = cache.get(key)
        if isinstance(hit, dict):
            return hit
    out = _read_named(doc.text)
    if cache is not None and doc.key is not None:  # None: the bytes read were others
        cache.put(key, out)
    return out


def _read_named(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for section in sections(text):
        title = section.title.lower()
        if section.level != 2 or title not in (FILES, CONTRACTS):
            continue
        first = section.content[0][0] if section.content else 0
        visible = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"),
                               "\n".join(line for _n, line in section.content))
        for number, line in enumerate(visible.split("\n"), start=first):
            for contract in _CONTRACT.findall(line):
                out.setdefault(f"contract:{contract}", number)
            if title == FILES:
                for token in _CODE.findall(line):
                    token = token.strip("./") if token.startswith("./") else token
                    if ("/" in token or "." in token) and _PATHLIKE.fullmatch(token) \
                            and not token.startswith("AGENTS.ctx/contracts/"):
                        out.setdefault(f"file:{token}", number)
    return out


def plan_targets(ws: Workspace, project: Project) -> tuple[str, dict[str, int]] | None:
    """(the plan's path, what it names) for an open project with a plan, else None."""
    if project.state == "completed" or "plan" not in project.docs:
        return None
    return ws.rel(project.docs["plan"].path), _named(ws, project)


def check(ws: Workspace, plans: list[tuple[str, str, dict[str, int]]]) -> list[Finding]:
    """A warning on each open plan for every file or contract another open plan names too;
    ``plans``: (project, plan path, :func:`plan_targets`' names) of the open projects."""
    by_target: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for name, rel, named in plans:
        for target, line in named.items():
            by_target[target].append((name, rel, line))
    found = []
    for target, users in sorted(by_target.items()):
        if len(users) < 2:
            continue
        kind, _sep, what = target.partition(":")
        for name, rel, line in users:
            found.append(Finding(
                rel, line, RULE, WARNING,
                f"plan names {kind} {what}, which {_others(name, users)} names too",
                "coordinate the two: finish one first, or split the work so each file has "
                "one owner at a time",
            ))
    return found


#: How many of the other projects a finding names; the rest are counted.
SHOWN_OTHERS = 5


def _others(name: str, users: list[tuple[str, str, int]]) -> str:
    """The words "the plan of a, b" for the projects other than ``name`` in ``users``, at most
    :data:`SHOWN_OTHERS` of them by name and the rest counted ("... and 104 others"): a file
    a hundred plans name would otherwise give a hundred findings of a hundred names each."""
    others = [other for other, _rel, _line in users if other != name]
    shown = ", ".join(others[:SHOWN_OTHERS])
    rest = len(others) - SHOWN_OTHERS
    if rest > 0:
        return f"the plan of {shown} and {rest} other{'s' if rest > 1 else ''}"
    return f"the plan of {shown}"
