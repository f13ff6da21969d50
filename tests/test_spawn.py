"""``sddkit.io.spawn`` starts ``sdd next``'s git without importing subprocess, and reads a
child's two pipes as ``subprocess.Popen.communicate`` does (issue 15): whole, whatever
their sizes, stdin empty, the exit code as subprocess gives it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sddkit.io import spawn

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
