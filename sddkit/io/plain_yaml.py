"""A reader for the plain YAML that sddkit writes as front matter, without PyYAML.

A cold listing (a fresh clone) reads the front matter of every phase document, and
PyYAML takes about 0.25 ms for each of them. What sddkit writes is a small subset: one
``key: value`` per line at column 0, a value being a plain scalar, a quoted string
without escapes, or a one-line flow mapping or list of such scalars (``based_on: {}``,
``required_sections: [Foundations, Amendments]``). :func:`mapping` reads exactly that
subset and answers ``None`` ("ask PyYAML") for anything else or anything in doubt, so
that its answer, when it gives one, is the one PyYAML's loader
(:func:`sddkit.io.frontmatter.load_yaml`: safe, dates as text, duplicate keys refused)
returns. Errors are always PyYAML's: text it would refuse is never answered here.

The resolution rules follow YAML 1.1's type repository as PyYAML applies them
(https://yaml.org/type/: bool ``yes/no/on/off/true/false`` in three spellings, null
``~/null/Null/NULL`` and the empty value, int with ``0b``/``0x``/leading-``0`` octal/
``_``/sexagesimal forms, float with a ``.``). A plain value is taken here only when it
cannot be any of those but a string, a decimal int, a bool or a null; the rest falls back.
``tests/test_plain_yaml.py`` holds the reader to PyYAML's answer (hypothesis, generated
inside and just outside the subset).
"""

from __future__ import annotations

import re
from typing import Any

#: A key sddkit writes (PyYAML's simple keys are limited to 1,024 characters: stay far below).
_KEY = r"[A-Za-z_][A-Za-z0-9_-]{0,99}"
#: ``key:`` then, optionally, spaces and a value ending in a non-space; trailing spaces.
_ENTRY = re.compile(rf"({_KEY}):(?: +([^ ].*?))? *")
#: :data:`_ENTRY` with the two value shapes most front-matter lines hold read in the same match
#: (group 2: a plain ASCII scalar starting with a letter, which is a string unless it is a
#: bool or null word; group 3: a hex digest starting with a digit, which is a string unless
#: ``0b`` starts it); group 4: any other value, read by :func:`_value`.
_LINE = re.compile(
    rf"({_KEY}):(?: +(?:([A-Za-z][A-Za-z0-9_ .,/@+()'\"-]*?)|([0-9][0-9a-f]*[a-f][0-9a-f]*)"
    r"|([^ ].*?)))? *"
)
#: A plain scalar of block context: a word character first; no ``:`` or ``#`` (mapping and
#: comment indicators), no brackets, no tab.
_PLAIN = re.compile(r"\w[\w .,/@+()'\"-]*")
#: A plain scalar of flow context: no ``,`` and no quotes either.
_FLOW_PLAIN = re.compile(r"\w(?:[\w ./@+()-]*[\w./@+()-])?")
_DOUBLE = re.compile(r'"([^"\\]*)"')
_SINGLE = re.compile(r"'([^']*)'")
_FLOW_PAIR = re.compile(rf"({_KEY}): +(.+)")
#: :data:`_FLOW_PAIR` with a hex digest value (as ``based_on`` holds) read in the same match:
#: group 2 (a string unless ``0b`` starts it), else group 3 for :func:`_flow_item`.
_FLOW_PAIR_FAST = re.compile(rf"({_KEY}): +(?:([0-9][0-9a-f]*[a-f][0-9a-f]*)|(.+))")
#: YAML 1.1 ints PyYAML reads as plain decimal (anything else int-like falls back).
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,17}")
_DIGITS = re.compile(r"[0-9_]+")
_PREFIXED = re.compile(r"0b[01_]*|0x[0-9a-fA-F_]*")

_BOOLS = {
    spelling: value
    for word, value in (("yes", True), ("no", False), ("true", True), ("false", False),
                        ("on", True), ("off", False))
    for spelling in (word, word.capitalize(), word.upper())
}
_NULLS = frozenset(("null", "Null", "NULL"))  # "~" is no plain scalar of the subset
_CLOSER = {"[": "]", "{": "}"}

#: Returned by the value readers for "not in the subset".
_OUT = object()

#: Lines read before, with their key and value (a scalar: nothing a caller could change):
#: three lines in four of a repository's front matters repeat one read before
#: (``status: approved``, a project's name in its four documents, a shared commit).
_read_lines: dict[str, tuple[str, Any]] = {}
_READ_LINES_KEPT = 16384  # (about 3 MB)


def _plain(text: str) -> Any:
    """The value of a plain scalar already matched as one, or ``_OUT``."""
    if not text.isprintable():
        return _OUT
    first = text[0]
    if "0" <= first <= "9":
        if _DECIMAL.fullmatch(text):
            return int(text)
        # an int has only digits and "_" (or ":"), or is 0b + binary digits, or 0x + hex
        # digits (a hash such as "0ba2..." is none of them); a float needs "."
        if "." in text or _DIGITS.fullmatch(text) or _PREFIXED.fullmatch(text):
            return _OUT
        return text
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _NULLS:
        return None
    return text


def _quoted(text: str) -> Any:
    """A one-line quoted string without escapes, or ``_OUT``."""
    found = (_DOUBLE if text[0] == '"' else _SINGLE).fullmatch(text)
    if found is None or not found.group(1).isprintable():
        return _OUT
    return found.group(1)


