"""Dependency cycles: the one-pass ranking that proves most lists acyclic never hides a cycle
the full search finds (issue 15: ``cycles`` ran graphlib on every list)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sddkit.tasks import cycles as cycles_module
from sddkit.tasks import parse_tasks


@st.composite
def nested_lists(draw: st.DrawFn) -> str:
    """Nested tasks T1..Tn with dependencies backwards, forwards, on ancestors, on
    themselves, and flat cc-sdd sub-tasks (``1.1`` under ``1.``)."""
    count = draw(st.integers(1, 12))
    lines: list[str] = []
    depth = 0
    for number in range(1, count + 1):
        depth = draw(st.integers(0, depth + 1)) if lines else 0
        ident = draw(st.sampled_from([f"T{number}", f"T{number}", f"{number}.",
                                      f"{max(1, number - 1)}.{number}"]))
        lines.append(f"{'  ' * depth}- [ ] {ident} step {number}")
        if draw(st.integers(0, 2)) == 0:
            refs = draw(st.lists(st.integers(1, count), min_size=1, max_size=3))
            lines.append(f"{'  ' * depth}  - depends: " + ", ".join(f"T{r}" for r in refs))
    return "\n".join(lines) + "\n"


@settings(max_examples=400, deadline=None)
@given(nested_lists())
def test_the_ranking_agrees_with_the_search(text: str) -> None:
    tasks = parse_tasks(text, front_matter=False)
    found = [[t.key for t in ring] for ring in cycles_module.cycles(tasks)]
    assert found == searched_cycles(tasks), text


def searched_cycles(tasks: object) -> list[list[str]]:
    """The cycles the full search finds, with both shortcuts (the flat check, the ranking)
    turned off."""
    ranked, backward = cycles_module._ranked, cycles_module._backward
    cycles_module._ranked = lambda _tasks, _edges: False  # the full search, always
    cycles_module._backward = lambda _tasks: False
    try:
        return [[t.key for t in ring] for ring in cycles_module.cycles(tasks)]  # type: ignore[arg-type]
    finally:
        cycles_module._ranked, cycles_module._backward = ranked, backward


@st.composite
def flat_lists(draw: st.DrawFn) -> str:
    """Flat lists (no nesting): dependencies backwards, forwards, on themselves, on ids
    the list lacks, by number (``depends: 2``), repeated ids."""
    count = draw(st.integers(1, 10))
    lines: list[str] = []
    for number in range(1, count + 1):
        ident = draw(st.sampled_from([f"T{number}", f"T{number}", f"T{number}",
                                      f"T{max(1, number - 1)}", ""]))
        lines.append(f"- [ ] {ident} step {number}".replace("  ", " "))
        if draw(st.integers(0, 1)) == 0:
            refs = draw(st.lists(st.integers(0, count + 1), min_size=1, max_size=3))
            spell = draw(st.sampled_from(["T{}", "T{}", "{}"]))
            lines.append("  - depends: " + ", ".join(spell.format(r) for r in refs))
    return "\n".join(lines) + "\n"


@settings(max_examples=600, deadline=None)
@given(flat_lists())
def test_the_flat_check_agrees_with_the_search(text: str) -> None:
    tasks = parse_tasks(text, front_matter=False)
    found = [[t.key for t in ring] for ring in cycles_module.cycles(tasks)]
    assert found == searched_cycles(tasks), text


def test_the_flat_check_answers_for_backward_lists_only() -> None:
    backward = parse_tasks("- [ ] T1 a\n- [ ] T2 b\n  - depends: T1\n", front_matter=False)
    forward = parse_tasks("- [ ] T1 a\n  - depends: T2\n- [ ] T2 b\n", front_matter=False)
    itself = parse_tasks("- [ ] T1 a\n  - depends: T1\n", front_matter=False)
    nested = parse_tasks("- [ ] T1 a\n  - [ ] T2 b\n- [ ] T3 c\n  - depends: T1\n",
                         front_matter=False)
    assert cycles_module._backward(backward)
    assert not cycles_module._backward(forward)
    assert not cycles_module._backward(itself)
    assert not cycles_module._backward(nested)
    assert [p.kind for p in itself.problems] == ["cycle"]


def test_a_task_waiting_on_its_parent_is_a_cycle() -> None:
    text = "- [ ] T1 parent\n  - [ ] T2 child\n    - depends: T1\n- [ ] T3 after\n  - depends: T2\n"
    problems = [p.message for p in parse_tasks(text, front_matter=False).problems]
    assert problems == ["dependency cycle: T1 -> T2 -> T1"]
