"""Property: for generated task lists, ``done`` then ``undo`` restores the bytes, ``done``
never changes the tasks gate hash, and every line a person reads as a task is either a
task or the subject of a finding (issue 13)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sddkit.projects.phases import gate_hash
from sddkit.tasks import parse_tasks, set_done, set_undone

MARKERS = [" ", " ", " ", "x", "X", "-", "~", "/", "?", "!", ">"]
IDS = st.one_of(
    st.integers(1, 999).map(lambda n: f"T{n:03d}"),
    st.integers(1, 99).map(lambda n: f"t{n:03d}:"),
    st.integers(1, 99).map(lambda n: f"**T{n:03d}**"),
    st.lists(st.integers(1, 12), min_size=1, max_size=3).map(
        lambda parts: ".".join(map(str, parts)) + ("." if len(parts) == 1 else "")
    ),
    st.integers(1, 9).map(lambda n: f"Task {n}:"),
    st.just(""),
)
WORDS = st.text(st.sampled_from("abcdefghij XYZ-:_`*()<>!"), min_size=1, max_size=16).map(
    lambda s: "word " + s.strip()
)
SUFFIX = st.sampled_from(["", "", "  ", "\t", " \t", "   "])
CHILD = st.sampled_from([
    "verify: the check passes",
    "depends: Task 1 - prose after the id",
    "claimed: agent-a 2026-11-30",
    "blocked: waiting for access",
    "note: done in the first pass",
    "_Requirements: 1.1_",
])
# blocks that hold no task a person reads as work (closed fences, comments, quotes)
DECOYS = st.sampled_from([
    "```\n- [ ] T900 fenced\n```",
    "~~~md\n- [x] T901 tilde\n~~~",
    "> - [ ] T903 quoted",
    "<!--\n- [ ] T904 commented\n-->",
    "Some prose with [ ] brackets.",
    "## A heading",
])
# blocks with lines a person reads as tasks that sddkit cannot read as tasks: reported
HAZARDS = st.sampled_from([
    "Prose ends a list.\n\n    - [ ] T902 indented code",
    "## [ ] T905 a heading with a box",
    "| id | done |\n|----|------|\n| T906 | [ ] |",
])


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[int]]:
    """A tasks.md, and the 1-based lines a person would read as tasks."""
    blocks: list[tuple[str, bool]] = []  # text, whether its box lines are work
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            blocks.append((draw(DECOYS), False))
            continue
        if kind == 1:
            blocks.append((draw(HAZARDS), True))
            continue
        items: list[str] = []
        depth = 0
        for _ in range(draw(st.integers(1, 5))):
            depth = draw(st.integers(0, depth + 1)) if items else 0
            bullet = draw(st.sampled_from(["-", "*", "+", "1.", "- 1.", "2)"])) if depth == 0 \
                else "-"
            indent = "   " * depth if depth and items[-1].lstrip()[:1].isdigit() else "  " * depth
            box = f"[{draw(st.sampled_from(MARKERS))}]" + draw(st.sampled_from(["", "", "*"]))
            head = " ".join(p for p in (box, draw(IDS), draw(WORDS)) if p)
            items.append(f"{indent}{bullet} {head}{draw(SUFFIX)}")
            if draw(st.booleans()):
                items.append(indent + "  - " + draw(CHILD))
        blocks.append(("\n".join(items), True))
    if draw(st.booleans()):
        blocks.append(("```\n- [ ] T907 after an unclosed fence", True))
    text = "\n\n".join(b for b, _ in blocks) + draw(st.sampled_from(["\n", ""]))
    work: list[int] = []
    line = 1
    for block, is_work in blocks:
        for row in block.split("\n"):
            if is_work and ("[" in row and "]" in row) and not row.lstrip().startswith(
                    ("- verify", "- depends", "- claimed", "- blocked", "- note", "- _")):
                if any(f"[{m}]" in row for m in MARKERS):
                    work.append(line)
            line += 1
        line += 1
    return text, work


def read_or_reported(text: str, work: list[int]) -> None:
    tasks = parse_tasks(text)
    task_lines = {t.line for t in tasks.tasks}
    reported = {p.line for p in tasks.problems}
    fences = [p.line for p in tasks.problems if p.kind == "unclosed-fence"]
    for line in work:
        after_fence = any(start < line for start in fences)
        assert line in task_lines or line in reported or after_fence, (line, text)


@settings(max_examples=300, deadline=None)
@given(documents(), st.data(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_done_and_undo_keep_the_gate_and_the_bytes(
    generated: tuple[str, list[int]], data: st.DataObject, newline: str, front: bool
) -> None:
    text, work = generated
    read_or_reported(text, work)
    if front:
        text = "---\nphase: tasks\n---\n" + text
    text = text.replace("\n", newline)
    tasks = parse_tasks(text)
    candidates = [t for t in tasks.tasks if t.state not in ("done",) and t.marker != ""]
    if not candidates:
        return
    task = data.draw(st.sampled_from(candidates))
    after = set_done(text, task, "2026-11-21 a1b2c3d")
    before_lines, after_lines = text.split("\n"), after.split("\n")
    assert len(before_lines) == len(after_lines)
    changed = [i for i, (a, b) in enumerate(zip(before_lines, after_lines, strict=True)) if a != b]
    assert changed == [task.line - 1]
    assert gate_hash("tasks", after) == gate_hash("tasks", text)
    ticked = parse_tasks(after).tasks[task.position - 1]
    assert ticked.state in ("done", "cancelled") and ticked.line == task.line
    assert ticked.text == task.text
    if task.marker == " ":
        assert set_undone(after, ticked) == text


@settings(max_examples=100, deadline=None)
@given(documents(), st.data())
def test_tracking_lines_never_change_the_gate(generated: tuple[str, list[int]],
                                              data: st.DataObject) -> None:
    text, _work = generated
    tasks = parse_tasks(text)
    if not tasks.tasks:
        return
    task = data.draw(st.sampled_from(tasks.tasks))
    lines = text.split("\n")
    indent = " " * (len(lines[task.line - 1]) - len(lines[task.line - 1].lstrip()) + 2)
    extra = data.draw(st.sampled_from(["claimed: agent-b 2026-11-30T10:00Z", "blocked: why",
                                       "note: an agent's remark"]))
    lines.insert(task.line, f"{indent}- {extra}")
    assert gate_hash("tasks", "\n".join(lines)) == gate_hash("tasks", text)
