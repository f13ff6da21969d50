"""Keep the benchmark harness working: generate N=50 and run each benchmarked command once.

No timing is asserted here (bench/README.md holds the figures); only exit codes, the
generated mix, and that ``sdd check`` finds no error in the generated repository.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import isolate

BENCH = Path(__file__).resolve().parent.parent / "bench"
SDD = Path(sys.executable).parent / "sdd"
COMMANDS = [["next"], ["open", "sdd"], ["status", "--json"], ["inventory"], ["check"]]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def sdd(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SDD), *args], cwd=repo, capture_output=True, text=True)


def available(repo: Path, command: str) -> bool:
    return sdd(repo, command, "--help").returncode == 0


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench") / "repo"
    with pytest.MonkeyPatch.context() as mp:  # set up before the per-test isolation
        isolate(mp, tmp_path_factory.mktemp("bench-home"))
        done = subprocess.run([sys.executable, str(BENCH / "generate.py"), "50", str(root)],
                              capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return root


def test_generator_writes_the_mix(repo: Path) -> None:
    done = sdd(repo, "status", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["projects"]
    states: dict[str, int] = {}
    for row in rows:
        assert row["flags"] == [], row
        states[row["state"]] = states.get(row["state"], 0) + 1
    assert states == {"drafting": 10, "awaiting-approval": 5, "implementing": 15, "completed": 20}
    sizes = [p.stat().st_size for p in (repo / "AGENTS.ctx" / "sdd" / "assets").rglob("*.md")]
    assert min(sizes) >= 2000 and max(sizes) <= 4500


def test_generated_repository_is_committed(repo: Path) -> None:
    log = subprocess.run(["git", "log", "--format=%s"], cwd=repo, capture_output=True, text=True)
    assert log.stdout.split("\n")[:2] == ["Add 50 projects", "Scaffold AGENTS.ctx"]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True,
                            text=True)
    assert status.stdout == ""


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_each_benchmarked_command_runs(repo: Path, args: list[str]) -> None:
    if not available(repo, args[0]):
        pytest.skip(f"sdd {args[0]} is not available yet")
    done = sdd(repo, *args)
    # exit 0 for `sdd check` also means: no error finding in the generated repository
    assert done.returncode == 0, done.stdout + done.stderr


def test_inventory_is_current(repo: Path) -> None:
    done = sdd(repo, "inventory", "--check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_generator_is_deterministic(tmp_path: Path) -> None:
    generate = _load("generate")
    generate.write_sddkit(20, tmp_path / "a", git=False)
    generate.write_sddkit(20, tmp_path / "b", git=False)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*")
                     if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*")
                     if p.is_file())
    assert files_a == files_b and len(files_a) > 60
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_peer_workloads(tmp_path: Path) -> None:
    generate = _load("generate")
    generate.write_openspec(10, tmp_path / "openspec")
    changes = sorted((tmp_path / "openspec" / "openspec" / "changes").iterdir())
    assert len([c for c in changes if c.name != "archive"]) == 10
    assert all((c / "proposal.md").is_file() for c in changes if c.name != "archive")
    generate.write_taskmaster(10, tmp_path / "tm")
    data = json.loads((tmp_path / "tm" / ".taskmaster" / "tasks" / "tasks.json").read_text())
    tasks = data["master"]["tasks"]
    assert len(tasks) == 10
    assert sum(len(t["subtasks"]) for t in tasks) == 7 * 20  # implementing + completed


def test_runner_measures_a_process(tmp_path: Path) -> None:
    run = _load("run")
    command = run.Command("python -c pass", [sys.executable, "-c", "pass"], tmp_path)
    results = run.bench([command], 1, 2, {"PATH": "/usr/bin:/bin"}, log=False)
    assert len(results[0].samples) == 2
    assert results[0].failure is None
    assert results[0].median > 0 and results[0].peak_mib > 1
    text = "\n".join(run.table(results, {1: results[0].median}))
    assert "| python -c pass | 1 |" in text


def test_importtime_runs(repo: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCH / "importtime.py"), "--repo", str(repo),
                           "--runs", "1", "--commands", "sdd --help,sdd next"],
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr  # 1: a forbidden import was reported
    assert "## sdd next: imports beyond start-up take" in done.stdout


def test_cold_and_write_cases_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cold (first run after git clone) and write cases, once each, at N=20 with a
    small "big" task list: every command exits 0 and is measured."""
    run = _load("run")
    sys.path.insert(0, str(BENCH))
    import cases

    monkeypatch.setattr(run, "WORK", tmp_path / "work")
    monkeypatch.setattr(cases, "BIG_TASKS", 300)
    env = run.environment([])
    cold = run.bench_cold(20, SDD, env, 1)
    writes = run.bench_writes(20, SDD, env, 1)
    for result in cold + writes:
        assert result.failure is None, (result.command, result.failure)
        assert len(result.samples) == 1, result.command
    assert {r.command for r in writes} == {"sdd done", "sdd approve", "sdd new",
                                           "sdd done (0k tasks)",
                                           "sdd done (0k tasks, the next one)"}


def test_measure_table_gives_medians_per_case_and_label() -> None:
    table = _load("measure_table").table
    lines = ["before done 0.80 0.90 131000", "before done 0.84 0.95 132000",
             "before done 0.82 0.92 133000", "after done 0.15 0.16 31000",
             "after done 0.17 0.40 31200", "after done 0.16 0.17 31100", "after finished",
             "after custom-case 1.0 1.0 1024"]
    out = table(lines, ["before", "after"]).splitlines()
    assert out[2] == "| `sdd done` (one project of 10,000) | 0.82 / 0.92 / 129 | " \
                     "0.16 / 0.16-0.40 / 30 |"
    assert out[3] == "| custom-case | - | 1.00 / 1.00 / 1 |"
    with pytest.raises(ValueError, match="line 1"):
        table(["before done 0.8"])
