"""What ``sdd adopt`` finds in a repository: other tools' spec-driven work and agent rules.

Layouts read (each tool's documented folder layout; nothing is run):

- spec-kit (github/spec-kit): ``specs/NNN-name/`` with ``spec.md``, ``plan.md``, ``tasks.md``;
  the repository's constitution in ``.specify/memory/constitution.md`` (older releases:
  ``memory/constitution.md``).
- OpenSpec: ``openspec/changes/NAME/`` with ``proposal.md`` (why and what: the spec),
  ``design.md`` (how: the plan) and ``tasks.md``; ``openspec/changes/archive/`` holds
  finished changes and is not adopted; foundations in ``openspec/project.md``.
- Kiro and cc-sdd: ``.kiro/specs/NAME/`` with ``requirements.md`` (the spec), ``design.md``
  (the plan) and ``tasks.md``; foundations in ``.kiro/steering/*.md``.
- agent-os: ``agent-os/specs/DATE-NAME/`` or ``.agent-os/specs/DATE-NAME/`` with
  ``spec.md``, ``tasks.md`` and the technical design in ``sub-specs/technical-spec.md``;
  foundations in ``agent-os/product/*.md`` or ``.agent-os/product/*.md``.
- Agent instruction files: ``AGENTS.md``, ``CLAUDE.md``, ``GEMINI.md``,
  ``.github/copilot-instructions.md``, ``.cursor/rules/*.mdc`` and ``.cursorrules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sddkit.errors import SddkitError
from sddkit.io import markers
from sddkit.io.fileio import read_text
from sddkit.names import SLUG


@dataclass(frozen=True)
class Layout:
    """One tool's layout: where its units of work live and which file is which phase."""

    tool: str
    roots: tuple[str, ...]  # folders whose sub-folders are units of work
    phases: dict[str, tuple[str, ...]]  # phase -> candidate file names, first found wins
    foundations: tuple[str, ...]  # glob patterns, relative to the repository root
    skip: tuple[str, ...] = ()  # sub-folder names that are not units of work


LAYOUTS: tuple[Layout, ...] = (
    Layout("spec-kit", ("specs",),
           {"spec": ("spec.md",), "plan": ("plan.md",), "tasks": ("tasks.md",)},
           (".specify/memory/constitution.md", "memory/constitution.md")),
    Layout("openspec", ("openspec/changes",),
           {"spec": ("proposal.md",), "plan": ("design.md",), "tasks": ("tasks.md",)},
           ("openspec/project.md",), skip=("archive",)),
    Layout("kiro", (".kiro/specs",),
           {"spec": ("requirements.md",), "plan": ("design.md",), "tasks": ("tasks.md",)},
           (".kiro/steering/*.md",)),
    Layout("agent-os", ("agent-os/specs", ".agent-os/specs"),
           {"spec": ("spec.md", "srd.md"), "plan": ("sub-specs/technical-spec.md",),
            "tasks": ("tasks.md",)},
           ("agent-os/product/*.md", ".agent-os/product/*.md")),
)

#: Agent instruction files: (glob, agent name in :mod:`sddkit.agents.pointer_blocks` or None, context
#: prefix).
INSTRUCTION_FILES: tuple[tuple[str, str | None, str], ...] = (
    ("AGENTS.md", "agents", "agents-md"),
    ("CLAUDE.md", "claude", "claude-md"),
    ("GEMINI.md", "gemini", "gemini-md"),
    (".github/copilot-instructions.md", "copilot", "copilot-instructions"),
    (".cursor/rules/*.mdc", "cursor", "cursor"),
    (".cursorrules", "cursor", "cursorrules"),
)


@dataclass
class Unit:
    """One unit of foreign work (a spec-kit feature, an OpenSpec change, a Kiro spec...)."""

    tool: str
    folder: Path  # absolute
    docs: dict[str, Path] = field(default_factory=dict)  # phase -> absolute source file
    foundations: list[Path] = field(default_factory=list)


def slug(text: str) -> str:
    """A project or context name from a folder or file name: lowercase, hyphens, 64 at most
    (accents folded: ``café`` gives ``cafe``)."""
    import unicodedata

    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")
    return name if SLUG.fullmatch(name or "") else "imported"


