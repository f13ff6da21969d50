"""Writes are all-or-nothing and never overwrite what someone else wrote (issue 14)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Invoke, fill, sdd_executable, tree_digest, walk_to

from sddkit.errors import SddkitError
from sddkit.io.fileio import transaction
from sddkit.io.line_merge import merge3

ASSETS = Path("AGENTS.ctx/sdd/assets")


def _user_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}
    return {**env, **extra}


# --- compare before replace ------------------------------------------------------------------


def test_a_hand_edit_elsewhere_in_the_file_is_kept(tmp_path: Path) -> None:
    """A line appended by a person between sddkit's read and its write survives: sddkit's
    edit is re-applied over theirs."""
    target = tmp_path / "CONTEXT.md"
    target.write_text("# notes\n<!-- a -->\nold table\n<!-- b -->\nmore\n")
    with transaction(tmp_path) as tx:
        text = tx.read(target)
        assert text is not None
        tx.write(target, text.replace("old table", "new table"))
        with target.open("a") as fh:  # the person's append, while sddkit works
            fh.write("a line by hand\n")
    assert target.read_text() == "# notes\n<!-- a -->\nnew table\n<!-- b -->\nmore\na line by hand\n"


def test_a_hand_tick_next_to_sddkits_tick_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "tasks.md"
    target.write_text("- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n")
    with transaction(tmp_path) as tx:
        tx.write(target, "- [x] T001 a <!-- done -->\n- [ ] T002 b\n- [ ] T003 c\n")
        target.write_text("- [ ] T001 a\n- [x] T002 b\n- [ ] T003 c\n")
    assert target.read_text() == "- [x] T001 a <!-- done -->\n- [x] T002 b\n- [ ] T003 c\n"


def test_an_overlapping_hand_edit_is_refused_naming_the_file(tmp_path: Path) -> None:
    target = tmp_path / "tasks.md"
    target.write_text("- [ ] T001 a\n- [ ] T002 b\n")
    with pytest.raises(SddkitError, match="edited by someone else") as info:
        with transaction(tmp_path) as tx:
            tx.write(target, "- [x] T001 a\n- [ ] T002 b\n")
            target.write_text("- [ ] T001 a, reworded\n- [ ] T002 b\n")
    assert info.value.path == target
    assert target.read_text() == "- [ ] T001 a, reworded\n- [ ] T002 b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sddkit.lock", "tasks.md"]


def test_a_file_created_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "new.md"
    with pytest.raises(SddkitError, match="was created by someone else"):
        with transaction(tmp_path) as tx:
            tx.write(target, "sddkit's\n")
            target.write_text("a person's\n")
    assert target.read_text() == "a person's\n"


@pytest.mark.parametrize(("base", "ours", "theirs", "merged"), [
    ("a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n", "A\nb\nC\n"),
    ("a\nb\n", "a\nb\nours\n", "a\nb\ntheirs\n", None),  # two insertions at one place
    ("a\nb\n", "X\nb\n", "Y\nb\n", None),
    ("a\r\nb\r\n", "a\r\nB\r\n", "z\r\na\r\nb\r\n", "z\r\na\r\nB\r\n"),
    ("a\nb", "a\nB", "a\nb", "a\nB"),
])
def test_merge3(base: str, ours: str, theirs: str, merged: str | None) -> None:
    assert merge3(base, ours, theirs) == merged


# --- all or nothing --------------------------------------------------------------------------


@pytest.fixture
def in_review(initialised: Path, sdd: Invoke) -> Path:
    sdd(initialised, "new", "demo")
    fill(initialised / ASSETS / "demo/constitution.md")
    assert sdd(initialised, "ready", "demo").exit_code == 0
    return initialised


def test_a_failed_replace_rolls_back_the_earlier_ones(in_review: Path) -> None:
    """`approve` writes the constitution, the new spec and the inventory; the second replace
    fails: the constitution is put back, no spec appears, nothing is left behind."""
    before = tree_digest(in_review)
    result = subprocess.run([sdd_executable(), "approve", "demo", "--by", "Grace"],
                            cwd=in_review, capture_output=True, text=True,
                            env=_user_env(SDDKIT_TEST_FAULT="replace:2"))
    assert result.returncode == 1
    assert "could not write it: injected fault" in result.stderr
    assert "it is unchanged" in result.stderr
    assert tree_digest(in_review) == before
    again = subprocess.run([sdd_executable(), "approve", "demo", "--by", "Grace"], cwd=in_review,
                           capture_output=True, text=True, env=_user_env())
    assert again.returncode == 0, again.stderr
    assert (in_review / ASSETS / "demo/spec.md").is_file()


def _file_size_limit(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_file_too_large_names_the_file_and_changes_nothing(initialised: Path, sdd: Invoke,
                                                          tmp_path: Path) -> None:
    """A real file-size limit (RLIMIT_FSIZE) below the new spec's size (seeded from a long
    source document): EFBIG while the temporary files are written, before any replace; the
    message names the file; nothing changed."""
    source = tmp_path / "plan-notes.md"
    source.write_text("# Notes\n\n" + "A line of the plan that came from elsewhere.\n" * 300)
    assert sdd(initialised, "new", "demo", "--from", str(source)).exit_code == 0
    fill(initialised / ASSETS / "demo/constitution.md")
    assert sdd(initialised, "ready", "demo").exit_code == 0
    limit = 6000
    assert (initialised / ASSETS / "demo/constitution.md").stat().st_size < limit
    assert (initialised / "AGENTS.ctx/sdd/CONTEXT.md").stat().st_size < limit
    before = tree_digest(initialised)
    result = subprocess.run([sdd_executable(), "approve", "demo", "--by", "Grace"],
                            cwd=initialised, capture_output=True, text=True, env=_user_env(),
                            preexec_fn=lambda: _file_size_limit(limit))
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("sdd: AGENTS.ctx/sdd/assets/demo/spec.md: could not write it: "
                                    "the file would exceed the file-size limit"), result.stderr
    assert tree_digest(initialised) == before


# --- a missing next phase is repaired and reported ----------------------------------------------


def test_missing_next_phase_is_reported_and_repaired(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", upto="constitution")
    spec = initialised / ASSETS / "demo/spec.md"
    spec.unlink()  # the state a failed multi-file write used to leave
    stray = initialised / ASSETS / "demo/.spec.md.0123abcd.sddkit-tmp"
    stray.write_text("half\n")
    check = sdd(initialised, "check")
    assert "demo/spec.md" in check.output and "missing" in check.output, check.output
    assert ".spec.md.0123abcd.sddkit-tmp" in check.output
    result = sdd(initialised, "ready", "demo")
    assert result.exit_code == 0, result.stderr
    assert "created" in result.output and spec.is_file()
    assert "status: draft" in spec.read_text()
    spec.unlink()
    result = sdd(initialised, "approve", "demo")
    assert result.exit_code == 0, result.stderr
    assert spec.is_file()


def test_mcp_ready_repairs_a_missing_phase_too(initialised: Path, sdd: Invoke) -> None:
    """The MCP ``ready`` tool goes through the same operation: a repair is a draft, with its
    file, never an internal error."""
    pytest.importorskip("mcp")
    from sddkit.cli.mcp_actions import ready_data
    from sddkit.workspace import Workspace

    walk_to(initialised, sdd, "demo", upto="constitution")
    spec = initialised / ASSETS / "demo/spec.md"
    spec.unlink()
    data = ready_data(Workspace(initialised), "demo")
    assert (data["phase"], data["status"]) == ("spec", "draft")
    assert data["file"] == (ASSETS / "demo/spec.md").as_posix() and spec.is_file()


# --- a person editing while sdd commands run (real processes) ---------------------------------

APPENDER = """
import os, sys, time
path, count = sys.argv[1], int(sys.argv[2])
for n in range(count):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    os.write(fd, f"hand line {n}\\n".encode())
    os.close(fd)
    time.sleep(0.004)
