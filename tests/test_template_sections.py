"""Templates declare their own required sections; a constitution may inherit foundations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from conftest import tree_digest, walk_to

from sddkit.projects.readiness import REQUIRED_SECTIONS

TEMPLATES = Path(__file__).parent.parent / "templates"

GHERKIN_SPEC = """---
project: {{ project }}
phase: spec
status: draft
approved_by: null
approved_at: null
approved_sha256: null
approved_commit: null
based_on: {}
required_sections: [Feature, Scenarios]
---
# Spec: {{ title }}

## Feature

<!-- fill: As a ..., I want ..., so that ... -->

## Scenarios

<!-- fill: Given / When / Then, one scenario per case -->
"""


def test_shipped_templates_declare_todays_sections() -> None:
    for phase in ("constitution", "spec", "plan"):
        text = (TEMPLATES / f"{phase}.md.j2").read_text()
        front = re.search(r"^---\n(.*?)\n---\n", text, re.S)
        assert front is not None
        declared = yaml.safe_load(re.sub(r"\{\{.*?\}\}", "x", front.group(1)))
        assert tuple(declared["required_sections"]) == REQUIRED_SECTIONS[phase], phase
        for title in declared["required_sections"]:
            assert f"\n## {title}\n" in text, (phase, title)


def test_a_gherkin_spec_template_passes_ready_when_its_sections_are_filled(
        initialised: Path, sdd) -> None:
    local = initialised / "AGENTS.ctx/sdd/templates"
    local.mkdir(parents=True)
    (local / "spec.md.j2").write_text(GHERKIN_SPEC)
    walk_to(initialised, sdd, "cart", "constitution")
    spec = initialised / "AGENTS.ctx/sdd/assets/cart/spec.md"
    text = spec.read_text()
    assert "required_sections: [Feature, Scenarios]" in text
    # only Feature filled: Scenarios still a placeholder, then empty
    spec.write_text(text.replace("<!-- fill: As a ..., I want ..., so that ... -->",
                                 "As a shopper, I want a cart, so that I can buy twice."))
    refused = sdd(initialised, "ready", "cart")
    assert refused.exit_code == 1 and "unfilled template placeholder" in refused.stderr
    spec.write_text(spec.read_text().replace(
        "<!-- fill: Given / When / Then, one scenario per case -->", ""))
    before = tree_digest(initialised)
    refused = sdd(initialised, "ready", "cart")
    assert refused.exit_code == 1
    assert "section '## Scenarios' is empty" in refused.stderr
    assert tree_digest(initialised) == before
    spec.write_text(spec.read_text().replace(
        "## Scenarios\n", "## Scenarios\n\nScenario: add an item\n  Given an empty cart\n"
        "  When I add a book\n  Then the cart holds one book\n"))
    ok = sdd(initialised, "ready", "cart")
    assert ok.exit_code == 0, ok.stderr  # no "Behaviour" or "Edge cases" demanded
    assert sdd(initialised, "approve", "cart", "--by", "Grace").exit_code == 0
    assert sdd(initialised, "check").exit_code == 0


def test_a_document_without_the_key_keeps_the_default_sections(initialised: Path, sdd) -> None:
    walk_to(initialised, sdd, "old", "constitution")
    spec = initialised / "AGENTS.ctx/sdd/assets/old/spec.md"
    text = re.sub(r"required_sections: \[.*?\]\n", "", spec.read_text(), flags=re.S)
    text = text.replace("## Error handling\n", "## Errors\n")
    spec.write_text(re.sub(r"<!-- fill:.*?-->", "Filled.", text, flags=re.S).replace(
        "- [ ] Filled.", "- [x] Settled."))
    refused = sdd(initialised, "ready", "old")
    assert refused.exit_code == 1 and "required section '## Error handling' missing" in \
        refused.stderr


def test_a_malformed_declaration_is_one_line_naming_the_key(initialised: Path, sdd) -> None:
    walk_to(initialised, sdd, "bad", "constitution")
    spec = initialised / "AGENTS.ctx/sdd/assets/bad/spec.md"
    text = re.sub(r"required_sections: \[.*?\]\n", "required_sections: 3\n", spec.read_text(),
                  flags=re.S)
    spec.write_text(text)
    result = sdd(initialised, "ready", "bad")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "AGENTS.ctx/sdd/assets/bad/spec.md:10: 'required_sections' must be a list of section " \
        "titles" in result.stderr


def test_a_constitution_inherits_the_repository_foundations(initialised: Path, sdd) -> None:
    assert sdd(initialised, "ctx", "new", "foundations", "--description",
               "language, framework, naming for every project").exit_code == 0
    assert sdd(initialised, "new", "second").exit_code == 0
    path = initialised / "AGENTS.ctx/sdd/assets/second/constitution.md"
    text = path.read_text().replace("notes: \"\"\n", "notes: \"\"\ninherits: foundations\n")
    # only what differs: the Foundations section says nothing new, Amendments are filled
    head, _sep, _rest = text.partition("## Foundations")
    path.write_text(head + "## Foundations\n\n## Amendments\n\nNone yet.\n")
    result = sdd(initialised, "ready", "second")
    assert result.exit_code == 0, result.stderr
    assert sdd(initialised, "approve", "second", "--by", "Grace").exit_code == 0
    assert sdd(initialised, "check").exit_code == 0


def test_inheriting_an_unknown_context_is_refused_and_reported(initialised: Path, sdd) -> None:
    assert sdd(initialised, "new", "third").exit_code == 0
    path = initialised / "AGENTS.ctx/sdd/assets/third/constitution.md"
    text = path.read_text().replace("notes: \"\"\n", "notes: \"\"\ninherits: nowhere\n")
    path.write_text(re.sub(r"<!-- fill:.*?-->", "Filled.", text, flags=re.S))
    result = sdd(initialised, "ready", "third")
    assert result.exit_code == 1
    assert "constitution inherits unknown context 'nowhere'" in result.stderr
    assert "constitution.md:10: " in result.stderr
    report = json.loads(sdd(initialised, "check", "--json").stdout)
    assert ("SDD-010", "AGENTS.ctx/sdd/assets/third/constitution.md", 10) in \
        [(f["rule"], f["path"], f["line"]) for f in report["findings"]]
