from __future__ import annotations

from typing import Any

import pytest
import yaml

from sddkit.errors import FrontMatterError
from sddkit.io import frontmatter as fm

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
    from sddkit.projects.phases import gate_hash

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


@pytest.mark.parametrize(
    ("before", "updates", "after"),
    [
        # a quoted key, the space after the colon and a trailing comment are kept
        ("'status':   draft   # set by sdd\n", {"status": "review"},
         "'status':   review   # set by sdd\n"),
        # a '#' inside quotes is not a comment; the quotes go with the old value
        ('title: "a # b"  # note\n', {"title": "c"}, "title: c  # note\n"),
        # an empty value with a comment after it
        ("approved_by:  # who\n", {"approved_by": "Ada"}, "approved_by: Ada  # who\n"),
        # a block value becomes one line; the comment line after it stays
        ("based_on:\n  spec: abc\n  plan: def\n# kept\nnext: 1\n", {"based_on": {}},
         "based_on: {}\n# kept\nnext: 1\n"),
        # a flow value over two lines
        ("tags: [a,\n  b]\nx: 1\n", {"tags": ["c"]}, "tags: [c]\nx: 1\n"),
        # a missing key goes at the end of the block
        ("a: 1\n", {"b": None}, "a: 1\nb: null\n"),
    ],
)
def test_set_keys_replaces_the_value_span_pyyaml_reports(before: str, updates: dict[str, Any],
                                                         after: str) -> None:
    text = f"---\n{before}---\nbody # not front matter\n"
    assert fm.set_keys(text, updates) == f"---\n{after}---\nbody # not front matter\n"
