"""Who may approve: ``CODEOWNERS`` and the sdd context's front matter; and signed mode.

``CODEOWNERS`` follows GitHub's rules (https://docs.github.com/en/repositories/
managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners):

- the first file found of ``.github/CODEOWNERS``, ``CODEOWNERS``, ``docs/CODEOWNERS`` is used;
- each line is a pattern and its owners (``@user``, ``@org/team`` or an email address);
  ``#`` starts a comment; a pattern with no owners leaves the path without owners;
- patterns follow gitignore syntax (matched with pathspec's gitignore patterns), except that
  ``dir/*`` matches only the files directly in ``dir`` (GitHub's documented exception);
- the **last** matching line wins.

The sdd context (``AGENTS.ctx/sdd/CONTEXT.md``) may add to them in its front matter::

    approvers: ["ada@example.com", "@grace", "Linus Example"]
    signed_approvals: true     # sdd approve commits the approval with `git commit -S`

An owner matches a git identity (author name and email) when it is that email (any case),
that name (any case), or ``@handle`` whose handle is the name or whose GitHub no-reply
address (``[ID+]handle@users.noreply.github.com``) is the email. Teams (``@org/team``)
cannot be resolved without the network: list their members in ``approvers``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sddkit.errors import SddkitError
from sddkit.io import frontmatter
from sddkit.workspace import Workspace

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True)
class Rule:
    """One CODEOWNERS line: ``pattern`` and its ``owners``, at ``line`` (1-based)."""

    pattern: str
    owners: tuple[str, ...]
    line: int

    def matches(self, rel: str) -> bool:
        """Whether the repository-relative POSIX path ``rel`` falls under this pattern."""
        from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

        try:
            found = GitIgnoreSpecPattern(self.pattern).match_file(rel)
        except (ValueError, TypeError):  # pathspec refuses the pattern: it matches nothing
            return False
        if found is None:
            return False
        whole = found.match.group(0).rstrip("/") == rel
        return whole or not self.pattern.rstrip().endswith("/*")


@dataclass(frozen=True)
class Identity:
    """A git identity: author name and email (either may be empty)."""

    name: str
    email: str

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name


_NAMED_EMAIL = re.compile(r"\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*")
_EMAIL = re.compile(r"[^@<>\s]+@[^@<>\s]+")


def stated_identity(by: str) -> Identity:
    """The identity a person names with ``sdd approve --by``: ``Name <email>`` (git's own
    form), an email alone (matched as an email, as CODEOWNERS writes one), or a name or
    ``@handle`` (matched as a name)."""
    found = _NAMED_EMAIL.fullmatch(by)
    if found:
        return Identity(found.group(1), found.group(2))
    text = by.strip()
    if _EMAIL.fullmatch(text):
        return Identity("", text)
    return Identity(by, "")


def owner_matches(owner: str, who: Identity) -> bool:
    """Whether CODEOWNERS-style ``owner`` names the identity ``who`` (see the module doc)."""
    owner = owner.strip().lower()
    name, email = who.name.strip().lower(), who.email.strip().lower()
    if not owner:
        return False
    if not owner.startswith("@") and "@" in owner:
        return owner == email
    if not owner.startswith("@"):
        return owner == name
    handle = owner[1:]
    if "/" in handle or not handle:
        return False  # a team: not resolvable offline
    noreply = "@users.noreply.github.com"
    return handle == name or email in (handle + noreply,) or (
        email.endswith(noreply) and email[: -len(noreply)].split("+")[-1] == handle)


@dataclass
class Policy:
    """The approval policy of a repository."""

    codeowners: Path | None = None
    rules: list[Rule] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # the sdd context's `approvers`
    signed: bool = False
    context: Path | None = None

    def approvers_for(self, rel: str) -> tuple[list[str], str]:
        """The approvers of ``rel`` and where they come from (for messages); empty when
        nobody is named (then anyone may approve, as before)."""
        owners: list[str] = []
        source = ""
        for rule in reversed(self.rules):
            if rule.matches(rel):
                owners = list(rule.owners)
                source = f"{self._where(self.codeowners)}:{rule.line}"
                break
        if self.extra:
            owners += [o for o in self.extra if o not in owners]
            where = f"{self._where(self.context)} approvers"
            source = f"{source} and {where}" if source else where
        return owners, source

    @staticmethod
    def _where(path: Path | None) -> str:
        return "CODEOWNERS" if path is None else path.as_posix()

    def allows(self, rel: str, who: Identity) -> bool:
        owners, _source = self.approvers_for(rel)
        return not owners or any(owner_matches(o, who) for o in owners)


def parse_codeowners(text: str) -> list[Rule]:
    """The rules of a CODEOWNERS text, in file order."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        pattern, *owners = line.split()
        rules.append(Rule(pattern, tuple(owners), number))
    return rules


def _context_meta(ws: Workspace) -> dict[str, Any]:
    path = ws.sdd_context
    if not path.is_file():
        return {}
    from sddkit.io.fileio import read_text

    meta = frontmatter.parse(read_text(path), path)
    return meta if isinstance(meta, dict) else {}


def load_policy(ws: Workspace) -> Policy:
    """Read CODEOWNERS and the sdd context's ``approvers``/``signed_approvals``.

    Raises :class:`SddkitError` naming the file when ``approvers`` is not a list of
    strings or ``signed_approvals`` is not true/false.
    """
    policy = Policy(context=Path(ws.rel(ws.sdd_context)))
    for location in LOCATIONS:
        path = ws.root / location
        if path.is_file():
            from sddkit.io.fileio import read_text

            policy.codeowners = Path(location)
            policy.rules = parse_codeowners(read_text(path))
            break
    meta = _context_meta(ws)
    extra = meta.get("approvers")
    if extra is not None:
        if not isinstance(extra, list) or not all(isinstance(o, str) for o in extra):
            raise SddkitError("'approvers' must be a list of names, emails or @handles",
                              ws.sdd_context)
        policy.extra = [o.strip() for o in extra if o.strip()]
    signed = meta.get("signed_approvals", False)
    if not isinstance(signed, bool):
        raise SddkitError("'signed_approvals' must be true or false", ws.sdd_context)
    policy.signed = signed
    return policy
