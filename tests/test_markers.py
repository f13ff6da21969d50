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
