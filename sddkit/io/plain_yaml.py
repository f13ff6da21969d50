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
#: A plain scalar of block context: a word character first; no ``:`` or ``#`` (mapping and
#: comment indicators), no brackets, no tab.
_PLAIN = re.compile(r"\w[\w .,/@+()'\"-]*")
#: A plain scalar of flow context: no ``,`` and no quotes either.
_FLOW_PLAIN = re.compile(r"\w(?:[\w ./@+()-]*[\w./@+()-])?")
_DOUBLE = re.compile(r'"([^"\\]*)"')
_SINGLE = re.compile(r"'([^']*)'")
_FLOW_PAIR = re.compile(rf"({_KEY}): +(.+)")
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


def _flow(text: str) -> Any:
    """A one-line flow mapping of plain keys, or a flow list, one level deep; or ``_OUT``."""
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
        pair = _FLOW_PAIR.fullmatch(part.strip(" "))
        if pair is None:
            return _OUT
        key = pair.group(1)
        if key in out or key in _BOOLS or key in _NULLS:
            return _OUT
        value = _flow_item(pair.group(2))
        if value is _OUT:
            return _OUT
        out[key] = value
    return out


def _value(text: str | None) -> Any:
    if text is None:
        return None
    first, last = text[0], text[-1]
    if first in "\"'":
        return _quoted(text)
    if (first, last) in (("{", "}"), ("[", "]")):
        return _flow(text)
    if _PLAIN.fullmatch(text) is None:
        return _OUT
    return _plain(text)


def mapping(text: str) -> dict[str, Any] | None:
    """What PyYAML's front-matter loader returns for ``text``, or ``None`` to ask PyYAML.

    ``text`` is the YAML between the ``---`` lines (``\\n`` or ``\\r\\n`` endings). A flow
    collection may continue on indented lines (``sdd new``'s ``required_sections``). The
    answer is a new dict of str keys in the order written; ``None`` means the text is
    outside the subset (or empty, or refused by PyYAML: a duplicate key), never an error.
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
        entry = _ENTRY.fullmatch(line)
        if entry is None:
            return None
        key, raw = entry.group(1), entry.group(2)
        if key in out or key in _BOOLS or key in _NULLS:
            return None
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
        value = _value(raw)
        if value is _OUT:
            return None
        out[key] = value
    return out or None
