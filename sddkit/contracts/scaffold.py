"""``sdd contracts new``: a contract file scaffolded from the shipped template."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ContractError
from ..names import check_slug
from ..workspace import Workspace

if TYPE_CHECKING:
    from .._fileio import Transaction


def new_contract(ws: Workspace, tx: Transaction, service: str) -> Path:
    """Stage ``AGENTS.ctx/contracts/SERVICE.yaml`` from ``contract.yaml.j2`` in ``tx``, and
    ``contract.schema.json`` beside it when missing or out of date (the file names it).

    Refused (:class:`InvalidName`, :class:`ContractError`) for a name that is not a slug or
    a contract that exists already.
    """
    from ..rendering import render
    from .schema import stage_schema

    check_slug(service, "service")
    path = ws.contracts / f"{service}.yaml"
    if path.exists() or path.is_symlink():
        raise ContractError(f"contract for '{service}' already exists", path)
    text = render("contract.yaml.j2", ws.local_templates, service=service)
    stage_schema(tx, ws.contracts)
    tx.write(path, text)
    return path
