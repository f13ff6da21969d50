"""The plain front-matter reader answers exactly what PyYAML's loader answers, or nothing.

Differential: front matters generated inside the subset sddkit writes and just outside it
(YAML 1.1 resolution traps, indicators, quotes, flow collections, comments, CRLF, odd
characters) are read by both; whenever the plain reader answers, PyYAML's strict loader
(the one ``frontmatter.parse`` falls back to) must give the same value of the same types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sddkit.errors import FrontMatterError
from sddkit.io import frontmatter as fm
from sddkit.io import plain_yaml

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def pyyaml(text: str) -> tuple[bool, Any]:
    try:
        return True, yaml.load(text, Loader=fm._loader())
    except yaml.YAMLError:
        return False, None


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (``True == 1`` is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def agrees(text: str) -> dict[str, Any] | None:
    fast = plain_yaml.mapping(text)
    if fast is not None:
        ok, slow = pyyaml(text)
        assert ok, f"the plain reader answered {fast!r} where PyYAML refuses {text!r}"
        assert same(slow, fast), f"{text!r}: PyYAML {slow!r}, plain reader {fast!r}"
    return fast


# scalars around YAML 1.1's implicit types and the plain-scalar indicators
TRAPS = [
    "yes", "Yes", "YES", "yEs", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    "y", "Y", "n", "N", "true", "True", "TRUE", "tRUE", "false", "False", "FALSE",
    "null", "Null", "NULL", "nULL", "~", "0", "00", "007", "08", "0_", "1_000", "10",
    "-1", "+1", "0x1F", "0xg", "0b101", "0b2", "0o17", "0ba26438", "0b", "0x", "0b_", "0x_",
    "0bab", "0x1g", "0b1a", "0xabc", "0Xab", "0B1", "0b1_0", "0e1", "0_1a", "1:20", "1:70", "190:20:30", "1:2a",
    ".5", "1.", "1.5", "1e5", "1.0e+5", "1.0e5", "1_0.5", ".inf", "-.inf", ".Inf", ".nan",
    "NaN", "nan", "inf", "2026-04-15", "2026-4-5", "2026-04-19T11:20:00Z",
    "9f1978208357264c94a4845c257fa1e96ddba19814c2530a9e045b625d54495f",
    "8c9595553ae0aa87311448f2426f5a51bbf344f887bb215ef7a6154f342b7bf8",
    "d5f5392e4812bc3f78dd7d3d218029c127c6997d", "123456789012345678901234567890",
    "<<", "=", "!", "&a", "*a", "!!str", "%x", "@x", "`x", "|", ">", "?", "? x", "- x",
    "-", "--", "---", "...", "a -b", "a - b", "12abc", "1a", "1_a", "a b", "a  b", "a,b",
    "a, b", "O'Brien", 'say "hi"', "'", '"', "é", "Ünïcode", "Ada Łukasiewicz", "٣٣",
    "x\u00a0y", "x\x85y", "x\u2028y", "x\ufeffy", "x\x7fy", "http://x", "a:b", "a: b",
    "a:", "a #b", "a# b", "#a", "a\tb", "a\\b", "(a)", "a/b", "a@b", "a+b", "a.b", "_",
    "[a]", "{a}", "a[b]", "a{b}", "a]", "a}", "Grace Hopper", "Ada Lovelace",
]

CHARS = st.sampled_from(
    list("aZ09_ .,/@+()'\"-:#[]{}!&*|>%`~?\\\t") + ["é", "\x85", "\u2028", "\ufeff", "\xa0",
                                                   "٣", "\x00", "\r", "Ł"]
)
scalar = st.one_of(st.sampled_from(TRAPS), st.text(CHARS, min_size=1, max_size=10))
KEYS = ["project", "phase", "status", "approved_by", "based_on", "a", "_x", "key-1", "B2",
        "yes", "No", "null", "on", "Off", "~", "a b", "k:", "1", "-a", "é", "x" * 101,
        "constitution", "spec"]
key = st.one_of(st.sampled_from(KEYS), st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,6}",
                                                      fullmatch=True))


def quoted(inner: str, mark: str) -> str:
    return f"{mark}{inner}{mark}"


flow_scalar = st.one_of(
    scalar,
    st.builds(quoted, scalar, st.sampled_from(['"', "'"])),
)
flow_sep = st.sampled_from([", ", ",", " , ", ",  ", ",\n  ", ",\n", ",\n ", " ,\n\t", ",\n\n  "])


@st.composite
def flow(draw: Any) -> str:
    if draw(st.booleans()):
        items = draw(st.lists(flow_scalar, max_size=4))
        inner = draw(flow_sep).join(items)
        pad = draw(st.sampled_from(["", " "]))
        return f"[{pad}{inner}{pad}]"
    pairs = draw(st.lists(st.tuples(key, flow_scalar), max_size=4))
    colon = draw(st.sampled_from([": ", ": ", ":", ":  ", " : "]))
    inner = draw(flow_sep).join(f"{k}{colon}{v}" for k, v in pairs)
    return "{" + inner + "}"


@st.composite
def folded(draw: Any) -> str:
    """A flow collection broken over lines, inside and around its items."""
    text = draw(flow())
    cut = draw(st.integers(0, len(text)))
    brk = draw(st.sampled_from(["\n  ", "\n ", "\n", "\n\t", "\n  # c\n  ", "\r\n  "]))
    return text[:cut] + brk + text[cut:]


value = st.one_of(
    scalar,
    scalar,
    st.builds(quoted, scalar, st.sampled_from(['"', "'"])),
    flow(),
    folded(),
    st.just(""),
    st.sampled_from(["{}", "[]", "{ }", "[ ]", "{a: {b: c}}", "[a, [b]]", "{a: b,}",
                     "[a, b,]", "|", ">-", "&anchor x", "*alias", "!!str x", "!!int 3"]),
)


@st.composite
def entry(draw: Any) -> str:
    kind = draw(st.integers(0, 11))
    if kind == 0:
        return draw(st.sampled_from(["", "# a comment", "#", "  # indented comment",
                                     "   ", "\t", "  indented: x", "  - item", "- item",
                                     "%YAML 1.1", "? a", "#\x00", "# é"]))
    colon = draw(st.sampled_from([": ", ": ", ": ", ":", ":  ", " : ", ":\t"]))
    tail = draw(st.sampled_from(["", "", "", " ", "  ", " # c", "\t", "#c"]))
    return f"{draw(key)}{colon}{draw(value)}{tail}"


@pytest.mark.parametrize("trap", TRAPS)
def test_each_trap_as_a_value_a_key_and_an_item(trap: str) -> None:
    for text in (f"k: {trap}\n", f"k: [{trap}]\n", f"k: {{a: {trap}}}\n", f'k: "{trap}"\n',
                 f"k: '{trap}'\n", f"{trap}: v\n", f"k: [a, {trap}, b]\n",
                 f"k: {{{trap}: v}}\n", f"k: a {trap}\n", f"k: {trap} a\n"):
        agrees(text)
        agrees(text.replace("\n", "\r\n"))


def test_keys_longer_than_a_simple_key_may_be() -> None:
    for size in (100, 101, 1023, 1024, 1025, 1100):
        agrees("x" * size + ": v\n")
        agrees("k: {" + "x" * size + ": v}\n")


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry(), min_size=1, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_the_plain_reader_answers_what_pyyaml_answers(lines: list[str], newline: str) -> None:
    agrees("".join(line + newline for line in lines))


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KEYS[:8]), value), min_size=1, max_size=6))
def test_the_plain_reader_on_sddkit_shaped_lines(pairs: list[tuple[str, str]]) -> None:
    agrees("".join(f"{k}: {v}\n" for k, v in pairs))


WRITTEN = """\
project: accounts-audit-log-00059
phase: constitution
status: approved
title: Audit log for accounts
created: "2026-04-15"
priority: 0
blocked: null
notes: ""
approved_by: Grace Hopper
approved_at: "2026-04-19T11:20:00Z"
approved_sha256: 8c9595553ae0aa87311448f2426f5a51bbf344f887bb215ef7a6154f342b7bf8
approved_commit: d5f5392e4812bc3f78dd7d3d218029c127c6997d
based_on: {constitution: 8c9595553ae0aa87311448f2426f5a51bbf344f887bb215ef7a6154f342b7bf8, spec: null}
required_sections: [Foundations, Amendments]
sections: [Files to create or modify, Choices and rationale,
  Contracts, Risks]
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_what_sddkit_writes_is_answered_without_pyyaml(newline: str) -> None:
    text = WRITTEN.replace("\n", newline)
    fast = agrees(text)
    assert fast is not None
    assert fast["priority"] == 0 and fast["created"] == "2026-04-15"
    assert fast["based_on"]["spec"] is None
    assert fast["required_sections"] == ["Foundations", "Amendments"]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.md.j2")))
