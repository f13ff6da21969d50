"""Load ``AGENTS.ctx/contracts/*.yaml`` with a strict schema (docs/contracts.md).

Nothing here raises for a bad file. Each problem (unreadable file, bad YAML, not a mapping,
an unknown key, a wrong type, a bad duration, a file name that differs from ``service``)
becomes a CON-001 finding with the file and line, and loading goes on with what is valid.
A contract with such problems is marked ``clean=False``: the cross-checks do not use it as
a provider, so one typo does not cascade into many findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sddkit.contracts._reader import RULE, Reader
from sddkit.contracts._sections import read_contract
from sddkit.contracts.contract_model import Contract, ContractSet
from sddkit.errors import SddkitError
from sddkit.findings import Finding
from sddkit.io.fileio import read_text
from sddkit.io.frontmatter import text_dates_loader
from sddkit.workspace import Workspace

#: Explicit tags a contract may use (``!!str 8080``); any other tag is refused.
STANDARD_TAGS = "tag:yaml.org,2002:"
#: A contract file larger than this is refused (a guard against mistakes).
MAX_CONTRACT = 256 * 1024


def _mark_line(mark: Any) -> int:
    return int(mark.line) + 1 if mark is not None else 1


def load_contract(path: Path, rel: str) -> tuple[Contract | None, list[Finding]]:
    """One contract file: the contract (None when nothing could be read) and its CON-001s."""
    try:
        text = read_text(path)
    except SddkitError as exc:
        r = Reader(rel)
        r.problem(exc.line or 0, f"cannot read the contract: {exc.message}")
        return None, r.findings
    return contract_from_text(text, path, rel)


def contract_from_text(text: str, path: Path, rel: str) -> tuple[Contract | None, list[Finding]]:
    """A contract from its text; ``path`` names the service (its stem), ``rel`` the findings."""
    r = Reader(rel)
    if len(text.encode("utf-8")) > MAX_CONTRACT:
        r.problem(0, f"larger than {MAX_CONTRACT // 1024} KiB; refusing to parse it")
        return None, r.findings
    try:
        for event in yaml.parse(text, Loader=text_dates_loader()):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                r.problem(_mark_line(event.start_mark),
                          "YAML anchors and aliases are not allowed in a contract",
                          "write the values out in full")
                return None, r.findings
            tag = getattr(event, "tag", None)
            if tag and not str(tag).startswith(STANDARD_TAGS) and tag != "!":
                r.problem(_mark_line(event.start_mark),
                          f"YAML tag {tag} is not allowed in a contract", "remove the tag")
                return None, r.findings
        root = yaml.compose(text, Loader=text_dates_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        r.problem(_mark_line(mark),
                  f"invalid YAML: {exc.problem or exc.context or 'cannot parse'}")
        return None, r.findings
    except (yaml.YAMLError, RecursionError) as exc:
        r.problem(1, f"invalid YAML: {exc or 'nested too deeply'}")
        return None, r.findings
    if root is None:
        r.problem(1, "the contract is empty", "start with `service: <name>`; see docs/contracts.md")
        return None, r.findings
    return read_contract(r, root, path, rel), r.findings


def load_contracts(ws: Workspace) -> ContractSet:
    """Every ``AGENTS.ctx/contracts/*.yaml``, in file name order."""
    result = ContractSet(root=ws.root)
    folder = ws.contracts
    if not folder.exists():
        return result
    if not folder.is_dir():
        result.findings.append(Finding(ws.rel(folder), 0, RULE, "error",
                                       "expected a folder of <service>.yaml files, found a file"))
        return result
    for path in sorted(folder.iterdir()):  # contract.schema.json and READMEs are not read
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix == ".yml":
            result.findings.append(Finding(ws.rel(path), 0, RULE, "error",
                                           "contract files end in .yaml; this one is not read",
                                           f"rename it to {path.stem}.yaml"))
            continue
        if path.suffix != ".yaml":
            continue
        result.files += 1
        contract, findings = load_contract(path, ws.rel(path))
        result.findings.extend(findings)
        if contract is None:
            result.unloadable.add(path.stem)
        else:
            result.contracts[contract.service] = contract
    from sddkit.contracts.remote import attach_remotes

    attach_remotes(result, contract_from_text)
    return result
