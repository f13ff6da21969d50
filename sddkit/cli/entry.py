"""The ``sdd`` entry point. ``sdd next`` and the plain write commands run without click.

Agents run ``sdd next`` at every session start, and click's import is about half of what
the command costs. When the arguments are exactly ``[--root DIR] next [--json] [PROJECT | --project PROJECT]``,
this module answers with the same operation (``sddkit.operations.next_step``) and the
same error boundary the click command uses; any other arguments (help, options it does not know) go to click, so the
behaviour and the messages are the click command's (``tests/test_entry.py`` compares them).
The write commands (``done``, ``approve``, ``ready``, ``new``, claims, blocks) do the same
through :mod:`sddkit.cli.fast_writes` (``tests/test_fast_writes.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on ``sdd next``
if TYPE_CHECKING:
    from collections.abc import Callable

    from sddkit.workspace import Workspace


def _parse_next(argv: list[str]) -> tuple[str | None, bool, str | None] | None:
    """(root, as_json, project) for a plain ``next`` invocation, or None to defer to click."""
    root: str | None = None
    args = list(argv)
    if args and args[0] == "--root" and len(args) > 1:
        root, args = args[1], args[2:]
    elif args and args[0].startswith("--root="):
        root, args = args[0].split("=", 1)[1], args[1:]
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
    if root is not None and (not root or not Path(root).is_dir()):
        return None  # let click word the usage error
    return root, as_json, project


def _next(root: str | None, as_json: bool, project: str | None) -> None:
    from sddkit.workspace import Workspace

    ws = Workspace.find(override=Path(root) if root is not None else None)
    if project is None:
        from sddkit.io import next_memo

        next_memo.start(ws.root, ws.assets)  # git looks at the files during the imports
    answer = _answer(ws, as_json, project)
    from sddkit.cli.console import echo, print_json

    if as_json:
        print_json(answer, echo)
    else:
        echo(answer, nl=False)  # type: ignore[arg-type]


def _answer(ws: Workspace, as_json: bool, project: str | None) -> object:
    """The step's JSON data or text: the last run's when nothing it rests on changed
    (:mod:`sddkit.io.next_memo`), else worked out (and kept for the next run)."""
    import os

    from sddkit.io import next_memo

    # Who claims: $SDDKIT_AGENT, else the login name, which getpass.getuser() takes from the
    # first of these variables set, else from the user id (its documented order). Their
    # values are the question: importing getpass is a cost every warm `next` would pay.
    login = (*(os.environ.get(name) for name in ("LOGNAME", "USER", "LNAME", "USERNAME")),
             os.getuid() if hasattr(os, "getuid") else None)
    question = ("next", project, os.environ.get("SDDKIT_AGENT"), login)
    key = "data" if as_json else "text"
    places = (ws.root, ws.assets, ws.ctx)
    if project is None:
        kept = next_memo.lookup(*places, question, key)
        if kept is not None:
            return kept
    from sddkit.operations import next_step
    from sddkit.projects import fault_isolation
    from sddkit.projects import next_step as steps

    steps.CLAIMS_READ.clear()
    outcome = next_step(ws, project)  # the claimant: $SDDKIT_AGENT, else the login name
    answers = {"data": outcome.data, "text": outcome.text}
    if project is None and not steps.CLAIMS_READ and not fault_isolation.recorded():
        try:
            entries = os.listdir(ws.assets)
        except OSError:
            return answers[key]
        next_memo.store(*places, question, answers, entries)
    return answers[key]


def _fast(args: list[str]) -> Callable[[], int | None] | None:
    """The command ``args`` names, run without click, or None when click must parse them."""
    import os

    if "_SDD_COMPLETE" in os.environ:  # click's shell completion
        return None
    parsed = _parse_next(args)
    if parsed is not None:
        return lambda: _next(*parsed)
    from sddkit.cli import console, fast_writes

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
