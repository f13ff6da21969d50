"""A cold run on two cores answers exactly as one core does (issue 15, ``io/two_cores.py``).

The listing and ``sdd check`` fork a child for the later part of the projects no cache
knows; only cache entries come back. Each test lowers the thresholds so a small generated
workload takes that path, proves the child ran and handed entries back, and compares every
answer (and every warning) with ``SDDKIT_NO_CACHE=1``, after edits behind the caches' back
too, and with a child that fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, git, isolate
from test_cache import edit_in_place
from test_check_cache import _forget_caches

from sddkit import checks
from sddkit.io import cache, two_cores
from sddkit.projects import rows

ASSETS = "AGENTS.ctx/sdd/assets"
COMMANDS = (["status", "--json"], ["next", "--json"], ["open", "sdd", "--json"],
            ["check", "--json"])


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("two-cores") / "bench"
    generate = Path(__file__).resolve().parent.parent / "bench" / "generate.py"
    with pytest.MonkeyPatch.context() as mp:  # set up before the per-test isolation
        isolate(mp, tmp_path_factory.mktemp("two-cores-home"))
        done = subprocess.run([sys.executable, str(generate), "40", str(root)],
                              capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def repo(workload: Path, tmp_path: Path) -> Path:
    root = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(workload), str(root)], check=True)
    return root


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every run takes the two-core path; the list counts the entries each child handed back."""
    if not two_cores.usable():
        pytest.skip("no second core for this process (or not Linux)")
    monkeypatch.setattr(rows, "TWO_CORES_FROM", 1)
    monkeypatch.setattr(checks, "TWO_CORES_FROM", 1)
    received: list[int] = []
    join = two_cores.Child.join

    def counted(self: two_cores.Child) -> Any:
        before = sum(len(e) for e in cache.loaded_entries().values())
        result = join(self)
        received.append(sum(len(e) for e in cache.loaded_entries().values()) - before)
        return result

    monkeypatch.setattr(two_cores.Child, "join", counted)
    return received


def answers(sdd: Invoke, root: Path) -> list[tuple[int, str, str]]:
    out = []
    for args in COMMANDS:
        result = sdd(root, *args)
        out.append((result.exit_code, result.stdout, result.stderr))
    return out


