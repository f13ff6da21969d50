"""Loading contracts: the strict schema, durations, and CON-001 findings with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sddkit.cli.group import cli
from sddkit.contracts import check_contracts, load_contracts
from sddkit.contracts.contract_model import parse_duration, show_key
from sddkit.findings import Finding
from sddkit.workspace import Workspace

GOOD = """\
service: risk
owner: risk-team
write_path: outbox
runtime:
  port: 8081
  health: /healthz
  readiness: /readyz
  config: [MODEL_PATH]
  secrets: /etc/secrets/risk
provides:
  operations:
    - name: scoreTransaction
      latency: {p50: 80ms, p95: 150ms, p99: 400ms}
      idempotency: {key: transaction_id, stable_across_retries: true, window: 5m}
  events:
    - {topic: transaction.flagged, dedup_key: [transaction_id, reason], via: outbox}
  datasets:
    - {name: scores, via: replica, freshness: 30s}
  data:
    - {name: fraud_score, pii: minimal, access: [any]}
depends_on:
  operations:
    - service: orders
      operation: getOrder
      latency_budget: {p95: 200ms}
      timeout: 500ms
      retry: {max: 1, reuses_request_id: true}
  events:
    - {topic: order.placed, dedup_key: order_id}
  datasets:
    - {service: orders, name: user_purchases, freshness_required: 1m}
  data:
    - {service: orders, name: addresses, access_level: risk_team}
