"""The cold and write cases of ``bench/run.py``: their workloads and how each run starts afresh.

- **cold**: the first command after ``git clone`` of the N-project workload (a new clone per
  run, nothing of it cached), then the second; ``sdd check`` the same way. Two flavours: with
  this machine's user cache (``$XDG_CACHE_HOME``) as earlier runs left it (a second clone or
  worktree on the same machine), and with an empty one (a fresh machine, a CI runner).
- **writes**: ``sdd done`` (one task of one project), ``sdd approve`` (one document in
  review), ``sdd new`` and ``sdd done`` in a 50,000-task list, each in a clone of the
  workload that also holds that big project. Before every timed run the files the previous
  run changed are restored with git (untimed), so each run does the same work.

The big project is approved (its ``approved_sha256`` computed with
:func:`sddkit.projects.phases.gate_hash`, as ``generate.py`` does) and half its tasks are done.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/ is not a package)

BIG_TASKS = 50_000
BIG_NAME = "bulk-import-50k"
NEW_NAME = "bench-new-project"


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **generate.GIT_ENV}
    done = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True,
                          text=True)
    return done.stdout.strip()


def clone(source: Path, target: Path) -> Path:
    """A fresh ``git clone`` of ``source`` at ``target`` (replaced if present)."""
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", str(source), str(target)], check=True,
                   capture_output=True)
    return target


def big_tasks_body(count: int) -> str:
    """``count`` tasks in groups of 100 under headings; the first half done, with marks."""
    lines = [f"# Tasks: bulk import ({count} steps)", "",
             "One step per imported record family; each has a check.", ""]
    for number in range(1, count + 1):
        if number % 100 == 1:
            lines += ["", f"## Batch {number // 100 + 1}", ""]
        done = number <= count // 2
        box = "x" if done else " "
        mark = f" <!-- done 2026-02-{1 + number % 28:02d} abc{number % 9999:04d} -->" \
            if done else ""
        lines.append(f"- [{box}] T{number:05d} Import record family {number}{mark}")
        lines.append(f"  - verify: `pytest tests/test_import.py -k family_{number}` passes")
    return "\n".join(lines) + "\n"


def write_big_project(root: Path, count: int | None = None) -> str:
    """Add the approved project :data:`BIG_NAME` with ``count`` tasks (default
    :data:`BIG_TASKS`); returns its name."""
    from sddkit.projects.phases import gate_hash

    count = BIG_TASKS if count is None else count
    spec = generate.project_spec(3)  # an implementing project: four approved documents
    spec = generate.Spec(spec.index, BIG_NAME, spec.area, spec.topic, "Bulk import",
                         "implementing", "tasks", 0, "", spec.created, spec.rng)
    files = generate.project_files(spec, None)
    body = big_tasks_body(count)
    sha = gate_hash("tasks", "---\n---\n" + body)
    hashes = {}
    for phase in generate.PHASES[:3]:
        text = files[f"{phase}.md"]
        hashes[phase] = gate_hash(phase, text)
    approval = generate.Approval(by="Ada Lovelace", at="2026-02-01T09:00:00Z", sha256=sha,
                                 commit=None, based_on=hashes)
    files["tasks.md"] = generate.front_matter(spec, "tasks", "approved", approval) + body
    folder = root / "AGENTS.ctx" / "sdd" / "assets" / BIG_NAME
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return BIG_NAME


@dataclass
class WriteCase:
    """One timed write: the arguments after ``sdd``, and the paths to restore before a run."""

    name: str
    args: list[str]
    restore: list[str]  # paths relative to the root: `git checkout` + `git clean` them
    #: True: restore before every run (each run does the same work); False: only before
    #: the warm-up, each run then names its own task (``{round}`` in ``args``), as an agent
    #: ticking one task after another does
    fresh: bool = True

    def argv(self, round_: int) -> list[str]:
        return [a.replace("{round}", f"{BIG_TASKS // 2 + 1 + round_:05d}") for a in self.args]


def first(n: int, state: str, phase: str | None = None) -> generate.Spec:
    for index in range(n):
        spec = generate.project_spec(index)
        if spec.state == state and (phase is None or spec.phase == phase):
            return spec
    raise SystemExit(f"cases: no {state} project at N={n}")


def write_cases(n: int) -> list[WriteCase]:
    """The write commands of the issue, on projects the N-project workload holds."""
    inventory = "AGENTS.ctx/sdd/CONTEXT.md"
    assets = "AGENTS.ctx/sdd/assets"
    doing = first(n, "implementing")
    review = first(n, "awaiting-approval", "spec")
    first_open = f"T{generate.TASKS_PER_PROJECT // 2 + 1:03d}"
    big_open = f"T{BIG_TASKS // 2 + 1:05d}"
    return [
        WriteCase("sdd done", ["done", first_open, "--project", doing.name, "--force"],
                  [f"{assets}/{doing.name}", inventory]),
        WriteCase("sdd approve", ["approve", review.name, "--by", "Bench Person"],
                  [f"{assets}/{review.name}", inventory]),
        WriteCase("sdd new", ["new", NEW_NAME, "--title", "A new project"],
                  [f"{assets}/{NEW_NAME}", inventory]),
        WriteCase(f"sdd done ({BIG_TASKS // 1000}k tasks)",
                  ["done", big_open, "--project", BIG_NAME], [f"{assets}/{BIG_NAME}", inventory]),
        WriteCase(f"sdd done ({BIG_TASKS // 1000}k tasks, the next one)",
                  ["done", "T{round}", "--project", BIG_NAME],
                  [f"{assets}/{BIG_NAME}", inventory], fresh=False),
    ]


def restore(root: Path, case: WriteCase) -> None:
    """Put back what the previous run of ``case`` changed (committed state), untimed."""
    subprocess.run(["git", "checkout", "-q", "HEAD", "--", *case.restore], cwd=root,
                   capture_output=True)
    subprocess.run(["git", "clean", "-fdq", "--", *case.restore], cwd=root, capture_output=True)


def writes_workload(source: Path, target: Path, sdd: Path, env: dict[str, str]) -> Path:
    """A clone of ``source`` plus the 50,000-task project, committed, inventory current."""
    clone(source, target)
    write_big_project(target)
    subprocess.run([str(sdd), "inventory"], cwd=target, env=env, capture_output=True,
                   check=True)
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", f"Add {BIG_NAME}")
    return target


def settle(root: Path, sdd: Path, env: dict[str, str]) -> None:
    """Fill the caches as a repository in daily use has them: wait out the two seconds in
    which a changed file's timestamp is not trusted, then run ``next`` and ``check``."""
    import time

    time.sleep(2.1)
    for args in (["next"], ["check"]):
        subprocess.run([str(sdd), *args], cwd=root, env=env, capture_output=True)
