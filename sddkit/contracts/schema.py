"""The JSON Schema of a contract file, shipped in the package and copied next to the contracts.

``contract.schema.json`` (JSON Schema draft-07, the newest draft the YAML language server
supports) describes the same keys and value formats as the reader (``_sections.KEYS``; the
test ``tests/test_contracts_schema.py`` keeps them in agreement). ``sdd contracts new``
copies it into ``AGENTS.ctx/contracts/`` and the new contract's first line points at it::

    # yaml-language-server: $schema=contract.schema.json

so that editors with the YAML language server validate a contract as it is typed, offline.
The reader ignores the copy (it reads ``*.yaml`` only). What the schema cannot say (a file
name equal to ``service``, an entry listed twice, a value against its own pattern) only
``sdd contracts check`` reports.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from sddkit.io.fileio import Transaction

SCHEMA_NAME = "contract.schema.json"
#: The first line of every contract ``sdd contracts new`` writes.
MODELINE = f"# yaml-language-server: $schema={SCHEMA_NAME}"
#: How the shipped schema starts its ``$comment``: a copy that says so is ours to refresh.
OURS = '"$comment": "Shipped with sddkit'


def schema_text() -> str:
    """The shipped schema, as text."""
    return files("sddkit.contracts").joinpath(SCHEMA_NAME).read_text(encoding="utf-8")


def stage_schema(tx: Transaction, folder: Path) -> None:
    """Write the schema copy into ``folder`` when it is missing, or ours and out of date.

    A file of that name that sddkit did not write (no sddkit ``$comment``) is left alone.
    """
    path = folder / SCHEMA_NAME
    current = tx.read(path)
    if current is None or (OURS in current and current != schema_text()):
        tx.write(path, schema_text())
