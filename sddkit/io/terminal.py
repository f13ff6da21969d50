"""Repository text never reaches a terminal as raw control sequences.

Titles, task text, notes, reasons and names come from files anyone with commit access
wrote. An ESC (``\\x1b``) starts a terminal control sequence (ECMA-48): OSC 52 writes the
clipboard, OSC 8 hides a link behind other text, CSI sequences move the cursor and repaint
lines already printed. The 8-bit C1 controls (U+0080-U+009F; CSI is U+009B, OSC U+009D)
start the same sequences on terminals that honour them. The bidirectional embedding,
override and isolate controls (U+202A-U+202E, U+2066-U+2069, the "Trojan Source" set of
CVE-2021-42574) reorder what a reader sees.

Every command's output passes through :func:`escape` once, whichever command prints it:
:func:`escaped_output` wraps ``sys.stdout`` and ``sys.stderr`` in :class:`EscapingStream`
for the run of a command (the click group and the click-free ``sdd next`` both use it).

Each such character is written as ``\\uXXXX``, six visible ASCII characters. That is also
JSON's own escape, so a JSON document stays exact: ``json.dumps`` already escapes the C0
controls; the C1 controls, DEL and bidi controls it leaves raw (``ensure_ascii=False``)
come out as ``\\uXXXX`` inside their string, which a JSON reader decodes back to the very
same character. Kept as they are: tab, newline, and a carriage return followed by a
newline (CRLF text).
"""

from __future__ import annotations

import re
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING: ``sdd next`` imports neither typing nor contextlib
if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType
    from typing import Any, TextIO

#: C0 controls but tab and newline; CR unless a newline follows; DEL; C1; bidi controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")


def _visible(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape(text: str) -> str:
    """``text`` with every terminal control character written as ``\\uXXXX`` (see module doc)."""
    return CONTROL.sub(_visible, text)


class EscapingStream:
    """A text stream that escapes control characters on their way to ``inner``.

    Everything but :meth:`write` and :meth:`writelines` is the inner stream's own
    (``isatty``, ``fileno``, ``buffer``, ``encoding``, ``flush``...).
    """

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        if isinstance(text, str):
            self.inner.write(escape(text))
        else:  # bytes: let the inner stream refuse them as it would
            self.inner.write(text)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class escaped_output:  # noqa: N801 (used as a function: ``with escaped_output():``)
    """For the duration of a ``with`` block, ``sys.stdout`` and ``sys.stderr`` escape control
    characters; the streams in place before are restored afterwards (nesting is harmless)."""

    def __enter__(self) -> None:
        self.saved = sys.stdout, sys.stderr
        if not isinstance(self.saved[0], EscapingStream):
            sys.stdout = EscapingStream(self.saved[0])  # type: ignore[assignment]
        if not isinstance(self.saved[1], EscapingStream):
            sys.stderr = EscapingStream(self.saved[1])  # type: ignore[assignment]

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        sys.stdout, sys.stderr = self.saved