def _foundations(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        found += sorted(p for p in root.glob(pattern) if p.is_file() and not p.is_symlink())
    return found


def skipped_links(root: Path) -> list[Path]:
    """Unit folders that are symbolic links: never followed (they may lead anywhere)."""
    out = []
    for layout in LAYOUTS:
        for base in layout.roots:
            folder = root / base
            if folder.is_dir() and not folder.is_symlink():
                out += sorted(c for c in folder.iterdir() if c.is_symlink())
    return out


def find_units(root: Path) -> list[Unit]:
    """Every unit of foreign work under ``root``, by tool then folder name.

    A folder counts when it holds at least one of its layout's phase files.
    """
    units: list[Unit] = []
    for layout in LAYOUTS:
        foundations = _foundations(root, layout.foundations)
        for base in layout.roots:
            folder = root / base
            if not folder.is_dir() or folder.is_symlink():
                continue
            for child in sorted(folder.iterdir()):
                if not child.is_dir() or child.is_symlink() or child.name in layout.skip \
                        or child.name.startswith("."):
                    continue
                unit = Unit(layout.tool, child, foundations=foundations)
                for phase, names in layout.phases.items():
                    for name in names:
                        path = child / name
                        if path.is_file() and not path.is_symlink():
                            unit.docs[phase] = path
                            break
                if unit.docs:
                    units.append(unit)
    return units


@dataclass(frozen=True)
class Instructions:
    """One agent instruction file and its own text (outside sddkit's managed blocks)."""

    path: Path
    agent: str | None
    context: str  # the context name it becomes
    lines: tuple[str, ...]  # the file's lines, sddkit's blocks and a front matter blanked
    problem: str | None = None  # broken managed-block markers: the one-line error

    @property
    def text(self) -> str:
        """The file's own text, blank runs where sddkit's blocks were folded, trimmed."""
        return re.sub(r"\n{3,}", "\n\n", "\n".join(self.lines)).strip("\n") + "\n"


def _own_lines(text: str, path: Path) -> tuple[tuple[str, ...], str | None]:
    """``text``'s lines (no endings) with sddkit's managed blocks and front matter blanked,
    so that line numbers stay the file's; and the marker error when its blocks are broken."""
    text = text.removeprefix("\ufeff")
    lines = [line.rstrip("\r\n") for line in markers.split_lines(text)]
    problem = None
    try:
        blocks = list(markers.scan(text, path).values())
    except SddkitError as exc:
        blocks, problem = [], f"line {exc.line}: {exc.message}"
    for block in blocks:
        for index in range(block.start, block.end + 1):
            lines[index] = ""
    if text.startswith("---"):
        from sddkit.io import frontmatter

        for index in range(frontmatter.body_line_offset(text)):
            lines[index] = ""
    return tuple(lines), problem


def find_instructions(root: Path) -> list[Instructions]:
    """Every agent instruction file holding text of its own (beyond sddkit's blocks)."""
    out: list[Instructions] = []
    for pattern, agent, prefix in INSTRUCTION_FILES:
        for path in sorted(root.glob(pattern)):
            if not path.is_file() or path.is_symlink():
                continue
            if pattern.endswith("*.mdc"):
                if path.stem == "sddkit":
                    continue  # sddkit's own pointer rule
                name = slug(f"{prefix}-{path.stem}")
            else:
                name = prefix
            lines, problem = _own_lines(read_text(path), path)
            if problem is not None or _substance(lines):
                out.append(Instructions(path, agent, name, lines, problem))
    return out


def _substance(lines: tuple[str, ...]) -> bool:
    """Whether the lines say anything: more than headings, blank lines and comments."""
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "<!--", "@")):
            return True
    return False


_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def duplicates(files: list[Instructions], root: Path) -> list[tuple[str, list[str]]]:
    """Rules stated in more than one instruction file: (the rule, ["file:line", ...]).

    A rule is a line of at least 16 characters once list markers, case and spacing are
    folded; headings and blank lines are not rules.
    """
    seen: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for item in files:
        if item.problem is not None:
            continue
        rel = item.path.relative_to(root).as_posix()
        for number, line in enumerate(item.lines, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith(("#", "<!--", "```")):
                continue
            key = " ".join(_BULLET.sub("", line).lower().split()).rstrip(".")
            if len(key) < 16:
                continue
            places = seen.setdefault(key, [])
            place = f"{rel}:{number}"
            if not any(p.startswith(f"{rel}:") for p in places):
                places.append(place)
                shown.setdefault(key, _BULLET.sub("", line).strip())
    return [(shown[k], places) for k, places in seen.items() if len(places) > 1]
