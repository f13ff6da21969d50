"""The rule ids of ``sdd check``: stable, documented in docs/rules.md."""

from __future__ import annotations

#: id -> what it means, in a few words. CON-xxx rules live in sddkit/contracts/.
RULES: dict[str, str] = {
    "SDD-001": "front matter or project cannot be read",
    "SDD-002": "gate order: a phase exists or was created while an earlier one is not approved",
    "SDD-003": "changed since approval",
    "SDD-004": "stale approval: an earlier phase was approved again since",
    "SDD-005": "tasks: duplicate id, unknown dependency, cycle; lines not read as tasks",
    "SDD-006": "inventory or contexts table out of date, or its managed block broken",
    "SDD-007": "spec in review or approved with unresolved open questions",
    "SDD-008": "document in review or approved with empty sections or placeholders",
    "SDD-009": "a test or file referenced by the spec does not exist",
    "SDD-010": "context problem: unregistered, missing, unknown or cyclic includes",
    "SDD-011": "suppression without a reason",
    "SDD-012": "a done task whose runnable check has no recorded pass",
    "SDD-013": "a spec's test reference that fails when run (sdd check --run-tests)",
    "SDD-014": "an interrupted write: a phase missing after an approved one, a temporary file",
    "SDD-017": "approval not made by `sdd approve`, by an approver, or (when required) signed",
    "SDD-021": "two open projects' plans name the same file or contract",
    "SDD-020": "this clone lacks the git merge drivers .gitattributes names (run `sdd init`)",
}

ERROR = "error"
WARNING = "warning"
