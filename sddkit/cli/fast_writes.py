"""The write commands without click: ``sdd done``, ``undo``, ``approve``, ``ready``, ``new``,
``start``, ``release``, ``block`` and ``unblock`` in their plain forms (issue 15).

A write changes one project and takes a few hundredths of a second; importing click and
building its command tree cost about as much again. When the arguments are exactly one of
the :data:`GRAMMARS` below (each option at most once, every value a plain word), the
command runs here, through the same operation, the same person check and the same error
boundary (:func:`sddkit.cli.entry.main`) as its click command, and prints with
:func:`sddkit.cli.console.echo`, which writes what ``click.echo`` writes. Anything else
(``--help``, ``--strict``, ``--root=`` on a missing folder, ``--opt=value``, ``--`` or a value
starting with ``-``, an empty value, a repeated or unknown option, a missing or extra
argument, another platform, an ASCII-encoded stream) goes to click, so usage errors and
help are click's. ``tests/test_fast_writes.py`` compares the two paths on every command.

The bodies of ``done`` and ``approve`` (the person check, the checks' listener) are
:func:`done` and :func:`approve`, which the click commands call too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from sddkit.cli.console import Echo
    from sddkit.operations import Outcome

#: command -> (its arguments, in order; value options: spelling -> parameter; flags:
#: spelling -> parameter; options the command requires). Mirrors the click commands in
#: ``sddkit/cli/commands/`` for the options the fast path serves.
GRAMMARS: dict[str, tuple[tuple[str, ...], dict[str, str], dict[str, str], tuple[str, ...]]] = {
    "done": (("task",), {"--project": "project", "-p": "project"},
             {"--commit": "commit", "--force": "force", "--no-verify": "no_verify",
              "--dry-run": "dry_run", "--json": "as_json"}, ()),
    "undo": (("task",), {"--project": "project", "-p": "project"},
             {"--dry-run": "dry_run"}, ()),
    "approve": (("project",), {"--by": "by"},
                {"--force": "force", "--commit": "commit", "--dry-run": "dry_run"}, ()),
    "ready": (("project",), {}, {"--dry-run": "dry_run"}, ()),
    "new": (("project",), {"--title": "title"}, {"--dry-run": "dry_run"}, ()),
    "start": (("task",), {"--project": "project", "-p": "project", "--as": "as_name"},
              {"--steal": "steal", "--json": "as_json", "--dry-run": "dry_run"}, ()),
    "release": (("task",), {"--project": "project", "-p": "project", "--as": "as_name"},
                {"--force": "force", "--json": "as_json", "--dry-run": "dry_run"}, ()),
    "block": (("name",), {"--reason": "reason", "--project": "project", "-p": "project"},
              {"--dry-run": "dry_run"}, ("reason",)),
    "unblock": (("name",), {"--project": "project", "-p": "project"},
                {"--dry-run": "dry_run"}, ()),
}


def parse(argv: list[str]) -> tuple[Path | None, str, dict[str, Any]] | None:
    """(``--root``, command, its parameters) for a plain write invocation, or None to defer
    to click. Every flag of the command's grammar is in the parameters (False when absent),
    every value option absent is None."""
    root: str | None = None
    args = list(argv)
    if len(args) > 1 and args[0] == "--root":
        root, args = args[1], args[2:]
    elif args and args[0].startswith("--root="):
        root, args = args[0].split("=", 1)[1], args[1:]
    if not args or args[0] not in GRAMMARS:
        return None
    command, rest = args[0], args[1:]
    arguments, options, flags, required = GRAMMARS[command]
    values: dict[str, Any] = dict.fromkeys(flags.values(), False)
    values.update(dict.fromkeys(options.values()))
    seen: set[str] = set()
    given: list[str] = []
    while rest:
        token = rest.pop(0)
        if not token:
            return None
        if token in flags or token in options:
            name = flags[token] if token in flags else options[token]
            if name in seen:
                return None
            seen.add(name)
            if token in flags:
                values[name] = True
                continue
            if not rest or not rest[0] or rest[0].startswith("-"):
                return None
            values[name] = rest.pop(0)
        elif token.startswith("-"):
            return None  # help, another option, `--opt=value`, `--`: click's to answer
        else:
            given.append(token)
    if len(given) != len(arguments) or any(values[name] is None for name in required):
        return None
    values.update(zip(arguments, given))
    if root is not None and (not root or not Path(root).is_dir()):
        return None  # let click word the usage error
    return (Path(root) if root is not None else None), command, values


def run(root: Path | None, command: str, values: dict[str, Any]) -> int:
    """Run a parsed write command (see :func:`parse`) and show its outcome; the exit code.
    Errors propagate to the caller's error boundary."""
    from sddkit.cli.console import echo, emit

    outcome = _ACTIONS[command](root, values, echo)
    return emit(outcome, bool(values.get("as_json")), echo)


