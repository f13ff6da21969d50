"""sddkit/json_shapes.py (the typed form of the MCP tools' results) says what docs/json.md
says, field by field: the same paths, the same types, nullable where the docs say null."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from test_json_docs import parse_docs
from typing_extensions import NotRequired, is_typeddict

from sddkit.json_shapes import PARTS, SHAPES

SIMPLE = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _type_name(hint: Any) -> str:
    """What the docs write for a hint that is not a union with None."""
    if hint in SIMPLE:
        return SIMPLE[hint]
    if get_origin(hint) is Literal:
        return "string"
    if get_origin(hint) is list:
        (item,) = get_args(hint)
        return "list of string" if item is str else "object"
    if hint in PARTS:  # a part of another documented shape: "sddkit.verify/1 results[]"
        return PARTS[hint]
    if get_origin(hint) is dict or is_typeddict(hint):
        schema = getattr(hint, "__annotations__", {}).get("schema")
        if schema is not None:  # another documented shape, by its id
            return str(get_args(typing.get_type_hints(hint)["schema"])[0])
        return "object"
    raise AssertionError(f"no docs type for {hint!r}")


def table_of(shape: Any, prefix: str = "") -> dict[str, str]:
    """{docs path: docs type} for every field of ``shape`` (a TypedDict), as docs/json.md
    spells them (``a.b``, ``a[]``, ``a[].b``, ``a.*``; ``|null`` for None)."""
    out: dict[str, str] = {}
    for name, hint in typing.get_type_hints(shape).items():
        if get_origin(hint) is NotRequired:
            (hint,) = get_args(hint)
        nullable = False
        if get_origin(hint) in (Union, types.UnionType):
            options = [a for a in get_args(hint) if a is not type(None)]
            nullable = len(options) < len(get_args(hint))
            (hint,) = options
        kind = _type_name(hint)
        is_list_of_objects = get_origin(hint) is list and kind == "object"
        path = f"{prefix}{name}" + ("[]" if is_list_of_objects else "")
        out[path] = kind + ("|null" if nullable else "")
        if is_list_of_objects:
            out.update(table_of(get_args(hint)[0], f"{path}."))
        elif get_origin(hint) is dict:
            out[f"{path}.*"] = _type_name(get_args(hint)[1])
        elif is_typeddict(hint) and kind == "object":
            out.update(table_of(hint, f"{path}."))
    return out


def test_every_shape_is_the_documented_one() -> None:
    docs = parse_docs()
    for schema_id, shapes in SHAPES.items():
        sections = sorted(s for s in docs if s.split(":")[0] == schema_id)
        assert len(sections) == len(shapes), schema_id
        for section, shape in zip(sections, sorted(shapes, key=lambda s: s.__name__),
                                  strict=True):
            assert table_of(shape) == docs[section], section


def test_the_table_reader_sees_what_it_must() -> None:
    """A field the docs lack, or a wrong type, is a difference (the check can fail)."""
    from sddkit.json_shapes import Claim, Next

    table = table_of(Next)
    assert table["task"] == "object|null" and table["task.verify"] == "list of string"
    assert table["skipped[]"] == "object" and table["skipped[].line"] == "integer"
    claim = table_of(Claim)
    assert claim["stolen_from.at"] == "string|null"
    assert table_of(SHAPES["sddkit.done/1"][0])["next"] == "sddkit.next/1"
    docs = parse_docs()
    assert table != {**docs["sddkit.next/1"], "extra": "string"}


def test_every_part_is_the_documented_one() -> None:
    """A typed part of another shape (``sddkit.verify/1 results[]``) has that shape's
    documented fields under its path."""
    docs = parse_docs()
    for part, name in PARTS.items():
        schema_id, path = name.split(" ")
        documented = {key: kind for key, kind in docs[schema_id].items()
                      if key.startswith(f"{path}.")}
        assert documented, name
        assert table_of(part, f"{path}.") == documented, name
