"""Contracts kept in other repositories (``remotes``), read locally and never fetched.

A contract may say where another service's contract lives::

    remotes:
      - {service: billing, path: ../billing}                          # a sibling checkout
      - {service: ledger, git: https://git.example.com/ledger.git, ref: v2}

``path`` is a checkout, relative to this repository's root: its
``AGENTS.ctx/contracts/<service>.yaml`` is read from the working tree. ``git`` is read
with git itself (``git show <ref>:AGENTS.ctx/contracts/<service>.yaml``) from a local
repository: the path itself when it is one, else a clone in the repository cache
(``$SDDKIT_REPO_CACHE``, default ``<user cache>/sddkit/repos``) at ``<host>/<path>``, made
once with ``git clone --mirror URL DIR``. No network is used: lazy fetching is turned off,
and a source that is not there locally is a CON-022 warning saying how to provide it.
Remote contracts are providers only: their own ``remotes`` are not followed.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from sddkit.contracts.contract_model import Contract, ContractSet, Remote
from sddkit.errors import SddkitError
from sddkit.findings import Finding
from sddkit.io.fileio import read_text

#: ``load.contract_from_text``: (text, path naming the service, shown name) -> contract, CON-001s.
Parse = Callable[[str, Path, str], tuple[Contract | None, list[Finding]]]

RULE = "CON-022"
#: Seconds one ``git show`` may take.
GIT_TIMEOUT = 30
SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]+@)?")


def repo_cache() -> Path:
    """Where local clones of remote repositories are looked for."""
    if os.environ.get("SDDKIT_REPO_CACHE"):
        return Path(os.environ["SDDKIT_REPO_CACHE"])
    from sddkit.io.cache import user_folder

    return user_folder() / "repos"


def cache_folder(url: str) -> Path:
    """The cache folder of a git URL: ``https://h/team/x.git`` -> ``<cache>/h/team/x``."""
    rest = SCHEME.sub("", url).replace(":", "/").strip("/")
    rest = rest.removesuffix(".git")
    parts = [p for p in rest.split("/") if p not in ("", ".", "..")]
    return repo_cache().joinpath(*parts)


def attach_remotes(cs: ContractSet, parse: Parse) -> None:
    """Add every contract named in ``remotes`` to ``cs`` (with ``origin`` set), or a CON-022."""
    root = cs.root
    if root is None:
        return
    for name in sorted(cs.contracts):
        c = cs.contracts[name]
        if c.origin is not None:
            continue
        for remote in c.remotes:
            _attach(cs, root, c, remote, parse)


def _warn(cs: ContractSet, c: Contract, remote: Remote, message: str, hint: str,
          severity: str = "warning") -> None:
    cs.findings.append(Finding(c.rel, remote.line, RULE, severity, message, hint))


def _attach(cs: ContractSet, root: Path, c: Contract, remote: Remote, parse: Parse) -> None:
    service = remote.service
    existing = cs.contracts.get(service)
    if existing is not None and existing.origin is None:
        _warn(cs, c, remote, f"{service} has a contract here ({existing.rel}) and in remotes",
              "keep one of them", "error")
        return
    if existing is not None or service in cs.unloadable:
        return  # another contract already named where it lives
    inner = f"AGENTS.ctx/contracts/{service}.yaml"
    if remote.path is not None:
        checkout = root / remote.path
        shown = f"{remote.path.rstrip('/')}/{inner}"
        if not (checkout / inner).is_file():
            cs.unloadable.add(service)
            _warn(cs, c, remote, f"the contract of {service} is not available: {shown} does "
                  f"not exist; calls to {service} are not checked",
                  f"check out that repository at {remote.path}")
            return
        try:
            text: str | None = read_text(checkout / inner)
        except SddkitError as exc:
            text, where = None, exc.message
        if text is None:
            cs.unloadable.add(service)
            _warn(cs, c, remote, f"the contract of {service} cannot be read: {where}", "")
            return
        loaded, findings = parse(text, Path(f"{service}.yaml"), shown)
    else:
        text, where = _git_show(root, remote, inner)
        shown = f"{remote.git}@{remote.ref}:{inner}"
        if text is None:
            cs.unloadable.add(service)
            _warn(cs, c, remote, f"the contract of {service} is not available locally: {where}; "
                  f"calls to {service} are not checked",
                  f"git clone --mirror {remote.git} {cache_folder(str(remote.git))} "
                  "(sddkit never fetches)")
            return
        loaded, findings = parse(text, Path(f"{service}.yaml"), shown)
    if loaded is None or findings:
        cs.unloadable.add(service)
        _warn(cs, c, remote, f"the contract of {service} at {shown} has {len(findings)} "
              "problem(s); it is not used", "run `sdd contracts check` in that repository")
        return
    cs.contracts[service] = _with_origin(loaded, shown)


def _with_origin(loaded: Contract, shown: str) -> Contract:
    from dataclasses import replace

    return replace(loaded, origin=shown, remotes=())


def _git_show(root: Path, remote: Remote, inner: str) -> tuple[str | None, str]:
    """The file at ``ref`` in a local repository, or None and why it is not there."""
    url = str(remote.git)
    local = root / url.removeprefix("file://") if not re.match(r"[a-z][a-z0-9+.-]*://", url) \
        or url.startswith("file://") else None
    repo = local if local is not None and local.exists() else cache_folder(url)
    if not repo.exists():
        return None, f"no local clone at {repo}"
    env = {**os.environ, "GIT_NO_LAZY_FETCH": "1", "GIT_TERMINAL_PROMPT": "0",
           "GIT_ALLOW_PROTOCOL": "file"}
    for ref in (str(remote.ref), f"origin/{remote.ref}"):
        try:
            done = subprocess.run(["git", "-C", str(repo), "show", f"{ref}:{inner}"],
                                  capture_output=True, text=True, timeout=GIT_TIMEOUT,
                                  env=env, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"git failed in {repo}: {exc}"
        if done.returncode == 0:
            return done.stdout, ""
    return None, f"{repo} has no {inner} at {remote.ref}"
