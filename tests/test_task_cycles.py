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
    original = cycles_module._ranked
    cycles_module._ranked = lambda _tasks, _edges: False  # the full search, always
    try:
        searched = [[t.key for t in ring] for ring in cycles_module.cycles(tasks)]
    finally:
        cycles_module._ranked = original
    assert found == searched, text


def test_a_task_waiting_on_its_parent_is_a_cycle() -> None:
    text = "- [ ] T1 parent\n  - [ ] T2 child\n    - depends: T1\n- [ ] T3 after\n  - depends: T2\n"
    problems = [p.message for p in parse_tasks(text, front_matter=False).problems]
    assert problems == ["dependency cycle: T1 -> T2 -> T1"]
