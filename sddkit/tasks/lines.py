"""The line grammar of a task: checkbox, id, markers, child directives, dependencies.

Pure text functions, shared by the parser (:mod:`.parse`), the done edit (:mod:`.edit`)
and the tasks gate hash (:func:`gate_view`), so that the three agree on every line shape.

Sources of the shapes: GitHub-flavoured task list items (``- [ ]``/``- [x]``); spec-kit
(``- [ ] T001 [P] [US1] ...``); Kiro/cc-sdd (``- [ ] 1.2 ...``, ``[-]`` in progress,
``[ ]*`` optional, ``_Depends: 1.1_``); agent-os and OpenSpec (``- [ ] 1.1 ...``); BMAD
stories (``- [ ] Task 1: ... (AC: #1)``, ``- [ ] Subtask 1.1: ...``); plans that write
the number before the box (``- 1.1 [ ] ...``) and markers such as ``[~]``, ``[/]``,
``[>]``, ``[!]`` seen in hand-kept lists. docs/tasks.md lists each with what sddkit does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A checkbox marker sddkit knows, and the state it means.
KNOWN_MARKERS = {" ": "todo", "x": "done", "X": "done", "-": "in-progress", "~": "in-progress",
                 "/": "in-progress"}
# a marker: a space, x/X, or one character that is neither a letter, a digit, a space nor "]"
_MARK = r"[ xX]|[^\]\w\s]"
# an id written before the box ("- 1.1 [ ] Sub", "- T001 [ ] Do")
_ID_BEFORE = r"(?:[Tt]\d+[a-z]?|\d+(?:\.\d+)*\.?):?"
# list markers (any number: "- 1. [ ]"), then an optional id before the box
_PREFIX = rf"[ \t]*(?:(?:[-+*]|\d{{1,9}}[.)])[ \t]+)*(?:{_ID_BEFORE}[ \t]+)?"
#: On a source line: the list markers, an optional id, then the box (group 1: the marker).
SOURCE_BOX = re.compile(rf"{_PREFIX}\[({_MARK})?\]")
_SOURCE_LINE = re.compile(rf"({_PREFIX})\[(?:{_MARK})?\]")
# on a list item's inline content: an optional id, the box, "*" for optional (cc-sdd)
CHECKBOX = re.compile(rf"(?:(?P<before>{_ID_BEFORE})[ \t]+)?\[(?P<mark>{_MARK})?\](?P<star>\*?)"
                      r"[ \t]+(?=\S)")
# the id at the start of the task text: "T002", "t002:", "**T002**:", "1.", "1.2", "T005a",
# "Task 1:", "Subtask 1.1:", "2 -"; a bare number only with a word, a ".", ":" or ")" after it
_ID = re.compile(
    r"(?:(?P<word>(?:sub)?task|step)[ \t]+)?(?:\*\*|__|`)?"
    r"(?P<id>[T]\d+(?:\.\d+)*[a-z]?|\d+(?:\.\d+)*[a-z]?)(?P<end>[.:)])?(?:\*\*|__|`)?"
    r"(?P<sep>:|[ \t]+[-\u2013\u2014](?=[ \t]))?(?:\*\*|__)?(?=\s|$)",
    re.IGNORECASE,
)
_LEAD_MARKER = re.compile(r"\s*(\[P\]|\(P\)|\[US\d+\])")
_TRAIL_MARKER = re.compile(r"\s*(\[P\]|\(P\)|\[US\d+\])\s*$")
DONE_MARK = re.compile(r"[ \t]*<!--\s*done\b\s*(.*?)\s*-->")
_INLINE_DEPENDS = re.compile(r"\s*\(\s*depends(?:\s+on)?\s*:?\s*([^)]*)\)", re.IGNORECASE)
_DIRECTIVE = re.compile(
    r"(?:\*\*|__)?(verify|blocked|claimed|notes?|depends(?:\s+on)?)(?:\*\*|__)?"
    r"(?:\s*:(?:\*\*|__)?|(?<=on)(?=\s))\s*(.*)",
    re.IGNORECASE,
)
#: Child lines that track work rather than define it: the gate hash leaves them out.
_TRACKING_LINE = re.compile(
    r"(?:\n|^)[ \t]*(?:[-+*][ \t]+)?(?:_|\*\*|__)?(?:claimed|blocked|notes?)(?:\*\*|__)?[ \t]*:"
    r"[^\n]*",
    re.IGNORECASE,
)
_CANCEL_WORDS = r"cancell?ed|removed|dropped|skipped|obsolete|superseded|won'?t do|wontfix"
_CANCELLED = re.compile(
    rf"^~~|[(\[](?:{_CANCEL_WORDS})[)\]]|^(?:{_CANCEL_WORDS})\s*[:\u2013\u2014-]", re.IGNORECASE
)
_STRUCK = re.compile(r"~~(.+)~~")
_CANCEL_PREFIX = re.compile(rf"(?:{_CANCEL_WORDS})\s*[:\u2013\u2014-]\s*", re.IGNORECASE)
_OPTIONAL = re.compile(r"[(\[]optional[)\]]|^optional\s*:", re.IGNORECASE)
_NO_DEPENDENCY = {"none", "-", "n/a", "nothing", "\u2014", "\u2013"}
_FILLER = {"and", "&", "task", "tasks", "subtask", "subtasks", "step", "steps", "on", "#"}
_REF = re.compile(r"#?([Tt]\d+(?:\.\d+)*[a-z]?|\d+(?:\.\d+)*[a-z]?)\.?", re.IGNORECASE)
_RANGE = re.compile(r"([Tt]?)(\d+)\s*[-\u2013]\s*(\1)(\d+)", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+Z?)?$")
_T_ID = re.compile(r"[tT]\d+(?:\.\d+)*[a-zA-Z]?")
_WORDS = re.compile(r"[,;\s]+")
_POSITION_KEY = re.compile(r"task-\d+", re.IGNORECASE)


def normalise(ref: str) -> str:
    """An id as a task or a ``depends:`` line writes it, in the form of a key: ``t2`` and
    ``**T2**:`` give ``T2``; ``1.`` gives ``1``; other text is only trimmed."""
    ref = ref.strip().strip("`*_").rstrip(".:)")
    return ref.upper() if _T_ID.fullmatch(ref) else ref


@dataclass
class Head:
    """What the first line of a task item says, before its child lines are read."""

    marker: str  # the character between the brackets ("" for "[]")
    optional: bool
    id: str | None
    text: str
    done_mark: str | None
    parallel: bool
    story: str | None
    depends: list[str]
    unread_depends: list[str]  # dependency text that names no task id
    cancelled: bool = False


def read_head(content: str) -> Head | None:
    """The checkbox, id, markers and inline dependencies of a list item's first paragraph
    (``content`` is its inline text); None when the item is not a task."""
    box = CHECKBOX.match(content)
    if box is None:
        return None
    first = content[box.end() :].split("\n", 1)[0]
    done_mark = None
    if "<!--" in first and (mark := DONE_MARK.search(first)):
        done_mark, first = mark.group(1), first[: mark.start()] + first[mark.end() :]
    first = first.rstrip().removesuffix("\\")  # a backslash hard break is not text
    cancelled = bool(_CANCELLED.search(first))
    if "~~" in first and (struck := _STRUCK.fullmatch(first.strip())):
        first = struck.group(1)
    elif tag := _CANCEL_PREFIX.match(first):
        first = first[tag.end() :]
    task_id = normalise(box.group("before")) if box.group("before") else None
    if task_id is None and (found := _ID.match(first)):
        ident = found.group("id")
        bare = ident.isdigit() and not (found.group("word") or found.group("end")
                                         or found.group("sep"))
        if not bare:
            task_id, first = normalise(ident), first[found.end() :]
    markers: list[str] = []
    while found := _LEAD_MARKER.match(first):
        markers.append(found.group(1))
        first = first[found.end() :]
    depends: list[str] = []
    unread: list[str] = []
    if "(" in first:
        for found in _INLINE_DEPENDS.finditer(first):
            ids = dependency_ids(found.group(1))
            depends.extend(d for d in ids if d not in depends)
            if not ids and not explicit_none(found.group(1)):
                unread.append(found.group(1).strip())
        first = _INLINE_DEPENDS.sub("", first)
    while first.rstrip()[-1:] in ("]", ")") and (found := _TRAIL_MARKER.search(first)):
        markers.append(found.group(1))
        first = first[: found.start()]
    text = first.strip()
    return Head(
        marker=box.group("mark") or "",
        optional=bool(box.group("star")) or bool(_OPTIONAL.search(text)),
        id=task_id,
        text=text,
        done_mark=done_mark,
        parallel=any(m in ("[P]", "(P)") for m in markers),
        story=next((m[1:-1] for m in markers if m.startswith("[US")), None),
        depends=depends,
        unread_depends=unread,
        cancelled=cancelled,
    )


# a task's first line that read_plain_head reads in one match: a box of " ", "x" or "X"
# (no "*"), an optional "T<digits>" id (not followed by a " - " separator) with the
# spec-kit markers after it, text without ( ) [ ] ~ < \\ (so no other marker, inline
# dependency, strike-through, comment or hard break), and an optional done mark ending it
_PLAIN_HEAD = re.compile(
    r"\[([ xX])\][ \t]+(?:(T[0-9]+)(?![ \t]+[-\u2013\u2014][ \t])[ \t]+"
    r"((?:(?:\[P\]|\(P\)|\[US[0-9]+\])[ \t]+)*))?"
    r"([^()\[\]~<\\\n]*)(?:<!--\s*done\b\s*(.*?)\s*-->)?"
)
_PLAIN_MARKER = re.compile(r"\[P\]|\(P\)|\[US[0-9]+\]")


#: What :func:`plain_head` reads: (marker, id, text, done mark, parallel, story, optional).
PlainHead = tuple[str, "str | None", str, "str | None", bool, "str | None", bool]


def plain_head(content: str) -> PlainHead | None:
    """The fields :func:`read_plain_head` reads, as a tuple (no :class:`Head` is built: the
    line scanner makes a task of them directly); None where it gives None."""
    found = _PLAIN_HEAD.fullmatch(content)
    if found is None or "\n" in content:
        return None
    marker, task_id, lead, first, done_mark = found.groups()
    if done_mark is not None and "-->" in done_mark:
        return None  # DONE_MARK ends the mark at the first "-->"
    if task_id is None:
        # an id _ID would read (a digit, "t", "task", "step", "**"...) or a cancel word
        # ("\u017f", the long s, matches "s" in an IGNORECASE pattern)
        start = first[:1]
        if not start.isalpha() or start in "tTsS\u017f" or (start in "cCrRdDoOwW"
                                                          and _CANCEL_PREFIX.match(first)):
            return None
    text = first.strip()
    optional = text[:1] in "oO" and bool(_OPTIONAL.search(text))
    if not lead:
        return marker, task_id, text, done_mark, False, None, optional
    markers = _PLAIN_MARKER.findall(lead)
    return (marker, task_id, text, done_mark, "[P]" in markers or "(P)" in markers,
            next((m[1:-1] for m in markers if m.startswith("[US")), None), optional)


def read_plain_head(content: str) -> Head | None:
    """:func:`read_head` of ``content`` for the common task line (``[ ] T001 Do it``,
    ``[x] T002 [P] [US1] Do it <!-- done DATE -->``, ``[ ] Do it``: see ``_PLAIN_HEAD``) in
    one match; None when ``content`` is not that shape (then :func:`read_head` reads it:
    None is no answer about whether it is a task). ``tests/test_tasks_scan.py`` holds the
    two to the same answer."""
    fields = plain_head(content)
    if fields is None:
        return None
    marker, task_id, text, done_mark, parallel, story, optional = fields
    return Head(marker=marker, optional=optional, id=task_id, text=text, done_mark=done_mark,
                parallel=parallel, story=story, depends=[], unread_depends=[])


def explicit_none(value: str) -> bool:
    """``none``, ``-``, ``n/a``: a dependency line that says there is none."""
    return value.strip().strip("`*_.").lower() in _NO_DEPENDENCY


def dependency_ids(value: str) -> list[str]:
    """The task ids a dependency names, prose ignored: ``Task 1 - the tool first`` gives
    ``["1"]``, ``T001, T002`` both, ``T001-T003`` the range, ``the migration`` none.

    Reading stops at the first word that is neither an id nor a filler word ("task",
    "and", "on"...): what follows is a reason, not a reference.
    """
    out: list[str] = []
    for word in _WORDS.split(value.strip()):
        word = word.strip("`*_()[]")
        if not word or word.lower() in _FILLER:
            continue
        if ranged := _RANGE.fullmatch(word):
            prefix, low, high = ranged.group(1), int(ranged.group(2)), int(ranged.group(4))
            if 0 <= high - low <= 100:
                width = len(ranged.group(2))
                out += [normalise(f"{prefix}{n:0{width}d}") for n in range(low, high + 1)]
                continue
            break
        if _POSITION_KEY.fullmatch(word):
            out.append(word.lower())  # a positional key, as sddkit prints it
            continue
        if (ref := _REF.fullmatch(word.rstrip(":,"))) is None:
            break
        out.append(normalise(ref.group(1)))
    return list(dict.fromkeys(out))


@dataclass
class Directive:
    """A task's child line read: its name and the text after the colon."""

    name: str  # "verify" | "blocked" | "claimed" | "note" | "depends"
    value: str


