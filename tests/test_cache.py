"""The parse cache is a shortcut only: the answers are the same with it and without it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import Invoke, walk_to

from sddkit import _cache

TASKS = "- [ ] T001 First\n  - verify: ok\n- [ ] T002 Second\n  - depends: T001\n"


def age_tree(root: Path, seconds: int = 60) -> None:
    past = time.time() - seconds
    for path in (root / "AGENTS.ctx").rglob("*.md"):
        os.utime(path, (past, past))


def answers(sdd: Invoke, root: Path) -> tuple[str, ...]:
    return tuple(sdd(root, *args).stdout for args in (
        ["status", "--json"], ["next", "--json"], ["open", "sdd", "--json"],
        ["status", "demo", "--json"]))


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    walk_to(initialised, sdd, "other", upto="spec")
    age_tree(initialised)
    return initialised


def test_cached_answers_equal_uncached(repo: Path, sdd: Invoke,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _cache._open.clear()
    first = answers(sdd, repo)
    cache_file = _cache.location(repo)
    assert cache_file.exists()
    entries = _cache.Cache(repo).entries
    assert "demo/tasks" in entries and "other/spec" in entries
    _cache._open.clear()
    second = answers(sdd, repo)
    monkeypatch.setenv("SDDKIT_NO_CACHE", "1")
    uncached = answers(sdd, repo)
    assert first == second == uncached


def test_an_edit_is_seen_even_with_the_same_size_and_mtime(repo: Path, sdd: Invoke) -> None:
    _cache._open.clear()
    answers(sdd, repo)  # fill the cache
    spec = repo / "AGENTS.ctx/sdd/assets/demo/spec.md"
    st = spec.stat()
    text = spec.read_text()
    edited = text.replace("Filled in.", "Filled on.", 1)
    assert len(edited) == len(text)
    spec.write_text(edited)
    os.utime(spec, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    _cache._open.clear()
    status = json.loads(sdd(repo, "status", "demo", "--json").stdout)
    assert status["phases"][1]["flags"] == ["changed-since-approval"]


def test_a_task_checked_by_hand_is_seen(repo: Path, sdd: Invoke) -> None:
    _cache._open.clear()
    assert json.loads(sdd(repo, "next", "--json").stdout)["task"]["key"] == "T001"
    tasks = repo / "AGENTS.ctx/sdd/assets/demo/tasks.md"
    tasks.write_text(tasks.read_text().replace("- [ ] T001", "- [x] T001"))
    _cache._open.clear()
    assert json.loads(sdd(repo, "next", "--json").stdout)["task"]["key"] == "T002"


def test_recently_modified_files_are_not_cached(initialised: Path, sdd: Invoke) -> None:
    _cache._open.clear()
    sdd(initialised, "new", "fresh")
    sdd(initialised, "status")
    assert "fresh/constitution" not in _cache.Cache(initialised).entries


def test_a_corrupt_cache_is_ignored(repo: Path, sdd: Invoke) -> None:
    _cache._open.clear()
    expected = answers(sdd, repo)
    _cache.location(repo).write_bytes(b"\x00garbage")
    _cache._open.clear()
    assert answers(sdd, repo) == expected


def test_cache_outside_git_lives_in_the_user_cache(tmp_path: Path, sdd: Invoke) -> None:
    assert sdd(tmp_path, "init", "--root", str(tmp_path)).exit_code == 0
    location = _cache.location(tmp_path)
    assert tmp_path not in location.parents
