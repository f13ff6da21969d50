"""Tasks: golden parses of real task lists, the next task, and byte-exact ticking."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sddkit.errors import TaskError
from sddkit.projects.blockers import task_blocker
from sddkit.projects.phases import gate_hash
from sddkit.tasks import Task, TaskList, next_task, parse_tasks, set_done, set_undone

FIXTURES = Path(__file__).parent / "fixtures" / "tasks"


# --- golden fixtures (markdown-it's format: title, ".", input, ".", expected, ".") ---------


def read_fixtures(path: Path) -> list[tuple[str, int, str, str]]:
    """``(title, line, input, expected)`` for each case; a title holding ``[crlf]`` gets CRLF."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases = []
    index = 0
    while index < len(lines):
        if not lines[index].strip() or lines[index + 1 : index + 2] != ["."]:
            index += 1
            continue
        title, start = lines[index], index + 1
        parts: list[list[str]] = [[], []]
        index += 2
        for part in parts:
            while lines[index] != ".":
                part.append(lines[index])
                index += 1
            index += 1
        source = "".join(line + "\n" for line in parts[0])
        if "[crlf]" in title:
            source = source.replace("\n", "\r\n")
        cases.append((title, start, source, "\n".join(parts[1])))
    return cases


def render_task(tasks: TaskList, task: Task) -> str:
    """``key state Lline "text"`` and the attributes that are set, indented by depth."""
    if task.parent is not None:  # the tree is consistent, so indentation shows it
        parent = tasks.get(task.parent)
        assert parent is not None and task.key in parent.children
        assert task.depth == parent.depth + 1
    else:
        assert task.depth == 0
    parts = ["  " * task.depth + task.key, task.state, f"L{task.line}", json.dumps(task.text)]
    if task.id is not None and task.id != task.key:
        parts.append(f"id={task.id}")
    if task.children:
        parts.append(tasks.state_of(task))
    if task.parallel:
        parts.append("P")
    if task.story:
        parts.append(f"story={task.story}")
    if task.depends:
        parts.append("deps=" + ",".join(task.depends))
    if task.blocked is not None:
        parts.append(f"blocked={json.dumps(task.blocked)}")
    parts += [f"verify={json.dumps(text)}" for text in task.verify]
    if task.done_mark is not None:
        parts.append(f"mark={json.dumps(task.done_mark)}")
    if task.optional:
        parts.append("optional")
    if task.state == "unknown":
        parts.append(f"marker={json.dumps(task.marker)}")
    if task.claimed_by is not None:
        parts.append(f"claimed={json.dumps(task.claimed_by)}@{task.claimed_at or '-'}")
    parts += [f"note={json.dumps(text)}" for text in task.notes]
    return " ".join(parts)


def render(tasks: TaskList) -> str:
    """One line per task under its heading, then progress, the next task, skips and problems."""
    out: list[str] = []
    heading: str | None = None
    for task in tasks.tasks:
        if task.heading != heading:
            heading = task.heading
            out.append(f"## {heading}")
        out.append(render_task(tasks, task))
    done, total = tasks.progress()
    found = next_task(tasks)
    out.append(f"progress: {done}/{total}")
    out.append(f"next: {found.task.key if found.task else '-'}" + (" (all done)" * found.all_done))
    out += [f"skipped: {task.key} ({why.reason})" for task, why in found.skipped]
    out += [f"{p.severity} L{p.line} {p.kind}: {p.message}" for p in tasks.problems]
    return "\n".join(out)


_DONE = re.compile(r"\[done ([^\]]+)\]")


