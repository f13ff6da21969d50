"""Templates: one jinja2 Environment factory. jinja2 is imported only when a template renders.

Shipped templates live in ``templates/`` (carried into the wheel as ``sddkit/templates``).
A repository's ``AGENTS.ctx/sdd/templates/<name>`` overrides the shipped one of the same
name and is rendered in a ``SandboxedEnvironment``: a cloned repository's template must
not be able to run code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import SddkitError


def shipped_dir() -> Path:
    """The folder of shipped templates, in a wheel or in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise SddkitError("the shipped templates are missing from this installation; reinstall sddkit")


def _environment(folder: Path, sandboxed: bool) -> Any:
    import jinja2
    import jinja2.sandbox

    from ._frontmatter import render_value

    cls = jinja2.sandbox.SandboxedEnvironment if sandboxed else jinja2.Environment
    env = cls(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["yaml"] = render_value
    return env


def render(template: str, local_dir: Path | None = None, **values: Any) -> str:
    """Render template ``name``; a repository-local override wins and is sandboxed."""
    import jinja2
    import jinja2.exceptions

    folder = shipped_dir()
    sandboxed = False
    if local_dir is not None and (local_dir / template).is_file():
        folder, sandboxed = local_dir, True
    path = folder / template
    try:
        loaded = _environment(folder, sandboxed).get_template(template)
        return str(loaded.render(**values))
    except jinja2.TemplateNotFound:
        raise SddkitError(f"template '{template}' not found", folder) from None
    except jinja2.TemplateSyntaxError as exc:
        raise SddkitError(f"template syntax error: {exc.message}", path, exc.lineno) from None
    except jinja2.exceptions.SecurityError as exc:
        raise SddkitError(f"template refused by the sandbox: {exc}", path) from None
    except jinja2.UndefinedError as exc:
        raise SddkitError(f"template uses an undefined value: {exc.message}", path) from None
    except jinja2.TemplateError as exc:
        raise SddkitError(f"template error: {exc}", path) from None
    except Exception as exc:  # a template's own runtime failure, e.g. {{ 1 / 0 }}
        raise SddkitError(f"template failed: {type(exc).__name__}: {exc}", path) from None
