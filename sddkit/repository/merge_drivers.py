"""Git merge drivers for sddkit's own edits, so parallel branches merge without conflicts.

Git's contract (gitattributes(5), "Defining a custom merge driver"): for a path whose
``merge`` attribute names a driver, git writes the ancestor, current and other versions to
temporary files and runs the configured command with ``%O %A %B %P`` (and more); the driver
writes the result into ``%A`` and exits 0 when the merge is clean, non-zero when it left
conflicts (git then reports the path as conflicted, with ``%A`` as the driver left it).

- ``tasks`` (``AGENTS.ctx/sdd/assets/*/tasks.md``): when both sides changed only task
  *state* (checkbox markers, done marks, ``claimed:``/``blocked:`` child lines), the merge is
  line by line, each side's state kept; when both changed the same task's state to two
  different things, or either side changed anything else, the file goes to
  ``git merge-file`` exactly as git's own merge would treat it.
- ``inventory`` (``AGENTS.ctx/sdd/CONTEXT.md``): the rest of the file is merged by
  ``git merge-file`` with the inventory block set aside; the block is then regenerated
  from the merged projects (during ``git merge``, the other side's project files are read
  from git and merged as above), so the merged block is the true one.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from sddkit.io.markers import split_lines

#: sddkit's drivers: attribute name -> (.gitattributes pattern, human name).
DRIVERS: dict[str, tuple[str, str]] = {
    "sddkit-tasks": ("AGENTS.ctx/sdd/assets/*/tasks.md", "sddkit task states"),
    "sddkit-inventory": ("AGENTS.ctx/sdd/CONTEXT.md", "sddkit inventory block"),
}

_BOX = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+(?:\d+[.)]\s+)?)\[[^\]\n]\]")
_CHECKED = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\d+[.)]\s+)?\[[xX]\]")
_MARK = re.compile(r"[ \t]*<!--\s*done\b[^>]*-->")
_STATE = re.compile(r"^\s*[-*+]\s+(?:claimed|blocked)\s*:", re.IGNORECASE)
_PLACEHOLDER = "<!-- sddkit merge: inventory set aside -->\n"


def _key(line: str) -> str:
    """A task line without its state: the box emptied, done marks and line ending dropped."""
    return _MARK.sub("", _BOX.sub(r"\1[ ]", line.rstrip("\r\n"))).rstrip()


def _units(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each line that is not a state line, with the state lines that follow it."""
    units: list[tuple[str, list[str]]] = []
    for line in split_lines(text):
        if _STATE.match(line) and units:
            units[-1][1].append(line)
        else:
            units.append((line, []))
    return [(line, tuple(state)) for line, state in units]


def _pick(base: object, ours: object, theirs: object) -> tuple[bool, object]:
    """Three-way choice of one value: (clean, value)."""
    if ours == theirs or theirs == base:
        return True, ours
    if ours == base:
        return True, theirs
    return False, ours


def merge_task_states(base: str, ours: str, theirs: str) -> str | None:
    """The merged task list when both sides changed only task state, else None.

    A task both sides checked (with different done marks) keeps ours; any other line both
    changed differently (one side checked, the other unchecked; two different claims)
    returns None, as does any change beyond state.
    """
    units = [_units(t) for t in (base, ours, theirs)]
    if not len(units[0]) == len(units[1]) == len(units[2]):
        return None
    out: list[str] = []
    for (b_line, b_state), (o_line, o_state), (t_line, t_state) in zip(*units, strict=True):
        if not _key(b_line) == _key(o_line) == _key(t_line):
            return None
        clean, line = _pick(b_line, o_line, t_line)
        if not clean and not (_CHECKED.match(o_line) and _CHECKED.match(t_line)):
            return None
        clean, state = _pick(b_state, o_state, t_state)
        if not clean:
            return None
        out.append(str(line))
        out.extend(state)  # type: ignore[arg-type]
    return "".join(out)


def merge_file(base: str, ours: str, theirs: str, labels: tuple[str, str, str]) -> tuple[str, int]:
    """git's own three-way text merge (``git merge-file --stdout``): (text, conflicts)."""
    with tempfile.TemporaryDirectory(prefix="sddkit-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        done = subprocess.run(
            ["git", "merge-file", "--stdout", "-L", labels[0], "-L", labels[1], "-L", labels[2],
             *paths], capture_output=True, check=False)
    if done.returncode < 0 or done.returncode > 127:
        raise OSError(f"git merge-file failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8", errors="surrogateescape"), done.returncode