def test_the_shipped_templates_front_matter_is_in_the_subset(template: str) -> None:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        pytest.skip("no front matter")
    block = text.split("---\n")[1]
    filled = (block.replace("{{ project | yaml }}", "demo-project")
              .replace("{{ title | yaml }}", "A demo")
              .replace("{{ created | yaml }}", '"2026-11-30"'))
    if "{{" in filled or "{%" in filled:
        pytest.skip("front matter built by template logic")
    assert agrees(filled) is not None


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # a duplicate key: PyYAML's error, with its line
        "based_on: {spec: x, spec: y}\n",
        "a: b\n  c: d\n",  # a continuation line
        "title: Quoted: title\n",
        "a: |\n  x\n",
        "a: 'it''s'\n",  # an escaped quote
        'a: "x\\ty"\n',
        "a: b # c\n",
        "a: \x85\n",
    ],
)
def test_outside_the_subset_is_left_to_pyyaml(text: str) -> None:
    assert plain_yaml.mapping(text) is None
    agrees(text)


def test_errors_are_still_pyyaml_s_one_line_with_the_file_line() -> None:
    text = "---\nproject: demo\nphase: spec\nphase: plan\n---\nbody\n"
    with pytest.raises(FrontMatterError) as caught:
        fm.parse(text, Path("spec.md"))
    assert "duplicate key 'phase'" in str(caught.value)
    assert caught.value.line == 4


