"""The pre-commit hooks of ``.pre-commit-hooks.yaml``, run by the real ``pre-commit`` tool."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import Invoke, git, sdd_executable, walk_to

MANIFEST = Path(__file__).parents[1] / ".pre-commit-hooks.yaml"


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_manifest_is_valid_and_exposes_both_hooks(tmp_path: Path) -> None:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc")}
    done = pre_commit("validate-manifest", str(MANIFEST), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}
    assert hooks["sdd-check"]["entry"] == "sdd check"
    assert hooks["sdd-inventory"]["entry"] == "sdd inventory --check"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False and hook["always_run"] is True


def local_config() -> str:
    """The manifest's hooks as ``repo: local`` hooks running the installed ``sdd`` (no network:
    ``language: python`` would make pre-commit pip-install sddkit into its own environment)."""
    exe = sdd_executable()
    hooks = []
    for hook in yaml.safe_load(MANIFEST.read_text()):
        command, _sep, args = hook["entry"].partition(" ")
        assert command == "sdd"
        hooks.append({
            "id": hook["id"],
            "name": hook["name"],
            "entry": f"{exe} {args}",
            "language": "system",
            "pass_filenames": hook["pass_filenames"],
            "always_run": hook["always_run"],
        })
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def commit(repo: Path, message: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", message], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


def test_hook_refuses_a_drifted_approval_until_approved_again(initialised: Path, sdd: Invoke,
                                                               tmp_path: Path) -> None:
    repo = initialised
    walk_to(repo, sdd, "demo", upto="spec")
    (repo / ".pre-commit-config.yaml").write_text(local_config())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "demo: spec approved; pre-commit config")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc")}
    installed = pre_commit("install", cwd=repo, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (repo / ".git/hooks/pre-commit").exists()

    # an approved spec edited: the commit is refused, naming the rule and the file
    spec = repo / "AGENTS.ctx/sdd/assets/demo/spec.md"
    spec.write_text(spec.read_text().replace("## Edge cases", "## Edge cases\n\n- EC-009 "
                                             "Quietly added after approval.", 1))
    git(repo, "add", "-A")
    head = git(repo, "rev-parse", "HEAD")
    refused = commit(repo, "sneak an edge case in", env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "sdd check" in output and "Failed" in output
    assert "AGENTS.ctx/sdd/assets/demo/spec.md:7: SDD-003 error spec changed since it was " \
           "approved" in output
    assert "sdd inventory --check" in output  # the inventory shows the drift flag too
    assert git(repo, "rev-parse", "HEAD") == head

    # reviewed and approved again: the same change commits
    assert sdd(repo, "ready", "demo").exit_code == 0
    approved = sdd(repo, "approve", "demo", "--by", "Grace")
    assert approved.exit_code == 0, approved.stderr
    git(repo, "add", "-A")
    accepted = commit(repo, "spec: EC-009, approved again", env)
    output = accepted.stdout + accepted.stderr
    assert accepted.returncode == 0, output
    assert "sdd check" in output and "Passed" in output
    assert git(repo, "rev-parse", "HEAD") != head
    assert git(repo, "status", "--porcelain") == ""
