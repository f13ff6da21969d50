"""The caches are a shortcut only: the answers are the same with them and without them.

Every cache (the listing rows, the parse entries, the ``sdd check`` facts) is keyed by the
documents' content, found through git's index or the files' bytes. Each test changes the
files behind the caches' back (a hand edit with the same size and mtime, a checkout, a
stash pop, a deletion, a clone) and compares every answer with ``SDDKIT_NO_CACHE=1``.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Invoke, fill, git, walk_to

from sddkit.io import cache
from sddkit.projects import rows as index

TASKS = "- [ ] T001 First\n  - verify: ok\n- [ ] T002 Second\n  - depends: T001\n"
ASSETS = "AGENTS.ctx/sdd/assets"


def age_tree(root: Path, seconds: int = 60) -> None:
    past = time.time() - seconds
    for path in (root / "AGENTS.ctx").rglob("*"):
        os.utime(path, (past, past))


def answers(sdd: Invoke, root: Path) -> tuple[str, ...]:
    out = []
    for args in (["status", "--json"], ["next", "--json"], ["open", "sdd", "--json"],
                 ["status", "demo", "--json"], ["check", "--json"]):
        result = sdd(root, *args)
        out.append(f"{result.exit_code}\n{result.stdout}")
    return tuple(out)


def uncached(sdd: Invoke, root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, ...]:
    with monkeypatch.context() as patch:
        patch.setenv("SDDKIT_NO_CACHE", "1")
        return answers(sdd, root)


def same_as_uncached(sdd: Invoke, root: Path, monkeypatch: pytest.MonkeyPatch
                     ) -> tuple[str, ...]:
    """The cached answers (twice: filling, then reading the caches) equal the uncached ones."""
    first = answers(sdd, root)
    second = answers(sdd, root)
    truth = uncached(sdd, root, monkeypatch)
    assert first == truth
    assert second == truth
    return truth


def edit_in_place(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (same length) keeping the file's size and mtime."""
    assert len(old) == len(new)
    st = path.stat()
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def next_key(sdd: Invoke, root: Path) -> str:
    return json.loads(sdd(root, "next", "--json").stdout)["task"]["key"]


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    walk_to(initialised, sdd, "other", upto="spec")
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "projects")
    age_tree(initialised)
    cache.reset()
    return initialised


