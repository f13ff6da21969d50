"""The per-document check facts read each document once (issue 15): the same answers as
reading every section alone.

``sdd check`` reads a document's lines, its code lines and its sections once
(``readiness.outline``) and takes a section's code lines off the document's when the line
scanner answered (``markdown.code_lines_sliceable``). These tests hold that fast path to
the slow one it replaced, kept below as it was written (the oracle), on generated
documents built from the lines that make the answers differ: headings inside HTML blocks
and code, fences in lists, indented code, unclosed fences, CRLF endings, comments, open
questions, placeholders and suppressions.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sddkit.checks import document_facts, testrefs
from sddkit.io import frontmatter
from sddkit.io.markdown import code_lines, code_lines_sliceable
from sddkit.io.markers import split_lines
from sddkit.projects import readiness
from sddkit.projects.phases import PhaseDoc

# --- the oracle: the slow path as it was before the outline ------------------------------

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")


def _slow_sections(lines: list[str], offset: int) -> list[tuple[str, int, int, int]]:
    """(title, level, 1-based heading line, end) of each heading, every line looked at."""
    heads = []
    body = lines[offset:]
    in_code = code_lines(body)
    for index, line in enumerate(body, start=offset):
        if "#" not in line or in_code[index - offset]:
            continue
        match = _HEADING.match(line.rstrip("\r\n"))
        if match:
            heads.append((index, len(match.group(1)), match.group(2).strip()))
    out = []
    for pos, (index, level, title) in enumerate(heads):
        end = len(lines)
        for later, later_level, _t in heads[pos + 1:]:
            if later_level <= level:
                end = later
                break
        out.append((title, level, index + 1, end))
    return out


def _content(lines: list[str], line: int, end: int) -> list[tuple[int, str]]:
    return [(i + 1, lines[i].rstrip("\r\n")) for i in range(line, end)]


def _slow_problems(doc: PhaseDoc) -> list[readiness.Problem]:
    """``readiness.problems`` as it was: each section's content joined by "\\n"."""
    from sddkit.suppressions import scan

    text = doc.text
    found = []
    offset = frontmatter.body_line_offset(text)
    lines = split_lines(text)
    if readiness.PLACEHOLDER in text:
        for number, line in enumerate(lines, start=1):
            if number > offset and readiness.PLACEHOLDER in line:
                found.append(readiness.Problem(
                    "SDD-008", number, "unfilled template placeholder <!-- fill: ... -->"))
    by_title: dict[str, tuple[str, int, int, int]] = {}
    for section in _slow_sections(lines, offset):
        if section[1] == 2:
            by_title.setdefault(section[0].lower(), section)
    for title in readiness.required_sections(doc):
        required = by_title.get(title.lower())
        if required is None:
            found.append(readiness.Problem("SDD-008", offset + 1,
                                           f"required section '## {title}' missing"))
            continue
        content = _content(lines, required[2], required[3])
        substance = re.sub(r"<!--.*?-->", "", "\n".join(t for _n, t in content),
                           flags=re.DOTALL).strip()
        if not substance:
            found.append(readiness.Problem("SDD-008", required[2],
                                           f"section '## {title}' is empty"))
    if doc.phase == "spec":
        questions = by_title.get("open questions")
        if questions is not None:
            for number, line in _content(lines, questions[2], questions[3]):
                if re.match(r"^\s*[-*+]\s+\[ \]", line):
                    found.append(readiness.Problem(
                        "SDD-007", number, "unresolved open question: settle it and check it "
                        "([x]) with the answer"))
    suppressed = scan("", text).lines
    return [p for p in found if p.rule not in suppressed.get(p.line, set())]


def _slow_references(text: str) -> list[tuple[int, str]]:
    """``testrefs.references`` as it was: each section's code lines read from its lines."""
    lines = split_lines(text)
    found = []
    for title, level, line, end in _slow_sections(lines, frontmatter.body_line_offset(text)):
        if level != 2 or title.lower() not in testrefs.SECTIONS:
            continue
        comment = False
        content = _content(lines, line, end)
        in_code = code_lines([t for _n, t in content])
        for (number, text_line), code in zip(content, in_code, strict=True):
            if code:
                continue
            visible, comment = testrefs._without_comments(text_line, comment)
            found += [(number, token) for token in testrefs._tokens(visible)]
    return found


# --- generated documents ------------------------------------------------------------------

_LINES = [
    "", "text", "## Edge cases", "## Acceptance criteria", "## Open questions", "## Behaviour",
    "### Detail", "# Top", "  ## Indented heading", "## Edge cases ##",
    "- test: tests/test_a.py::test_one", "test: `tests/b.py::T::m`, tests/c.py",
    "    test: tests/indented.py::t", "\ttest: tests/tab.py", "- [ ] an open question",
    "- [x] settled", "```", "~~~", "````", "```py", "  ```", "- ```", "> ```", "1. ```",
    "- item", "  continued", "      deep", "<!--", "-->", "<!-- note -->", "<div>", "</div>",
    "<!-- fill: something -->", "<!-- sddkit:ignore SDD-008 -- on purpose -->",
    "<!-- sddkit:ignore SDD-007 -->", "test: tests/x.py <!-- test: tests/hidden.py -->",
    "<!-- test: tests/open.py", "more --> test: tests/after.py", "x\r", "   ",
    "-     test: tests/marked.py", ">\ttest: tests/quoted.py",
]


def _document(phase: str, status: str, body: list[str], crlf: bool, declared: bool) -> str:
    end = "\r\n" if crlf else "\n"
    head = ["---", "project: demo", f"phase: {phase}", f"status: {status}"]
    if declared:
        head.append("required_sections: [Edge cases, Acceptance criteria, Open questions]")
    return end.join([*head, "---", *body]) + end


