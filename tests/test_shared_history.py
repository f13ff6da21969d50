"""The gate lines' history kept per HEAD (local cache and the store this machine's clones
share, :mod:`sddkit.approvals.gate_history`) is the history git shows in *this* clone: a
shallow clone, a clone deepened at the same HEAD and two sddkit roots in one repository
each get the answer computed without caches (``SDDKIT_NO_CACHE=1``)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Invoke, git, walk_to

Run = Callable[..., "subprocess.CompletedProcess[str]"]
MALLORY = {"GIT_AUTHOR_NAME": "Mallory", "GIT_AUTHOR_EMAIL": "mallory@example.com"}


def answers(run_sdd: Run, where: Path, *args: str) -> tuple[str, str]:
    """(the answer with the caches, the answer without any), of ``sdd ARGS`` in ``where``."""
    cached = run_sdd(*args, cwd=where)
    plain = run_sdd(*args, cwd=where, env={"SDDKIT_NO_CACHE": "1"})
    return (f"{cached.returncode}\n{cached.stdout}{cached.stderr}",
            f"{plain.returncode}\n{plain.stdout}{plain.stderr}")


@pytest.fixture
def approved_then_touched(initialised: Path, sdd: Invoke) -> Path:
    """``demo`` approved and committed by Ada (the approver CODEOWNERS names), then a commit
    by Mallory (no approver) that touches another file: only a history cut at Mallory's
    commit blames Mallory for the approvals."""
    walk_to(initialised, sdd, "demo")
    (initialised / ".github").mkdir()
    (initialised / ".github" / "CODEOWNERS").write_text(
        "AGENTS.ctx/sdd/assets/ ada@example.com\n")
    git(initialised, "add", "-A")
    git(initialised, "commit", "-qm", "demo approved")
    (initialised / "notes.txt").write_text("unrelated\n")
    git(initialised, "add", "notes.txt")
    subprocess.run(["git", "commit", "-qm", "notes"], cwd=initialised, check=True,
                   env={**__import__("os").environ, **MALLORY})
    return initialised


def _clone(source: Path, target: Path, *options: str) -> Path:
    subprocess.run(["git", "clone", "-q", *options, f"file://{source}", str(target)],
                   check=True)
    return target


def test_a_shallow_clones_history_is_not_a_whole_clones(
        approved_then_touched: Path, tmp_path: Path, run_sdd: Run) -> None:
    """A shallow clone at HEAD reads a history that starts at HEAD; a whole clone at the same
    HEAD must not take it from the shared store (it blamed Mallory for four approvals)."""
    shallow = _clone(approved_then_touched, tmp_path / "shallow", "--depth", "1")
    whole = _clone(approved_then_touched, tmp_path / "whole")
    assert run_sdd("log", cwd=shallow).returncode == 0  # reads (and keeps) its history
    cached, plain = answers(run_sdd, whole, "check", "--json")
    assert cached == plain
    assert "SDD-017" not in plain
    cached, plain = answers(run_sdd, whole, "log")
    assert cached == plain and "Mallory" not in plain
    cached, plain = answers(run_sdd, shallow, "log")  # and the other way round
    assert cached == plain and "Mallory" in plain


def test_a_clone_deepened_at_the_same_head_reads_its_whole_history(
        approved_then_touched: Path, tmp_path: Path, run_sdd: Run) -> None:
    """``git fetch --unshallow`` leaves HEAD where it was and gives the history its start."""
    clone = _clone(approved_then_touched, tmp_path / "shallow", "--depth", "1")
    first = run_sdd("log", cwd=clone)
    assert "Mallory" in first.stdout
    git(clone, "fetch", "-q", "--unshallow")
    cached, plain = answers(run_sdd, clone, "log")
    assert cached == plain and "Mallory" not in plain
    cached, plain = answers(run_sdd, clone, "check", "--json")
    assert cached == plain


def test_two_sddkit_roots_in_one_repository_keep_their_own_histories(
        git_repo: Path, sdd: Invoke, run_sdd: Run) -> None:
    """``svc-a/AGENTS.ctx`` and ``svc-b/AGENTS.ctx`` in one repository, at one HEAD: each
    root's ``sdd log`` is its own projects' history."""
    roots = [git_repo / "svc-a", git_repo / "svc-b"]
    for root, upto in zip(roots, ("tasks", "constitution"), strict=True):
        root.mkdir()
        assert sdd(root, "init").exit_code == 0
        walk_to(root, sdd, "demo", upto=upto)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "two roots")
    first = run_sdd("log", "--json", cwd=roots[0])
    assert len(json.loads(first.stdout)["events"]) > 2
    for root in roots:
        cached, plain = answers(run_sdd, root, "log", "--json")
        assert cached == plain
        cached, plain = answers(run_sdd, root, "check", "--json")
        assert cached == plain


def test_a_relative_xdg_cache_home_puts_no_cache_in_the_repository(
        approved_then_touched: Path, tmp_path: Path, run_sdd: Run) -> None:
    """XDG Base Directory: a relative ``XDG_CACHE_HOME`` is ignored (it named a folder under
    wherever the command ran: a repository got an untracked ``relcache/sddkit/`` from
    ``sdd check``, and another in ``AGENTS.ctx/`` from a command run there)."""
    clone = _clone(approved_then_touched, tmp_path / "clone")
    for where in (clone, clone / "AGENTS.ctx"):
        for args in (("check",), ("status",), ("new", f"p-{len(where.parts)}")):
            run_sdd(*args, cwd=where, env={"XDG_CACHE_HOME": "relcache"})
    assert not list(clone.rglob("relcache"))


@pytest.mark.parametrize("config", [("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true"),
                                    ("i18n.logOutputEncoding", "ISO-8859-1")])
def test_the_history_reads_the_same_whatever_the_clones_git_config(
        initialised: Path, sdd: Invoke, tmp_path: Path, run_sdd: Run,
        config: tuple[str, str]) -> None:
    """A clone whose git config asks for patches without ``a/``/``b/`` prefixes (a common
    ``diff.noprefix``) or another log encoding read no gate line (``sdd log`` empty, SDD-017
    silent) or garbled authors, and gave that history to the other clones."""
    walk_to(initialised, sdd, "demo", upto="spec")
    git(initialised, "add", "-A")
    subprocess.run(["git", "commit", "-qm", "approved"], cwd=initialised, check=True,
                   env={**__import__("os").environ, "GIT_AUTHOR_NAME": "Zoë Tester"})
    plain = _clone(initialised, tmp_path / "plain")
    configured = _clone(initialised, tmp_path / "configured")
    git(configured, "config", *config)
    truth = run_sdd("log", "--json", cwd=plain, env={"SDDKIT_NO_CACHE": "1"}).stdout
    assert "Zoë Tester" in truth
    assert run_sdd("log", "--json", cwd=configured).stdout == truth
    assert run_sdd("log", "--json", cwd=plain).stdout == truth


def test_a_store_that_is_not_a_database_is_started_again(
        approved_then_touched: Path, tmp_path: Path, run_sdd: Run) -> None:
    """A torn or foreign file where the shared store lives meant no sharing ever again (each
    run failed to open it and went on without); it is replaced by a new store, and the
    answers stay those computed without caches."""
    from sddkit.io import cache

    store = cache.user_folder() / f"shared-rows-v{cache.VERSION}.sqlite"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(b"this is not a database\n" * 100)
    clone = _clone(approved_then_touched, tmp_path / "clone")
    cached, plain = answers(run_sdd, clone, "check", "--json")
    assert cached == plain
    import sqlite3

    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] > 0


def test_a_merged_branch_reads_as_the_whole_history(
        initialised: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """The history kept at a HEAD is extended with the commits after it only when they
    form a line: a merge brings in a branch's commits, which ``git log`` shows among the
    older ones by date, where the commits after the kept HEAD were put first (``sdd log``
    listed the branch's block after the later one on the main line)."""
    root = initialised
    for name in ("demo", "other"):
        assert sdd(root, "new", name).exit_code == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "two projects")
    assert sdd(root, "log").exit_code == 0  # the history kept at this HEAD

    def commit(message: str, date: str) -> None:
        git(root, "add", "-A")
        subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True,
                       env={**__import__("os").environ, "GIT_AUTHOR_DATE": date,
                            "GIT_COMMITTER_DATE": date})

    git(root, "checkout", "-qb", "side")
    assert sdd(root, "block", "demo", "--reason", "on the side").exit_code == 0
    commit("side", "2030-01-02T00:00:00+00:00")
    git(root, "checkout", "-q", "-")
    assert sdd(root, "block", "other", "--reason", "on the main line").exit_code == 0
    commit("main line", "2030-01-03T00:00:00+00:00")
    assert sdd(root, "log").exit_code == 0  # kept again, one commit later
    git(root, "merge", "-q", "--no-edit", "side")
    cached = sdd(root, "log", "--json").stdout
    monkeypatch.setenv("SDDKIT_NO_CACHE", "1")
    truth = sdd(root, "log", "--json").stdout
    assert [e["detail"] for e in json.loads(truth)["events"]] == ["on the side", "on the main line"]
    assert cached == truth


def test_a_child_writes_its_shared_entries_but_leaves_the_history_to_the_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A two-core child writes its rows and records to the shared store itself
    (:func:`shared_rows.write_now`); a table that keeps only the last run's entries (the
    history) is emptied by the run's own flush, so the child hands those back. When the
    store cannot be written, it hands back everything."""
    from sddkit.io import cache, shared_rows

    cache.reset()
    row, history = (("rows", "stamp\0p1\0k"), (1,)), (("history", "head"), (2,))
    assert shared_rows.write_now([row, history]) == [history]
    assert shared_rows.write_now([history]) == [history]
    db = shared_rows._db()
    assert db.execute("SELECT key FROM rows").fetchall() == [("stamp\0p1\0k",)]
    assert db.execute("SELECT key FROM history").fetchall() == []
    cache.reset()
    monkeypatch.setattr(shared_rows, "_db", lambda: None)
    assert shared_rows.write_now([row, history]) == [row, history]
    cache.reset()
