"""The gate history's patch reader finds exactly the lines a line-by-line reading finds.

``approvals/gate_history._section`` reads a whole file's zero-context patch with one
regular expression (a first commit adds every line of every document, so a loop over
lines was most of a cold ``sdd check``'s history). The line-by-line reading it replaced
is kept here as the reference; generated patches (headers, gate keys and look-alikes,
forced done marks, ``+++``/``---`` content lines, CR endings) must give the same answer.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sddkit.approvals import gate_history

REFERENCE_GATE_LINE = re.compile(gate_history.GATE_REGEX)


def reference_section(section: str, strip: int) -> tuple[str | None, tuple[str, ...],
                                                          tuple[str, ...]]:
    path: str | None = None
    added: list[str] = []
    removed: list[str] = []
    for line in section.split("\n"):
        if line.startswith("+++ "):
            name = line[4:]
            path = name[2 + strip :] if name.startswith("b/") else None
        elif line.startswith(("--- ", "@@", "diff --git ")):
            continue
        elif line[:1] in "+-" and REFERENCE_GATE_LINE.search(line[1:]):
            (added if line[0] == "+" else removed).append(line[1:])
    return path, tuple(added), tuple(removed)


CONTENT = st.sampled_from([
    "status: draft", "status: approved", "approved_by: Ada", "approved_at: \"2026\"",
    "approval_forced: yes", "reopened_reason: x", "reopened_at: y", "blocked: null",
    "blocked:", "status_x: y", " status: x", "Status: x", "statusx: y", "approved: y",
    "- [x] T001 Step <!-- done 2026-01-01 forced: why -->", "- [x] T1 <!--done forced -->",
    "<!-- done x > forced", "text <!--   done a forced", "<!-- done\tforced", "++ b/x",
    "-- a/x", "+ b", "", "plain text", "@@ -1 +1 @@", "diff --git a/x b/x", "++ b/<!-- done forced",
])
PREFIX = st.sampled_from(["+", "-", " ", "", "+++ ", "--- ", "+++ b/", "@@", "diff --git "])
END = st.sampled_from(["", "", "\r", " ", " \r"])
LINE = st.builds(lambda p, c, e: p + c + e, PREFIX, CONTENT, END)


@settings(max_examples=2000, deadline=None)
@given(st.lists(LINE, max_size=12), st.integers(0, 3), st.booleans())
def test_the_patch_reader_matches_the_line_by_line_reading(lines: list[str], strip: int,
                                                            newline_at_end: bool) -> None:
    section = "\n".join(lines) + ("\n" if newline_at_end else "")
    assert gate_history._section(section, strip) == reference_section(section, strip)


def test_a_first_commit_s_patch() -> None:
    section = ("a/x/spec.md b/x/spec.md\nnew file mode 100644\n--- /dev/null\n"
               "+++ b/AGENTS.ctx/sdd/assets/x/spec.md\n@@ -0,0 +1,5 @@\n+---\n+status: approved\n"
               "+approved_by: Ada\n+---\n+- [x] T1 Step <!-- done 2026-01-01 forced: late -->\n")
    strip = len("AGENTS.ctx/sdd/assets") + 1
    assert gate_history._section(section, strip) == reference_section(section, strip) == (
        "x/spec.md", ("status: approved", "approved_by: Ada",
                      "- [x] T1 Step <!-- done 2026-01-01 forced: late -->"), ())
