"""The line scanner (sddkit/tasks/scan.py) against markdown-it (issue 15).

Wherever the scanner says it read a document exactly, its task list must equal the one the
markdown-it walk gives: every task field by field, every problem with its line and message.
The documents come from a grammar of what task lists hold (spec-kit, Kiro/cc-sdd and plain
checklists, child lines, headings, fences, comments) and of the constructs the scanner must
hand to markdown-it (quotes, HTML, indented code, setext underlines, lazy lines, tabs...).
And on realistic lists the fast path must be taken, so that the speed-up cannot vanish.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sddkit.io import frontmatter
from sddkit.tasks import parse_tasks
from sddkit.tasks.reader import Reader
from sddkit.tasks.scan import scan_tasks

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tasks_scan"


def scanned(text: str, front_matter: bool = False) -> bool:
    """Whether the scanner claims to read ``text`` (a body, or with ``front_matter`` a
    document) exactly."""
    source = frontmatter.body(text, None) if front_matter else text
    source = source.replace("\r\n", "\n").replace("\r", " ")
    lines = source.split("\n")
    return scan_tasks(source, lines, Reader(lines, 0))


def assert_same(text: str, front_matter: bool = False) -> None:
    fast = parse_tasks(text, front_matter=front_matter)
    slow = parse_tasks(text, front_matter=front_matter, scanner=False)
    assert [asdict(t) for t in fast.tasks] == [asdict(t) for t in slow.tasks], text
    assert [asdict(p) for p in fast.problems] == [asdict(p) for p in slow.problems], text


INDENT = st.sampled_from(["", "", "", "", "  ", "  ", "    ", " ", "   ", "      ", "     ",
                          "        ", "  ", "\t"])
MARKER = st.sampled_from(["-", "-", "-", "*", "+", "1.", "2.", "1)", "10.", "01.", "-"])
AFTER_MARKER = st.sampled_from([" ", " ", " ", " ", "  ", "   ", "    ", " ", "     ", ""])
BOX = st.sampled_from(["[ ] ", "[ ] ", "[x] ", "[X] ", "[-] ", "[?] ", "[ ]* ", "", "[] ",
                       "[x]: ", "[ ]\t", "[~] ", "[ ] ", "[x] ", "[ ] "])
TEXT_PLAIN = [
    "T001 Create the project layout in src/app/",
    "T002 [P] [US1] Add the model in src/app/models.py",
    "T003 [US2] Write the handler (depends: T001, T002)",
    "T004 Wire it up <!-- done 2026-01-02 abc1234 -->",
    "T001 Create the project layout in src/app/",
    "1. Major step",
    "1.1 Sub step",
    "1.2 Another sub step (depends: 1.1)",
    "Task 2: prose task",
    "**T005**: bold id",
    "~~T006 dropped~~",
    "(optional) T007 nice to have",
    "verify: `pytest -q` passes",
    "verify: $ make test",
    "depends: T001",
    "depends: none",
    "depends: the migration",
    "_Requirements: 1.2, 3.1_",
    "claimed: agent-a 2026-11-30",
    "blocked: waiting for access",
    "note: split later",
    "plain words without a box",
    "T008 trailing spaces  ",
    "T009 hard break\\",
    "T011 [P] Depends on T999",
    "T012 see [the plan](plan.md) and <b>bold</b>",
    "#7 issue reference",
    "T013 keep <!-- done later",
    "T014 a <!-- note --> here",
]
TEXT_NASTY = [
    "# heading inside an item",
    "- nested on the same line",
    "> quoted",
    "```",
    "<!-- c -->",
    "[link]: https://example.com",
    "---",
    "T010 text\u00a0with a no-break space",
]
TEXT = st.sampled_from(TEXT_PLAIN * 6 + TEXT_NASTY)
PLAIN = [
    "Some prose about the work.",
    "**Purpose**: set things up",
    "**Checkpoint**: the story works on its own",
    "| id | done |",
    "| T012 | [ ] |",
    "T013 [ ] not a list item",
    "[ ] a box in prose",
    "Run `pytest` before the last step.",
    "_Requirements: 2.1_",
    "verify: a lazy line",
    "depends: T001",
    "2024-01-01 was a date",
    "#hashtag is not a heading",
    "*emphasis* at the start",
    "-- two dashes",
    "10000000000. too many digits",
    "``` not `a fence`",
    "<!-- a one-line comment -->",
    "<!--",
    "-->",
    "---",
    "***",
    "- - -",
    "```",
    "```python",
    "~~~",
    "````",
    "## Phase 1: Setup",
    "### [ ] T015 a box in a heading",
    "# Title #",
    "## closed ## ",
    "## Notes for C#",
    "## ###",
    "### Phase 2 ###   ",
    "#",
    "####### seven",
    "",
    "",
    "",
]
# what the scanner must hand to markdown-it (or read with care)
NASTY = [
    "|----|------|",
    "[ref]: https://example.com/x",
    "[open label",
    "Windows line\r",
    "a tab\there",
    "<div>",
    "> a quote",
    "> - [ ] T014 quoted task",
    "===",
    "___",
    "+++",
    "-",
    "1.",
    "* * *",
    "nbsp\u00a0here",
]
PROSE = st.sampled_from(PLAIN * 4 + NASTY)


@st.composite
def item_line(draw: st.DrawFn) -> str:
    return (draw(INDENT) + draw(MARKER) + draw(AFTER_MARKER) + draw(BOX) + draw(TEXT)
            + draw(st.sampled_from(["", "", "", "  ", " "])))


@st.composite
def task_block(draw: st.DrawFn) -> list[str]:
    """A list as people write them: items, nested items, child lines under them."""
    lines: list[str] = []
    depth = 0
    for _ in range(draw(st.integers(1, 6))):
        depth = draw(st.integers(0, min(depth + 1, 3))) if lines else 0
        pad = "  " * depth
        box = draw(st.sampled_from(["[ ] ", "[x] ", "[ ] ", "[-] "]))
        lines.append(f"{pad}- {box}{draw(TEXT)}")
        for _ in range(draw(st.integers(0, 2))):
            child = draw(st.sampled_from(["  - ", "  ", "    ", "", "  * ", "   "]))
            lines.append(pad + child + draw(TEXT))
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
    return lines


@st.composite
def fence_block(draw: st.DrawFn) -> list[str]:
    opener = draw(st.sampled_from(["```", "```bash", "~~~", "````", "~~~~md"]))
    body = draw(st.lists(st.one_of(item_line(), PROSE), max_size=3))
    closer = draw(st.sampled_from([opener[:3], opener.rstrip("abcdefghijklmnopqrstuvwxyz"),
                                   "  " + opener[:3], "```", "~~~", "````", "", "    ```",
                                   opener[:3] + " x"]))
    lines = [draw(st.sampled_from(["", "", "", "  ", "   "])) + opener, *body]
    return [*lines, closer] if closer else lines


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 9))
        if kind <= 3:
            lines += draw(task_block())
        elif kind <= 5:
            lines.append(draw(PROSE))
        elif kind == 6:
            lines += draw(fence_block())
        elif kind == 7:
            lines.append(draw(item_line()))
        elif kind == 8:
            lines.append(draw(INDENT) + draw(st.one_of(PROSE, TEXT)))
        else:
            lines.append("")
    ending = draw(st.sampled_from(["\n", "", "\n\n", "\n  ", "  "]))
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n"]))
    return newline.join(lines) + ending


@settings(max_examples=1500, deadline=None)
@given(documents())
def test_where_the_scanner_answers_it_gives_markdown_its_answer(text: str) -> None:
    if scanned(text):
        assert_same(text)


def test_the_grammar_reaches_both_readers() -> None:
    """The generator is worth something only if the scanner answers on many documents and
    declines on many others."""
    answers: list[bool] = []

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(documents())
    def probe(text: str) -> None:
        answers.append(scanned(text))

    probe()
    share = sum(answers) / len(answers)
    assert 0.2 < share < 0.9, share


def fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*.md"))


def test_realistic_lists_take_the_fast_path() -> None:
    """Spec-kit, Kiro-style, nested, fenced, plain and bench-generated lists: the scanner
    reads each exactly (and agrees with markdown-it), without importing markdown-it."""
    assert len(fixtures()) >= 5
    for path in fixtures():
        text = path.read_text(encoding="utf-8")
        assert scanned(text, front_matter=True), path.name
        assert_same(text, front_matter=True)
        assert parse_tasks(text, path).tasks, path.name
    script = (
        "import sys, pathlib\n"
        "from sddkit.tasks import parse_tasks\n"
        f"for p in sorted(pathlib.Path({str(FIXTURES)!r}).glob('*.md')):\n"
        "    parse_tasks(p.read_text(encoding='utf-8'), p)\n"
        "print('markdown_it' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr


def test_the_bench_workload_takes_the_fast_path() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import cases
        import generate
    finally:
        sys.path.pop(0)
    texts = [cases.big_tasks_body(300)]
    for index in range(10):
        spec = generate.project_spec(index)
        if spec.state in ("implementing", "completed"):
            texts.append(generate.project_files(spec, None)["tasks.md"])
    assert len(texts) > 3
    for text in texts:
        assert scanned(text, front_matter=True), text[:200]
        assert_same(text, front_matter=True)


def test_declined_constructs_go_to_markdown_it() -> None:
    """Each construct the scanner does not model makes it decline (and parse_tasks still
    reads the list, through markdown-it)."""
    declined = [
        "> - [ ] T001 quoted\n",
        "- [ ] T001 a\n\ttabbed\n",
        "<div>\n- [ ] T001 in html\n</div>\n",
        "Prose\n\n    - [ ] T001 indented code\n",
        "Title\n===\n- [ ] T001 a\n",
        "- [ ] T001 a\nText\n---\n",
        "- [ ] T001 a\n  ```\n  - [ ] T002 fenced in an item\n  ```\n",
        "[ref]: https://example.com\n- [ ] T001 a\n",
        "-\n  - [ ] T001 under an empty item\n",
        "-      [ ] T001 five spaces\n",
        "- # [ ] T001 heading in an item\n",
        "  ## Indented heading\n- [ ] T001 a\n",
        "- [ ] T001 no\u00a0break\n",
        "".join(f"{'  ' * depth}- [ ] T{depth:03d} level {depth}\n" for depth in range(10)),
        "- [ ] T001 a\n  ```\n  - [ ] T002 after a fence in an item\n",
    ]
    for text in declined:
        assert not scanned(text), text
        assert_same(text)


TRICKY = [
    # heading texts: a closing run goes only after a space
    "## Notes for C#\n- [ ] T001 a\n## Phase 2 ##  \n- [ ] T002 b\n# #\n- [ ] T003 c\n",
    # lazy lines join the item's paragraph, a directive among them
    "- [ ] T001 a\nverify: lazy\n  - [ ] T002 b\ndepends: T001\n",
    # an ordered item interrupts a paragraph only as "1."
    "- [ ] T001 a\n  2. [ ] T002 not an item\n  1. [ ] T003 an item\n",
    "Prose\n2. [ ] T001 not an item\n\n2. [ ] T002 an item\n",
    # a fence closes when indented up to three spaces, with a run at least as long
    "```\n- [ ] T001 code\n   ```\n- [ ] T002 a\n````\n```\n- [ ] T003 code\n",
    # a comment runs to its closing line; one left open runs to the end
    "<!-- a\n- [ ] T001 in a comment\n-->\n- [ ] T002 a\n<!--\n- [ ] T003 b\n",
    # a break after a blank line ends the list
    "- [ ] T001 a\n\n---\n  - [ ] T002 b\n",
    # deeper continuation lines, siblings after blank lines, second paragraphs
    "- [ ] T001 a\n        verify: deep\n\n  verify: second paragraph\n\n- [ ] T002 b\n",
    # numbered top-level items give keys
    "1. [ ] Do a\n2. [ ] Do b\n   - depends: 1\n",
    # markers change lists
    "- [ ] T001 a\n* [ ] T002 b\n+ [ ] T003 c\n1) [ ] T004 d\n",
    # an item indented 4 past the open item's text after a paragraph: a continuation line
    "- [ ] T001 a\n      - [ ] T002 continues T001\n   - [ ] T003 nested\n",
    # items inside an open fence or comment are code, not items
    "```\n- [ ] T001 code\n```\n<!--\n- [ ] T002 comment\n-->\n- [ ] T003 a\n",
    # eight levels deep is still read here
    "".join(f"{'  ' * depth}- [ ] T{depth:03d} level {depth}\n" for depth in range(8)),
]


def test_tricky_documents_agree() -> None:
    for text in TRICKY:
        assert scanned(text), text
        assert_same(text)


# --- the one-match reading of a common task line (lines.read_plain_head) ------------------

HEAD_BOX = st.sampled_from(["[ ] ", "[x] ", "[X] ", "[ ]  ", "[x]\t", "[-] ", "[ ]* ", "[] ",
                            "[ ]", "[?] ", ""])
HEAD_ID = st.sampled_from(["T001 ", "T25001 ", "T1  ", "T001\t", "t001 ", "T001: ", "T001. ",
                           "T001a ", "T001 - ", "T001  \u2014 ", "T1 -x ", "1. ", "1.2 ",
                           "12 ", "**T002** ", "Task 3: ", "", "", "", "", "T001"])
HEAD_WORD = st.sampled_from([
    "[P]", "[P]", "[US1]", "[US12]", "(P)", "[P][US1]", "[US\u0663]", "[us1]", "[P]\t",
    "Import", "record", "family", "25001", "Create", "Remove", "Removed:", "removed", "dropped -",
    "Skipped", "obsolete:", "won't do:", "wontfix", "cancelled:", "Optional:", "optional",
    "Step", "step", "task", "Subtask", "Write", "Open", "Check", "the", "src/app.py", "-", "--",
    "[P]", "(P)", "[US1]", "(depends: T001)", "~~", "<b>", "\\", "`code`", "*", "_x_", "a:b",
    "T002", "1.1", "\u00e9t\u00e9", "\u00dcber", "x\u00a0y", "(optional)", "[cancelled]",
    "\u017ftep", "\u017fkipped:", "\u212aelvin", "\u0131d", "\u0130t",
])
HEAD_LEAD = st.lists(st.sampled_from(["[P] ", "(P) ", "[US1] ", "[US23] ", "[P]", "[US1]\t",
                                      "(P)", "[p] ", "[US] "]), max_size=3)
HEAD_MARK = st.sampled_from(["", "", "", " <!-- done 2026-02-01 abc1234 -->",
                             " <!-- done -->", "<!--done 2026-01-01-->", " <!-- done x --> y",
                             " <!-- done a --> b -->", " <!-- note -->", " <!-- doneX -->",
                             "  <!--  done  2026-02-01 verify=passed  -->", " <!-- done ---->",
                             " <!-- done\n x -->", "\n  verify: x"])


@settings(max_examples=3000, deadline=None)
@given(HEAD_BOX, HEAD_ID, HEAD_LEAD, st.lists(HEAD_WORD, max_size=5), HEAD_MARK)
def test_the_one_match_head_reads_as_read_head(box: str, ident: str, lead: list[str],
                                              words: list[str], mark: str) -> None:
    """Wherever read_plain_head answers, its reading is read_head's, field by field."""
    from sddkit.tasks.lines import read_head, read_plain_head

    content = (box + ident + "".join(lead) + " ".join(words) + mark).strip()
    plain = read_plain_head(content)
    if plain is not None:
        assert plain == read_head(content), content