def _flow_item(text: str) -> Any:
    item = text.strip(" ")
    if not item:
        return _OUT
    if item[0] == '"':
        value = _quoted(item)
        return _OUT if isinstance(value, str) and "," in value else value
    if _FLOW_PLAIN.fullmatch(item) is None:
        return _OUT
    return _plain(item)


def _flow(text: str, fast: bool = True) -> Any:
    """A one-line flow mapping of plain keys, or a flow list, one level deep; or ``_OUT``.
    ``fast``: digests read in the pair's match (the same answer: see :func:`mapping`)."""
    inner = text[1:-1]
    if any(c in inner for c in "{}[]"):
        return _OUT
    if not inner.strip(" "):
        return {} if text[0] == "{" else []
    parts = inner.split(",")
    if text[0] == "[":
        items = [_flow_item(part) for part in parts]
        return _OUT if any(item is _OUT for item in items) else items
    out: dict[str, Any] = {}
    for part in parts:
        pair = (_FLOW_PAIR_FAST if fast else _FLOW_PAIR).fullmatch(part.strip(" "))
        if pair is None:
            return _OUT
        key = pair.group(1)
        if key in out or key in _BOOLS or key in _NULLS:
            return _OUT
        if fast:
            digest = pair.group(2)
            if digest is not None and not digest.startswith("0b"):
                out[key] = digest
                continue
            value = _flow_item(digest if digest is not None else pair.group(3))
        else:
            value = _flow_item(pair.group(2))
        if value is _OUT:
            return _OUT
        out[key] = value
    return out


def _value(text: str | None, fast: bool = True) -> Any:
    if text is None:
        return None
    first, last = text[0], text[-1]
    if first in "\"'":
        return _quoted(text)
    if (first, last) in (("{", "}"), ("[", "]")):
        return _flow(text, fast)
    if _PLAIN.fullmatch(text) is None:
        return _OUT
    return _plain(text)


def mapping(text: str, *, fast: bool = True) -> dict[str, Any] | None:
    """What PyYAML's front-matter loader returns for ``text``, or ``None`` to ask PyYAML.

    ``text`` is the YAML between the ``---`` lines (``\\n`` or ``\\r\\n`` endings). A flow
    collection may continue on indented lines (``sdd new``'s ``required_sections``). The
    answer is a new dict of str keys in the order written; ``None`` means the text is
    outside the subset (or empty, or refused by PyYAML: a duplicate key), never an error.

    ``fast`` (the default) reads the two commonest value shapes, a plain word and a hex
    digest, in the line's own match (:data:`_LINE`, :data:`_FLOW_PAIR_FAST`): a cold
    listing reads 33,500 front matters), and a line read before as a scalar entry from
    what it read then (:data:`_read_lines`). ``fast=False`` reads every line through
    :func:`_value`; ``tests/test_plain_yaml.py`` holds the two to the same answer.
    """
    out: dict[str, Any] = {}
    lines = text.split("\n")
    count = len(lines)
    index = 0
    while index < count:
        line = lines[index]
        index += 1
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        if line[0] == "#":
            if not line.isprintable():
                return None
            continue
        if fast:
            known = _read_lines.get(line)
            if known is not None:
                if known[0] in out:
                    return None  # a duplicate key: PyYAML's error
                out[known[0]] = known[1]
                continue
            entry = _LINE.fullmatch(line)
            if entry is None:
                return None
            key, word, digest, raw = entry.groups()
        else:
            entry = _ENTRY.fullmatch(line)
            if entry is None:
                return None
            (key, raw), word, digest = entry.groups(), None, None
        if key in out or key in _BOOLS or key in _NULLS:
            return None
        if word is not None:  # (printable ASCII: what _value checks is known)
            out[key] = _BOOLS[word] if word in _BOOLS else None if word in _NULLS else word
            _remember(line, key, out[key])
            continue
        if digest is not None and not digest.startswith("0b"):
            out[key] = digest  # (no "." and a letter: no int or float of YAML 1.1)
            _remember(line, key, digest)
            continue
        if digest is not None:
            raw = digest
        if raw is not None and raw[0] in "[{" and raw[-1] != _CLOSER[raw[0]]:
            pieces = [raw]
            while not pieces[-1].endswith(_CLOSER[raw[0]]):
                if index == count:
                    return None
                more = lines[index]
                index += 1
                if more.endswith("\r"):
                    more = more[:-1]
                piece = more.strip(" ")
                if not piece or more[0] != " ":
                    return None
                pieces.append(piece)
            raw = " ".join(pieces)
        value = _value(raw, fast)
        if value is _OUT:
            return None
        out[key] = value
        if fast and (value is None or type(value) in (str, int, bool)) and raw == entry.group(4):
            _remember(line, key, value)  # (a scalar written on this line alone)
    return out or None


def _remember(line: str, key: str, value: Any) -> None:
    """``line`` reads as ``key: value`` wherever it stands (outside a flow collection that
    continues over lines, which is never remembered)."""
    if len(_read_lines) >= _READ_LINES_KEPT:
        _read_lines.clear()
    _read_lines[line] = (key, value)