def test_locating_the_block_keeps_bom_crlf_and_the_size_bound() -> None:
    text = "\ufeff---\r\nproject: demo\r\nphase: spec\r\n---\r\nbody\r\nmore\r\n"
    assert fm.parse(text) == {"project": "demo", "phase": "spec"}
    assert fm.body(text) == "body\r\nmore\r\n"
    assert fm.body_line_offset(text) == 4
    found = fm.split(text)
    assert found is not None and (found.open, found.close) == (0, 3)
    assert fm.body("no front matter\n") == "no front matter\n"
    assert fm.body("---\na: b\n...\nafter") == "after"
    big = "---\n" + "a: b\n" * (fm.MAX_FRONT_MATTER // 5 + 1) + "---\n"
    with pytest.raises(FrontMatterError, match="larger than"):
        fm.parse(big)
    with pytest.raises(FrontMatterError, match="never closed"):
        fm.parse("---\na: b\n")


# --- the fast line match against the reading it shortcuts ----------------------------------

DIGESTS = ["0b1010", "0b10a1", "0bff", "0b", "0ba26438", "1e5", "0123abc", "00ff", "0xab",
           "9f19782083", "1234", "0e1", "1_a", "1a.b", "ab12", "0B1a", "1A2b", "12abc ", "0b_1a"]
fast_scalar = st.one_of(scalar, st.sampled_from(DIGESTS), st.from_regex(
    r"[0-9][0-9a-fA-F_b]{0,12}", fullmatch=True))


def same_reading(text: str) -> None:
    fast, slow = plain_yaml.mapping(text), plain_yaml.mapping(text, fast=False)
    assert (fast is None) == (slow is None) and same(fast, slow), (
        f"{text!r}: fast {fast!r}, slow {slow!r}")
    agrees(text)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry(), min_size=1, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_the_fast_line_match_reads_what_the_value_readers_read(lines: list[str],
                                                               newline: str) -> None:
    same_reading("".join(line + newline for line in lines))


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KEYS[:8]), fast_scalar,
                          st.sampled_from(["", " ", "  ", " # c"])), min_size=1, max_size=5),
       st.sampled_from(["plain", "flow"]))
def test_the_fast_match_on_digests_and_words(entries: list[tuple[str, str, str]],
                                             shape: str) -> None:
    if shape == "plain":
        same_reading("".join(f"{k}: {v}{tail}\n" for k, v, tail in entries))
    else:
        inner = ", ".join(f"{k}: {v}{tail}" for k, v, tail in entries)
        same_reading(f"based_on: {{{inner}}}\n")


@pytest.mark.parametrize("digest", DIGESTS + TRAPS)
def test_each_digest_and_trap_reads_the_same_either_way(digest: str) -> None:
    for text in (f"k: {digest}\n", f"k: {{a: {digest}}}\n", f"k: {{a: {digest}, b: x}}\n",
                 f"k: {digest}  \n", f"k:  {digest}\r\n"):
        same_reading(text)


def test_the_fast_match_is_taken_on_what_sddkit_writes() -> None:
    assert plain_yaml.mapping(WRITTEN) == plain_yaml.mapping(WRITTEN, fast=False)
    assert plain_yaml._LINE.fullmatch("approved_sha256: " + "8c95" * 16).group(3)  # type: ignore[union-attr]
    assert plain_yaml._LINE.fullmatch("approved_by: Grace Hopper").group(2) == "Grace Hopper"  # type: ignore[union-attr]


def test_a_line_read_before_reads_the_same_and_duplicates_are_still_refused() -> None:
    plain_yaml._read_lines.clear()
    first = plain_yaml.mapping("status: approved\nphase: spec\nnotes: \"\"\ncount: 3\n")
    assert "status: approved" in plain_yaml._read_lines
    again = plain_yaml.mapping("status: approved\nphase: spec\nnotes: \"\"\ncount: 3\n")
    assert first == again == {"status": "approved", "phase": "spec", "notes": "", "count": 3}
    assert plain_yaml.mapping("status: approved\nstatus: approved\n") is None
    # a collection is never shared between answers
    one = plain_yaml.mapping("based_on: {}\n")
    two = plain_yaml.mapping("based_on: {}\n")
    assert one == two and one["based_on"] is not two["based_on"]  # type: ignore[index]
