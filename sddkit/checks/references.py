"""SDD-009: ``test: path::name`` references in a spec that point at nothing (the parser is
:mod:`.testrefs`).

Looked for in the spec's "Edge cases" and "Acceptance criteria" sections (outside code
fences and HTML comments). A reference is a path with a ``/``, a file extension or a
``::``; for a ``.py`` file each ``::`` part must name a function or class in it (read
with :mod:`ast`: the file is never imported or run). Until the project's last task is
done a reference may point at a test still to be written: a warning; then an error.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sddkit.checks.document_facts import facts
from sddkit.checks.rule_ids import ERROR, WARNING
from sddkit.checks.testrefs import Reference, references
from sddkit.errors import SddkitError
from sddkit.findings import Finding
from sddkit.projects.project import Project
from sddkit.workspace import Workspace

__all__ = ["RULE", "Reference", "Resolver", "SpecRefs", "check", "references", "spec_refs"]

RULE = "SDD-009"


@dataclass
class _Module:
    """The names a Python file defines, for pytest node ids, as plain data (cacheable).

    ``classes`` maps a class's dotted name ("A", "A.Inner") to the names it defines or
    inherits from bases in the same file, or to None when a base is defined elsewhere
    (then any member may exist, so nothing is reported).
    """

    names: set[str] | _SortedNames = field(default_factory=set)
    classes: dict[str, list[str] | None] = field(default_factory=dict)


def _class_members(node: ast.ClassDef, qualified: str, local: dict[str, ast.ClassDef],
                   out: dict[str, list[str] | None], depth: int = 0) -> list[str] | None:
    members: list[str] = []
    for child in node.body:
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            members.append(child.name)
        elif isinstance(child, ast.ClassDef):
            members.append(child.name)
            out[f"{qualified}.{child.name}"] = _class_members(
                child, f"{qualified}.{child.name}", local, out, depth + 1)
        elif isinstance(child, ast.Assign):
            members += [t.id for t in child.targets if isinstance(t, ast.Name)]
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in local and depth < 20:
            inherited = _class_members(local[base.id], base.id, local, {}, depth + 1)
            if inherited is None:
                return None
            members += inherited
        elif not (isinstance(base, ast.Name) and base.id == "object"):
            return None  # defined outside this file: cannot tell, so do not complain
    return members


def _module(path: Path) -> _Module | str:
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        return f"cannot be read as Python (line {exc.lineno}: {exc.msg})"
    except (OSError, ValueError) as exc:
        return f"cannot be read ({exc})"
    module = _Module()
    local = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            module.names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            module.names.add(node.name)
            module.classes[node.name] = _class_members(node, node.name, local, module.classes)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module.names.update((alias.asname or alias.name).split(".")[0]
                                for alias in node.names)
        elif isinstance(node, ast.Assign):
            module.names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return module


class _SortedNames:
    """Membership in a sorted list of names, by bisection: a cached test file's names as
    the cache holds them, without the set a lookup would build beside them (48,000 names
    at 10,000 projects: 1.7 MiB of a warm ``sdd check``)."""

    __slots__ = ("names",)

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def __contains__(self, name: object) -> bool:
        at = bisect_left(self.names, name)  # type: ignore[arg-type]
        return at < len(self.names) and self.names[at] == name


def _cached_module(ws: Workspace, path: Path) -> _Module | str:
    """:func:`_module`, through the check cache (keyed by the file's signature)."""
    from sddkit.io import cache as _cache

    cache = _cache.for_root(ws.root, "testfiles")  # small: not the per-document check cache
    try:
        sig = _cache.signature(path.stat())
    except OSError:
        cache = None
    key = f"py:{path}"
    if cache is not None:
        hit = cache.get(key, sig)  # a test file is named by its path: tied to its signature
        if hit is not None:
            if isinstance(hit, str):
                return hit
            names, classes = hit
            return _Module(_SortedNames(names), dict(classes))
    module = _module(path)
    if cache is not None:
        value = module if isinstance(module, str) else (sorted(module.names), module.classes)
        cache.put(key, value, sig)
    return module


def _missing_name(module: _Module, names: list[str]) -> str | None:
    """What of ``names`` (a node id after the path) the file does not define."""
    if names[0] not in module.names:
        return f"no test '{names[0]}'"
    scope = names[0]
    for name in names[1:]:
        if scope not in module.classes:
            return None  # not a class defined here: cannot tell
        members = module.classes[scope]
        if members is None:
            return None
        if name not in members:
            return f"no '{name}' in class {scope.rsplit('.', 1)[-1]}"
        scope = f"{scope}.{name}"
    return None


class Resolver:
    """Resolves references against the files; each path is looked at once per run."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.root = ws.root.resolve()
        self._paths: dict[str, Path | str] = {}
        self._modules: dict[Path, _Module | str] = {}
        self._files: dict[Path, bool] = {}

    def _target(self, path: str) -> Path | str:
        """The file ``path`` names, or what is wrong with it (cached)."""
        cached = self._paths.get(path)
        if cached is not None:
            return cached
        relative = Path(path)
        result: Path | str
        if relative.is_absolute():
            result = "use a path relative to the repository root"
        else:
            try:
                target = (self.ws.root / relative).resolve()
            except (OSError, RuntimeError):
                target = None
            if target is None:
                result = "cannot be resolved"
            elif target != self.root and self.root not in target.parents:
                result = "points outside the repository"
            elif not target.exists():
                result = "does not exist"
            else:
                result = target
        self._paths[path] = result
        return result

    def _python(self, target: Path) -> bool:
        """Whether ``target`` is a Python file (looked at once per run)."""
        found = self._files.get(target)
        if found is None:
            found = self._files[target] = target.suffix == ".py" and target.is_file()
        return found

    def problem(self, ref: Reference) -> str | None:
        """What is wrong with ``ref`` as the files are now (None: nothing)."""
        return self.problem_of(ref.text)

    def problem_of(self, text: str) -> str | None:
        """What is wrong with the reference ``text`` (``path::name...``) as the files are now
        (None: nothing); :meth:`problem` without building a :class:`Reference`."""
        path, sep, rest = text.partition("::")
        target = self._paths.get(path)
        if target is None:
            target = self._target(path)
        if isinstance(target, str):
            if target == "does not exist":
                return f"{path} does not exist (referenced as '{text}')"
            return f"'{text}' {target}"
        if not sep or not self._python(target):
            return None
        module = self._modules.get(target)
        if module is None:
            module = self._modules[target] = _cached_module(self.ws, target)
        if isinstance(module, str):
            return f"{path} {module}"
        names = Reference(0, text).names if "[" in rest else rest.split("::")
        missing = _missing_name(module, names)
        return f"{path} has {missing} (referenced as '{text}')" if missing else None


class SpecRefs(NamedTuple):
    """A spec's references and the severity a dangling one has (the project's bytes alone)."""

    rel: str
    severity: str
    refs: tuple[tuple[int, str], ...]  # (line, reference text)


def spec_refs(ws: Workspace, project: Project) -> SpecRefs | None:
    """The spec's ``test:`` references (None without a spec): warnings until every task is
    done, errors then."""
    doc = project.docs.get("spec")
    if doc is None:
        return None
    done, total = project.progress
    finished = project.implementing and done == total
    try:
        refs = tuple(facts(ws, doc).references)
    except SddkitError:  # pragma: no cover - the document loaded, so its front matter parses
        return None
    return SpecRefs(ws.rel(doc.path), ERROR if finished else WARNING, refs)


def check(spec: SpecRefs | None, resolver: Resolver) -> list[Finding]:
    """SDD-009: the references of ``spec`` that point at nothing, as the files are now."""
    if spec is None:
        return []
    hint = ("write the test or fix the reference" if spec.severity == ERROR else
            "fix the reference, or write the test during implementation; an error once "
            "every task is done")
    found = []
    for line, text in spec.refs:
        problem = resolver.problem_of(text)
        if problem is not None:
            found.append(Finding(spec.rel, line, RULE, spec.severity, problem, hint))
    return found
