from __future__ import annotations

import os
from pathlib import Path

import pytest

from sddkit.errors import SddkitError, UnsafePath
from sddkit.io.fileio import atomic_write, decode, inside_root, read_text, transaction


def test_atomic_write_creates_and_skips_identical(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.md"
    assert atomic_write(tmp_path, target, "x\n") is True
    mtime = target.stat().st_mtime_ns
    assert atomic_write(tmp_path, target, "x\n") is False
    assert target.stat().st_mtime_ns == mtime


def test_atomic_write_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "f.md"
    target.write_text("a")
    target.chmod(0o640)
    atomic_write(tmp_path, target, "b")
    assert (target.stat().st_mode & 0o777) == 0o640


def test_fault_before_replace_leaves_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.md"
    target.write_text("original\n")
    monkeypatch.setenv("SDDKIT_TEST_FAULT", "before-replace")
    with pytest.raises(SddkitError, match="injected fault") as raised:
        atomic_write(tmp_path, target, "changed\n")
    assert raised.value.path == target
    assert target.read_text() == "original\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.md"]


def test_refuses_symlink_leaving_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(UnsafePath, match="outside the repository"):
        atomic_write(root, root / "link" / "x.md", "x")
    assert list(outside.iterdir()) == []
    with pytest.raises(UnsafePath):
        inside_root(root, root / ".." / "escape.md")


def test_refuses_to_replace_a_directory(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(UnsafePath, match="not a regular file"):
        atomic_write(tmp_path, tmp_path / "d", "x")


def test_decode_errors_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(SddkitError) as info:
        decode(b"ok\nstill ok\n\xff bad\n", tmp_path / "f")
    assert info.value.line == 3
    with pytest.raises(SddkitError, match="NUL"):
        decode(b"a\x00b", tmp_path / "f")


def test_read_text_keeps_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "f.md"
    path.write_bytes(b"\xef\xbb\xbfa\r\nb\r\n")
    assert read_text(path) == "\ufeffa\r\nb\r\n"


def test_transaction_writes_nothing_on_error(tmp_path: Path) -> None:
    path = tmp_path / "f.md"
    path.write_text("before\n")
    with pytest.raises(RuntimeError), transaction(tmp_path) as tx:
        tx.write(path, "after\n")
        raise RuntimeError("boom")
    assert path.read_text() == "before\n"


def test_transaction_dry_run_diff(tmp_path: Path) -> None:
    path = tmp_path / "f.md"
    path.write_text("a\n")
    with transaction(tmp_path, dry_run=True) as tx:
        tx.write(path, "b\n")
        tx.write(tmp_path / "new.md", "n\n")
    assert path.read_text() == "a\n"
    assert not (tmp_path / "new.md").exists()
    diff = tx.diff()
    assert "-a\n+b\n" in diff
    assert "--- /dev/null\n+++ b/new.md" in diff


def test_stale_lock_times_out_with_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import filelock

    from sddkit.io.fileio import lock_path, repo_lock

    holder = filelock.FileLock(str(lock_path(tmp_path)))
    holder.acquire()
    try:
        with pytest.raises(SddkitError, match="held the repository lock"), repo_lock(
            tmp_path, timeout=0.2
        ):
            pass
    finally:
        holder.release()
    with repo_lock(tmp_path, timeout=0.2):
        pass
    assert os.path.exists(lock_path(tmp_path))
