"""Read a service's interface file: the operations an OpenAPI document or a .proto defines.

* OpenAPI 2.0/3.x (``.yaml``, ``.yml``, ``.json``): each operation's ``operationId`` under
  ``paths.<path>.<method>`` (OpenAPI Specification, "Operation Object"); a path item that is
  a ``$ref`` to another local file is read from that file. The document is validated with
  openapi-spec-validator (python-openapi), with no network: a document that refers to remote
  documents is not validated (a warning says so).
* Protocol Buffers (``.proto``): each ``rpc`` of each ``service``, parsed with
  proto-schema-parser (a pure-Python parser built from the ANTLR protobuf grammar). An
  operation may be named ``Method``, ``Service.Method`` or ``package.Service/Method``.

Both parsers are imported only here, only when a contract names an interface. They are the
optional extra ``sddkit[interfaces]``; without one, CON-019 says the file was not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sddkit.contracts._located import MAX_FILE, dig, error_line, error_text, line_at, load_all

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
EXTRA = "pip install 'sddkit[interfaces]'"


@dataclass
class Interface:
    """The operations a file defines (name -> line), and what was wrong reading it.

    ``problems`` are (line, severity, message, hint) for CON-019.
    """

    rel: str
    operations: dict[str, int] = field(default_factory=dict)
    #: Other names of an operation (proto ``Service.Method``) -> its name.
    aliases: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)
    checked: bool = True

    def problem(self, line: int, message: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append((line, severity, message, hint))

    def has(self, name: str) -> bool:
        return name in self.operations or name in self.aliases


def read_interface(root: Path, rel: str) -> Interface:
    """The interface at ``rel`` (relative to ``root``); never raises for a bad file."""
    out = Interface(rel)
    path = root / rel
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            out.problem(0, "the interface file resolves outside the repository; not read")
            return out
        if path.stat().st_size > MAX_FILE:
            out.problem(0, f"larger than {MAX_FILE // 1024 // 1024} MiB; not read")
            return out
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else str(exc)
        out.problem(0, f"cannot read the interface file: {reason}")
        out.checked = False
        return out
    if path.suffix == ".proto":
        _proto(text, out)
    elif path.suffix in (".yaml", ".yml", ".json"):
        _openapi(text, path, root, out)
    else:
        out.problem(0, f"unknown interface kind '{path.suffix}'",
                    "name an OpenAPI document (.yaml, .yml, .json) or a .proto file")
        out.checked = False
    return out


# --- OpenAPI -------------------------------------------------------------------------------


def _load_one(text: str) -> Any:
    docs = list(load_all(text))
    return docs[0] if len(docs) == 1 else None


def _openapi(text: str, path: Path, root: Path, out: Interface) -> None:
    try:
        doc = _load_one(text)
    except (yaml.YAMLError, RecursionError) as exc:
        out.problem(error_line(exc), f"invalid YAML/JSON: {error_text(exc)}")
        out.checked = False
        return
    if not isinstance(doc, dict) or not ("openapi" in doc or "swagger" in doc):
        out.problem(1, "not an OpenAPI document (no openapi or swagger key)")
        out.checked = False
        return
    paths = doc.get("paths") or {}
    if not isinstance(paths, dict):
        out.problem(line_at(doc, "paths", 1), "not a valid OpenAPI document: paths must be a "
                    "mapping of paths to path items")
        return
    for route, item in paths.items() if isinstance(paths, dict) else []:
        ref = dig(item, "$ref")
        local = True
        if isinstance(ref, str) and not ref.startswith("#") and "://" not in ref:
            item = _referenced(path.parent / ref.split("#")[0], root, out, line_at(item, "$ref"))
            local = False  # its lines are in another file: point at the $ref's path
        for method in HTTP_METHODS:
            op_id = dig(item, method, "operationId")
            if isinstance(op_id, str):
                line = line_at(item[method], "operationId") if local else line_at(paths, route)
                out.operations.setdefault(op_id, line)
    _validate(doc, path, out)


def _referenced(path: Path, root: Path, out: Interface, line: int) -> Any:
    """A path item kept in another local file (one level; its lines are not ours)."""
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            raise OSError("outside the repository")
        return _load_one(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        out.problem(line, f"cannot read the referenced path item {path.name}: "
                    f"{error_text(exc) if isinstance(exc, yaml.YAMLError) else exc}")
        return None


def _remote_refs(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and re.match(r"[a-z][a-z0-9+.-]*://", ref) \
                    and not ref.startswith("file:"):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _plain(value: Any) -> Any:
    """The document with every mapping key as text, as JSON (and the validator) has them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _validate(doc: dict[str, Any], path: Path, out: Interface) -> None:
    if _remote_refs(doc):
        out.problem(1, "refers to remote documents: not validated (sddkit reads no network); "
                    "its operationIds were still compared", "", "warning")
        return
    try:
        from jsonschema_path import SchemaPath
        from openapi_spec_validator.shortcuts import get_validator_cls
        from openapi_spec_validator.validation.exceptions import ValidatorDetectError
    except ImportError:
        out.problem(1, "not validated: openapi-spec-validator is not installed; its "
                    "operationIds were still compared", EXTRA, "warning")
        return
    plain = _plain(doc)
    try:
        cls = get_validator_cls(plain)
        errors = list(cls(SchemaPath.from_dict(plain, base_uri=path.resolve().as_uri()))
                      .iter_errors())
    except ValidatorDetectError:
        out.problem(1, "unknown OpenAPI version", "openapi: 3.0.3, 3.1.0, or swagger: '2.0'")
        return
    except Exception as exc:  # the validator raises many kinds for a broken $ref: a finding
        reason = (str(exc).splitlines() or [""])[0]
        out.problem(1, f"not a valid OpenAPI document: the validator stopped ({type(exc).__name__}"
                    f"{': ' + reason if reason else ''})", "check the document's structure")
        return
    for error in errors[:5]:
        where = list(getattr(error, "absolute_path", []) or [])
        out.problem(_line_of(doc, where), "not a valid OpenAPI document: "
                    f"{str(getattr(error, 'message', error)).splitlines()[0]}")


