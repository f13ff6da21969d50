from __future__ import annotations

import pytest

from sddkit.errors import MarkerError
from sddkit.io.markers import block_content, remove_block, replace_block, scan, upsert_block

DOC = "# Title\n\nintro\n<!-- sddkit:x:start -->\nold\n<!-- sddkit:x:end -->\ntail\n"


def test_replace_keeps_everything_outside() -> None:
    out = replace_block(DOC, "x", "new\nlines")
    assert out == DOC.replace("old\n", "new\nlines\n")


def test_replace_keeps_crlf() -> None:
    doc = DOC.replace("\n", "\r\n")
    out = replace_block(doc, "x", "a\nb\n")
    assert out == doc.replace("old\r\n", "a\r\nb\r\n")


def test_block_content() -> None:
    assert block_content(DOC, "x") == "old\n"
    assert block_content(DOC, "y") is None


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("<!-- sddkit:x:start -->\n", 1, "never closed"),
        ("a\n<!-- sddkit:x:end -->\n", 2, "without a start"),
        (DOC + "<!-- sddkit:x:start -->\n<!-- sddkit:x:end -->\n", 8, "appears twice"),
        ("<!-- sddkit:x:start -->\n<!-- sddkit:y:start -->\n", 2, "cannot nest"),
        ("<!-- sddkit:x:end -->\n<!-- sddkit:x:start -->\n", 1, "without a start"),
        ("<!-- sddkit:x:start -->\n<!-- sddkit:y:end -->\n", 2, "inside block"),
        ("<!-- sddkit:x:start -->\n<!-- sddkit:x:end -->\n<!-- sddkit:x:end -->\n", 3, "second end"),
    ],
)
def test_broken_markers_are_errors_with_line(text: str, line: int, words: str) -> None:
    with pytest.raises(MarkerError) as info:
        scan(text)
    assert info.value.line == line
    assert words in info.value.message


def test_replace_missing_block_is_error_not_append() -> None:
    with pytest.raises(MarkerError, match="not found"):
        replace_block("no block here\n", "x", "content")


def test_upsert_appends_once_and_is_idempotent() -> None:
    text = "user line\n"
    once = upsert_block(text, "agents", "hello")
    assert once.startswith("user line\n\n<!-- sddkit:agents:start -->\nhello\n")
    assert upsert_block(once, "agents", "hello") == once


def test_upsert_without_final_newline_keeps_user_bytes() -> None:
    once = upsert_block("user", "agents", "x")
    assert once.startswith("user\n\n<!-- sddkit")


def test_marker_mentioned_inline_is_not_a_marker() -> None:
    text = "Use `<!-- sddkit:x:start -->` to start a block.\n"
    assert scan(text) == {}


def test_remove_block_restores_original() -> None:
    original = "user line\n"
    assert remove_block(upsert_block(original, "a", "x"), "a") == original


# --- the marker lines found by searching the text are the per-line reading's (issue 15) ----

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sddkit.io.markdown import code_lines  # noqa: E402
from sddkit.io.markers import _MARKER, Block, split_lines  # noqa: E402


def reference(text: str) -> dict[str, Block] | tuple[int | None, str]:
    """The per-line reading: every line's code answer first, then each marker line in
    order (the errors as line and message)."""
    lines = split_lines(text)
    code = code_lines(lines)
    blocks: dict[str, Block] = {}
    open_at: tuple[str, int] | None = None
    for index, line in enumerate(lines):
        match = _MARKER.match(line)
        if not match or code[index]:
            continue
        name, kind = match.groups()
        if kind == "start":
            if open_at is not None or name in blocks:
                return index + 1, "start"
            open_at = (name, index)
        else:
            if open_at is None or open_at[0] != name:
                return index + 1, "end"
            blocks[name] = Block(name, open_at[1], index)
            open_at = None
    return (open_at[1] + 1, "open") if open_at is not None else blocks


LINES = st.sampled_from([
    "", "text", "<!-- sddkit:a:start -->", "<!-- sddkit:a:end -->", "<!-- sddkit:b:start -->",
    "<!-- sddkit:b:end -->", "  <!-- sddkit:a:start -->", "    <!-- sddkit:a:end -->",
    "\t<!-- sddkit:b:start -->", "```", "~~~", "- item", "  - ```", "> ```", "    code",
    "see `sddkit:a` here", "<!-- sddkit:a:start --> trailing", "x sddkit: y sddkit:", "<!--",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(LINES, max_size=12), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_scan_agrees_with_the_per_line_reading(rows: list[str], newline: str, last: bool) -> None:
    text = newline.join(rows) + (newline if last and rows else "")
    expected = reference(text)
    try:
        got: object = scan(text)
    except MarkerError as exc:
        assert isinstance(expected, tuple), (text, exc)
        assert exc.line == expected[0], text
        return
    assert got == expected, text
    lines = split_lines(text)
    for name, block in got.items():
        inner = "".join(lines[block.start + 1 : block.end])
        assert block_content(text, name) == inner
        assert replace_block(text, name, "new\n") == "".join(
            lines[: block.start + 1]) + "new" + ("\r\n" if "\r\n" in text else "\n") + "".join(
            lines[block.end :])