def read_directive(raw: str) -> Directive | None:
    """A child line ``verify: ...``, ``depends: T001``, ``Depends on 2``, ``blocked: why``,
    ``claimed: NAME DATE`` or ``note: ...`` (``_X: ..._`` and ``**X**:`` accepted)."""
    line = raw.strip()
    if len(line) > 2 and line.startswith("_") and line.endswith("_"):
        line = line[1:-1].strip()
    match = _DIRECTIVE.fullmatch(line)
    if match is None:
        return None
    name = match.group(1).lower()
    name = "depends" if name.startswith("depends") else "note" if name == "notes" else name
    return Directive(name, match.group(2).strip())


def read_claim(value: str) -> tuple[str, str | None]:
    """``claimed: NAME DATE`` -> (NAME, DATE); the date is optional."""
    parts = value.rsplit(None, 1)
    if len(parts) == 2 and _DATE.match(parts[1]):
        return parts[0].strip(), parts[1]
    return value.strip(), None


_TRACKING_WORDS = ("claimed", "blocked", "note")
# DONE_MARK from its "<!--" on, and its opening alone
_DONE_MARK_AT = re.compile(r"<!--\s*done\b\s*(.*?)\s*-->")
_DONE_OPEN = re.compile(r"<!--\s*done\b")