def test_cached_answers_equal_uncached(repo: Path, sdd: Invoke,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    same_as_uncached(sdd, repo, monkeypatch)
    rows = cache.Cache(repo, "rows").entries
    assert {"demo", "other"} <= set(rows)
    assert index.from_record(rows["demo"][3]) is not None  # restored by field names
    parse = cache.Cache(repo, "parse").entries
    assert any(k.startswith("demo/tasks/") for k in parse)
    assert cache.Cache(repo, "check").entries


def test_a_row_of_another_shape_is_computed_again(repo: Path, sdd: Invoke,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    truth = same_as_uncached(sdd, repo, monkeypatch)
    rows = cache.Cache(repo, "rows")
    keys, sigs, folder, row = rows.entries["demo"]
    rows.entries["demo"] = (keys, sigs, folder, (*row, "a retired field"))
    rows.dirty = True
    rows.save()
    assert answers(sdd, repo) == truth


@pytest.mark.parametrize("committed", [True, False], ids=["tracked", "untracked"])
def test_an_edit_is_seen_even_with_the_same_size_and_mtime(repo: Path, sdd: Invoke,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      committed: bool) -> None:
    if not committed:
        git(repo, "rm", "-r", "-q", "--cached", ASSETS)
        git(repo, "commit", "-q", "-m", "untrack the projects")
        age_tree(repo)
    same_as_uncached(sdd, repo, monkeypatch)
    tasks = repo / ASSETS / "demo" / "tasks.md"
    edit_in_place(tasks, "- [ ] T001", "- [x] T001")  # a task checked by hand
    same_as_uncached(sdd, repo, monkeypatch)
    assert next_key(sdd, repo) == "T002"
    spec = repo / ASSETS / "demo" / "spec.md"
    edit_in_place(spec, "Filled in.", "Filled on.")  # the rows and parse caches
    truth = same_as_uncached(sdd, repo, monkeypatch)
    status = json.loads(truth[3].split("\n", 1)[1])
    assert status["phases"][1]["flags"] == ["changed-since-approval"]
    # the check facts: a section of a document under review emptied, same size and mtime
    plan = repo / ASSETS / "other" / "plan.md"
    fill(plan)
    assert sdd(repo, "ready", "other").exit_code == 0
    age_tree(repo)
    before = same_as_uncached(sdd, repo, monkeypatch)[4]
    edit_in_place(plan, "Filled in.", " " * len("Filled in."))
    after = same_as_uncached(sdd, repo, monkeypatch)[4]
    assert after != before and "other/plan.md" in after


def test_git_checkout_is_seen(repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "checkout", "-q", "-b", "ticked")
    tasks = repo / ASSETS / "demo" / "tasks.md"
    tasks.write_text(tasks.read_text().replace("- [ ] T001", "- [x] T001"))
    git(repo, "commit", "-q", "-am", "tick T001")
    age_tree(repo)
    assert next_key(sdd, repo) == "T002"
    same_as_uncached(sdd, repo, monkeypatch)
    git(repo, "checkout", "-q", "main")
    assert next_key(sdd, repo) == "T001"
    same_as_uncached(sdd, repo, monkeypatch)
    git(repo, "checkout", "-q", "ticked")
    age_tree(repo)  # the checkout's files look old: only their bytes tell them apart
    assert next_key(sdd, repo) == "T002"
    same_as_uncached(sdd, repo, monkeypatch)


def test_git_stash_pop_is_seen(repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = repo / ASSETS / "demo" / "tasks.md"
    edit_in_place(tasks, "- [ ] T001", "- [x] T001")
    assert next_key(sdd, repo) == "T002"
    git(repo, "stash", "-q")
    assert next_key(sdd, repo) == "T001"
    git(repo, "stash", "pop", "-q")
    assert next_key(sdd, repo) == "T002"
    same_as_uncached(sdd, repo, monkeypatch)


def test_a_deleted_or_added_document_is_seen(repo: Path, sdd: Invoke,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    same_as_uncached(sdd, repo, monkeypatch)
    plan = repo / ASSETS / "other" / "plan.md"
    plan.write_text((repo / ASSETS / "demo" / "plan.md").read_text().replace("demo", "other"))
    same_as_uncached(sdd, repo, monkeypatch)  # a document appears in a folder
    (repo / ASSETS / "demo" / "tasks.md").unlink()
    same_as_uncached(sdd, repo, monkeypatch)  # a tracked document disappears


def test_a_new_clone_reuses_the_rows_by_content(repo: Path, sdd: Invoke, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    truth = same_as_uncached(sdd, repo, monkeypatch)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    computed: list[str] = []
    real = index.row_of

    def counting(project: object) -> index.ProjectRow:
        row = real(project)  # type: ignore[arg-type]
        computed.append(row.name)
        return row

    monkeypatch.setattr(index, "row_of", counting)
    assert sdd(clone, "status", "--json").stdout == truth[0].split("\n", 1)[1]
    assert computed == []  # every row came from the rows this machine keeps by content
    assert answers(sdd, clone)[:2] == truth[:2]  # (`open` names the root)


def test_a_task_done_then_next_parses_nothing_again(repo: Path, sdd: Invoke,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    same_as_uncached(sdd, repo, monkeypatch)
    assert sdd(repo, "done", "T001", "--project", "demo").exit_code == 0
    computed: list[str] = []
    real = index.row_of
    monkeypatch.setattr(index, "row_of",
                        lambda p: computed.append(p.name) or real(p))  # type: ignore[func-returns-value]
    assert next_key(sdd, repo) == "T002"  # the row the write recorded, for the bytes written
    assert computed == []
    monkeypatch.undo()
    same_as_uncached(sdd, repo, monkeypatch)


def test_a_corrupt_cache_is_ignored(repo: Path, sdd: Invoke) -> None:
    expected = answers(sdd, repo)
    for kind in ("rows", "parse", "check"):
        cache.location(repo, kind).write_bytes(b"\x00garbage")
    cache.reset()
    assert answers(sdd, repo) == expected


def test_outside_git_the_caches_live_in_the_user_cache(tmp_path: Path, sdd: Invoke,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    assert sdd(root, "init", "--root", str(root)).exit_code == 0
    walk_to(root, sdd, "demo", tasks=TASKS)
    age_tree(root)
    same_as_uncached(sdd, root, monkeypatch)
    location = cache.location(root, "rows")
    assert location.exists() or location.with_name(location.name + ".log").exists()
    assert root not in location.parents
    edit_in_place(root / ASSETS / "demo" / "tasks.md", "- [ ] T001", "- [x] T001")
    same_as_uncached(sdd, root, monkeypatch)
    assert next_key(sdd, root) == "T002"


def test_a_worktree_shares_the_parse_cache(repo: Path, sdd: Invoke, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    same_as_uncached(sdd, repo, monkeypatch)
    tree = tmp_path / "tree"
    git(repo, "worktree", "add", "-q", str(tree))
    assert cache.location(tree, "parse") == cache.location(repo, "parse")
    assert cache.location(tree, "rows") != cache.location(repo, "rows")
    same_as_uncached(sdd, tree, monkeypatch)


def test_a_write_appends_its_row_to_the_log_and_leaves_the_rows_file_alone(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """`done` records the project's new row without loading or rewriting every project's
    (issue 15: a write costs what it changed), and `next` finds it there."""
    same_as_uncached(sdd, repo, monkeypatch)
    rows_file = cache.location(repo, "rows")
    before = rows_file.read_bytes() if rows_file.exists() else None
    log = rows_file.with_name(rows_file.name + ".log")
    logged_before = len(cache._read_log(log))
    assert sdd(repo, "done", "T001", "--project", "demo").exit_code == 0
    assert (rows_file.read_bytes() if rows_file.exists() else None) == before
    logged = cache._read_log(log)[logged_before:]
    assert [key for key, _value in logged] == ["demo"]
    computed: list[str] = []
    real = index.row_of
    monkeypatch.setattr(index, "row_of",
                        lambda p: computed.append(p.name) or real(p))  # type: ignore[func-returns-value]
    assert next_key(sdd, repo) == "T002"
    assert computed == []
    monkeypatch.undo()
    same_as_uncached(sdd, repo, monkeypatch)


def test_a_log_cut_off_mid_record_keeps_the_records_before(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path, "rows")
    store.append("a", (1,))
    store.append("b", (2,))
    store.save()
    log = store.log_path
    whole = log.read_bytes()
    log.write_bytes(whole + whole[:11])  # a third record cut off after 11 bytes
    assert cache.Cache(tmp_path, "rows").entries == {"a": (1,), "b": (2,)}
    flipped = bytearray(whole)
    flipped[-1] ^= 0xFF  # the last record's bytes no longer match its checksum
    log.write_bytes(bytes(flipped))
    assert cache.Cache(tmp_path, "rows").entries == {"a": (1,)}


def test_a_long_log_is_folded_into_the_file(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "LOG_LIMIT", 3)
    for n in range(5):
        store = cache.Cache(tmp_path, "rows")
        store.append(f"p{n}", (n,))
        store.save()  # not loaded: appended to the log
    assert len(cache._read_log(store.log_path)) == 5
    store = cache.Cache(tmp_path, "rows")
    assert len(store.entries) == 5 and store.dirty  # past the limit: fold it in
    store.save()
    assert not store.log_path.exists()
    assert cache.Cache(tmp_path, "rows").entries == {f"p{n}": (n,) for n in range(5)}


def test_records_another_process_encoded_are_logged_after_the_file_is_saved(
        tmp_path: Path) -> None:
    """A two-core child's entries this run does not read (:meth:`Cache.append_encoded`)
    reach the log after the save, whether it rewrote the file (which removes the log it
    folded in) or only appended, and are not decoded in this process."""
    for dirty in (True, False):
        folder = tmp_path / str(dirty)
        store = cache.Cache(folder, "parse")
        if dirty:
            store.put("mine", (1,))  # loaded and changed: the file is rewritten
        else:
            store.append("mine", (1,))  # not loaded: appended to the log
        store.append_encoded(cache.encode_log([("child-a", (2,)), ("child-b", (3,))]))
        store.append_encoded(b"")
        if dirty:
            assert "child-a" not in store.entries
        store.save()
        assert cache.Cache(folder, "parse").entries == {
            "mine": (1,), "child-a": (2,), "child-b": (3,)}
        store.save()  # written once
        assert len(cache._read_log(store.log_path)) == (2 if dirty else 3)


def test_other_code_computes_the_rows_again(repo: Path, sdd: Invoke, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A row depends on the code that made it: after an upgrade, or in a worktree running
    its own edited sddkit (the shared rows cross clones and worktrees), rows kept by other
    code are not reused, in the repository or in a new clone of it."""
    same_as_uncached(sdd, repo, monkeypatch)  # the rows and the shared rows are kept
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    from sddkit.io import code_stamp

    monkeypatch.setattr(code_stamp, "code_stamp", lambda: "0123456789ab")  # another code
    real = index.row_of
    monkeypatch.setattr(index, "row_of", lambda project: real(project)._replace(title="New"))
    for root in (repo, clone):
        titles = {p["title"] for p in json.loads(sdd(root, "status", "--json").stdout)["projects"]}
        assert titles == {"New"}, root


def test_other_code_parses_the_documents_again(repo: Path, sdd: Invoke, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse cache (shared by every worktree of the repository) holds what this code
    read in each document: a worktree or an upgrade running other code reads them again."""
    same_as_uncached(sdd, repo, monkeypatch)  # the parse entries are kept
    tree = tmp_path / "tree"
    git(repo, "worktree", "add", "-q", str(tree))
    from sddkit.io import code_stamp
    from sddkit.projects import project as project_mod

    monkeypatch.setattr(code_stamp, "code_stamp", lambda: "0123456789ab")  # another code
    real = project_mod.load_doc

    def newer(path: Path, text: str, name: str, phase: str) -> object:
        doc = real(path, text, name, phase)
        doc.meta["title"] = "New"
        return doc

    monkeypatch.setattr(project_mod, "load_doc", newer)
    for root in (tree, repo):
        titles = {p["title"] for p in json.loads(sdd(root, "status", "--json").stdout)["projects"]}
        assert titles == {"New"}, root


def committed(repo: Path, change: Callable[[str], str], message: str) -> None:
    """Change demo's document through ``change`` and commit it (the file is clean again),
    with git's stat data fresh (``git status`` refreshes the index, as people run it)."""
    doc = repo / ASSETS / "demo" / "tasks.md"
    if "contexts" in message:
        doc = repo / ASSETS / "demo" / "constitution.md"
    doc.write_text(change(doc.read_text()))
    git(repo, "commit", "-q", "-am", message)
    age_tree(repo)
    git(repo, "status", "--short")


def test_a_commit_then_one_project_read_leaves_no_stale_row(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command that keys projects without redoing their rows under a new index (``sdd
    check demo``) must not vouch for the rows recorded under the old one."""
    git(repo, "status", "--short")
    before = same_as_uncached(sdd, repo, monkeypatch)
    committed(repo, lambda t: t.replace("- [ ] T001", "- [x] T001"), "T001 done by hand")
    sdd(repo, "check", "demo")
    assert same_as_uncached(sdd, repo, monkeypatch) != before


def test_a_committed_broken_project_stays_broken(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """A project broken by a commit: its old record must not be vouched for by git on the
    next run (it would show the project as it was, not broken)."""
    git(repo, "status", "--short")
    before = same_as_uncached(sdd, repo, monkeypatch)
    committed(repo, lambda t: t.replace("---\n", "---\ncontexts: [a, b\n", 1), "contexts broken")
    first = same_as_uncached(sdd, repo, monkeypatch)
    assert first != before and '"broken": [{' in first[0]
    assert same_as_uncached(sdd, repo, monkeypatch) == first


def test_a_released_cache_is_saved_and_loaded_again_on_use(tmp_path: Path) -> None:
    """``release`` (what ``sdd check`` does with its records after the projects) saves the
    entries and lets go of them; the next use reads them back from the file."""
    store = cache.Cache(tmp_path, "records")
    store.put("alpha", ("digest", b"blob"))
    store.append("beta", (1, 2))
    store.release()
    assert store._entries is None and not store.dirty
    assert store.get("alpha") == ("digest", b"blob") and store.get("beta") == (1, 2)
    fresh = cache.Cache(tmp_path, "records")
    assert fresh.get("alpha") == ("digest", b"blob") and fresh.get("beta") == (1, 2)
    unsaved = cache.Cache(tmp_path / "not-a-dir" / "x", "records")
    (tmp_path / "not-a-dir").write_text("a file where the cache folder would be")
    unsaved.put("gamma", 3)
    unsaved.release()  # cannot be saved: the entries stay in memory
    assert unsaved.get("gamma") == 3


def test_the_shared_store_keeps_one_history(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Histories are megabytes at 10,000 projects and one is kept per HEAD: the shared
    store keeps the last one written; rows and records accumulate (up to its size limit)."""
    from sddkit.io import shared_rows

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache.reset()
    for head in ("a" * 40, "b" * 40):
        shared_rows.put("gate-log", (head,), (head, []), table="history")
        shared_rows.put(f"p-{head[0]}", ("k1", None, None, None), ("row", head))
        cache.flush()
    assert shared_rows.get("gate-log", ("a" * 40,), table="history") is None
    assert shared_rows.get("gate-log", ("b" * 40,), table="history") == ("b" * 40, [])
    assert shared_rows.get("p-a", ("k1", None, None, None)) == ("row", "a" * 40)
    assert shared_rows.get("p-b", ("k1", None, None, None)) == ("row", "b" * 40)
    with pytest.raises(ValueError):
        shared_rows.put("x", (), (), table="nope")
    cache.reset()


def test_a_document_rewritten_while_its_row_is_worked_out_leaves_no_record(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """The row worked out from bytes that changed after they were keyed (a person saving,
    while a cold listing's child works for seconds) is not recorded under the old keys:
    once the file holds the keyed bytes again, the answer is theirs, not the row's."""
    from test_check_cache import _forget_caches

    from sddkit.io import content_keys

    truth = uncached(sdd, repo, monkeypatch)
    tasks = repo / ASSETS / "demo" / "tasks.md"
    original = tasks.read_bytes()
    keyed = content_keys.Snapshot.project_keys
    rewritten: list[str] = []

    def then_rewritten(self: content_keys.Snapshot, name: str) -> tuple[object, ...]:
        keys = keyed(self, name)
        if name == "demo" and not rewritten:
            tasks.write_bytes(original.replace(b"- [ ] T001", b"- [x] T001", 1))
            rewritten.append(name)
        return keys

    _forget_caches(repo)
    cache.reset()
    with monkeypatch.context() as patch:
        patch.setattr(content_keys.Snapshot, "project_keys", then_rewritten)
        assert sdd(repo, "status", "--json").exit_code == 0
    assert rewritten
    tasks.write_bytes(original)  # the bytes that were keyed, again
    assert answers(sdd, repo) == truth


def test_the_parse_cache_s_cost_counts_its_log(initialised: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a listing loads the parse cache weighs the file and its log: after a cold
    two-core run half the entries are in the log, read with the file."""
    from sddkit.workspace import Workspace

    ws = Workspace.find(override=initialised)
    monkeypatch.setattr(index, "_PARSE_CACHE_BYTES_PER_PROJECT", 500)
    path = cache.location(ws.root, "parse")
    assert index._worth_the_parse_cache(ws, 1)  # nothing to load
    path.write_bytes(b"x" * 100)
    assert index._worth_the_parse_cache(ws, 1)
    path.with_name(path.name + ".log").write_bytes(b"x" * 1000)
    assert not index._worth_the_parse_cache(ws, 1)
    assert index._worth_the_parse_cache(ws, 3)
