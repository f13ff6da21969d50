"""Front matter is found without splitting the body into lines (issue 15: a 50,000-task
list was split into lines each time its front matter was read). Held to the whole-text
split it replaced on generated documents: the same block, body, line offset, mapping,
errors and key edits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sddkit.errors import FrontMatterError
from sddkit.io import frontmatter
from sddkit.io.markers import split_lines


def split_whole(text: str) -> tuple[int, int, str, str] | str | None:
    """The split as sddkit made it before: every line of the text, then the delimiters.
    Returns (open, close, yaml text, body), an error kind, or None (no front matter)."""
    lines = split_lines(text)

    def delimiter(line: str, closing: bool = False) -> bool:
        stripped = line.lstrip("\ufeff").rstrip("\r\n").rstrip(" \t")
        return stripped == "---" or (closing and stripped == "...")

    if not lines or not delimiter(lines[0]):
        return None
    size = 0
    for index in range(1, len(lines)):
        if delimiter(lines[index], closing=True):
            return (0, index, "".join(lines[1:index]).lstrip("\ufeff"),
                    "".join(lines[index + 1 :]))
        size += len(lines[index])
        if size > frontmatter.MAX_FRONT_MATTER:
            return "larger"
    return "never closed"


def split_now(text: str) -> tuple[int, int, str, str] | str | None:
    try:
        found = frontmatter.split(text)
    except FrontMatterError as exc:
        return "larger" if "larger" in str(exc) else "never closed"
    if found is None:
        return None
    return (found.open, found.close, found.yaml_text, "".join(found.lines[found.close + 1 :]))


LINE = st.sampled_from(["---", "--- ", "---\t", "\ufeff---", "...", "....", "-- -", "",
                        "phase: tasks", "status: approved", "title: a: b", "# Tasks",
                        "- [ ] T001 a", "x" * 70, "\r", " ---"])
ENDING = st.sampled_from(["\n", "\n", "\r\n", ""])


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.tuples(LINE, ENDING), max_size=12), st.sampled_from(["", "\n", "x"]))
def test_the_head_split_is_the_whole_text_split(parts: list[tuple[str, str]],
                                                tail: str) -> None:
    text = "".join(line + ending for line, ending in parts) + tail
    assert split_now(text) == split_whole(text), repr(text)
    if isinstance(split_now(text), tuple):
        assert frontmatter.body(text) + "" == split_whole(text)[3]  # type: ignore[index]


def test_a_long_front_matter_is_refused_and_a_long_body_is_not() -> None:
    big = "---\n" + "k: v\n" * (frontmatter.MAX_FRONT_MATTER // 5 + 1) + "---\nbody\n"
    assert split_now(big) == split_whole(big) == "larger"
    body = "- [ ] T001 a\n" * 20_000
    text = "---\nphase: tasks\n---\n" + body
    assert split_now(text) == split_whole(text) == (0, 2, "phase: tasks\n", body)
    assert frontmatter.body_line_offset(text) == 3
    updated = frontmatter.set_keys(text, {"status": "approved"})
    assert updated == "---\nphase: tasks\nstatus: approved\n---\n" + body