def render_done(source: str, ref: str) -> str:
    """What ``sdd done REF`` does to ``source``: the line it writes (and that the tasks gate
    hash is unchanged), or why it refuses, as ``sddkit.tasks.mark_done`` decides."""
    tasks = parse_tasks(source)
    task = tasks.get(ref)
    if task is None:
        return f"done {ref}: no such task"
    if task.state == "done" and task.is_leaf:
        return f"done {ref}: already done"
    held = task_blocker(tasks, task)
    if held is not None:
        return f"done {ref}: refused, {held.kind} ({held.reason})"
    after = set_done(source, task, "2026-11-30 abc1234")
    assert gate_hash("tasks", after) == gate_hash("tasks", source), "done changed the gate"
    ticked = parse_tasks(after)
    done, total = ticked.progress()
    found = next_task(ticked)
    line = after.split("\n")[task.line - 1].removesuffix("\r")
    return (f"done {ref}: {json.dumps(line)}\n"
            f"then: progress {done}/{total}, next: {found.task.key if found.task else '-'}"
            + (" (all done)" * found.all_done))


def render_case(title: str, source: str) -> str:
    out = render(parse_tasks(source))
    for ref in _DONE.findall(title):
        out += "\n" + render_done(source, ref)
    return out


CASES = [
    pytest.param(title, source, expected, id=f"{path.stem}:{line}:{title}")
    for path in sorted(FIXTURES.glob("*.md"))
    for title, line, source, expected in read_fixtures(path)
]


@pytest.mark.parametrize(("title", "source", "expected"), CASES)
def test_golden(title: str, source: str, expected: str) -> None:
    """Each case: the tasks, progress, next task, skips and problems; with ``[done KEY]``
    in its title, also what ``sdd done KEY`` writes or why it refuses."""
    assert render_case(title, source) == expected


def test_fixtures_are_found() -> None:
    assert len(CASES) >= 25


# --- lookup ------------------------------------------------------------------------------

KIRO = "- [ ] 1. Set up\n  - [x] 1.1 Scaffold\n- [ ] 2. Build\n- [ ] T004 Other\n"


def test_get_by_id_case_insensitively_with_kiro_dots_and_by_position() -> None:
    tasks = parse_tasks(KIRO)
    assert tasks.get("t004") is tasks.tasks[3]
    assert tasks.get("1.") is tasks.tasks[0]
    assert tasks.get(" 1.1 ") is tasks.tasks[1]
    assert tasks.get("#2") is tasks.tasks[1]
    assert tasks.get("#9") is None
    assert tasks.get("#0") is None
    assert tasks.get("3") is None


def test_nearest_suggests_close_keys_or_the_first_ones() -> None:
    tasks = parse_tasks(KIRO)
    assert tasks.nearest("t04") == ["T004"]
    assert tasks.nearest("1.2") == ["1.1"]
    assert tasks.nearest("zzzzzz", n=2) == ["1", "1.1"]


def test_task_text_and_path() -> None:
    tasks = parse_tasks(KIRO, Path("tasks.md"))
    assert tasks.path == Path("tasks.md")
    assert [t.is_leaf for t in tasks.tasks] == [False, True, True, True]


def test_empty_document_has_nothing_to_do_and_is_not_all_done() -> None:
    found = next_task(parse_tasks("# Tasks\n\nNothing yet.\n"))
    assert found.task is None and found.skipped == [] and not found.all_done


# --- editing -----------------------------------------------------------------------------

DOC = "# Tasks\n\n- [ ] T001 First\n  - verify: it works\n- [-] T002 Second\n- [x] T003 Third\n"


def test_set_done_changes_the_box_and_appends_the_mark() -> None:
    tasks = parse_tasks(DOC)
    done = set_done(DOC, tasks.tasks[0], "2026-11-21 a1b2c3d")
    assert done == DOC.replace(
        "- [ ] T001 First\n", "- [x] T001 First <!-- done 2026-11-21 a1b2c3d -->\n"
    )
    again = parse_tasks(done).tasks[0]
    assert again.state == "done" and again.done_mark == "2026-11-21 a1b2c3d"
    assert again.text == "First"


def test_set_done_ticks_an_in_progress_task() -> None:
    tasks = parse_tasks(DOC)
    assert set_done(DOC, tasks.tasks[1], "m") == DOC.replace(
        "- [-] T002 Second\n", "- [x] T002 Second <!-- done m -->\n"
    )


