"""Approvers from CODEOWNERS and the sdd context; signed approval commits."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import Invoke, fill, git, tree_digest

from sddkit.approvals.approvers import Identity, Rule, load_policy, owner_matches, parse_codeowners
from sddkit.workspace import Workspace

SPEC = "AGENTS.ctx/sdd/assets/demo/spec.md"
ADA = Identity("Ada Tester", "ada@example.com")


def test_last_matching_line_wins() -> None:
    rules = parse_codeowners(
        "# owners\n*  @everyone\n\nAGENTS.ctx/sdd/ @lead ada@example.com  # comment\n"
        "/AGENTS.ctx/sdd/assets/legacy/ @old\n")
    assert [r.line for r in rules] == [2, 4, 5]
    from sddkit.approvals.approvers import Policy

    p = Policy(codeowners=Path("CODEOWNERS"), rules=rules)
    assert p.approvers_for(SPEC) == (["@lead", "ada@example.com"], "CODEOWNERS:4")
    assert p.approvers_for("AGENTS.ctx/sdd/assets/legacy/plan.md")[0] == ["@old"]
    assert p.approvers_for("README.md")[0] == ["@everyone"]


def test_patterns_follow_github() -> None:
    assert Rule("docs/*", ("@a",), 1).matches("docs/a.md")
    assert not Rule("docs/*", ("@a",), 1).matches("docs/deep/a.md")  # GitHub's exception
    assert Rule("apps/", ("@a",), 1).matches("x/apps/deep/a.py")
    assert Rule("/AGENTS.ctx/sdd/", ("@a",), 1).matches(SPEC)
    assert not Rule("/sdd/", ("@a",), 1).matches(SPEC)  # anchored at the root
    assert Rule("*.md", ("@a",), 1).matches(SPEC)
    assert Rule("**/assets/demo", ("@a",), 1).matches(SPEC)


def test_a_pattern_without_owners_clears_them() -> None:
    from sddkit.approvals.approvers import Policy

    p = Policy(rules=parse_codeowners("* @a\nAGENTS.ctx/sdd/assets/\n"))
    assert p.approvers_for(SPEC)[0] == []


@pytest.mark.parametrize(("owner", "who", "expected"), [
    ("ada@example.com", ADA, True),
    ("ADA@example.com", ADA, True),
    ("bob@example.com", ADA, False),
    ("@ada", Identity("ada", "x@example.com"), True),
    ("@ada", Identity("Ada Tester", "12345+ada@users.noreply.github.com"), True),
    ("@ada", Identity("Ada Tester", "ada@users.noreply.github.com"), True),
    ("@ada", ADA, False),
    ("@org/team", ADA, False),
    ("Ada Tester", ADA, True),
])
def test_owner_matches(owner: str, who: Identity, expected: bool) -> None:
    assert owner_matches(owner, who) is expected


def test_codeowners_location_order(spec_in_review: Path) -> None:
    (spec_in_review / "CODEOWNERS").write_text("* @root\n")
    (spec_in_review / "docs").mkdir()
    (spec_in_review / "docs" / "CODEOWNERS").write_text("* @docs\n")
    ws = Workspace.find(override=spec_in_review)
    assert load_policy(ws).approvers_for(SPEC)[0] == ["@root"]
    (spec_in_review / ".github").mkdir()
    (spec_in_review / ".github" / "CODEOWNERS").write_text("* @github\n")
    assert load_policy(ws).approvers_for(SPEC) == (["@github"], ".github/CODEOWNERS:1")


def test_approve_refuses_a_non_approver(spec_in_review: Path, sdd: Invoke) -> None:
    (spec_in_review / ".github").mkdir()
    (spec_in_review / ".github" / "CODEOWNERS").write_text("/AGENTS.ctx/sdd/ @grace lead@example.com\n")
    before = tree_digest(spec_in_review)
    result = sdd(spec_in_review, "approve", "demo")
    assert result.exit_code == 1
    assert "Ada Tester <ada@example.com> is not an approver of " + SPEC in result.stderr
    assert "@grace, lead@example.com (.github/CODEOWNERS:1)" in result.stderr
    assert tree_digest(spec_in_review) == before


def test_context_approvers_add_to_codeowners(spec_in_review: Path, sdd: Invoke) -> None:
    (spec_in_review / "CODEOWNERS").write_text("* @grace\n")
    context = spec_in_review / "AGENTS.ctx/sdd/CONTEXT.md"
    context.write_text(context.read_text().replace(
        "---\nname: sdd\n", "---\nname: sdd\napprovers: [ada@example.com]\n", 1))
    result = sdd(spec_in_review, "approve", "demo")
    assert result.exit_code == 0, result.stderr
    # --by must name an approver too
    (spec_in_review / "CODEOWNERS").write_text("* @grace ada@example.com\n")
    walk = spec_in_review / "AGENTS.ctx/sdd/assets/demo/plan.md"
    fill(walk)
    assert sdd(spec_in_review, "ready", "demo").exit_code == 0
    result = sdd(spec_in_review, "approve", "demo", "--by", "Mallory")
    assert result.exit_code == 1 and "Mallory is not an approver" in result.stderr
    assert sdd(spec_in_review, "approve", "demo", "--by", "grace").exit_code == 0


def test_bad_approvers_value_is_one_line(spec_in_review: Path, sdd: Invoke) -> None:
    context = spec_in_review / "AGENTS.ctx/sdd/CONTEXT.md"
    context.write_text(context.read_text().replace(
        "---\nname: sdd\n", "---\nname: sdd\napprovers: ada@example.com\n", 1))
    result = sdd(spec_in_review, "approve", "demo")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.endswith("AGENTS.ctx/sdd/CONTEXT.md: 'approvers' must be a list of "
                                  "names, emails or @handles\n")


def ssh_signing(repo: Path, home: Path) -> Path:
    """An SSH signing key made for the test, configured for `git commit -S` and
    `git verify-commit` (gpg.ssh.allowedSignersFile)."""
    key = home / "signing_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ada", "-f", str(key)],
                   check=True, capture_output=True)
    allowed = home / "allowed_signers"
    allowed.write_text(f"ada@example.com {(home / 'signing_key.pub').read_text().strip()}\n")
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key))
    git(repo, "config", "gpg.ssh.allowedSignersFile", str(allowed))
    return key


def _signed_mode(repo: Path) -> None:
    context = repo / "AGENTS.ctx/sdd/CONTEXT.md"
    context.write_text(context.read_text().replace(
        "---\nname: sdd\n", "---\nname: sdd\nsigned_approvals: true\n", 1))
    git(repo, "commit", "-q", "-am", "signed approvals")


def test_signed_mode_commits_a_verified_approval(spec_in_review: Path, sdd: Invoke,
                                                 tmp_path: Path) -> None:
    ssh_signing(spec_in_review, tmp_path)
    _signed_mode(spec_in_review)
    result = sdd(spec_in_review, "approve", "demo")
    assert result.exit_code == 0, result.stderr
    assert "committed signed approval" in result.stdout
    verify = subprocess.run(["git", "verify-commit", "HEAD"], cwd=spec_in_review,
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    assert 'Good "git" signature for ada@example.com' in verify.stderr
    assert "Sddkit-Approval: demo/spec" in git(spec_in_review, "log", "-1", "--format=%B")
    assert git(spec_in_review, "status", "--porcelain") == ""  # the approval is all committed


def test_signed_mode_without_a_key_records_nothing(spec_in_review: Path, sdd: Invoke) -> None:
    _signed_mode(spec_in_review)
    git(spec_in_review, "config", "gpg.format", "ssh")
    git(spec_in_review, "config", "user.signingkey", "/nonexistent/key")
    before = tree_digest(spec_in_review)
    head = git(spec_in_review, "rev-parse", "HEAD")
    result = sdd(spec_in_review, "approve", "demo")
    assert result.exit_code == 1
    assert "the approval was not recorded" in result.stderr and result.stderr[-1] == "\n"
    assert tree_digest(spec_in_review) == before
    assert git(spec_in_review, "rev-parse", "HEAD") == head


@pytest.mark.parametrize("by", ["ada@example.com", "Ada Tester <ada@example.com>",
                                " ADA@example.com "])
def test_by_may_name_the_approver_by_email(spec_in_review: Path, sdd: Invoke, by: str) -> None:
    """CODEOWNERS names an approver by email: ``--by`` with that email (or git's ``Name
    <email>``) is that approver (it was refused as "ada@example.com is not an approver ...:
    approvers are ada@example.com"); another email is still refused."""
    (spec_in_review / "CODEOWNERS").write_text("* lead@example.com ada@example.com\n")
    result = sdd(spec_in_review, "approve", "demo", "--by", "mallory@example.com")
    assert result.exit_code == 1 and "mallory@example.com is not an approver" in result.stderr
    result = sdd(spec_in_review, "approve", "demo", "--by", by)
    assert result.exit_code == 0, result.stderr
