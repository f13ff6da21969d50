"""Where one ``sdd`` command spends its time: ``python bench/profile.py N next``.

Runs ``python -m cProfile -m sddkit ARGS`` in the cached benchmark repository of N
projects (``bench/work/sddkit-N``, generated when missing), after one warm-up run so that
any parse cache is warm (``--cold`` sets ``SDDKIT_NO_CACHE=1`` instead), and prints the
top entries by cumulative time. The entry point's own frames (runpy, click dispatch) are
left out unless ``--all`` is given, so the list starts where sddkit's work does.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
#: Frames that only dispatch: the interpreter, runpy, click, sddkit's entry point.
BOILERPLATE = ("<frozen runpy>", "{built-in method builtins.exec}", "<string>:1(<module>)",
               "click/core.py", "click/decorators.py", "sddkit/__main__.py", "sddkit/cli/group.py",
               "<frozen importlib._bootstrap_external>", "_find_and_load_unlocked",
               "_load_unlocked", "_call_with_frames_removed", "builtins.__import__")


def repository(n: int) -> Path:
    repo = WORK / f"sddkit-{n}"
    if not (repo / "AGENTS.ctx").is_dir():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(repo), "--force"],
                       check=True, stdout=subprocess.DEVNULL)
    return repo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="size of the benchmark repository")
    parser.add_argument("args", nargs="+", help="the sdd command line, e.g. next, status --json "
                        "(put -- before options that are also this script's)")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--cold", action="store_true", help="SDDKIT_NO_CACHE=1, no warm-up")
    parser.add_argument("--all", action="store_true", help="keep the dispatch frames")
    parser.add_argument("--ref", help="profile sddkit as committed at this git ref")
    args, rest = parser.parse_known_args(argv)
    args.args += rest  # e.g. the --json of "status --json"
    repo = repository(args.n)
    env = dict(os.environ)
    measured = "the working tree"
    shorten = {str(Path(sys.prefix)): "<venv>", str(HERE.parent) + "/": ""}
    if args.ref:
        from run import snapshot  # bench/run.py, beside this file

        script, sha = snapshot(args.ref)
        env["PYTHONPATH"] = str(script.parent)  # ahead of the editable install
        measured = f"commit {sha}"
        shorten = {str(script.parent) + "/": "", **shorten}
    command = [sys.executable, "-m", "sddkit", *args.args]
    if args.cold:
        env["SDDKIT_NO_CACHE"] = "1"
    else:
        subprocess.run(command, cwd=repo, env=env, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        stats_file = Path(tmp) / "stats"
        done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats_file), "-m",
                               "sddkit", *args.args], cwd=repo, env=env, capture_output=True)
        if done.returncode != 0:
            print(f"profile: exit {done.returncode}: {done.stderr.decode()[-800:]}",
                  file=sys.stderr)
        buffer = io.StringIO()
        stats = pstats.Stats(str(stats_file), stream=buffer)
        total = stats.total_tt  # type: ignore[attr-defined]
        stats.sort_stats(args.sort)
        stats.print_stats()
    lines = buffer.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    kept = [line for line in lines[start + 1 :] if line.strip()
            and (args.all or not any(b in line for b in BOILERPLATE))]
    mode = "cold (SDDKIT_NO_CACHE=1)" if args.cold else "warm"
    print(f"sdd {' '.join(args.args)} at N={args.n}, {mode}, {measured}: {total:.3f} s under "
          f"cProfile; top {args.top} by {args.sort}")
    print(lines[start])
    for line in kept[: args.top]:
        for long, short in shorten.items():
            line = line.replace(long, short)
        print(line)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
