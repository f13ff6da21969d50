"""sddkit/json_schemas.json is generated from docs/json.md and every CLI --json shape meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_json_docs import samples  # noqa: F401  (the fixture: one of every CLI shape)

from sddkit.mcp_server import output_schemas

jsonschema = pytest.importorskip("jsonschema")
REPO = Path(__file__).resolve().parent.parent


def test_schemas_are_current() -> None:
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "json_schemas.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_cli_shape_meets_its_schema(samples: Any) -> None:  # noqa: F811
    schemas = output_schemas()
    _root, shapes = samples
    assert shapes
    for section, data in shapes:
        schema = schemas[section.split(":")[0]]
        jsonschema.validate(data, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**data, "undocumented": 1}, schema)
