"""Generate sddkit/json_schemas.json (JSON Schema, draft 2020-12) from docs/json.md.

docs/json.md documents every `--json` shape field by field, and tests/test_json_docs.py
proves the CLI prints exactly those fields with those types. This script turns the same
tables into JSON Schemas, which `sdd mcp` declares as each tool's output schema; the MCP
tests validate every tool's structured output against them. Run it after changing
docs/json.md; `--check` exits 1 when the file is stale (tests/test_json_schemas.py runs it).

    python scripts/json_schemas.py [--check]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "json.md"
OUT = REPO / "sddkit" / "json_schemas.json"
HEADING = re.compile(r"^## `(sddkit\.[a-z.]+/\d+)`(?:: (.+))?$")
CELL_SPLIT = re.compile(r"(?<!\\)\|")
SIMPLE = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
          "null": "null"}


def sections(text: str) -> dict[str, list[dict[str, str]]]:
    """schema id -> one {path: type} table per documented variant."""
    out: dict[str, list[dict[str, str]]] = {}
    table: dict[str, str] | None = None
    for line in text.splitlines():
        match = HEADING.match(line)
        if match:
            table = {}
            out.setdefault(match.group(1), []).append(table)
            continue
        if line.startswith("## "):
            table = None
        if table is None or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in CELL_SPLIT.split(line)[1:-1]]
        table[cells[0].strip("`")] = cells[1].replace("\\|", "|")
    return out


def _leaf(kind: str, table: dict[str, str], path: str, done: dict[str, Any]) -> Any:
    options = [option.strip() for option in kind.split("|")]
    schemas = []
    for option in options:
        if option in SIMPLE:
            schemas.append({"type": SIMPLE[option]})
        elif option == "list of string":
            schemas.append({"type": "array", "items": {"type": "string"}})
        elif option.startswith("sddkit."):  # a shape, or a part of one: "sddkit.x/1 items[]"
            name, _sep, part = option.partition(" ")
            schema = done[name]
            for step in part.split(".") if part else []:
                schema = schema["properties"][step.removesuffix("[]")]
                schema = schema["items"] if step.endswith("[]") else schema
            schemas.append(schema)
        elif option == "object":
            schemas.append(_object(table, path, done))
        else:
            raise SystemExit(f"docs/json.md: {path}: unknown type '{option}'")
    if all(set(s) == {"type"} and isinstance(s["type"], str) for s in schemas):
        types = [s["type"] for s in schemas]
        return {"type": types[0] if len(types) == 1 else types}
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}


def _object(table: dict[str, str], path: str, done: dict[str, Any]) -> dict[str, Any]:
    """The object at ``path`` ("" for the root): its documented fields, nothing else."""
    prefix = f"{path}." if path else ""
    properties: dict[str, Any] = {}
    extra: Any = False
    for key, kind in table.items():
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix):]
        name = rest[:-2] if rest.endswith("[]") else rest
        if "." in name or "[]" in name:
            continue  # deeper: built by its parent
        if name == "*":
            extra = _leaf(kind, table, key, done)
            continue
        schema = _leaf(kind, table, key, done)
        properties[name] = {"type": "array", "items": schema} if rest.endswith("[]") else schema
    out: dict[str, Any] = {"type": "object"}
    if properties or extra is False:
        out["properties"] = properties
    out["additionalProperties"] = extra if (properties or extra is not False) else True
    return out


def build(text: str) -> dict[str, Any]:
    """schema id -> its JSON Schema (variants as anyOf), referenced shapes inlined."""
    found = sections(text)
    done: dict[str, Any] = {}
    pending = dict(found)
    while pending:
        progress = False
        for schema_id, tables in list(pending.items()):
            needs = {o.strip().split(" ")[0] for t in tables for k in t.values()
                     for o in k.split("|")
                     if o.strip().startswith("sddkit.") and o.strip().split(" ")[0] != schema_id}
            if needs - set(done):
                continue
            variants = []
            for table in tables:
                root = _object(table, "", done)
                root["required"] = ["schema"]
                root["properties"]["schema"] = {"const": schema_id}
                variants.append(root)
            done[schema_id] = (variants[0] if len(variants) == 1
                               else {"type": "object", "anyOf": variants})  # MCP: an object
            del pending[schema_id]
            progress = True
        if not progress:
            raise SystemExit(f"docs/json.md: shapes refer to each other in a loop: {sorted(pending)}")
    return {k: {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": k, **v}
            for k, v in sorted(done.items())}


def render() -> str:
    return json.dumps(build(DOC.read_text(encoding="utf-8")), indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print("sddkit/json_schemas.json is stale: run python scripts/json_schemas.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
