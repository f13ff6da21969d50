"""Issue 14: a repository's templates stay inside it, cannot break it, hang or slow a writer.

A template override (``AGENTS.ctx/sdd/templates/NAME``) comes with a cloned repository.
Each case runs ``sdd`` as a user would (a subprocess) and checks: exit 1, one line naming
the template, nothing written, no secret copied.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import Invoke, fill, sdd_executable, tree_digest, walk_to

TEMPLATES = Path("AGENTS.ctx/sdd/templates")
SECRET = "sddkit-test-secret-8d1e0c"
CONSTITUTION = ("---\nproject: {{ project }}\nphase: constitution\nstatus: draft\ntitle: "
                "{{ title | yaml }}\n---\n# {{ title }}\n\n")


def run(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}
    full.update(env)
    return subprocess.run([sdd_executable(), *args], cwd=root, env=full, capture_output=True,
                          text=True, timeout=120)


def refused(result: subprocess.CompletedProcess[str], *parts: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def repo(initialised: Path) -> Path:
    (initialised / TEMPLATES).mkdir(parents=True, exist_ok=True)
    return initialised


def no_secret_anywhere(root: Path) -> None:
    for path in root.rglob("*"):
        if ".git" not in path.parts and path.is_file() and not path.is_symlink():
            assert SECRET not in path.read_text(errors="replace"), path


# --- inside the root, whatever is a symlink --------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_an_include_linked_to_proc_environ_is_refused(repo: Path) -> None:
    (repo / TEMPLATES / "env.txt").symlink_to("/proc/self/environ")
    (repo / TEMPLATES / "constitution.md.j2").write_text(
        CONSTITUTION + "{% include 'env.txt' %}\n")
    before = tree_digest(repo)
    line = refused(run(repo, "new", "gamma", SDDKIT_SECRET_TOKEN=SECRET),
                   "AGENTS.ctx/sdd/templates/env.txt", "outside the repository")
    assert SECRET not in line
    assert tree_digest(repo) == before
    no_secret_anywhere(repo)


def test_an_override_linked_outside_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.j2"
    outside.write_text(CONSTITUTION + SECRET + "\n")
    (repo / TEMPLATES / "constitution.md.j2").symlink_to(outside)
    before = tree_digest(repo)
    refused(run(repo, "new", "gamma"), "AGENTS.ctx/sdd/templates/constitution.md.j2",
            "outside the repository")
    assert tree_digest(repo) == before
    no_secret_anywhere(repo)


@pytest.mark.parametrize("linked", ["AGENTS.ctx/sdd/templates", "AGENTS.ctx/sdd"])
def test_a_linked_folder_on_the_way_is_refused(repo: Path, tmp_path: Path, linked: str) -> None:
    """``sdd/`` or ``sdd/templates/`` linked to a folder elsewhere: the templates there are
    not used (``ctx new`` writes outside ``sdd/``, so only the template read can refuse)."""
    outside = tmp_path / "outside"
    shutil.copytree(repo / linked, outside, symlinks=True)
    shutil.rmtree(repo / linked)
    (repo / linked).symlink_to(outside, target_is_directory=True)
    templates = outside if linked.endswith("templates") else outside / "templates"
    (templates / "context.md.j2").write_text(
        "---\nname: {{ name }}\ndescription: " + SECRET + "\n---\n# {{ name }}\n")
    before = tree_digest(repo)
    refused(run(repo, "ctx", "new", "backend"), "context.md.j2", "outside the repository")
    assert tree_digest(repo) == before
    no_secret_anywhere(repo)


def test_a_linked_agents_ctx_names_the_template(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "ctx"
    shutil.copytree(repo / "AGENTS.ctx", outside, symlinks=True)
    shutil.rmtree(repo / "AGENTS.ctx")
    (repo / "AGENTS.ctx").symlink_to(outside, target_is_directory=True)
    (outside / "sdd/templates/contract.yaml.j2").write_text(f"service: {{{{ service }}}}\n# {SECRET}\n")
    refused(run(repo, "contracts", "new", "billing"), "contract.yaml.j2", "outside the repository")
    no_secret_anywhere(repo)


def test_a_link_inside_the_root_is_followed(repo: Path) -> None:
    """Links are not refused as such: one that stays inside the repository works."""
    (repo / "shared.j2").write_text(CONSTITUTION + "Shared text.\n")
    (repo / TEMPLATES / "constitution.md.j2").symlink_to("../../../shared.j2")
    result = run(repo, "new", "gamma")
    assert result.returncode == 0, result.stderr
    assert "Shared text." in (repo / "AGENTS.ctx/sdd/assets/gamma/constitution.md").read_text()


# --- what a template writes is what reads accept --------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ("{{ '\\x00' }}", "NUL"),
    ("{{ '\\ud800' }}", "not valid Unicode"),
])
def test_a_template_cannot_write_text_reads_refuse(repo: Path, body: str, expected: str) -> None:
    (repo / TEMPLATES / "constitution.md.j2").write_text(CONSTITUTION + body + "\n")
    before = tree_digest(repo)
    refused(run(repo, "new", "gamma"), "AGENTS.ctx/sdd/templates/constitution.md.j2",
            "cannot read back", expected)
    assert tree_digest(repo) == before
    assert run(repo, "status").returncode == 0


@pytest.mark.parametrize("template, args, text", [
    ("constitution.md.j2", ("new", "gamma"),
     "---\nproject: {{ project }}\nphase: constitution\nstatus: [draft\n---\n"),
    ("context.md.j2", ("ctx", "new", "backend"), "---\nname: other\n---\n# x\n"),
    ("contract.yaml.j2", ("contracts", "new", "billing"), "service: [billing\n"),
])
def test_a_template_cannot_write_a_file_reads_refuse(repo: Path, template: str,
                                                      args: tuple[str, ...], text: str) -> None:
    (repo / TEMPLATES / template).write_text(text)
    before = tree_digest(repo)
    refused(run(repo, *args), f"AGENTS.ctx/sdd/templates/{template}", "cannot read back")
    assert tree_digest(repo) == before
    assert run(repo, "check").returncode == 0


def test_the_next_draft_is_read_back_too(repo: Path, sdd: Invoke) -> None:
    """``approve`` renders the next phase's draft: a broken one refuses the approval."""
    assert sdd(repo, "new", "demo").exit_code == 0
    fill(repo / "AGENTS.ctx/sdd/assets/demo/constitution.md")
    assert sdd(repo, "ready", "demo").exit_code == 0
    (repo / TEMPLATES / "spec.md.j2").write_text("---\nproject: other\nphase: spec\n---\n")
    before = tree_digest(repo)
    refused(run(repo, "approve", "demo", "--by", "Grace"), "spec.md.j2", "cannot read back")
    assert tree_digest(repo) == before


