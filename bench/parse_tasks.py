"""CPU time of reading task lists: ``python bench/parse_tasks.py [N]``.

Times :func:`sddkit.tasks.parse_tasks` (process CPU seconds, best of ``--repeat``) over the
``tasks.md`` files of the N-project workload (``bench/work/sddkit-N``, generated when
missing; default N = 1,000) and over one 50,000-task list (``cases.big_tasks_body``), and
says how many of the lists the line scanner read without markdown-it. Run it with
``PYTHONPATH`` pointing at another checkout to time that code (the scanner count is then
left out when that code has no scanner).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases  # noqa: E402  (bench/ is not a package)


def best_cpu(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=1000, help="workload size")
    parser.add_argument("--big", type=int, default=cases.BIG_TASKS, help="tasks in the big list")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is printed")
    args = parser.parse_args(argv)
    repo = HERE / "work" / f"sddkit-{args.n}"
    if not (repo / "AGENTS.ctx").is_dir():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(args.n), str(repo),
                        "--force"], check=True, stdout=subprocess.DEVNULL)
    import sddkit
    from sddkit.tasks import parse_tasks

    paths = sorted((repo / "AGENTS.ctx" / "sdd" / "assets").glob("*/tasks.md"))
    texts = [(p, p.read_text(encoding="utf-8")) for p in paths]
    big = "---\nphase: tasks\n---\n" + cases.big_tasks_body(args.big)
    start = time.process_time()
    parse_tasks(texts[0][1], texts[0][0])  # the first parse pays the imports
    first = time.process_time() - start
    workload = best_cpu(lambda: [parse_tasks(t, p) for p, t in texts], args.repeat)
    tasks = sum(len(parse_tasks(t, p).tasks) for p, t in texts)
    big_cpu = best_cpu(lambda: parse_tasks(big), args.repeat)
    print(f"sddkit from {Path(sddkit.__file__).parent}")
    print(f"first parse (imports included): {first * 1000:.1f} ms")
    print(f"{len(texts)} tasks.md of the N={args.n} workload ({tasks} tasks): {workload:.3f} s "
          f"cpu, {workload / len(texts) * 1000:.2f} ms per list")
    print(f"one {args.big}-task list: {big_cpu:.3f} s cpu")
    try:
        from sddkit.tasks.reader import Reader
        from sddkit.tasks.scan import scan_tasks
    except ImportError:
        return 0
    from sddkit.io import frontmatter

    fast = 0
    for path, text in [*texts, (None, big)]:
        source = frontmatter.body(text, path).replace("\r\n", "\n").replace("\r", " ")
        lines = source.split("\n")
        fast += scan_tasks(source, lines, Reader(lines, 0))
    print(f"read by the line scanner: {fast} of {len(texts) + 1} lists")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
