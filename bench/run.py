"""Whole-process timings of sddkit's hot commands, and of its peers on equal work.

    python bench/run.py [--sizes 10,100,1000,10000] [--runs 7] [--out FILE] [--json FILE]

For each N the workload is generated once with ``bench/generate.py`` and cached under
``bench/work/`` (gitignored; regenerated when the generator changes). Each command runs
once as a warm-up, then ``--runs`` times, round-robin with the others and with
``python -c pass`` so that all of them see the same machine state. Each run is one whole
process: wall time from ``Popen`` to ``os.wait4``, peak RSS from the child's ``ru_maxrss``.
Output goes to a file, as an agent reading a pipe would get it; its size is reported.

Peers, when installed (``bench/work/node_modules/.bin`` or ``PATH``): ``openspec list`` and
``openspec validate --all`` on N OpenSpec changes, ``task-master next`` on a tasks.json of N
tasks, both generated to mirror the sddkit workload. The benchmarks never use the network:
every peer runs with its telemetry and update checks switched off by environment and
config, and ``HOME`` pointing into ``bench/work/home``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
GENERATE = HERE / "generate.py"

SDD_COMMANDS: list[tuple[str, list[str]]] = [
    ("sdd next", ["next"]),
    ("sdd open sdd", ["open", "sdd"]),
    ("sdd status --json", ["status", "--json"]),
    ("sdd inventory", ["inventory"]),
    ("sdd check", ["check"]),
]
BASELINE = "python -c pass"
#: The order the cold and write cases are reported in (see bench/cases.py).
COLD_AND_WRITES = [
    "sdd next first (clone)", "sdd next second (clone)",
    "sdd next first (clone, empty user cache)", "sdd next second (clone, empty user cache)",
    "sdd check first (clone)", "sdd check first (clone, empty user cache)",
    "sdd done", "sdd approve", "sdd new", "sdd done (50k tasks)",
    "sdd done (50k tasks, the next one)",
]
#: The targets of issue 8, seconds (median, whole process), by (command, N).
TARGETS: dict[tuple[str, int], float] = {
    ("sdd next", 100): 0.08,
    ("sdd next", 1000): 0.15,
    ("sdd status --json", 1000): 0.4,
    ("sdd inventory", 1000): 0.4,
    ("sdd check", 1000): 1.0,
}
NEXT_PEAK_MIB = 40.0
OPEN_MAX_BYTES = 8 * 1024
GROWTH_MAX = 12.0
#: Peer pairs: (sdd command, peer command, the factor sdd must be faster by, or None).
PAIRS = [
    ("sdd next", "openspec list", 5.0),
    ("sdd check", "openspec validate --all", None),
    ("sdd next", "task-master next", 40.0),
]
QUIET_ENV = {
    "DO_NOT_TRACK": "1",
    "OPENSPEC_TELEMETRY": "0",
    "OPENSPEC_NO_UPDATE_CHECK": "1",
    "OPENSPEC_NO_ANIMATION": "1",
    "TASKMASTER_SKIP_AUTO_UPDATE": "1",
    "NO_COLOR": "1",
    "FORCE_COLOR": "0",
}


@dataclass
class Sample:
    seconds: float
    maxrss_kib: int
    returncode: int
    cpu_seconds: float = 0.0  # user + system time of the child


@dataclass
class Result:
    command: str
    n: int
    samples: list[Sample] = field(default_factory=list)
    output_bytes: int = 0
    failure: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu_seconds for s in self.samples)

    @property
    def minimum(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def peak_mib(self) -> float:
        return max(s.maxrss_kib for s in self.samples) / 1024


@dataclass
class Command:
    name: str
    argv: list[str]
    cwd: Path


# --- running ---------------------------------------------------------------------------------


#: The measuring process: started once with ``python -I -S`` (a few MiB), it forks and execs
#: each command and reads the child's rusage with ``os.wait4``. On Linux ``ru_maxrss``
#: carries the parent's resident set through fork/vfork + exec, so measuring from this
#: harness directly would report at least the harness's own peak (about 20 MiB) for
#: every command; from the small runner the floor is its few MiB (reported as ``/bin/true``).
RUNNER = r"""
import json, os, sys, time
for line in sys.stdin:
    req = json.loads(line)
    out = os.open(req["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err = os.open(req["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    nul = os.open(os.devnull, os.O_RDONLY)
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(req["cwd"])
            os.dup2(nul, 0)
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.execve(req["argv"][0], req["argv"], req["env"])
        finally:
            os._exit(127)
    _pid, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    for fd in (out, err, nul):
        os.close(fd)
    reply = {"seconds": elapsed, "maxrss_kib": usage.ru_maxrss,
             "returncode": os.waitstatus_to_exitcode(status),
             "cpu_seconds": usage.ru_utime + usage.ru_stime}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
"""


class Runner:
    """A small long-lived process that runs each command: see :data:`RUNNER`."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", RUNNER],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, cmd: Command, env: dict[str, str], out: Path, err: Path) -> Sample:
        argv = list(cmd.argv)
        if os.sep not in argv[0]:
            argv[0] = shutil.which(argv[0]) or argv[0]
        request = {"argv": argv, "cwd": str(cmd.cwd), "env": env, "out": str(out),
                   "err": str(err)}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError("the measuring process died")
        data = json.loads(reply)
        return Sample(data["seconds"], data["maxrss_kib"], data["returncode"],
                      data["cpu_seconds"])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bench(commands: list[Command], n: int, runs: int, env: dict[str, str],
          log: bool = True) -> list[Result]:
    """A warm-up of each command, then ``runs`` rounds of all of them in turn."""
    results = {c.name: Result(c.name, n) for c in commands}
    with tempfile.TemporaryDirectory(prefix="sddkit-bench-") as tmp, Runner() as runner:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        for cmd in commands:
            warm = runner.run(cmd, env, out, err)
            results[cmd.name].output_bytes = out.stat().st_size
            if warm.returncode != 0:
                tail = (err.read_text(errors="replace").strip() or
                        out.read_text(errors="replace").strip())[-400:]
                results[cmd.name].failure = f"exit {warm.returncode}: {tail}"
            if log:
                print(f"  warm-up N={n} {cmd.name}: {warm.seconds:.3f} s", file=sys.stderr)
        for _ in range(runs):
            for cmd in commands:
                results[cmd.name].samples.append(runner.run(cmd, env, out, err))
    return list(results.values())


