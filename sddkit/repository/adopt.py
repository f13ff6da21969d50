"""``sdd adopt``: bring an existing repository under sddkit without retyping anything.

Decisions (recorded in AGENTS.ctx/codebase/CONTEXT.md):

- Foreign documents are **copied**, never moved: each becomes a phase document whose body
  is the source's text as it is (task lists byte for byte) under sddkit's front matter,
  with ``imported_from`` (the source path) and ``imported_sha256`` (the source bytes' hash).
  The source stays where it is, so a person can keep using the old tool for a while;
  ``sdd adopt`` run again reports a source that changed since its import and touches
  nothing (the copy is what a person reviewed).
- Every imported phase is set to ``review`` with ``required_sections: []`` (a foreign
  document has its own shape); a person approves the whole import in one pass with
  ``sdd approve P --all-imported``, recorded as ``approved_as: import`` on each phase.
- A gap in the foreign work (tasks without a design, say) becomes a short document that
  says so, so the phases stay in order and the approver sees the gap.
- Agent instruction files with rules of their own become contexts (a copy, with
  ``source:`` naming the file); rules stated in several files are reported; each file gets
  sddkit's pointer block. Nothing is deleted.
- Re-running is a no-op: a project whose constitution was imported from the same folder,
  or a context of the same name, is left alone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from sddkit.errors import GateError, SddkitError
from sddkit.io import frontmatter
from sddkit.io.fileio import Transaction, read_text
from sddkit.io.frontmatter import render_value
from sddkit.projects.project import load_project, project_names
from sddkit.repository.adopt_sources import (
    Instructions,
    Unit,
    duplicates,
    find_instructions,
    find_units,
    skipped_links,
    slug,
)
from sddkit.workspace import PHASES, Workspace

#: First headings that name a kind of document, not the work: the folder names it better.
_GENERIC = re.compile(
    r"^(requirements( document)?|design( document)?|(spec )?tasks?|implementation plan|overview|"
    r"proposal|spec(ification)?|spec requirements document|technical spec(ification)?)$",
    re.IGNORECASE)
_PREFIX = re.compile(r"^(feature specification|change|spec|proposal|requirements)\s*[:—-]\s*",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Step:
    """One line of the adoption plan.

    ``kind``: ``project`` (a project imported), ``context`` (an instruction file's rules
    copied into a context), ``pointer`` (sddkit's block added to an instruction file),
    ``duplicate`` (a rule stated in several files), ``unchanged`` (imported earlier, same
    source), ``source-changed`` (imported earlier, the source changed since: left alone),
    ``skipped`` (an instruction file whose sddkit markers are broken: nothing done to it).
    """

    kind: str
    name: str
    source: str
    detail: str

    def to_text(self) -> str:
        arrow = f" <- {self.source}" if self.source else ""
        return f"{self.kind:<15}{self.name}{arrow}: {self.detail}"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _title(unit: Unit) -> str:
    """The work's title: the first heading of its spec (or of any document), unless generic."""
    for phase in ("spec", "plan", "tasks"):
        path = unit.docs.get(phase)
        if path is None:
            continue
        lines = frontmatter.body(read_text(path)).splitlines()
        for line in lines:  # agent-os names the work on a quoted line: "> Spec: Reports"
            named = re.match(r"^>\s*Spec:\s*(\S.*)$", line)
            if named:
                return named.group(1).strip()
        for line in lines:
            if line.startswith("# "):
                title = _PREFIX.sub("", line[2:].strip().strip("#").strip())
                if title and not _GENERIC.match(title):
                    return title
                break
    words = re.sub(r"^\d{4}-\d{2}-\d{2}-|^\d+-", "", unit.folder.name).replace("-", " ")
    return words.strip().capitalize() or unit.folder.name


def _front(keys: dict[str, object], newline: str) -> str:
    lines = ["---", *(f"{k}: {render_value(v)}" for k, v in keys.items()), "---"]
    return newline.join(lines) + newline


def _phase_keys(name: str, phase: str) -> dict[str, object]:
    return {"project": name, "phase": phase, "status": "review", "approved_by": None,
            "approved_at": None, "approved_sha256": None, "approved_commit": None,
            "based_on": {}}


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"


def _constitution(ws: Workspace, unit: Unit, name: str, title: str) -> str:
    rel = ws.rel(unit.folder)
    keys: dict[str, object] = {
        "project": name, "phase": "constitution", "status": "review", "title": title,
        "created": datetime.now(timezone.utc).date().isoformat(), "priority": 0,
        "blocked": None, "notes": f"imported from {unit.tool} {rel}/",
        **{k: v for k, v in _phase_keys(name, "constitution").items()
           if k.startswith(("approved", "based"))},
        "required_sections": ["Foundations", "Amendments"],
        "imported_from": f"{rel}/", "imported_tool": unit.tool,
    }
    foundations = [f"- `{ws.rel(p)}` (kept where it is)" for p in unit.foundations]
    if not foundations:
        foundations = [f"- No foundations document was found beside the {unit.tool} work: "
                       "the language, framework and constraints are the repository's own."]
    body = [
        f"# Constitution: {title}", "",
        f"Imported by `sdd adopt` from {unit.tool} work in `{rel}/`. The documents of the "
        "later phases are copies of its files; the originals stay where they are.", "",
        "## Foundations", "", *foundations, "",
        "## Amendments", "", "None: imported as written.", "",
    ]
    return _front(keys, "\n") + "\n".join(body)


def _phase_doc(ws: Workspace, unit: Unit, name: str, phase: str) -> str:
    keys = {**_phase_keys(name, phase), "required_sections": []}
    path = unit.docs.get(phase)
    if path is None:
        later = [p for p in PHASES if p in unit.docs and PHASES.index(p) > PHASES.index(phase)]
        keys["imported_from"] = f"{ws.rel(unit.folder)}/"
        body = (f"# {phase.capitalize()}: none in the source\n\nThe {unit.tool} work in "
                f"`{ws.rel(unit.folder)}/` has no {phase} document; its "
                f"{' and '.join(f'{p} document' for p in later)} "
                f"{'was' if len(later) == 1 else 'were'} written without one. Approving "
                "this import accepts that gap.\n")
        return _front(keys, "\n") + body
    text = read_text(path)
    keys["imported_from"] = ws.rel(path)
    keys["imported_sha256"] = _sha(text)
    return _front(keys, _newline(text)) + text.removeprefix("\ufeff")


def _imported(ws: Workspace, tx: Transaction, names: list[str]) -> dict[str, str]:
    """imported_from (a folder, ``path/``) -> project name, for the projects imported before."""
    out: dict[str, str] = {}
    for name in names:
        text = tx.read(ws.assets / name / "constitution.md")
        if text is None:
            continue
        try:
            meta = frontmatter.parse(text) or {}
        except SddkitError:
            continue
        source = meta.get("imported_from")
        if isinstance(source, str):
            out[source] = name
    return out


def _archived_imports(ws: Workspace) -> dict[str, str]:
    """imported_from -> archive folder, for imported projects that were archived since."""
    from sddkit.projects.archive import archived

    out: dict[str, str] = {}
    for entry in archived(ws):
        try:
            meta = frontmatter.parse(read_text(entry.path / "constitution.md")) or {}
        except (SddkitError, OSError):
            continue
        source = meta.get("imported_from")
        if isinstance(source, str):
            out[source] = entry.folder
    return out


def _free_name(base: str, tool: str, taken: set[str]) -> str:
    for candidate in (base, slug(f"{base}-{tool}")):
        if candidate not in taken:
            return candidate
    number = 2
    while f"{slug(base + '-' + tool)[:60]}-{number}" in taken:
        number += 1
    return f"{slug(base + '-' + tool)[:60]}-{number}"


def _revisit(ws: Workspace, tx: Transaction, unit: Unit, name: str) -> Step:
    changed = []
    for phase, path in unit.docs.items():
        text = tx.read(ws.assets / name / f"{phase}.md")
        meta = (frontmatter.parse(text) or {}) if text is not None else {}
        if meta.get("imported_sha256") != _sha(read_text(path)):
            changed.append(ws.rel(path))
    source = f"{unit.tool} {ws.rel(unit.folder)}/"
    if changed:
        return Step("source-changed", name, source,
                    f"{', '.join(changed)} changed since the import; the copy is left as it "
                    "is (reopen the phase and copy the change by hand)")
    return Step("unchanged", name, source, "imported earlier")


def _import_unit(ws: Workspace, tx: Transaction, unit: Unit, taken: set[str]) -> Step:
    base = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", unit.folder.name)  # agent-os dates its folders
    name = _free_name(slug(base or unit.folder.name), unit.tool, taken)
    taken.add(name)
    title = _title(unit)
    folder = ws.assets / name
    tx.write(folder / "constitution.md", _constitution(ws, unit, name, title))
    last = max(PHASES.index(p) for p in unit.docs)
    for phase in PHASES[1 : last + 1]:
        tx.write(folder / f"{phase}.md", _phase_doc(ws, unit, name, phase))
    copied = ", ".join(p for p in PHASES if p in unit.docs)
    return Step("project", name, f"{unit.tool} {ws.rel(unit.folder)}/",
                f"{copied} copied; every phase in review ('{title}')")


def _context_text(ws: Workspace, item: Instructions) -> str:
    rel = ws.rel(item.path)
    keys: dict[str, object] = {
        "name": item.context, "description": f"Rules imported from {rel} by sdd adopt",
        "source": rel,
    }
    intro = (f"# {item.context}\n\nCopied by `sdd adopt` from `{rel}`, which keeps its text: "
             "when this context is the one you maintain, trim the file to its sddkit pointer.\n\n")
    return _front(keys, "\n") + intro + item.text


def plan_adoption(ws: Workspace, tx: Transaction) -> list[Step]:
    """Stage the whole adoption in ``tx`` and return its plan (nothing written here).

    Raises :class:`SddkitError` only for unreadable sources (a file that is not UTF-8,
    say), naming the file: then nothing is written.
    """
    from sddkit.agents.pointer_blocks import install_agents
    from sddkit.repository.contexts import context_names

    steps: list[Step] = []
    names = project_names(ws, set(ws.project_names()), tx)
    before = _imported(ws, tx, names)
    archived = _archived_imports(ws)
    taken = set(names)
    for link in skipped_links(ws.root):
        steps.append(Step("skipped", link.name, ws.rel(link),
                          "a symbolic link: not followed (adopt the folder it points to)"))
    for unit in find_units(ws.root):
        existing = before.get(f"{ws.rel(unit.folder)}/")
        gone = archived.get(f"{ws.rel(unit.folder)}/")
        if existing is None and gone is not None:
            steps.append(Step("unchanged", gone, f"{unit.tool} {ws.rel(unit.folder)}/",
                              "imported earlier, since archived"))
        elif existing is not None:
            steps.append(_revisit(ws, tx, unit, existing))
        else:
            steps.append(_import_unit(ws, tx, unit, taken))
    files = []
    for item in find_instructions(ws.root):
        if item.problem is not None:
            steps.append(Step("skipped", item.context, ws.rel(item.path),
                              f"{item.problem}; repair the markers, then run `sdd adopt` again"))
        else:
            files.append(item)
    contexts = set(context_names(ws))
    for item in files:
        if item.context in contexts:
            steps.append(Step("unchanged", item.context, ws.rel(item.path), "context exists"))
            continue
        contexts.add(item.context)
        tx.write(ws.context_file(item.context), _context_text(ws, item))
        steps.append(Step("context", item.context, ws.rel(item.path),
                          "its rules copied into a context; the file keeps them"))
    from sddkit.agents.pointer_blocks import agent_path, get_agent

    for agent_name in sorted({i.agent for i in files if i.agent and i.agent != "agents"}):
        path = agent_path(ws, get_agent(agent_name))
        previous = tx.read(path)
        install_agents(ws, tx, [agent_name])
        if tx.read(path) != previous:
            steps.append(Step("pointer", agent_name, ws.rel(path), "sddkit's pointer block added"))
    for rule, places in duplicates(files, ws.root):
        steps.append(Step("duplicate", rule[:60], ", ".join(places),
                          "the same rule in several instruction files: keep one"))
    return steps


def approve_imported(ws: Workspace, tx: Transaction, name: str, by: str | None
                     ) -> list[str]:
    """Approve, in order, every imported phase of ``name`` in review; return the phases.

    Each approval is the ordinary one (who, when, hash, commit, based_on) plus
    ``approved_as: import``. Raises :class:`GateError` when the current phase was not
    imported or is not in review.
    """
    from sddkit.projects.transitions import approve

    approved: list[str] = []
    while True:
        project = load_project(ws, name, tx)
        if project.implementing:
            break
        doc = project.docs.get(project.current_phase)
        if doc is None or not doc.meta.get("imported_from") or doc.status != "review":
            break
        result = approve(ws, tx, name, by)
        text = tx.read(result.doc.path)
        assert text is not None
        tx.write(result.doc.path,
                 frontmatter.set_keys(text, {"approved_as": "import"}, result.doc.path))
        approved.append(result.doc.phase)
    if not approved:
        raise GateError(f"{name} has no imported phase in review: approve it phase by phase "
                        f"with `sdd approve {name}`")
    return approved
