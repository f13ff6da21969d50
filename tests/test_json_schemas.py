"""Every CLI --json shape that an MCP tool also returns meets the JSON Schema the MCP server
declares for it (derived from sddkit/json_shapes.py by the MCP SDK), and that schema admits
no undocumented field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_json_docs import samples  # noqa: F401  (the fixture: one of every CLI shape)

jsonschema = pytest.importorskip("jsonschema")
pytest.importorskip("mcp")


def declared_schemas() -> dict[str, dict[str, Any]]:
    """schema id -> the output schema a tool returning it declares (from the server)."""
    from sddkit.cli.mcp_server import Locator, all_outputs, build_server

    server = build_server(Locator(Path.cwd()))
    out: dict[str, dict[str, Any]] = {}
    for name, schema_id in all_outputs().items():
        tool = server._tool_manager.get_tool(name)
        assert tool is not None and tool.output_schema is not None, name
        out[schema_id] = tool.output_schema
    return out


def test_every_cli_shape_meets_the_declared_schema(samples: Any) -> None:  # noqa: F811
    from sddkit.json_shapes import SHAPES

    schemas = declared_schemas()
    assert set(schemas) == set(SHAPES)
    _root, shapes = samples
    checked = set()
    for section, data in shapes:
        schema_id = section.split(":")[0]
        if schema_id not in schemas:
            continue  # a CLI-only shape: tests/test_json_docs.py checks it against the docs
        schema = schemas[schema_id]
        jsonschema.validate(data, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**data, "undocumented": 1}, schema)
        checked.add(section)
    assert {"sddkit.status/1: one project", "sddkit.status/1: every project",
            "sddkit.claim/1", "sddkit.next.all/1", "sddkit.open/1"} <= checked
