"""The JSON shapes the MCP tools return, as typed dictionaries (docs/json.md in types).

One ``TypedDict`` per object of each documented shape (``sddkit.next/1``...), named after
it. They are the typed form of what the CLI's ``--json`` and the MCP tools print:

- the builders annotate their results with them (``projects.next_step.to_json`` returns
  :class:`Next`...), so mypy checks that every field is built with its type;
- ``sdd mcp`` declares each tool's result as ``Annotated[CallToolResult, Shape]``; the MCP
  SDK derives the tool's ``outputSchema`` from it with pydantic and validates every result
  against it before it leaves the server (an undocumented field is refused:
  ``extra="forbid"``);
- ``tests/test_json_shapes.py`` reads docs/json.md's tables and requires the same fields
  with the same types, so the docs, these types and the output cannot drift apart.

Runtime imports: only ``mcp_server`` and ``mcp_actions`` (with the MCP SDK, which brings
pydantic and typing_extensions); the builders import it under ``TYPE_CHECKING`` only, so
``sdd next`` pays nothing. ``typing_extensions.TypedDict`` because pydantic refuses the
standard one below Python 3.12.
"""

from __future__ import annotations

from typing import Literal

from typing_extensions import NotRequired, TypedDict

# --- shared pieces -----------------------------------------------------------------------


class Broken(TypedDict):
    """A project that cannot be read, skipped by a listing (issue 14)."""

    kind: str
    name: str
    file: str | None
    line: int | None
    error: str


class Counts(TypedDict):
    done: int
    total: int


class Finding(TypedDict):
    rule: str
    severity: str
    path: str
    line: int
    message: str
    hint: str


# --- sddkit.open/1 -----------------------------------------------------------------------


class OpenRules(TypedDict):
    path: str
    text: str


class OpenContext(TypedDict):
    name: str
    description: str
    includes: list[str]
    path: str


class OpenedContext(OpenContext):
    text: str


class OpenProject(TypedDict):
    project: str
    phase: str
    status: str
    progress: str
    next: str
    updated: str
    notes: str


class OpenSdd(TypedDict):
    counts: dict[str, int]
    projects: NotRequired[list[OpenProject]]  # only when `sdd` is opened
    broken: list[Broken]
    next: str
    command: str | None
    text: str


class Open(TypedDict):
    schema: Literal["sddkit.open/1"]
    root: str
    rules: OpenRules
    contexts: list[OpenContext]
    opened: list[OpenedContext]
    sdd: OpenSdd | None


# --- sddkit.status/1 ---------------------------------------------------------------------


class StatusRow(TypedDict):
    project: str
    title: str
    state: str
    phase: str
    flags: list[str]
    progress: str
    tasks: Counts
    priority: int
    blocked: str | None
    updated: str | None
    notes: str
    next: str


class StatusAll(TypedDict):
    schema: Literal["sddkit.status/1"]
    projects: list[StatusRow]
    broken: list[Broken]


class StatusPhase(TypedDict):
    phase: str
    path: str | None
    status: str | None
    approved_by: str | None
    approved_at: str | None
    approved_commit: str | None
    flags: list[str]


class StatusOne(StatusRow):
    schema: Literal["sddkit.status/1"]
    phases: list[StatusPhase]


# --- sddkit.next/1 -----------------------------------------------------------------------


class NextTask(TypedDict):
    key: str
    id: str | None
    text: str
    state: str
    file: str
    line: int
    heading: str | None
    verify: list[str]
    checks: list[str]
    depends: list[str]
    parallel: bool
    story: str | None
    optional: bool
    blocked: str | None
    claimed_by: str | None
    claimed_at: str | None
    notes: list[str]


class Skipped(TypedDict):
    key: str
    text: str
    line: int
    reason: str


class OtherProject(TypedDict):
    project: str
    state: str
    phase: str
    kind: str
    needs_person: str | None


class ReadFirst(TypedDict):
    path: str
    why: str


class Next(TypedDict):
    schema: Literal["sddkit.next/1"]
    kind: str
    project: str | None
    phase: str | None
    message: str
    command: str | None
    task: NextTask | None
    progress: Counts
    skipped: list[Skipped]
    others: list[OtherProject]
    read_first: list[ReadFirst]
    broken: list[Broken]


# --- sddkit.next.all/1 -------------------------------------------------------------------


