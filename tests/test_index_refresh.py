"""A listing that keys every project again lets git refresh its index (issue 15), so the
second ``sdd next`` in a fresh clone asks git no re-hash of "racily clean" files, and
nothing it records outlives the bytes it describes: staged content stays as it was, an
``index.lock`` someone else holds changes nothing, a ``git add`` racing the refresh leaves
no signature of an index the records do not match, and hand edits are seen.

A fresh clone is made "racy" the way a fast ``git clone`` leaves it: the index file no
newer (in whole seconds) than the files it describes; git then re-reads every such file
on every ``git diff-files`` until something writes the index again.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import git
from test_cache import ASSETS, edit_in_place
from test_cache import repo as repo  # the repository cloned (two projects, committed)
from test_next_memo import kept, run_next, seen, truth

from sddkit.cli import entry
from sddkit.io import cache, content_keys, index_refresh
from sddkit.io import git as git_module


def stale_entries(root: Path) -> list[str]:
    """The index entries under ``ASSETS`` git cannot trust by their stat data, from git's
    own listing (``git ls-files --debug``): racily clean (the file not older than the
    index, in whole seconds, as git compares without nanoseconds) or smudged (size 0)."""
    index_time = int(os.stat(root / ".git" / "index").st_mtime)
    out: list[str] = []
    for line in git(root, "ls-files", "--debug", "--", ASSETS).splitlines():
        field, _sep, value = line.strip().partition(": ")
        if not line.startswith(" "):
            name = line
        elif (field == "mtime" and int(value.split(":")[0]) >= index_time) \
                or (field == "size" and value.split()[0] == "0"):
            out.append(name)
    return sorted(set(out))


def make_racy(root: Path) -> None:
    """Git's index as a fast ``git clone`` leaves it: written in the same second as every
    file it lists (whatever else it says stays); then wait for git's clock to move on."""
    oldest = min(os.stat(root / line).st_mtime_ns
                 for line in git(root, "ls-files").splitlines())
    os.utime(root / ".git" / "index", ns=(oldest, oldest))
    assert stale_entries(root) == sorted(git(root, "ls-files", "--", ASSETS).splitlines())
    time.sleep(max(0.0, int(time.time()) + 1.05 - time.time()))


@pytest.fixture
def clone(repo: Path, tmp_path: Path) -> Path:
    """A fresh clone of ``repo``, every entry of its index racily clean."""
    root = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(root))
    # folders and contexts are not git's documents under ASSETS: older than two seconds,
    # as after a clone of a large repository, so that the answer is kept
    past = time.time() - 60
    for path in [root / "AGENTS.ctx", *(root / "AGENTS.ctx").rglob("*")]:
        if path.is_dir() or path.name == "CONTEXT.md":
            os.utime(path, (past, past))
    make_racy(root)
    cache.reset()
    return root


def run(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int | str | None, str, str]:
    """``sdd next`` as the console script runs it: (exit code, stdout, stderr)."""
    cache.reset()
    with pytest.raises(SystemExit) as stop:
        entry.main(["--root", str(root), "next"])
    out = capsys.readouterr()
    return stop.value.code, out.out, out.err


def index_entries(root: Path) -> str:
    """What git's index stages (mode, blob, stage, path of every entry) and its tree."""
    return git(root, "ls-files", "-s") + git(root, "write-tree")