def test_the_one_match_head_leaves_the_edge_cases_to_read_head() -> None:
    """Lines near each edge of the one-match shape: declined, or read as read_head reads
    them (the long s matches "s" in read_head's case-insensitive patterns)."""
    from sddkit.tasks.lines import read_head, read_plain_head

    edges = ["[ ] \u017ftep 2: x", "[ ] \u017fkipped: old", "[ ] Removed: the old step",
             "[ ] Skipped - flaky", "[ ] T1 - dash", "[ ] T1 optional: later",
             "[ ] optional: later", "[x] a <!-- done a --> b -->", "[ ] Task 3: prose",
             "[ ] 12 apples", "[ ] t1 lower", "[ ] T1:", "[ ] Won't do: x"]
    for content in edges:
        plain = read_plain_head(content)
        assert plain is None or plain == read_head(content), content


def test_the_one_match_head_answers_for_common_lines() -> None:
    """The common task lines are read in one match (so the speed-up cannot vanish)."""
    from sddkit.tasks.lines import read_head, read_plain_head

    common = ["[ ] T25001 Import record family 25001",
              "[x] T00001 Import record family 1 <!-- done 2026-02-02 abc0001 -->",
              "[X] Write the handler in src/app.py",
              "[x] T002 [P] [US1] Add the model <!-- done 2026-04-28 bd10949 -->",
              "[ ] T3 Remove the old importer: it is dead code"]
    for content in common:
        plain = read_plain_head(content)
        assert plain is not None and plain == read_head(content), content


