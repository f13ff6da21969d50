from __future__ import annotations

from sddkit._markdown import code_lines
from sddkit.markers import split_lines


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
    from sddkit.review import sections

    text = "---\nphase: spec\n---\n## Behaviour\n\n````\n```\n## Fake\n```\n````\ntext\n"
    assert [s.title for s in sections(text)] == ["Behaviour"]
