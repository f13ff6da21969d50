"""examples/shop-mesh: each planted mismatch is found and nothing else; its fixed twin is clean."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sddkit.cli.group import cli
from sddkit.contracts import check_contracts
from sddkit.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "examples" / "shop-mesh"
FIXED = ROOT / "examples" / "shop-mesh-fixed"
C = "AGENTS.ctx/contracts"

#: (rule, file, a phrase of the message): one per planted mismatch, as the README lists them.
PLANTED = [
    ("CON-014", "deploy/orders.yaml", "listens on port 8000, not on the contract's port 8080"),
    ("CON-015", "deploy/catalog.yaml", "probes /ready"),
    ("CON-016", "compose.yaml", "does not set DELIVERY_ZONES"),
    ("CON-017", "deploy/orders.yaml", "mounts nothing at the contract's secrets location"),
    ("CON-018", "deploy/web.yaml", "ORDERS_URL points at host 'orders-svc'"),
    ("CON-020", f"{C}/catalog.yaml", "catalog provides GetItems"),
    ("CON-021", f"{C}/delivery.yaml", "only delivery has city-msk, city-spb"),
]


def test_each_planted_mismatch_is_found_and_nothing_else() -> None:
    found = check_contracts(Workspace(BROKEN))
    assert len(found) == len(PLANTED), "\n".join(f.to_text() for f in found)
    for rule, path, phrase in PLANTED:
        match = [f for f in found if f.rule == rule and f.path == path and phrase in f.message]
        assert len(match) == 1, (rule, path, [f.to_text() for f in found])
        assert match[0].severity == "error" and match[0].line > 0


def test_the_fixed_twin_is_clean() -> None:
    assert check_contracts(Workspace(FIXED), strict=True) == []


def test_the_cli_on_both() -> None:
    runner = CliRunner()
    broken = runner.invoke(cli, ["--root", str(BROKEN), "contracts", "check"])
    assert broken.exit_code == 1
    assert broken.stdout.splitlines()[-1] == f"{len(PLANTED)} errors, 0 warnings in 4 contract files."
    fixed = runner.invoke(cli, ["--root", str(FIXED), "contracts", "check", "--strict"])
    assert (fixed.exit_code, fixed.stdout) == (0, "No problems in 4 contract files.\n")


def test_the_twins_differ_only_where_a_mismatch_was_planted() -> None:
    differing = sorted(
        p.relative_to(BROKEN).as_posix() for p in BROKEN.rglob("*")
        if p.is_file() and (FIXED / p.relative_to(BROKEN)).read_bytes() != p.read_bytes())
    assert differing == sorted({"README.md", *(path for _rule, path, _m in PLANTED),
                                f"{C}/web.yaml"})
