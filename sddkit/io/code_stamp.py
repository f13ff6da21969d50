"""A fingerprint of sddkit's own code, naming the cache files that hold results of its rules.

``sdd check`` keeps what its rules found (:mod:`sddkit.checks.memo`, the ``check`` cache) under
the content keys of the documents they read. A result also depends on the code that computed
it: after an upgrade, or an edit of a rule in a development tree, an old answer must not be
reused. So those cache files are named after :func:`code_stamp` (:data:`sddkit.io.cache.STAMPED`),
and :func:`remove_others` deletes the files an earlier code left behind.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: The ``sddkit`` package folder (tests point it at a copy).
PACKAGE = Path(__file__).resolve().parent.parent
_stamps: dict[Path, str] = {}


def code_stamp() -> str:
    """12 hex digits naming the code of the ``sddkit`` package: the path, size and mtime (ns)
    of every ``*.py`` file under :data:`PACKAGE`. Any edit, upgrade or reinstall gives another
    stamp. Computed once per process (one ``scandir`` per folder, no file read)."""
    package = PACKAGE
    found = _stamps.get(package)
    if found is None:
        parts: list[str] = []
        folders = [package]
        while folders:
            folder = folders.pop()
            try:
                with os.scandir(folder) as entries:
                    for entry in sorted(entries, key=lambda e: e.name):
                        if entry.is_dir(follow_symlinks=False):
                            if entry.name != "__pycache__" and not entry.name.startswith("."):
                                folders.append(Path(entry.path))
                        elif entry.name.endswith(".py"):
                            st = entry.stat()
                            parts.append(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}")
            except OSError:
                parts.append(f"{folder}:?")
        digest = hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:12]
        found = _stamps[package] = digest
    return found


def remove_others(path: Path, kind: str) -> None:
    """Delete the cache files of ``kind`` beside ``path`` (a file named by
    :func:`code_stamp`) that other code, or another cache format, wrote; errors ignored."""
    prefix = path.name.split(f"{kind}-", 1)[0] + f"{kind}-"
    try:
        with os.scandir(path.parent) as entries:
            for entry in entries:
                if entry.name.startswith(prefix) and not entry.name.startswith(path.name) \
                        and entry.is_file(follow_symlinks=False):  # the file's own log stays
                    os.unlink(entry.path)
    except OSError:
        pass
