"""Soak: concurrent writers of every kind, a person editing by hand, random SIGKILLs.

Not part of the test suite (it runs for a bounded time and prints figures). It builds a
throw-away git repository, then for ``--seconds`` runs at once:

- ``done`` writers, one per implementing project, checking its tasks off in order;
- an ``undo`` writer flipping the tasks of its own project back and forth (done, undo);
- ``new`` and ``ctx new`` creators (fresh names), a ``block``/``unblock`` toggler,
  a ``reopen``/``ready``/``approve`` cycler and an ``inventory`` regenerator;
- a hand-editing process: appends numbered lines to ``AGENTS.ctx/sdd/CONTEXT.md``
  (where every writer rewrites the inventory) and ticks boxes by hand in a project no
  command touches;
- a killer sending SIGKILL to a random running ``sdd`` every ``--kill-interval`` seconds.

Then it verifies: every acknowledged change (exit 0) is on disk, every line and tick the
person wrote is there, every file parses (``sdd status --json`` lists nothing broken,
``sdd check`` has no error), and the inventory equals a freshly generated one. It prints
the figures and exits 1 if anything was lost.

    .venv/bin/python bench/soak.py --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SDD = str(Path(sys.executable).parent / "sdd")
ASSETS = Path("AGENTS.ctx/sdd/assets")
TASKS = 40


def sdd(repo: Path, *args: str, procs: list[subprocess.Popen[str]] | None = None,
        lock: threading.Lock | None = None) -> int:
    """Run ``sdd`` (registered in ``procs`` so the killer can pick it); its exit code."""
    proc = subprocess.Popen([SDD, *args], cwd=repo, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    if procs is not None and lock is not None:
        with lock:
            procs.append(proc)
    _out, err = proc.communicate()
    if procs is not None and lock is not None:
        with lock:
            procs.remove(proc)
    if proc.returncode not in (0, -signal.SIGKILL) and "lock" not in err:
        sys.stderr.write(f"  note: sdd {' '.join(args)} -> {proc.returncode}: {err.strip()}\n")
    return proc.returncode


def fill(path: Path, tasks: str | None = None) -> None:
    text = path.read_text()
    if tasks is not None:
        text = text.partition("## Phase 1")[0] + tasks
    text = text.replace("- [ ] <!-- fill: a question", "- [x] Settled: <!-- fill: a question")
    path.write_text(re.sub(r"<!-- fill:.*?-->", "Filled in.", text, flags=re.DOTALL))


def walk(repo: Path, name: str) -> None:
    assert sdd(repo, "new", name) == 0
    tasks = "## Phase 1: work\n\n" + "".join(f"- [ ] T{n:03d} Step {n}\n"
                                             for n in range(1, TASKS + 1))
    for phase in ("constitution", "spec", "plan", "tasks"):
        fill(repo / ASSETS / name / f"{phase}.md", tasks if phase == "tasks" else None)
        assert sdd(repo, "ready", name) == 0, (name, phase)
        assert sdd(repo, "approve", name, "--by", "Soak") == 0, (name, phase)


class Soak:
    def __init__(self, repo: Path, seconds: float, kill_interval: float, writers: int) -> None:
        self.repo, self.seconds, self.kill_interval = repo, seconds, kill_interval
        self.writers = writers
        self.procs: list[subprocess.Popen[str]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acked_done: dict[str, set[int]] = {}
        self.acked_new: list[str] = []
        self.acked_ctx: list[str] = []
        self.hand_lines: list[str] = []
        self.hand_ticks: list[int] = []  # task numbers ticked by hand in work-1
        self.counts = {"commands": 0, "ok": 0, "killed": 0, "refused": 0}

    def run(self, *args: str) -> int:
        code = sdd(self.repo, *args, procs=self.procs, lock=self.lock)
        with self.lock:
            self.counts["commands"] += 1
            key = "ok" if code == 0 else "killed" if code == -signal.SIGKILL else "refused"
            self.counts[key] += 1
        return code

    def done_writer(self, name: str, numbers: list[int]) -> None:
        acked = self.acked_done.setdefault(name, set())
        todo = list(numbers)
        while not self.stop.is_set() and todo:
            if self.run("done", f"T{todo[0]:03d}", "--project", name) == 0:
                acked.add(todo.pop(0))

    def undo_writer(self, name: str) -> None:
        while not self.stop.is_set():
            self.run("done", "T001", "--project", name)
            self.run("undo", "T001", "--project", name)

    def creator(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            if self.run("new", f"soak-{n}") == 0:
                self.acked_new.append(f"soak-{n}")
            if self.run("ctx", "new", f"area-{n}", "--description", f"Area {n}") == 0:
                self.acked_ctx.append(f"area-{n}")

    def gates(self, name: str) -> None:
        while not self.stop.is_set():
            self.run("block", name, "--reason", "waiting")
            self.run("unblock", name)
            self.run("reopen", name, "tasks", "--reason", "soak")
            self.run("ready", name)
            self.run("approve", name, "--by", "Soak")
            self.run("inventory")

    def person(self) -> None:
        """Appends numbered lines to sdd/CONTEXT.md (which every writer rewrites) and ticks
        the first half of work-1's boxes in place, while its done writer ticks the second
        half (its done marks never move the lines the person writes in)."""
        context = self.repo / "AGENTS.ctx/sdd/CONTEXT.md"
        tasks = self.repo / ASSETS / "work-1" / "tasks.md"
        n = 0
        while not self.stop.is_set():
            n += 1
            line = f"hand line {n}\n"
            fd = os.open(context, os.O_WRONLY | os.O_APPEND)  # open, write, close: a shell's >>
            os.write(fd, line.encode())
            os.close(fd)
            self.hand_lines.append(line.strip())
            if n <= TASKS // 2:
                data = tasks.read_bytes()
                at = data.find(f"- [ ] T{n:03d} ".encode())
                if at != -1:
                    fd = os.open(tasks, os.O_WRONLY)  # one byte written in place
                    os.pwrite(fd, b"x", at + 3)
                    os.close(fd)
                    self.hand_ticks.append(n)
            time.sleep(random.uniform(0.01, 0.05))

    def killer(self) -> None:
        while not self.stop.wait(random.uniform(0.5, 1.5) * self.kill_interval):
            with self.lock:
                victims = [p for p in self.procs if p.poll() is None]
            if victims:
                try:
                    random.choice(victims).send_signal(signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def go(self, implementing: list[str]) -> float:
        half = list(range(TASKS // 2 + 1, TASKS + 1))  # work-1's other half is the person's
        threads = [threading.Thread(target=self.done_writer,
                                    args=(name, half if name == "work-1" else
                                          list(range(1, TASKS + 1))))
                   for name in implementing[: self.writers]]
        threads += [threading.Thread(target=self.undo_writer, args=("flip",)),
                    threading.Thread(target=self.creator),
                    threading.Thread(target=self.gates, args=("gated",)),
                    threading.Thread(target=self.person),
                    threading.Thread(target=self.killer)]
        start = time.monotonic()
        for t in threads:
            t.start()
        self.stop.wait(self.seconds)
        self.stop.set()
        for t in threads:
            t.join()
        return time.monotonic() - start


def verify(repo: Path, soak: Soak) -> list[str]:
    lost = []
    for name, acked in soak.acked_done.items():
        text = (repo / ASSETS / name / "tasks.md").read_text()
        lost += [f"{name} T{n:03d} acknowledged done but open" for n in sorted(acked)
                 if f"- [x] T{n:03d} " not in text]
    context = (repo / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    lost += [f"hand-written '{line}' lost from sdd/CONTEXT.md" for line in soak.hand_lines
             if line + "\n" not in context]
    hand = (repo / ASSETS / "work-1" / "tasks.md").read_text()
    lost += [f"hand tick T{n:03d} lost" for n in soak.hand_ticks if f"- [x] T{n:03d} " not in hand]
    lost += [f"project {name} acknowledged but missing" for name in soak.acked_new
             if not (repo / ASSETS / name / "constitution.md").is_file()]
    lost += [f"context {name} acknowledged but missing" for name in soak.acked_ctx
             if not (repo / "AGENTS.ctx" / name / "CONTEXT.md").is_file()]
    status = subprocess.run([SDD, "status", "--json"], cwd=repo, capture_output=True, text=True)
    broken = json.loads(status.stdout)["broken"] if status.returncode == 0 else ["status failed"]
    lost += [f"unreadable: {b}" for b in broken]
    return lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kill-interval", type=float, default=0.7,
                        help="mean seconds between SIGKILLs")
    parser.add_argument("--writers", type=int, default=4, help="done writers (projects)")
    parser.add_argument("--keep", action="store_true", help="keep the repository")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="sdd-soak-"))
    repo = base / "repo"
    repo.mkdir()
    env_keys = {"GIT_AUTHOR_NAME": "Soak", "GIT_AUTHOR_EMAIL": "soak@example.com",
                "GIT_COMMITTER_NAME": "Soak", "GIT_COMMITTER_EMAIL": "soak@example.com"}
    os.environ.update(env_keys)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    assert sdd(repo, "init") == 0
    implementing = [f"work-{n}" for n in range(1, args.writers + 1)]
    t0 = time.monotonic()
    for name in [*implementing, "flip", "gated"]:
        walk(repo, name)
    print(f"setup: {len(implementing) + 2} projects of {TASKS} tasks in "
          f"{time.monotonic() - t0:.1f}s ({repo})")
    soak = Soak(repo, args.seconds, args.kill_interval, args.writers)
    elapsed = soak.go(implementing)
    lost = verify(repo, soak)
    temps = sorted(str(p.relative_to(repo)) for p in repo.rglob("*.sddkit-tmp"))
    before = (repo / "AGENTS.ctx/sdd/CONTEXT.md").read_text()
    fresh = subprocess.run([SDD, "inventory", "--check"], cwd=repo, capture_output=True,
                           text=True)
    check = subprocess.run([SDD, "check", "--json"], cwd=repo, capture_output=True, text=True)
    errors = [f for f in json.loads(check.stdout)["findings"]
              if f["severity"] == "error" and f["rule"] != "SDD-006"]
    c = soak.counts
    print(f"ran {elapsed:.0f}s: {c['commands']} sdd commands ({c['ok']} ok, {c['killed']} "
          f"killed by SIGKILL, {c['refused']} refused or failed)")
    print(f"acknowledged: {sum(len(v) for v in soak.acked_done.values())} done, "
          f"{len(soak.acked_new)} new projects, {len(soak.acked_ctx)} new contexts; "
          f"by hand: {len(soak.hand_lines)} lines appended, {len(soak.hand_ticks)} boxes ticked")
    print(f"lost: {len(lost)}")
    for item in lost[:20]:
        print(f"  {item}")
    print(f"inventory equals a fresh one: {'yes' if fresh.returncode == 0 else 'NO'}")
    print(f"temporary files left by killed commands: {len(temps)}")
    print(f"sdd check errors (other than SDD-006): {len(errors)}")
    for f in errors[:10]:
        print(f"  {f['path']}:{f['line']}: {f['rule']} {f['message']}")
    del before
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if lost or errors or fresh.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
