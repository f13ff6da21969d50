"""``sdd contracts new``: a contract file scaffolded from the shipped template."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sddkit.errors import ContractError
from sddkit.names import check_slug
from sddkit.workspace import Workspace

if TYPE_CHECKING:
    from sddkit.io.fileio import Transaction


def refuse_unreadable(path: Path, text: str) -> None:
    """Refuse a contract text ``sdd contracts check`` could not read at all (CON-001).

    Raises :class:`ContractError` naming the first finding's line."""
    from sddkit.contracts.load import contract_from_text

    contract, findings = contract_from_text(text, path, path.name)
    if contract is None:
        first = findings[0] if findings else None
        raise ContractError(first.message if first else "the contract cannot be read", path,
                            first.line if first and first.line else None)


def new_contract(ws: Workspace, tx: Transaction, service: str) -> Path:
    """Stage ``AGENTS.ctx/contracts/SERVICE.yaml`` from ``contract.yaml.j2`` in ``tx``, and
    ``contract.schema.json`` beside it when missing or out of date (the file names it).

    Refused (:class:`InvalidName`, :class:`ContractError`) for a name that is not a slug or
    a contract that exists already.
    """
    from sddkit.contracts.schema import stage_schema
    from sddkit.io.rendering import render_checked

    check_slug(service, "service")
    path = ws.contracts / f"{service}.yaml"
    if path.exists() or path.is_symlink():
        raise ContractError(f"contract for '{service}' already exists", path)
    text = render_checked("contract.yaml.j2", ws.local_templates, ws.root, path, refuse_unreadable,
                          service=service)
    stage_schema(tx, ws.contracts)
    tx.write(path, text)
    return path
