"""MCP prompts (the phase workflows) and phase documents as resources, with the real client (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, fill, walk_to

pytest.importorskip("mcp")

from mcp import ClientSession
from mcp.shared.exceptions import MCPError
from test_mcp import drive

from sddkit.agents.skills import SKILLS, body


@pytest.fixture
def project(initialised: Path, sdd: Invoke) -> Path:
    assert sdd(initialised, "ctx", "new", "billing").exit_code == 0
    walk_to(initialised, sdd, "refunds", upto="spec")
    constitution = initialised / "AGENTS.ctx/sdd/assets/refunds/constitution.md"
    constitution.write_text(constitution.read_text().replace(
        "priority: 0\n", "priority: 0\ncontexts: [billing]\n", 1))
    return initialised


def test_prompts_are_the_workflows(project: Path) -> None:
    async def body_of(client: ClientSession) -> Any:
        listed = (await client.list_prompts()).prompts
        assert [p.name for p in listed] == [s.name for s in SKILLS]
        by_name = {p.name: p for p in listed}
        for skill in SKILLS:
            assert by_name[skill.name].description == skill.description
            assert [(a.name, a.required) for a in by_name[skill.name].arguments or []] == [
                ("project", False)]
        spec = await client.get_prompt("sdd-spec", {"project": "refunds"})
        plain = await client.get_prompt("sdd-resume", {})
        with pytest.raises(MCPError):
            await client.get_prompt("sdd-spec", {"project": "../etc"})
        return spec, plain

    spec, plain = drive(project, body_of)
    text = spec.messages[0].content.text
    assert spec.messages[0].role == "user"
    assert text.startswith(body(SKILLS[1]))
    assert "The project: `refunds` (its documents are in `AGENTS.ctx/sdd/assets/refunds/`)" in text
    assert "AGENTS.ctx/billing/CONTEXT.md (context billing)" in text  # read first
    assert "the one `sdd next`" in plain.messages[0].content.text


def test_phase_documents_are_resources(project: Path) -> None:
    async def body_of(client: ClientSession) -> Any:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = [t.uri_template for t in (await client.list_resource_templates())
                     .resource_templates]
        spec = await client.read_resource("sddkit://project/refunds/spec")
        errors = []
        for uri in ("sddkit://project/refunds/tasks", "sddkit://project/refunds/notes",
                    "sddkit://project/nope/spec"):
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri)
            errors.append(str(caught.value))
        return listed, templates, spec, errors

    listed, templates, spec, errors = drive(project, body_of)
    assert "sddkit://project/{project}/{phase}" in templates
    assert {f"sddkit://project/refunds/{p}" for p in ("constitution", "spec", "plan")} <= listed
    assert "sddkit://project/refunds/tasks" not in listed  # not written yet
    assert spec.contents[0].text == (project / "AGENTS.ctx/sdd/assets/refunds/spec.md").read_text()
    assert spec.contents[0].mime_type == "text/markdown"
    assert "refunds has no tasks document yet" in errors[0]
    assert "unknown phase 'notes'" in errors[1]
    assert "no spec document yet" in errors[2]


def test_every_tool_declares_and_meets_its_output_schema(project: Path, sdd: Invoke) -> None:
    import jsonschema

    from sddkit.cli.mcp_server import all_outputs

    walk_to(project, sdd, "refunds", tasks="## Phase 1\n\n- [ ] T001 First\n  - verify: true\n")

    async def body_of(client: ClientSession) -> Any:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == set(all_outputs())
        results = {}
        calls = {"open_context": [{}, {"names": ["sdd"]}], "status": [{}, {"project": "refunds"}],
                 "next_step": [{}], "available_tasks": [{}, {"as_name": "ada"}], "check": [{}],
                 "contracts_check": [{}],
                 "start_task": [{"task": "T001", "as_name": "ada"}],
                 "release_task": [{"task": "T001", "as_name": "ada"}],
                 "block": [{"task": "T001", "reason": "waits"}],
                 "unblock": [{"task": "T001"}],
                 "complete_task": [{"task": "T001", "project": "refunds"}],
                 "undo_task": [{"task": "T001", "project": "refunds"}],
                 "new_project": [{"project": "invoices"}],
                 "ready": [{"project": "invoices"}]}
        for name, argument_sets in calls.items():
            if name == "ready":  # the constitution new_project wrote, written by its author
                fill(project / "AGENTS.ctx/sdd/assets/invoices/constitution.md")
            for arguments in argument_sets:
                result = await client.call_tool(name, arguments)  # the client validates too
                assert not result.is_error, (name, result.content)
                results.setdefault(name, []).append(result.structured_content)
        return tools, results

    tools, results = drive(project, body_of)
    for name, schema_id in all_outputs().items():
        declared = tools[name].output_schema
        assert declared["type"] == "object"
        assert f'"const": "{schema_id}"' in json.dumps(declared)
        assert declared.get("additionalProperties") is False or "anyOf" in declared
        for data in results[name]:
            jsonschema.validate(data, declared)  # every documented field, nothing more
    bad = dict(results["next_step"][0], extra_field=1)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, tools["next_step"].output_schema)
