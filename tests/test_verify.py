"""Runnable checks (issue 18): `verify: $ CMD` run by `sdd done` and `sdd verify`, with real
commands that pass, fail, hang, print a lot or do not exist; the evidence in the done mark
and in the commit trailer, byte for byte."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import Invoke, git, tree_digest, walk_to

from sddkit.io.command_runner import TAIL_BYTES, run_command
from sddkit.projects.phases import gate_hash
from sddkit.tasks.verification import DoneMark, parse_mark

PY = sys.executable
TASKS = f"""## Phase 1: core

- [ ] T001 Create the module
  - verify: $ {PY} -c "print('module ok')"
- [ ] T002 Add the parser
  - verify: the parser reads the sample by eye
- [ ] T003 Wire the CLI
  - verify: $ {PY} -c "print('first')"
  - verify: $ {PY} -c "import sys; print('line 1', flush=True); print('boom', file=sys.stderr); sys.exit(3)"
- [ ] T004 Plain step
"""


def tasks_md(root: Path, name: str = "demo") -> Path:
    return root / "AGENTS.ctx/sdd/assets" / name / "tasks.md"


def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def head(root: Path) -> str:
    return git(root, "rev-parse", "--short=7", "HEAD").strip()


@pytest.fixture
def project(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "approved")
    return initialised


def task_line(root: Path, key: str, name: str = "demo") -> str:
    return next(line for line in tasks_md(root, name).read_text().splitlines(keepends=True)
                if f"] {key} " in line)


def approved(root: Path, sdd: Invoke, name: str, tasks: str) -> None:
    """Another project, approved and committed, whose tasks are ``tasks``."""
    walk_to(root, sdd, name, tasks=tasks)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{name} approved")


# --- sdd done -------------------------------------------------------------------------


def test_done_runs_the_check_and_records_the_pass(project: Path, sdd: Invoke) -> None:
    before = tasks_md(project).read_text()
    result = sdd(project, "done", "T001")
    assert result.exit_code == 0, result.stderr
    assert f"sdd: demo T001 check 1/1: $ {PY} -c" in result.stderr
    assert "sdd: demo T001 passed in" in result.stderr
    assert result.stdout == "T001 of demo done: Create the module\n"
    after = tasks_md(project).read_text()
    expected = (f"- [x] T001 Create the module <!-- done {today()} verify=passed "
                f"at={head(project)} -->\n")
    assert after == before.replace("- [ ] T001 Create the module\n", expected)
    # the tasks gate ignores the new mark as it ignores the box
    assert gate_hash("tasks", after) == gate_hash("tasks", before)
    assert json.loads(sdd(project, "status", "demo", "--json").stdout)["flags"] == []


def test_done_records_a_dirty_work_tree(project: Path, sdd: Invoke) -> None:
    (project / "wip.py").write_text("x = 1\n")  # an uncommitted change outside AGENTS.ctx
    assert sdd(project, "done", "T001").exit_code == 0
    assert f"verify=passed at={head(project)}-dirty -->" in task_line(project, "T001")


def test_failing_check_refuses_with_its_last_lines(project: Path, sdd: Invoke) -> None:
    before = tree_digest(project)
    result = sdd(project, "done", "T003")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"AGENTS.ctx/sdd/assets/demo/tasks.md:23: T003 of demo is not done: check 2 of 2 " \
           f"failed (exit 3): $ {PY} -c" in result.stderr, result.stderr
    tail = lines[lines.index("last 2 lines of its output:") + 1:]
    assert tail == ["  | line 1", "  | boom"]
    # each command's end names the check, not the task: T003 did not pass after check 1
    assert "sdd: demo T003 check 1/2 passed in " in result.stderr
    assert "sdd: demo T003 check 2/2 failed (exit 3) in " in result.stderr
    assert "sdd: demo T003 passed" not in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert tree_digest(project) == before


def test_no_verify_is_recorded(project: Path, sdd: Invoke) -> None:
    result = sdd(project, "done", "T003", "--no-verify")
    assert result.exit_code == 0, result.stderr
    assert "check" not in result.stderr  # nothing ran
    assert task_line(project, "T003") == (
        f"- [x] T003 Wire the CLI <!-- done {today()} verify=skipped -->\n")


def test_prose_and_no_check(project: Path, sdd: Invoke) -> None:
    assert sdd(project, "done", "T002").exit_code == 0
    assert sdd(project, "done", "T004", "--no-verify").exit_code == 0
    assert task_line(project, "T002").endswith(f"<!-- done {today()} verify=prose -->\n")
    assert task_line(project, "T004").endswith(f"<!-- done {today()} verify=none -->\n")


def test_done_dry_run_runs_nothing(project: Path, sdd: Invoke) -> None:
    marker = project / "ran"
    approved(project, sdd, "side", f"## Steps\n\n- [ ] T001 Create the module\n"
                                   f"  - verify: $ touch {marker}\n")
    before = tree_digest(project)
    result = sdd(project, "done", "T001", "--project", "side", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert f"+- [x] T001 Create the module <!-- done {today()} verify=passed at=" in result.stdout
    assert "1 runnable check(s) not run" in result.stderr
    assert not marker.exists() and tree_digest(project) == before


def test_commit_carries_the_task_trailer(project: Path, sdd: Invoke) -> None:
    result = sdd(project, "done", "T001", "--commit")
    assert result.exit_code == 0, result.stderr
    assert git(project, "log", "-1", "--format=%B") == (
        "sdd: demo T001 done\n\nSddkit-Task: demo/T001\n\n")
    trailers = git(project, "log", "-1", "--format=%(trailers:key=Sddkit-Task,valueonly)")
    assert trailers.strip() == "demo/T001"
    # the mark names the commit the check ran on, which is the commit before the tick
    assert f"at={head(project)}" not in task_line(project, "T001")
    assert f"at={git(project, 'rev-parse', '--short=7', 'HEAD~1').strip()}" in task_line(
        project, "T001")


FORCED = f"""## Steps

