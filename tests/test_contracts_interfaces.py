"""Rules CON-019 and CON-020: operations against OpenAPI documents and .proto files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from test_contracts_rules import call, op, run, svc

from sddkit.findings import Finding

OPENAPI = """\
openapi: 3.0.3
info: {title: orders, version: "1"}
paths:
  /orders:
    post:
      operationId: createOrder
      responses:
        201: {description: created}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok}
"""

PROTO = """\
syntax = "proto3";
package shop.v1;

service Catalog {
  rpc GetItem (ItemRequest) returns (Item);
  rpc ListItems (ItemRequest) returns (stream Item) {}
}

message ItemRequest { string id = 1; }
message Item { string id = 1; }
"""


def write(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / "api").mkdir(exist_ok=True)
    (tmp_path / "api" / name).write_text(text, encoding="utf-8")


def orders(*names: str, interface: str = "api/orders.yaml") -> dict[str, Any]:
    return svc("orders", interface=interface,
               provides={"operations": [op(n) for n in names]})


def catalog(*names: str) -> dict[str, Any]:
    return svc("catalog", interface="api/catalog.proto",
               provides={"operations": [op(n) for n in names]})


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, "\n".join(f.to_text() for f in findings)
    return findings[0]


def test_operations_in_their_interfaces_give_no_finding(tmp_path: Path) -> None:
    write(tmp_path, "orders.yaml", OPENAPI)
    write(tmp_path, "catalog.proto", PROTO)
    assert run(tmp_path, orders("createOrder", "getOrder"),
               catalog("GetItem", "Catalog.ListItems"),
               svc("web", depends_on={"operations": [call("orders", "getOrder"),
                                                     call("catalog", "GetItem")]})) == []


def test_openapi_as_json(tmp_path: Path) -> None:
    import yaml

    write(tmp_path, "orders.json", json.dumps(yaml.safe_load(OPENAPI.replace("201:", "'201':"))))
    assert run(tmp_path, orders("getOrder", interface="api/orders.json")) == []


# --- CON-020 -----------------------------------------------------------------------------


def test_con020_provided_operation_missing_from_openapi(tmp_path: Path) -> None:
    write(tmp_path, "orders.yaml", OPENAPI)
    f = only(run(tmp_path, orders("createOrder", "cancelOrder")))
    assert (f.rule, f.severity, f.path, f.line) == (
        "CON-020", "error", "AGENTS.ctx/contracts/orders.yaml", 9)
    assert "interface api/orders.yaml defines no such operation" in f.message
    assert "createOrder, getOrder" in f.message


def test_con020_invented_rpc(tmp_path: Path) -> None:
    write(tmp_path, "catalog.proto", PROTO)
    f = only(run(tmp_path, catalog("GetItems")))
    assert f.rule == "CON-020" and "did you mean 'GetItem'" in f.hint
    assert "GetItem, ListItems" in f.message


def test_con020_path_item_in_another_file(tmp_path: Path) -> None:
    write(tmp_path, "orders.yaml", OPENAPI.replace(
        "  /orders/{id}:\n    get:", "  /orders/{id}:\n    $ref: 'order-item.yaml'\n  /items/{id}:\n    get:"))
    write(tmp_path, "order-item.yaml",
          "get:\n  operationId: fetchOrder\n  parameters:\n"
          "    - {name: id, in: path, required: true, schema: {type: string}}\n"
          "  responses:\n    '200': {description: ok}\n")
    assert run(tmp_path, orders("fetchOrder", "createOrder", "getOrder")) == []


# --- CON-019 -----------------------------------------------------------------------------


def test_con019_missing_interface_file(tmp_path: Path) -> None:
    f = only(run(tmp_path, orders("getOrder", interface="api/nope.yaml")))
    assert (f.rule, f.severity, f.path) == ("CON-019", "error", "AGENTS.ctx/contracts/orders.yaml")
    assert "interface api/nope.yaml: cannot read the interface file: no such file" in f.message


def test_con019_invalid_openapi_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, "orders.yaml", OPENAPI.replace("      responses:\n        201: {description: "
                                                   "created}\n", ""))
    f = only(run(tmp_path, orders("createOrder")))
    assert (f.rule, f.path, f.line) == ("CON-019", "api/orders.yaml", 5)
    assert "'responses' is a required property" in f.message


def test_con019_not_openapi(tmp_path: Path) -> None:
    write(tmp_path, "orders.yaml", "title: notes\n")
    f = only(run(tmp_path, orders("createOrder")))
    assert f.rule == "CON-019" and "not an OpenAPI document" in f.message


def test_con019_proto_syntax_error(tmp_path: Path) -> None:
    write(tmp_path, "catalog.proto", PROTO.replace("rpc GetItem (ItemRequest)", "rpc GetItem ("))
    f = only(run(tmp_path, catalog("GetItem")))
    assert (f.rule, f.path, f.line) == ("CON-019", "api/catalog.proto", 5)
    assert "invalid .proto" in f.message


def test_con019_remote_refs_are_not_fetched(tmp_path: Path) -> None:
    write(tmp_path, "orders.yaml", OPENAPI.replace(
        "{type: string}", "{$ref: 'https://schemas.invalid/id.yaml'}"))
    f = only(run(tmp_path, orders("getOrder")))
    assert (f.rule, f.severity) == ("CON-019", "warning")
    assert "not validated (sddkit reads no network)" in f.message


def test_without_the_parsers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without sddkit[interfaces]: OpenAPI operationIds still compared, .proto not checked."""
    monkeypatch.setitem(sys.modules, "openapi_spec_validator.shortcuts", None)
    monkeypatch.setitem(sys.modules, "proto_schema_parser.parser", None)
    write(tmp_path, "orders.yaml", OPENAPI)
    write(tmp_path, "catalog.proto", PROTO)
    found = run(tmp_path, orders("createOrder", "cancelOrder"), catalog("Nothing"))
    assert [(f.rule, f.severity) for f in found] == [
        ("CON-019", "warning"), ("CON-020", "error"), ("CON-019", "warning")]
    assert "sddkit[interfaces]" in found[0].hint and "proto-schema-parser" in found[0].message
    assert "openapi-spec-validator is not installed" in found[2].message


@pytest.mark.parametrize(("text", "phrase"), [
    ("openapi: 3.0.0\npaths:\n  - not a mapping\n", "paths must be a mapping"),
    ('openapi: 3.0.0\ninfo: {title: t, version: "1"}\npaths:\n  /x: 5\n',
     "the validator stopped (KeyError"),
    ('openapi: 3.0.0\ninfo: {title: t, version: "1"}\npaths:\n  /x:\n    get: {operationId: [1],'
     ' responses: {"200": {description: d}}}\n', "[1] is not of type 'string'"),
])
def test_con019_odd_documents_are_findings_and_stop_con020(tmp_path: Path, text: str,
                                                         phrase: str) -> None:
    write(tmp_path, "orders.yaml", text)
    f = only(run(tmp_path, orders("createOrder")))
    assert (f.rule, f.path) == ("CON-019", "api/orders.yaml") and phrase in f.message