def _read(path: str) -> str:
    return Path(path).read_bytes().decode("utf-8", errors="surrogateescape")


def _write(path: str, text: str) -> None:
    Path(path).write_bytes(text.encode("utf-8", errors="surrogateescape"))


def run_driver(kind: str, base: str, ours: str, theirs: str, shown: str) -> int:
    """Run driver ``kind`` (``tasks`` or ``inventory``) on git's temporary files; the exit code.

    ``shown`` is the path git is merging (``%P``), for conflict labels.
    """
    texts = (_read(base), _read(ours), _read(theirs))
    labels = (f"ours:{shown}", f"base:{shown}", f"theirs:{shown}")
    if kind == "tasks":
        merged = merge_task_states(*texts)
        if merged is not None:
            _write(ours, merged)
            return 0
        text, conflicts = merge_file(*texts, labels)
        _write(ours, text)
        return 1 if conflicts else 0
    if kind == "inventory":
        text, conflicts = _merge_inventory(*texts, labels)
        _write(ours, text)
        return 1 if conflicts else 0
    raise ValueError(f"unknown merge driver '{kind}'")


def _merge_inventory(base: str, ours: str, theirs: str, labels: tuple[str, str, str]
                     ) -> tuple[str, int]:
    from sddkit.errors import SddkitError
    from sddkit.io.markers import block_content, replace_block
    from sddkit.projects.inventory import BLOCK

    try:
        set_aside = [replace_block(t, BLOCK, _PLACEHOLDER) for t in (base, ours, theirs)]
        own_block = block_content(ours, BLOCK) or ""
    except SddkitError:  # broken markers on some side: git's plain merge says where
        return merge_file(base, ours, theirs, labels)
    text, conflicts = merge_file(set_aside[0], set_aside[1], set_aside[2], labels)
    merged = replace_block(text, BLOCK, own_block) if not conflicts else \
        text.replace(_PLACEHOLDER, own_block)
    if conflicts:
        return merged, conflicts
    regenerated = _regenerate(merged)
    return (regenerated if regenerated is not None else merged), 0


def _git(root: Path, *args: str) -> bytes | None:
    """git's output, or None when git fails or is not installed (then nothing merges)."""
    try:
        done = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=root,
                              capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def _regenerate(merged_context: str) -> str | None:
    """The merged ``sdd/CONTEXT.md`` with its inventory rebuilt from the merged projects.

    Git runs a driver at the top of the work tree, which still holds our side while the
    merge is computed. The other side (see :func:`_sides`) is overlaid: its changed files
    under ``AGENTS.ctx/sdd/`` are read from git and merged with ours (task lists by
    :func:`merge_task_states`, otherwise our version stays, as git's own conflict on that
    file will say). When the other side cannot be told, None: the merged block is ours,
    and ``sdd inventory`` brings it up to date (``sdd check`` says so).
    """
    from sddkit.io.fileio import Transaction
    from sddkit.projects.inventory import refresh_inventory
    from sddkit.workspace import Workspace

    root = Path.cwd()
    sides = _sides(root)
    if not (root / "AGENTS.ctx").is_dir() or sides is None:
        return None
    base, other = sides
    ws = Workspace(root)
    tx = Transaction(root)
    ours_changed = _changed(root, base, "HEAD")
    for status, rel in _diff(root, base, other):
        path = root / rel
        if status == "D":
            if rel not in ours_changed and path.is_file():
                tx.delete(path)
            continue
        theirs = _show(root, other, rel)
        if theirs is None:
            return None
        if rel in ours_changed and path.name == "tasks.md":
            original = _show(root, base, rel) or ""
            current = tx.read(path) or ""
            merged = merge_task_states(original, current, theirs)
            if merged is not None:
                tx.write(path, merged)
            continue
        if rel not in ours_changed:
            tx.write(path, theirs)
    tx.pending[ws.sdd_context] = merged_context
    try:
        refresh_inventory(ws, tx)
    except Exception:  # a broken project on either side: keep our block, say nothing here
        return None
    return tx.pending[ws.sdd_context]


