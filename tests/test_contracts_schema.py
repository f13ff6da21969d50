"""The shipped JSON Schema and the contract reader agree (keys, and a corpus of files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from sddkit.contracts._sections import KEYS
from sddkit.contracts.load import contract_from_text
from sddkit.contracts.schema import SCHEMA_NAME, schema_text

ROOT = Path(__file__).resolve().parent.parent
SCHEMA: dict[str, Any] = json.loads(schema_text())


def node(path: str) -> dict[str, Any]:
    """The object schema at a dotted path: ``provides.operations[]``, ``runtime``."""
    here: dict[str, Any] = SCHEMA
    for part in path.split(".") if path else []:
        key, many = part.removesuffix("[]"), part.endswith("[]")
        here = here["properties"][key]
        here = next((s for s in here.get("anyOf", [here]) if s.get("type") != "null"), here)
        if many:
            here = here["items"]
    return here


@pytest.mark.parametrize("path", sorted(KEYS))
def test_schema_allows_exactly_the_keys_the_reader_allows(path: str) -> None:
    allowed, required = KEYS[path]
    schema = node(path)
    assert set(schema["properties"]) == set(allowed)
    assert set(schema.get("required", [])) == set(required)
    assert schema["additionalProperties"] is False


def reader_ok(text: str) -> bool:
    contract, findings = contract_from_text(text, Path("svc.yaml"), "svc.yaml")
    return contract is not None and not findings


def schema_ok(text: str) -> bool:
    return not list(jsonschema.Draft7Validator(SCHEMA).iter_errors(yaml.safe_load(text)))


GOOD = [
    "service: svc\n",
    "service: svc\nowner: team\nwrite_path: outbox\ninterface: api/svc.yaml\n",
    "service: svc\nruntime: {port: 8080, health: /healthz, readiness: /readyz, config: [A_B],"
    " secrets: /etc/s, name: svc-api, manifests: ['deploy/**/*.yaml']}\n",
    "service: svc\nprovides:\n  operations:\n    - name: run\n      latency: {p50: 1ms, p99: 2.5s}\n"
    "      idempotency: {key: id, stable_across_retries: true, window: 5m}\n",
    "service: svc\nprovides:\n  events: [{topic: a.b, dedup_key: [x, y], via: direct}]\n"
    "  datasets: [{name: t, via: replica, freshness: 30s}]\n"
    "  data: [{name: d, pii: low, access: [any]}]\n",
    "service: svc\ndepends_on:\n  operations:\n    - {service: other, operation: run, timeout: 1s,"
    " latency_budget: {p95: 200ms}, retry: {max: 0}}\n"
    "  events: [{topic: a.b, dedup_key: x}]\n"
    "  datasets: [{service: other, name: t, freshness_required: 1m}]\n"
    "  data: [{service: other, name: d, access_level: ops}]\n",
    "service: svc\nvalues:\n  - {name: city_id, values: [moscow, 77]}\n"
    "  - {name: order_id, pattern: '^ord-[0-9]+$'}\n",
    "service: svc\nremotes:\n  - {service: billing, path: ../billing}\n"
    "  - {service: ledger, git: https://git.example.com/ledger.git, ref: v2}\n",
    "service: svc\nprovides:\nruntime:\n",
]

BAD = [
    "owner: team\n",
    "service: Svc\n",
    "service: svc\nownr: team\n",
    "service: svc\nwrite_path: sideways\n",
    "service: svc\ninterface: /etc/api.yaml\n",
    "service: svc\nruntime: {port: 0}\n",
    "service: svc\nruntime: {health: healthz}\n",
    "service: svc\nruntime: {manifests: [../other/deploy.yaml]}\n",
    "service: svc\nruntime: {manifests: deploy.yaml}\n",
    "service: svc\nprovides: {operations: [{name: run, latency: {p95: 200}}]}\n",
    "service: svc\nprovides: {operations: [{name: run, latency: {p97: 1s}}]}\n",
    "service: svc\nprovides: {operations: [{name: run, idempotency: {key: id}}]}\n",
    "service: svc\nprovides: {operations: [{name: has space}]}\n",
    "service: svc\nprovides: {events: [{topic: a, dedup_key: []}]}\n",
    "service: svc\nprovides: {data: [{name: d, pii: secret, access: [any]}]}\n",
    "service: svc\nprovides: {data: [{name: d}]}\n",
    "service: svc\ndepends_on: {operations: [{service: other, operation: run, retry: {max: 2}}]}\n",
    "service: svc\ndepends_on: {operations: [{service: other, operation: run, retry: {max: 101,"
    " reuses_request_id: true}}]}\n",
    "service: svc\ndepends_on: {datasets: [{service: Other, name: t}]}\n",
    "service: svc\nvalues: [{name: city_id}]\n",
    "service: svc\nvalues: [{name: city_id, values: []}]\n",
    "service: svc\nremotes: [{service: billing}]\n",
    "service: svc\nremotes: [{service: billing, path: ../b, git: ../b.git, ref: main}]\n",
    "service: svc\nremotes: [{service: billing, git: ../b.git}]\n",
    "service: svc\nremotes: [{service: billing, path: /srv/billing}]\n",
]


@pytest.mark.parametrize("text", GOOD)
def test_good_contracts_pass_both(text: str) -> None:
    assert reader_ok(text) and schema_ok(text)


@pytest.mark.parametrize("text", BAD)
def test_bad_contracts_fail_both(text: str) -> None:
    assert not reader_ok(text), "the reader accepts it"
    assert not schema_ok(text), "the schema accepts it"


def test_every_example_contract_passes_the_schema() -> None:
    files = sorted((ROOT / "examples").glob("*/AGENTS.ctx/contracts/*.yaml"))
    assert len(files) >= 8
    for path in files:
        assert schema_ok(path.read_text(encoding="utf-8")), path


def test_the_template_points_at_the_schema_and_passes_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sddkit.cli.group import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--root", str(tmp_path)]).exit_code == 0
    result = runner.invoke(cli, ["--root", str(tmp_path), "contracts", "new", "risk"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "AGENTS.ctx" / "contracts"
    text = (folder / "risk.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_NAME}"
    assert (folder / SCHEMA_NAME).read_text(encoding="utf-8") == schema_text()
    assert schema_ok(text) and reader_ok(text.replace("service: risk", "service: svc"))