def without_done_marks(line: str) -> str:
    r"""``DONE_MARK.sub("", line)``, found from each ``<!--`` (``str.find``) rather than
    tried at every position of the line (its leading ``[ \t]*`` matches anywhere), and
    ended at the first ``-->`` after ``done`` (where the lazy ``\s*(.*?)\s*-->`` ends
    when no line break comes first): the tasks gate strips the mark of every done task.
    ``tests/test_tasks_scan.py`` holds the two to the same answer."""
    parts: list[str] = []
    kept = 0  # where the text not yet copied starts (the end of the last mark)
    at = line.find("<!--")
    while at >= 0:
        opening = _DONE_OPEN.match(line, at)
        close = -1 if opening is None else line.find("-->", opening.end())
        if close < 0:
            at = line.find("<!--", at + 1)
            continue
        end = close + 3
        if "\n" in line[opening.end() : close]:  # type: ignore[union-attr]
            mark = _DONE_MARK_AT.match(line, at)  # ("." stops at a line break, "\s" not)
            if mark is None:
                at = line.find("<!--", at + 1)
                continue
            end = mark.end()
        start = at
        while start > kept and line[start - 1] in " \t":
            start -= 1
        parts.append(line[kept:start])
        kept = end
        at = line.find("<!--", kept)
    if not parts:
        return line
    parts.append(line[kept:])
    return "".join(parts)


