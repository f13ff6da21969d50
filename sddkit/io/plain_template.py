"""The shipped scaffolds rendered without jinja2, where that gives jinja2's text exactly.

``sdd new`` and ``sdd approve`` render one shipped template each; importing jinja2 costs
several times what the rest of the write does (issue 15). Most shipped templates use only
the constructs below, which this module renders as :func:`sddkit.io.rendering.environment`
does (``StrictUndefined``, ``keep_trailing_newline=True``, no autoescape, the default
delimiters and whitespace rules of the Jinja template designer documentation):

- text, copied as it is;
- ``{{ name }}``: ``str`` of the value; ``{{ name | FILTER }}`` for the filters given;
- ``{% if name %}`` ... ``{% endif %}`` (nested too): the body when the value is truthy;
- ``{%-`` at the start of a block tag: the whitespace just before the tag is dropped
  (Python's ``str.rstrip``, as Jinja's lexer does).

:func:`render` returns None for anything else (another statement, ``else``, a test, a
comment, ``-%}`` or ``{{-``, a carriage return, a name the values lack, a literal Jinja
reads as a constant), and the caller renders with jinja2. ``tests/test_plain_template.py``
compares the two on generated templates and on every shipped one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_OPENERS = ("{{", "{%", "{#")
_EXPRESSION = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*([A-Za-z_][A-Za-z0-9_]*)\s*)?")
_IF = re.compile(r"\s*if\s+([A-Za-z_][A-Za-z0-9_]*)\s*")
_ENDIF = re.compile(r"\s*endif\s*")
#: Names Jinja reads as constants or operators, never as variables.
_RESERVED = frozenset({"true", "false", "none", "True", "False", "None", "and", "or", "not",
                       "in", "is", "if", "else", "endif", "for", "loop", "self", "super",
                       "caller", "varargs", "kwargs"})


def render(source: str, values: Mapping[str, Any],
           filters: Mapping[str, Callable[[Any], Any]]) -> str | None:
    """``source`` rendered with ``values`` (see the module docstring), or None where only
    jinja2 can say what it renders."""
    if "\r" in source:
        return None  # Jinja normalises newlines in templates; not modelled
    out: list[str] = []
    active = [True]  # one entry per open ``if``: whether its body is rendered
    position = 0
    while True:
        # the earliest opener, as Jinja's lexer takes it
        found = [at for at in (source.find(o, position) for o in _OPENERS) if at >= 0]
        if not found:
            break
        start = min(found)
        kind = source[start:start + 2]
        close = source.find("}}" if kind == "{{" else "%}", start + 2)
        if kind == "{#" or close < 0:
            return None  # a comment, or a tag never closed: jinja2's to render or refuse
        text, inner = source[position:start], source[start + 2:close]
        position = close + 2
        if kind == "{{":
            shown = _expression(inner, values, filters, all(active))
            if shown is None:
                return None  # checked in a branch not rendered too: jinja2 parses it all
            if all(active):
                out += (text, shown)
            continue
        if inner.startswith("-"):
            inner, text = inner[1:], text.rstrip()
        if inner.endswith(("-", "+")) or inner.startswith("+"):
            return None  # ``-%}`` strips what follows, ``+`` overrides a setting: not modelled
        if all(active):
            out.append(text)
        if_name = _IF.fullmatch(inner)
        if if_name is not None:
            name = if_name.group(1)
            if name in _RESERVED or name not in values:
                return None
            active.append(bool(values[name]))
        elif _ENDIF.fullmatch(inner) and len(active) > 1:
            active.pop()
        else:
            return None
    if len(active) > 1:
        return None  # an unclosed block: jinja2's error to word
    out.append(source[position:])
    return "".join(out)


def _expression(inner: str, values: Mapping[str, Any],
                filters: Mapping[str, Callable[[Any], Any]], evaluate: bool) -> str | None:
    """``{{ inner }}`` as text ("" when not ``evaluate``d), or None when not modelled or
    when its filter fails (jinja2 then raises its own error)."""
    found = _EXPRESSION.fullmatch(inner)
    if found is None or inner.startswith(("-", "+")) or inner.endswith(("-", "+")):
        return None
    name, filter_name = found.group(1), found.group(2)
    if name in _RESERVED or name not in values or (
            filter_name is not None and filter_name not in filters):
        return None
    if not evaluate:
        return ""
    value = values[name]
    if filter_name is not None:
        try:
            value = filters[filter_name](value)
        except Exception:
            return None
    return str(value)
