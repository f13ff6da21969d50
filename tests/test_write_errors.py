"""Issue 14: when the OS refuses a write, the message names the user's file.

"No space left on device", "File too large" or a temporary file's absolute path say nothing
about which file of the repository failed. Each case runs ``sdd`` as a user would, under a
real limit: a file-size limit (``RLIMIT_FSIZE``), a full file system (a small tmpfs in a
private mount namespace), a folder without write permission (the capability that lets root
bypass permissions dropped with ``setpriv``).
"""

from __future__ import annotations

import errno
import os
import re
import resource
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import Invoke, git, sdd_executable, tree_digest, walk_to

from sddkit.cli.boundary import _user_path
from sddkit.io.fileio import write_failure

ASSETS = Path("AGENTS.ctx/sdd/assets")
TASKS = "## Phase 1\n\n" + "".join(f"- [ ] T{i:03d} Step number {i} of the work\n"
                                   for i in range(1, 200))
NO_BYPASS = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}


def one_line(result: subprocess.CompletedProcess[str], *parts: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert ".sddkit-tmp" not in lines[0], lines[0]
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def no_temp_files(root: Path) -> None:
    assert not [p for p in root.rglob("*.sddkit-tmp")]


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "demo", tasks=TASKS)
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "demo")
    return initialised


def test_a_file_size_limit_names_the_file(repo: Path) -> None:
    tasks = repo / ASSETS / "demo/tasks.md"
    limit = tasks.stat().st_size - 100  # tasks.md cannot be rewritten; smaller files can

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    before = tasks.read_bytes()
    result = subprocess.run([sdd_executable(), "done", "T001", "--project", "demo"], cwd=repo,
                            env=_env(), capture_output=True, text=True, timeout=120,
                            preexec_fn=limited)
    one_line(result, "AGENTS.ctx/sdd/assets/demo/tasks.md: could not write it:",
             "file-size limit")
    assert tasks.read_bytes() == before
    no_temp_files(repo)


def _can_drop_bypass() -> bool:
    if os.geteuid() != 0:
        return True  # an ordinary user has no bypass to drop
    if shutil.which("setpriv") is None:
        return False
    probe = subprocess.run([*NO_BYPASS, "true"], capture_output=True)
    return probe.returncode == 0


def _as_user(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    prefix = NO_BYPASS if os.geteuid() == 0 else []
    return subprocess.run([*prefix, sdd_executable(), *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=120)


needs_permissions = pytest.mark.skipif(not _can_drop_bypass(),
                                       reason="cannot run without the root permission bypass")


@needs_permissions
def test_a_read_only_project_folder_names_file_and_folder(repo: Path) -> None:
    folder = repo / ASSETS / "demo"
    before = tree_digest(folder)
    folder.chmod(0o555)
    try:
        result = _as_user(["done", "T001", "--project", "demo"], repo)
    finally:
        folder.chmod(0o755)
    one_line(result, "AGENTS.ctx/sdd/assets/demo/tasks.md: could not write it: permission denied",
             "AGENTS.ctx/sdd/assets/demo/ is not writable")
    assert str(repo) not in result.stderr  # relative, never a temporary file's absolute path
    assert tree_digest(folder) == before
    no_temp_files(repo)


@needs_permissions
def test_a_read_only_assets_folder_names_the_new_file(repo: Path) -> None:
    assets = repo / ASSETS
    before = tree_digest(assets)
    assets.chmod(0o555)
    try:
        result = _as_user(["new", "gamma"], repo)
    finally:
        assets.chmod(0o755)
    one_line(result, "AGENTS.ctx/sdd/assets/gamma/constitution.md: could not write it: "
             "permission denied", "AGENTS.ctx/sdd/assets/ is not writable")
    assert tree_digest(assets) == before


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs a private mount namespace (unshare -m)")
def test_a_full_disk_names_the_file(repo: Path, tmp_path: Path) -> None:
    """The repository is copied onto a small tmpfs, which is then filled up; the mount lives
    in a private mount namespace and disappears with the command."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (
        'set -e; mount -t tmpfs -o size=2m tmpfs "$1"; cp -a "$2" "$1/repo"; '
        'dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || true; '
        'cd "$1/repo"; T=AGENTS.ctx/sdd/assets/demo/tasks.md; B=$(sha256sum "$T"); set +e; '
        '"$3" done T001 --project demo; echo "rc=$?"; '
        'find . -name "*.sddkit-tmp" | sed "s/^/leftover: /"; '
        '[ "$B" = "$(sha256sum "$T")" ] && echo clean'
    )
    result = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                             "sh", str(disk), str(repo), sdd_executable()],
                            env=_env(), capture_output=True, text=True, timeout=120)
    assert "rc=1" in result.stdout, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    # the first file written is the inventory (sdd/CONTEXT.md), then tasks.md: either is named
    assert re.search(r"^sdd: AGENTS\.ctx/sdd/(CONTEXT\.md|assets/demo/tasks\.md): could not "
                     r"write it: no space left on the device; it is unchanged$", lines[0]), lines[0]
    assert "leftover:" not in result.stdout
    assert "clean" in result.stdout


@pytest.mark.parametrize("code, words", [
    (errno.ENOSPC, "no space left on the device"),
    (errno.EDQUOT, "disk quota"),
    (errno.EFBIG, "file-size limit"),
    (errno.EROFS, "read-only"),
    (errno.EIO, "Input/output error"),
])
def test_each_write_failure_is_worded_with_the_file(tmp_path: Path, code: int, words: str) -> None:
    target = tmp_path / "a/b.md"
    error = write_failure(OSError(code, os.strerror(code), str(tmp_path / "a/.b.md.x1y2.sddkit-tmp")),
                          tmp_path, target)
    assert error.path == target
    assert words in error.message and ".sddkit-tmp" not in error.message


def test_an_os_error_reaching_the_boundary_names_the_users_file(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    monkeypatch.chdir(tmp_path)
    assert _user_path(str(tmp_path / "AGENTS.ctx/.CONTEXT.md.k2j3_x9a.sddkit-tmp")) == \
        "AGENTS.ctx/CONTEXT.md"
    assert _user_path("/elsewhere/file") == "/elsewhere/file"
