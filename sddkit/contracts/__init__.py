"""Service contracts (DESIGN.md section 8): load, check and graph ``AGENTS.ctx/contracts/``.

``check_contracts`` is what ``sdd contracts check`` and ``sdd check`` call.
"""

from __future__ import annotations

from sddkit.contracts.contract_model import ContractSet
from sddkit.contracts.contract_rules import check
from sddkit.contracts.load import load_contracts
from sddkit.findings import Finding
from sddkit.workspace import Workspace

__all__ = ["ContractSet", "check", "check_contracts", "load_contracts"]


def check_contracts(ws: Workspace, strict: bool = False) -> list[Finding]:
    """Every contract finding of ``ws``, sorted; [] when it has no contracts.

    With ``strict``, CON-011 (a missing runtime contract) is an error instead of a warning.
    Loading problems are CON-001 findings, never exceptions.
    """
    return check(load_contracts(ws), strict=strict)
