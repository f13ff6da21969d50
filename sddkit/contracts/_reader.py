"""Read typed values out of YAML nodes, turning each problem into a CON-001 finding.

Contracts are read from the node tree (``yaml.compose``) rather than from loaded Python
values, so that every value keeps the line it was written on.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any, TypeVar

import yaml

from sddkit.contracts.contract_model import PERCENTILES, Duration, parse_duration
from sddkit.findings import Finding
from sddkit.names import SLUG

#: Operation, topic, dataset, data, key and level names: no spaces, no quotes.
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}")
#: Health and readiness paths.
URL_PATH = re.compile(r"/\S*")
RULE = "CON-001"
T = TypeVar("T")
CORE_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
#: The value of a scalar whose explicit tag cannot be read (``!!int abc``).
INVALID = object()
#: key -> (value node, line of the key)
Fields = dict[str, tuple[yaml.Node, int]]


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag not in CORE_TAGS:
        return f"'{node.value}' tagged {node.tag}"
    return f"'{node.value}'" if node.value else "an empty value"


def suggest(word: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    allowed = ", ".join(options)
    return f"did you mean '{close[0]}'? allowed: {allowed}" if close else f"allowed: {allowed}"


class Reader:
    """Typed values from nodes of one file; ``findings`` collects what was wrong."""

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.findings: list[Finding] = []
        self._constructor = yaml.constructor.SafeConstructor()

    def problem(self, line: int, message: str, hint: str = "") -> None:
        self.findings.append(Finding(self.rel, line, RULE, "error", message, hint))

    def scalar(self, node: yaml.Node) -> Any:
        """The Python value of a scalar node; None for a collection, INVALID for a bad tag."""
        if not isinstance(node, yaml.ScalarNode):
            return None
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            return INVALID

    def is_null(self, node: yaml.Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and self.scalar(node) is None

    def fields(
        self, node: yaml.Node, where: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> Fields | None:
        """The keys of a mapping node; None (reported) when it is not a mapping.

        Unknown and duplicate keys are reported and left out; a null value counts as absent.
        """
        if not isinstance(node, yaml.MappingNode):
            self.problem(line_of(node), f"{where} must be a mapping, found {kind(node)}")
            return None
        out: Fields = {}
        present: set[str] = set()
        for key_node, value_node in node.value:
            key, line = self.scalar(key_node), line_of(key_node)
            if not isinstance(key, str):
                self.problem(line, f"{where}: keys must be names, found {kind(key_node)}")
            elif key in present:
                self.problem(line, f"{where}: duplicate key '{key}'", "keep one of them")
            elif key not in allowed:
                present.add(key)
                self.problem(line, f"{where}: unknown key '{key}'", suggest(key, allowed))
            else:
                present.add(key)
                if not self.is_null(value_node):
                    out[key] = (value_node, line)
                elif key in required:
                    self.problem(line, f"{where}.{key} needs a value")
        for key in required:
            if key not in present:
                self.problem(line_of(node), f"{where}: missing required key '{key}'")
        return out

    def get(
        self, fields: Fields, where: str, key: str, read: Callable[[yaml.Node, str], T | None]
    ) -> T | None:
        """``read`` applied to ``key``'s value, or None when the key is absent."""
        if key not in fields:
            return None
        return read(fields[key][0], f"{where}.{key}" if where else key)

    def text(self, node: yaml.Node, where: str) -> str | None:
        return self.matching(node, where, NAME, "a name without spaces or quotes "
                                                 "(letters, digits, _ . : / -)")

    def slug(self, node: yaml.Node, where: str) -> str | None:
        return self.matching(node, where, SLUG, "a service name: a lowercase slug (a-z, 0-9, -)")

    def url_path(self, node: yaml.Node, where: str) -> str | None:
        return self.matching(node, where, URL_PATH, "a path starting with /, e.g. /healthz")

    def free_text(self, node: yaml.Node, where: str) -> str | None:
        return self.matching(node, where, None, "")

    def matching(self, node: yaml.Node, where: str, pattern: re.Pattern[str] | None, what: str
                 ) -> str | None:
        value = self.scalar(node)
        if not isinstance(value, str) or not value.strip():
            self.problem(line_of(node), f"{where} must be text, found {kind(node)}")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.problem(line_of(node), f"{where} must be {what}, found '{value}'")
            return None
        return value

    def choice(self, node: yaml.Node, where: str, options: tuple[str, ...]) -> str | None:
        value = self.scalar(node)
        if not isinstance(value, str) or value not in options:
            shown = value if isinstance(value, str) else kind(node)
            self.problem(line_of(node), f"{where} must be one of {', '.join(options)}, "
                         f"found '{shown}'", suggest(str(shown), options))
            return None
        return value

    def integer(self, node: yaml.Node, where: str, low: int, high: int) -> int | None:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(line_of(node), f"{where} must be a whole number from {low} to {high}, "
                         f"found {kind(node)}")
            return None
        return value

    def boolean(self, node: yaml.Node, where: str) -> bool | None:
        value = self.scalar(node)
        if not isinstance(value, bool):
            self.problem(line_of(node), f"{where} must be true or false, found {kind(node)}")
            return None
        return value

    def duration(self, node: yaml.Node, where: str) -> Duration | None:
        value = self.scalar(node)
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except ValueError:
                pass
        self.problem(line_of(node), f"{where}: bad duration {kind(node)}",
                     "write <number><unit> with unit ms, s, m or h, e.g. 200ms or 3.2s")
        return None

    def relative_path(self, node: yaml.Node, where: str, up: bool = False) -> str | None:
        """A path relative to the repository root that stays inside it (a glob is allowed).

        With ``up``, ``..`` may lead out of it (a sibling checkout); absolute paths never.
        """
        value = self.free_text(node, where)
        if value is None:
            return None
        absolute = value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", value)
        if absolute or (not up and ".." in value.replace("\\", "/").split("/")):
            inside = "" if up else ", inside the repository"
            self.problem(line_of(node), f"{where} must be a path relative to the repository "
                         f"root{inside}, found '{value}'")
            return None
        return value

    def checkout_path(self, node: yaml.Node, where: str) -> str | None:
        """A relative path that may lead out of the repository: ``../billing``."""
        return self.relative_path(node, where, up=True)

    def globs(self, node: yaml.Node, where: str) -> tuple[str, ...] | None:
        """A list of repository-relative glob patterns (``deploy/**/*.yaml``)."""
        if not isinstance(node, yaml.SequenceNode):
            self.problem(line_of(node), f"{where} must be a list of globs, found {kind(node)}")
            return None
        items = [self.relative_path(item, f"{where}[{i}]") for i, item in enumerate(node.value)]
        return tuple(item for item in items if item is not None)

    def values(self, node: yaml.Node, where: str) -> tuple[str, ...] | None:
        """A list of enumeration values: text or whole numbers, kept as text."""
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.problem(line_of(node), f"{where} must be a non-empty list, found {kind(node)}")
            return None
        out: list[str] = []
        for i, item in enumerate(node.value):
            value = self.scalar(item)
            if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
                self.problem(line_of(item), f"{where}[{i}] must be text or a number, "
                             f"found {kind(item)}")
            else:
                out.append(str(value))
        return tuple(out)

    def pattern(self, node: yaml.Node, where: str) -> str | None:
        """A Python regular expression (``re`` syntax), matched against whole values."""
        value = self.free_text(node, where)
        if value is None:
            return None
        try:
            re.compile(value)
        except re.error as exc:
            self.problem(line_of(node), f"{where} is not a valid regular expression: {exc}")
            return None
        return value

    def names(self, node: yaml.Node, where: str) -> tuple[str, ...] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(line_of(node), f"{where} must be a list, found {kind(node)}")
            return None
        items = [self.text(item, f"{where}[{i}]") for i, item in enumerate(node.value)]
        return tuple(item for item in items if item is not None)

    def dedup_key(self, node: yaml.Node, where: str) -> frozenset[str] | None:
        """A key name or a list of them; order does not matter."""
        if isinstance(node, yaml.SequenceNode):
            names = self.names(node, where)
            if names is not None and not names:
                self.problem(line_of(node), f"{where} is an empty list",
                             "name the key field(s), or leave dedup_key out")
            return frozenset(names) if names else None
        name = self.text(node, where)
        return frozenset({name}) if name else None

    def latency(self, node: yaml.Node, where: str, prefix: str, lines: dict[str, int]
                ) -> dict[str, Duration]:
        """Percentile -> duration; each percentile's line goes into ``lines`` as ``prefix.pNN``."""
        found = self.fields(node, where, PERCENTILES) or {}
        out: dict[str, Duration] = {}
        for pct in PERCENTILES:
            if pct in found:
                parsed = self.duration(found[pct][0], f"{where}.{pct}")
                if parsed is not None:
                    out[pct] = parsed
                    lines[f"{prefix}.{pct}"] = found[pct][1]
        return out

    def entries(self, node: yaml.Node, where: str, build: Callable[[yaml.Node, str], T | None]
                ) -> list[T]:
        """A list of mappings, each built by ``build``; bad entries are left out (reported)."""
        if not isinstance(node, yaml.SequenceNode):
            self.problem(line_of(node), f"{where} must be a list, found {kind(node)}")
            return []
        built = [build(item, f"{where}[{i}]") for i, item in enumerate(node.value)]
        return [item for item in built if item is not None]

    def unique(self, items: list[T], ident: Callable[[T], str], what: str) -> tuple[T, ...]:
        """``items`` as a tuple; a second entry with the same identity is reported."""
        seen: dict[str, int] = {}
        for item in items:
            name, line = ident(item), int(getattr(item, "line", 0))
            if name in seen:
                self.problem(line, f"{what} '{name}' is listed twice (first at line {seen[name]})",
                             "keep one entry")
            seen.setdefault(name, line)
        return tuple(items)
