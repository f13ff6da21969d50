"""Rule CON-022 and remote contracts: a sibling checkout, or a git ref read from a local clone."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import git
from test_contracts_rules import call, op, run, svc

from sddkit.contracts.remote import cache_folder

BILLING_FAST = svc("billing", provides={"operations": [op("charge", latency={"p95": "90ms"})]})
BILLING_SLOW = svc("billing", provides={"operations": [op("charge", latency={"p95": "3s"})]})


def repo_with_contract(folder: Path, contract: dict[str, Any]) -> Path:
    path = folder / "AGENTS.ctx" / "contracts" / f"{contract['service']}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(contract, sort_keys=False), encoding="utf-8")
    return folder


def checkout(remote: dict[str, Any], budget: str = "200ms") -> dict[str, Any]:
    return svc("checkout", remotes=[{"service": "billing", **remote}],
               depends_on={"operations": [call("billing", "charge",
                                                latency_budget={"p95": budget})]})


def main(tmp_path: Path) -> Path:
    root = tmp_path / "main"
    root.mkdir()
    return root


def test_sibling_checkout_is_checked_like_a_local_contract(tmp_path: Path) -> None:
    repo_with_contract(tmp_path / "billing", BILLING_SLOW)
    [f] = run(main(tmp_path), checkout({"path": "../billing"}))
    assert (f.rule, f.path) == ("CON-003", "AGENTS.ctx/contracts/checkout.yaml")
    assert "(../billing/AGENTS.ctx/contracts/billing.yaml:" in f.message


def test_sibling_checkout_that_fits_gives_no_finding(tmp_path: Path) -> None:
    repo_with_contract(tmp_path / "billing", BILLING_FAST)
    assert run(main(tmp_path), checkout({"path": "../billing"})) == []


def test_con022_missing_checkout_is_said_and_calls_are_not_guessed(tmp_path: Path) -> None:
    [f] = run(main(tmp_path), checkout({"path": "../billing"}))
    assert (f.rule, f.severity, f.line) == ("CON-022", "warning", 3)
    assert "not available: ../billing/AGENTS.ctx/contracts/billing.yaml does not exist" in f.message
    assert "calls to billing are not checked" in f.message


def test_con022_is_an_error_with_strict(tmp_path: Path) -> None:
    [f] = run(main(tmp_path), checkout({"path": "../billing"}), strict=True)
    assert (f.rule, f.severity) == ("CON-022", "error")


def ledger_repo(tmp_path: Path) -> Path:
    """A git repository whose tag v1 has a slow billing contract; its work tree a fast one."""
    repo = repo_with_contract(tmp_path / "billing-repo", BILLING_SLOW)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "billing contract")
    git(repo, "tag", "v1")
    repo_with_contract(repo, BILLING_FAST)  # not committed: must not be what is read
    return repo


def test_git_ref_of_a_local_repository_is_read_with_git(tmp_path: Path) -> None:
    ledger_repo(tmp_path)
    [f] = run(main(tmp_path), checkout({"git": "../billing-repo", "ref": "v1"}))
    assert f.rule == "CON-003"
    assert "(../billing-repo@v1:AGENTS.ctx/contracts/billing.yaml:" in f.message


def test_git_url_is_read_from_the_local_cache(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDDKIT_REPO_CACHE", str(tmp_path / "cache"))
    url = "https://git.example.com/team/billing.git"
    mirror = cache_folder(url)
    assert mirror == tmp_path / "cache" / "git.example.com" / "team" / "billing"
    subprocess.run(["git", "clone", "-q", "--mirror", str(ledger_repo(tmp_path)), str(mirror)],
                   check=True)
    [f] = run(main(tmp_path), checkout({"git": url, "ref": "v1"}))
    assert f.rule == "CON-003" and f"{url}@v1:AGENTS.ctx" in f.message


def test_con022_git_url_without_a_local_clone_is_never_fetched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDDKIT_REPO_CACHE", str(tmp_path / "cache"))
    url = "https://git.example.com/team/billing.git"
    [f] = run(main(tmp_path), checkout({"git": url, "ref": "main"}))
    assert (f.rule, f.severity) == ("CON-022", "warning")
    assert f"not available locally: no local clone at {tmp_path / 'cache'}" in f.message
    assert f"git clone --mirror {url}" in f.hint


def test_con022_unknown_ref(tmp_path: Path) -> None:
    ledger_repo(tmp_path)
    [f] = run(main(tmp_path), checkout({"git": "../billing-repo", "ref": "v9"}))
    assert f.rule == "CON-022" and "has no AGENTS.ctx/contracts/billing.yaml at v9" in f.message


def test_con022_remote_contract_with_problems_is_not_used(tmp_path: Path) -> None:
    repo_with_contract(tmp_path / "billing", {**BILLING_FAST, "ownr": "x"})
    [f] = run(main(tmp_path), checkout({"path": "../billing"}))
    assert f.rule == "CON-022" and "has 1 problem(s); it is not used" in f.message


def test_con022_local_and_remote_contract_for_one_service(tmp_path: Path) -> None:
    repo_with_contract(tmp_path / "billing", BILLING_FAST)
    found = run(main(tmp_path), checkout({"path": "../billing"}), BILLING_FAST)
    assert [(f.rule, f.severity) for f in found] == [("CON-022", "error")]
    assert "has a contract here" in found[0].message


def test_remote_producer_counts_for_events(tmp_path: Path) -> None:
    repo_with_contract(tmp_path / "billing", svc("billing", provides={
        "events": [{"topic": "payment.done", "dedup_key": "payment_id"}]}))
    consumer = svc("checkout", remotes=[{"service": "billing", "path": "../billing"}],
                   depends_on={"events": [{"topic": "payment.done", "dedup_key": "pay_id"}]})
    [f] = run(main(tmp_path), consumer)
    assert f.rule == "CON-009"