def _workspace(root: Path | None) -> Any:
    from sddkit.workspace import Workspace

    return Workspace.find(override=root)


def done(root: Path | None, task: str, project: str | None, commit: bool, force: bool,
         no_verify: bool, timeout: float | None, dry_run: bool, echo: Echo) -> Outcome:
    """``sdd done``: who is at the keyboard for ``--force`` (a front end's question), then
    :func:`sddkit.operations.complete`, its checks heard by a listener printing with ``echo``."""
    if force and not dry_run:
        from sddkit.approvals.person import require_person

        require_person(f"sdd done {task} --force", project or task)
    from sddkit import operations
    from sddkit.cli.console import listener

    return operations.complete(_workspace(root), task, project, force, commit, dry_run,
                               no_verify=no_verify, timeout=timeout,
                               listener=listener(False, echo))


def approve(root: Path | None, project: str, by: str | None, force: bool, commit: bool,
            dry_run: bool) -> Outcome:
    """``sdd approve`` (not ``--all-imported``): a person's act, refused in an agent's shell
    unless a person confirms on the terminal; then :func:`sddkit.operations.approve`."""
    from sddkit import operations

    if not dry_run:
        from sddkit.approvals.person import require_person

        require_person(f"sdd approve {project}" + (" --force" if force else ""), project)
    return operations.approve(_workspace(root), project, by, force, dry_run, commit)


def _operation(name: str) -> Callable[..., Outcome]:
    from sddkit import operations

    return getattr(operations, name)  # type: ignore[no-any-return]


_ACTIONS: dict[str, Callable[[Path | None, dict[str, Any], Echo], Outcome]] = {
    "done": lambda root, v, echo: done(root, v["task"], v["project"], v["commit"], v["force"],
                                       v["no_verify"], None, v["dry_run"], echo),
    "undo": lambda root, v, echo: _operation("undo")(_workspace(root), v["task"], v["project"],
                                                     v["dry_run"]),
    "approve": lambda root, v, echo: approve(root, v["project"], v["by"], v["force"],
                                             v["commit"], v["dry_run"]),
    "ready": lambda root, v, echo: _operation("ready")(_workspace(root), v["project"],
                                                       v["dry_run"]),
    "new": lambda root, v, echo: _operation("new_project")(_workspace(root), v["project"],
                                                           v["title"], None, v["dry_run"]),
    "start": lambda root, v, echo: _operation("start")(_workspace(root), v["task"], v["project"],
                                                       v["as_name"], v["steal"], v["dry_run"]),
    "release": lambda root, v, echo: _operation("release")(_workspace(root), v["task"],
                                                           v["project"], v["as_name"],
                                                           v["force"], v["dry_run"]),
    "block": lambda root, v, echo: _operation("block")(_workspace(root), v["name"], v["reason"],
                                                       v["project"], v["dry_run"]),
    "unblock": lambda root, v, echo: _operation("unblock")(_workspace(root), v["name"],
                                                           v["project"], v["dry_run"]),
}