# --- the tasks gate's view in one pass (lines.gate_view) ----------------------------------

def _gate_view_by_lines(body: str) -> str:
    """The line-by-line gate view sddkit shipped before (approvals pin its hashes)."""
    from sddkit.tasks.lines import _SOURCE_LINE, _TRACKING_LINE, DONE_MARK

    body = _TRACKING_LINE.sub("", body)
    out = []
    for line in body.split("\n"):
        if box := _SOURCE_LINE.match(line):
            line = box.group(1) + "[ ]" + line[box.end() :]
            if "<!--" in line:
                line = DONE_MARK.sub("", line)
            line = line.rstrip(" \t")
        out.append(line)
    return "\n".join(out)


GATE_EXTRA = st.sampled_from([
    "- [x] T001 a <!-- done 2026-01-01 --> \t", "- [x] T002 b <!-- done\n  x -->",
    "- [x] T003 c <!-- done a --> <!-- done b -->  ", "  - claimed: me 2026-01-01",
    "1. [X] T004 d\r", "- T005 [x] e  ", "* 1. [-] f <!-- note -->  ", "[x] bare box  ",
    "- [x]", "\t- [ ] g\t", "- [x] T006 <!--done-->\\", "",
    "- [x] T007 h <!-- x --> <!-- done 1 -->  ", "- [x] T008 \t<!--done--><!-- done -->",
    "- [x] T009 <!-- done", "- [x] <!-- done -->", "- [x] T010 <!--<!-- done -->",
    "  - cla\u0130med: me", "  - cla\u0131med: me", "  - bloc\u212aed: why", "  - NOTES: x",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(documents(), GATE_EXTRA), max_size=6))