# --- no hang, no flood, outside the lock ------------------------------------------------------------


def test_a_template_that_never_ends_is_stopped(repo: Path) -> None:
    (repo / TEMPLATES / "constitution.md.j2").write_text(
        CONSTITUTION + "{% for a in range(100000) %}{% for b in range(100000) %}"
        "{% endfor %}{% endfor %}\n")
    before = tree_digest(repo)
    refused(run(repo, "new", "gamma", SDDKIT_TEMPLATE_TIMEOUT="1"),
            "AGENTS.ctx/sdd/templates/constitution.md.j2", "longer than 1s")
    assert tree_digest(repo) == before


@pytest.mark.parametrize("body, expected", [
    ("{% for a in range(100000) %}{{ 'x' * 100 }}{% endfor %}", "more than 1024 KiB"),
    ("{{ 'x' * 4000000000 }}", "memory"),
])
def test_a_template_cannot_flood_the_writer(repo: Path, body: str, expected: str) -> None:
    (repo / TEMPLATES / "constitution.md.j2").write_text(CONSTITUTION + body + "\n")
    before = tree_digest(repo)
    refused(run(repo, "new", "gamma"), "AGENTS.ctx/sdd/templates/constitution.md.j2", expected)
    assert tree_digest(repo) == before


def test_a_template_error_names_its_line(repo: Path) -> None:
    (repo / TEMPLATES / "constitution.md.j2").write_text(CONSTITUTION + "\n\n{{ 1 / 0 }}\n")
    refused(run(repo, "new", "gamma"), "AGENTS.ctx/sdd/templates/constitution.md.j2:11:",
            "ZeroDivisionError")


@pytest.mark.parametrize("command", [("new", "gamma"), ("approve", "demo", "--by", "Grace")])
def test_templates_render_before_the_lock_is_taken(repo: Path, sdd: Invoke,
                                                    command: tuple[str, ...]) -> None:
    """With the repository lock held by someone else and no wait allowed, a broken template
    is reported as itself: it was rendered before the lock was asked for, so a slow
    template never keeps another writer waiting."""
    from filelock import FileLock

    from sddkit.io.fileio import lock_path

    if command[0] == "approve":  # the plan in review: approving it renders the tasks draft
        walk_to(repo, sdd, "demo", upto="spec")
        fill(repo / "AGENTS.ctx/sdd/assets/demo/plan.md")
        assert sdd(repo, "ready", "demo").exit_code == 0
    name = "constitution.md.j2" if command[0] == "new" else "tasks.md.j2"
    (repo / TEMPLATES / name).write_text("{% if %}\n")
    with FileLock(str(lock_path(repo))):
        result = run(repo, *command, SDDKIT_LOCK_TIMEOUT="0")
    refused(result, f"AGENTS.ctx/sdd/templates/{name}:1:", "template syntax error")


@pytest.mark.parametrize("args", [
    (b"new", b"gamma", b"--title", b"bad \xff title"),
    (b"ctx", b"new", b"backend", b"--description", b"bad \xfe text"),
    (b"block", b"gamma", b"--reason", b"waits \xff"),
])
def test_text_a_read_would_refuse_is_never_written(repo: Path, args: tuple[bytes, ...]) -> None:
    """Bytes that are not UTF-8 on the command line (Python hands them over as lone
    surrogates): one line, nothing written, the repository still readable."""
    if args[0] == b"block":
        assert run(repo, "new", "gamma").returncode == 0
    before = tree_digest(repo)
    full = {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}
    result = subprocess.run([os.fsencode(sdd_executable()), *args], cwd=repo, env=full,
                            capture_output=True, timeout=120)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.decode("utf-8", "replace").splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0] and "internal" not in lines[0], lines
    assert "not valid" in lines[0], lines[0]
    assert tree_digest(repo) == before
    assert run(repo, "check").returncode == 0
