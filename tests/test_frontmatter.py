from __future__ import annotations

import pytest
import yaml

from sddkit import _frontmatter as fm
from sddkit.errors import FrontMatterError

HAND_WRITTEN = """---
# written by hand; keep this comment
project: demo   # the slug
phase: spec
status: draft        # draft | review | approved
title: 'Quoted: title'
list:
  - a
  - b
approved_by: null
based_on: {}
---
# Body

text
"""


def test_set_keys_changes_only_those_lines() -> None:
    out = fm.set_keys(HAND_WRITTEN, {"status": "review", "approved_by": "Ada"})
    before = HAND_WRITTEN.splitlines()
    after = out.splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert changed == [
        ("status: draft        # draft | review | approved",
         "status: review        # draft | review | approved"),
        ("approved_by: null", "approved_by: Ada"),
    ]
    assert fm.parse(out)["status"] == "review"


def test_set_keys_roundtrip_values() -> None:
    values = {
        "approved_at": "2026-11-21T10:00:00Z",
        "based_on": {"constitution": "a" * 64, "spec": None},
        "notes": "has: colon # and hash",
        "blocked": None,
        "n": 3,
        "flag": "yes",
        "list": ["x", "y z"],
    }
    out = fm.set_keys(HAND_WRITTEN, values)
    parsed = fm.parse(out)
    for key, value in values.items():
        assert parsed[key] == value
    assert yaml.safe_load(out.split("---")[1])["approved_at"] == "2026-11-21T10:00:00Z"
    assert out.endswith("# Body\n\ntext\n")


def test_set_keys_is_noop_for_equal_values() -> None:
    assert fm.set_keys(HAND_WRITTEN, {"status": "draft", "based_on": {}}) == HAND_WRITTEN


def test_crlf_and_bom_survive() -> None:
    text = "\ufeff" + HAND_WRITTEN.replace("\n", "\r\n")
    out = fm.set_keys(text, {"status": "review", "new_key": "v"})
    assert out.startswith("\ufeff---\r\n")
    assert "\n" not in out.replace("\r\n", "")
    assert fm.parse(out)["new_key"] == "v"


def test_body_hash_ignores_crlf_and_bom() -> None:
    from sddkit.phases import gate_hash

    crlf_bom = "\ufeff" + HAND_WRITTEN.replace("\n", "\r\n")
    assert gate_hash("spec", HAND_WRITTEN) == gate_hash("spec", crlf_bom)
    assert gate_hash("spec", HAND_WRITTEN) != gate_hash("spec", HAND_WRITTEN + "x")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---\na: 1\n", 1, "never closed"),
        ("---\na: [\n---\n", 3, "invalid YAML"),
        ("---\na: 1\na: 2\n---\n", 3, "duplicate key"),
        ("---\n- 1\n---\n", 2, "mapping"),
        ("---\na: &x [1]\nb: *x\n---\n", 2, "aliases"),
        ("---\n" + "k: " + "x" * (70 * 1024) + "\n---\n", 1, "larger than"),
        ("---\na: !!python/object:os.system x\n---\n", 2, "invalid YAML"),
    ],
)
def test_bad_front_matter(text: str, line: int, words: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        fm.parse(text)
    assert info.value.line == line
    assert words in info.value.message


def test_dates_stay_strings() -> None:
    assert fm.parse("---\ncreated: 2026-11-21\n---\n") == {"created": "2026-11-21"}


def test_no_front_matter() -> None:
    assert fm.parse("# just markdown\n") is None
    assert fm.body("# just markdown\n") == "# just markdown\n"
