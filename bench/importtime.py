"""What ``sdd`` imports, and what that costs: ``python bench/importtime.py``.

Runs ``python -X importtime`` on the CLI entry point (as the ``sdd`` script does) for
``sdd --help`` and, in a small generated repository (N=10, cached under ``bench/work/``),
``sdd open``, ``sdd next`` and ``sdd status --json``. For each it prints the import time of
everything the command imports beyond interpreter start-up (the modules ``python -c pass``
imports are subtracted), the top-level imports by cumulative time, and whether the heavy
optional libraries were imported at all.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
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
}
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)\s*$")


@dataclass
class Import:
    module: str
    self_us: int
    cumulative_us: int
    depth: int


ENV = dict(os.environ)


def importtime(code: str, cwd: Path) -> list[Import]:
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


def entry_code(args: list[str]) -> str:
    """What the ``sdd`` console script runs, with ``args`` as its command line."""
    return (f"import sys; sys.argv = ['sdd', *{args!r}]\n"
            "from sddkit.cli.entry import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n")


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
    parser.add_argument("--commands", default="sdd --help,sdd open,sdd next,sdd status --json",
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
    for name in [c.strip() for c in args.commands.split(",") if c.strip()]:
        if name not in COMMANDS:
            parser.error(f"unknown command {name!r}")
        runs = []
        for _ in range(max(1, args.runs)):
            imports = importtime(entry_code(COMMANDS[name]), repo)
            total = sum(i.cumulative_us for i in own(imports, startup))
            runs.append((total, imports))
        runs.sort(key=lambda run: run[0])
        total, imports = runs[len(runs) // 2]
        top = sorted(own(imports, startup), key=lambda i: -i.cumulative_us)
        modules = {i.module for i in imports}
        print(f"## {name}: imports beyond start-up take {total / 1000:.1f} ms "
              f"(median of {len(runs)}; range {runs[0][0] / 1000:.1f}-{runs[-1][0] / 1000:.1f} ms"
              f"; {len(modules - startup)} modules)")
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
        bad = [lib for lib in FORBIDDEN_ON_READ if lib in modules]
        if bad and name != "sdd --help":
            print(f"NOTE: read-only path imports {', '.join(bad)} (issue 8 says it should not)")
            failed = True
        elif bad:
            print(f"NOTE: `sdd --help` imports {', '.join(bad)}")
            failed = True
        print()
    median_startup = statistics.median(
        sum(i.cumulative_us for i in importtime("pass", repo) if i.depth == 0)
        for _ in range(3))
    print(f"Interpreter start-up imports (python -c pass): {median_startup / 1000:.1f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
