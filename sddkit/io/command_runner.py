"""Run one shell command with a time limit, streaming its output and keeping its tail.

The command runs through the system shell (``/bin/sh -c`` on POSIX, ``cmd /c`` on
Windows, as :func:`subprocess.Popen` with ``shell=True`` does) in its own process group
(a new session), stdin closed, stdout and stderr merged. Past the time limit the whole
group is ended (SIGTERM, then SIGKILL after a short grace), so a check that forks a
server or a ``sleep`` cannot outlive it; processes a finished command leaves behind
holding its output open are ended the same way.

Output is never held whole: each chunk goes to ``on_output`` as it arrives and only the
last :data:`TAIL_BYTES` are kept, so a check printing gigabytes costs no memory.
No domain knowledge here: :mod:`sddkit.tasks.verification` says which commands to run.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TAIL_BYTES = 64 * 1024
GRACE_SECONDS = 2.0  # between SIGTERM and SIGKILL, and for output after the command ends
NOT_FOUND = 127  # POSIX shells: command not found (126: found but not executable)


@dataclass(frozen=True)
class RunResult:
    """How one command ended.

    ``exit_code`` is the shell's status (negative: killed by that signal number; None when
    it was ended for running past ``timeout`` seconds). ``seconds`` is wall time; ``tail``
    the last :data:`TAIL_BYTES` of the merged output, decoded as UTF-8 (bad bytes
    replaced); ``output_bytes`` the size of the whole output.
    """

    command: str
    exit_code: int | None
    timed_out: bool
    seconds: float
    tail: str
    output_bytes: int
    error: str | None = None  # the shell itself could not be started

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and self.error is None

    def last_lines(self, count: int = 20) -> list[str]:
        """The last ``count`` non-empty-ended lines of the output (a partial first line dropped
        when the tail was cut)."""
        lines = self.tail.splitlines()
        if self.output_bytes > TAIL_BYTES and lines:
            lines = lines[1:]
        while lines and not lines[-1].strip():
            lines.pop()
        return lines[-count:]

    def reason(self) -> str:
        """One phrase: why the command did not pass ("" when it passed)."""
        if self.error is not None:
            return f"could not start: {self.error}"
        if self.timed_out:
            return f"timed out after {self.seconds:.0f} s (the whole process group was ended)"
        if self.exit_code == NOT_FOUND:
            return f"exit {NOT_FOUND}: command not found"
        if self.exit_code is not None and self.exit_code < 0:
            return f"killed by signal {-self.exit_code}"
        return "" if self.exit_code == 0 else f"exit {self.exit_code}"


def _end_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the command's process group, SIGKILL it after the grace (or as soon as the
    command itself has ended: what is left of its group gets no more time)."""
    if os.name != "posix":  # pragma: no cover - no process groups to signal on Windows
        proc.kill()
        return
    _signal_group(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    _signal_group(proc.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _pump(stream: object, chunks: queue.Queue[bytes | None]) -> None:
    read = stream.read1 if hasattr(stream, "read1") else stream.read  # type: ignore[attr-defined]
    try:
        while chunk := read(65536):
            chunks.put(chunk)
    except (OSError, ValueError):  # pragma: no cover - the pipe closed under us
        pass
    chunks.put(None)


def run_command(
    command: str,
    cwd: Path,
    timeout: float,
    on_output: Callable[[str], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
    progress_every: float = 10.0,
    env: dict[str, str] | None = None,
) -> RunResult:
    """Run ``command`` in ``cwd`` through the shell, at most ``timeout`` seconds.

    ``on_output(text)`` receives the output as it arrives (decoded incrementally);
    ``on_progress(elapsed_seconds)`` is called every ``progress_every`` seconds without
    shown output (every ``progress_every`` seconds when there is no ``on_output``), so a
    long run shows it is alive. Never raises for the command's own
    failure: a missing program is exit 127 from the shell, a shell that cannot start is
    ``RunResult.error``.
    """
    import codecs

    started = time.monotonic()
    kwargs: dict[str, object] = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:  # pragma: no cover
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    try:
        proc = subprocess.Popen(  # noqa: S602 - a check is a shell command by definition
            command, shell=True, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs,  # type: ignore[call-overload]
        )
    except OSError as exc:
        return RunResult(command, None, False, 0.0, "", 0, error=exc.strerror or str(exc))
    chunks: queue.Queue[bytes | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout, chunks), daemon=True)
    reader.start()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    tail = bytearray()
    size = 0
    timed_out = False
    stopped = started
    deadline = started + timeout
    last_sign = started
    ended_at: float | None = None
    while True:
        now = time.monotonic()
        if ended_at is None and proc.poll() is not None:
            ended_at = now
        if ended_at is not None and now - ended_at > GRACE_SECONDS:
            _end_group(proc)  # something it started still holds the output open
            break
        if ended_at is None and now >= deadline:
            timed_out = True
            stopped = now
            _end_group(proc)
            break
        wait = min(deadline - now, last_sign + progress_every - now, 0.25)
        try:
            chunk = chunks.get(timeout=max(wait, 0.01))
        except queue.Empty:
            if on_progress is not None and time.monotonic() - last_sign >= progress_every:
                last_sign = time.monotonic()
                on_progress(last_sign - started)
            continue
        if chunk is None:
            break
        size += len(chunk)
        tail += chunk
        if len(tail) > TAIL_BYTES:
            del tail[: len(tail) - TAIL_BYTES]
        if on_output is not None:  # shown output is sign of life enough
            last_sign = time.monotonic()
            on_output(decoder.decode(chunk))
    if on_output is not None and (rest := decoder.decode(b"", final=True)):
        on_output(rest)
    try:
        code = proc.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:  # pragma: no cover - the group was just killed
        _end_group(proc)
        code = proc.wait()
    if os.name == "posix":
        _signal_group(proc.pid, signal.SIGKILL)  # whatever it left behind in its group
    if proc.stdout is not None:
        proc.stdout.close()
    seconds = (stopped if timed_out else time.monotonic()) - started
    text = bytes(tail).decode("utf-8", "replace")
    return RunResult(command, None if timed_out else code, timed_out, seconds, text, size)

