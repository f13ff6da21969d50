"""Shipped scaffolds rendered without jinja2 give jinja2's text exactly, or nothing (issue 15).

Differential: generated templates (text, names, the ``yaml`` filter, ``if`` blocks with and
without ``{%-``, and constructs just outside the subset) and every shipped template are
rendered by :mod:`sddkit.io.plain_template` and by the one jinja2 environment
(:func:`sddkit.io.rendering.environment`); wherever the plain renderer answers, jinja2 must
give the same text, and wherever jinja2 fails, the plain renderer must not answer.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sddkit.io import plain_template
from sddkit.io.frontmatter import render_value
from sddkit.io.rendering import environment, render, shipped_dir

FILTERS = {"yaml": render_value}


def by_jinja(source: str, values: dict[str, Any]) -> tuple[bool, str]:
    env = environment(jinja2.BaseLoader(), sandboxed=False)
    try:
        return True, env.from_string(source).render(**values)
    except Exception as exc:  # a template error: the plain renderer must not answer
        return False, type(exc).__name__


def agree(source: str, values: dict[str, Any]) -> str | None:
    plain = plain_template.render(source, values, FILTERS)
    ok, jinja = by_jinja(source, values)
    if plain is not None:
        assert ok, (source, values, jinja)
        assert plain == jinja, (source, values)
    return plain


PIECES = st.sampled_from([
    "text", " ", "\n", "\n\n", "  \n", "\t", "# Title ", "- item\n", "}}", "%}", "{", "}",
    "{{ a }}", "{{a}}", "{{ b | yaml }}", "{{ b|yaml }}", "{{ c }}", "{{ missing }}",
    "{{ a | upper }}", "{{ a | nope }}", "{{- a }}", "{{ a -}}", "{{ none }}", "{{ true }}",
    "{{ a.b }}", "{{ 'x' }}", "{% if a %}", "{% if c %}", "{% if missing %}", "{%- if b %}",
    "{% endif %}", "{%- endif %}", "{% endif -%}", "{% else %}", "{% if a is defined %}",
    "{% for x in c %}", "{% endfor %}", "{# note #}", "{{ a", "{% if a", "{%+ if a %}",
    "\r\n",
])
VALUE = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=12),
                  st.sampled_from(["", "plain", "a: b", "yes", "null", "#x", " lead", "O'Brien",
                                   "line\nbreak", "tab\there", "[x]", "{y}", "2026-01-02"]),
                  st.lists(st.sampled_from(["x", "y z", "T001"]), max_size=3))


VALUES = st.fixed_dictionaries({"a": VALUE, "b": VALUE, "c": VALUE})


@settings(max_examples=600, deadline=None)
@given(st.lists(PIECES, max_size=12), VALUES)
def test_generated_templates_agree_with_jinja2(pieces: list[str], values: dict[str, Any]) -> None:
    agree("".join(pieces), values)


TEXT = st.sampled_from(["text", " ", "\n", "\n\n", "  \n", "\t", "- item\n", "}}", "%}", "}",
                        "", "{{ a }}", "{{ b | yaml }}", "{{ c }}"])
BLOCKS = st.recursive(
    TEXT,
    lambda inner: st.tuples(st.sampled_from(["{% if a %}", "{%- if b %}", "{% if c %}"]),
                            st.lists(inner, max_size=4),
                            st.sampled_from(["{% endif %}", "{%- endif %}"]))
    .map(lambda t: t[0] + "".join(t[1]) + t[2]),
    max_leaves=12)


@settings(max_examples=600, deadline=None)
@given(st.lists(BLOCKS, max_size=6), VALUES)
def test_templates_inside_the_subset_render_as_jinja2_does(blocks: list[str],
                                                           values: dict[str, Any]) -> None:
    source = "".join(blocks)
    assert agree(source, values) is not None, source


@pytest.mark.parametrize(("source", "expected"), [
    ("x {{ a }} y\n", "x 1 y\n"),
    ("{% if a %}\n\nbody {{ a }}\n{%- endif %}\ntail\n", "\n\nbody 1\ntail\n"),
    ("{% if z %}\n\nbody\n{%- endif %}\ntail\n", "\ntail\n"),
    ("{% if a %}{% if z %}in{% endif %}out{% endif %}", "out"),
    ("k: {{ s | yaml }}\n", 'k: "a: b"\n'),
])
def test_the_subset_renders(source: str, expected: str) -> None:
    assert agree(source, {"a": 1, "z": "", "s": "a: b"}) == expected


@pytest.mark.parametrize("source", [
    "{{ a | upper }}", "{% for x in a %}{% endfor %}", "{# c #}", "{% if a %}x{% else %}y{% endif %}",
    "{{ a -}}\n", "{% if a -%}\nx{% endif %}", "{% if a %}", "{{ missing }}", "a\r\nb",
    "{% if a %}{{ a b }}{% endif %}", "{{ a", "{{ a {% if a %}x{% endif %}",
])
def test_what_is_not_modelled_is_left_to_jinja2(source: str) -> None:
    assert plain_template.render(source, {"a": 1}, FILTERS) is None


def _shipped() -> list[Path]:
    folder = shipped_dir()
    return sorted(p for p in folder.rglob("*.j2"))


SHIPPED_VALUES: list[dict[str, Any]] = [
    {"project": "demo", "title": "Demo", "created": "2026-11-30", "source": "",
     "source_name": "", "steps": [], "name": "billing", "description": "Billing: refunds",
     "includes": [], "service": "orders"},
    {"project": "x-1", "title": "A: title with 'quotes' and # hash", "created": "2026-01-02",
     "source": "## Step one\n\nDo it.\n", "source_name": "source.md",
     "steps": [{"id": "T001", "text": "One", "depends": [], "verify": ["$ true"]}],
     "name": "api", "description": "", "includes": ["billing", "auth"], "service": "api-2"},
]


@pytest.mark.parametrize("path", _shipped(), ids=lambda p: p.name)
def test_every_shipped_template_agrees_with_jinja2(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    env = environment(jinja2.BaseLoader(), sandboxed=False)
    names = jinja2.meta.find_undeclared_variables(env.parse(source))
    for values in SHIPPED_VALUES:
        agree(source, {k: v for k, v in values.items() if k in names or k == "steps"})


@pytest.mark.parametrize("template", ["constitution.md.j2", "spec.md.j2", "plan.md.j2"])
def test_the_scaffolds_of_new_and_approve_need_no_jinja2(template: str) -> None:
    source = (shipped_dir() / template).read_text(encoding="utf-8")
    for values in SHIPPED_VALUES:
        assert plain_template.render(source, values, FILTERS) is not None, template


def test_render_imports_no_jinja2_for_a_plain_scaffold() -> None:
    code = ("import sys\nfrom sddkit.io.rendering import render\n"
            "render('constitution.md.j2', project='demo', title='Demo', created='2026-11-30')\n"
            "assert 'jinja2' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert render("constitution.md.j2", project="demo", title="Demo",
                  created="2026-11-30").startswith("---\nproject: demo\n")