def _sides(root: Path) -> tuple[str, str] | None:
    """(base commit, other commit) of the merge git is running, or None.

    Git tells a merge driver the commit it merges in through ``GITHEAD_<sha>`` environment
    variables (merge-ort sets one per merged commit; ``MERGE_HEAD`` is written only after
    the merge is computed). ``GIT_REFLOG_ACTION`` tells a merge (base: the merge base) from
    a cherry-pick (base: the picked commit's parent). A rebase or cherry-pick in git 2.39
    sets neither: None, and the block stays ours until ``sdd inventory`` (SDD-006 says so).
    """
    import os

    heads = [key[len("GITHEAD_"):] for key in os.environ if key.startswith("GITHEAD_")]
    if len(heads) != 1 or not re.fullmatch(r"[0-9a-f]{40,64}", heads[0]):
        return None
    other = heads[0]
    action = os.environ.get("GIT_REFLOG_ACTION", "")
    if action.startswith(("merge", "pull")):
        out = _git(root, "merge-base", "HEAD", other)
    elif "rebase" in action or "cherry-pick" in action:
        out = _git(root, "rev-parse", "-q", "--verify", f"{other}^")
    else:
        return None
    return (out.decode().strip(), other) if out else None


def _diff(root: Path, base: str, side: str) -> list[tuple[str, str]]:
    out = _git(root, "diff", "--name-status", "--no-renames", "-z", base, side, "--",
               "AGENTS.ctx/sdd")
    if not out:
        return []
    parts = out.decode("utf-8", errors="surrogateescape").split("\0")
    return [(parts[i][0], parts[i + 1]) for i in range(0, len(parts) - 1, 2)
            if parts[i + 1] != "AGENTS.ctx/sdd/CONTEXT.md"]


def _changed(root: Path, base: str, side: str) -> set[str]:
    return {rel for _status, rel in _diff(root, base, side)}


def _show(root: Path, rev: str, rel: str) -> str | None:
    out = _git(root, "show", f"{rev}:{rel}")
    return None if out is None else out.decode("utf-8", errors="surrogateescape")


def attributes_lines() -> list[str]:
    """The ``.gitattributes`` lines that route sddkit's files to its drivers."""
    return [f"{pattern} merge={name}" for name, (pattern, _h) in DRIVERS.items()]


def driver_command(kind: str) -> str:
    """The command git runs for driver ``kind``: this installation's ``sdd``, found beside
    the running interpreter (a venv need not be on PATH during a merge), else ``sdd``."""
    import shutil
    import sys

    beside = Path(sys.executable).parent / "sdd"
    exe = str(beside) if beside.is_file() else (shutil.which("sdd") or "sdd")
    quoted = f"'{exe}'" if " " in exe else exe
    return f"{quoted} merge-driver {kind} %O %A %B %P"


def missing_config(root: Path) -> list[str]:
    """The drivers ``.gitattributes`` routes files to but this clone's git config lacks."""
    attributes = root / ".gitattributes"
    try:
        text = attributes.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    wanted = [name for name in DRIVERS if f"merge={name}" in text]
    if not wanted or _git(root, "rev-parse", "--git-dir") is None:
        return []  # outside git nothing merges
    missing = []
    for name in wanted:
        if not _git(root, "config", "--get", f"merge.{name}.driver"):
            missing.append(name)
    return missing


def register_config(root: Path) -> list[str]:
    """Set each driver's ``merge.NAME.name`` and ``.driver`` in the repository's local git
    config (shared by its worktrees); return the names that changed. Outside git: []."""
    if _git(root, "rev-parse", "--git-dir") is None:
        return []
    changed = []
    for name, (_pattern, human) in DRIVERS.items():
        kind = name.removeprefix("sddkit-")
        command = driver_command(kind)
        current = (_git(root, "config", "--get", f"merge.{name}.driver") or b"").decode().strip()
        if current != command:
            _git(root, "config", f"merge.{name}.name", human)
            _git(root, "config", f"merge.{name}.driver", command)
            changed.append(name)
    return changed


def with_attributes(text: str | None) -> str:
    """``.gitattributes`` text with sddkit's lines present (appended once, nothing else moved)."""
    current = text or ""
    have = {line.strip() for line in current.splitlines()}
    missing = [line for line in attributes_lines() if line not in have]
    if not missing:
        return current
    newline = "\r\n" if "\r\n" in current else "\n"
    prefix = current if not current or current.endswith(("\n", "\r")) else current + newline
    head = "# sddkit: merge task states and the inventory without conflicts (sdd init)"
    lines = ([] if head in have else [head]) + missing
    return prefix + newline.join(lines) + newline


__all__ = ["DRIVERS", "attributes_lines", "merge_task_states", "missing_config",
           "register_config", "run_driver", "with_attributes"]

