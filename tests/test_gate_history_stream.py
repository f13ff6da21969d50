"""The gate lines' history is read as git writes it (issue 15): ``git log -p`` in pieces,
never the whole output (over 100 MB at 10,000 projects), with the answer of reading the
whole output at once (:func:`sddkit.approvals.gate_history._parse`, one piece)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Invoke, fill, git, walk_to
from sddkit.approvals import gate_history
from sddkit.io import git as git_io
from sddkit.workspace import Workspace


def _whole_output(root: Path) -> bytes:
    """``git log -p`` over the projects folder as :func:`git_io.log_patches` asks for it,
    held whole."""
    return subprocess.run(
        ["git", "-c", "core.quotepath=off", "log", "-p", "-U0", "--no-color", "--no-renames",
         "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/",
         "--encoding=UTF-8", f"-G{gate_history.GATE_REGEX}",
         "--format=%x00%H%x1f%an%x1f%ae%x1f%aI", "--", "AGENTS.ctx/sdd/assets"],
        cwd=root, capture_output=True, check=True).stdout


@pytest.fixture
def history(initialised: Path, sdd: Invoke) -> Path:
    """Three projects approved over several commits, one by an approver whose name is not
    ASCII (so that a piece could be cut inside a UTF-8 sequence), one reopened."""
    for name in ("alpha", "beta", "gamma"):
        walk_to(initialised, sdd, name, upto="spec")
        git(initialised, "add", "-A")
        git(initialised, "commit", "-qm", f"{name} approved")
    fill(initialised / "AGENTS.ctx/sdd/assets/beta/plan.md")
    for step in (("ready", "beta"), ("approve", "beta", "--by", "Zoë Ŋ")):
        assert sdd(initialised, *step).exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-qm", "beta plan")
    assert sdd(initialised, "reopen", "alpha", "spec", "--reason", "rethink").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-qm", "alpha reopened")
    return initialised


@pytest.mark.parametrize("piece", [1, 5, 12, 13, 64, 1000, 1 << 20])
def test_pieces_read_as_the_whole_output(history: Path, piece: int,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDDKIT_NO_CACHE", "1")
    monkeypatch.setattr(git_io, "LOG_PIECE", piece)
    fed: list[bytes] = []
    real = git_io.log_patches

    def spying(root: Path, under: Path, regex: str, since: str | None, feed) -> str | None:  # type: ignore[no-untyped-def]
        return real(root, under, regex, since, lambda scope, p: (fed.append(p), feed(scope, p)))

    monkeypatch.setattr(git_io, "log_patches", spying)
    whole = _whole_output(history)
    expected = gate_history._parse("AGENTS.ctx/sdd/assets", whole)
    assert len(expected) > 6 and any("Zoë Ŋ" in line for c in expected for line in c.added)
    assert gate_history.read(Workspace(history)) == expected
    assert b"".join(fed) == whole
    if piece < 100:
        assert len(fed) > 3  # really read in pieces
        assert all(p.startswith((b"\x00", b"\ndiff --git ")) for p in fed)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_cut_at_a_boundary_reads_the_same(data: st.DataObject) -> None:
    """Cut anywhere before a commit or a file's patch: the same changes."""
    output = b"".join(
        b"\x00" + sha.encode() + b"\x1fAda\x1fada@example.com\x1f2026-01-0%dT00:00:00Z\n" % day
        + b"".join(b"\ndiff --git a/p/%s/spec.md b/p/%s/spec.md\n--- a/p/%s/spec.md\n"
                   b"+++ b/p/%s/spec.md\n@@ -3 +3 @@\n-status: review\n+status: approved\n"
                   b"+approved_by: Zo\xc3\xab\n" % (name, name, name, name)
                   for name in (b"one", b"two", b"three"))
        for day, sha in enumerate(("a" * 40, "b" * 40, "c" * 40), start=1))
    starts = sorted({i for i in range(1, len(output)) if output[i:i + 1] == b"\x00"
                     or output.startswith(b"\ndiff --git ", i)})
    cuts = sorted(data.draw(st.sets(st.sampled_from(starts))))
    reader = gate_history._Reader()
    for begin, end in zip([0, *cuts], [*cuts, len(output)], strict=True):
        reader.feed("p", output[begin:end])
    expected = gate_history._parse("p", output)
    assert reader.changes == expected
    assert len(expected) == 9 and expected[0].path == "one/spec.md"
    assert expected[0].added == ("status: approved", "approved_by: Zoë")
