"""SDD projects and approval gates (issue 3)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import Invoke, fill, git, tree_digest, walk_to

TASKS = """## Phase 1: core

- [ ] T001 First step
  - verify: pytest -q
- [ ] T002 Second step
  - depends: T001
"""


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text().split("---\n")[1])


def assets(root: Path, project: str = "demo") -> Path:
    return root / "AGENTS.ctx/sdd/assets" / project


def test_walk_from_new_to_approved_tasks(initialised: Path, sdd: Invoke) -> None:
    result = sdd(initialised, "new", "demo", "--title", "Demo: a project")
    assert result.exit_code == 0, result.stderr
    folder = assets(initialised)
    constitution = folder / "constitution.md"
    meta = front(constitution)
    assert meta["project"] == "demo" and meta["phase"] == "constitution"
    assert meta["status"] == "draft" and meta["title"] == "Demo: a project"
    assert not (folder / "spec.md").exists()

    refused = sdd(initialised, "approve", "demo")
    assert refused.exit_code == 1
    assert "constitution of demo is draft: run `sdd ready demo` first" in refused.stderr

    not_ready = sdd(initialised, "ready", "demo")
    assert not_ready.exit_code == 1 and "unfilled template placeholder" in not_ready.stderr
    assert re.search(r"constitution\.md:\d+:", not_ready.stderr)

    head = git(initialised, "rev-parse", "HEAD").strip()
    commits = {}
    for phase in ("constitution", "spec", "plan", "tasks"):
        doc = folder / f"{phase}.md"
        fill(doc, TASKS if phase == "tasks" else None)
        assert sdd(initialised, "ready", "demo").exit_code == 0
        assert front(doc)["status"] == "review"
        git(initialised, "add", "-A")
        git(initialised, "commit", "-q", "-m", f"{phase} ready")
        commits[phase] = git(initialised, "rev-parse", "HEAD").strip()
        approved = sdd(initialised, "approve", "demo", "--by", "Grace Hopper")
        assert approved.exit_code == 0, approved.stderr
        meta = front(doc)
        assert meta["status"] == "approved"
        assert meta["approved_by"] == "Grace Hopper"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["approved_at"])
        assert re.fullmatch(r"[0-9a-f]{64}", meta["approved_sha256"])
        assert meta["approved_commit"] == commits[phase] != head
        earlier = ("constitution", "spec", "plan", "tasks")[: ("constitution", "spec", "plan",
                                                                "tasks").index(phase)]
        assert meta["based_on"] == {
            p: front(folder / f"{p}.md")["approved_sha256"] for p in earlier
        }
    status = json.loads(sdd(initialised, "status", "demo", "--json").stdout)
    assert status["schema"] == "sddkit.status/1"
    assert status["state"] == "implementing"
    assert [p["status"] for p in status["phases"]] == ["approved"] * 4
    assert status["tasks"] == {"done": 0, "total": 2}
    inventory = (initialised / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert "| demo | tasks | implementing | 0/2 tasks | T001 First step |" in inventory


def test_approver_defaults_to_git_user(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="constitution")
    doc = assets(initialised) / "spec.md"
    fill(doc)
    sdd(initialised, "ready", "demo")
    assert sdd(initialised, "approve", "demo").exit_code == 0
    assert front(doc)["approved_by"] == "Ada Tester"


def test_outside_git_commit_is_null(tmp_path: Path, sdd: Invoke) -> None:
    assert sdd(tmp_path, "init", "--root", str(tmp_path)).exit_code == 0
    walk_to(tmp_path, sdd, "demo", upto="constitution")
    meta = front(assets(tmp_path) / "constitution.md")
    assert meta["approved_commit"] is None and meta["status"] == "approved"


def test_drift_closes_gate_and_reapproval_opens_it(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="spec")
    spec = assets(initialised) / "spec.md"
    plan = assets(initialised) / "plan.md"
    spec.write_text(spec.read_text() + "\nA late edit.\n")
    status = json.loads(sdd(initialised, "status", "demo", "--json").stdout)
    assert status["phases"][1]["flags"] == ["changed-since-approval"]
    assert status["phase"] == "spec"
    fill(plan)
    nxt = json.loads(sdd(initialised, "next", "demo", "--json").stdout)
    assert "spec of demo changed since approval" in nxt["message"]
    # `ready` now puts the changed spec (the current phase again) up for review, not the plan
    assert sdd(initialised, "ready", "demo").exit_code == 0
    assert front(spec)["status"] == "review" and front(plan)["status"] == "draft"
    assert sdd(initialised, "approve", "demo").exit_code == 0
    assert json.loads(sdd(initialised, "status", "demo", "--json").stdout)["phase"] == "plan"


def test_crlf_checkout_is_not_drift(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="spec")
    spec = assets(initialised) / "spec.md"
    spec.write_bytes(b"\xef\xbb\xbf" + spec.read_bytes().replace(b"\n", b"\r\n"))
    status = json.loads(sdd(initialised, "status", "demo", "--json").stdout)
    assert status["flags"] == [] and status["phase"] == "plan"


def test_approving_later_phase_refused_while_earlier_drifted(initialised: Path,
                                                             sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="spec")
    plan = assets(initialised) / "plan.md"
    fill(plan)
    assert sdd(initialised, "ready", "demo").exit_code == 0
    spec = assets(initialised) / "spec.md"
    spec.write_text(spec.read_text() + "\nchanged\n")
    before = tree_digest(initialised)
    refused = sdd(initialised, "approve", "demo")
    assert refused.exit_code == 1
    assert "spec of demo" in refused.stderr
    assert tree_digest(initialised) == before


def test_reopen_makes_later_phases_stale(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="plan")
    result = sdd(initialised, "reopen", "demo", "spec", "--reason", "new requirement")
    assert result.exit_code == 0, result.stderr
    spec = front(assets(initialised) / "spec.md")
    assert spec["status"] == "draft" and spec["approved_sha256"] is None
    assert spec["reopened_reason"] == "new requirement"
    status = json.loads(sdd(initialised, "status", "demo", "--json").stdout)
    assert "stale:plan" in status["flags"]
    assert status["phases"][2]["flags"] == ["stale"]
    # approve spec again (same body): the plan's based_on matches again
    assert sdd(initialised, "ready", "demo").exit_code == 0
    assert sdd(initialised, "approve", "demo").exit_code == 0
    assert "stale:plan" not in json.loads(
        sdd(initialised, "status", "demo", "--json").stdout)["flags"]


def test_reopen_with_edit_leaves_plan_stale_until_reapproved(initialised: Path,
                                                             sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="plan")
    sdd(initialised, "reopen", "demo", "spec", "--reason", "scope")
    spec = assets(initialised) / "spec.md"
    spec.write_text(spec.read_text() + "\nMore behaviour.\n")
    sdd(initialised, "ready", "demo")
    sdd(initialised, "approve", "demo")
    status = json.loads(sdd(initialised, "status", "demo", "--json").stdout)
    assert status["phase"] == "plan" and "stale:plan" in status["flags"]
    nxt = json.loads(sdd(initialised, "next", "--json").stdout)
    assert "plan of demo is stale" in nxt["message"]
    assert sdd(initialised, "ready", "demo").exit_code == 0
    assert sdd(initialised, "approve", "demo").exit_code == 0
    assert json.loads(sdd(initialised, "status", "demo", "--json").stdout)["flags"] == []


def test_force_approval_is_recorded(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "new", "demo")
    result = sdd(initialised, "approve", "demo", "--force")
    assert result.exit_code == 0 and "(forced)" in result.stdout
    assert front(assets(initialised) / "constitution.md")["approval_forced"] == "from draft"


def test_spec_with_open_question_refused(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="constitution")
    spec = assets(initialised) / "spec.md"
    text = spec.read_text().replace("- [ ] <!-- fill: a question", "- [ ] Which DB? <!-- x")
    spec.write_text(text)
    fill(spec)
    refused = sdd(initialised, "ready", "demo")
    assert refused.exit_code == 1
    assert "unresolved open question" in refused.stderr


def test_empty_required_section_refused(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "new", "demo")
    doc = assets(initialised) / "constitution.md"
    fill(doc)
    doc.write_text(doc.read_text().replace("Filled in.\n\n## Amendments\n\nFilled in.",
                                           "Filled in.\n\n## Amendments\n\n"))
    refused = sdd(initialised, "ready", "demo")
    assert refused.exit_code == 1
    assert "section '## Amendments' is empty" in refused.stderr


def test_block_and_unblock(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "new", "demo")
    assert sdd(initialised, "block", "demo", "--reason", "waiting on legal").exit_code == 0
    status = json.loads(sdd(initialised, "status", "--json").stdout)
    assert status["projects"][0]["state"] == "blocked"
    assert "blocked: waiting on legal" in (initialised / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    assert sdd(initialised, "unblock", "demo").exit_code == 0
    assert json.loads(sdd(initialised, "status", "--json").stdout)["projects"][0]["state"] == (
        "drafting")
    assert sdd(initialised, "unblock", "demo").exit_code == 1


def test_new_from_plan_document_keeps_its_text(initialised: Path, sdd: Invoke,
                                               tmp_path: Path) -> None:
    source = tmp_path / "old-plan.md"
    source.write_text("# Flux DAG fix\n\nSplit the operators.\n\n```yaml\nwait: true\n```\n")
    result = sdd(initialised, "new", "flux", "--from", str(source))
    assert result.exit_code == 0, result.stderr
    folder = assets(initialised, "flux")
    assert (folder / "source.md").read_text() == source.read_text()
    assert front(folder / "constitution.md")["title"] == "Flux DAG fix"
    walk_to(initialised, sdd, "flux", upto="constitution")
    spec = (folder / "spec.md").read_text()
    assert "## Source material" in spec and "Split the operators." in spec
    refused = sdd(initialised, "ready", "flux")
    assert refused.exit_code == 1  # the source section must be distributed first


@pytest.mark.parametrize("name", ["..", "a/b", "/abs", "Demo", "x" * 65, "con"])
def test_invalid_project_names(initialised: Path, sdd: Invoke, name: str) -> None:
    before = tree_digest(initialised)
    result = sdd(initialised, "new", name)
    assert result.exit_code == 1
    assert "invalid project name" in result.stderr
    assert tree_digest(initialised) == before


def test_unknown_project_lists_known(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "new", "alpha")
    sdd(initialised, "new", "beta")
    result = sdd(initialised, "approve", "gamma")
    assert result.exit_code == 1
    assert result.stderr == "sdd: unknown project 'gamma'; known projects: alpha, beta\n"


def test_broken_yaml_names_file_and_line(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "new", "demo")
    doc = assets(initialised) / "constitution.md"
    doc.write_text(doc.read_text().replace("status: draft", "status: [draft"))
    before = tree_digest(initialised)
    for args in (["status", "demo"], ["next", "demo"], ["ready", "demo"], ["approve", "demo"]):
        result = sdd(initialised, *args)  # the project asked for: its own error
        assert result.exit_code == 1, args
        assert "AGENTS.ctx/sdd/assets/demo/constitution.md:" in result.stderr
        assert result.stderr.count("\n") == 1
    for args in (["status"], ["next"]):  # a listing: the others answer, this one is reported
        result = sdd(initialised, *args)
        assert result.exit_code == 0, args
        assert result.stderr.startswith("sdd: warning: ")
        assert "AGENTS.ctx/sdd/assets/demo/constitution.md:5: project demo skipped" in result.stderr
        assert result.stderr.count("\n") == 1
        assert sdd(initialised, "--strict", *args).exit_code == 1
    assert tree_digest(initialised) == before


def test_deleted_document_is_an_error(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="spec")
    (assets(initialised) / "spec.md").unlink()
    result = sdd(initialised, "status", "demo")
    assert result.exit_code == 1
    assert "spec.md is missing but plan.md exists" in result.stderr
    listing = sdd(initialised, "status")  # among the others: reported, not fatal
    assert listing.exit_code == 0 and "spec.md is missing but plan.md exists" in listing.stderr


def test_two_documents_claiming_the_same_phase(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="constitution")
    spec = assets(initialised) / "spec.md"
    spec.write_text(spec.read_text().replace("phase: spec", "phase: constitution"))
    result = sdd(initialised, "status", "demo")
    assert result.exit_code == 1
    assert "spec.md claims phase 'constitution'" in result.stderr
    assert "spec.md:3:" in result.stderr


def test_dry_run_approve_writes_nothing(initialised: Path, sdd: Invoke) -> None:
    sdd(initialised, "new", "demo")
    fill(assets(initialised) / "constitution.md")
    sdd(initialised, "ready", "demo")
    before = tree_digest(initialised)
    result = sdd(initialised, "approve", "demo", "--dry-run")
    assert result.exit_code == 0
    assert "+status: approved" in result.stdout
    assert "+++ b/AGENTS.ctx/sdd/assets/demo/spec.md" in result.stdout
    assert tree_digest(initialised) == before


def test_approved_commit_holds_the_approved_text(initialised: Path, sdd: Invoke) -> None:
    """approved_commit names HEAD only when HEAD holds the approved body (issue 18)."""
    walk_to(initialised, sdd, "demo", upto="constitution")
    spec = assets(initialised) / "spec.md"
    fill(spec)
    assert sdd(initialised, "ready", "demo").exit_code == 0
    # not committed: no commit contains this spec, so none is named
    assert sdd(initialised, "approve", "demo").exit_code == 0
    assert front(spec)["approved_commit"] is None
    plan = assets(initialised) / "plan.md"
    fill(plan)
    assert sdd(initialised, "ready", "demo").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "plan in review")
    head = git(initialised, "rev-parse", "HEAD").strip()
    assert sdd(initialised, "approve", "demo").exit_code == 0
    assert front(plan)["approved_commit"] == head  # its body is HEAD's, front matter aside
    # committed, then edited before approval: HEAD no longer holds the approved text
    tasks = assets(initialised) / "tasks.md"
    fill(tasks, "## Phase 1\n\n- [ ] T001 One\n")
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "tasks draft")
    tasks.write_text(tasks.read_text() + "- [ ] T002 Two\n")
    assert sdd(initialised, "ready", "demo").exit_code == 0
    assert sdd(initialised, "approve", "demo").exit_code == 0
    assert front(tasks)["approved_commit"] is None
