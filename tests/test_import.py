"""``sdd new P --from FILE`` (issue 13): a numbered, headed or checklist plan seeds tasks.md
with its steps, checks and dependencies; the title comes from the document's meaning; a
leading ``---`` thematic break is Markdown, not unclosed front matter."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Invoke, walk_to

from sddkit.projects.plan_import import markdown_of, plan_steps, title_of
from sddkit.tasks import parse_tasks

NUMBERED = """---

# Implementation Plan: Photo album export

## Overview

Export an album as one zip file.

## Steps

1. Add the export endpoint
   Verify: `pytest tests/test_export.py` passes
2. Stream the zip file
   - Verify: a large album exports in constant memory
   - Depends on 1
3. Add the download button
   Depends on: Step 2 - the endpoint must stream first
   Verify: the button downloads the zip
"""

HEADED = """# Requirements Document

## Step 1: Create the schema

Verify: the migration applies on an empty database

## Step 2: Backfill the rows

Depends on 1

- **Verify**: the row counts match
"""

CHECKLIST = """---
title: Rotate the signing keys
---
# Tasks

- [x] Inventory the keys
- [ ] Generate the new keys
  - verify: the key store lists them
- [ ] Switch the signers
  - depends: task-2
  - verify: new signatures verify with the new keys
"""


@pytest.mark.parametrize(("text", "title", "steps"), [
    (NUMBERED, "Photo album export", [
        ("1", "Add the export endpoint", ["`pytest tests/test_export.py` passes"], []),
        ("2", "Stream the zip file", ["a large album exports in constant memory"], ["1"]),
        ("3", "Add the download button", ["the button downloads the zip"], ["2"]),
    ]),
    (HEADED, None, [
        ("1", "Create the schema", ["the migration applies on an empty database"], []),
        ("2", "Backfill the rows", ["the row counts match"], ["1"]),
    ]),
    (CHECKLIST, "Rotate the signing keys", [
        ("task-2", "Generate the new keys", ["the key store lists them"], []),
        ("task-3", "Switch the signers", ["new signatures verify with the new keys"],
         ["task-2"]),
    ]),
])
def test_plan_shapes(text: str, title: str | None, steps: list[tuple[object, ...]]) -> None:
    meta, body = markdown_of(text)
    assert title_of(meta, body) == title
    assert [(s.number, s.text, s.verify, s.depends) for s in plan_steps(body)] == steps


def test_a_plan_without_steps_gives_none() -> None:
    assert plan_steps("# Notes\n\nJust prose.\n\n1. one goal\n") == []


def test_new_from_a_numbered_plan_seeds_the_tasks(initialised: Path, sdd: Invoke,
                                                    tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(NUMBERED)
    result = sdd(initialised, "new", "albums", "--from", str(plan))
    assert result.exit_code == 0, result.stderr
    assert "3 steps found" in result.stdout
    assets = initialised / "AGENTS.ctx/sdd/assets/albums"
    assert "title: Photo album export\n" in (assets / "constitution.md").read_text()
    walk_to(initialised, sdd, "albums", upto="plan")
    text = (assets / "tasks.md").read_text()
    assert "<!-- fill" not in text
    tasks = parse_tasks(text)
    assert [(t.key, t.text, t.depends, t.verify) for t in tasks.tasks] == [
        ("T001", "Add the export endpoint", [], ["`pytest tests/test_export.py` passes"]),
        ("T002", "Stream the zip file", ["T001"], ["a large album exports in constant memory"]),
        ("T003", "Add the download button", ["T002"], ["the button downloads the zip"]),
    ]
    ready = sdd(initialised, "ready", "albums")
    assert ready.exit_code == 0, ready.stderr


def test_a_step_without_a_check_gets_a_placeholder(initialised: Path, sdd: Invoke,
                                                   tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("# Cache warmup\n\n1. Load the keys\n2. Fill the cache\n   Verify: hits > 90%\n")
    assert sdd(initialised, "new", "warmup", "--from", str(plan)).exit_code == 0
    walk_to(initialised, sdd, "warmup", upto="plan")
    text = (initialised / "AGENTS.ctx/sdd/assets/warmup/tasks.md").read_text()
    assert "- [ ] T001 Load the keys\n  - verify: <!-- fill: how to check it -->\n" in text
    refused = sdd(initialised, "ready", "warmup")
    assert refused.exit_code == 1 and "placeholder" in refused.stderr
