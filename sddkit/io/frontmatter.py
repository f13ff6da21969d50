"""Front matter: read with a safe, bounded YAML loader; write by editing key lines only.

We split the front matter ourselves rather than through python-frontmatter: we need
the line numbers of every error, a BOM and CRLF endings kept, duplicate keys and
YAML aliases refused, and a size bound, none of which it offers. Writing never
re-serialises the block: :func:`set_keys` replaces only the value spans PyYAML's node
marks give for the keys it sets, so comments, key order, quoting and the body stay
byte-identical.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sddkit.errors import FrontMatterError
from sddkit.io import plain_yaml
from sddkit.io.markers import split_lines

#: Front matter larger than this is refused (a guard against YAML bombs and mistakes).
MAX_FRONT_MATTER = 64 * 1024

_LOADERS: dict[str, Any] = {}


def text_dates_loader() -> Any:
    """PyYAML's safe loader (the C one when available) that reads dates as plain strings.

    Built on first use, so PyYAML is imported only when some YAML is actually parsed.
    """
    if "base" in _LOADERS:
        return _LOADERS["base"]
    import yaml

    safe: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class TextDatesLoader(safe):  # type: ignore[misc]
        yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's own class attribute
            first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in safe.yaml_implicit_resolvers.items()
        }

    _LOADERS["base"] = TextDatesLoader
    return TextDatesLoader


def _loader() -> Any:
    """The front-matter loader: safe, dates as text, duplicate keys and aliases refused."""
    if "strict" in _LOADERS:
        return _LOADERS["strict"]
    import yaml

    base: Any = text_dates_loader()

    class Loader(base):  # type: ignore[misc]
        """Refuses duplicate keys and aliases."""

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            if node in self.constructed_objects:
                raise yaml.constructor.ConstructorError(
                    None, None, "anchors and aliases are not allowed in front matter",
                    node.start_mark,
                )
            return super().construct_object(node, deep=deep)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=True)
                    try:
                        hash(key)
                    except TypeError:
                        raise yaml.constructor.ConstructorError(
                            None, None, "a mapping key must be a plain value", key_node.start_mark
                        ) from None
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key '{key}'", key_node.start_mark
                        )
                    seen.add(key)
                    # forget it so the real construction below does not see an "alias"
                    self.constructed_objects.pop(key_node, None)
            return super().construct_mapping(node, deep=deep)

    _LOADERS["strict"] = Loader
    return Loader


def load_yaml(text: str, path: Path | str | None, first_line: int = 1) -> Any:
    """Parse YAML safely; errors name ``path`` and the file line (``first_line`` = line 1 of text)."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else first_line
        problem = exc.problem or exc.context or "invalid YAML"
        raise FrontMatterError(f"invalid YAML: {problem}", path, line) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"invalid YAML: {exc}", path, first_line) from None
    except RecursionError:
        raise FrontMatterError("invalid YAML: nested too deeply", path, first_line) from None


@dataclass(frozen=True)
class Split:
    """Where the front matter is: line indexes (0-based) of the two ``---`` lines in
    ``lines``, which holds the lines up to the closing one (each with its ending), then the
    rest of the text as one item (absent when empty)."""

    open: int
    close: int
    lines: list[str]

    @property
    def yaml_text(self) -> str:
        text = "".join(self.lines[self.open + 1 : self.close])
        return text.lstrip("\ufeff")


def _is_delimiter(line: str, closing: bool = False) -> bool:
    stripped = line.lstrip("\ufeff").rstrip("\r\n").rstrip(" \t")
    return stripped == "---" or (closing and stripped == "...")


def split(text: str, path: Path | None = None) -> Split | None:
    """Locate the front matter block, or None when the text has none. Only the lines up to
    the closing delimiter are split off (each with its ending, as
    :func:`sddkit.io.markers.split_lines` gives them); the body after it is the last item
    of ``lines``, whole (a 50,000-task list is not split into lines to find its head)."""
    found = _locate(text, path)
    if found is None:
        return None
    lines = split_lines(text[: found[2]])
    close = len(lines) - 1
    if found[2] < len(text):
        lines.append(text[found[2] :])
    return Split(0, close, lines)


#: The last answers of :func:`_locate`, by the id of the text (kept, so the id names that very
#: string): loading a document asks for its front matter, its body, its body's first line
#: and its gate hash, each of which used to find the block again.
_located: dict[int, tuple[str, tuple[int, int, int] | None]] = {}
_LOCATED_KEPT = 8  # a project's four documents and a tasks parse between them


def _locate(text: str, path: Path | str | None) -> tuple[int, int, int] | None:
    """Where the front matter is, as offsets into ``text``: (start of the YAML, start of the
    closing line, start of the body); None without front matter. Only the lines up to
    the closing one are looked at (a task list can be megabytes long). The answer for the
    very same string object is remembered (errors are not: they are raised each time)."""
    known = _located.get(id(text))
    if known is not None and known[0] is text:
        return known[1]
    found = _find(text, path)
    if len(_located) >= _LOCATED_KEPT:
        del _located[next(iter(_located))]
    _located[id(text)] = (text, found)
    return found