- [ ] T001 Create the module
  - verify: $ {PY} -c "print('module ok')"
- [ ] T002 Add the parser
  - depends: T001
  - verify: $ {PY} -c "print('parser ok')"
- [ ] T003 Talk to the vendor
  - blocked: waiting on the vendor's key
  - verify: $ {PY} -c "print('vendor ok')"
"""


def test_forced_done_records_the_outcome_and_what_it_overrode(project: Path,
                                                               sdd: Invoke) -> None:
    """#17's forced record and #18's outcome in one mark (docs/tasks.md, "The done mark")."""
    approved(project, sdd, "side", FORCED)
    refused = sdd(project, "done", "T002", "--project", "side")
    assert refused.exit_code == 1 and "T002 waits for T001; finish them first" in refused.stderr
    assert sdd(project, "done", "T002", "--project", "side", "--force").exit_code == 0
    assert task_line(project, "T002", "side") == (
        f"- [x] T002 Add the parser <!-- done {today()} verify=passed at={head(project)} "
        "forced: open T001 -->\n")
    assert sdd(project, "done", "T003", "--project", "side", "--force", "--no-verify"
               ).exit_code == 0
    assert task_line(project, "T003", "side") == (
        f"- [x] T003 Talk to the vendor <!-- done {today()} verify=skipped forced: blocked -->\n")
    # sdd show and sdd log read the forced part back
    shown = json.loads(sdd(project, "show", "T002", "--project", "side", "--json").stdout)
    assert shown["mark"]["forced"] == ["open T001"] and shown["mark"]["verify"] == "passed"
    sha = head(project)
    git(project, "commit", "-q", "-am", "forced")
    log = json.loads(sdd(project, "log", "side", "--json").stdout)["events"]
    assert sorted(e["detail"] for e in log if e["event"] == "forced-done") == [
        f"T002 Add the parser ({today()} verify=passed at={sha} forced: open T001)",
        f"T003 Talk to the vendor ({today()} verify=skipped forced: blocked)"]


def test_done_runs_the_check_then_clears_the_claim(project: Path, sdd: Invoke) -> None:
    assert sdd(project, "start", "T001", "--as", "alice").exit_code == 0
    assert "claimed: alice" in tasks_md(project).read_text()
    failed = sdd(project, "done", "T003")  # a failing check keeps the claim
    assert failed.exit_code == 1
    assert sdd(project, "done", "T001").exit_code == 0
    text = tasks_md(project).read_text()
    assert "claimed:" not in text
    assert (f"- [x] T001 Create the module <!-- done {today()} verify=passed "
            f"at={head(project)} -->\n") in text