def bench_cold(n: int, sdd: Path, env: dict[str, str], runs: int) -> list[Result]:
    """The first and second ``sdd next``, and a first ``sdd check``, in a fresh ``git clone``.

    Each run clones the workload anew (untimed). ``(clone)``: the user cache folder as
    earlier runs on this machine left it; ``(clone, empty user cache)``: a new, empty one.
    """
    import cases

    source = ensure_workload("sddkit", n)
    names = [f"sdd next{s} ({c})" for c in ("clone", "clone, empty user cache")
             for s in (" first", " second")]
    names += [f"sdd check first ({c})" for c in ("clone", "clone, empty user cache")]
    results = {name: Result(name, n) for name in names}
    target = WORK / f"cold-{n}"
    with tempfile.TemporaryDirectory(prefix="sddkit-bench-") as tmp, Runner() as runner:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        for round_ in range(runs + 1):  # the first round is the warm-up of the user cache
            for flavour in ("clone", "clone, empty user cache"):
                run_env = dict(env)
                if flavour != "clone":
                    fresh = Path(tmp) / f"xdg-{round_}"
                    run_env["XDG_CACHE_HOME"] = str(fresh)
                for command, steps in (("next", (" first", " second")), ("check", (" first",))):
                    cases.clone(source, target)
                    for step in steps:
                        name = f"sdd {command}{step} ({flavour})"
                        sample = runner.run(Command(name, [str(sdd), command], target), run_env,
                                            out, err)
                        result = results[name]
                        if sample.returncode != 0 and result.failure is None:
                            tail = err.read_text(errors="replace").strip()[-400:]
                            result.failure = f"exit {sample.returncode}: {tail}"
                        if round_:
                            result.samples.append(sample)
                            result.output_bytes = out.stat().st_size
                print(f"  cold N={n} round {round_} {flavour}", file=sys.stderr)
    shutil.rmtree(target, ignore_errors=True)
    return list(results.values())


