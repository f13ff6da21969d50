"""Rules CON-019 and CON-020: a contract's operations against its ``interface`` file.

CON-019: the interface file cannot be read, is not a valid OpenAPI document or .proto, or
a parser is missing (a warning). CON-020: an operation the contract provides is not in
its interface. A call to an operation the provider's contract does not list is CON-002;
so every operation a caller uses must be in the provider's contract, and every operation
the contract lists must be in its interface. See docs/contracts.md.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from sddkit.contracts.contract_model import Contract
from sddkit.contracts.interfaces import Interface, read_interface
from sddkit.findings import Finding


def check_interfaces(contracts: dict[str, Contract], root: Path) -> list[Finding]:
    """CON-019 and CON-020 for every local contract with an ``interface`` (unsorted)."""
    found: list[Finding] = []
    read: dict[str, Interface] = {}
    for name in sorted(contracts):
        c = contracts[name]
        if c.interface is None or not c.clean or c.origin is not None:
            continue
        if c.interface not in read:
            read[c.interface] = read_interface(root, c.interface)
        iface = read[c.interface]
        for line, severity, message, hint in iface.problems:
            if line:
                found.append(Finding(iface.rel, line, "CON-019", severity, message, hint))
            else:
                found.append(Finding(c.rel, c.at("interface"), "CON-019", severity,
                                     f"interface {iface.rel}: {message}", hint))
        if not iface.checked or any(severity == "error" for _l, severity, _m, _h in
                                    iface.problems):
            continue  # a broken document lists too few operations: fix CON-019 first
        listed = sorted(iface.operations)
        for op in c.operations:
            if iface.has(op.name):
                continue
            close = difflib.get_close_matches(op.name, listed, n=1)
            found.append(Finding(
                c.rel, op.at("name"), "CON-020", "error",
                f"{c.service} provides {op.name}, but its interface {iface.rel} defines no such "
                f"operation (it defines: {', '.join(listed) or 'none'})",
                (f"did you mean '{close[0]}'? " if close else "")
                + "add it to the interface, or fix the name in the contract"))
    return found
