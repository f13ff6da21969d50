"""Templates: one jinja2 Environment factory. jinja2 is imported only when a template renders.

Shipped templates live in ``templates/`` (carried into the wheel as ``sddkit/templates``)
and render in this process; those that use only names, the ``yaml`` filter and ``if``
blocks render without importing jinja2 (:mod:`sddkit.io.plain_template`, exact by test).

A repository's ``AGENTS.ctx/sdd/templates/<name>`` overrides the shipped one of the same
name. It comes with a cloned repository, so it is held to four rules (issue 14; see
docs/reliability.md):

- it renders in a ``SandboxedEnvironment``: it cannot run code;
- it and every template it includes or extends resolve inside the repository root,
  whatever along the path is a symlink (``AGENTS.ctx/`` and ``AGENTS.ctx/sdd/``
  included), are regular files of at most :data:`MAX_TEMPLATE_BYTES`, and are read with
  the rules every read enforces (UTF-8, no NUL): a link to ``/proc/self/environ`` is
  refused, not copied into a tracked file;
- it renders in a child process (:mod:`sddkit.io.render_child`) with a time limit
  (``SDDKIT_TEMPLATE_TIMEOUT`` seconds, default :data:`DEFAULT_TIMEOUT`), a memory limit
  and at most :data:`MAX_OUTPUT_CHARS` characters of output, so a template can neither
  hang nor exhaust the command that renders it;
- the child gets an empty environment: no token of the user's reaches it.

Every failure is one :class:`SddkitError` naming the template file (and its line when
jinja2 knows it).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sddkit.errors import SddkitError

#: Seconds a repository-local template may take to render.
DEFAULT_TIMEOUT = 10.0
TIMEOUT_ENV = "SDDKIT_TEMPLATE_TIMEOUT"
#: Largest template file (override or include) read, in bytes.
MAX_TEMPLATE_BYTES = 256 * 1024
#: Most characters a repository-local template may render.
MAX_OUTPUT_CHARS = 1024 * 1024
#: Address space of the rendering child, in bytes.
MEMORY_LIMIT = 1024 * 1024 * 1024


def shipped_dir() -> Path:
    """The folder of shipped templates, in a wheel or in a source checkout."""
    here = Path(__file__).resolve().parent.parent  # the package folder
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise SddkitError("the shipped templates are missing from this installation; reinstall sddkit")


def environment(loader: Any, sandboxed: bool) -> Any:
    """The one jinja2 Environment factory: StrictUndefined, trailing newline kept, no
    autoescape, the ``yaml`` filter; sandboxed for a repository's own templates."""
    import jinja2
    import jinja2.sandbox

    from sddkit.io.frontmatter import render_value

    cls = jinja2.sandbox.SandboxedEnvironment if sandboxed else jinja2.Environment
    env = cls(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
              autoescape=False)
    env.filters["yaml"] = render_value
    return env


def template_error(exc: BaseException, path: Path) -> SddkitError:
    """A jinja2 (or template runtime) failure of ``path`` as one located error."""
    import jinja2
    import jinja2.exceptions

    if isinstance(exc, SddkitError):
        return exc
    if isinstance(exc, jinja2.TemplateNotFound):
        return SddkitError(f"template '{exc.name}' not found", path)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = Path(exc.filename) if exc.filename else path
        return SddkitError(f"template syntax error: {exc.message}", where, exc.lineno)
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return SddkitError(f"template refused by the sandbox: {exc}", path)
    if isinstance(exc, jinja2.UndefinedError):
        return SddkitError(f"template uses an undefined value: {exc.message}", path)
    if isinstance(exc, jinja2.TemplateError):
        return SddkitError(f"template error: {exc}", path)
    return SddkitError(f"template failed: {type(exc).__name__}: {exc}", path)


def render(template: str, local_dir: Path | None = None, root: Path | None = None,
           **values: Any) -> str:
    """Render template ``template`` (a file name such as ``spec.md.j2``) with ``values``.

    A repository-local override in ``local_dir`` wins; it renders under the rules in the
    module docstring, checked against ``root`` (default: the folder holding
    ``AGENTS.ctx/``, three levels above ``local_dir``). ``values`` must be JSON values
    for an override (they cross to the child process). Raises :class:`SddkitError`
    naming the template file.
    """
    _check_values(values)
    if local_dir is not None and os.path.lexists(local_dir / template):
        return _render_local(template, local_dir, root or local_dir.parents[2], values)
    folder = shipped_dir()
    plain = _plain(folder / template, values)
    if plain is not None:
        return plain
    import jinja2

    try:
        env = environment(jinja2.FileSystemLoader(str(folder)), sandboxed=False)
        return str(env.get_template(template).render(**values))
    except Exception as exc:
        raise template_error(exc, folder / template) from None