def bench_writes(n: int, sdd: Path, env: dict[str, str], runs: int) -> list[Result]:
    """``sdd done``, ``approve``, ``new`` and a ``done`` in a 50,000-task list, each run on
    the committed state (the previous run's change undone with git, untimed)."""
    import cases

    source = ensure_workload("sddkit", n)
    target = cases.writes_workload(source, WORK / f"writes-{n}", sdd, env)
    cases.settle(target, sdd, env)
    chosen = cases.write_cases(n)
    results = {c.name: Result(c.name, n) for c in chosen}
    with tempfile.TemporaryDirectory(prefix="sddkit-bench-") as tmp, Runner() as runner:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        for case in chosen:  # one case at a time: a case's change must not bill the next
            for round_ in range(runs + 1):
                if case.fresh or not round_:
                    cases.restore(target, case)
                sample = runner.run(Command(case.name, [str(sdd), *case.argv(round_)], target),
                                    env, out, err)
                result = results[case.name]
                if sample.returncode != 0 and result.failure is None:
                    tail = (err.read_text(errors="replace").strip() or
                            out.read_text(errors="replace").strip())[-400:]
                    result.failure = f"exit {sample.returncode}: {tail}"
                if round_:
                    result.samples.append(sample)
                    result.output_bytes = out.stat().st_size
            cases.restore(target, case)
            cases.settle(target, sdd, env)
    shutil.rmtree(target, ignore_errors=True)
    return list(results.values())


def rss_floor(env: dict[str, str]) -> float:
    """The smallest peak RSS this harness can report (MiB): that of ``/bin/true``."""
    true = shutil.which("true") or "/bin/true"
    with tempfile.TemporaryDirectory() as tmp, Runner() as runner:
        sample = runner.run(Command("true", [true], Path(tmp)), env, Path(tmp) / "o",
                            Path(tmp) / "e")
    return sample.maxrss_kib / 1024


# --- workloads -------------------------------------------------------------------------------


def _generator_stamp() -> str:
    return hashlib.sha256(GENERATE.read_bytes()).hexdigest()


def ensure_workload(kind: str, n: int) -> Path:
    """``bench/work/<kind>-<N>``, generated unless the cached one is from this generator."""
    target = WORK / f"{kind}-{n}"
    stamp = WORK / f"{kind}-{n}.stamp"
    wanted = _generator_stamp()
    if target.is_dir() and stamp.is_file() and stamp.read_text().strip() == wanted:
        return target
    print(f"  generating {kind} workload, N={n} ...", file=sys.stderr)
    stamp.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, str(GENERATE), str(n), str(target), "--force",
                    "--format", kind], check=True, stdout=subprocess.DEVNULL)
    print(f"  generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    stamp.write_text(wanted + "\n")
    return target


def snapshot(ref: str) -> tuple[Path, str]:
    """An ``sdd`` script running sddkit as committed at ``ref``, and the commit's short sha.

    ``git archive`` writes the commit's ``sddkit/`` and ``templates/`` to
    ``bench/work/src-<sha>/``, beside a copy of the console script: the script's folder
    comes first on ``sys.path``, so it imports that sddkit, not the working tree's. The
    dependencies are this interpreter's. Figures then belong to one commit even while
    others edit the checkout.
    """
    found = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=HERE,
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise SystemExit(f"run: --ref {ref}: not a commit")
    sha = found.stdout.strip()
    target = WORK / f"src-{sha[:12]}"
    script = target / "sdd"
    if not script.exists():
        partial = WORK / f"src-{sha[:12]}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "--format=tar", sha, "sddkit", "templates"],
                                 cwd=HERE.parent, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive.stdout, check=True)
        (partial / "sdd").write_text(f"#!{sys.executable}\nimport sys\n"
                                     "import os.path\n"
                                     "if os.path.exists(os.path.join(os.path.dirname(__file__), "
                                     "'sddkit', 'cli', 'entry.py')):\n"
                                     "    from sddkit.cli.entry import main\n"
                                     "else:  # a commit before issue 12's layout\n"
                                     "    from sddkit.entry import main\n"
                                     "if __name__ == '__main__':\n    sys.exit(main())\n")
        (partial / "sdd").chmod(0o755)
        partial.rename(target)
    return script, sha[:12]