def test_the_second_next_in_a_fresh_clone_asks_git_no_rehash(
        clone: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    staged = index_entries(clone)
    first = run_next(clone, capsys)
    assert stale_entries(clone) == []
    assert index_entries(clone) == staged
    assert kept(clone, capsys, monkeypatch) == first == truth(clone, capsys, monkeypatch)


def test_staged_and_unstaged_changes_stay_as_they_were(
        clone: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    tasks = clone / ASSETS / "demo" / "tasks.md"
    text = tasks.read_text()
    tasks.write_text(text.replace("- [ ] T001", "- [x] T001"))
    git(clone, "add", "--", str(tasks))  # staged: T001 done
    tasks.write_text(text.replace("- [ ] T002", "- [x] T002"))  # in the work tree: T002
    staged, unstaged = index_entries(clone), git(clone, "diff")
    past = time.time() - 60
    os.utime(tasks, (past, past))
    make_racy(clone)
    first = run_next(clone, capsys)
    assert first.startswith("Next: T001")
    # git refreshed its index (the file changed since it was staged stays as it was)...
    assert stale_entries(clone) == [f"{ASSETS}/demo/tasks.md"]
    assert index_entries(clone) == staged  # ...and what is staged is what was
    assert git(clone, "diff") == unstaged
    assert first == truth(clone, capsys, monkeypatch)


@pytest.mark.parametrize("when", ["before", "during"])
def test_an_index_lock_someone_holds_changes_nothing(
        clone: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        when: str) -> None:
    """Held when ``sdd next`` starts (git is not even started), or taken between sddkit's
    look and git's (git finds it and writes nothing): no message, no error, no wait, the
    lock left as it was, and the next run still answered from what was kept."""
    lock = clone / ".git" / "index.lock"
    lock.write_bytes(b"someone else's\n")
    if when == "during":
        lexists = os.path.lexists
        monkeypatch.setattr(index_refresh.os.path, "lexists",
                            lambda path: path != lock and lexists(path))
    index = cache.index_signature(clone)
    code, first, err = run(clone, capsys)
    assert (code, err) == (0, "")
    assert lock.read_bytes() == b"someone else's\n"
    assert cache.index_signature(clone) == index
    assert not index_refresh._running
    assert kept(clone, capsys, monkeypatch) == first
    lock.unlink()
    assert first == truth(clone, capsys, monkeypatch)


@pytest.mark.parametrize("when", ["keyed", "refreshed"])
def test_a_git_add_racing_the_refresh_leaves_no_wrong_signature(
        clone: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        when: str) -> None:
    """A person stages a task ticked off while git refreshes its index (right after the
    run read the index entries it keys the projects with, or once git wrote the index):
    the records of this run are of the bytes before, so the index stored with them must
    not be the one holding the new bytes, and the next run sees them."""
    tasks = clone / ASSETS / "demo" / "tasks.md"
    raced: list[bool] = []

    def add() -> None:
        if not raced:
            raced.append(True)
            tasks.write_text(tasks.read_text().replace("- [ ] T001", "- [x] T001"))
            git(clone, "add", "--", str(tasks))

    if when == "keyed":  # the listing the projects are keyed with, then the add
        real_listing = git_module.index_listing

        def listing(*args: Any) -> Any:
            out = real_listing(*args)
            add()
            return out

        monkeypatch.setattr(git_module, "index_listing", listing)
    else:  # git wrote its index, then the add, then the run looks at the index again
        real_settled = index_refresh.settled

        def settled(*args: Any) -> Any:
            index_refresh.wait()
            add()
            return real_settled(*args)

        monkeypatch.setattr(index_refresh, "settled", settled)
    before = run_next(clone, capsys)
    assert before.startswith("Next: T001") and raced
    monkeypatch.undo()
    rows = cache.for_root(clone, "rows")
    assert rows is not None and rows.get(content_keys._INDEX) != cache.index_signature(clone)
    assert seen(clone, capsys, monkeypatch, before).startswith("Next: T002")


def test_a_hand_edit_after_the_refresh_is_seen(
        clone: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """Same size, same mtime, right after git wrote its index (the same second)."""
    before = run_next(clone, capsys)
    assert stale_entries(clone) == []
    edit_in_place(clone / ASSETS / "demo" / "tasks.md", "- [ ] T001", "- [x] T001")
    assert seen(clone, capsys, monkeypatch, before).startswith("Next: T002")
    edit_in_place(clone / ASSETS / "demo" / "tasks.md", "- [x] T001", "- [ ] T001")
    assert seen(clone, capsys, monkeypatch, "") == before


def test_no_refresh_in_the_second_git_wrote_its_index(
        clone: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """Git compares whole seconds: an index written in the second of the files it lists
    leaves them racy, so no refresh is started before that second is over (here: never,
    the clock held back), and the run records the index it keyed the projects under."""
    monkeypatch.setattr(index_refresh, "clock", lambda: 0.0)
    started: list[Path] = []
    monkeypatch.setattr(index_refresh, "start", lambda *args: bool(started.append(args[0])))
    index = cache.index_signature(clone)
    first = run_next(clone, capsys)
    assert started == [] and cache.index_signature(clone) == index
    assert stale_entries(clone) == sorted(git(clone, "ls-files", "--", ASSETS).splitlines())
    assert kept(clone, capsys, monkeypatch) == first


def test_the_refresh_starts_once_due_and_only_in_this_process(
        clone: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    """The listing begins in the index's second (the clock says so once) and goes on past
    it on two cores: this process starts git's refresh at its next project, the child
    forked to work out the later projects never does (it ends without waiting)."""
    from sddkit.io import two_cores
    from sddkit.projects import rows as rows_module

    if not two_cores.usable():
        pytest.skip("no second core for this process (or not Linux)")
    monkeypatch.setattr(rows_module, "TWO_CORES_FROM", 1)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "machine"))  # rows never seen here
    ticks = iter([0.0])
    monkeypatch.setattr(index_refresh, "clock", lambda: next(ticks, float("inf")))
    real_start = index_refresh.start
    starters = tmp_path / "starters"

    def start(*args: Any) -> bool:
        with starters.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return real_start(*args)

    monkeypatch.setattr(index_refresh, "start", start)
    joined: list[bool] = []
    join = two_cores.Child.join
    monkeypatch.setattr(two_cores.Child, "join", lambda self: joined.append(True) or join(self))
    first = run_next(clone, capsys)
    assert joined, "the listing took the two-core path"
    assert starters.read_text() == f"{os.getpid()}\n"
    assert stale_entries(clone) == []
    assert kept(clone, capsys, monkeypatch) == first == truth(clone, capsys, monkeypatch)


def test_no_git_process_outlives_a_run_that_failed_midway(
        clone: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """Git's refresh started, then the listing never reaches its end (Ctrl-C): the command
    still waits for git before it exits."""
    real_start = index_refresh.start
    processes: list[Any] = []

    def start(*args: Any) -> bool:
        started = real_start(*args)
        processes.extend(index_refresh._running)
        return started

    def interrupted(self: Any, broken: list[str]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(index_refresh, "start", start)
    monkeypatch.setattr(content_keys.Snapshot, "listed", interrupted)
    cache.reset()
    with pytest.raises(SystemExit) as stop:
        entry.main(["--root", str(clone), "next"])
    assert stop.value.code == 130
    assert len(processes) == 1 and processes[0].returncode is not None
    assert index_refresh._running == []


def test_git_optional_locks_off_means_no_refresh(
        clone: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """``GIT_OPTIONAL_LOCKS=0`` (an editor's or a person's wish that git take no lock it
    can do without): git is not asked to refresh, the index stays as it was."""
    monkeypatch.setenv("GIT_OPTIONAL_LOCKS", "0")
    real_start = index_refresh.start
    started: list[bool] = []
    monkeypatch.setattr(index_refresh, "start",
                        lambda *args: started.append(real_start(*args)) or started[-1])
    index = cache.index_signature(clone)
    first = run_next(clone, capsys)
    assert started == [False]  # asked, and git was not started
    assert cache.index_signature(clone) == index
    assert stale_entries(clone) == sorted(git(clone, "ls-files", "--", ASSETS).splitlines())
    assert kept(clone, capsys, monkeypatch) == first


def test_a_refresh_is_due_once_the_clock_left_the_index_second() -> None:
    written = 1_700_000_000_250_000_000  # ns: 0.25 s into a second
    assert index_refresh.due((0, written, written, 1)) == pytest.approx(1_700_000_001.01)
