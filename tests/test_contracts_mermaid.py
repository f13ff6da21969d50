"""`sdd contracts graph` output parsed by the real Mermaid parser (npm `mermaid` under node).

The parser is installed once with `npm install` into pytest's cache folder (or
$SDDKIT_MERMAID_DIR) from tests/fixtures/contracts/mermaid-package.json, which pins the
versions. Without node or npm, or when the install fails (offline), the tests are skipped
with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sddkit.cli.group import cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "contracts"
ROOT = Path(__file__).resolve().parents[1]
INSTALL_TIMEOUT = 600


def _install_dir(config: pytest.Config, factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("SDDKIT_MERMAID_DIR"):
        return Path(os.environ["SDDKIT_MERMAID_DIR"])
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("sddkit-mermaid"))
    return factory.mktemp("sddkit-mermaid")


@pytest.fixture(scope="session")
def mermaid_parser(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The parse script inside a folder where mermaid and jsdom are installed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to parse the graph with the real Mermaid parser")
    folder = _install_dir(pytestconfig, tmp_path_factory)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = (FIXTURES / "mermaid-package.json").read_bytes()
    stamp = folder / ".sddkit-installed"
    digest = hashlib.sha256(manifest).hexdigest()
    import filelock

    with filelock.FileLock(str(folder / ".sddkit-install.lock"), timeout=INSTALL_TIMEOUT):
        if not stamp.is_file() or stamp.read_text(encoding="utf-8") != digest:
            (folder / "package.json").write_bytes(manifest)
            try:
                done = subprocess.run(
                    [npm, "install", "--no-audit", "--no-fund", "--no-package-lock",
                     "--loglevel=error"],
                    cwd=folder, capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                pytest.skip(f"npm install of the Mermaid parser timed out after "
                            f"{INSTALL_TIMEOUT}s (offline?)")
            if done.returncode != 0:
                lines = [line for line in done.stderr.splitlines()
                         if line.startswith("npm error") and "log of this run" not in line]
                why = " / ".join(lines[:2]) or done.stderr.strip()[-200:] or "no output"
                pytest.skip(f"npm install of the Mermaid parser failed (offline?): {why}")
            stamp.write_text(digest, encoding="utf-8")
    script = folder / "mermaid_parse.mjs"
    shutil.copyfile(FIXTURES / "mermaid_parse.mjs", script)
    return script


def parse(script: Path, *files: Path) -> list[dict[str, object]]:
    done = subprocess.run(["node", str(script), *map(str, files)], cwd=script.parent,
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode == 3:
        pytest.skip(f"the Mermaid parser does not load under this node: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def graph_of(root: Path) -> str:
    result = CliRunner().invoke(cli, ["--root", str(root), "contracts", "graph"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_golden_graph_is_valid_mermaid(mermaid_parser: Path) -> None:
    [result] = parse(mermaid_parser, FIXTURES / "graph.mmd")
    assert result["ok"], result
    assert result["type"] == "flowchart-v2"


def test_parser_rejects_broken_diagrams(mermaid_parser: Path, tmp_path: Path) -> None:
    golden = (FIXTURES / "graph.mmd").read_text(encoding="utf-8")
    broken = {
        "label.mmd": golden.replace('|"scoreTransaction"|', '|"scoreTransaction|', 1),
        "arrow.mmd": golden.replace("-->", "-->>", 1),
        "header.mmd": golden.replace("flowchart LR", "flowchart sideways", 1),
    }
    files = []
    for name, text in broken.items():
        assert text != golden
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(tmp_path / name)
    results = parse(mermaid_parser, *files)
    assert [r["ok"] for r in results] == [False, False, False], results


def test_every_shape_of_graph_is_valid_mermaid(mermaid_parser: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd"
    odd.mkdir()
    assert CliRunner().invoke(cli, ["init", "--root", str(odd)]).exit_code == 0
    folder = odd / "AGENTS.ctx" / "contracts"
    folder.mkdir()
    (folder / "web-app.yaml").write_text(
        "service: web-app\n"
        "provides:\n  events: [{topic: 'user.signed-up/v2', dedup_key: [a, b]}]\n"
        "depends_on:\n  operations:\n    - {service: end, operation: 'graph:run'}\n"
        "    - {service: web-app, operation: self_call}\n"
        "  datasets: [{service: subgraph, name: click.stream}]\n",
        encoding="utf-8",
    )
    (folder / "class.yaml").write_text(
        "service: class\ndepends_on:\n  events: [{topic: 'user.signed-up/v2'}]\n",
        encoding="utf-8",
    )
    files = []
    for name, root in [("fixed", ROOT / "examples" / "fraud-detection-fixed"), ("odd", odd),
                       ("empty", tmp_path / "empty")]:
        if name == "empty":
            root.mkdir()
            assert CliRunner().invoke(cli, ["init", "--root", str(root)]).exit_code == 0
        path = tmp_path / f"{name}.mmd"
        path.write_text(graph_of(root), encoding="utf-8")
        files.append(path)
    results = parse(mermaid_parser, *files)
    assert all(r["ok"] for r in results), results


def test_the_docs_diagram_is_valid_mermaid(mermaid_parser: Path, tmp_path: Path) -> None:
    text = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in text.split("```mermaid\n")[1:]]
    assert blocks
    files = []
    for i, block in enumerate(blocks):
        path = tmp_path / f"doc{i}.mmd"
        path.write_text(block, encoding="utf-8")
        files.append(path)
    assert all(r["ok"] for r in parse(mermaid_parser, *files))
