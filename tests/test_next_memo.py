"""`sdd next` keeps its last answer with what it rests on (issue 15), and never gives a
stale one: every change behind its back (a hand edit with the same size and mtime, a
checkout, a stash pop, a new project, a document appearing, a context edited) is seen.

The fast path is called in this process (``sddkit.cli.entry.main``, as the console script
does), each call a fresh run; each answer is compared with ``SDDKIT_NO_CACHE=1``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from conftest import Invoke, git, walk_to
from test_cache import ASSETS, TASKS, edit_in_place
from test_cache import age_tree as age_files

from sddkit import operations
from sddkit.cli import entry
from sddkit.io import cache, next_memo


def age_tree(root: Path) -> None:
    """Every file and folder under ``AGENTS.ctx/``, and the folder itself, a minute old."""
    age_files(root)
    stat = (root / "AGENTS.ctx" / "sdd").stat()
    os.utime(root / "AGENTS.ctx", ns=(stat.st_atime_ns, stat.st_mtime_ns))


def run_next(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    cache.reset()
    with pytest.raises(SystemExit) as stop:
        entry.main(["--root", str(root), "next", *args])
    out = capsys.readouterr()
    assert stop.value.code == 0, out.err
    return out.out


def truth(root: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch,
          *args: str) -> str:
    with mp.context() as patch:
        patch.setenv("SDDKIT_NO_CACHE", "1")
        return run_next(root, capsys, *args)


def kept(root: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch,
         *args: str) -> str:
    """The answer given from the memo: computing it is made impossible."""
    with mp.context() as patch:
        patch.setattr(operations, "next_step", lambda *a, **k: pytest.fail("computed"))
        return run_next(root, capsys, *args)


def fresh(root: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch) -> str:
    """Fill the memo (text and JSON), check a second run is answered from it, and that
    both equal the uncached answers."""
    answer = run_next(root, capsys)
    assert answer == truth(root, capsys, mp)
    assert kept(root, capsys, mp) == answer
    assert kept(root, capsys, mp, "--json") == truth(root, capsys, mp, "--json")
    return answer


def seen(root: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch,
         before: str) -> str:
    """After a change behind the memo's back: the answer is the uncached one, and differs."""
    after = run_next(root, capsys)
    assert after == truth(root, capsys, mp)
    assert after != before
    return after


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    walk_to(initialised, sdd, "other", upto="spec")
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "projects")
    age_tree(initialised)
    return initialised


def _linked_elsewhere(repo: Path, link: Path, target: Path, relative: Path) -> int:
    """Move ``link``'s text to ``target`` (a new folder) and make ``link`` a symbolic link
    to it (``relative``), every file aged a minute; the age (mtime, ns) they were given."""
    target.parent.mkdir()
    target.write_text(link.read_text())
    link.unlink()
    link.symlink_to(relative)
    age_tree(repo)
    old = target.stat().st_mtime_ns - 60 * 10**9
    os.utime(target, ns=(old, old))
    os.utime(link, ns=(old, old), follow_symlinks=False)
    return old


@pytest.mark.parametrize("committed", [True, False], ids=["tracked", "untracked"])
def test_a_hand_edit_with_the_same_size_and_mtime_is_seen(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        committed: bool) -> None:
    if not committed:
        git(repo, "rm", "-r", "-q", "--cached", ASSETS)
        git(repo, "commit", "-q", "-m", "untrack the projects")
        age_tree(repo)
    before = fresh(repo, capsys, monkeypatch)
    assert "T001" in before
    edit_in_place(repo / ASSETS / "demo" / "tasks.md", "- [ ] T001", "- [x] T001")
    assert "T002" in seen(repo, capsys, monkeypatch, before)


