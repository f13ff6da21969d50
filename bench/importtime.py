"""What ``sdd`` imports, and what that costs: ``python bench/importtime.py``.

Runs ``python -X importtime`` on the CLI entry point (as the ``sdd`` script does) for
``sdd --help`` and, in a small generated repository (N=10, cached under ``bench/work/``),
``sdd open``, ``sdd next`` and ``sdd status --json``, and the writes ``sdd done`` (the next
task of an implementing project) and ``sdd approve`` (a document awaiting approval) in a
throw-away clone of that repository, put back with git before every run. For each it
prints the import time of everything the command imports beyond interpreter start-up (the
modules ``python -c pass`` imports are subtracted), the top-level imports by cumulative
time, whether the heavy optional libraries were imported at all, and how many dataclasses
the command created (on Python 3.11 each costs about 0.3-1 ms: the generated methods are
compiled with ``exec``; counted in one more run that wraps ``dataclasses._process_class``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
#: Libraries a read-only path should not import (issue 8), and the ones worth knowing about.
WATCHED = ("git", "jinja2", "mcp", "filelock", "markdown_it", "yaml", "yaml._yaml", "click",
           "frontmatter", "sddkit.io.git", "sddkit.io.rendering")
FORBIDDEN_ON_READ = ("git", "jinja2", "mcp", "filelock")
COMMANDS: dict[str, list[str]] = {
    "sdd --help": ["--help"],
    "sdd open": ["open"],
    "sdd open sdd": ["open", "sdd"],
    "sdd next": ["next"],
    "sdd status --json": ["status", "--json"],
    "sdd done": ["done", "{task}", "--project", "{implementing}"],
    "sdd approve": ["approve", "{awaiting}", "--by", "Bench Person"],
}
#: The commands that write: run in a clone, restored before each run; imports not judged.
WRITES = ("sdd done", "sdd approve")
DEFAULT_COMMANDS = "sdd --help,sdd open,sdd next,sdd status --json,sdd done,sdd approve"
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)\s*$")


@dataclass
class Import:
    module: str
    self_us: int
    cumulative_us: int
    depth: int


ENV = dict(os.environ)
#: Bytecode is cached as on a user's machine: with PYTHONDONTWRITEBYTECODE set (some CI and
#: agent shells set it) every run would compile sddkit from source and the figures would
#: measure the compiler.
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def as_a_person() -> None:
    """Drop the coding agents' shell markers from the commands' environment: ``sdd approve``
    is a person's act, refused in an agent's shell."""
    from sddkit.agents.shell_detection import variable_names

    for name in variable_names():
        ENV.pop(name, None)


def importtime(code: str, cwd: Path, before: Writes | None = None) -> list[Import]:
    if before is not None:
        before.restore()
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=cwd,
                          capture_output=True, text=True, env=ENV)
    found = []
    for line in done.stderr.splitlines():
        match = _LINE.match(line)
        if match:
            found.append(Import(match.group(4), int(match.group(1)), int(match.group(2)),
                                len(match.group(3)) // 2))
    if not found:
        raise SystemExit(f"importtime: no -X importtime output:\n{done.stderr[-2000:]}")
    return found


def entry_code(args: list[str], exit_code: bool = False) -> str:
    """What the ``sdd`` console script runs, with ``args`` as its command line (with
    ``exit_code``, the process exits with the command's code)."""
    end = "    raise\n" if exit_code else "    pass\n"
    return (f"import sys; sys.argv = ['sdd', *{args!r}]\n"
            "from sddkit.cli.entry import main\n"
            f"try:\n    main()\nexcept SystemExit:\n{end}")


_COUNTER = ("import dataclasses as _dc, sys as _sys\n"
            "_made = []\n_process = _dc._process_class\n"
            "def _counting(cls, *args, **kwargs):\n"
            "    _made.append(cls.__module__ + '.' + cls.__qualname__)\n"
            "    return _process(cls, *args, **kwargs)\n"
            "_dc._process_class = _counting\n"
            "import atexit as _atexit\n"
            "_atexit.register(lambda: _sys.stderr.write('\\nDATACLASSES ' + ' '.join(_made) + '\\n'))\n")


def dataclasses_made(args: list[str], cwd: Path, before: Writes | None = None
                     ) -> tuple[list[str], int]:
    """The dataclasses the command creates (module.Class, in order), and its exit code."""
    if before is not None:
        before.restore()
    done = subprocess.run([sys.executable, "-c", _COUNTER + entry_code(args, exit_code=True)],
                          cwd=cwd, capture_output=True, text=True, env=ENV)
    marker = done.stderr.rfind("DATACLASSES")
    if marker == -1:
        raise SystemExit(f"importtime: the dataclass count was not reported:\n"
                         f"{done.stderr[-2000:]}")
    return done.stderr[marker:].split()[1:], done.returncode


class Writes:
    """A throw-away clone of the benchmark repository for the write commands: the names
    they act on (read from ``sdd status --json`` once), and a git restore before each run."""

    def __init__(self, source: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sddkit-importtime-"))
        self.root = self.folder / "repo"
        subprocess.run(["git", "clone", "-q", str(source), str(self.root)], check=True,
                       capture_output=True)
        for key, value in (("user.name", "Bench Person"), ("user.email", "bench@example.com")):
            subprocess.run(["git", "config", key, value], cwd=self.root, check=True)
        status = subprocess.run([sys.executable, "-c", entry_code(["status", "--json"])],
                                cwd=self.root, capture_output=True, text=True, env=ENV)
        import json

        rows = json.loads(status.stdout)["projects"]
        doing = next((r for r in rows if r["state"] == "implementing"
                      and re.match(r"T\d+ ", r["next"] or "")), None)
        review = next((r for r in rows if r["state"] == "awaiting-approval"), None)
        if doing is None or review is None:
            raise SystemExit(f"importtime: {source} has no implementing project with a next "
                             "task, or none awaiting approval (generate.py's mix has both)")
        self.names = {"implementing": doing["project"], "task": doing["next"].split()[0],
                      "awaiting": review["project"]}

    def argv(self, args: list[str]) -> list[str]:
        return [arg.format(**self.names) for arg in args]

    def restore(self) -> None:
        for git in (["checkout", "-q", "HEAD", "--", "AGENTS.ctx"],
                    ["clean", "-fdq", "--", "AGENTS.ctx"]):
            subprocess.run(["git", *git], cwd=self.root, check=True, capture_output=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def own(imports: list[Import], startup: set[str]) -> list[Import]:
    """The top-level imports the command adds beyond interpreter start-up."""
    return [i for i in imports if i.depth == 0 and i.module not in startup]


def small_repo() -> Path:
    repo = WORK / "sddkit-10"
    if not (repo / "AGENTS.ctx").is_dir():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "10", str(repo), "--force"],
                       check=True, stdout=subprocess.DEVNULL)
    return repo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", default=DEFAULT_COMMANDS,
                        help=f"comma-separated, from: {', '.join(COMMANDS)}")
    parser.add_argument("--runs", type=int, default=5, help="runs per command (median shown)")
    parser.add_argument("--top", type=int, default=15, help="top-level imports to list")
    parser.add_argument("--repo", type=Path, help="repository for the commands (default N=10)")
    parser.add_argument("--ref", help="measure sddkit as committed at this git ref")
    args = parser.parse_args(argv)
    repo = args.repo or small_repo()
    if args.ref:
        from run import snapshot  # bench/run.py, beside this file

        script, sha = snapshot(args.ref)
        ENV["PYTHONPATH"] = str(script.parent)  # ahead of the editable install
        print(f"sddkit as committed at {sha}\n")
    startup = {i.module for i in importtime("pass", repo)}
    failed = False
    names = [c.strip() for c in args.commands.split(",") if c.strip()]
    for name in names:
        if name not in COMMANDS:
            parser.error(f"unknown command {name!r}")
    writes = None
    if any(name in WRITES for name in names):
        as_a_person()
        writes = Writes(repo)
    try:
        for name in names:
            failed = report(name, args, repo, startup, writes) or failed
    finally:
        if writes is not None:
            writes.close()
    median_startup = statistics.median(
        sum(i.cumulative_us for i in importtime("pass", repo) if i.depth == 0)
        for _ in range(3))
    print(f"Interpreter start-up imports (python -c pass): {median_startup / 1000:.1f} ms")
    return 1 if failed else 0


