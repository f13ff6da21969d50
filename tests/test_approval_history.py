"""SDD-017: each committed approval was made with `sdd approve`, by an approver, signed when
required: read from the git history of real repositories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Invoke, fill, git
from test_owners import ssh_signing

SPEC = "AGENTS.ctx/sdd/assets/demo/spec.md"


def commit_as(repo: Path, name: str, email: str, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, check=True, env=env)


def sdd017(sdd: Invoke, repo: Path) -> list[dict[str, object]]:
    import json

    result = sdd(repo, "check", "--json")
    findings = json.loads(result.stdout)["findings"]
    return [f for f in findings if f["rule"] == "SDD-017"]


def test_an_approval_committed_by_a_non_approver(spec_in_review: Path, sdd: Invoke) -> None:
    assert sdd(spec_in_review, "approve", "demo", "--by", "Grace").exit_code == 0
    commit_as(spec_in_review, "Mallory", "mallory@example.com", "approve spec")
    (spec_in_review / ".github").mkdir()
    (spec_in_review / ".github/CODEOWNERS").write_text("/AGENTS.ctx/sdd/ @grace grace@example.com\n")
    commit_as(spec_in_review, "Grace", "grace@example.com", "owners")
    found = sdd017(sdd, spec_in_review)
    # the constitution was committed by Ada, no approver either
    assert sorted(f["path"] for f in found) == ["AGENTS.ctx/sdd/assets/demo/constitution.md", SPEC]
    found = [f for f in found if f["path"] == SPEC]
    message = str(found[0]["message"])
    assert "committed in" in message and "by Mallory <mallory@example.com>" in message
    assert "not an approver (@grace, grace@example.com; .github/CODEOWNERS:1)" in message
    assert found[0]["path"] == SPEC and found[0]["severity"] == "error"
    assert sdd(spec_in_review, "check").exit_code == 1


def test_an_approval_committed_by_an_approver(spec_in_review: Path, sdd: Invoke) -> None:
    (spec_in_review / "CODEOWNERS").write_text("* grace@example.com\nconstitution.md ada@example.com\n")
    env_approve = subprocess.run(
        [*_sdd_cmd(), "--root", str(spec_in_review), "approve", "demo", "--commit"],
        env={**os.environ, "GIT_AUTHOR_NAME": "Grace", "GIT_AUTHOR_EMAIL": "grace@example.com"},
        capture_output=True, text=True)
    assert env_approve.returncode == 0, env_approve.stderr
    assert "committed approval" in env_approve.stdout
    commit_as(spec_in_review, "Ada", "ada@example.com", "owners")
    assert sdd017(sdd, spec_in_review) == []


def _sdd_cmd() -> list[str]:
    from conftest import sdd_executable

    return [sdd_executable()]


def test_a_hand_edited_status(spec_in_review: Path, sdd: Invoke) -> None:
    spec = spec_in_review / SPEC
    assert sdd(spec_in_review, "approve", "demo", "--by", "Grace").exit_code == 0
    git(spec_in_review, "add", "-A")
    git(spec_in_review, "commit", "-q", "-m", "approve spec")
    assert sdd017(sdd, spec_in_review) == []
    # back to review (the approval fields stay), then the status flipped by hand
    assert sdd(spec_in_review, "ready", "demo").exit_code == 1  # nothing to re-approve yet
    spec.write_text(spec.read_text().replace("status: approved", "status: review", 1))
    git(spec_in_review, "commit", "-q", "-am", "review again")
    spec.write_text(spec.read_text().replace("status: review", "status: approved", 1))
    git(spec_in_review, "commit", "-q", "-am", "looks fine to me")
    found = sdd017(sdd, spec_in_review)
    assert len(found) == 1, found
    assert "set to approved by hand in commit" in str(found[0]["message"])
    assert "no `sdd approve` recorded it" in str(found[0]["message"])


def test_hand_edited_status_without_approval_fields(spec_in_review: Path, sdd: Invoke) -> None:
    spec = spec_in_review / SPEC
    text = spec.read_text().replace("status: review", "status: approved", 1)
    spec.write_text(text)
    git(spec_in_review, "commit", "-q", "-am", "approved, I promise")
    import json

    result = sdd(spec_in_review, "check", "--json")
    found = json.loads(result.stdout)["findings"]
    # caught before history is read: the approval has no hash (SDD-001)
    assert [f["rule"] for f in found if f["path"] == SPEC] == ["SDD-001"]
    assert "have a person run `sdd approve demo`" in found[0]["message"]


def test_uncommitted_approvals_wait_for_the_commit(spec_in_review: Path, sdd: Invoke) -> None:
    assert sdd(spec_in_review, "approve", "demo", "--by", "Grace").exit_code == 0
    (spec_in_review / "CODEOWNERS").write_text("spec.md nobody@example.com\n")
    assert sdd017(sdd, spec_in_review) == []


def test_signed_mode_refuses_an_unsigned_approval(spec_in_review: Path, sdd: Invoke,
                                                  tmp_path: Path) -> None:
    assert sdd(spec_in_review, "approve", "demo", "--commit").exit_code == 0  # unsigned
    ssh_signing(spec_in_review, tmp_path)
    context = spec_in_review / "AGENTS.ctx/sdd/CONTEXT.md"
    context.write_text(context.read_text().replace(
        "---\nname: sdd\n", "---\nname: sdd\nsigned_approvals: true\n", 1))
    git(spec_in_review, "commit", "-q", "-am", "signed approvals from now on")
    found = sdd017(sdd, spec_in_review)
    unsigned = ["AGENTS.ctx/sdd/assets/demo/constitution.md", SPEC]  # both approved unsigned
    assert [f["path"] for f in found] == unsigned
    assert "is not signed with a trusted key" in str(found[1]["message"])
    # the plan, approved in signed mode, passes
    fill(spec_in_review / "AGENTS.ctx/sdd/assets/demo/plan.md")
    assert sdd(spec_in_review, "ready", "demo").exit_code == 0
    git(spec_in_review, "commit", "-q", "-am", "plan ready")
    result = sdd(spec_in_review, "approve", "demo")
    assert result.exit_code == 0 and "committed signed approval" in result.stdout
    assert [f["path"] for f in sdd017(sdd, spec_in_review)] == unsigned  # not the plan


def test_shallow_clone_warns_instead_of_blaming(spec_in_review: Path, sdd: Invoke,
                                                tmp_path: Path) -> None:
    assert sdd(spec_in_review, "approve", "demo", "--commit").exit_code == 0
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{spec_in_review}", str(clone)],
                   check=True)
    found = sdd017(sdd, clone)
    assert [f["severity"] for f in found] == ["warning"]
    assert "shallow" in str(found[0]["message"])


def test_an_uncommitted_reapproval_is_not_a_hand_edit(spec_in_review: Path, sdd: Invoke) -> None:
    root = spec_in_review
    assert sdd(root, "approve", "demo", "--commit").exit_code == 0
    spec = root / SPEC
    spec.write_text(spec.read_text() + "\nOne more case.\n")
    assert sdd(root, "ready", "demo").exit_code == 0
    assert sdd(root, "approve", "demo").exit_code == 0  # a new approved_at, not committed
    assert sdd017(sdd, root) == []
    git(root, "commit", "-q", "-am", "re-approved")
    assert sdd017(sdd, root) == []


def _section_oracle(section: str, strip: int) -> tuple[object, tuple[str, ...], tuple[str, ...]]:
    """The per-line reading of one file's patch that ``gate_history._section`` replaces."""
    import re

    from sddkit.approvals.gate_history import GATE_REGEX

    gate = re.compile(GATE_REGEX)
    path = None
    added: list[str] = []
    removed: list[str] = []
    for line in section.split("\n"):
        if line.startswith("+++ "):
            name = line[4:]
            path = name[2 + strip:] if name.startswith("b/") else None
        elif line.startswith(("--- ", "@@", "diff --git ")):
            continue
        elif line[:1] in "+-" and gate.search(line[1:]):
            (added if line[0] == "+" else removed).append(line[1:])
    return path, tuple(added), tuple(removed)


PATCH_LINES = [
    "", "diff --git a/AGENTS.ctx/x.md b/AGENTS.ctx/x.md", "--- a/AGENTS.ctx/x.md",
    "+++ b/AGENTS.ctx/demo/spec.md", "+++ /dev/null", "@@ -1,0 +2 @@", "+status: approved",
    "-status: draft", "+approved_by: A Person", "+approved_at: 2026-01-01", "+text",
    "-text", "+- [x] T001 a <!-- done 2026-01-01 forced: why -->", "+<!-- done > forced -->",
    "+++ status: y", "--- status: z", "+-- status: w", "-++ blocked: x", "+blocked: yes\r",
    " status: context", "+  status: indented", "+reopened_reason: r", "+statusx: no",
    "-<!--   done forced", "+approval_forced:", "+++ b/x <!-- done forced -->",
    "--- a/<!-- done y forced", "+-- <!-- done forced",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PATCH_LINES), max_size=12), st.sampled_from([0, 10]))
def test_a_patch_is_read_as_line_by_line(lines: list[str], strip: int) -> None:
    from sddkit.approvals.gate_history import _section

    section = "\n".join(lines)
    assert _section(section, strip) == _section_oracle(section, strip)
