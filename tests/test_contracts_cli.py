"""`sdd contracts new|check|graph` via the CLI; the fraud-detection examples; the golden graph."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sddkit.cli.group import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "fraud-detection"
FIXED = ROOT / "examples" / "fraud-detection-fixed"
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "contracts" / "graph.mmd"
#: Set to 1 to rewrite the golden graph from the example.
UPDATE = os.environ.get("SDDKIT_UPDATE_GOLDEN") == "1"

RUNTIME = "runtime: {port: 8080, health: /healthz}\n"


def sdd(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def init(root: Path, contracts: dict[str, str] | None = None) -> Path:
    result = sdd("init", "--root", str(root))
    assert result.exit_code == 0, result.output
    folder = root / "AGENTS.ctx" / "contracts"
    if contracts is not None:
        folder.mkdir()
        for name, text in contracts.items():
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def check(root: Path, *extra: str) -> Result:
    return sdd("--root", str(root), "contracts", "check", *extra)


# --- the example and its fixed copy --------------------------------------------------------


def test_example_reports_exactly_the_four_problems() -> None:
    result = check(EXAMPLE)
    assert result.exit_code == 1
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[-1] == "4 errors, 0 warnings in 4 contract files."
    assert len(lines) == 5
    found = lines[:-1]
    assert [line.split()[1:3] for line in found] == [
        ["CON-003", "error"], ["CON-006", "error"], ["CON-005", "error"], ["CON-007", "error"]]
    latency, retry, freshness, access = found
    assert latency.startswith("AGENTS.ctx/contracts/checkout.yaml:")
    assert "latency budget p95 200ms, but risk provides p95 = 3.2s (3200ms)" in latency
    assert "AGENTS.ctx/contracts/risk.yaml:" in latency
    assert retry.startswith("AGENTS.ctx/contracts/checkout.yaml:")
    assert "new request id" in retry and "stable transaction_id" in retry
    assert freshness.startswith("AGENTS.ctx/contracts/risk.yaml:")
    assert "10s" in freshness and "30s" in freshness and "orders.yaml:" in freshness
    assert access.startswith("AGENTS.ctx/contracts/support.yaml:")
    assert "fraud_signals_detailed" in access and "risk_team" in access
    assert "a trade-off that needs a decision" in access


def test_example_reports_the_same_with_strict() -> None:
    assert check(EXAMPLE, "--strict").stdout == check(EXAMPLE).stdout


def test_example_json() -> None:
    result = check(EXAMPLE, "--json")
    assert result.exit_code == 1 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["schema"] == "sddkit.contracts.check/1"
    assert [f["rule"] for f in data["findings"]] == ["CON-003", "CON-006", "CON-005", "CON-007"]
    first = data["findings"][0]
    assert set(first) == {"rule", "severity", "path", "line", "message", "hint"}
    assert first["path"] == "AGENTS.ctx/contracts/checkout.yaml" and first["line"] > 0


@pytest.mark.parametrize("extra", [(), ("--strict",)])
def test_fixed_example_reports_nothing(extra: tuple[str, ...]) -> None:
    result = check(FIXED, *extra)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "No problems in 4 contract files.\n"
    assert json.loads(check(FIXED, "--json").stdout)["findings"] == []


def test_examples_are_initialised_sddkit_roots() -> None:
    for root in (EXAMPLE, FIXED):
        assert (root / "AGENTS.ctx" / "CONTEXT.md").is_file()
        assert (root / "AGENTS.md").is_file() and (root / "README.md").is_file()
        names = sorted(p.name for p in (root / "AGENTS.ctx" / "contracts").iterdir())
        assert names == ["checkout.yaml", "orders.yaml", "risk.yaml", "support.yaml"]


# --- check: exit codes, one line per problem ---------------------------------------------


def test_no_contracts_folder(tmp_path: Path) -> None:
    init(tmp_path)
    result = check(tmp_path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("No contracts in AGENTS.ctx/contracts/")
    assert json.loads(check(tmp_path, "--json").stdout) == {
        "schema": "sddkit.contracts.check/1", "findings": []}


def test_empty_contracts_folder(tmp_path: Path) -> None:
    init(tmp_path, {})
    result = check(tmp_path)
    assert result.exit_code == 0 and "No contracts" in result.stdout


def test_bad_yaml_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    init(tmp_path, {"risk.yaml": "service: risk\nprovides: {operations: [\n"})
    result = check(tmp_path)
    assert result.exit_code == 1 and result.stderr == ""
    first, summary = result.stdout.splitlines()
    assert first.startswith("AGENTS.ctx/contracts/risk.yaml:3: CON-001 error invalid YAML")
    assert summary == "1 error, 0 warnings in 1 contract file."


def test_unknown_key_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    init(tmp_path, {"risk.yaml": "service: risk\n" + RUNTIME + "ownr: me\n"})
    result = check(tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "AGENTS.ctx/contracts/risk.yaml:3: CON-001 error the contract: unknown key 'ownr' "
        "(did you mean 'owner'? allowed: service, owner, write_path, runtime, provides, "
        "depends_on, interface, values, remotes)")


def test_missing_file_is_con002_with_file_and_line(tmp_path: Path) -> None:
    text = ("service: checkout\n" + RUNTIME +
            "depends_on:\n  operations:\n    - {service: risk, operation: score}\n")
    init(tmp_path, {"checkout.yaml": text})
    result = check(tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(
        "AGENTS.ctx/contracts/checkout.yaml:5: CON-002 error checkout -> risk.score: no contract "
        "for service 'risk' (AGENTS.ctx/contracts/risk.yaml does not exist)")


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    init(tmp_path, {"risk.yaml": "service: risk\n"})
    plain = check(tmp_path)
    assert plain.exit_code == 0
    assert plain.stdout == (
        "AGENTS.ctx/contracts/risk.yaml:1: CON-011 warning risk has no runtime block: how it is "
        "run and probed is unstated (add runtime: {port: 8080, health: /healthz, "
        "readiness: /readyz})\n"
        "0 errors, 1 warning in 1 contract file.\n")
    strict = check(tmp_path, "--strict")
    assert strict.exit_code == 1
    assert "CON-011 error" in strict.stdout and "1 error, 0 warnings" in strict.stdout


def test_strict_fails_on_any_warning(tmp_path: Path) -> None:
    text = ("service: checkout\n" + RUNTIME +
            "provides:\n  events:\n    - {topic: order.placed}\n")
    init(tmp_path, {"checkout.yaml": text})
    assert check(tmp_path).exit_code == 0
    result = check(tmp_path, "--strict")
    assert result.exit_code == 1 and "CON-008 warning" in result.stdout


def test_check_outside_a_workspace(tmp_path: Path) -> None:
    result = check(tmp_path)
    assert result.exit_code == 1 and result.stdout == ""
    assert "no AGENTS.ctx/" in result.stderr and len(result.stderr.splitlines()) == 1


# --- new ---------------------------------------------------------------------------------


def test_new_scaffolds_a_contract_that_loads(tmp_path: Path) -> None:
    init(tmp_path)
    result = sdd("--root", str(tmp_path), "contracts", "new", "payments")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("created AGENTS.ctx/contracts/payments.yaml\n")
    text = (tmp_path / "AGENTS.ctx" / "contracts" / "payments.yaml").read_text(encoding="utf-8")
    assert "service: payments\n" in text and "{{" not in text
    after = check(tmp_path)
    assert after.exit_code == 0
    assert [line.split()[1] for line in after.stdout.splitlines()[:-1]] == ["CON-011"]


def test_new_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    init(tmp_path)
    result = sdd("--root", str(tmp_path), "contracts", "new", "payments", "--dry-run")
    assert result.exit_code == 0
    assert "+++ b/AGENTS.ctx/contracts/payments.yaml" in result.stdout
    assert "+service: payments" in result.stdout
    assert not (tmp_path / "AGENTS.ctx" / "contracts").exists()


def test_new_refuses_an_existing_contract(tmp_path: Path) -> None:
    init(tmp_path, {"risk.yaml": "service: risk\n"})
    result = sdd("--root", str(tmp_path), "contracts", "new", "risk")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("sdd: ") and "risk.yaml: contract for 'risk' already exists" \
        in result.stderr
    assert (tmp_path / "AGENTS.ctx" / "contracts" / "risk.yaml").read_text() == "service: risk\n"


@pytest.mark.parametrize("name", ["../evil", "Risk", "", "a/b", "con"])
def test_new_refuses_a_bad_name(tmp_path: Path, name: str) -> None:
    init(tmp_path)
    result = sdd("--root", str(tmp_path), "contracts", "new", name)
    assert result.exit_code == 1 and result.stdout == ""
    assert "invalid service name" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "AGENTS.ctx" / "contracts").exists()


def test_new_uses_a_local_template_override(tmp_path: Path) -> None:
    init(tmp_path)
    local = tmp_path / "AGENTS.ctx" / "sdd" / "templates"
    local.mkdir(parents=True, exist_ok=True)
    (local / "contract.yaml.j2").write_text("# ours\nservice: {{ service }}\n", encoding="utf-8")
    assert sdd("--root", str(tmp_path), "contracts", "new", "risk").exit_code == 0
    text = (tmp_path / "AGENTS.ctx" / "contracts" / "risk.yaml").read_text(encoding="utf-8")
    assert text == "# ours\nservice: risk\n"


# --- graph -------------------------------------------------------------------------------


def test_graph_matches_the_golden_file() -> None:
    result = sdd("--root", str(EXAMPLE), "contracts", "graph")
    assert (result.exit_code, result.stderr) == (0, "")
    if UPDATE:
        GOLDEN.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == GOLDEN.read_text(encoding="utf-8")


def test_graph_edges() -> None:
    out = sdd("--root", str(EXAMPLE), "contracts", "graph", "--format", "mermaid").stdout
    assert out.startswith("flowchart LR\n")
    assert '    svc_checkout -->|"scoreTransaction"| svc_risk\n' in out
    assert '    svc_risk -.->|"transaction.flagged"| svc_support\n' in out
    assert '    svc_orders -.->|"user_purchases"| svc_risk\n' in out
    assert "linkStyle" in out


def test_graph_is_deterministic() -> None:
    runs = {sdd("--root", str(EXAMPLE), "contracts", "graph").stdout for _ in range(3)}
    assert len(runs) == 1


def test_graph_shows_services_without_a_contract(tmp_path: Path) -> None:
    text = ("service: web-app\n" + RUNTIME +
            "depends_on:\n  operations:\n    - {service: end, operation: go}\n")
    init(tmp_path, {"web-app.yaml": text})
    out = sdd("--root", str(tmp_path), "contracts", "graph").stdout
    assert '    svc_end["end (no contract)"]\n' in out
    assert '    svc_web_app -->|"go"| svc_end\n' in out


def test_graph_without_contracts_says_so_on_stderr(tmp_path: Path) -> None:
    init(tmp_path)
    result = sdd("--root", str(tmp_path), "contracts", "graph")
    assert result.exit_code == 0 and result.stdout.startswith("flowchart LR\n")
    assert "no contracts" in result.stderr


def test_graph_with_a_broken_file_warns_on_stderr(tmp_path: Path) -> None:
    init(tmp_path, {"risk.yaml": "service: [\n"})
    result = sdd("--root", str(tmp_path), "contracts", "graph")
    assert result.exit_code == 0 and "sdd contracts check" in result.stderr


def test_graph_rejects_an_unknown_format(tmp_path: Path) -> None:
    init(tmp_path)
    result = sdd("--root", str(tmp_path), "contracts", "graph", "--format", "dot")
    assert result.exit_code == 2 and "dot" in result.stderr


def test_contracts_help_lists_the_commands() -> None:
    result = sdd("contracts", "--help")
    assert result.exit_code == 0
    for name in ("new", "check", "graph"):
        assert f"  {name} " in result.stdout


def test_the_docs_describe_every_rule_with_a_bad_and_a_good_example() -> None:
    text = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    sections = text.split("\n### ")[1:]
    assert [s.split()[0] for s in sections] == [f"CON-{i:03d}" for i in range(1, 23)]
    for section in sections:
        assert "Bad" in section and "Good" in section, section.splitlines()[0]
