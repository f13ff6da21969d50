"""``sddkit.io.spawn`` starts ``sdd next``'s git without importing subprocess, and reads a
child's two pipes as ``subprocess.Popen.communicate`` does (issue 15): whole, whatever
their sizes, stdin empty, the exit code as subprocess gives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Invoke, git, sdd_executable, walk_to
from test_cache import ASSETS
from test_next_memo import age_tree

from sddkit.io import cache, spawn

#: A child that fills stderr past a pipe's buffer before it writes stdout: read in that
#: order without polling, both would wait for ever.
CHILD = ("import sys\nsys.stderr.write('e' * 300_000)\nsys.stderr.flush()\n"
         "sys.stdout.write(sys.stdin.read() + 'o' * 300_000)\nsys.exit(3)\n")


@pytest.mark.parametrize("way", ["posix_spawn", "subprocess"])
def test_both_pipes_are_read_whole_and_the_exit_code_kept(
        way: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if way == "subprocess":
        monkeypatch.delattr(os, "posix_spawnp")
    elif not hasattr(os, "posix_spawnp"):
        pytest.skip("no posix_spawnp here")
    finish = spawn.start([sys.executable, "-c", CHILD])
    assert finish is not None
    code, out, err = finish()
    expected = subprocess.run([sys.executable, "-c", CHILD], capture_output=True,
                              stdin=subprocess.DEVNULL, check=False)
    assert (code, out, err) == (expected.returncode, expected.stdout, expected.stderr)
    assert code == 3 and out == b"o" * 300_000 and err == b"e" * 300_000


def test_a_program_that_is_not_there_gives_none() -> None:
    assert spawn.start(["sddkit-no-such-program-here"]) is None


def test_a_child_ended_by_a_signal_gives_its_negative_number() -> None:
    finish = spawn.start([sys.executable, "-c", "import os, signal\n"
                          "os.kill(os.getpid(), signal.SIGTERM)\n"])
    assert finish is not None
    assert finish()[0] == -15


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="no /proc/self/fd here")
def test_no_pipe_is_left_open() -> None:
    before = sorted(os.listdir("/proc/self/fd"))  # the listing's own descriptor included
    for _ in range(20):
        finish = spawn.start([sys.executable, "-c", "print('x')"])
        assert finish is not None and finish()[1].strip() == b"x"
    assert sorted(os.listdir("/proc/self/fd")) == before


@pytest.fixture
def sigchld_ignored() -> Iterator[None]:
    """SIGCHLD ignored in this process, as a parent may leave it for its children (the
    disposition survives exec): the system reaps each child itself, and ``waitpid`` fails."""
    if not hasattr(signal, "SIGCHLD"):
        pytest.skip("no SIGCHLD here")
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGCHLD, before)


def test_a_child_the_system_reaped_gives_its_output_and_no_exit_code(
        sigchld_ignored: None) -> None:
    finish = spawn.start([sys.executable, "-c", "print('x')\nraise SystemExit(3)\n"])
    assert finish is not None
    assert finish() == (None, b"x\n", b"")  # how it ended is not known: not 3, not 0


def test_sdd_next_and_status_answer_as_before_when_sigchld_is_ignored(
        initialised: Path, sdd: Invoke) -> None:
    """A supervisor that ignores SIGCHLD passes that on to ``sdd``: its git processes are
    reaped by the system, and every command still answers as with no cache at all."""
    walk_to(initialised, sdd, "demo", upto="spec")
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "demo")
    spec = initialised / ASSETS / "demo" / "spec.md"
    spec.write_text(spec.read_text() + "\nOne more line.\n")  # a document git reports
    age_tree(initialised)  # old enough for the answer to be kept

    def run(*args: str, ignored: bool, cached: bool = True) -> tuple[int, str, str]:
        env = {**os.environ, **({} if cached else {"SDDKIT_NO_CACHE": "1"})}
        done = subprocess.run(
            [sdd_executable(), *args], cwd=initialised, env=env, capture_output=True,
            text=True, timeout=120,
            preexec_fn=(lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN))
            if ignored else None)
        return done.returncode, done.stdout, done.stderr

    for args in (["next"], ["next", "--json"], ["status", "--json"]):
        truth = run(*args, ignored=False, cached=False)
        assert truth[0] == 0, truth
        run(*args, ignored=False)  # a memo and caches made as usual
        assert run(*args, ignored=True) == truth, args
    assert (cache.git_dir(initialised) / f"sddkit-next-v{cache.VERSION}").exists()