def test_the_one_pass_gate_view_is_the_line_by_line_one(parts: list[str]) -> None:
    from sddkit.tasks.lines import gate_view

    body = "\n".join(parts)
    assert gate_view(body) == _gate_view_by_lines(body), body


MARK_PIECES = st.sampled_from([
    "<!--", "-->", "<!-- done", "<!--done-->", " done ", "done", "doner", " ", "\t", "  ",
    "x", "T001", "[x]", "- ", "2026-01-02", "<!-- note -->", "<!-- done 2026-01-02 abc -->",
    "\n", "-", ">", "<", "!", "\u00a0", "<!---->", "<!-- DONE -->",
])


@settings(max_examples=2000, deadline=None)
@given(st.lists(MARK_PIECES, max_size=12))
def test_done_marks_found_from_their_opening_are_the_pattern_s(pieces: list[str]) -> None:
    from sddkit.tasks.lines import DONE_MARK, without_done_marks

    line = "".join(pieces)
    assert without_done_marks(line) == DONE_MARK.sub("", line), line


def test_done_marks_removed_in_a_line() -> None:
    from sddkit.tasks.lines import without_done_marks

    line = "- [x] T1 a \t<!-- note --> <!-- done 1 --><!--done 2-->  end <!-- done"
    assert without_done_marks(line) == "- [x] T1 a \t<!-- note -->  end <!-- done"
    assert without_done_marks("- [x] T1 a") == "- [x] T1 a"


