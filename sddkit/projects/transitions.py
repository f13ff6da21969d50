"""The gate transitions: new, ready, approve, reopen, block. Each stages its writes in a transaction."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from sddkit.errors import GateError, SddkitError
from sddkit.io import frontmatter
from sddkit.io.fileio import Transaction, read_text
from sddkit.io.rendering import render_checked
from sddkit.names import check_slug
from sddkit.projects.blockers import IN_REVIEW, phase_blocker
from sddkit.projects.phases import PhaseDoc, load_doc, phase_index
from sddkit.projects.project import Project, load_project
from sddkit.workspace import PHASES, Workspace

if TYPE_CHECKING:
    from sddkit.approvals.approvers import Policy


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _load(ws: Workspace, tx: Transaction, name: str) -> Project:
    return load_project(ws, name, tx)


def _read_back(path: Path, text: str, project: str, phase: str) -> None:
    """Read a rendered phase document as every command will (front matter, task list)."""
    load_doc(path, text, project, phase)
    if phase == "tasks":
        from sddkit.tasks.parse import parse_tasks

        parse_tasks(text, path)


def _scaffold(ws: Workspace, tx: Transaction, project: Project, phase: str) -> Path:
    """Render the draft of ``phase``; a project made with ``--from`` gets its source's text in
    the spec and plan drafts and its steps in the tasks draft (:mod:`sddkit.projects.plan_import`)."""
    path = project.path / f"{phase}.md"
    source = ""
    source_name = ""
    steps: list[dict[str, object]] = []
    seed = project.constitution.meta.get("source")
    if isinstance(seed, str) and seed and phase in ("spec", "plan", "tasks"):
        seed_text = tx.read(project.path / seed)
        if seed_text is not None:
            from sddkit.projects.plan_import import markdown_of, plan_steps, seeded_tasks

            body = markdown_of(seed_text)[1]
            source_name = seed
            if phase == "tasks":
                steps = seeded_tasks(plan_steps(body))
            else:
                source = body.strip("\n")
    tx.write(
        path,
        render_checked(
            f"{phase}.md.j2",
            ws.local_templates,
            ws.root,
            path,
            lambda target, text: _read_back(target, text, project.name, phase),
            project=project.name,
            title=project.title,
            source=source,
            source_name=source_name,
            steps=steps,
        ),
    )
    return path


def new_project(
    ws: Workspace, tx: Transaction, name: str, title: str | None, source: Path | None
) -> Path:
    """Scaffold ``constitution.md`` (draft); ``source`` is kept verbatim as ``source.md``."""
    check_slug(name, "project")
    folder = ws.assets / name
    if folder.exists() or folder.is_symlink():
        if folder.is_symlink() or not _only_leftovers(tx, folder):
            raise SddkitError(f"project '{name}' already exists", folder)
    seed_text = None
    if source is not None:
        seed_text = read_text(source)
        if title is None:
            from sddkit.projects.plan_import import markdown_of, title_of

            title = title_of(*markdown_of(seed_text))
    title = title or name
    if "\n" in title or "\r" in title:
        raise SddkitError("--title must be one line")
    text = render_checked(
        "constitution.md.j2",
        ws.local_templates,
        ws.root,
        folder / "constitution.md",
        lambda target, text: _read_back(target, text, name, "constitution"),
        project=name,
        title=title,
        created=utc_now().date().isoformat(),
    )
    if seed_text is not None:
        text = frontmatter.set_keys(text, {"source": "source.md"}, folder / "constitution.md")
        tx.write(folder / "source.md", seed_text)
    path = folder / "constitution.md"
    tx.write(path, text)
    return path


def _only_leftovers(tx: Transaction, folder: Path) -> bool:
    """Whether ``folder`` holds nothing but temporary files of a killed sddkit write (or
    nothing): no project, so ``sdd new`` may take the name. The leftovers it can read are
    deleted with the change; others stay for ``sdd check`` (SDD-014) to report."""
    from sddkit.projects.fault_isolation import only_temporary

    if not folder.is_dir() or not only_temporary(folder):
        return False
    for leftover in sorted(folder.iterdir()):
        try:
            tx.delete(leftover)
        except SddkitError:  # not text: leave it
            pass
    return True


def repair_missing_phase(ws: Workspace, tx: Transaction, name: str) -> Path | None:
    """Scaffold the current phase's document of ``name`` as a draft when it is missing
    (the earlier phase approved without it: an interrupted write of an older sddkit, or a
    deleted file); return its path, or None when there was nothing to repair.

    ``sdd ready`` and ``sdd approve`` call this first, so the project is never stuck on
    "does not exist yet"; ``sdd check`` reports the state as SDD-014.
    """
    project = _load(ws, tx, name)
    phase = project.current_phase
    if project.implementing or phase in project.docs or phase == PHASES[0]:
        return None
    return _scaffold(ws, tx, project, phase)


def _needs_review(project: Project) -> PhaseDoc:
    phase = project.current_phase
    doc = project.docs.get(phase)
    if doc is None:  # pragma: no cover - approval always scaffolds the next document
        raise GateError(f"{phase} of {project.name} does not exist yet")
    return doc


def ready(ws: Workspace, tx: Transaction, name: str) -> PhaseDoc:
    """draft (or approved-but-changed/stale) -> review, when the document is complete."""
    project = _load(ws, tx, name)
    if project.implementing:
        raise GateError(f"every phase of {name} is approved; nothing to mark ready")
    doc = _needs_review(project)
    held = phase_blocker(project, doc.phase)  # every earlier gate is open: this is the first
    if held is not None and held.kind == IN_REVIEW:
        raise GateError(f"{held.sentence()}: it is already in review (`sdd approve {name}`)")
    from sddkit.projects.readiness import problems  # `sdd ready` only

    found = problems(doc)
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise GateError(
            f"{doc.phase} of {name} is not ready: {first.message}{more}", doc.path, first.line
        )
    if doc.phase == "constitution":
        _refuse_unknown_inheritance(ws, doc)
    if doc.phase == "tasks":
        tasks = project.tasks
        if tasks is None or not tasks.tasks:
            raise GateError(f"tasks of {name} has no tasks (- [ ] T001 ...)", doc.path)
        if tasks.errors():
            issue = tasks.errors()[0]
            raise GateError(f"tasks of {name} is not ready: {issue.message}", doc.path, issue.line)
    tx.write(doc.path, frontmatter.set_keys(doc.text, {"status": "review"}, doc.path))
    return doc


def _refuse_unknown_inheritance(ws: Workspace, doc: PhaseDoc) -> None:
    """A constitution that ``inherits`` a context must name one that exists."""
    from sddkit.projects.phases import key_line
    from sddkit.repository.contexts import context_names

    parent = doc.meta.get("inherits")
    if isinstance(parent, str) and parent not in context_names(ws):
        raise GateError(
            f"constitution inherits unknown context '{parent}'; create it with "
            f"`sdd ctx new {parent}` or fix the name",
            doc.path, key_line(doc.text, "inherits"),
        )


@dataclass
class Approval:
    """An approval staged: the document, who and when, the hash it pins, and what else it did."""

    doc: PhaseDoc
    by: str
    at: str
    sha256: str
    commit: str | None
    scaffolded: Path | None
    forced: bool
    signed: bool = False  # the policy asks for a signed approval commit


def approver(root: Path, by: str | None) -> str:
    if by:
        return by
    from sddkit.io.git import user_name

    name = user_name(root)
    if name:
        return name
    import getpass

    from sddkit.io.reading import os_text

    try:
        return os_text(getpass.getuser())
    except (KeyError, OSError):  # no passwd entry (containers)
        return os_text(os.environ.get("USER") or "unknown")


def committed_with(root: Path, doc: PhaseDoc) -> str | None:
    """The commit that holds ``doc``'s text as it is approved now: HEAD, when HEAD's copy of
    the document has the same body (gate hash: front matter aside); None when the text is
    not committed yet (a new or edited document), outside git, or before the first commit.
    ``approved_commit`` never names a commit that does not contain what was approved.
    """
    from sddkit.io.git import files_at, head_sha
    from sddkit.projects.phases import gate_hash

    head = head_sha(root)
    if head is None:
        return None
    texts = files_at(root, [(head, doc.path)])
    text = texts[0] if texts else None
    return head if text is not None and gate_hash(doc.phase, text) == doc.current_hash else None


def _check_approver(ws: Workspace, doc: PhaseDoc, by: str | None) -> Policy:
    """Refuse an identity that is not an approver of ``doc`` (CODEOWNERS, the sdd context's
    ``approvers``); anyone may approve when nobody is named. The identity checked is git's
    author identity (what the approval commit will carry), and ``--by`` when given."""
    from sddkit.approvals.approvers import (
        Identity,
        load_policy,
        owner_matches,
        stated_identity,
    )
    from sddkit.io.git import author_identity

    policy = load_policy(ws)
    rel = ws.rel(doc.path)
    owners, source = policy.approvers_for(rel)
    if not owners:
        return policy
    found = author_identity(ws.root)
    identities = [Identity(*found)] if found else []
    if by:
        identities.append(stated_identity(by))
    if not identities:
        raise GateError(f"{rel} has approvers ({source}) but git has no identity here: set "
                        "user.name and user.email", doc.path)
    for who in identities:
        if not any(owner_matches(o, who) for o in owners):
            raise GateError(f"{who} is not an approver of {rel}: approvers are "
                            f"{', '.join(owners)} ({source})", doc.path)
    return policy


def approve(
    ws: Workspace, tx: Transaction, name: str, by: str | None = None, force: bool = False
) -> Approval:
    """review -> approved; records who, when, hash, commit and based_on; scaffolds the next phase."""
    project = _load(ws, tx, name)
    if project.implementing:
        raise GateError(f"every phase of {name} is already approved")
    doc = _needs_review(project)
    held = phase_blocker(project, doc.phase)  # every earlier gate is open: this is the first
    if held is not None and held.kind != IN_REVIEW and not force:
        raise GateError(f"{held.sentence()}: run `sdd ready {name}` first", doc.path)
    who = approver(ws.root, by)
    policy = _check_approver(ws, doc, by)
    when = iso(utc_now())
    sha = doc.current_hash
    commit = committed_with(ws.root, doc)
    based_on = {
        earlier: project.docs[earlier].approved_sha256 for earlier in PHASES[: phase_index(doc.phase)]
    }
    updates: dict[str, object] = {
        "status": "approved",
        "approved_by": who,
        "approved_at": when,
        "approved_sha256": sha,
        "approved_commit": commit,
        "based_on": based_on,
    }
    forced = force and doc.status != "review"
    if forced:
        updates["approval_forced"] = f"from {doc.status}"
    elif "approval_forced" in doc.meta:
        updates["approval_forced"] = None
    tx.write(doc.path, frontmatter.set_keys(doc.text, updates, doc.path))
    scaffolded = None
    position = phase_index(doc.phase)
    if position + 1 < len(PHASES):
        following = PHASES[position + 1]
        if following not in project.docs:
            scaffolded = _scaffold(ws, tx, project, following)
    return Approval(doc, who, when, sha, commit, scaffolded, forced, policy.signed)


def reopen(ws: Workspace, tx: Transaction, name: str, phase: str, reason: str) -> PhaseDoc:
    """review/approved -> draft; the later phases become stale."""
    if phase not in PHASES:
        raise SddkitError(f"unknown phase '{phase}'; phases: {', '.join(PHASES)}")
    if not reason.strip():
        raise SddkitError("--reason must say why the phase is reopened")
    project = _load(ws, tx, name)
    doc = project.docs.get(phase)
    if doc is None:
        raise GateError(f"{phase} of {name} does not exist yet")
    if doc.status == "draft":
        raise GateError(f"{phase} of {name} is already draft", doc.path)
    updates: dict[str, object] = {
        "status": "draft",
        "approved_by": None,
        "approved_at": None,
        "approved_sha256": None,
        "approved_commit": None,
        "based_on": {},
        "reopened_reason": " ".join(reason.split()),
        "reopened_at": iso(utc_now()),
    }
    tx.write(doc.path, frontmatter.set_keys(doc.text, updates, doc.path))
    return doc


def set_blocked(ws: Workspace, tx: Transaction, name: str, reason: str | None) -> PhaseDoc:
    project = _load(ws, tx, name)
    doc = project.constitution
    if reason is not None:
        reason = " ".join(reason.split())
        if not reason:
            raise SddkitError("--reason must say what blocks the project")
    elif not project.blocked:
        raise GateError(f"{name} is not blocked")
    tx.write(doc.path, frontmatter.set_keys(doc.text, {"blocked": reason}, doc.path))
    return doc
