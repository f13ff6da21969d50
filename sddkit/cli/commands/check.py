"""``sdd check``: the deterministic gate over the whole AGENTS.ctx (CI and pre-commit)."""

from __future__ import annotations

import click

from sddkit import operations
from sddkit.cli.commands import emit, json_option, workspace


@click.command()
@click.argument("projects", nargs=-1, metavar="[PROJECT]...")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--run-tests", is_flag=True,
              help="Also run each spec's existing `test:` references (SDD-013). Without it "
                   "no command runs.")
@click.option("--test-command", default=None, metavar="CMD",
              help="How to run one reference, {ref} standing for it (default: this Python's "
                   "`-m pytest -q {ref}`).")
@click.option("--timeout", type=float, default=None, metavar="SECONDS",
              help="Time limit per test reference (default: $SDDKIT_VERIFY_TIMEOUT, else 600).")
@json_option
@click.pass_context
def check(ctx: click.Context, projects: tuple[str, ...], strict: bool, run_tests: bool,
          test_command: str | None, timeout: float | None, as_json: bool) -> None:
    """Check gates, drift, tasks, generated blocks, contexts and contracts.

    One finding per line, `path:line: RULE severity message (hint)`; rules are listed in
    docs/rules.md. Exit 1 on any error (with --strict, on any warning too). With PROJECT
    names, only those projects are checked (not the contexts, the inventory or contracts).
    """
    test_run = None
    if run_tests:
        from sddkit.checks import TestRun
        from sddkit.checks.evidence import default_test_command
        from sddkit.tasks.verification import timeout_seconds

        test_run = TestRun(test_command or default_test_command(), timeout_seconds(timeout))
    elif test_command is not None:
        raise click.UsageError("--test-command needs --run-tests")
    emit(ctx, operations.check(workspace(ctx), list(projects), strict, test_run,
                              form="json" if as_json else "lines"), as_json)
