"""The ``sdd`` entry point. ``sdd next``, ``sdd open`` and the plain write commands run
without click.

Agents run ``sdd next`` and ``sdd open`` (their hooks ``sdd open --brief``) at every
session start, and click's import is about half of what the command costs. When the
arguments are exactly ``[--root DIR] next [--json] [PROJECT | --project PROJECT]``,
``[--root DIR] open [--json] [NAME...]`` or ``[--root DIR] open --brief [--hook FORMAT]``,
this module answers with the same operation (``sddkit.operations.next_step``,
``open_briefing``, ``sddkit.agents.hook_briefing.run_hook``) and the same error boundary
the click command uses, from the answer kept by the last run when nothing it rests on
changed (:mod:`sddkit.io.next_memo`); any other arguments (help, options it does not
know) go to click, so the behaviour and the messages are the click command's
(``tests/test_entry.py`` compares them).
The write commands (``done``, ``approve``, ``ready``, ``new``, claims, blocks) do the same
through :mod:`sddkit.cli.fast_writes` (``tests/test_fast_writes.py``).
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on ``sdd next``
if TYPE_CHECKING:
    from collections.abc import Callable

    from sddkit.workspace import Workspace


def _root_option(argv: list[str]) -> tuple[str | None, list[str]]:
    """(the ``--root`` value or None, the arguments after it)."""
    if argv and argv[0] == "--root" and len(argv) > 1:
        return argv[1], argv[2:]
    if argv and argv[0].startswith("--root="):
        return argv[0].split("=", 1)[1], argv[1:]
    return None, list(argv)


def _parse_next(argv: list[str]) -> tuple[str | None, bool, str | None] | None:
    """(root, as_json, project) for a plain ``next`` invocation, or None to defer to click."""
    root, args = _root_option(argv)
    if not args or args[0] != "next":
        return None
    as_json = False
    project: str | None = None
    rest = args[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "--json" and not as_json:
            as_json = True
        elif arg in ("--project", "-p") and rest and project is None and rest[0] \
                and not rest[0].startswith("-"):
            project = rest.pop(0)
        elif not arg.startswith("-") and project is None and arg:
            project = arg
        else:
            return None
    if root is not None and (not root or not os.path.isdir(root)):
        return None  # let click word the usage error
    return root, as_json, project


def _next(root: str | None, as_json: bool, project: str | None) -> None:
    from sddkit.workspace import Workspace

    ws = Workspace.find(override=Path(root) if root is not None else None)
    if project is None:
        from sddkit.io import next_memo

        next_memo.start(ws.root, ws.assets)  # git looks at the files during the imports
    _show(_answer(ws, as_json, project), as_json)


def _answer(ws: Workspace, as_json: bool, project: str | None) -> object:
    """The step's JSON data or text: the last run's when nothing it rests on changed
    (:mod:`sddkit.io.next_memo`), else worked out (and kept for the next run)."""

    def answers() -> dict[str, object]:
        from sddkit.operations import next_step

        outcome = next_step(ws, project)  # the claimant: $SDDKIT_AGENT, else the login
        return {"data": outcome.data, "text": outcome.text}

    key = "data" if as_json else "text"
    if project is not None:  # one project's step: read afresh, never kept
        return answers()[key]
    return _remembered(ws, ("next",), key, answers)


def _remembered(ws: Workspace, asked: tuple[object, ...], key: str,
                answers: Callable[[], dict[str, object]]) -> object:
    """The answer ``key`` to the command ``asked`` (:func:`sddkit.io.next_memo.question`):
    kept from the last run when nothing it rests on changed, else ``answers()``'s, kept
    when it may be (:func:`sddkit.projects.next_step.worked_out`)."""
    from sddkit.io import next_memo

    def work_out() -> tuple[dict[str, object], bool]:
        from sddkit.projects.next_step import worked_out

        return worked_out(answers)

    return next_memo.remembered(ws.root, ws.assets, ws.ctx, next_memo.question(*asked), key,
                                work_out)


def _parse_open(argv: list[str]) -> tuple[str | None, bool, list[str], str | None] | None:
    """(root, as_json, context names, hook) for a plain ``open``
    (``[--root DIR] open [--json] [NAME...]``, hook None) or ``open --brief [--hook FORMAT]``
    invocation (hook: the ``--hook`` FORMAT, whose payload is read on stdin, ``plain``
    included; ``""`` for ``--brief`` alone: plain text, stdin left alone, as the click
    command does), else None to defer to click."""
    root, args = _root_option(argv)
    if not args or args[0] != "open" or (root is not None and (not root
                                                               or not os.path.isdir(root))):
        return None
    rest = args[1:]
    if rest[:1] == ["--brief"]:
        if rest[1:] == []:
            return root, False, [], ""
        from sddkit.agents.hook_briefing import FORMATS

        if len(rest) == 3 and rest[1] == "--hook" and rest[2] in FORMATS:
            return root, False, [], rest[2]
        return None
    as_json = "--json" in rest
    names = [arg for arg in rest if arg != "--json"]
    if rest.count("--json") > 1 or any(not name or name.startswith("-") for name in names):
        return None
    return root, as_json, names, None


def _open(root: str | None, as_json: bool, names: list[str], hook: str | None) -> int:
    from sddkit.workspace import Workspace

    if hook is not None:  # the session-start hooks' briefing: exit 0 whatever happens
        from sddkit.agents.hook_briefing import run_hook

        return run_hook(Path(root) if root is not None else None, hook or "plain",
                        sys.stdin if hook else None, sys.stdout)
    ws = Workspace.find(override=Path(root) if root is not None else None)
    from sddkit.io import next_memo

    if not names or names == ["sdd"]:  # the briefings that list the projects (kept ones)
        next_memo.start(ws.root, ws.assets, "open")  # git looks during the imports

    def answers() -> dict[str, object]:
        from sddkit.operations import open_briefing

        outcome = open_briefing(ws, names)
        return {"data": outcome.data, "text": outcome.text}

    answer = _remembered(ws, ("open", tuple(names)), "data" if as_json else "text", answers)
    _show(answer, as_json)
    return 0


def _show(answer: object, as_json: bool) -> None:
    from sddkit.cli.console import echo, print_json

    if as_json:
        print_json(answer, echo)
    else:
        echo(answer, nl=False)  # type: ignore[arg-type]


def _fast(args: list[str]) -> Callable[[], int | None] | None:
    """The command ``args`` names, run without click, or None when click must parse them."""
    if "_SDD_COMPLETE" in os.environ:  # click's shell completion
        return None
    parsed = _parse_next(args)
    if parsed is not None:
        return lambda: _next(*parsed)
    from sddkit.cli import console

    opened = _parse_open(args)
    if opened is not None and console.plain_streams():
        return lambda: _open(*opened)
    from sddkit.cli import fast_writes

    write = fast_writes.parse(args)
    if write is None or not console.plain_streams():
        return None
    return lambda: fast_writes.run(*write)


def main(argv: list[str] | None = None) -> None:
    from sddkit.cli.console import utf8_streams
    from sddkit.io.reading import os_text

    utf8_streams()  # a C locale: UTF-8 in and out, as the files are
    args = [os_text(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    command = _fast(args)
    if command is None:
        from sddkit.cli.group import main as click_main

        click_main(args)
        return
    from sddkit.cli.boundary import flush_caches, handle, report_faults
    from sddkit.io.terminal import escaped_output

    if argv is None:  # the process's own command line: it ends when the command does
        # A command here lives a fraction of a second, or a few seconds when it lists
        # 10,000 projects no cache knows: what it makes it keeps to the end (rows, cache
        # entries), and each pass of Python's cyclic garbage collector would walk all of it
        # again (a twentieth of such a run). The cycles it leaves are 3 MB at most. Left
        # off to the exit: turned on again, it would walk everything once more. A caller
        # that passes ``argv`` (a test, a program of its own) keeps its collector.
        gc.disable()
    with escaped_output():  # as the click group: repository text never reaches a terminal raw
        try:
            code = command() or 0
            faults = report_faults(False)  # the neighbours that cannot be read, on stderr
            code = code or faults
        except KeyboardInterrupt as exc:  # the same boundary as the click group's
            code = handle(exc)
        except Exception as exc:
            report_faults(False, exc)
            code = handle(exc)
        finally:
            flush_caches()
    sys.exit(code)