def _plain(path: Path, values: dict[str, Any]) -> str | None:
    """A shipped template rendered without importing jinja2, where
    :mod:`sddkit.io.plain_template` gives jinja2's text exactly; else None."""
    from sddkit.io import plain_template
    from sddkit.io.frontmatter import render_value

    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # jinja2 words the error
    return plain_template.render(source, values, {"yaml": render_value})


def render_checked(template: str, local_dir: Path | None, root: Path, target: Path,
                   read_back: Callable[[Path, str], object], **values: Any) -> str:
    """:func:`render`, then the text is read back as a command would read ``target``
    (``read_back(target, text)``, which raises :class:`SddkitError` for what it refuses),
    after the rules every read enforces (:func:`sddkit.io.fileio.check_text`). A template
    can so never write a file that makes later commands refuse the repository.
    Raises :class:`SddkitError` naming the template and what the read said."""
    from sddkit.io.fileio import check_text

    text = render(template, local_dir, root, **values)
    try:
        check_text(text, target)
        read_back(target, text)
    except SddkitError as exc:
        local = local_dir is not None and os.path.lexists(local_dir / template)
        source = local_dir / template if local_dir is not None and local else shipped_dir() / template
        raise SddkitError(f"renders text sddkit cannot read back ({exc.located(root)}); fix the "
                          "template", source) from None
    return text


def _check_values(values: Any, key: str = "") -> None:
    """Refuse a value a write would refuse (NUL, a lone surrogate from a command-line
    argument in another encoding), naming it, before any template sees it."""
    if isinstance(values, dict):
        for name, value in values.items():
            _check_values(value, key or str(name))
    elif isinstance(values, (list, tuple)):
        for value in values:
            _check_values(value, key)
    elif isinstance(values, str) and ("\x00" in values or not values.isascii()):
        try:
            values.encode("utf-8")
            bad = "\x00" in values
        except UnicodeEncodeError:
            bad = True
        if bad:
            raise SddkitError(f"the {key} is not valid text (a NUL, or bytes that are not "
                              "UTF-8); nothing was written")


def render_timeout() -> float:
    """Seconds a local template may take: ``SDDKIT_TEMPLATE_TIMEOUT`` or the default."""
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise SddkitError(f"{TIMEOUT_ENV} must be a number of seconds (more than 0), "
                          f"found {value!r:.40}")
    return seconds


_BOOT = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1]); "
         "from sddkit.io.render_child import main; main()")


def _render_local(template: str, local_dir: Path, root: Path, values: dict[str, Any]) -> str:
    from sddkit.io.fileio import inside_root

    path = local_dir / template
    inside_root(root, path)  # before starting anything: a link leaving the root is refused
    timeout = render_timeout()
    request = json.dumps({"template": template, "folder": str(local_dir), "root": str(root),
                          "values": values, "max_output": MAX_OUTPUT_CHARS,
                          "max_template": MAX_TEMPLATE_BYTES, "memory": MEMORY_LIMIT,
                          "cpu": math.ceil(timeout) + 1})
    paths = [p for p in sys.path if p]
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _BOOT, json.dumps(paths)],
                              input=request.encode("utf-8"), capture_output=True,
                              timeout=timeout, env={}, cwd=root, check=False)
    except subprocess.TimeoutExpired:
        raise SddkitError(f"template took longer than {timeout:g}s to render (stopped; "
                          f"{TIMEOUT_ENV} sets the limit)", path) from None
    try:
        answer = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        why = ("ran out of memory or CPU time" if done.returncode else "gave no answer")
        raise SddkitError(f"template failed: rendering it {why}", path)
    if "text" in answer:
        return str(answer["text"])
    where = Path(answer["path"]) if answer.get("path") else path
    raise SddkitError(str(answer.get("error")), where, answer.get("line"))
