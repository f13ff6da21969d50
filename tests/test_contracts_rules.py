"""Rules CON-002 to CON-012: each with a contract set that triggers it and one that does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from sddkit.cli.group import cli
from sddkit.contracts import check_contracts
from sddkit.findings import Finding
from sddkit.workspace import Workspace

Spec = dict[str, Any]
DIR = "AGENTS.ctx/contracts"


def svc(name: str, provides: Spec | None = None, depends_on: Spec | None = None,
        **top: Any) -> Spec:
    """A contract with a complete runtime block, so only the rule under test can fire."""
    contract: Spec = {"service": name, **top}
    contract.setdefault("runtime", {"port": 8080, "health": "/healthz"})
    if provides:
        contract["provides"] = provides
    if depends_on:
        contract["depends_on"] = depends_on
    return contract


def run(tmp_path: Path, *contracts: Spec, strict: bool = False,
        raw: dict[str, str] | None = None) -> list[Finding]:
    result = CliRunner().invoke(cli, ["init", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "AGENTS.ctx" / "contracts"
    folder.mkdir(exist_ok=True)
    for contract in contracts:
        text = yaml.safe_dump(contract, sort_keys=False)
        (folder / f"{contract['service']}.yaml").write_text(text, encoding="utf-8")
    for name, text in (raw or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return check_contracts(Workspace(tmp_path), strict=strict)


def rules(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for f in findings]


def op(name: str, **extra: Any) -> Spec:
    return {"name": name, **extra}


def call(service: str, operation: str, **extra: Any) -> Spec:
    return {"service": service, "operation": operation, **extra}


def provider(**op_extra: Any) -> Spec:
    return svc("risk", provides={"operations": [op("score", **op_extra)]})


def caller(**call_extra: Any) -> Spec:
    return svc("checkout", depends_on={"operations": [call("risk", "score", **call_extra)]})


# --- CON-002 -----------------------------------------------------------------------------


def test_con002_unknown_service_names_the_missing_file(tmp_path: Path) -> None:
    [f] = run(tmp_path, caller())
    assert (f.rule, f.severity, f.path) == ("CON-002", "error", f"{DIR}/checkout.yaml")
    assert f.line == 7
    assert "no contract for service 'risk'" in f.message
    assert "AGENTS.ctx/contracts/risk.yaml does not exist" in f.message
    assert "sdd contracts new risk" in f.hint


def test_con002_unknown_operation_is_an_invented_method(tmp_path: Path) -> None:
    [f] = run(tmp_path, provider(), svc("checkout", depends_on={
        "operations": [call("risk", "scor")]}))
    assert f.rule == "CON-002" and f.path.endswith("checkout.yaml")
    assert "risk provides no operation 'scor'" in f.message
    assert "AGENTS.ctx/contracts/risk.yaml:5 lists: score" in f.message
    assert "did you mean 'score'" in f.hint


def test_con002_unknown_dataset_and_data(tmp_path: Path) -> None:
    orders = svc("orders", provides={"datasets": [{"name": "purchases", "freshness": "1s"}],
                                     "data": [{"name": "addresses", "access": ["any"]}]})
    reader = svc("risk", depends_on={
        "datasets": [{"service": "orders", "name": "purchase"}],
        "data": [{"service": "orders", "name": "adresses", "access_level": "x"}]})
    found = run(tmp_path, orders, reader)
    assert rules(found) == [("CON-002", "error")] * 2
    assert "provides no dataset 'purchase'" in found[0].message
    assert "exposes no data 'adresses'" in found[1].message


def test_con002_clean_when_everything_exists(tmp_path: Path) -> None:
    assert run(tmp_path, provider(), caller()) == []


def test_con002_not_reported_for_a_provider_that_failed_to_load(tmp_path: Path) -> None:
    found = run(tmp_path, caller(), raw={"risk.yaml": "service: risk\n  bad: [\n"})
    assert rules(found) == [("CON-001", "error")]
    assert found[0].path.endswith("risk.yaml")


def test_con002_not_reported_when_the_provider_has_a_typo(tmp_path: Path) -> None:
    # a typo'd key drops the operation; the typo is the one finding, not a cascade
    bad = ("service: risk\nruntime: {port: 1, health: /h}\n"
           "provides:\n  operations:\n    - nme: score\n")
    found = run(tmp_path, caller(), raw={"risk.yaml": bad})
    assert {f.rule for f in found} == {"CON-001"}


# --- CON-003 -----------------------------------------------------------------------------


def test_con003_budget_below_provided_percentile(tmp_path: Path) -> None:
    [f] = run(tmp_path, provider(latency={"p95": "3.2s"}),
              caller(latency_budget={"p95": "200ms"}))
    assert (f.rule, f.severity) == ("CON-003", "error")
    assert f.path == "AGENTS.ctx/contracts/checkout.yaml" and f.line == 10
    assert f.message == ("checkout -> risk.score: latency budget p95 200ms, but risk provides "
                         "p95 = 3.2s (3200ms) (AGENTS.ctx/contracts/risk.yaml:9)")


def test_con003_percentile_not_measured_is_a_warning(tmp_path: Path) -> None:
    [f] = run(tmp_path, provider(latency={"p50": "10ms"}), caller(latency_budget={"p99": "1s"}))
    assert (f.rule, f.severity) == ("CON-003", "warning")
    assert "does not state p99" in f.message and "not measured" in f.message


def test_con003_clean_when_the_budget_covers_it(tmp_path: Path) -> None:
    assert run(tmp_path, provider(latency={"p95": "200ms", "p99": "1s"}),
               caller(latency_budget={"p95": "0.2s", "p99": "2s"})) == []


# --- CON-004 -----------------------------------------------------------------------------


def test_con004_timeout_below_p99(tmp_path: Path) -> None:
    [f] = run(tmp_path, provider(latency={"p99": "400ms"}), caller(timeout="300ms"))
    assert (f.rule, f.severity) == ("CON-004", "warning")
    assert "timeout 300ms is below risk's p99 400ms" in f.message
    assert "time out and get retried" in f.message


def test_con004_timeout_below_a_lower_percentile_when_p99_is_unstated(tmp_path: Path) -> None:
    [f] = run(tmp_path, provider(latency={"p95": "1s"}), caller(timeout="500ms"))
    assert f.rule == "CON-004" and "p95 (so below its p99 too)" in f.message


def test_con004_clean(tmp_path: Path) -> None:
    assert run(tmp_path, provider(latency={"p50": "1s", "p99": "400ms"}),
               caller(timeout="400ms")) == []
    unmeasured = tmp_path / "unmeasured"
    unmeasured.mkdir()
    assert run(unmeasured, provider(), caller(timeout="1ms")) == []


# --- CON-005 -----------------------------------------------------------------------------


def orders(freshness: str | None) -> Spec:
    dataset: Spec = {"name": "user_purchases", "via": "replica"}
    if freshness:
        dataset["freshness"] = freshness
    return svc("orders", provides={"datasets": [dataset]})


def reader(required: str) -> Spec:
    return svc("risk", depends_on={"datasets": [
        {"service": "orders", "name": "user_purchases", "freshness_required": required}]})


def test_con005_fresher_than_provided(tmp_path: Path) -> None:
    [f] = run(tmp_path, orders("30s"), reader("10s"))
    assert (f.rule, f.severity, f.path) == ("CON-005", "error", f"{DIR}/risk.yaml")
    assert ("needs it at most 10s stale, but orders serves it via replica up to 30s stale"
            in f.message)
    assert "AGENTS.ctx/contracts/orders.yaml:" in f.message


def test_con005_freshness_not_stated_is_a_warning(tmp_path: Path) -> None:
    assert rules(run(tmp_path, orders(None), reader("10s"))) == [("CON-005", "warning")]


def test_con005_clean(tmp_path: Path) -> None:
    assert run(tmp_path, orders("30s"), reader("1m")) == []


# --- CON-006 -----------------------------------------------------------------------------

STABLE = {"key": "transaction_id", "stable_across_retries": True}


def test_con006_new_request_id_against_a_stable_key(tmp_path: Path) -> None:
    [f] = run(tmp_path, provider(idempotency=STABLE),
              caller(retry={"max": 1, "reuses_request_id": False}))
    assert (f.rule, f.severity) == ("CON-006", "error")
    assert "retries with a new request id" in f.message
    assert "deduplicates on a stable transaction_id" in f.message
    assert "risk.yaml:" in f.message


def test_con006_retry_without_idempotency_is_a_warning(tmp_path: Path) -> None:
    [f] = run(tmp_path, provider(), caller(retry={"max": 2, "reuses_request_id": True}))
    assert (f.rule, f.severity) == ("CON-006", "warning")
    assert "processed twice" in f.message


def test_con006_clean(tmp_path: Path) -> None:
    for i, (idem, retry) in enumerate([
        (STABLE, {"max": 1, "reuses_request_id": True}),
        (STABLE, {"max": 0}),
        ({"key": "attempt_id", "stable_across_retries": False},
         {"max": 3, "reuses_request_id": False}),
        (None, {"max": 0}),
    ]):
        root = tmp_path / str(i)
        root.mkdir()
        extra = {"idempotency": idem} if idem else {}
        assert run(root, provider(**extra), caller(retry=retry)) == [], (idem, retry)


# --- CON-007 -----------------------------------------------------------------------------


def risk_data(access: list[str]) -> Spec:
    return svc("risk", provides={"data": [
        {"name": "fraud_signals_detailed", "pii": "high", "access": access}]})


def support(level: str = "support_tier_2") -> Spec:
    return svc("support", depends_on={"data": [
        {"service": "risk", "name": "fraud_signals_detailed", "access_level": level}]})


def test_con007_access_not_granted_is_a_decision(tmp_path: Path) -> None:
    [f] = run(tmp_path, risk_data(["risk_team"]), support())
    assert (f.rule, f.severity, f.path) == ("CON-007", "error", f"{DIR}/support.yaml")
    assert "at access level support_tier_2, but risk grants it only to risk_team" in f.message
    assert "pii high" in f.message and "a trade-off that needs a decision" in f.message
    assert f.hint.startswith("decide:")


def test_con007_exposed_to_no_one(tmp_path: Path) -> None:
    [f] = run(tmp_path, risk_data([]), support())
    assert f.rule == "CON-007" and "exposes it to no one" in f.message


def test_con007_clean(tmp_path: Path) -> None:
    assert run(tmp_path, risk_data(["risk_team", "support_tier_2"]), support()) == []
    other = tmp_path / "any"
    other.mkdir()
    assert run(other, risk_data(["any"]), support()) == []


# --- CON-008 and CON-009 -------------------------------------------------------------------


def producer(key: Any = "order_id", topic: str = "order.placed") -> Spec:
    event: Spec = {"topic": topic, "via": "outbox"}
    if key is not None:
        event["dedup_key"] = key
    return svc("checkout", provides={"events": [event]}, write_path="outbox")


def consumer(key: Any = "order_id", topic: str = "order.placed") -> Spec:
    event: Spec = {"topic": topic}
    if key is not None:
        event["dedup_key"] = key
    return svc("orders", depends_on={"events": [event]})


def test_con008_consumed_with_no_producer(tmp_path: Path) -> None:
    [f] = run(tmp_path, consumer(topic="order.placed"), svc("checkout"))
    assert (f.rule, f.severity, f.path) == ("CON-008", "error", f"{DIR}/orders.yaml")
    assert "no contract publishes it" in f.message


def test_con008_published_with_no_consumer_is_a_warning(tmp_path: Path) -> None:
    [f] = run(tmp_path, producer())
    assert (f.rule, f.severity, f.path) == ("CON-008", "warning",
                                            "AGENTS.ctx/contracts/checkout.yaml")


def test_con008_clean(tmp_path: Path) -> None:
    assert run(tmp_path, producer(), consumer()) == []


def test_con008_not_reported_while_a_file_is_broken(tmp_path: Path) -> None:
    found = run(tmp_path, consumer(), raw={"checkout.yaml": "service: [\n"})
    assert {f.rule for f in found} == {"CON-001"}


def test_con009_dedup_keys_differ(tmp_path: Path) -> None:
    [f] = run(tmp_path, producer("order_id"), consumer("order_number"))
    assert (f.rule, f.severity, f.path) == ("CON-009", "error", f"{DIR}/orders.yaml")
    assert "deduplicating on order_number, but checkout publishes it with dedup key order_id" \
        in f.message
    assert "checkout.yaml:" in f.message


def test_con009_producer_sets_no_key(tmp_path: Path) -> None:
    [f] = run(tmp_path, producer(None), consumer("order_id"))
    assert f.rule == "CON-009" and "sets no dedup key" in f.message


def test_con009_clean_list_order_does_not_matter(tmp_path: Path) -> None:
    assert run(tmp_path, producer(["order_id", "line"]), consumer(["line", "order_id"])) == []
    other = tmp_path / "nokey"
    other.mkdir()
    assert run(other, producer("order_id"), consumer(None)) == []


# --- CON-010 -----------------------------------------------------------------------------


def calling(name: str, *targets: str) -> Spec:
    return svc(name, provides={"operations": [op("run")]},
               depends_on={"operations": [call(t, "run") for t in targets]} if targets else None)


def test_con010_names_the_whole_cycle(tmp_path: Path) -> None:
    [f] = run(tmp_path, calling("a", "b"), calling("b", "c"), calling("c", "a"))
    assert (f.rule, f.severity, f.path) == ("CON-010", "error", f"{DIR}/a.yaml")
    assert f.message.startswith("synchronous call cycle: a -> b.run (AGENTS.ctx/contracts/a.yaml:")
    assert "-> c.run (AGENTS.ctx/contracts/b.yaml:" in f.message
    assert "-> a.run (AGENTS.ctx/contracts/c.yaml:" in f.message


def test_con010_cycles_until_none_is_left(tmp_path: Path) -> None:
    # a<->b, a<->c and a->b->c->a: breaking the two reported cycles' closing calls (b->a,
    # c->a) breaks all three, so two findings, each a real cycle
    found = run(tmp_path, calling("a", "b", "c"), calling("b", "a", "c"), calling("c", "a"))
    cycles = sorted(f.message.split(": ", 1)[1].split(" (")[0] for f in found)
    assert [f.rule for f in found] == ["CON-010"] * 2, cycles
    assert cycles == ["a -> b.run", "a -> c.run"]


def test_con010_a_service_calling_itself(tmp_path: Path) -> None:
    [f] = run(tmp_path, calling("a", "a"))
    assert f.rule == "CON-010" and "a -> a.run" in f.message


def test_con010_clean(tmp_path: Path) -> None:
    assert run(tmp_path, calling("a", "b", "c"), calling("b", "c"), calling("c")) == []


# --- CON-011 -----------------------------------------------------------------------------


def test_con011_no_runtime_block(tmp_path: Path) -> None:
    [f] = run(tmp_path, {"service": "risk"})
    assert (f.rule, f.severity, f.line) == ("CON-011", "warning", 1)
    assert "no runtime block" in f.message


def test_con011_is_an_error_with_strict(tmp_path: Path) -> None:
    assert rules(run(tmp_path, {"service": "risk"}, strict=True)) == [("CON-011", "error")]


def test_con011_runtime_without_health(tmp_path: Path) -> None:
    [f] = run(tmp_path, svc("risk", runtime={"port": 1, "readiness": "/ready"}))
    assert f.rule == "CON-011" and f.line == 2 and "has no health" in f.message


def test_con011_clean_and_no_cascade_from_a_bad_port(tmp_path: Path) -> None:
    assert run(tmp_path, svc("risk")) == []
    other = tmp_path / "bad"
    other.mkdir()
    found = run(other, svc("risk", runtime={"port": "http", "health": "/h"}))
    assert rules(found) == [("CON-001", "error")]


# --- CON-012 -----------------------------------------------------------------------------


def publisher(write_path: str, via: str) -> Spec:
    return svc("checkout", write_path=write_path,
               provides={"events": [{"topic": "order.placed", "via": via}]})


def test_con012_direct_publish_from_an_outbox_service(tmp_path: Path) -> None:
    [f] = run(tmp_path, publisher("outbox", "direct"), consumer(None))
    assert (f.rule, f.severity, f.path) == ("CON-012", "error", f"{DIR}/checkout.yaml")
    assert "via direct, but its write_path is outbox" in f.message


def test_con012_clean(tmp_path: Path) -> None:
    assert run(tmp_path, publisher("outbox", "outbox"), consumer(None)) == []
    other = tmp_path / "direct"
    other.mkdir()
    assert run(other, publisher("direct", "direct"), consumer(None)) == []


# --- the whole set -------------------------------------------------------------------------


def test_findings_are_sorted_and_unique(tmp_path: Path) -> None:
    found = run(tmp_path, calling("b", "a"), calling("a", "b"), caller(), {"service": "z"})
    assert found == sorted(set(found))
    assert {f.rule for f in found} == {"CON-002", "CON-010", "CON-011"}