print("done", flush=True)
"""

TICKER = """
import os, sys, time
path, ids = sys.argv[1], sys.argv[2].split(",")
for key in ids:
    data = open(path, "rb").read()
    at = data.index(f"- [ ] {key} ".encode()) + 3
    fd = os.open(path, os.O_WRONLY)
    os.pwrite(fd, b"x", at)
    os.close(fd)
    time.sleep(0.05)
print("done", flush=True)
"""


def _implementing(root: Path, sdd: Invoke, count: int) -> Path:
    tasks = "".join(f"- [ ] T{n:03d} Step {n}\n" for n in range(1, count + 1))
    walk_to(root, sdd, "demo", tasks=tasks)
    return root / ASSETS / "demo/tasks.md"


def _while_a_person_edits(root: Path, script: str, args: list[str],
                          commands: list[list[str]]) -> None:
    """Run each sdd command (each must succeed) while the person's ``script`` runs."""
    person = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                              text=True)
    try:
        for command in commands:
            result = subprocess.run([sdd_executable(), *command], cwd=root, capture_output=True,
                                    text=True, env=_user_env())
            assert result.returncode == 0, (command, result.stderr)
    finally:
        assert person.stdout is not None and person.stdout.readline().strip() == "done"
        person.wait()


def test_lines_appended_to_the_sdd_context_during_done_undo_are_kept(
        initialised: Path, sdd: Invoke) -> None:
    """A person appends 400 lines to sdd/CONTEXT.md (the inventory's file) while `sdd done`
    and `sdd undo` rewrite its inventory 16 times: every appended line is there after."""
    _implementing(initialised, sdd, 3)
    context = initialised / "AGENTS.ctx/sdd/CONTEXT.md"
    _while_a_person_edits(initialised, APPENDER, [str(context), "400"],
                          [[verb, "T001", "--project", "demo"]
                           for _round in range(8) for verb in ("done", "undo")])
    text = context.read_text()
    missing = [n for n in range(400) if f"hand line {n}\n" not in text]
    assert missing == []
    assert sdd(initialised, "inventory", "--check").exit_code == 0


