"""A person's acts (approve, reopen, the ``--force`` forms): refused in an agent's shell
unless a person confirms on the controlling terminal.

An agent's tool call has no controlling terminal of its own: its command runs with pipes
for stdin and stdout, in a session without a tty, so opening ``/dev/tty`` fails (ENXIO).
A person who runs ``sdd approve`` from a terminal, even one whose environment an agent
marked, can open it and type the confirmation. The threat model, including what this
does not stop, is in docs/approvals.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from sddkit.agents.shell_detection import Signal, detect
from sddkit.errors import SddkitError

#: How long the terminal prompt waits for a person, in seconds.
CONFIRM_TIMEOUT = 300.0

Confirm = Callable[[str, str], bool]


class PersonRequired(SddkitError):
    """A person's act was attempted from a coding agent's shell and was not confirmed."""


def tty_confirm(prompt: str, expected: str, timeout: float = CONFIRM_TIMEOUT) -> bool:
    """Ask on the controlling terminal (``/dev/tty``); True when the line typed is ``expected``.

    False when there is no controlling terminal (an agent's tool call, CI, a detached
    process), when nothing is typed within ``timeout`` seconds, or on any other answer.
    Reads and writes only the terminal device, never stdin or stdout, so a pipe an agent
    feeds cannot answer it. POSIX only: elsewhere the answer is False.
    """
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    try:
        import select

        os.write(fd, prompt.encode("utf-8", "replace"))
        line = b""
        while not line.endswith(b"\n") and len(line) < 4096:
            ready, _w, _x = select.select([fd], [], [], timeout)
            if not ready:
                os.write(fd, b"\n")
                return False
            chunk = os.read(fd, 1024)
            if not chunk:
                break
            line += chunk
        return line.decode("utf-8", "replace").strip() == expected
    except OSError:
        return False
    finally:
        os.close(fd)


def require_person(action: str, subject: str, environ: Mapping[str, str] | None = None,
                   confirm: Confirm = tty_confirm) -> Signal | None:
    """Allow ``action`` (``"sdd approve demo"``) only to a person.

    Outside a coding agent's environment (:func:`sddkit.agents.shell_detection.detect`) this returns
    None at once: scripts, CI and tests act as before. Inside one, the person must type
    ``subject`` (the project name, or the task) on the controlling terminal; on success the detected
    :class:`~sddkit.agents.shell_detection.Signal` is returned.

    Raises :class:`PersonRequired` (exit 1, one line) when the confirmation is not given.
    """
    signal = detect(environ)
    if signal is None:
        return None
    prompt = (f"sdd: this shell belongs to {signal.agent} ({signal.variables}); "
              f"`{action}` is a person's decision.\n"
              f"Type {subject} to confirm: ")
    if confirm(prompt, subject):
        return signal
    raise PersonRequired(
        f"`{action}` refused: this shell belongs to {signal.agent} ({signal.variables} is set) "
        "and no person confirmed on the terminal; a person must run it in their own terminal"
    )