# --- the runner: hanging, printing a lot, missing program, progress ----------------------


def test_hanging_check_is_killed_with_its_whole_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    command = f"sleep 300 & echo $! > {pids}; sleep 300"
    started = time.monotonic()
    result = run_command(command, tmp_path, timeout=1.0)
    assert time.monotonic() - started < 10
    assert result.timed_out and result.exit_code is None and not result.passed
    assert result.reason().startswith("timed out after 1 s")
    child = int(pids.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:  # pragma: no cover - the failure being tested for
        os.kill(child, signal.SIGKILL)
        pytest.fail("the background child outlived the time limit")


def test_child_left_holding_the_output_does_not_hang(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_command("sleep 300 & echo started", tmp_path, timeout=60)
    assert time.monotonic() - started < 15
    assert result.passed and result.last_lines() == ["started"]


def test_a_lot_of_output_keeps_only_the_tail(tmp_path: Path) -> None:
    seen = []
    code = "import sys\nfor i in range(200000): sys.stdout.write(f'line {i:06d}\\n')"
    result = run_command(f"{PY} -c \"{code}\"", tmp_path, timeout=60,
                         on_output=seen.append)
    assert result.passed
    assert result.output_bytes == 200000 * 12 == sum(len(s.encode()) for s in seen)
    assert len(result.tail.encode()) <= TAIL_BYTES
    assert result.last_lines(3) == ["line 199997", "line 199998", "line 199999"]


def test_missing_program(tmp_path: Path) -> None:
    result = run_command("no-such-program-sddkit-test --flag", tmp_path, timeout=30)
    assert result.exit_code == 127 and result.reason() == "exit 127: command not found"
    assert "no-such-program-sddkit-test" in result.last_lines()[-1]


def test_progress_on_a_long_silent_run(tmp_path: Path) -> None:
    beats: list[float] = []
    result = run_command("sleep 1", tmp_path, timeout=30, on_progress=beats.append,
                         progress_every=0.2)
    assert result.passed and len(beats) >= 2 and beats == sorted(beats)


def test_cli_timeout_and_missing_program(project: Path, sdd: Invoke) -> None:
    approved(project, sdd, "edge", "## Steps\n\n- [ ] T001 Wait\n  - verify: $ sleep 30\n"
                                   "- [ ] T002 Call\n  - verify: $ no-such-program-sddkit-test\n")
    result = sdd(project, "done", "T001", "--project", "edge", "--timeout", "0.5")
    assert result.exit_code == 1
    assert "check 1 of 1 failed (timed out after 1 s (the whole process group was ended)): " \
           "$ sleep 30 (it printed nothing)" in result.stderr
    result = sdd(project, "done", "T002", "--project", "edge")
    assert result.exit_code == 1 and "(exit 127: command not found)" in result.stderr
    assert "no-such-program-sddkit-test: not found" in result.stderr


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan"])
def test_bad_timeout_is_one_line(project: Path, sdd: Invoke, value: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDDKIT_VERIFY_TIMEOUT", value)
    result = sdd(project, "done", "T001")
    assert result.exit_code == 1
    assert result.stderr.startswith("sdd: SDDKIT_VERIFY_TIMEOUT must be a number of seconds")
    assert result.stderr.count("\n") == 1


# --- sdd verify -----------------------------------------------------------------------


def test_verify_a_task_streams_and_does_not_record_an_open_one(project: Path,
                                                               sdd: Invoke) -> None:
    before = tree_digest(project)
    result = sdd(project, "verify", "T001")
    assert result.exit_code == 0, result.stderr
    assert "module ok\n" in result.stderr  # streamed
    row = result.stdout.splitlines()[1]
    assert row.split()[:3] == ["demo", "T001", "passed"] and row.endswith("  1 of 1 passed")
    assert tree_digest(project) == before  # an open task's result is not recorded


def test_verify_all_table_json_and_recording(project: Path, sdd: Invoke) -> None:
    for key in ("T001", "T002", "T004"):
        assert sdd(project, "done", key).exit_code == 0
    assert sdd(project, "done", "T003", "--no-verify").exit_code == 0
    git(project, "commit", "-qam", "all done")
    result = sdd(project, "verify", "--all", "--json")
    assert result.exit_code == 1  # T003's second check fails
    data = json.loads(result.stdout)
    assert data["schema"] == "sddkit.verify/1" and data["timeout"] == 600.0
    assert data["summary"] == {"tasks": 4, "passed": 1, "failed": 1, "skipped": 0, "prose": 1,
                               "none": 1}
    rows = {r["task"]: r for r in data["results"]}
    assert rows["T001"]["outcome"] == "passed" and rows["T001"]["recorded"] is False
    assert rows["T001"]["mark"] == "passed" and rows["T001"]["at"] == head(project)
    three = rows["T003"]
    assert three["outcome"] == "failed" and three["recorded"] is True and three["mark"] == "skipped"
    assert [c["exit_code"] for c in three["checks"]] == [0, 3]
    assert three["checks"][1]["tail"] == ["line 1", "boom"] and three["not_run"] == []
    assert rows["T002"]["outcome"] == "prose" and rows["T002"]["checks"] == []
    assert data["files"] == ["AGENTS.ctx/sdd/assets/demo/tasks.md"]
    # the failure is now the recorded evidence, and the gate is still open
    assert task_line(project, "T003") == (
        f"- [x] T003 Wire the CLI <!-- done {today()} verify=failed at={head(project)} -->\n")
    assert json.loads(sdd(project, "status", "demo", "--json").stdout)["flags"] == []
    # fix the check: the pass is recorded once; a second green run writes nothing
    text = tasks_md(project).read_text().replace("sys.exit(3)", "sys.exit(0)")
    tasks_md(project).write_text(text)
    table = sdd(project, "verify", "demo")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["Project", "Task", "Outcome", "Seconds", "Check"]
    assert lines[1].split()[:3] == ["demo", "T001", "passed"]
    assert lines[3].split()[:4] == ["demo", "T003", "passed", "(recorded)"]
    assert lines[3].endswith("2 of 2 passed")
    assert lines[-1] == "2 passed, 1 prose, 1 none"
    again = tree_digest(project)
    assert sdd(project, "verify", "--all").exit_code == 0
    assert tree_digest(project) == again


def test_verify_refuses_bad_selections(project: Path, sdd: Invoke) -> None:
    result = sdd(project, "verify")
    assert result.exit_code == 1 and "name a TASK or a PROJECT" in result.stderr
    result = sdd(project, "verify", "demo", "--all")
    assert result.exit_code == 1 and "--all verifies every project" in result.stderr
    result = sdd(project, "verify", "T999")
    assert result.exit_code == 1 and "no task 'T999'" in result.stderr


def test_verify_with_no_done_task_prints_no_empty_table(project: Path, sdd: Invoke) -> None:
    for args in (["--all"], ["demo"]):
        result = sdd(project, "verify", *args)
        assert result.exit_code == 0, result.stderr
        assert result.stdout == "nothing to verify: no task is done yet\n", args


def test_read_commands_never_run_checks(project: Path, sdd: Invoke) -> None:
    marker = project / "ran"
    text = tasks_md(project).read_text().replace(
        f"$ {PY} -c \"print('module ok')\"", f"$ touch {marker}")
    tasks_md(project).write_text(text)
    for args in (["next"], ["next", "--json"], ["status"], ["status", "demo"], ["open", "sdd"],
                 ["check"], ["inventory", "--check"]):
        sdd(project, *args)
        assert not marker.exists(), args


def test_mark_round_trip() -> None:
    assert parse_mark("2026-11-21 d7c708f") == DoneMark("2026-11-21", None, None, ["d7c708f"])
    mark = parse_mark("2026-11-30 verify=passed at=abc1234-dirty by=x")
    assert mark == DoneMark("2026-11-30", "passed", "abc1234-dirty", ["by=x"])
    assert mark.render() == "2026-11-30 verify=passed at=abc1234-dirty by=x"
    assert parse_mark("2026-11-21 d7c708f").render() == "2026-11-21"  # the old SHA goes
    # #17's forced marks, old and new: the forced part runs to the end and stays last
    old = parse_mark("2026-11-30 a1b2c3d forced: open T001, T002; blocked")
    assert old == DoneMark("2026-11-30", None, None, ["a1b2c3d"], ["open T001, T002", "blocked"])
    assert old.render() == "2026-11-30 forced: open T001, T002; blocked"
    new = parse_mark("2026-11-30 verify=passed at=a1b2c3d forced: open T001")
    assert new == DoneMark("2026-11-30", "passed", "a1b2c3d", [], ["open T001"])
    new.verify, new.at = "failed", "b2c3d4e"  # what `sdd verify` rewrites keeps the rest
    assert new.render() == "2026-11-30 verify=failed at=b2c3d4e forced: open T001"


def test_the_documented_marks_read_as_documented() -> None:
    """docs/tasks.md's examples, byte for byte: each reads into its parts and renders back."""
    doc = (Path(__file__).parents[1] / "docs/tasks.md").read_text(encoding="utf-8")
    section = doc[doc.index("## The done mark"):doc.index("## Importing a plan")]
    marks = [line.split("<!-- done ", 1)[1].rsplit(" -->", 1)[0]
             for line in section.splitlines() if line.startswith("- [x] ")]
    parts = [(m.date, m.verify, m.at, m.other, m.forced) for m in map(parse_mark, marks)]
    assert parts == [
        ("2026-11-30", "passed", "a1b2c3d", [], []),
        ("2026-11-30", "skipped", None, [], []),
        ("2026-11-30", "prose", None, [], []),
        ("2026-11-30", "passed", "a1b2c3d-dirty", [], ["open T002"]),
        ("2026-11-30", "none", None, [], ["blocked"]),
    ]
    assert [parse_mark(m).render() for m in marks] == marks


# --- sdd show: the record of one task ------------------------------------------------------


def test_show_finds_the_commits_that_name_the_task(project: Path, sdd: Invoke) -> None:
    (project / "module.py").write_text("x = 1\n")
    git(project, "add", "module.py")
    git(project, "commit", "-q", "-m", "Add the module\n\nSddkit-Task: demo/T001")
    git(project, "commit", "-q", "--allow-empty", "-m", "Mentions demo/T001 in passing")
    assert sdd(project, "done", "T001", "--commit").exit_code == 0
    data = json.loads(sdd(project, "show", "T001", "--json").stdout)
    assert data["schema"] == "sddkit.show/1" and data["state"] == "done"
    assert data["trailer"] == "Sddkit-Task: demo/T001"
    assert [c["subject"] for c in data["commits"]] == ["sdd: demo T001 done", "Add the module"]
    assert data["mark"]["verify"] == "passed"
    assert data["mark"]["at"] == git(project, "rev-parse", "--short=7", "HEAD~1").strip()
    assert data["checks"] == [f"{PY} -c \"print('module ok')\""]
    text = sdd(project, "show", "T001").stdout
    assert text.startswith("T001 of demo: Create the module (done)\n")
    assert "  commits with 'Sddkit-Task: demo/T001':\n" in text
    assert "Mentions demo/T001" not in text
    # an open task: listed checks, nothing run, no commits
    three = sdd(project, "show", "T003")
    assert three.exit_code == 0 and "commits: none carry 'Sddkit-Task: demo/T003'" in three.stdout
    assert three.stdout.count("verify (check):") == 2 and three.stderr == ""


# --- sdd check: SDD-012 (no recorded pass) and SDD-013 (--run-tests) ----------------------


def check_json(sdd: Invoke, root: Path, *args: str) -> list[tuple[str, str, str]]:
    result = sdd(root, "check", "--json", *args)
    return [(f["rule"], f["severity"], f["message"])
            for f in json.loads(result.stdout)["findings"]
            if f["rule"] in ("SDD-012", "SDD-013")]  # T004 has no check on purpose


def test_sdd012_done_without_a_recorded_pass(project: Path, sdd: Invoke) -> None:
    assert check_json(sdd, project) == []
    assert sdd(project, "done", "T001").exit_code == 0
    assert sdd(project, "done", "T003", "--no-verify").exit_code == 0
    assert check_json(sdd, project) == [
        ("SDD-012", "warning", "T003 was checked off with --no-verify: its runnable checks "
                               "have no recorded pass")]
    # a regression recorded by sdd verify is an error
    assert sdd(project, "verify", "T003").exit_code == 1
    assert check_json(sdd, project) == [
        ("SDD-012", "error", f"T003 is done but its runnable check failed at {head(project)}")]
    # a box ticked by hand: the phantom completion
    text = tasks_md(project).read_text()
    done_t003 = task_line(project, "T003")
    tasks_md(project).write_text(text.replace(done_t003, "- [x] T003 Wire the CLI\n"))
    [(rule, severity, message)] = check_json(sdd, project)
    assert (rule, severity) == ("SDD-012", "error")
    assert message.startswith("T003 is done but no pass of its runnable checks is recorded")
    result = sdd(project, "check")
    assert ("(run `sdd verify T003 --project demo`, or `sdd undo T003 --project demo` and "
            "tick it with `sdd done T003 --project demo`)") in result.stdout
    assert result.exit_code == 1


SPEC_TESTS = """- EC-002 Passes. test: tests/test_refs.py::test_passes
- EC-003 Fails. test: tests/test_refs.py::test_fails
"""


def spec_project(root: Path, sdd: Invoke, lines: str) -> None:
    walk_to(root, sdd, "refs", upto="constitution")
    from conftest import fill

    spec = root / "AGENTS.ctx/sdd/assets/refs/spec.md"
    fill(spec)
    spec.write_text(spec.read_text().replace("## Error handling", lines + "\n## Error handling"))
    walk_to(root, sdd, "refs", tasks="## Steps\n\n- [ ] T001 Only step\n")


def test_sdd013_runs_the_spec_tests_only_when_asked(initialised: Path, sdd: Invoke) -> None:
    (initialised / "tests").mkdir()
    ran = initialised / "ran"
    (initialised / "tests/test_refs.py").write_text(
        f"open({str(ran)!r}, 'a').write('x')\n\n"
        "def test_passes():\n    pass\n\n\ndef test_fails():\n    assert 1 == 2\n")
    spec_project(initialised, sdd, SPEC_TESTS)
    assert check_json(sdd, initialised) == [] and not ran.exists()
    command = f"{PY} -m pytest -q -p no:cacheprovider {{ref}}"
    findings = check_json(sdd, initialised, "--run-tests", "--test-command", command)
    assert ran.exists()
    [(rule, severity, message)] = findings
    assert (rule, severity) == ("SDD-013", "error")
    assert message.startswith("test 'tests/test_refs.py::test_fails' fails (exit 1): $ ")
    assert "1 failed" in message  # its last line of output
    usage = sdd(initialised, "check", "--test-command", "x {ref}")
    assert usage.exit_code == 2 and "--test-command needs --run-tests" in usage.stderr


def test_done_of_the_last_task_reports_missing_test_references(initialised: Path,
                                                              sdd: Invoke) -> None:
    spec_project(initialised, sdd, "- EC-002 Gone. test: tests/test_gone.py::test_x\n")
    result = sdd(initialised, "done", "T001", "--project", "refs")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("sdd: every task of refs is done, but "
                                    "AGENTS.ctx/sdd/assets/refs/spec.md:")
    assert "SDD-009 tests/test_gone.py does not exist (referenced as " \
           "'tests/test_gone.py::test_x') (write the test or fix the reference)" in result.stderr


# --- one operation behind every front end (issue 12) ---------------------------------------


def _without_seconds(data: dict) -> dict:
    for result in data["results"]:
        for check in result["checks"]:
            check.pop("seconds")
    return data


def test_verify_and_show_are_one_operation(project: Path, sdd: Invoke) -> None:
    from sddkit import operations
    from sddkit.workspace import Workspace

    assert sdd(project, "done", "T001").exit_code == 0
    assert sdd(project, "done", "T003", "--no-verify").exit_code == 0
    first = json.loads(sdd(project, "verify", "--all", "--json").stdout)
    assert first["files"] == ["AGENTS.ctx/sdd/assets/demo/tasks.md"]  # T003's failure recorded
    cli = sdd(project, "verify", "--all", "--json")  # the same state again: nothing to record
    assert cli.exit_code == 1  # T003's second check fails
    ran = operations.verify(Workspace(project), every=True)
    assert ran.exit_code == 1 and ran.files == []
    assert _without_seconds(ran.data) == _without_seconds(json.loads(cli.stdout))
    assert [r.outcome for r in ran.report.results] == ["passed", "failed"]
    shown = operations.show(Workspace(project), "T003")
    assert shown.data == json.loads(sdd(project, "show", "T003", "--json").stdout)
    assert shown.text == sdd(project, "show", "T003").stdout
