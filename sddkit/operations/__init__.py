"""The operations layer: one plain function per user action, the only API front ends call.

The click commands (``sddkit/cli/commands/``), the click-free ``sdd next`` (``sddkit/cli/entry.py``)
and the MCP tools (``sddkit/cli/mcp_server.py``) are adapters: they parse their arguments, call
one function here, and show its result. None of them holds domain logic, so a use case is
written once and every front end gives the same answer (``tests/test_operations.py``
compares the CLI, the fast path and the MCP client).

Every operation takes a :class:`~sddkit.workspace.Workspace` and plain values, opens at
most one transaction (through :func:`~sddkit.operations.outcome.write`, which also
regenerates the inventory and the contexts table), never prints, raises
:class:`~sddkit.errors.SddkitError` for anything a user can cause, and returns an
:class:`~sddkit.operations.outcome.Outcome` (or a subclass with the action's own typed
fields): ``text`` for a person, ``data`` for ``--json`` and MCP, ``files`` and ``diff``
for what changed (``--dry-run`` prints the diff), ``warnings`` for stderr, ``exit_code``.

Adding a use case:

1. Put the rule in its domain module as a function that stages its writes in a
   ``Transaction`` (as :func:`sddkit.projects.transitions.ready` does) or computes a value.
2. Add ``def my_action(ws, ..., dry_run=False) -> Outcome`` to the module here that holds
   its kind (``gate_actions``: project and gate moves; ``task_actions``: status, next, done;
   ``claim_actions``: claims and blocks; ``evidence_actions``: verify and show;
   ``repo_actions``: init, open, inventory, check, agents; ``catalog_actions``: contexts and
   contracts), using ``write(ws, dry_run, stage)``; re-export it below.
3. Add a thin click command in ``sddkit/cli/commands/`` ending in ``emit(ctx, outcome, ...)``,
   and an MCP tool in ``sddkit/cli/mcp_server.py`` returning ``outcome.data`` if agents need it.
4. Add its case to ``tests/test_operations.py`` so the front ends are compared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sddkit.lazy_exports import lazy_exports

#: module of this package -> the names it defines. Imported on first use (PEP 562), so
#: the click-free ``sdd next`` loads only ``task_actions``.
_WHERE = {
    "catalog_actions": ("Created", "contexts_list", "contexts_new", "contexts_show",
                        "contracts_check", "contracts_graph", "contracts_new"),
    "claim_actions": ("BlockChanged", "TaskChanged", "block", "release", "start", "unblock"),
    "evidence_actions": ("ChecksRun", "show", "verify"),
    "gate_actions": ("Approved", "GateMoved", "ProjectCreated", "approve", "approve_imported",
                     "new_project", "ready", "reopen"),
    "outcome": ("Outcome",),
    "repo_actions": ("Checked", "agents_install", "agents_list", "agents_remove", "check",
                     "init", "init_target", "open_briefing", "rebuild_inventory"),
    "task_actions": ("NextStep", "Status", "TaskChecked", "archived_status", "available_tasks",
                     "complete", "next_step", "status", "undo"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE)

if TYPE_CHECKING:
    from sddkit.operations.catalog_actions import (
        Created,
        contexts_list,
        contexts_new,
        contexts_show,
        contracts_check,
        contracts_graph,
        contracts_new,
    )
    from sddkit.operations.claim_actions import (
        BlockChanged,
        TaskChanged,
        block,
        release,
        start,
        unblock,
    )
    from sddkit.operations.evidence_actions import ChecksRun, show, verify
    from sddkit.operations.gate_actions import (
        Approved,
        GateMoved,
        ProjectCreated,
        approve,
        approve_imported,
        new_project,
        ready,
        reopen,
    )
    from sddkit.operations.outcome import Outcome
    from sddkit.operations.repo_actions import (
        Checked,
        agents_install,
        agents_list,
        agents_remove,
        check,
        init,
        init_target,
        open_briefing,
        rebuild_inventory,
    )
    from sddkit.operations.task_actions import (
        NextStep,
        Status,
        TaskChecked,
        archived_status,
        available_tasks,
        complete,
        next_step,
        status,
        undo,
    )


__getattr__ = lazy_exports(__name__, _WHERE, globals())