def report(name: str, args: argparse.Namespace, repo: Path, startup: set[str],
           writes: Writes | None) -> bool:
    """Print one command's figures; True when a read path imported a forbidden library."""
    before = writes if name in WRITES else None
    cwd, argv = (before.root, before.argv(COMMANDS[name])) if before else (repo, COMMANDS[name])
    runs = []
    for _ in range(max(1, args.runs)):
        imports = importtime(entry_code(argv), cwd, before)
        total = sum(i.cumulative_us for i in own(imports, startup))
        runs.append((total, imports))
    runs.sort(key=lambda run: run[0])
    total, imports = runs[len(runs) // 2]
    top = sorted(own(imports, startup), key=lambda i: -i.cumulative_us)
    modules = {i.module for i in imports}
    print(f"## {name}: imports beyond start-up take {total / 1000:.1f} ms "
          f"(median of {len(runs)}; range {runs[0][0] / 1000:.1f}-{runs[-1][0] / 1000:.1f} ms"
          f"; {len(modules - startup)} modules)")
    if before is not None:
        print(f"\n`sdd {' '.join(argv)}`, in a clone restored before each run")
    print("\n| top-level import | self ms | cumulative ms |\n|---|---:|---:|")
    for i in top[: args.top]:
        print(f"| {i.module} | {i.self_us / 1000:.1f} | {i.cumulative_us / 1000:.1f} |")
    heavy = sorted((i for i in imports if i.module not in startup),
                   key=lambda i: -i.self_us)[: args.top // 2]
    print("\nHeaviest by self time, any depth: " + ", ".join(
        f"{i.module} {i.self_us / 1000:.1f}" for i in heavy) + " (ms)")
    seen = []
    for lib in WATCHED:
        hit = [i for i in imports if i.module == lib]
        seen.append(f"{lib}: " + (f"yes ({hit[0].cumulative_us / 1000:.1f} ms)" if hit
                                  else "no"))
    print("\nImported: " + "; ".join(seen))
    made, code = dataclasses_made(argv, cwd, before)
    own_made = [c for c in made if c.startswith("sddkit.")]
    print(f"\nDataclasses created: {len(made)} ({len(own_made)} of sddkit: "
          + ", ".join(c.removeprefix("sddkit.") for c in own_made) + ")")
    if code != 0:
        print(f"NOTE: the command exited {code}: the figures are of its error path")
    failed = False
    bad = [lib for lib in FORBIDDEN_ON_READ if lib in modules]
    if bad and before is None:
        where = "`sdd --help`" if name == "sdd --help" else "read-only path"
        print(f"NOTE: {where} imports {', '.join(bad)} (issue 8 says it should not)")
        failed = True
    print()
    return failed


if __name__ == "__main__":
    sys.exit(main())
