"""Issue 14: every valid name works end to end in every scaffold.

A name is a slug (``[a-z0-9][a-z0-9-]{0,63}``, not reserved), and many slugs mean something
else to YAML when written unquoted: ``yes``/``no``/``on``/``off`` are booleans, ``null`` is
nothing, ``0x10``, ``017``, ``0b101`` and ``123`` are numbers, ``2026-01-01`` a date. Whatever
the name, ``sdd new`` (and every phase after it), ``sdd ctx new`` and ``sdd contracts new``
must write files that read back as that very name, and ``sdd check`` must stay clean.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from click.testing import CliRunner
from conftest import walk_to
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sddkit.cli.group import cli
from sddkit.errors import InvalidName
from sddkit.names import check_slug
from sddkit.repository.contexts import check_context_name

#: Slugs YAML 1.1 (PyYAML) or YAML 1.2 would read as something other than the text.
YAML_WORDS = ["yes", "no", "on", "off", "y", "n", "true", "false", "null", "nan", "inf",
              "0x10", "017", "0o17", "0b101", "123", "0", "1e3", "12e3", "2026-01-01",
              "2026-1-1", "1-2", "190-20-30", "1-0"]
TASKS = "## Phase 1\n\n- [ ] T001 First step\n  - verify: it works\n"


def _valid(name: str) -> bool:
    try:
        check_slug(name, "project")
        check_context_name(name)
    except InvalidName:
        return False
    return True


names = st.one_of(st.sampled_from(YAML_WORDS),
                  st.from_regex(r"[a-z0-9][a-z0-9-]{0,63}", fullmatch=True)).filter(_valid)


def _invoke(runner: CliRunner):  # type: ignore[no-untyped-def]
    def invoke(root: Path, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, ["--root", str(root), *args], input=input,
                             catch_exceptions=False)
    return invoke


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names)
@example(name="yes")
@example(name="null")
@example(name="0x10")
@example(name="2026-01-01")
@example(name="017")
def test_every_valid_name_works_in_every_scaffold(name: str) -> None:
    invoke = _invoke(CliRunner())
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        assert invoke(root, "init").exit_code == 0

        walk_to(root, invoke, name, upto="tasks", tasks=TASKS)  # every phase's template
        status = invoke(root, "status", name, "--json")
        assert status.exit_code == 0, status.stderr
        assert json.loads(status.stdout)["project"] == name
        done = invoke(root, "done", "T001", "--project", name)
        assert done.exit_code == 0, done.stderr

        result = invoke(root, "ctx", "new", name, "--includes", "sdd")
        assert result.exit_code == 0, result.stderr
        shown = invoke(root, "ctx", "show", name, "--json")
        assert json.loads(shown.stdout)["name"] == name
        opened = invoke(root, "open", name)
        assert opened.exit_code == 0, opened.stderr

        result = invoke(root, "contracts", "new", name)
        assert result.exit_code == 0, result.stderr

        check = invoke(root, "check", "--json")
        errors = [f for f in json.loads(check.stdout)["findings"] if f["severity"] == "error"]
        assert errors == [], errors
        assert check.exit_code == 0, check.stdout
        assert invoke(root, "inventory", "--check").exit_code == 0
