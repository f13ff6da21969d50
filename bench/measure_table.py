"""The issue 15 table from ``bench/measure_10k.sh`` results: one row per case, one column
per label (``before``, ``after``...), each cell the median cpu s / wall s / peak MiB of that
case's runs (the range when they differ by more than a tenth).

    python bench/measure_table.py RESULTS [LABEL...]

RESULTS holds ``LABEL CASE CPU_S WALL_S PEAK_KB`` lines (what measure_10k.sh appends);
LABELs choose and order the columns (default: every label, in order of appearance).
Prints a Markdown table on stdout.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

#: The cases in the order of the issue's table, with the words the table uses.
CASES = {
    "next-warm": "warm `sdd next`",
    "next-warm-refreshed": "warm `sdd next`, after a `git status` in the clone",
    "open-warm": "warm `sdd open` (the session-start briefing)",
    "brief-warm": "warm `sdd open --brief` (the agents' session-start hook)",
    "next-second": "second `sdd next` after `git clone`",
    "next-cold-emptycache": "first `sdd next` after `git clone`, empty user cache",
    "next-cold-usercache": "first `sdd next` after `git clone`, this machine's user cache",
    "done": "`sdd done` (one project of 10,000)",
    "approve": "`sdd approve`",
    "new": "`sdd new`",
    "check-first": "`sdd check`, first in the clone where `next` ran",
    "check-warm": "`sdd check`, warm",
    "check-cold": "`sdd check`, first in a clone (this machine's user cache)",
    "check-cold-emptycache": "`sdd check`, first in a clone, empty user cache",
    "done-50k": "`sdd done` in one 50,000-task list",
}


def _cell(runs: list[tuple[float, float, float]]) -> str:
    """``cpu / wall / MiB`` medians of ``runs`` (cpu s, wall s, peak KiB)."""
    if not runs:
        return "-"
    cpu = statistics.median(r[0] for r in runs)
    wall = [r[1] for r in runs]
    peak = statistics.median(r[2] for r in runs) / 1024
    wall_text = f"{statistics.median(wall):.2f}"
    if max(wall) - min(wall) > 0.1:
        wall_text = f"{min(wall):.2f}-{max(wall):.2f}"
    return f"{cpu:.2f} / {wall_text} / {peak:.0f}"


def table(lines: list[str], labels: list[str] | None = None) -> str:
    """The Markdown table of ``lines`` (see the module doc). Raises ValueError for a line
    that is not ``LABEL CASE CPU WALL PEAK``."""
    runs: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    seen: list[str] = []
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if len(parts) == 2 and parts[1] == "finished" or not parts:
            continue
        if len(parts) != 5:
            raise ValueError(f"line {number}: expected LABEL CASE CPU WALL PEAK: {line!r}")
        label, case = parts[0], parts[1]
        runs.setdefault((label, case), []).append(
            (float(parts[2]), float(parts[3]), float(parts[4])))
        if label not in seen:
            seen.append(label)
    columns = labels or seen
    out = ["| what (N = 10,000) | " + " | ".join(f"{c}: cpu s / wall s / MiB" for c in columns)
           + " |", "|---|" + "---:|" * len(columns)]
    cases = [c for c in CASES if any((label, c) in runs for label in columns)]
    cases += sorted({c for _l, c in runs} - set(CASES))
    for case in cases:
        cells = [_cell(runs.get((label, case), [])) for label in columns]
        out.append(f"| {CASES.get(case, case)} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        sys.stdout.write(table(Path(argv[0]).read_text().splitlines(), argv[1:] or None))
    except (OSError, ValueError) as exc:
        print(f"measure_table: {argv[0]}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