def uncached(sdd: Invoke, root: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as patch:
        patch.setenv("SDDKIT_NO_CACHE", "1")
        return answers(sdd, root)


def cold(sdd: Invoke, root: Path) -> list[Any]:
    cache.reset()
    _forget_caches(root)
    return answers(sdd, root)


def later_projects(root: Path) -> list[Path]:
    """Projects in the later half (the child's share), with all four documents."""
    names = sorted(p for p in (root / ASSETS).iterdir() if p.is_dir())
    return [p for p in names[len(names) // 2:] if (p / "tasks.md").exists()]


def test_a_cold_run_on_two_cores_answers_as_one_core(repo: Path, sdd: Invoke,
                                                     children: list[int],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    truth = uncached(sdd, repo, monkeypatch)
    assert cold(sdd, repo) == truth
    assert children and all(count > 0 for count in children[:2]), children
    assert answers(sdd, repo) == truth  # warm, from what the children handed back


def test_what_the_child_checked_reaches_the_store_the_clones_share(
        repo: Path, sdd: Invoke, children: list[int]) -> None:
    """The records the child computed reach the machine's shared store (the child writes
    them itself; a next clone's first check finds every project there)."""
    import sqlite3

    cold(sdd, repo)
    store = cache.location(Path("."), "shared-rows").with_suffix(".sqlite")
    with sqlite3.connect(store) as db:
        kept = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    projects = [p for p in (repo / ASSETS).iterdir() if p.is_dir()]
    assert kept == len(projects)
    assert children


def test_broken_documents_in_the_child_s_share_are_reported_as_before(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    late = later_projects(repo)
    (late[0] / "spec.md").write_text("---\nproject: [unclosed\n---\nbody\n")
    tasks = late[1] / "tasks.md"
    tasks.write_text(tasks.read_text().replace("status: approved", "status: approved\nstatus: x"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "broken, committed")
    plan = late[2] / "plan.md"
    plan.write_text(plan.read_text().replace("phase: plan", "phase: plan\nphase: plan", 1))
    truth = uncached(sdd, repo, monkeypatch)
    assert any(late[0].name in stderr for _code, _out, stderr in truth)
    assert cold(sdd, repo) == truth
    assert children


def test_an_edit_behind_the_caches_back_after_a_two_core_run_is_seen(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    cold(sdd, repo)
    late = later_projects(repo)
    edit_in_place(late[0] / "tasks.md", "- [x]", "- [ ]")  # same size and mtime
    edit_in_place(late[1] / "spec.md", "status: approved", "status: draft   ")
    git(repo, "add", "-A")  # and one the index knows as well
    edit_in_place(late[2] / "constitution.md", "title: ", "title:X")
    assert answers(sdd, repo) == uncached(sdd, repo, monkeypatch)


def test_a_checkout_of_another_state_on_two_cores(repo: Path, sdd: Invoke,
                                                  children: list[int],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cold(sdd, repo)
    for project in later_projects(repo)[:6]:
        tasks = project / "tasks.md"
        tasks.write_text(tasks.read_text().replace("- [ ]", "- [x]"))
    git(repo, "checkout", "-q", "-b", "ticked")
    git(repo, "commit", "-q", "-am", "ticked")
    ticked = answers(sdd, repo)
    assert ticked == uncached(sdd, repo, monkeypatch)
    git(repo, "checkout", "-q", "-")
    assert answers(sdd, repo) == uncached(sdd, repo, monkeypatch)
    git(repo, "checkout", "-q", "-")
    assert answers(sdd, repo) == ticked


def test_approvals_made_by_hand_are_found_on_two_cores(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """SDD-017 reads the gate history, which the child reads first, and judges projects
    of both shares."""
    names = sorted(p for p in (repo / ASSETS).iterdir() if (p / "tasks.md").exists())
    flipped = [names[0], names[len(names) // 2], names[-1]]
    for project in flipped:
        spec = project / "spec.md"
        spec.write_text(spec.read_text().replace("status: approved", "status: review", 1))
    git(repo, "commit", "-q", "-am", "review again")
    for project in flipped:
        spec = project / "spec.md"
        spec.write_text(spec.read_text().replace("status: review", "status: approved", 1))
    git(repo, "commit", "-q", "-am", "looks fine to me")
    truth = uncached(sdd, repo, monkeypatch)
    check_json = truth[-1][1]
    assert all(f"{p.name}/spec.md" in check_json for p in flipped)
    assert check_json.count("SDD-017") >= len(flipped)
    assert cold(sdd, repo) == truth
    assert children


def test_a_failing_child_hands_back_nothing_and_changes_no_answer(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    truth = uncached(sdd, repo, monkeypatch)
    start = two_cores.start

    def failing(work: Any, root: Path, kinds: tuple[str, ...], **options: Any) -> Any:
        def crash() -> None:
            work()
            os._exit(3)

        return start(crash, root, kinds, **options)

    monkeypatch.setattr(two_cores, "start", failing)
    assert cold(sdd, repo) == truth
    assert children and all(count == 0 for count in children), children



def test_a_child_the_system_reaped_hands_back_nothing_and_changes_no_answer(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGCHLD ignored (a supervisor may leave it so, and exec keeps it): the system reaps
    the child itself and its exit status is lost, so what it handed back is not taken."""
    truth = uncached(sdd, repo, monkeypatch)
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        assert cold(sdd, repo) == truth
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert children and all(count == 0 for count in children), children

def test_no_child_from_a_process_with_threads() -> None:
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not two_cores.usable()
    finally:
        stop.set()
        worker.join()


def test_a_new_clone_whose_rows_this_machine_holds_starts_no_child(
        repo: Path, sdd: Invoke, tmp_path: Path, children: list[int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A second clone finds every row in the store the clones share: nothing is left to
    parse, so no child is forked (one was, waiting on a parse of its share the parent
    did not need: 0.6 s became 6 s at 10,000 projects)."""
    truth = uncached(sdd, repo, monkeypatch)
    cold(sdd, repo)  # fills the shared store
    second = tmp_path / "second"
    subprocess.run(["git", "clone", "-q", str(repo), str(second)], check=True)
    started: list[object] = []
    start = two_cores.start
    monkeypatch.setattr(two_cores, "start", lambda *a, **k: started.append(a) or start(*a, **k))
    cache.reset()
    listed = sdd(second, "status", "--json")
    assert (listed.exit_code, listed.stdout, listed.stderr) == truth[0]
    assert started == []


def assert_parent_works_out_only_its_half(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch,
        command: str, share: float) -> None:
    """A cold ``sdd COMMAND --json`` answers as one core does, and this process works out
    the rows of its own half only, each once (``share``: the child's part)."""
    truth = dict(zip([args[0] for args in COMMANDS], uncached(sdd, repo, monkeypatch)))
    worked_out: list[str] = []
    row_of = rows.row_of
    monkeypatch.setattr(rows, "row_of", lambda project: (worked_out.append(project.name),
                                                         row_of(project))[1])
    cache.reset()
    _forget_caches(repo)
    found = sdd(repo, command, "--json")
    assert (found.exit_code, found.stdout, found.stderr) == truth[command]
    projects = [p for p in (repo / ASSETS).iterdir() if p.is_dir()]
    assert children, "no child ran"
    assert 0 < len(worked_out) <= len(projects) - int(len(projects) * share)
    assert len(set(worked_out)) == len(worked_out)


def test_the_child_works_out_the_rows_of_its_share(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The child hands back rows, not only parses: this process works out the rows of
    its own part and finds the child's in the rows cache (it built each of them again
    from the parse cache, 0.45 s of a cold `next` at 10,000 projects)."""
    assert_parent_works_out_only_its_half(repo, sdd, children, monkeypatch, "next",
                                          rows.CHILD_SHARE)


def test_a_cold_check_lists_the_inventory_from_the_rows_its_halves_recorded(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """`sdd check` loads every project; each half records the rows as it goes, so SDD-006's
    listing works out none again (0.64 s of the parent's time alone at 10,000 projects)."""
    assert_parent_works_out_only_its_half(repo, sdd, children, monkeypatch, "check",
                                          checks.CHILD_SHARE)


def test_the_check_s_child_reads_the_test_files_its_half_names(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """SDD-009 parses each test file a spec names; the child parses those of its half and
    hands them back, so the parent parses none after it joins (a second of a cold check at
    10,000 projects, alone on one core)."""
    from sddkit.checks import references

    truth = uncached(sdd, repo, monkeypatch)[3]
    for test_file in (repo / "tests").glob("*.py"):  # not changed in the last two seconds:
        os.utime(test_file, (1_600_000_000, 1_600_000_000))  # their signatures are kept
    joined: list[bool] = []
    parsed_after: list[Path] = []
    join = two_cores.Child.join  # the counting one of `children`
    monkeypatch.setattr(two_cores.Child, "join",
                        lambda self: (join(self), joined.append(True))[0])
    module = references._module
    monkeypatch.setattr(references, "_module", lambda path: (
        parsed_after.append(path) if joined else None, module(path))[1])
    cache.reset()
    _forget_caches(repo)
    found = sdd(repo, "check", "--json")
    assert (found.exit_code, found.stdout, found.stderr) == truth
    assert joined, "no child ran"
    assert parsed_after == []


def _child_share(repo: Path) -> list[str]:
    """The names of the projects the listing's child works out (its share of all of them,
    as every project is cold)."""
    names = sorted(p.name for p in (repo / ASSETS).iterdir() if p.is_dir())
    return names[int(len(names) * (1 - rows.CHILD_SHARE)):]


def test_the_listing_s_child_hands_its_parse_entries_to_the_log_and_writes_its_shared_rows(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The listing reads the child's rows, not its parse entries: those cross as encoded
    log records this process never decodes (7 MB at 10,000 projects, a tenth of a second),
    appended to the parse cache's log after its file is saved, so the next command finds
    every document. The child writes its rows to the store the clones share itself: none
    crosses to this process."""
    import sqlite3

    share = _child_share(repo)
    seen: dict[str, Any] = {}
    join = two_cores.Child.join  # the counting one of `children`

    def looked(self: two_cores.Child) -> Any:
        result = join(self)
        seen["parse"] = set(cache.for_root(repo, "parse").entries)
        seen["shared"] = {key[1].split("\0")[1] for key in shared_rows.pending()}
        return result

    from sddkit.io import shared_rows

    monkeypatch.setattr(two_cores.Child, "join", looked)
    truth = uncached(sdd, repo, monkeypatch)[0]
    cache.reset()
    _forget_caches(repo)
    listed = sdd(repo, "status", "--json")
    assert (listed.exit_code, listed.stdout, listed.stderr) == truth
    assert children, "no child ran"
    assert not any(key.split("/")[0] in share for key in seen["parse"])
    assert not seen["shared"] & set(share)
    documents = {f"{p.name}/{doc.stem}" for p in (repo / ASSETS).iterdir() if p.is_dir()
                 for doc in p.glob("*.md")}
    kept = cache.Cache(repo.absolute(), "parse")
    assert kept.log_path.exists()
    assert {key.rsplit("/", 1)[0] for key in kept.entries} == documents
    store = cache.location(Path("."), "shared-rows").with_suffix(".sqlite")
    with sqlite3.connect(store) as db:
        names = {key.split("\0")[1] for (key,) in db.execute("SELECT key FROM rows")}
    assert names == {p.name for p in (repo / ASSETS).iterdir() if p.is_dir()}
    cache.reset()
    assert answers(sdd, repo) == uncached(sdd, repo, monkeypatch)


def test_the_parent_keys_none_of_the_child_s_projects_and_its_kept_answer_rests_on_them(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The child hands back the keys it read its projects' documents under, and the folder
    looks of those missing one: this process keys only its own share, and the ``sdd next``
    answer it keeps is given up when a document appears in a folder of the child's."""
    from sddkit.io import content_keys

    share = _child_share(repo)
    drafts = [name for name in share if not (repo / ASSETS / name / "tasks.md").exists()]
    assert drafts, "the workload has no project without a task list in the child's share"
    keyed_here: list[str] = []
    project_keys = content_keys.Snapshot.project_keys
    parent = os.getpid()

    def spied(self: content_keys.Snapshot, name: str) -> Any:
        if os.getpid() == parent and name not in self.keys:
            keyed_here.append(name)
        return project_keys(self, name)

    monkeypatch.setattr(content_keys.Snapshot, "project_keys", spied)
    cache.reset()
    _forget_caches(repo)
    first = sdd(repo, "next", "--json")
    assert first.exit_code == 0, first.stderr
    assert children, "no child ran"
    assert keyed_here and not set(keyed_here) & set(share)
    cache.reset()
    assert sdd(repo, "next", "--json").stdout == first.stdout
    project = repo / ASSETS / drafts[0]
    (project / "tasks.md").write_text("no front matter here\n")
    cache.reset()
    after = sdd(repo, "next", "--json")
    with monkeypatch.context() as patch:
        patch.setenv("SDDKIT_NO_CACHE", "1")
        truth = sdd(repo, "next", "--json")
    assert (after.exit_code, after.stdout, after.stderr) == (
        truth.exit_code, truth.stdout, truth.stderr)
    assert drafts[0] in after.stderr


def test_the_check_s_child_hands_its_documents_entries_to_the_logs(
        repo: Path, sdd: Invoke, children: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """`sdd check` reads its child's records, not the parse entries and per-document facts
    behind them: those cross as encoded log records, and a later run finds them in the
    logs (a cold check at 10,000 projects: 210 -> 186 MiB). SDD-006's listing then forks
    no child of its own for the projects whose parse entries it lacks: their rows are kept."""
    truth = uncached(sdd, repo, monkeypatch)[3]
    taken: list[int] = []
    join = two_cores.Child.join  # the counting one of `children`

    def looked(self: two_cores.Child) -> Any:
        sizes = [len(cache.for_root(repo, kind).entries) for kind in ("parse", "check")]
        result = join(self)
        taken.append(sum(len(cache.for_root(repo, kind).entries) for kind in ("parse", "check"))
                     - sum(sizes))
        return result

    monkeypatch.setattr(two_cores.Child, "join", looked)
    cache.reset()
    _forget_caches(repo)
    found = sdd(repo, "check", "--json")
    assert (found.exit_code, found.stdout, found.stderr) == truth
    assert taken == [0], taken  # one child: SDD-006's listing finds every row kept
    documents = {f"{p.name}/{doc.stem}" for p in (repo / ASSETS).iterdir() if p.is_dir()
                 for doc in p.glob("*.md")}
    parse = cache.Cache(repo.absolute(), "parse")
    assert parse.log_path.exists()
    assert {key.rsplit("/", 1)[0] for key in parse.entries} == documents
    assert cache.Cache(repo.absolute(), "check").log_path.exists()
    cache.reset()
    again = sdd(repo, "check", "--json")
    assert (again.exit_code, again.stdout, again.stderr) == truth


def test_an_edit_of_a_linked_document_s_target_in_the_child_s_share_is_seen(
        repo: Path, children: list[int], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A project of the child's share whose task list links to a file elsewhere is read
    the slow way, by both processes: the ``sdd next`` answer kept after a cold two-core
    run must not rest on its folder alone."""
    from test_next_memo import age_tree, run_next, truth

    late = [p for p in later_projects(repo) if "- [ ]" in (p / "tasks.md").read_text()][0]
    target = repo / "docs" / "linked-tasks.md"
    target.parent.mkdir(exist_ok=True)
    tasks = late / "tasks.md"
    target.write_text(tasks.read_text())
    tasks.unlink()
    tasks.symlink_to(Path("..") / ".." / ".." / ".." / "docs" / "linked-tasks.md")
    age_tree(repo)
    git(repo, "status", "--porcelain")  # git refreshes its index: the ageing is no change
    old = target.stat().st_mtime_ns - 60 * 10**9
    os.utime(target, ns=(old, old))
    os.utime(tasks, ns=(old, old), follow_symlinks=False)
    cache.reset()
    _forget_caches(repo)
    before = run_next(repo, capsys, "--json")
    assert children, "no child ran"
    assert before == run_next(repo, capsys, "--json") == truth(repo, capsys, monkeypatch,
                                                                "--json")
    target.write_text(target.read_text().replace("- [ ]", "- [x]"))
    os.utime(target, ns=(old, old))
    after = run_next(repo, capsys, "--json")
    assert after == truth(repo, capsys, monkeypatch, "--json") != before


@pytest.mark.parametrize("committed", [True, False], ids=["tracked", "untracked"])
def test_the_next_answer_kept_after_a_cold_two_core_run_rests_on_the_child_s_share(
        repo: Path, children: list[int], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, committed: bool) -> None:
    """Through ``sdd next``'s own path (:func:`sddkit.cli.entry.main`, which keeps its
    answer; the click command keeps none): after a cold two-core run, the kept answer is
    given up when a document of the child's share is edited behind its back (same size
    and mtime; hashed when git does not track it) or appears in a draft's folder."""
    from test_next_memo import age_tree, kept, run_next, truth

    if not committed:
        git(repo, "rm", "-r", "-q", "--cached", ASSETS)
        git(repo, "commit", "-q", "-m", "untrack the projects")
    age_tree(repo)
    git(repo, "status", "--porcelain")  # git refreshes its index: the ageing is no change
    cache.reset()
    _forget_caches(repo)
    before = run_next(repo, capsys, "--json")
    assert children, "no child ran"
    assert before == kept(repo, capsys, monkeypatch, "--json") \
        == truth(repo, capsys, monkeypatch, "--json")
    late = later_projects(repo)[0]  # implementing: back to drafting, among the others
    time.sleep(1.1)  # git compares whole seconds: not in the second of the ageing
    edit_in_place(late / "spec.md", "status: approved", "status: draft   ")
    after = run_next(repo, capsys, "--json")
    assert after == truth(repo, capsys, monkeypatch, "--json") != before
    assert kept(repo, capsys, monkeypatch, "--json") == after
    share = _child_share(repo)
    draft = next(repo / ASSETS / name for name in share
                 if not (repo / ASSETS / name / "tasks.md").exists())
    (draft / "tasks.md").write_text("no front matter here\n")
    age_tree(repo)
    again = run_next(repo, capsys, "--json")
    assert again == truth(repo, capsys, monkeypatch, "--json") != after


def test_an_interrupted_join_ends_the_child_without_waiting_for_its_share(
        tmp_path: Path) -> None:
    """SIGINT to this process alone (not a terminal's Ctrl-C, which reaches both) while it
    waits for the child: the child is ended, not waited for until its share is done."""
    import time

    if not two_cores.usable():
        pytest.skip("no second core for this process (or not Linux)")
    finished = tmp_path / "finished"

    def work() -> None:
        time.sleep(3)
        finished.write_text("the whole share\n")

    child = two_cores.start(work, tmp_path, ())
    assert child is not None

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            child.join()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    assert not finished.exists()