def test_set_done_keeps_crlf_and_a_missing_final_newline() -> None:
    text = "- [ ] T001 A\r\n- [ ] T002 B"
    tasks = parse_tasks(text)
    assert set_done(text, tasks.tasks[0], "x1") == "- [x] T001 A <!-- done x1 -->\r\n- [ ] T002 B"
    assert set_done(text, tasks.tasks[1], "x2") == "- [ ] T001 A\r\n- [x] T002 B <!-- done x2 -->"


def test_set_done_finds_the_box_after_any_list_marker() -> None:
    text = "1. [ ] T001 ordered\n* - [ ] T002 nested on one line\n-\t[ ] T003 tab\n"
    tasks = parse_tasks(text)
    assert [t.key for t in tasks.tasks] == ["T001", "T002", "T003"]
    for task in tasks.tasks:
        after = set_done(text, task, "m")
        old, new = text.split("\n")[task.line - 1], after.split("\n")[task.line - 1]
        assert new == old.replace("[ ]", "[x]", 1) + " <!-- done m -->"


def test_set_done_with_front_matter_edits_the_file_line() -> None:
    text = "---\ntitle: t\n---\n- [ ] T001 A [ ] not the box\n"
    task = parse_tasks(text).tasks[0]
    assert task.line == 4
    assert set_done(text, task, "m") == text.replace(
        "- [ ] T001 A [ ] not the box\n", "- [x] T001 A [ ] not the box <!-- done m -->\n"
    )


def test_set_undone_reverses_set_done_byte_for_byte() -> None:
    for text in (DOC, DOC.replace("\n", "\r\n"), DOC.rstrip("\n")):
        tasks = parse_tasks(text)
        for task in tasks.tasks[:2]:
            done = set_done(text, task, "2026-11-21 a1b2c3d")
            ticked = parse_tasks(done).get(task.key)
            assert ticked is not None
            back = set_undone(done, ticked)
            if task.state == "todo":
                assert back == text
            else:  # "[-]" comes back as "[ ]"
                assert back == text.replace("[-]", "[ ]")


def test_set_undone_clears_capital_x_and_a_hand_written_mark() -> None:
    text = "- [X] T001 A <!-- done 2026-01-02 abc -->  \n- [x] T002 B\n"
    tasks = parse_tasks(text)
    assert set_undone(text, tasks.tasks[0]) == "- [ ] T001 A  \n- [x] T002 B\n"
    assert (
        set_undone(text, tasks.tasks[1])
        == "- [X] T001 A <!-- done 2026-01-02 abc -->  \n- [ ] T002 B\n"
    )


def test_editing_a_line_without_the_right_box_is_refused() -> None:
    tasks = parse_tasks(DOC)
    with pytest.raises(TaskError, match="T003"):
        set_done(DOC, tasks.tasks[2], "m")
    with pytest.raises(TaskError, match="T001"):
        set_undone(DOC, tasks.tasks[0])
    with pytest.raises(TaskError):
        set_done("changed\n" + DOC, tasks.tasks[0], "m")
    with pytest.raises(TaskError, match="-->"):
        set_done(DOC, tasks.tasks[0], "evil --> - [ ] T009")


def test_lists_nested_past_the_parser_limit_are_refused_not_dropped() -> None:
    deep = "".join("  " * depth + f"- [ ] T{depth:03d} level\n" for depth in range(60))
    with pytest.raises(TaskError, match="nested too deeply") as caught:
        parse_tasks("---\na: 1\n---\n" + deep + "- [ ] T999 after\n", Path("tasks.md"))
    assert caught.value.path == Path("tasks.md") and caught.value.line is not None
    assert caught.value.line > 3
    fine = "".join("  " * depth + f"- [ ] T{depth:03d} level\n" for depth in range(30))
    assert len(parse_tasks(fine + "- [ ] T999 after\n").tasks) == 31


def test_a_bare_carriage_return_does_not_shift_line_numbers() -> None:
    text = "intro\rstill line one\n- [ ] T001 A\n"
    task = parse_tasks(text).tasks[0]
    assert task.line == 2
    assert set_done(text, task, "m") == "intro\rstill line one\n- [x] T001 A <!-- done m -->\n"
