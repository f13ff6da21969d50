"""Rule CON-021: value sets shared between connected contracts agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_contracts_rules import call, op, run, svc

from sddkit.findings import Finding


def pair(caller_values: list[dict[str, Any]], provider_values: list[dict[str, Any]]
         ) -> tuple[dict[str, Any], dict[str, Any]]:
    provider = svc("geo", provides={"operations": [op("lookup")]}, values=provider_values)
    caller = svc("checkout", depends_on={"operations": [call("geo", "lookup")]},
                 values=caller_values)
    return caller, provider


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, "\n".join(f.to_text() for f in findings)
    return findings[0]


def test_con021_city_msk_vs_moscow(tmp_path: Path) -> None:
    f = only(run(tmp_path, *pair([{"name": "city_id", "values": ["city-msk", "city-spb"]}],
                                 [{"name": "city_id", "values": ["moscow", "city-spb"]}])))
    assert (f.rule, f.severity, f.path) == ("CON-021", "error", "AGENTS.ctx/contracts/checkout.yaml")
    assert "checkout calls geo.lookup; they exchange city_id but disagree" in f.message
    assert "only checkout has city-msk; only geo has moscow" in f.message
    assert "AGENTS.ctx/contracts/geo.yaml:" in f.message


def test_con021_same_values_any_order_pass(tmp_path: Path) -> None:
    assert run(tmp_path, *pair([{"name": "city_id", "values": ["spb", "moscow"]}],
                               [{"name": "city_id", "values": ["moscow", "spb"]}])) == []


def test_con021_value_not_matching_the_other_format(tmp_path: Path) -> None:
    f = only(run(tmp_path, *pair([{"name": "city_id", "values": ["Moscow"]}],
                                 [{"name": "city_id", "pattern": "[a-z-]+"}])))
    assert "checkout's Moscow do not match geo's format '[a-z-]+'" in f.message


def test_con021_value_matching_the_other_format_passes(tmp_path: Path) -> None:
    assert run(tmp_path, *pair([{"name": "city_id", "values": ["moscow"]}],
                               [{"name": "city_id", "pattern": "[a-z-]+"}])) == []


def test_con021_different_formats(tmp_path: Path) -> None:
    f = only(run(tmp_path, *pair([{"name": "order_id", "pattern": "ord-[0-9]+"}],
                                 [{"name": "order_id", "pattern": "[0-9]+"}])))
    assert "checkout expects the format 'ord-[0-9]+', geo '[0-9]+'" in f.message


def test_con021_events_connect_producer_and_consumer(tmp_path: Path) -> None:
    producer = svc("orders", provides={"events": [{"topic": "order.placed"}]},
                   values=[{"name": "currency", "values": ["RUB", "USD"]}])
    consumer = svc("ledger", depends_on={"events": [{"topic": "order.placed"}]},
                   values=[{"name": "currency", "values": ["RUB"]}])
    f = only(run(tmp_path, producer, consumer))
    assert f.path.endswith("ledger.yaml") and "only orders has USD" in f.message


def test_con021_unconnected_services_are_not_compared(tmp_path: Path) -> None:
    a = svc("a", values=[{"name": "city_id", "values": ["moscow"]}])
    b = svc("b", values=[{"name": "city_id", "values": ["city-msk"]}])
    assert run(tmp_path, a, b) == []


def test_values_schema_problems_are_con001(tmp_path: Path) -> None:
    found = run(tmp_path, svc("a", values=[{"name": "city_id"},
                                           {"name": "zip", "pattern": "([0-9"},
                                           {"name": "kind", "values": ["A"], "pattern": "[a-z]"}]))
    assert [f.rule for f in found] == ["CON-001"] * 3
    assert "give values, pattern or both" in found[0].message
    assert "not a valid regular expression" in found[1].message
    assert "value 'A' does not match its own pattern" in found[2].message