def test_checkout_and_stash_pop_are_seen(repo: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = repo / ASSETS / "demo" / "tasks.md"
    tasks.write_text(tasks.read_text().replace("- [ ] T001", "- [x] T001"))
    git(repo, "commit", "-q", "-am", "T001 done")
    age_tree(repo)
    before = fresh(repo, capsys, monkeypatch)
    git(repo, "checkout", "-q", "HEAD~1", "--", ASSETS)
    age_tree(repo)
    after = seen(repo, capsys, monkeypatch, before)
    git(repo, "stash", "-q")
    age_tree(repo)
    assert seen(repo, capsys, monkeypatch, after) == before
    git(repo, "stash", "pop", "-q")
    age_tree(repo)
    assert seen(repo, capsys, monkeypatch, before) == after


def test_a_new_project_a_new_document_and_a_context_are_seen(
        repo: Path, sdd: Invoke, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = fresh(repo, capsys, monkeypatch)
    folder = repo / ASSETS / "third"  # a project made by hand, not by sdd
    folder.mkdir()
    (folder / "constitution.md").write_text((repo / ASSETS / "other" / "constitution.md")
                                            .read_text().replace("other", "third"))
    age_tree(repo)
    before = seen(repo, capsys, monkeypatch, before)
    fresh(repo, capsys, monkeypatch)
    constitution = repo / ASSETS / "demo" / "constitution.md"
    text = constitution.read_text()
    constitution.write_text(text.replace("---\n", "---\ncontexts: [payments]\n", 1))
    git(repo, "commit", "-q", "-am", "demo reads the payments context")
    age_tree(repo)
    before = fresh(repo, capsys, monkeypatch)
    assert sdd(repo, "ctx", "new", "payments").exit_code == 0  # now it exists
    age_tree(repo)
    before = seen(repo, capsys, monkeypatch, before)
    fresh(repo, capsys, monkeypatch)
    (repo / ASSETS / "other" / "plan.md").write_text("---\nphase: plan\n---\n# Plan\n")
    age_tree(repo)
    seen(repo, capsys, monkeypatch, before)


def test_no_answer_is_kept_from_a_file_changed_within_two_seconds(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    edit_in_place(repo / ASSETS / "demo" / "tasks.md", "First", "Fir5t")
    tasks = repo / ASSETS / "demo" / "tasks.md"
    tasks.write_text(tasks.read_text())  # now: its mtime cannot be trusted yet
    memo = cache.git_dir(repo) / f"sddkit-next-v{cache.VERSION}"  # type: ignore[operator]
    memo.unlink(missing_ok=True)
    run_next(repo, capsys)
    assert not memo.exists()
    age_tree(repo)
    fresh(repo, capsys, monkeypatch)
    assert memo.exists()


def test_claims_and_broken_projects_are_never_kept(
        repo: Path, sdd: Invoke, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    memo = cache.git_dir(repo) / f"sddkit-next-v{cache.VERSION}"  # type: ignore[operator]
    assert sdd(repo, "start", "T001", "--project", "demo", "--as", "ada").exit_code == 0
    age_tree(repo)
    run_next(repo, capsys)  # the answer depends on when ada's claim expires
    assert not memo.exists()
    assert sdd(repo, "release", "T001", "--project", "demo", "--as", "ada").exit_code == 0
    age_tree(repo)
    fresh(repo, capsys, monkeypatch)
    memo.unlink()
    (repo / ASSETS / "other" / "spec.md").write_text("---\nphase: [unclosed\n---\n")
    age_tree(repo)
    cache.reset()
    with pytest.raises(SystemExit):
        entry.main(["--root", str(repo), "next"])
    assert "other" in capsys.readouterr().err  # warned on every run, so never kept
    assert not memo.exists()


def test_sddkits_own_code_is_part_of_the_question(monkeypatch: pytest.MonkeyPatch) -> None:
    stamp = next_memo._code_stamp()
    assert stamp[0] > 100 and stamp[2] > 0  # every module counted
    monkeypatch.setattr(next_memo, "_CODE", [(stamp[0], stamp[1] + 1, stamp[2])])
    assert next_memo._question(Path("/r"), ("next",)) != (str(Path("/r")), stamp, "next")


def test_git_looks_once_whether_the_answer_is_kept_or_not(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    from sddkit.io import git as git_module

    before = fresh(repo, capsys, monkeypatch)
    calls: list[str] = []
    real = git_module.modified_files_later
    monkeypatch.setattr(git_module, "modified_files_later",
                        lambda *a: calls.append("diff-files") or real(*a))  # type: ignore[func-returns-value]
    assert run_next(repo, capsys) == before  # kept
    assert calls == ["diff-files"]
    edit_in_place(repo / ASSETS / "demo" / "tasks.md", "- [ ] T001", "- [x] T001")
    calls.clear()
    after = run_next(repo, capsys)  # not kept: the listing takes what git said
    assert calls == ["diff-files"]
    monkeypatch.undo()
    assert after == truth(repo, capsys, monkeypatch) != before


def test_a_context_file_linked_elsewhere_in_the_repository_is_seen(
        repo: Path, sdd: Invoke, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A context's CONTEXT.md may be a symbolic link to a file elsewhere in the repository:
    an edit of that file (its ``includes``) changes "read first" without touching the link."""
    constitution = repo / ASSETS / "demo" / "constitution.md"
    text = constitution.read_text()
    constitution.write_text(text.replace("---\n", "---\ncontexts: [payments]\n", 1))
    for name in ("payments", "billing"):
        assert sdd(repo, "ctx", "new", name).exit_code == 0
    target = repo / "docs" / "payments.md"
    old = _linked_elsewhere(repo, repo / "AGENTS.ctx" / "payments" / "CONTEXT.md", target,
                            Path("..") / ".." / "docs" / "payments.md")
    before = run_next(repo, capsys)
    assert before == run_next(repo, capsys) == truth(repo, capsys, monkeypatch)
    assert "context payments" in before and "billing" not in before
    target.write_text(target.read_text().replace("---\n", "---\nincludes: [billing]\n", 1))
    os.utime(target, ns=(old, old))
    assert "context billing" in seen(repo, capsys, monkeypatch, before)


def test_no_answer_is_kept_when_the_index_changed_while_it_was_worked_out(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    from sddkit.io import content_keys

    memo = cache.git_dir(repo) / f"sddkit-next-v{cache.VERSION}"  # type: ignore[operator]
    real = content_keys.Snapshot.recorded_files

    def index_moved(self: content_keys.Snapshot, entries: list[str]) -> object:
        git(repo, "update-index", "--chmod=+x", f"{ASSETS}/demo/spec.md")  # a concurrent
        return real(self, entries)  # `git add` between git's look and the memo

    monkeypatch.setattr(content_keys.Snapshot, "recorded_files", index_moved)
    run_next(repo, capsys)
    assert not memo.exists()
    monkeypatch.undo()
    fresh(repo, capsys, monkeypatch)


@pytest.mark.parametrize("made", ["project", "context"])
def test_what_appears_while_the_answer_is_worked_out_is_not_kept_as_seen(
        repo: Path, sdd: Invoke, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, made: str) -> None:
    """A cold run works for seconds: a project folder or a context made meanwhile, and old
    enough by the end not to be racy, must not be recorded as part of what the kept answer
    rests on (the folders are looked at before the answer is worked out, not after)."""
    constitution = repo / ASSETS / "demo" / "constitution.md"
    text = constitution.read_text()
    constitution.write_text(text.replace("---\n", "---\ncontexts: [payments]\n", 1))
    assert sdd(repo, "ctx", "new", "payments").exit_code == 0
    aside = repo.parent / f"{repo.name}-aside"
    moved = (repo / "AGENTS.ctx" / "payments" if made == "context"
             else repo / ASSETS / "other")
    moved.rename(aside)
    age_tree(repo)
    fresh(repo, capsys, monkeypatch)
    cache.reset()
    (cache.git_dir(repo) / f"sddkit-next-v{cache.VERSION}").unlink()  # type: ignore[operator]
    real = operations.next_step

    def meanwhile(*args: object, **kwargs: object) -> object:
        outcome = real(*args, **kwargs)  # type: ignore[arg-type]
        aside.rename(moved)  # made while the answer was worked out
        return outcome

    with monkeypatch.context() as patch:
        patch.setattr(cache, "RACY_NS", 0)  # as if the run took longer than two seconds
        patch.setattr(operations, "next_step", meanwhile)
        before = run_next(repo, capsys, "--json")
    assert run_next(repo, capsys, "--json") == truth(repo, capsys, monkeypatch, "--json") \
        != before


#: `sdd open` and the hooks' `sdd open --brief` keep their answers as `sdd next` does, each
#: command in its own file (a session start runs the hook's, then `next`).
OPENS = [("open",), ("open", "--json"), ("open", "sdd"), ("open", "--brief")]


def run_cmd(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    cache.reset()
    with pytest.raises(SystemExit) as stop:
        entry.main(["--root", str(root), *args])
    out = capsys.readouterr()
    assert stop.value.code == 0, out.err
    return out.out


def open_truth(root: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch,
               args: tuple[str, ...]) -> str:
    with mp.context() as patch:
        patch.setenv("SDDKIT_NO_CACHE", "1")
        return run_cmd(root, capsys, *args)


def open_kept(root: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch,
              args: tuple[str, ...]) -> str:
    """The answer given from the memo: working it out is made impossible."""
    from sddkit.agents import hook_briefing

    with mp.context() as patch:
        patch.setattr(operations, "open_briefing", lambda *a, **k: pytest.fail("computed"))
        patch.setattr(hook_briefing, "work_out", lambda *a, **k: pytest.fail("computed"))
        return run_cmd(root, capsys, *args)


@pytest.mark.parametrize("args", OPENS, ids=" ".join)
def test_open_keeps_its_answer_and_sees_the_rules_and_contexts_change(
        repo: Path, sdd: Invoke, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    assert sdd(repo, "ctx", "new", "payments").exit_code == 0
    age_tree(repo)
    before = run_cmd(repo, capsys, *args)
    assert before == open_truth(repo, capsys, monkeypatch, args)
    assert open_kept(repo, capsys, monkeypatch, args) == before
    assert run_next(repo, capsys) == kept(repo, capsys, monkeypatch)  # next's own file
    assert open_kept(repo, capsys, monkeypatch, args) == before  # still kept
    rules = repo / "AGENTS.ctx" / "CONTEXT.md"  # the root rules: same size, same mtime
    edit_in_place(rules, "Never approve a phase yourself", "NEVER approve a phase yourself")
    after = run_cmd(repo, capsys, *args)
    assert after == open_truth(repo, capsys, monkeypatch, args)
    if args != ("open", "sdd"):  # `open sdd` shows the sdd context, not the root rules
        assert after != before and "NEVER approve" in after
    context = repo / "AGENTS.ctx" / "payments" / "CONTEXT.md"
    text = context.read_text()
    context.write_text(text.replace("description: ", "description: Cards. ", 1))
    old = context.stat().st_mtime_ns - 60 * 10**9
    os.utime(context, ns=(old, old))
    described = run_cmd(repo, capsys, *args)
    assert described == open_truth(repo, capsys, monkeypatch, args)
    if args != ("open", "sdd"):
        assert "Cards." in described and described != after
@pytest.mark.parametrize("changed", ["projects folder", "context", "project folder"])
def test_racy_is_judged_when_a_signature_is_taken_not_when_the_answer_is_kept(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        changed: str) -> None:
    """A folder or file changed a moment before it was looked at cannot be trusted by its
    stat: a second change within the same timestamp tick (a whole second on some file
    systems) leaves its signature as it was. The projects folder and the contexts are looked
    at before the answer is worked out, a draft's folder while the projects are listed, and
    a cold run at 10,000 projects takes seconds: judged when the answer is kept, the
    signature would seem old enough, and be recorded."""
    memo = cache.git_dir(repo) / f"sddkit-next-v{cache.VERSION}"  # type: ignore[operator]
    memo.unlink(missing_ok=True)
    if changed == "projects folder":  # a project made and removed just now
        (repo / ASSETS / "gone").mkdir()
        (repo / ASSETS / "gone").rmdir()
    elif changed == "context":
        os.utime(repo / "AGENTS.ctx" / "sdd" / "CONTEXT.md")
    else:  # `other` is a draft: its missing plan and tasks rest on its folder's signature
        os.utime(repo / ASSETS / "other")
    real_next, real_ns = operations.next_step, time.time_ns
    with monkeypatch.context() as patch:

        def slow(*args: object, **kwargs: object) -> object:
            outcome = real_next(*args, **kwargs)  # type: ignore[arg-type]
            patch.setattr(time, "time_ns", lambda: real_ns() + 3 * 10**9)  # seconds later
            return outcome

        patch.setattr(operations, "next_step", slow)
        run_next(repo, capsys)
    assert not memo.exists()
    age_tree(repo)
    fresh(repo, capsys, monkeypatch)  # once old enough, the answer is kept
    assert memo.exists()


@pytest.mark.skipif(os.stat not in os.supports_dir_fd, reason="no fstatat here")
def test_the_files_a_kept_answer_rests_on_are_looked_up_from_the_open_projects_folder(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    git(repo, "rm", "-r", "-q", "--cached", ASSETS)  # untracked: their signatures are recorded
    git(repo, "commit", "-q", "-m", "untrack the projects")
    age_tree(repo)
    fresh(repo, capsys, monkeypatch)
    real, looked = os.lstat, []

    def lstat(path: str, *, dir_fd: int | None = None) -> os.stat_result:
        looked.append((str(path), dir_fd))
        return real(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "lstat", lstat)
    kept(repo, capsys, monkeypatch)
    assert ("demo/tasks.md", None) not in looked
    assert any(path == "demo/tasks.md" and fd is not None for path, fd in looked), looked


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS bounds Linux's")
@pytest.mark.parametrize("args", [("next",), ("open",), ("open", "--brief")], ids=" ".join)
def test_a_memo_file_of_the_earlier_format_is_refused_unread(
        repo: Path, args: tuple[str, ...]) -> None:
    """Before its header had a length, ``sddkit-next-v9`` was one ``marshal`` dict; its
    first four bytes read as a length of about 2 GB. The file is refused, not read: a read of
    that size asks for the memory first (``MemoryError`` under a bounded address space, which
    ended `sdd next` in an internal error and made the hook's briefing a note)."""
    import marshal
    import resource
    import subprocess

    from conftest import sdd_executable

    kind = "brief" if "--brief" in args else args[0]
    memo = cache.git_dir(repo) / f"sddkit-{kind}-v{cache.VERSION}"  # type: ignore[operator]
    memo.write_bytes(marshal.dumps({"question": ("an earlier build",), "answer": "stale"}))
    assert int.from_bytes(memo.read_bytes()[:4], "big") > 2**30

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    def run(env: dict[str, str], limit: object = None) -> tuple[int, str, str]:
        done = subprocess.run([sdd_executable(), *args], cwd=repo, capture_output=True,
                              text=True, env={**os.environ, **env}, timeout=120,
                              preexec_fn=limit)  # type: ignore[arg-type]  # noqa: PLW1509
        return done.returncode, done.stdout, done.stderr

    expected = run({"SDDKIT_NO_CACHE": "1"})
    assert expected[0] == 0 and "sddkit: no briefing" not in expected[1]
    assert run({}, bounded) == expected
    assert int.from_bytes(memo.read_bytes()[:4], "big") < memo.stat().st_size  # kept anew


@pytest.mark.parametrize("config", [("core.trustctime", "false"), ("core.checkStat", "minimal")],
                         ids="=".join)
def test_an_edit_git_is_configured_to_overlook_is_seen(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        config: tuple[str, str]) -> None:
    """git's comparison of its index with the files can be loosened in its configuration:
    ``core.trustctime=false`` ignores the inode change time (for backup tools that touch
    it), ``core.checkStat=minimal`` the inode number too. A hand edit that keeps the size
    and mtime (in place a second later; or saved through a new file, as editors do) then
    looks clean to git; sddkit asks git for its full comparison, so every answer that
    trusts git (kept ones, cached rows) sees the edit."""
    git(repo, "config", *config)
    git(repo, "status", "--porcelain")  # git's index refreshed: the aged files' stat data
    commands = [("next",), ("open",), ("open", "--brief"), ("status",)]
    before = {args: run_cmd(repo, capsys, *args) for args in commands}
    assert kept(repo, capsys, monkeypatch) == before[("next",)]
    tasks = repo / ASSETS / "demo" / "tasks.md"
    if config[0] == "core.trustctime":
        time.sleep(1.1)  # git compares whole seconds: a change time a second later
        edit_in_place(tasks, "- [ ] T001", "- [x] T001")
    else:
        st = tasks.stat()
        saved = tasks.with_name("tasks.md.saved")
        saved.write_text(tasks.read_text().replace("- [ ] T001", "- [x] T001", 1))
        os.utime(saved, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(saved, tasks)
    for args in commands:
        after = run_cmd(repo, capsys, *args)
        assert after == open_truth(repo, capsys, monkeypatch, args) != before[args], args


def test_a_look_that_settled_since_is_trusted_only_on_fine_timestamps() -> None:
    """`cache.settled`: a signature racy when taken is trusted later only when unchanged, no
    longer racy, on a file system with sub-second times, and looked at a tick after its
    change (a change after the look would have moved it)."""
    now = 1_800_000_000 * 10**9
    fine = (10, now - 5 * 10**9 + 123_456_789, now - 5 * 10**9 + 123_456_789, 7)
    looked = fine[2] + cache.FINE_TICK_NS
    assert cache.settled(fine, looked, fine, now)
    assert not cache.settled(fine, fine[2] + cache.FINE_TICK_NS - 1, fine, now)  # same tick
    assert not cache.settled(fine, looked, (11, *fine[1:]), now)  # changed since
    assert not cache.settled(fine, looked, None, now)  # gone
    assert not cache.settled(fine, looked, fine, fine[1] + 10**9)  # still racy now
    coarse = (10, now - 5 * 10**9, now - 5 * 10**9, 7)  # whole seconds: FAT, HFS+, ext3
    assert not cache.settled(coarse, coarse[2] + 10**9, coarse, now)


@pytest.mark.parametrize("wait", [True, False], ids=["settled", "same-tick"])
def test_a_first_run_just_after_a_clone_keeps_its_answer_once_its_looks_settle(
        repo: Path, sdd: Invoke, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, wait: bool) -> None:
    """Right after `git clone` the projects folder, the contexts and a draft's folder are
    younger than the racy window: the first run (seconds long at 10,000 projects) keeps its
    answer when each has settled by its end, so the second run is warm; not when the look
    fell in the tick of their last change."""
    import time

    assert sdd(repo, "new", "draft-two").exit_code == 0  # a draft: its folder is looked at
    assert sdd(repo, "ctx", "new", "payments").exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "draft and context")
    memo = cache.git_dir(repo) / f"sddkit-next-v{cache.VERSION}"  # type: ignore[operator]
    memo.unlink(missing_ok=True)
    for folder in (repo / ASSETS, repo / "AGENTS.ctx", repo / ASSETS / "draft-two",
                   repo / "AGENTS.ctx" / "payments"):  # changed just now, as by a clone
        (folder / ".touch").write_text("")
        (folder / ".touch").unlink()
    (repo / "AGENTS.ctx" / "payments" / "CONTEXT.md").write_text(
        (repo / "AGENTS.ctx" / "payments" / "CONTEXT.md").read_text())
    if wait:
        time.sleep(2 * cache.FINE_TICK_NS / 1e9)  # the look comes a tick later
    real = operations.next_step

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(0.5)  # the run outlasts the racy window below
        return real(*args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(cache, "RACY_NS", 400_000_000)
        if not wait:  # a tick longer than the time between the change and the look
            patch.setattr(cache, "FINE_TICK_NS", 60 * 10**9)
        patch.setattr(operations, "next_step", slow)
        first = run_next(repo, capsys)
    if not wait:  # looked at within the tick of the change: nothing may be trusted
        assert not memo.exists()
        return
    assert memo.exists()
    with monkeypatch.context() as patch:
        patch.setattr(cache, "RACY_NS", 400_000_000)
        assert kept(repo, capsys, patch) == first == truth(repo, capsys, patch)


def test_an_open_that_lists_no_projects_starts_no_git(
        repo: Path, sdd: Invoke, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`sdd open NAME` (a context other than sdd) lists no projects and keeps nothing: git's
    look at the files, which only a kept answer or a listing reads, is not started (it
    would run unread, and outlive the command)."""
    from sddkit.io import git as git_module

    assert sdd(repo, "ctx", "new", "payments").exit_code == 0
    age_tree(repo)
    run_cmd(repo, capsys, "open")  # an `open` answer is kept: its memo file exists
    calls: list[str] = []
    real = git_module.modified_files_later
    monkeypatch.setattr(git_module, "modified_files_later",
                        lambda *a: calls.append("diff-files") or real(*a))  # type: ignore[func-returns-value]
    assert "payments" in run_cmd(repo, capsys, "open", "payments")
    assert calls == []
    run_cmd(repo, capsys, "open")
    assert calls == ["diff-files"]  # the kept briefing still asks git once


def test_an_edit_of_a_linked_document_s_target_is_seen(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A task list that is a symbolic link to a file elsewhere is read the slow way (not
    through the content keys): its target's edit changes no signature the kept answer
    rests on (its folder's, the link's), so no answer is kept."""
    target = repo / "docs" / "demo-tasks.md"
    old = _linked_elsewhere(repo, repo / ASSETS / "demo" / "tasks.md", target,
                            Path("..") / ".." / ".." / ".." / "docs" / "demo-tasks.md")
    before = run_next(repo, capsys)
    assert before == run_next(repo, capsys) == truth(repo, capsys, monkeypatch)
    assert "T001" in before
    target.write_text(target.read_text().replace("- [ ] T001", "- [x] T001"))
    os.utime(target, ns=(old, old))
    assert "T002" in seen(repo, capsys, monkeypatch, before)
