"""A document edited while ``sdd check`` runs leaves no cache entry under its old bytes.

A project whose documents come from the parse cache (by content key) reads its text from
the disk later, when a rule needs it. When the file was rewritten in between, what the
rules find in that text must not be kept under the old content key: the record, the
per-document findings and, through the store the clones share, another clone's answer
would then be those of bytes that key does not name (``SDDKIT_NO_CACHE=1`` disagreed once
the file held its old bytes again: a checkout, a stash, a clone at the old commit).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import Invoke
from test_check_cache import ASSETS, check, repo, settled, uncached  # noqa: F401 (a fixture)

from sddkit.io import cache


def _forget_rule_caches(root: Path) -> None:
    """Drop the records, the per-document findings and the shared store (the parse cache
    stays: the next check loads the documents from it and reads their text later)."""
    for kind in ("records", "check"):
        place = cache.location(root, kind)
        for path in place.parent.glob(place.name + "*"):
            path.unlink()
    shutil.rmtree(cache.user_folder(), ignore_errors=True)
    cache.reset()


def test_an_edit_between_the_keys_and_the_read_is_not_kept_under_the_old_key(
        repo: Path, sdd: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settled(sdd, repo, monkeypatch) == []
    tasks = repo / ASSETS / "demo" / "tasks.md"
    original = tasks.read_bytes()
    _forget_rule_caches(repo)
    from sddkit.io import reading

    real = reading.read_bytes
    edited: list[Path] = []

    def edit_then_read(path: Path, *args: object, **kwargs: object) -> bytes:
        if Path(path) == tasks and not edited:  # someone saves the file just now
            edited.append(path)
            tasks.write_bytes(original.replace(b"  - verify: ok\n- [ ] T002",
                                               b"  - verfiy: ok\n- [ ] T002", 1))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(reading, "read_bytes", edit_then_read)
        check(sdd, repo)  # whatever it says of a file changing under it
    assert edited, "the check read the task list's text after keying it"
    tasks.write_bytes(original)  # the old bytes again (a checkout, a revert)
    assert check(sdd, repo) == uncached(sdd, repo, monkeypatch) == []
    _forget_rule_caches(repo)