def _line_of(doc: Any, keys: list[Any]) -> int:
    """The line of the deepest key of ``keys`` found in ``doc``."""
    line, value = 1, doc
    for key in keys:
        found = key if key in (value if isinstance(value, (dict, list)) else ()) else str(key)
        if isinstance(value, dict):
            match = next((k for k in value if str(k) == str(found)), None)
            if match is None:
                break
            line, value = line_at(value, match, line), value[match]
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            line, value = line_at(value, key, line), value[key]
        else:
            break
    return line


# --- Protocol Buffers ----------------------------------------------------------------------


class ProtoSyntaxError(Exception):
    """A .proto syntax error at a 1-based ``line``."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _proto(text: str, out: Interface) -> None:
    try:
        from antlr4.error.ErrorListener import ErrorListener  # type: ignore[import-untyped]
        from proto_schema_parser import ast
        from proto_schema_parser.parser import Parser
    except ImportError:
        out.problem(0, "not checked: proto-schema-parser is not installed", EXTRA, "warning")
        out.checked = False
        return

    class _Raise(ErrorListener):  # type: ignore[misc]
        def syntaxError(self, recognizer: Any, symbol: Any, line: int, column: int, msg: str,
                        e: Any) -> None:
            raise ProtoSyntaxError(line, msg)

    def strict(recognizer: Any) -> None:
        recognizer.removeErrorListeners()
        recognizer.addErrorListener(_Raise())

    try:
        tree = Parser(setup_lexer=strict, setup_parser=strict).parse(text)
    except ProtoSyntaxError as exc:
        out.problem(exc.line, f"invalid .proto: {exc}")
        out.checked = False
        return
    except (RecursionError, AttributeError, ValueError) as exc:
        out.problem(1, f"invalid .proto: {exc}")
        out.checked = False
        return
    package = next((e.name for e in tree.file_elements if isinstance(e, ast.Package)), "")
    lines = text.splitlines()
    for element in tree.file_elements:
        if not isinstance(element, ast.Service):
            continue
        for method in element.elements:
            if isinstance(method, ast.Method):
                out.operations.setdefault(method.name, _rpc_line(lines, method.name))
                full = f"{element.name}/{method.name}"
                for name in (f"{element.name}.{method.name}", full, f"{package}.{full}"):
                    out.aliases.setdefault(name, method.name)


def _rpc_line(lines: list[str], name: str) -> int:
    """The line declaring ``rpc name`` (the parser keeps no positions)."""
    pattern = re.compile(rf"\brpc\s+{re.escape(name)}\b")
    return next((i + 1 for i, text in enumerate(lines) if pattern.search(text)), 1)
