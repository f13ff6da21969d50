"""The result every operation returns, and the one way an operation writes files."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sddkit.io.fileio import Transaction
    from sddkit.workspace import Workspace

T = TypeVar("T")


@dataclass(kw_only=True)
class Outcome:
    """What one user action did, in the forms every front end needs.

    ``text`` is what a person reads (newline-terminated, "" for nothing); ``data`` is the
    documented JSON shape (docs/json.md; None when the action has none); ``files`` are the
    repository-relative POSIX paths written, or that would be under ``dry_run``, and
    ``deleted`` those removed; ``diff`` is the unified diff of the change (what
    ``--dry-run`` prints; "" for a read); ``warnings`` are lines for stderr; ``exit_code``
    is 1 for a failed check, else 0. Subclasses add the action's own typed fields.
    """

    text: str = ""
    data: Mapping[str, Any] | None = None
    files: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    diff: str = ""
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)
    exit_code: int = 0

    @property
    def changed(self) -> bool:
        """Whether any file was (or, under ``dry_run``, would be) written or deleted."""
        return bool(self.files or self.deleted)


@dataclass
class Staged:
    """A finished transaction's effect: paths changed and deleted, and the diff."""

    files: list[str]
    deleted: list[str]
    diff: str
    dry_run: bool
    #: each changed path (as in ``files``) -> its text before (None: the file was created)
    originals: dict[str, str | None] = field(default_factory=dict)
    #: each changed path (as in ``files``) -> its text after
    texts: dict[str, str] = field(default_factory=dict)

    def outcome_fields(self) -> dict[str, Any]:
        return {"files": self.files, "deleted": self.deleted, "diff": self.diff,
                "dry_run": self.dry_run}


def write(ws: Workspace, dry_run: bool, stage: Callable[[Transaction], T], *,
          refresh: bool | Callable[[T], bool] = True,
          optimistic: bool = False,
          before_write: Callable[[Transaction, T], None] | None = None) -> tuple[T, Staged]:
    """Run ``stage`` in one transaction, then regenerate the derived blocks (contexts table,
    inventory) unless ``refresh`` is False (or, given a function, returns False for what
    ``stage`` returned), then write everything (or nothing, under ``dry_run``). Errors
    leave every file as it was.

    The repository lock is held around the whole computation, or, with ``optimistic``,
    only around comparing the files read with the disk and replacing them
    (:func:`sddkit.io.fileio.run_transaction`: ``stage`` may run again if another writer got
    there first, so it must not have side effects outside ``tx``). ``before_write`` sees the
    finished transaction (every change staged, nothing written yet) and what ``stage``
    returned; it may raise to write nothing (``sdd done --commit`` plans its commit there).
    """
    from sddkit.io.fileio import run_transaction, transaction
    from sddkit.repository.generated_blocks import refresh as regenerate

    def run(tx: Transaction) -> T:
        value = stage(tx)
        if refresh(value) if callable(refresh) else refresh:
            regenerate(ws, tx)
        if before_write is not None:
            before_write(tx, value)
        return value

    if optimistic:
        value, tx = run_transaction(ws.root, run, dry_run=dry_run)
    else:
        with transaction(ws.root, dry_run=dry_run) as tx:
            value = run(tx)
    changes = tx.changes()
    staged = Staged([ws.rel(path) for path, _old, _new in changes],
                    [ws.rel(path) for path in tx.deletions()],
                    tx.diff() if dry_run else "", dry_run,
                    {ws.rel(path): old for path, old, _new in changes},
                    {ws.rel(path): new for path, _old, new in changes})
    return value, staged


def lines(*parts: str) -> str:
    """The text of an outcome: one line per part, newline-terminated ("" for none)."""
    return "".join(f"{part}\n" for part in parts)
