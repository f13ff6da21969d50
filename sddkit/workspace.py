"""The repository sddkit works in: finding its root and the paths inside ``AGENTS.ctx/``."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from sddkit.errors import NotInitialised, SddkitError

CTX_DIR = "AGENTS.ctx"
CONTEXT_FILE = "CONTEXT.md"
PHASES = ("constitution", "spec", "plan", "tasks")


def find_root(start: Path | None = None, override: Path | str | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``AGENTS.ctx/``; ``override`` wins."""
    if override is not None:
        root = Path(override).expanduser()
        if not root.is_dir():
            raise NotInitialised(f"--root {override}: no such directory")
        if not (root / CTX_DIR).is_dir():
            raise NotInitialised(
                f"{root}: no {CTX_DIR}/ here; run `sdd init --root {override}` to create it"
            )
        return root.absolute()
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / CTX_DIR).is_dir():
            return folder
    raise NotInitialised(
        f"no {CTX_DIR}/ in {here} or any folder above it; run `sdd init` at the repository root"
    )


class Workspace:
    """Paths of one repository's ``AGENTS.ctx/``: ``root`` is the folder holding it.

    Two workspaces are equal when their roots are. A plain class, not a dataclass: every
    command builds one, and ``dataclasses`` (with ``inspect``) is a fifth of a warm
    ``sdd next``'s imports."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workspace) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    def __repr__(self) -> str:
        return f"Workspace(root={self.root!r})"

    @classmethod
    def find(cls, start: Path | None = None, override: Path | str | None = None) -> Workspace:
        return cls(find_root(start, override))

    @cached_property
    def ctx(self) -> Path:
        return self.root / CTX_DIR

    @cached_property
    def root_context(self) -> Path:
        return self.ctx / CONTEXT_FILE

    @cached_property
    def sdd_context(self) -> Path:
        return self.ctx / "sdd" / CONTEXT_FILE

    @cached_property
    def assets(self) -> Path:
        return self.ctx / "sdd" / "assets"

    @property
    def local_templates(self) -> Path:
        return self.ctx / "sdd" / "templates"

    @property
    def contracts(self) -> Path:
        return self.ctx / "contracts"

    def rel(self, path: Path) -> str:
        """``path`` relative to the root, in POSIX form, for messages and output."""
        text, root = str(path), str(self.root)
        if text.startswith(root) and text[len(root):len(root) + 1] == os.sep \
                and ".." not in text and "//" not in text:
            rel = text[len(root) + 1:]  # what relative_to gives, without its parsing
            return rel.replace(os.sep, "/") if os.sep != "/" else rel
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def context_file(self, name: str) -> Path:
        return self.ctx / name / CONTEXT_FILE

    def project_names(self) -> list[str]:
        """Every folder under ``sdd/assets/`` (sorted), valid slug or not."""
        return sorted(self.project_folders())

    def project_folders(self) -> dict[str, bool]:
        """Folder name -> whether it is a symbolic link (to a folder), for ``sdd/assets/``."""
        import os

        out: dict[str, bool] = {}
        try:
            with os.scandir(self.assets) as entries:
                for entry in entries:
                    if entry.is_dir():  # follows links; d_type spares a stat on most systems
                        out[entry.name] = entry.is_symlink()
        except FileNotFoundError:
            return {}
        except NotADirectoryError:
            raise SddkitError("expected a directory", self.assets) from None
        return out