def find_sdd(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    beside = Path(sys.executable).parent / "sdd"
    if beside.exists():
        return beside
    found = shutil.which("sdd")
    if found is None:
        raise SystemExit("run: no `sdd` next to this Python or on PATH; pass --sdd")
    return Path(found)


def find_peer(name: str) -> Path | None:
    local = WORK / "node_modules" / ".bin" / name
    if local.exists():
        return local
    found = shutil.which(name)
    return Path(found) if found else None


def has_command(sdd: Path, name: str, cwd: Path, env: dict[str, str]) -> bool:
    probe = subprocess.run([str(sdd), name, "--help"], cwd=cwd, env=env,
                           capture_output=True, text=True)
    return probe.returncode == 0


def peer_version(name: str) -> str | None:
    package = {"openspec": "@fission-ai/openspec", "task-master": "task-master-ai"}[name]
    manifest = WORK / "node_modules" / package / "package.json"
    if manifest.is_file():
        return str(json.loads(manifest.read_text()).get("version"))
    return None


# --- reporting -------------------------------------------------------------------------------


def checkout() -> str:
    """The sddkit checkout being measured: ``git describe --always --dirty``."""
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=HERE,
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    python = subprocess.run([sys.executable, "--version"], capture_output=True, text=True)
    info = {
        "date": time.strftime("%Y-%m-%d"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": (python.stdout or python.stderr).strip(),
        "platform": platform.platform(),
        "sddkit commit": checkout(),
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    node = shutil.which("node")
    if node:
        info["node"] = subprocess.run([node, "--version"], capture_output=True,
                                      text=True).stdout.strip()
    return info


def _fmt_ratio(value: float) -> str:
    return f"{value:.1f}x"


def table(results: list[Result], baselines: dict[int, float]) -> list[str]:
    lines = ["| command | N | median s | min s | cpu s | peak MiB | x python -c pass "
             "| output bytes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        if not r.samples:
            lines.append(f"| {r.command} | {r.n} | skipped: {r.failure or 'not available'} "
                         "|  |  |  |  |  |")
            continue
        flag = " (FAILED)" if r.failure else ""
        ratio = r.median / baselines[r.n] if baselines.get(r.n) else float("nan")
        lines.append(f"| {r.command}{flag} | {r.n} | {r.median:.3f} | {r.minimum:.3f} | "
                     f"{r.cpu:.3f} | {r.peak_mib:.1f} | {_fmt_ratio(ratio)} | "
                     f"{r.output_bytes} |")
    return lines


def _by(results: list[Result]) -> dict[tuple[str, int], Result]:
    return {(r.command, r.n): r for r in results if r.samples}


def peer_lines(results: list[Result]) -> list[str]:
    found = _by(results)
    lines = []
    for ours, theirs, wanted in PAIRS:
        for n in sorted({r.n for r in results}):
            a, b = found.get((ours, n)), found.get((theirs, n))
            if a is None or b is None:
                continue
            factor = b.median / a.median
            goal = f" (target >= {wanted:.0f}x: {'met' if factor >= wanted else 'MISSED'})" \
                if wanted else ""
            lines.append(f"- N={n}: `{theirs}` {b.median:.3f} s / `{ours}` {a.median:.3f} s = "
                         f"{factor:.1f}x{goal}; peak {b.peak_mib:.0f} vs {a.peak_mib:.0f} MiB")
    return lines


def target_lines(results: list[Result]) -> list[str]:
    found = _by(results)
    lines = []
    for (command, n), limit in TARGETS.items():
        r = found.get((command, n))
        if r is None:
            lines.append(f"- `{command}` <= {limit} s at N={n}: not measured")
            continue
        verdict = "met" if r.median <= limit else "MISSED"
        lines.append(f"- `{command}` <= {limit} s at N={n}: {r.median:.3f} s, {verdict}")
    for (command, n), r in sorted(found.items()):
        if command == "sdd next":
            verdict = "met" if r.peak_mib <= NEXT_PEAK_MIB else "MISSED"
            lines.append(f"- `sdd next` peak <= {NEXT_PEAK_MIB:.0f} MiB at N={n}: "
                         f"{r.peak_mib:.1f} MiB, {verdict}")
    for (command, n), r in sorted(found.items()):
        if command == "sdd open sdd":
            verdict = "met" if r.output_bytes <= OPEN_MAX_BYTES else "MISSED"
            lines.append(f"- `sdd open sdd` prints <= 8 KB at N={n}: {r.output_bytes} bytes, "
                         f"{verdict}")
    for (command, n), r in sorted(found.items()):
        small = found.get((command, n // 10))
        if n >= 10000 and small is not None and command.startswith("sdd "):
            growth = r.median / small.median
            verdict = "met" if growth <= GROWTH_MAX else "MISSED"
            lines.append(f"- `{command}` N={n} / N={n // 10}: {growth:.1f}x "
                         f"(<= {GROWTH_MAX:.0f}x), {verdict}")
    return lines


def report(results: list[Result], baselines: dict[int, float], info: dict[str, str],
           runs: int, notes: list[str]) -> str:
    out = [f"Date {info['date']}; {info['cpu']}, nproc {info['nproc']}; {info['python']}; "
           f"{info['platform']}; sddkit {info['sddkit commit']}"
           + (f"; node {info['node']}" if "node" in info else ""),
           f"Median and min of {runs} runs after a warm-up; peak = max ru_maxrss over the runs "
           f"(measurement floor {info['rss floor']} MiB, /bin/true); cpu = median user + system "
           "time of the child, which other load on the machine disturbs less than wall time; "
           f"load average at the start {info['load at start']}, at the end {info['load average']}.",
           ""]
    out += table(results, baselines)
    failures = [f"- {r.command} N={r.n}: {r.failure}" for r in results
                if r.failure and r.samples]
    if failures:
        out += ["", "Failures (the warm-up's exit code and the end of its output):", "",
                *failures]
    peers = peer_lines(results)
    if peers:
        out += ["", "Side by side (same run, equal workloads):", "", *peers]
    out += ["", "Targets (issue 8):", "", *target_lines(results)]
    extra = sorted(set(info.get("extra env", "").split()) - {""})
    if extra:
        out += ["", "Extra environment: " + " ".join(extra)]
    if notes:
        out += ["", *notes]
    return "\n".join(out) + "\n"


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,10000",
                        help="comma-separated N (default 10,100,1000,10000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (>= 7)")
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) here")
    parser.add_argument("--json", type=Path, help="also write every sample (JSON) here")
    parser.add_argument("--sdd", help="the sdd executable (default: beside this Python)")
    parser.add_argument("--ref", help="measure sddkit as committed at this git ref (a "
                        "snapshot under bench/work/), not the working tree")
    parser.add_argument("--no-peers", action="store_true", help="skip openspec and task-master")
    parser.add_argument("--peer-max-n", type=int, default=None,
                        help="run the peers only up to this N")
    parser.add_argument("--cases", default="hot,cold,writes",
                        help="which cases: hot (the read commands, warm), cold (first runs "
                        "after git clone), writes (done, approve, new, a 50,000-task done)")
    parser.add_argument("--cold-runs", type=int, default=3,
                        help="timed runs of the cold and write cases (each needs a fresh "
                        "clone or a restore; default 3)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for every command, e.g. SDDKIT_NO_CACHE=1")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(args.cases) - {"hot", "cold", "writes"}
    if unknown:
        parser.error(f"--cases: unknown {', '.join(sorted(unknown))} (hot, cold, writes)")
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    if args.ref and args.sdd:
        parser.error("--ref and --sdd exclude each other")
    for pair in args.env:
        key, sep, _value = pair.partition("=")
        if not sep or not key:
            parser.error(f"--env wants KEY=VALUE, got {pair!r}")
    return args


def environment(extra: list[str]) -> dict[str, str]:
    """What every timed command runs with: quiet peers, a private HOME, ``--env``."""
    home = WORK / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **QUIET_ENV, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for pair in extra:
        key, _sep, value = pair.partition("=")
        env[key] = value
    return env


def commands_for(n: int, sdd: Path, peers: dict[str, Path], env: dict[str, str],
                 skipped: list[Result]) -> list[Command]:
    """The baseline, the sdd commands this sddkit has, and the installed peers, at N."""
    repo = ensure_workload("sddkit", n)
    # the cached tree may come from an older sddkit: bring its inventory up to date
    refreshed = subprocess.run([str(sdd), "inventory"], cwd=repo, env=env,
                               capture_output=True, text=True)
    if refreshed.returncode != 0:
        print(f"  ! sdd inventory failed: {refreshed.stderr.strip()[-400:]}", file=sys.stderr)
    commands = [Command(BASELINE, [sys.executable, "-c", "pass"], repo)]
    for name, sdd_args in SDD_COMMANDS:
        if has_command(sdd, sdd_args[0], repo, env):
            commands.append(Command(name, [str(sdd), *sdd_args], repo))
        else:
            skipped.append(Result(name, n, failure="not available in this sddkit"))
    if "openspec" in peers:
        tree = ensure_workload("openspec", n)
        openspec = str(peers["openspec"])
        commands.append(Command("openspec list", [openspec, "list"], tree))
        commands.append(Command("openspec validate --all",
                                [openspec, "validate", "--all", "--no-interactive"], tree))
    if "task-master" in peers:
        tree = ensure_workload("taskmaster", n)
        commands.append(Command("task-master next", [str(peers["task-master"]), "next"], tree))
    return commands


def write_json(path: Path, info: dict[str, str], runs: int, results: list[Result]) -> None:
    path.write_text(json.dumps({
        "machine": info,
        "runs": runs,
        "results": [{"command": r.command, "n": r.n, "failure": r.failure,
                     "output_bytes": r.output_bytes,
                     "samples": [s.__dict__ for s in r.samples]} for r in results],
    }, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = environment(args.env)
    measured = None
    if args.ref:
        sdd, measured = snapshot(args.ref)
    else:
        sdd = find_sdd(args.sdd)
    peers = {} if args.no_peers else {
        name: path for name in ("openspec", "task-master") if (path := find_peer(name))
    }
    notes = []
    if not args.no_peers:
        for name in ("openspec", "task-master"):
            version = peer_version(name) if name in peers else None
            notes.append(f"Peer {name}: {peers[name]}" + (f" ({version})" if version else "")
                         if name in peers else f"Peer {name}: not installed (see bench/README.md)")
    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    commit_at_start = checkout()
    all_results: list[Result] = []
    baselines: dict[int, float] = {}
    for n in args.sizes:
        print(f"N={n}", file=sys.stderr)
        with_peers = args.peer_max_n is None or n <= args.peer_max_n
        commands = commands_for(n, sdd, peers if with_peers else {}, env, all_results)
        if "hot" not in args.cases:
            commands = [c for c in commands if c.name == BASELINE]
        results = bench(commands, n, args.runs, env)
        baselines[n] = next(r.median for r in results if r.command == BASELINE)
        all_results += results
        if "cold" in args.cases:
            all_results += bench_cold(n, sdd, env, args.cold_runs)
        if "writes" in args.cases:
            all_results += bench_writes(n, sdd, env, args.cold_runs)
        shown = [r for r in all_results if r.n == n]
        print("\n".join(table(shown, baselines)), file=sys.stderr)
        for r in shown:
            if r.failure and r.samples:
                print(f"  ! {r.command} N={n}: {r.failure}", file=sys.stderr)
    order = {name: i for i, name in enumerate(
        [BASELINE, *(c for c, _ in SDD_COMMANDS), *COLD_AND_WRITES, "openspec list", "openspec validate --all",
         "task-master next"])}
    all_results.sort(key=lambda r: (order.get(r.command, 99), r.n))
    info = machine()
    info["load at start"] = load_at_start
    if measured:
        info["sddkit commit"] = f"{measured} (--ref {args.ref})"
    elif commit_at_start != info["sddkit commit"]:
        info["sddkit commit"] = f"{commit_at_start} at the start, {info['sddkit commit']} at the end"
    info["rss floor"] = f"{rss_floor(env):.1f}"
    info["extra env"] = " ".join(args.env)
    text = report(all_results, baselines, info, args.runs, notes)
    print(text)
    if args.out:
        args.out.write_text(text)
    if args.json:
        write_json(args.json, info, args.runs, all_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