def _find(text: str, path: Path | str | None) -> tuple[int, int, int] | None:
    """:func:`_locate`, worked out."""
    size = len(text)
    end = text.find("\n")
    start = size if end < 0 else end + 1
    if not text or not _is_delimiter(text[:start]):
        return None
    used = 0
    pos = start
    while pos < size:
        end = text.find("\n", pos)
        after = size if end < 0 else end + 1
        if text[pos] in "-.\ufeff" and _is_delimiter(text[pos:after], closing=True):
            return start, pos, after
        used += after - pos
        if used > MAX_FRONT_MATTER:
            raise FrontMatterError(
                f"front matter is larger than {MAX_FRONT_MATTER // 1024} KiB; refusing to parse it",
                path,
                1,
            )
        pos = after
    raise FrontMatterError("front matter opened with '---' is never closed", path, 1)


def parse(text: str, path: Path | str | None = None) -> dict[str, Any] | None:
    """The front matter mapping, or None when there is none. Not a mapping is an error.

    The plain subset sddkit writes is read by :func:`sddkit.io.plain_yaml.mapping`
    (the same answer, without PyYAML); anything else by PyYAML (:func:`load_yaml`).
    """
    found = _locate(text, path)
    if found is None:
        return None
    yaml_text = text[found[0] : found[1]].lstrip("\ufeff")
    data = plain_yaml.mapping(yaml_text)
    if data is not None:
        return data
    data = load_yaml(yaml_text, path, first_line=2)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            f"front matter must be a mapping of keys to values, found {type(data).__name__}",
            path,
            2,
        )
    return data


def body(text: str, path: Path | str | None = None) -> str:
    """The text after the closing ``---`` line (the whole text when there is no front matter)."""
    found = _locate(text, path)
    if found is None:
        return text.lstrip("\ufeff")
    return text[found[2] :]


def body_line_offset(text: str, path: Path | str | None = None) -> int:
    """How many lines precede the body (0 without front matter)."""
    found = _locate(text, path)
    return 0 if found is None else text.count("\n", 0, found[1]) + 1


def normalised_body(text: str) -> str:
    """The body as hashed: BOM removed, line endings normalised to ``\\n``."""
    return body(text).lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


# --- writing ---------------------------------------------------------------------------

_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .,/@+()-]*$")


def render_value(value: Any) -> str:
    """A value as one line of YAML that reads back as exactly ``value``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        import yaml

        if (
            _PLAIN_SAFE.match(value)
            and not value.endswith(" ")
            and yaml.safe_load(value) == value
        ):
            return value
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        inner = ", ".join(f"{render_value(str(k))}: {render_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    raise TypeError(f"cannot render {type(value).__name__} as front matter")


def _content_end(node: Any) -> int:
    """Where ``node``'s own text ends: a block collection's PyYAML end mark lies at the next
    token (past comments and blank lines), so its last child's end is taken instead."""
    import yaml

    if isinstance(node, yaml.CollectionNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return _content_end(last[1] if isinstance(node, yaml.MappingNode) else last)
    end: int = node.end_mark.index
    return end


def _value_spans(block: str, path: Path | None, offset: int) -> dict[str, tuple[int, int, bool]]:
    """key -> (start, end, inline) of each top-level value in the front-matter ``block``,
    as indices into the whole text (``offset`` is where ``block`` starts). ``inline`` is
    False for a value that spans lines (replaced from just after the colon). The spans are
    PyYAML's node marks, as pre-commit's config migration takes them."""
    import yaml

    try:
        root = yaml.compose(block, Loader=text_dates_loader())
    except yaml.YAMLError as exc:  # pragma: no cover - parse() refused it first
        raise FrontMatterError(f"invalid YAML front matter: {exc}", path) from None
    spans: dict[str, tuple[int, int, bool]] = {}
    if not isinstance(root, yaml.MappingNode):
        return spans
    for key, value in root.value:
        start, end = value.start_mark.index, _content_end(value)
        if "\n" in block[start:end] or value.start_mark.line != key.start_mark.line:
            colon = block.index(":", key.end_mark.index) + 1
            spans[str(key.value)] = (offset + colon, offset + end, False)
        else:
            spans[str(key.value)] = (offset + start, offset + end, True)
    return spans


def set_keys(text: str, updates: dict[str, Any], path: Path | None = None) -> str:
    """``text`` with the given top-level keys set; every other byte unchanged.

    A key already holding an equal value is left alone; a missing key is added at the end
    of the block. Only the value's span (from PyYAML's node marks) is replaced, so the
    key's quoting, the space after its colon and a trailing comment stay; a value written
    over several lines becomes one line. Raises :class:`FrontMatterError` without front
    matter.
    """
    found = split(text, path)
    if found is None:
        raise FrontMatterError("no front matter to update (the file must start with '---')", path, 1)
    current = parse(text, path) or {}
    lines = list(found.lines)
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    offset = len("".join(lines[: found.open + 1]))
    block = "".join(lines[found.open + 1 : found.close])
    spans = _value_spans(block, path, offset)
    edits: list[tuple[int, int, str]] = []
    added: list[str] = []
    for key, value in updates.items():
        if key in current and current[key] == value and type(current[key]) is type(value):
            continue
        rendered = render_value(value)
        if key not in spans:
            added.append(f"{key}: {rendered}{newline}")
            continue
        start, end, inline = spans[key]
        edits.append((start, end, rendered if inline and end > start else " " + rendered))
    out = text
    if added:
        close_at = offset + len(block)
        before = out[:close_at]
        if before and not before.endswith("\n"):
            before += newline
        out = before + "".join(added) + out[close_at:]
    for start, end, replacement in sorted(edits, reverse=True):
        out = out[:start] + replacement + out[end:]
    return out