#: Runs of lines where reading a section alone and reading the document differ.
_RUNS = [
    ("<!--", "## Edge cases", "    test: tests/in_comment.py"),
    ("<div>", "## Acceptance criteria", "    test: tests/in_html.py", "</div>"),
    ("- item", "  ## Edge cases", "      test: tests/in_item.py"),
    ("```", "## Edge cases", "test: tests/fenced.py", "```"),
    ("## Edge cases", "```", "test: tests/unclosed.py"),
]
_BODIES = st.lists(st.one_of(st.sampled_from(_LINES).map(lambda line: (line,)),
                             st.sampled_from(_RUNS)), max_size=25).map(
    lambda runs: [line for run in runs for line in run])

_DOCS = st.tuples(st.sampled_from(["spec", "plan", "constitution", "tasks"]),
                  st.sampled_from(["review", "approved", "draft"]),
                  _BODIES, st.booleans(), st.booleans())


def _doc(phase: str, status: str, text: str, declared: bool) -> PhaseDoc:
    meta = frontmatter.parse(text)
    assert meta is not None
    return PhaseDoc("demo", phase, f"demo/{phase}.md", text, meta)


@settings(max_examples=600, deadline=None)
@given(_DOCS)
def test_facts_equal_the_slow_path(case: tuple[str, str, list[str], bool, bool]) -> None:
    phase, status, body, crlf, declared = case
    text = _document(phase, status, body, crlf, declared)
    doc = _doc(phase, status, text, declared)
    facts = document_facts._compute(doc)
    problems = _slow_problems(document_facts.unsuppressed(doc)) \
        if status in ("review", "approved") else []
    assert facts.problems == problems
    assert facts.has_ignore == ("sddkit:ignore" in text)
    assert facts.references == (_slow_references(text) if phase == "spec" else [])
    # the library's own slow path (each section alone) gives the same references
    assert [(r.line, r.text) for r in testrefs.references(text)] == _slow_references(text)
    assert readiness.problems(doc) == _slow_problems(doc)


@settings(max_examples=600, deadline=None)
@given(_BODIES, st.booleans(), st.data())
def test_a_sliceable_answer_holds_for_its_parts(body: list[str], crlf: bool,
                                                 data: st.DataObject) -> None:
    end = "\r\n" if crlf else "\n"
    lines = split_lines(end.join(body) + end) if body else []
    code, sliceable = code_lines_sliceable(lines)
    assert code == code_lines(lines)
    if not sliceable:
        return
    starts = [0] + [i + 1 for i, is_code in enumerate(code) if not is_code]
    start = data.draw(st.sampled_from(starts))
    stop = data.draw(st.integers(start, len(lines)))
    part = lines[start:stop]
    assert code_lines(part) == code[start:stop]
    # the same without the line endings (how a section's content is read)
    assert code_lines([line.rstrip("\r\n") for line in part]) == code[start:stop]


def test_a_heading_inside_an_html_comment_reads_its_section_alone() -> None:
    """The case the outline must not read off the document: markdown-it sees the indented
    line as part of the comment, the section alone sees indented code."""
    text = ("---\nproject: demo\nphase: spec\nstatus: review\n---\n<!--\n## Edge cases\n"
            "    test: tests/in_code.py\n-->\n")
    shape = readiness.outline(text)
    assert not shape.sliceable
    assert testrefs.references(text, shape) == testrefs.references(text) == []
    assert _slow_references(text) == []


# --- the approval's front-matter lines, read in one pass ----------------------------------

_FRONT = ["---", "status: approved", "status : approved", "approved_by: Ada", "approved_at: x",
          "approved_by : Grace", "  status: nested", "...", "body", "approved_at: late", ""]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FRONT), max_size=14), st.booleans(), st.booleans())
def test_key_lines_equal_key_line(lines: list[str], crlf: bool, ending: bool) -> None:
    from sddkit.checks.approval_commits import key_lines
    from sddkit.projects.phases import key_line

    end = "\r\n" if crlf else "\n"
    text = end.join(lines) + (end if ending else "")
    keys = ("status", "approved_by", "approved_at")
    assert key_lines(text, keys) == {key: key_line(text, key) for key in keys}


# --- the code lines found by searches equal the line scanner's ----------------------------

_MARKDOWN = ["```", "~~~", "````", "```py", "``` a`b", "```  ", "  ```", "   ~~~", "    ```",
             "- ```", "> ```", "1. ```", "* ~~~", "text", "", "   ", "    code", "\tcode",
             "  \tcode", "<div>", "  <!--", "-->", "- item", "x\r", "```\r", "## H",
             "-     code", ">     code", "1.\t\tcode", "- >     code", "-    text", "*\t x"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_MARKDOWN), max_size=30), st.sampled_from(["\n", "\r\n", ""]),
       st.booleans())
def test_searched_code_lines_equal_the_scanner(body: list[str], end: str, last: bool) -> None:
    from sddkit.io.markdown import markdown_code_lines, scan_code_lines, scanner_is_exact

    lines = [line + end for line in body]  # "" end: a section's content lines
    if lines and not last:
        lines[-1] = lines[-1].rstrip("\r\n")
    scanned = scan_code_lines(lines)
    slow = scanned if scanner_is_exact(lines, scanned) else markdown_code_lines(lines)
    assert code_lines_sliceable(lines)[0] == slow
    if any("```" in line or "~~~" in line for line in lines):
        assert code_lines_sliceable(lines)[1] == scanner_is_exact(lines, scanned)
