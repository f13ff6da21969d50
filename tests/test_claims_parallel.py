"""Several agents at once, for real: concurrent `sdd start` processes, and two worktrees
whose agents start, pick and finish tasks in parallel and merge back (issue 19)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import Invoke, git, sdd_executable, walk_to

EIGHT = "## Work\n\n" + "".join(f"- [ ] T{n:03d} [P] Piece {n}\n  - verify: true\n"
                                for n in range(1, 9))


def _spawn(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sdd_executable(), "--root", str(root), *args], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "SDDKIT_LOCK_TIMEOUT": "120"})


def test_sixteen_starts_on_eight_tasks(initialised: Path, sdd: Invoke) -> None:
    walk_to(initialised, sdd, "demo", tasks=EIGHT)
    procs = [(n, agent, _spawn(initialised, "start", f"T{n:03d}", "--project", "demo",
                               "--as", agent))
             for n in range(1, 9) for agent in ("red", "blue")]
    results = [(n, agent, p.wait(timeout=180), *p.communicate()) for n, agent, p in procs]
    winners = [(n, agent) for n, agent, code, _out, _err in results if code == 0]
    losers = [(n, err) for n, _agent, code, _out, err in results if code != 0]
    assert sorted(n for n, _a in winners) == list(range(1, 9))
    assert len(losers) == 8
    for n, err in losers:
        assert err.count("\n") == 1 and f"T{n:03d} of demo is claimed by " in err, err
    text = (initialised / "AGENTS.ctx/sdd/assets/demo/tasks.md").read_text()
    assert text.count("- claimed: ") == 8
    for n, agent in winners:
        block = text.split(f"T{n:03d} [P] Piece {n}\n")[1].split("- [ ]")[0]
        assert f"- claimed: {agent} " in block
    assert sdd(initialised, "inventory", "--check").exit_code == 0


def _agent(worktree: Path, name: str, rounds: int) -> subprocess.Popen[str]:
    """An agent's loop in a shell: ask `sdd next --as`, start the task, finish it."""
    exe = sdd_executable()
    script = f"""
set -e
for i in $(seq {rounds}); do
  key=$("{exe}" next demo --as {name} --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print((d.get("task") or {{}}).get("key") or "")')
  [ -z "$key" ] && break
  "{exe}" start "$key" --project demo --as {name} >&2 || continue
  "{exe}" done "$key" --project demo >&2
  echo "$key"
done
"""
    return subprocess.Popen(["sh", "-c", script], cwd=worktree, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "SDDKIT_LOCK_TIMEOUT": "120"})


def test_two_worktrees_in_parallel_merge_back(initialised: Path, sdd: Invoke) -> None:
    # the merge drivers `sdd init` registers (issue 19, sddkit/repository/merge_drivers.py) do the merge
    pytest.importorskip("sddkit.repository.merge_drivers")
    repo = initialised
    walk_to(repo, sdd, "demo", tasks=EIGHT)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "demo approved")
    # each agent claims its share on main first (committed), as a person handing out work
    for n in range(1, 9):
        assert sdd(repo, "start", f"T{n:03d}", "--as", "left" if n % 2 else "right").exit_code == 0
    git(repo, "commit", "-qam", "work handed out")
    trees = {}
    for name in ("left", "right"):
        trees[name] = repo.parent / f"wt-{name}"
        git(repo, "worktree", "add", "-q", "-b", name, str(trees[name]))
    agents = {name: _agent(trees[name], name, 6) for name in trees}
    finished = {}
    for name, proc in agents.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        finished[name] = out.split()
    assert sorted(finished["left"]) == [f"T{n:03d}" for n in (1, 3, 5, 7)]
    assert sorted(finished["right"]) == [f"T{n:03d}" for n in (2, 4, 6, 8)]
    for name, tree in trees.items():
        git(tree, "add", "-A")
        git(tree, "commit", "-qm", f"{name}'s tasks")
    git(repo, "merge", "-q", "--no-edit", "left")
    merged = subprocess.run(["git", "merge", "--no-edit", "right"], cwd=repo,
                            capture_output=True, text=True)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    text = (repo / "AGENTS.ctx/sdd/assets/demo/tasks.md").read_text()
    assert "<<<<<<<" not in text and "claimed:" not in text
    for n in range(1, 9):
        assert text.count(f"- [x] T{n:03d} ") == 1
    assert text.count("<!-- done") == 8
    assert sdd(repo, "inventory", "--check").exit_code == 0
    data = json.loads(sdd(repo, "next", "demo", "--json").stdout)
    assert data["kind"] == "done"
