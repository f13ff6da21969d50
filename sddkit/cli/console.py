"""Showing an outcome, without click: shared by the click commands and the click-free paths.

:func:`emit` and :func:`listener` take the ``echo`` to print with: the click commands pass
``click.echo``, the click-free paths of :mod:`sddkit.cli.entry` pass :func:`echo`, which
writes what ``click.echo`` writes for text on a POSIX stream whose encoding is not ASCII
(the only streams the click-free paths serve; on the others click's own stream handling
applies, so those go through click): the message and a newline, ANSI colour and style
sequences (``ESC [ ... letter``, click's ``strip_ansi``) removed when the stream is not a
terminal, then a flush.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on ``sdd next``
if TYPE_CHECKING:
    from typing import Any, TextIO

    from sddkit.io.command_runner import RunResult
    from sddkit.operations import Outcome
    from sddkit.tasks import Task

#: ``echo(message, nl=True, err=False)``: ``click.echo``'s signature, for text.
Echo = Callable[..., None]


def echo(message: str, nl: bool = True, err: bool = False) -> None:
    """``click.echo(message, nl=nl, err=err)`` for text (see the module docstring)."""
    stream = sys.stderr if err else sys.stdout
    out = message + "\n" if nl else message
    if out:
        if "\x1b[" in out and not _isatty(stream):
            import re

            out = re.sub(r"\033\[[;?0-9]*[a-zA-Z]", "", out)  # click's strip_ansi
        stream.write(out)
    stream.flush()


def utf8_streams() -> None:
    """Make an ASCII standard stream (a C or POSIX locale with ``PYTHONUTF8=0``, where
    Python neither coerces the locale nor enters UTF-8 mode: PEP 538, PEP 540) speak UTF-8,
    keeping its error handler: files are UTF-8 whatever the locale, so a title or a name
    with "é" in it is shown and read as written, on stderr as on stdout (``click.echo``
    already writes stdout as UTF-8 there). Other encodings are left alone."""
    import codecs

    for name in ("stdin", "stdout", "stderr"):
        stream = getattr(sys, name, None)
        encoding = getattr(stream, "encoding", None)
        reconfigure = getattr(stream, "reconfigure", None)
        if not encoding or reconfigure is None:
            continue
        try:
            if codecs.lookup(encoding).name == "ascii":
                reconfigure(encoding="utf-8", errors=getattr(stream, "errors", None))
        except (LookupError, ValueError, OSError):
            continue  # an unknown codec, or a stream that cannot change now


def plain_streams() -> bool:
    """Whether :func:`echo` writes what ``click.echo`` would: POSIX, and neither standard
    stream ASCII-encoded (click re-wraps those as UTF-8)."""
    import codecs
    import os

    if os.name != "posix":
        return False
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            if codecs.lookup(encoding).name == "ascii":
                return False
        except LookupError:
            pass
    return True


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except Exception:  # click's isatty: a stream that cannot tell is not a terminal
        return False


def print_json(data: Any, echo: Echo) -> None:
    """JSON on stdout: indented for a person at a terminal, compact (and fast) for a program."""
    import json

    indent = 2 if sys.stdout.isatty() else None
    echo(json.dumps(data, indent=indent, ensure_ascii=False))


def emit(outcome: Outcome, as_json: bool, echo: Echo) -> int:
    """Show an operation's outcome: its warnings on stderr, then the diff (``--dry-run``),
    the JSON (``--json``) or the text on stdout. Returns its exit code.

    A dry run that would change nothing has no diff: it shows what the real run would (its
    JSON or text: "already done", "nothing changed"), never an empty answer."""
    for line in outcome.warnings:
        echo(line, err=True)
    if outcome.dry_run and outcome.diff:
        echo(outcome.diff, nl=False)
    elif as_json and outcome.data is not None:
        print_json(outcome.data, echo)
    else:  # a long text (``sdd check``'s) comes in pieces, never held whole
        chunks = getattr(outcome, "text_chunks", None)
        for piece in chunks() if chunks is not None else (outcome.text,):
            echo(piece, nl=False)
    return outcome.exit_code


def listener(stream_output: bool, echo: Echo) -> object:
    """A :class:`~sddkit.tasks.verification.Listener` printing to stderr: each command as it starts,
    its output (when ``stream_output``), a progress line on long silent runs, its end."""
    from sddkit.tasks.verification import Listener

    class Printer(Listener):
        streams = stream_output
        index = 0  # the command running: its end names it when the task has several

        def start(self, project: str, task: Task, index: int, command: str) -> None:
            self.index = index
            echo(f"sdd: {project} {task.key} check {index}/{len(task.checks)}: $ {command}",
                 err=True)

        def output(self, text: str) -> None:
            echo(text, nl=False, err=True)

        def progress(self, project: str, task: Task, command: str, elapsed: float,
                     timeout: float) -> None:
            echo(f"sdd: {project} {task.key} still running after {elapsed:.0f} s "
                 f"(limit {timeout:.0f} s): $ {command}", err=True)

        def end(self, project: str, task: Task, result: RunResult) -> None:
            verdict = "passed" if result.passed else f"failed ({result.reason()})"
            which = f" check {self.index}/{len(task.checks)}" if len(task.checks) > 1 else ""
            echo(f"sdd: {project} {task.key}{which} {verdict} in {result.seconds:.1f} s",
                 err=True)

    return Printer()