def test_the_gate_view_drops_tracking_lines_spelt_with_odd_letters() -> None:
    """Letters the tracking pattern matches case-insensitively that lower() does not give."""
    from sddkit.tasks.lines import gate_view

    for line in ("  - cla\u0130med: me", "  - cla\u0131med: me", "  - bloc\u212aed: why"):
        body = f"- [ ] T001 a\n{line}\n"
        assert gate_view(body) == _gate_view_by_lines(body) == "- [ ] T001 a\n", line


# --- a task's child lines (reader.Reader.item) --------------------------------------------

@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(["verify:", "verify: ", "Verify: ", "verify:  ", "verify:**",
                                 "$ make test", "`pytest -q`", "passes", "**x**", "_y_", "\n",
                                 "  ", "\t", "depends: T001", "verify: again", ":",
                                 "depends: ", "depends:", "Depends: ", "T001", "T002", ", ",
                                 ",", "t003", "T1.2", "and", "none", "T0\u0663", " (why)"]),
                min_size=1, max_size=6))
def test_a_child_line_reads_as_its_directive(parts: list[str]) -> None:
    """The child lines a task's item holds read the same whichever way Reader.item takes
    (twice: a dependency named again is kept once)."""
    from sddkit.tasks.model import Task
    from sddkit.tasks.reader import _apply_directives

    content = "".join(parts).strip()
    reader = Reader(["- [ ] T001 a", f"  - {content}", f"  - {content}"], 0)
    parent = reader.item(0, "[ ] T001 a", [], None, None)
    assert parent is not None
    expected = Task(key="", id="T001", position=1, text="a", state="todo", line=1)
    unread = []
    for line in (1, 2):
        assert reader.item(line, content, [parent], None, None) is None
        unread += _apply_directives(expected, content.split("\n"))
    assert (parent.verify, parent.depends, parent.notes) == (
        expected.verify, expected.depends, expected.notes), content
    assert len(reader.problems) == len(unread)


def test_the_common_child_lines_are_read() -> None:
    reader = Reader([], 0)
    parent = reader.item(0, "[ ] T003 c", [], None, None)
    assert parent is not None
    for content in ("depends: T001, T002", "depends: T002, T002", "verify: `make` passes"):
        assert reader.item(1, content, [parent], None, None) is None
    assert parent.depends == ["T001", "T002"] and parent.verify == ["`make` passes"]
