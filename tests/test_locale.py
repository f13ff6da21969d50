"""Non-ASCII arguments under an ASCII locale (``LC_ALL=C``, ``PYTHONUTF8=0``).

There Python neither coerces the locale to UTF-8 (``LC_ALL`` forbids it, PEP 538) nor runs
in UTF-8 mode (PEP 540): it reads each argument's non-ASCII bytes as lone surrogates and
opens ASCII standard streams. The files sddkit writes are UTF-8 whatever the locale, so a
title, a name, a reason typed in UTF-8 is written, shown and reported as typed, by the
click-free paths and by click alike.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke, git, sdd_executable, walk_to

ASCII_LOCALE = {"LC_ALL": "C", "PYTHONUTF8": "0"}


def run_c(root: Path, *args: str, env: dict[str, str] | None = None
          ) -> tuple[int, str, str]:
    """``sdd ARGS`` in ``root`` under the C locale; (exit code, stdout, stderr), the
    streams decoded as UTF-8 (strictly: an escaped or mangled character fails)."""
    full = {k: v for k, v in os.environ.items()
            if k not in ("PYTHONIOENCODING", "LANG", "LC_CTYPE", "SDDKIT_DEBUG")}
    full.update(ASCII_LOCALE, **(env or {}))
    done = subprocess.run([sdd_executable(), *args], cwd=root, env=full, capture_output=True,
                          timeout=120)
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


def test_the_locale_is_what_the_test_means() -> None:
    """The interpreter under test really is in an ASCII locale: else the tests below
    prove nothing."""
    code = ("import sys; print(sys.flags.utf8_mode, sys.getfilesystemencoding(), "
            "sys.stdout.encoding, ascii(sys.argv[1]))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"} | ASCII_LOCALE
    out = subprocess.run([sys.executable, "-c", code, "é"], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[:3] == ["0", "ascii", "ascii"] and out[3] == "'\\udcc3\\udca9'"


@pytest.fixture
def repo(initialised: Path, sdd: Invoke, tmp_path: Path) -> Path:
    """``demo`` implementing, ``review`` with its constitution in review; committed."""
    walk_to(initialised, sdd, "demo", tasks="- [ ] T001 One\n  - verify: by eye\n")
    assert sdd(initialised, "new", "review").exit_code == 0
    from conftest import fill

    fill(initialised / "AGENTS.ctx/sdd/assets/review/constitution.md")
    assert sdd(initialised, "ready", "review").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "work")
    return initialised


ASSETS = "AGENTS.ctx/sdd/assets"


def front(path: Path) -> dict[str, object]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("form", ["plain", "click"])
def test_a_title_with_accents_is_written_as_typed(repo: Path, form: str) -> None:
    """``sdd new NAME --title "Café ..."``: the plain form (click-free) and ``--title=``
    (click's) both write the title in UTF-8 and say so; ``--dry-run`` shows it too."""
    title = "Café crème brûlée, 第二版"
    args = (["new", "cafe", "--title", title] if form == "plain"
            else ["new", "cafe", f"--title={title}"])
    code, out, err = run_c(repo, *args, "--dry-run")
    assert (code, err) == (0, "") and f"+title: \"{title}\"" in out
    assert not (repo / ASSETS / "cafe").exists()
    code, out, err = run_c(repo, *args)
    assert (code, err) == (0, ""), err
    assert "created AGENTS.ctx/sdd/assets/cafe/constitution.md" in out
    text = (repo / ASSETS / "cafe/constitution.md").read_text(encoding="utf-8")
    assert f"# Constitution: {title}\n" in text
    code, out, err = run_c(repo, "status", "cafe")
    assert code == 0 and title in out, err


def test_every_kind_of_argument_keeps_its_accents(repo: Path) -> None:
    """An approver's name, a reason, a claimant (``--as`` or ``SDDKIT_AGENT``), a context's
    description: each is written in UTF-8, and an error naming one shows it as typed."""
    code, out, err = run_c(repo, "approve", "review", "--by", "Zoë Ångström")
    assert code == 0, err
    assert front(repo / ASSETS / "review/constitution.md")["approved_by"] == "Zoë Ångström"
    code, out, err = run_c(repo, "block", "T001", "-p", "demo", "--reason", "attente du réseau")
    assert (code, out, err) == (0, "T001 of demo is blocked: attente du réseau\n", "")
    assert run_c(repo, "unblock", "T001", "-p", "demo")[0] == 0
    code, out, err = run_c(repo, "start", "T001", "-p", "demo", "--as", "Jürgen")
    assert (code, err) == (0, "") and "claimed by Jürgen" in out
    code, out, err = run_c(repo, "start", "T001", "-p", "demo", env={"SDDKIT_AGENT": "Zoë"})
    assert code == 1 and "claimed by Jürgen" in err and "--as 'Zoë'" in err
    tasks = (repo / ASSETS / "demo/tasks.md").read_text(encoding="utf-8")
    assert "  - claimed: Jürgen " in tasks
    code, out, err = run_c(repo, "reopen", "review", "constitution", "--reason", "à revoir")
    assert code == 0, err
    assert front(repo / ASSETS / "review/constitution.md")["reopened_reason"] == "à revoir"
    code, out, err = run_c(repo, "ctx", "new", "donnees", "--description", "Données clients")
    assert code == 0, err
    assert "Données clients" in (repo / "AGENTS.ctx/donnees/CONTEXT.md").read_text(
        encoding="utf-8")


def test_bytes_that_are_not_utf8_are_still_refused(repo: Path) -> None:
    """An argument whose bytes are not UTF-8 (Latin-1 "é") cannot be written: one line,
    exit 1, nothing changed."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "SDDKIT_DEBUG")}
    env.update(ASCII_LOCALE)
    done = subprocess.run([os.fsencode(sdd_executable()), b"new", b"latin", b"--title",
                           b"Caf\xe9"], cwd=repo, env=env, capture_output=True, timeout=120)
    assert done.returncode == 1 and done.stdout == b""
    assert b"the title is not valid text" in done.stderr
    assert not (repo / ASSETS / "latin").exists()