def gate_view(body: str) -> str:
    """``body`` as the tasks gate hashes it: every checkbox read as ``[ ]``, done marks and
    the whitespace after the task text removed, and the tracking lines (``claimed:``,
    ``blocked:``, ``note:``) dropped, so that doing, claiming, blocking and annotating tasks
    never reopens the gate. Any other edit does. (``tests/test_tasks_scan.py`` holds it to
    the reading approvals made before pinned: the tracking pattern runs only where one of
    its words occurs, and a line without "[" holds no box.)"""
    lowered = body.lower()
    # (the dotted and dotless capital/small i match "i" in an IGNORECASE pattern and
    # lower() keeps neither as "i"; the Kelvin sign lowers to "k", the long s is optional)
    if (any(word in lowered for word in _TRACKING_WORDS)
            or "\u0130" in body or "\u0131" in body):
        body = _TRACKING_LINE.sub("", body)
    out = body.split("\n")
    source_box = _SOURCE_LINE.match
    for number, line in enumerate(out):
        if "[" in line and (box := source_box(line)):
            line = box.group(1) + "[ ]" + line[box.end() :]
            if "<!--" in line:
                line = without_done_marks(line)
            out[number] = line.rstrip(" \t")
    return "\n".join(out)


def mark_column(line: str) -> tuple[int, str] | None:
    """Where the done mark goes on a task line: before the trailing whitespace (a Markdown
    hard break of two spaces or a backslash stays a hard break); and the text after it."""
    match = re.search(r"[ \t]*\\?[ \t]*$", line)
    assert match is not None
    return match.start(), line[match.start() :]