def test_boxes_ticked_by_hand_during_done_are_kept(initialised: Path, sdd: Invoke) -> None:
    """A person ticks T001-T010 in place while `sdd done` ticks T011-T020: all 20 are ticked."""
    path = _implementing(initialised, sdd, 20)
    hand = ",".join(f"T{n:03d}" for n in range(1, 11))
    _while_a_person_edits(initialised, TICKER, [str(path), hand],
                          [["done", f"T{n:03d}", "--project", "demo"] for n in range(11, 21)])
    text = path.read_text()
    unticked = [n for n in range(1, 21) if f"- [x] T{n:03d} " not in text]
    assert unticked == []


def _edit_just_before_replace(monkeypatch: pytest.MonkeyPatch, name: str,
                              edit: Callable[[Path], None]) -> list[int]:
    """Make the person's edit of the file called ``name`` land at the worst moment: after
    sddkit compared it, just before sddkit's ``os.replace`` over it (once)."""
    calls: list[int] = []
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == name and not calls:
            calls.append(1)
            edit(Path(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_a_hand_tick_at_the_moment_of_the_replace_is_kept(
        initialised: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _implementing(initialised, sdd, 3)

    def tick(target: Path) -> None:  # in place, as an editor that writes over the file does
        data = target.read_bytes()
        with target.open("r+b") as fh:
            fh.seek(data.index(b"- [ ] T003 ") + 3)
            fh.write(b"x")

    calls = _edit_just_before_replace(monkeypatch, "tasks.md", tick)
    result = sdd(initialised, "done", "T001", "--project", "demo")
    assert result.exit_code == 0, result.stderr
    assert calls == [1]
    text = path.read_text()
    assert "- [x] T001 " in text and "- [x] T003 " in text and "- [ ] T002 " in text


def test_a_line_appended_at_the_moment_of_the_replace_is_kept(
        initialised: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    _implementing(initialised, sdd, 3)
    context = initialised / "AGENTS.ctx/sdd/CONTEXT.md"

    def append(target: Path) -> None:
        with target.open("a") as fh:
            fh.write("a note typed at the worst moment\n")

    calls = _edit_just_before_replace(monkeypatch, "CONTEXT.md", append)
    result = sdd(initialised, "done", "T001", "--project", "demo")
    assert result.exit_code == 0, result.stderr
    assert calls == [1]
    text = context.read_text()
    assert text.endswith("a note typed at the worst moment\n")
    assert "1/3" in text  # sddkit's own edit (the inventory's progress) is there too