"""


def init(root: Path) -> Path:
    result = CliRunner().invoke(cli, ["init", "--root", str(root)])
    assert result.exit_code == 0, result.output
    folder = root / "AGENTS.ctx" / "contracts"
    folder.mkdir(exist_ok=True)
    return folder


def load_one(tmp_path: Path, text: str | bytes, name: str = "risk.yaml") -> list[Finding]:
    folder = init(tmp_path)
    target = folder / name
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return load_contracts(Workspace(tmp_path)).findings


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.to_text() for f in findings]
    return findings[0]


# --- durations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ms"),
    [("200ms", 200), ("3.2s", 3200), ("5m", 300_000), ("1h", 3_600_000), ("0ms", 0),
     ("1.5ms", 1.5)],
)
def test_durations_parse_to_milliseconds(text: str, ms: float) -> None:
    assert parse_duration(text).ms == ms
    assert str(parse_duration(text)) == text


@pytest.mark.parametrize("text", ["200", "2 s", "-1s", "1d", "s", "1.s", "", "1S", "1e3ms"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_duration_shown_with_milliseconds_only_when_useful() -> None:
    assert parse_duration("3.2s").shown() == "3.2s (3200ms)"
    assert parse_duration("200ms").shown() == "200ms"


# --- a full, valid contract ----------------------------------------------------------------


def test_a_complete_contract_loads_with_every_line(tmp_path: Path) -> None:
    assert load_one(tmp_path, GOOD) == []
    c = load_contracts(Workspace(tmp_path)).contracts["risk"]
    assert c.clean and c.line == 1 and c.rel == "AGENTS.ctx/contracts/risk.yaml"
    assert c.owner == "risk-team" and c.write_path == "outbox"
    assert c.runtime is not None and c.runtime.port == 8081 and c.runtime.config == ("MODEL_PATH",)
    assert c.runtime.at("health") == 6
    op = c.operations[0]
    assert op.line == 12 and op.latency["p95"].ms == 150 and op.at("latency.p95") == 13
    assert op.idempotency is not None and op.idempotency.stable_across_retries
    assert op.idempotency.window is not None and op.idempotency.window.ms == 300_000
    assert c.events[0].dedup_key == frozenset({"reason", "transaction_id"})
    assert c.datasets[0].freshness is not None and c.datasets[0].freshness.ms == 30_000
    assert c.data[0].access == ("any",) and c.data[0].pii == "minimal"
    call = c.calls[0]
    assert (call.service, call.operation, call.line) == ("orders", "getOrder", 23)
    assert call.retry is not None and call.retry.max == 1 and call.retry.reuses_request_id
    assert call.at("latency_budget.p95") == 25 and call.at("timeout") == 26
    assert c.consumes[0].dedup_key == frozenset({"order_id"})
    assert c.reads[0].freshness_required is not None and c.reads[0].at("freshness_required") == 31
    assert c.needs[0].access_level == "risk_team"


def test_dedup_key_order_does_not_matter() -> None:
    assert show_key(frozenset({"b", "a"})) == "[a, b]"
    assert show_key(frozenset({"a"})) == "a"
    assert show_key(None) == "none"


def test_null_sections_count_as_absent(tmp_path: Path) -> None:
    text = "service: risk\nruntime: {port: 1, health: /h}\nprovides:\ndepends_on:\n"
    assert load_one(tmp_path, text) == []


# --- CON-001: each a single finding with file and line ---------------------------------


def test_unknown_key_is_an_error_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("      latency: {p50", "      latncy: {p50")
    f = only(load_one(tmp_path, text))
    assert (f.rule, f.severity, f.path, f.line) == (
        "CON-001", "error", "AGENTS.ctx/contracts/risk.yaml", 13)
    assert "provides.operations[0]: unknown key 'latncy'" in f.message
    assert "did you mean 'latency'" in f.hint


def test_unknown_top_level_key(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, GOOD.replace("depends_on:", "depend_on:")))
    assert f.line == 21 and "unknown key 'depend_on'" in f.message
    assert "did you mean 'depends_on'" in f.hint


def test_unknown_percentile(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, GOOD.replace("p99: 400ms", "p999: 400ms")))
    assert f.line == 13 and "unknown key 'p999'" in f.message


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("timeout: 500ms", "timeout: 500", 26, "bad duration '500'"),
        ("freshness: 30s", "freshness: 30 s", 18, "bad duration '30 s'"),
        ("port: 8081", "port: eighty", 5, "whole number"),
        ("port: 8081", "port: 70000", 5, "whole number"),
        ("port: 8081", "port: true", 5, "whole number"),
        ("health: /healthz", "health: healthz", 6, "a path starting with /"),
        ("write_path: outbox", "write_path: kafka", 3, "one of outbox, direct"),
        ("via: outbox}", "via: queue}", 16, "one of outbox, direct"),
        ("pii: minimal", "pii: extreme", 20, "one of none, minimal"),
        ("stable_across_retries: true", "stable_across_retries: maybe", 14, "true or false"),
        ("config: [MODEL_PATH]", "config: MODEL_PATH", 8, "must be a list"),
        ("access: [any]", "access: any", 20, "must be a list"),
        ("- service: orders", "- service: Orders", 23, "lowercase slug"),
        ("operation: getOrder", "operation: get order", 24, "without spaces"),
        ("retry: {max: 1, reuses_request_id: true}", "retry: {max: -1, reuses_request_id: true}",
         27, "whole number"),
    ],
)
def test_wrong_types_and_values(tmp_path: Path, old: str, new: str, line: int, words: str) -> None:
    assert old in GOOD
    f = only(load_one(tmp_path, GOOD.replace(old, new)))
    assert (f.rule, f.line) == ("CON-001", line)
    assert words in f.message


def test_bad_duration_hint_says_how_to_write_one(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, GOOD.replace("timeout: 500ms", "timeout: 1d")))
    assert "depends_on.operations[0].timeout" in f.message
    assert "<number><unit>" in f.hint and "ms, s, m or h" in f.hint


def test_missing_required_keys(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, GOOD.replace("    - name: scoreTransaction\n      latency",
                                             "    - latency")))
    assert f.line == 12 and "missing required key 'name'" in f.message


def test_retry_must_say_whether_it_reuses_the_request_id(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, GOOD.replace("{max: 1, reuses_request_id: true}", "{max: 2}")))
    assert f.line == 27 and "reuses_request_id" in f.message


def test_a_retry_of_zero_needs_no_request_id_policy(tmp_path: Path) -> None:
    assert load_one(tmp_path, GOOD.replace("{max: 1, reuses_request_id: true}", "{max: 0}")) == []


def test_file_name_must_equal_service(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, GOOD, name="riskk.yaml"))
    assert f.line == 1 and "differs from the file name riskk.yaml" in f.message
    assert "rename the file to risk.yaml" in f.hint


def test_file_name_must_be_a_slug(tmp_path: Path) -> None:
    findings = load_one(tmp_path, GOOD.replace("service: risk", "service: Risk"), name="Risk.yaml")
    assert {f.rule for f in findings} == {"CON-001"}
    assert any("not <service>.yaml" in f.message for f in findings)


def test_bad_yaml_is_one_finding_with_its_line(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, "service: risk\nprovides:\n  operations: [\n    {name: x\n"))
    assert f.rule == "CON-001" and f.path.endswith("risk.yaml") and f.line >= 4
    assert f.message.startswith("invalid YAML")


def test_tab_indentation_is_bad_yaml(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, "service: risk\nruntime:\n\tport: 1\n"))
    assert f.line == 3 and "invalid YAML" in f.message


def test_not_a_mapping(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, "- service: risk\n"))
    assert f.line == 1 and "must be a mapping, found a list" in f.message


def test_empty_file(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, "# nothing yet\n"))
    assert "empty" in f.message


def test_duplicate_keys(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, GOOD.replace("owner: risk-team\n", "owner: a\nowner: b\n")))
    assert f.line == 3 and "duplicate key 'owner'" in f.message


def test_duplicate_operations(tmp_path: Path) -> None:
    events = "  events:\n    - {topic: transaction.flagged"
    text = GOOD.replace(events, "    - name: scoreTransaction\n" + events, 1)
    f = only(load_one(tmp_path, text))
    assert f.line == 15 and "operation 'scoreTransaction' is listed twice" in f.message


def test_aliases_are_refused(tmp_path: Path) -> None:
    text = "service: risk\nowner: &o risk-team\nruntime: {port: 1, health: /h}\nx: *o\n"
    f = only(load_one(tmp_path, text))
    assert f.line == 2 and "anchors and aliases" in f.message


def test_custom_tags_are_refused(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, "service: risk\nowner: !team risk-team\n"))
    assert f.line == 2 and "YAML tag !team is not allowed" in f.message


def test_unreadable_standard_tags_are_a_wrong_type(tmp_path: Path) -> None:
    text = ("service: risk\nowner: !!python/object:os.system x\n"
            "runtime: {port: !!int abc, health: !!str /h}\n")
    findings = load_one(tmp_path, text)
    assert [(f.line, f.rule) for f in findings] == [(2, "CON-001"), (3, "CON-001")]
    assert "tagged tag:yaml.org,2002:python/object:os.system" in findings[0].message
    assert "runtime.port must be a whole number" in findings[1].message


def test_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    text = "\ufeffservice: risk\r\nruntime: {port: 1, health: /h}\r\n"
    assert load_one(tmp_path, text.encode("utf-8")) == []


def test_not_utf8(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, b"service: risk\nowner: \xff\n"))
    assert f.line == 2 and "UTF-8" in f.message


def test_yml_files_are_reported_not_ignored(tmp_path: Path) -> None:
    f = only(load_one(tmp_path, GOOD, name="risk.yml"))
    assert f.line == 0 and "end in .yaml" in f.message and "risk.yaml" in f.hint


def test_other_files_are_ignored(tmp_path: Path) -> None:
    assert load_one(tmp_path, "# notes\n", name="README.md") == []
    assert load_contracts(Workspace(tmp_path)).files == 0


def test_contracts_path_that_is_a_file(tmp_path: Path) -> None:
    init(tmp_path).rmdir()
    (tmp_path / "AGENTS.ctx" / "contracts").write_text("x", encoding="utf-8")
    f = only(check_contracts(Workspace(tmp_path)))
    assert f.rule == "CON-001" and "expected a folder" in f.message


def test_no_contracts_folder_is_no_finding(tmp_path: Path) -> None:
    init(tmp_path).rmdir()
    assert check_contracts(Workspace(tmp_path)) == []


def test_a_bad_value_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    findings = load_one(tmp_path, GOOD.replace("timeout: 500ms", "timeout: soon"))
    assert len(findings) == 1
    c = load_contracts(Workspace(tmp_path)).contracts["risk"]
    assert not c.clean and c.calls[0].timeout is None and c.calls[0].retry is not None
