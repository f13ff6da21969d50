"""The gate state machine: phase documents, their front matter, drift and staleness.

Pure functions over text and front matter; nothing here writes a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sddkit.errors import FrontMatterError
from sddkit.workspace import PHASES

STATUSES = ("draft", "review", "approved")
HEX64 = re.compile(r"[0-9a-f]{64}")
# the tasks view of sddkit before 0.2 (kept so that approvals made then stay valid)
_LEGACY_CHECKBOX = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)\[[ xX-]\]", re.MULTILINE)
_LEGACY_DONE_MARK = re.compile(r"[ \t]*<!--\s*done\b[^>]*-->", re.MULTILINE)


#: The last gate hashes computed, by (phase, text): one command loads a document several
#: times (``done``: before the lock, under it, for the report), and a 50,000-task list
#: takes a fifth of a second to hash.
_hashes: dict[tuple[str, str], str] = {}
_HASHES_KEPT = 8


def gate_hash(phase: str, text: str) -> str:
    """The hash an approval pins: the body, BOM removed, line endings normalised.

    For ``tasks`` the body is first seen through :func:`sddkit.tasks.gate_view`: check
    boxes, done marks and tracking lines (``claimed:``, ``blocked:``, ``note:``) are left
    out, so that doing tasks does not reopen the tasks gate; any other edit does.
    """
    known = _hashes.get((phase, text))
    if known is not None:
        return known
    import hashlib

    from sddkit.io import frontmatter  # not loaded by a listing the caches answer

    body = frontmatter.normalised_body(text)
    if phase == "tasks":
        from sddkit.tasks.lines import gate_view

        body = gate_view(body)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    while len(_hashes) >= _HASHES_KEPT:
        del _hashes[next(iter(_hashes))]
    _hashes[(phase, text)] = digest
    return digest


def remember_gate_hash(phase: str, text: str, digest: str) -> None:
    """``digest`` is :func:`gate_hash` of ``text``, known without computing it (a ``done``
    ticked a box and added a done mark, which the tasks gate leaves out by design)."""
    while len(_hashes) >= _HASHES_KEPT:
        del _hashes[next(iter(_hashes))]
    _hashes[(phase, text)] = digest


def legacy_tasks_hash(text: str) -> str:
    """The tasks gate hash as sddkit computed it before the tracking lines were left out."""
    import hashlib

    from sddkit.io import frontmatter

    body = frontmatter.normalised_body(text)
    body = _LEGACY_DONE_MARK.sub("", _LEGACY_CHECKBOX.sub(r"\1[ ]", body))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def key_line(text: str, key: str) -> int:
    """The 1-based line of top-level ``key`` in the front matter (2 when absent)."""
    from sddkit.io.markers import split_lines

    for index, line in enumerate(split_lines(text)[1:], start=2):
        if line.startswith(f"{key}:") or line.startswith(f"{key} :"):
            return index
        if line.rstrip() in ("---", "..."):
            break
    return 2


def phase_index(phase: str) -> int:
    return PHASES.index(phase)


@dataclass
class PhaseDoc:
    """One phase document as read from disk, validated.

    ``raw`` is the file's text, or None when the document came from the parse cache:
    :attr:`text` then reads the file on first use (only writes and checks need it).
    """

    project: str
    phase: str
    file: str  # the path as a string: a Path object is made only when asked for
    raw: str | None
    meta: dict[str, Any]
    cached_hash: str | None = None
    summary: Any = None  # tasks.TaskSummary for a tasks document, when known
    key: Any = None  # the content key of the bytes this was read from (for the caches)
    #: How :attr:`text` reads the file later: a transaction's ``read`` when loaded inside
    #: one, so the bytes a change is computed from are the bytes it compares before writing.
    reader: Any = None

    @property
    def path(self) -> Path:
        found = self.__dict__.get("_path")
        if found is None or found[0] != self.file:
            found = self.__dict__["_path"] = (self.file, Path(self.file))
        return found[1]

    @property
    def text(self) -> str:
        """The document's text; read from the disk on first use when it came from the parse
        cache. Bytes other than the ones :attr:`key` names (the file was rewritten since it
        was keyed) clear :attr:`key`: nothing found in them may be kept under it."""
        if self.raw is None:
            from sddkit.io.reading import decode, read_bytes

            text = self.reader(self.path) if self.reader is not None else None
            if text is None:
                data = read_bytes(self.path)
                text = decode(data, self.path)
                if self.key is not None:
                    from sddkit.io.cache import blob_id

                    if blob_id(data) != self.key:
                        self.key = None
            self.raw = text
        return self.raw

    @property
    def status(self) -> str:
        return str(self.meta.get("status", "draft"))

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def approved_sha256(self) -> str | None:
        value = self.meta.get("approved_sha256")
        return value if isinstance(value, str) else None

    @property
    def based_on(self) -> dict[str, str | None]:
        value = self.meta.get("based_on") or {}
        return dict(value) if isinstance(value, dict) else {}

    @property
    def current_hash(self) -> str:
        if self.cached_hash is None:
            self.cached_hash = gate_hash(self.phase, self.text)
        return self.cached_hash

    @property
    def changed(self) -> bool:
        """Approved, but the body no longer hashes to what was approved."""
        if not self.approved or self.approved_sha256 == self.current_hash:
            return False
        # an approval pinned by an earlier sddkit stays valid while the text is unchanged
        return not (self.phase == "tasks" and self.approved_sha256 == legacy_tasks_hash(self.text))

    def line_of(self, key: str) -> int:
        return key_line(self.text, key)


def _type_error(doc_path: Path | str, text: str, key: str, wanted: str, value: Any) -> FrontMatterError:
    return FrontMatterError(
        f"'{key}' must be {wanted}, found {type(value).__name__} {value!r:.40}",
        doc_path,
        key_line(text, key),
    )


def validate(path: Path | str, text: str, meta: dict[str, Any], project: str,
             phase: str) -> None:
    """Refuse a phase document whose front matter has the wrong shape (SDD-001)."""
    claimed = meta.get("phase")
    if claimed != phase:
        if claimed in PHASES:
            raise FrontMatterError(
                f"{Path(path).name} claims phase '{claimed}', which belongs to {claimed}.md; "
                f"set 'phase: {phase}'",
                path,
                key_line(text, "phase"),
            )
        raise FrontMatterError(
            f"'phase' must be '{phase}' (one of {', '.join(PHASES)}), found {claimed!r:.40}",
            path,
            key_line(text, "phase"),
        )
    status = meta.get("status")
    if status not in STATUSES:
        raise FrontMatterError(
            f"'status' must be one of {', '.join(STATUSES)}, found {status!r:.40}",
            path,
            key_line(text, "status"),
        )
    named = meta.get("project")
    if named is not None and named != project:
        raise FrontMatterError(
            f"'project' says {named!r:.40} but the folder is '{project}'",
            path,
            key_line(text, "project"),
        )
    for key in ("approved_by", "approved_at", "approved_commit", "title", "created", "notes"):
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            raise _type_error(path, text, key, "a string or null", value)
    sha = meta.get("approved_sha256")
    if sha is not None and not (isinstance(sha, str) and HEX64.fullmatch(sha)):
        raise _type_error(path, text, "approved_sha256", "a sha256 hex digest or null", sha)
    based = meta.get("based_on")
    if based is not None and (
        not isinstance(based, dict)
        or not all(k in PHASES and (v is None or isinstance(v, str)) for k, v in based.items())
    ):
        raise _type_error(path, text, "based_on", "a mapping {phase: sha256}", based)
    sections = meta.get("required_sections")
    if sections is not None and not (
        isinstance(sections, list) and all(isinstance(s, str) and s.strip() for s in sections)
    ):
        raise _type_error(path, text, "required_sections", "a list of section titles", sections)
    inherits = meta.get("inherits")
    if inherits is not None and not (isinstance(inherits, str) and inherits.strip()):
        raise _type_error(path, text, "inherits", "a context name", inherits)
    priority = meta.get("priority")
    if priority is not None and (not isinstance(priority, int) or isinstance(priority, bool)):
        raise _type_error(path, text, "priority", "a whole number", priority)
    blocked = meta.get("blocked")
    if blocked not in (None, False) and not isinstance(blocked, str):
        raise _type_error(path, text, "blocked", "a reason (string) or null", blocked)
    if status == "approved" and sha is None:
        raise FrontMatterError(
            "status is 'approved' but 'approved_sha256' is missing; set 'status: review' and "
            f"have a person run `sdd approve {project}`",
            path,
            key_line(text, "status"),
        )


def load_doc(path: Path | str, text: str, project: str, phase: str) -> PhaseDoc:
    """The phase document ``text`` read from ``path`` (a Path is built only for an error),
    its front matter validated; :class:`FrontMatterError` naming the file and line."""
    from sddkit.io import frontmatter

    meta = frontmatter.parse(text, path)
    if meta is None:
        raise FrontMatterError(
            "a phase document must start with front matter (---, project, phase, status, ---)",
            path,
            1,
        )
    validate(path, text, meta, project, phase)
    return PhaseDoc(project, phase, str(path), text, meta)
