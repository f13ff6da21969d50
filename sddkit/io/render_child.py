"""The child process that renders a repository-local template (see :mod:`sddkit.io.rendering`).

Protocol: one JSON request on stdin (``template``, ``folder``, ``root``, ``values``,
``max_output``, ``max_template``, ``memory``, ``cpu``); one JSON answer on stdout,
``{"text": ...}`` or ``{"error": ..., "path": ..., "line": ...}``. The parent kills the
child at its time limit; the child limits its own address space and CPU time first.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any


def _limit(memory: int, cpu: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows; the parent's timeout remains
        return
    for kind, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu)):
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):  # pragma: no cover - a lower hard limit is already set
            pass


def _loader(folder: Path, root: Path, max_bytes: int) -> Any:
    """A loader that reads only regular files inside ``root`` (symlinks resolved), at most
    ``max_bytes`` each, with the rules of every read (UTF-8, no NUL)."""
    import jinja2
    from jinja2.loaders import split_template_path

    from sddkit.errors import SddkitError
    from sddkit.io.fileio import decode, inside_root

    class InsideRoot(jinja2.BaseLoader):
        def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
            path = folder.joinpath(*split_template_path(template))
            if not os.path.lexists(path):
                raise jinja2.TemplateNotFound(template)
            real = inside_root(root, path)
            st = os.stat(real)
            if not stat.S_ISREG(st.st_mode):
                raise SddkitError("a template must be a regular file", path)
            if st.st_size > max_bytes:
                raise SddkitError(f"template is larger than {max_bytes // 1024} KiB", path)
            with open(real, "rb") as fh:
                data = fh.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise SddkitError(f"template is larger than {max_bytes // 1024} KiB", path)
            return decode(data, path), str(path), lambda: True

    return InsideRoot()


def _template_line(exc: BaseException, folder: Path) -> tuple[str | None, int | None]:
    """The template file and line a runtime error happened on (jinja2 rewrites tracebacks
    so that template frames carry the template's file name and line)."""
    tb = exc.__traceback__
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith(str(folder)):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _render(request: dict[str, Any]) -> dict[str, Any]:
    from sddkit.errors import SddkitError
    from sddkit.io.rendering import environment, template_error

    folder, root = Path(request["folder"]), Path(request["root"])
    path = folder / request["template"]
    max_output = int(request["max_output"])
    try:
        env = environment(_loader(folder, root, int(request["max_template"])), sandboxed=True)
        template = env.get_template(request["template"])
        chunks: list[str] = []
        size = 0
        for chunk in template.generate(**request["values"]):
            size += len(chunk)
            if size > max_output:
                raise SddkitError(f"template renders more than {max_output // 1024} KiB; "
                                  "refused", path)
            chunks.append(chunk)
        return {"text": "".join(chunks)}
    except MemoryError:
        return {"error": "template failed: rendering it ran out of memory", "path": str(path)}
    except Exception as exc:
        error = template_error(exc, path)
        where, line = (str(error.path) if error.path else None), error.line
        if line is None and not isinstance(exc, SddkitError):
            at, at_line = _template_line(exc, folder)
            where, line = at or where, at_line
        return {"error": error.message, "path": where, "line": line}


def main() -> None:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    _limit(int(request["memory"]), int(request["cpu"]))
    answer = _render(request)
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=True).encode("ascii"))
    sys.stdout.buffer.flush()
