from __future__ import annotations

from sddkit.io.markdown import code_lines
from sddkit.io.markers import split_lines


def mask(text: str) -> list[bool]:
    return code_lines(split_lines(text))


def test_longer_fence_is_not_closed_by_a_shorter_one() -> None:
    text = "````md\n```\n## not a heading\n```\n````\n## heading\n"
    assert mask(text) == [True, True, True, True, True, False]


def test_tilde_fence_and_backtick_inside() -> None:
    assert mask("~~~\n```\n~~~\ntext\n") == [True, True, True, False]


def test_closing_fence_needs_nothing_after_it() -> None:
    assert mask("```\n``` not closed\n```\nafter\n") == [True, True, True, False]


def test_backtick_info_string_with_backtick_is_not_a_fence() -> None:
    assert mask("``` a`b\ntext\n") == [False, False]


def test_unclosed_fence_runs_to_the_end() -> None:
    assert mask("```\na\nb") == [True, True, True]


def test_readiness_ignores_headings_in_long_fences() -> None:
    from sddkit.projects.readiness import sections

    text = "---\nphase: spec\n---\n## Behaviour\n\n````\n```\n## Fake\n```\n````\ntext\n"
    assert [s.title for s in sections(text)] == ["Behaviour"]


# --- one notion of code: markdown-it is the oracle (issue 13) -----------------------------

import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sddkit.io.markdown import (  # noqa: E402
    markdown_code_lines,
    may_hold_code,
    scan_code_lines,
    scanner_is_exact,
)


@pytest.mark.parametrize(("text", "expected"), [
    # a fence in a nested list item, closed at its indentation
    ("- a\n  - b\n\n    ```\n    code\n    ```\n- c\n", [0, 0, 0, 1, 1, 1, 0]),
    # a fence in a quote
    ("> ```\n> code\n> ```\nafter\n", [1, 1, 1, 0]),
    # indented code after a paragraph
    ("text\n\n    code line\n\nafter\n", [0, 0, 1, 0, 0]),
    # a fence inside an HTML comment is not code, and does not swallow the rest
    ("<!--\n```\n-->\n## Heading\n", [0, 0, 0, 0]),
    # a column-0 fence after a list item fence opens a new block
    ("- item\n  ```\n  code\n```\nstill code?\n", [0, 1, 1, 1, 1]),
])
def test_code_lines_agree_with_markdown_it(text: str, expected: list[int]) -> None:
    lines = split_lines(text)
    assert mask(text) == [bool(v) for v in expected]
    assert mask(text) == markdown_code_lines(lines)


def test_markers_shown_inside_a_fence_are_not_the_block() -> None:
    from sddkit.io.markers import scan

    text = ("# Notes\n\n```markdown\n<!-- sddkit:inventory:start -->\nexample\n"
            "<!-- sddkit:inventory:end -->\n```\n\n<!-- sddkit:inventory:start -->\nreal\n"
            "<!-- sddkit:inventory:end -->\n")
    block = scan(text)["inventory"]
    assert (block.start, block.end) == (8, 10)


LINE = st.sampled_from([
    "", "text", "## heading", "```", "```python", "~~~", "````", "    indented", "\tindented",
    "- item", "  - nested", "    - deeper", "1. first", "   ```", "  ```", "> quote", "> ```",
    "<!--", "-->", "<div>", "</div>", "- ```", "* [ ] task", "  code ``` inline", "``` a`b",
])


#: A line opening list items and block quotes (any nesting), then whitespace, then text:
#: five or more columns after a marker start indented code inside the container
#: (CommonMark 0.31, 5.2 rule 2 and 5.1), four or fewer do not.
CONTAINER_LINE = st.builds(
    lambda indent, markers, gap, text: indent + markers + gap + text,
    st.sampled_from(["", " ", "   ", "    "]),
    st.lists(st.sampled_from(["-", "*", "+", "1.", "10)", ">", "- ", "> ", "1. "]),
             min_size=1, max_size=3).map("".join),
    st.sampled_from(["", " ", "  ", "    ", "     ", "      ", "        ", "\t", " \t", "\t\t",
                     "\t ", "  \t", "   \t  "]),
    st.sampled_from(["code", "- item", "```", "~~~", "> q", "", "[ ] T001 task"]))


def test_five_spaces_after_a_marker_start_indented_code() -> None:
    """A list item or block quote whose text starts five columns or more after its marker
    holds indented code, as markdown-it reads it, with or without a fence elsewhere."""
    for text in ("-     code\n", ">     code\n", "1.     code\n", "- >     code\n",
                 "-\t\tcode\n", "text\n-     code\n", "```\nx\n```\n\n*      code\n",
                 "> 1)      code\n"):
        lines = split_lines(text)
        assert code_lines(lines)[-1] is True, text
        assert code_lines(lines) == markdown_code_lines(lines), text
        assert may_hold_code(text), text
    for text in ("-    text\n", ">    text\n", "- text\n"):  # four columns or fewer: prose
        assert code_lines(split_lines(text)) == [False], text


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(LINE, CONTAINER_LINE), max_size=14))
def test_the_scanner_agrees_with_markdown_it_wherever_it_answers(rows: list[str]) -> None:
    lines = [row + "\n" for row in rows]
    oracle = markdown_code_lines(lines)
    assert code_lines(lines) == oracle
    fast = scan_code_lines(lines)
    if scanner_is_exact(lines, fast):
        assert fast == oracle


# --- a long document without code is not scanned line by line (issue 15) ------------------

PROSE_LINE = st.sampled_from([
    "", "text", "| a | b |", "    ", "\t", "  \t ", "    \r", "   three spaces", "  - item",
    "1. first", "> quote", "<!-- sddkit:inventory:start -->", "``inline``", "~~", "`` `",
    " \u3000", "\u00a0   x", "-->", "<div>",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(LINE, PROSE_LINE, CONTAINER_LINE), max_size=14),
       st.sampled_from(["\n", "\r\n"]),
       st.booleans())
def test_no_code_candidate_means_no_code_line(rows: list[str], newline: str,
                                             last_newline: bool) -> None:
    text = newline.join(rows) + (newline if last_newline and rows else "")
    lines = split_lines(text)
    if not may_hold_code(text):
        assert code_lines(lines) == [False] * len(lines)
        assert markdown_code_lines(lines) == [False] * len(lines)


@pytest.mark.parametrize("text", [
    "```\ncode\n```\n", "  ~~~\n", "- ```\n", "> ```\n", "1. ```\n", "text\n\n    code\n",
    "x\n\tcode\n",
])
def test_every_kind_of_code_is_a_candidate(text: str) -> None:
    assert may_hold_code(text)


def test_markers_after_prose_only_are_found_without_the_line_scanner() -> None:
    from sddkit.io.markers import scan

    text = ("# Notes\n\n" + "| row | x |\n" * 1000
            + "<!-- sddkit:inventory:start -->\n<!-- sddkit:inventory:end -->\n")
    assert not may_hold_code(text)
    assert (scan(text)["inventory"].start, scan(text)["inventory"].end) == (1002, 1003)
