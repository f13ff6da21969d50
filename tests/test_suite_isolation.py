"""The suite's own isolation (``conftest.isolated_env``): no test sees the developer's HOME,
user cache or git identity, even one that drops its own patches with ``monkeypatch.undo()``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import GIT_IDENTITY


def test_a_test_that_undoes_its_own_patches_stays_isolated(
        monkeypatch: pytest.MonkeyPatch) -> None:
    home = os.environ["HOME"]
    monkeypatch.setenv("HOME", "/nowhere")
    monkeypatch.setenv("XDG_CACHE_HOME", "/nowhere/cache")
    monkeypatch.undo()
    assert os.environ["HOME"] == home
    assert Path(home).name.startswith("home")  # the suite's, under pytest's temporary folder
    assert "XDG_CACHE_HOME" not in os.environ
    assert os.environ["GIT_AUTHOR_NAME"] == GIT_IDENTITY["GIT_AUTHOR_NAME"]
    assert os.environ["SDDKIT_DEBUG"] == "1"