class Available(TypedDict):
    project: str
    key: str
    text: str
    file: str
    line: int
    parallel: bool
    verify: list[str]
    command: str


class ClaimedTask(TypedDict):
    project: str
    key: str
    text: str
    file: str
    line: int
    by: str
    at: str | None
    stale: bool
    reason: str


class NeedsPerson(TypedDict):
    project: str
    needs: str


NextAll = TypedDict("NextAll", {
    "schema": Literal["sddkit.next.all/1"],
    "as": str,  # a keyword: the functional form
    "mine": list[Available],
    "available": list[Available],
    "claimed": list[ClaimedTask],
    "needs_person": list[NeedsPerson],
})


# --- the checks ----------------------------------------------------------------------------


class CheckSummary(TypedDict):
    errors: int
    warnings: int
    suppressed: int
    projects: int
    contexts: int


class Check(TypedDict):
    schema: Literal["sddkit.check/1"]
    findings: list[Finding]
    summary: CheckSummary


class ContractsCheck(TypedDict):
    schema: Literal["sddkit.contracts.check/1"]
    findings: list[Finding]


# --- what the writing tools return ---------------------------------------------------------


class VerifyCheck(TypedDict):
    command: str
    passed: bool
    exit_code: int | None
    timed_out: bool
    seconds: float
    output_bytes: int
    reason: str
    tail: list[str]


class VerifyResult(TypedDict):
    """One task's runnable checks: an item of ``sddkit.verify/1`` ``results[]``."""

    project: str
    task: str
    text: str
    state: str
    outcome: str
    at: str | None
    recorded: bool
    mark: str | None
    checks: list[VerifyCheck]
    not_run: list[str]


class TaskTicked(TypedDict):
    """What ``done`` and ``undo`` share."""

    project: str
    task: str
    text: str
    changed: bool
    message: str
    files: list[str]
    next: Next


class Done(TaskTicked):
    schema: Literal["sddkit.done/1"]
    mark: str | None
    verification: VerifyResult | None


class Undo(TaskTicked):
    schema: Literal["sddkit.undo/1"]


class Ready(TypedDict):
    schema: Literal["sddkit.ready/1"]
    project: str
    phase: str
    status: str
    file: str
    message: str
    files: list[str]
    next: Next


class New(TypedDict):
    schema: Literal["sddkit.new/1"]
    project: str
    title: str
    file: str
    message: str
    files: list[str]
    next: Next


class Block(TypedDict):
    schema: Literal["sddkit.block/1"]
    action: str
    project: str
    task: str | None
    reason: str | None
    file: str
    line: int | None
    changed: bool
    message: str
    files: list[str]


class StolenClaim(TypedDict):
    name: str
    at: str | None


class Claim(TypedDict):
    schema: Literal["sddkit.claim/1"]
    action: str
    project: str
    task: str
    text: str
    file: str
    line: int
    changed: bool
    message: str
    stolen_from: StolenClaim | None


#: schema id -> its shape (``sddkit.status/1`` has two: every project, one project).
SHAPES: dict[str, tuple[type, ...]] = {
    "sddkit.open/1": (Open,),
    "sddkit.status/1": (StatusAll, StatusOne),
    "sddkit.next/1": (Next,),
    "sddkit.next.all/1": (NextAll,),
    "sddkit.check/1": (Check,),
    "sddkit.contracts.check/1": (ContractsCheck,),
    "sddkit.done/1": (Done,),
    "sddkit.undo/1": (Undo,),
    "sddkit.ready/1": (Ready,),
    "sddkit.new/1": (New,),
    "sddkit.block/1": (Block,),
    "sddkit.claim/1": (Claim,),
}


#: Parts of other shapes, as docs/json.md names them where a shape holds one.
PARTS: dict[type, str] = {VerifyResult: "sddkit.verify/1 results[]"}


def _forbid_extra() -> None:
    """Every shape allows only its documented fields (pydantic's ``extra="forbid"``, so the
    derived JSON Schemas say ``additionalProperties: false``)."""
    seen: set[type] = set()
    for value in list(globals().values()):
        if isinstance(value, type) and hasattr(value, "__required_keys__") and value not in seen:
            seen.add(value)
            value.__pydantic_config__ = {"extra": "forbid"}  # type: ignore[attr-defined]


_forbid_extra()
