"""Who claims: the claimant's name for ``sdd next``, ``sdd start`` and ``sdd release``.

Kept apart from :mod:`sddkit.tasks.claims` (which re-exports :func:`agent_name`) because
every ``sdd next`` asks for it and needs nothing else of the claims module.
"""

from __future__ import annotations

import os
import re

from sddkit.errors import SddkitError
from sddkit.io.reading import os_text

_NAME = re.compile(r"[^\s<>`]+(?: [^\s<>`]+)*")


def agent_name(given: str | None) -> str:
    """The claimant: ``--as NAME``, else ``SDDKIT_AGENT``, else the login name.

    Raises :class:`SddkitError` for a name that could not be read back from a claim line
    (empty, or holding ``<``, ``>``, a backtick or a line break).
    """
    name = given if given is not None else os.environ.get("SDDKIT_AGENT") or _login()
    name = " ".join(os_text(name).split())
    if not _NAME.fullmatch(name):
        raise SddkitError(f"a claimant name cannot be empty or hold <, > or a backtick: {name!r}")
    return name


def _login() -> str:
    import getpass  # only without --as and $SDDKIT_AGENT

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "agent"
