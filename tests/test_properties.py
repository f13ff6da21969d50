"""Property tests: gate transitions change no byte outside the keys they set (issues 3, 9)."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sddkit.io import frontmatter
from sddkit.io.fileio import transaction
from sddkit.projects import transitions
from sddkit.projects.phases import gate_hash
from sddkit.repository.initialise import initialise
from sddkit.workspace import Workspace

BODY = """# Constitution

## Foundations

Python.

## Amendments

By approval.
"""

comment = st.text(alphabet="abc xyz-:#'\"", min_size=0, max_size=12).map(lambda s: "# " + s)
plain_word = st.sampled_from(["alpha", "beta", "x-1", "some words", "v2"])


@st.composite
def value_line(draw: st.DrawFn, key: str, value: str | None) -> str:
    if value is None:
        rendered = draw(st.sampled_from(["null", "~", ""]))
    else:
        rendered = draw(st.sampled_from([value, f"'{value}'", f'"{value}"']))
    trailing = draw(st.one_of(st.just(""), comment.map(lambda c: "  " + c)))
    space = draw(st.sampled_from([" ", "  "]))
    return f"{key}:{space}{rendered}{trailing}".rstrip() if not rendered and not trailing else (
        f"{key}:{space}{rendered}{trailing}")


@st.composite
def document(draw: st.DrawFn, status: str) -> tuple[str, list[str]]:
    fixed = {
        "project": "demo",
        "phase": "constitution",
        "status": status,
        "title": draw(plain_word),
        "approved_by": None,
        "approved_at": None,
        "approved_sha256": None,
        "approved_commit": None,
    }
    keys = list(fixed)
    extra = draw(st.lists(st.sampled_from(["owner", "team", "ticket"]), unique=True, max_size=3))
    keys += extra
    if draw(st.booleans()):
        keys.append("based_on")
    order = draw(st.permutations(keys))
    lines = []
    for key in order:
        if draw(st.booleans()):
            lines.append(draw(comment))
        if key == "based_on":
            lines.append("based_on: {}" + draw(st.sampled_from(["", "  # earlier approvals"])))
        elif key in fixed:
            lines.append(draw(value_line(key, fixed[key])))
        else:
            lines.append(draw(value_line(key, draw(plain_word))))
    if draw(st.booleans()):
        lines.append(draw(comment))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    body = BODY.replace("\n", newline)
    if draw(st.booleans()):
        body = body.rstrip("\r\n")
    text = bom + "---" + newline + newline.join(lines) + newline + "---" + newline + body
    return text, list(order)


def outside_keys(text: str, keys: set[str]) -> list[str]:
    """Every line of ``text`` except the top-level lines of ``keys``."""
    pattern = re.compile(r"^(%s)\s*:" % "|".join(map(re.escape, keys)))
    return [line for line in text.split("\n") if not pattern.match(line.lstrip("\ufeff"))]


def make_repo(root: Path, text: str) -> Workspace:
    with transaction(root) as tx:
        ws = initialise(root, tx)
    folder = ws.assets / "demo"
    folder.mkdir(parents=True)
    (folder / "constitution.md").write_bytes(text.encode())
    return ws


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def staged(ws: Workspace, action) -> str:  # type: ignore[no-untyped-def]
    with transaction(ws.root, dry_run=True) as tx:
        action(tx)
    return tx.pending[ws.assets / "demo" / "constitution.md"]


@SETTINGS
@given(data=st.data())
def test_ready_changes_only_status(tmp_path_factory, data) -> None:  # type: ignore[no-untyped-def]
    text, _order = data.draw(document("draft"))
    ws = make_repo(tmp_path_factory.mktemp("r"), text)
    after = staged(ws, lambda tx: transitions.ready(ws, tx, "demo"))
    assert outside_keys(after, {"status"}) == outside_keys(text, {"status"})
    assert frontmatter.parse(after)["status"] == "review"
    assert after.startswith(text[:1] if text.startswith("\ufeff") else "---")
    assert after.endswith(text[-1])


APPROVE_KEYS = {"status", "approved_by", "approved_at", "approved_sha256", "approved_commit",
                "based_on"}


@SETTINGS
@given(data=st.data())
def test_approve_changes_only_gate_keys(tmp_path_factory, data) -> None:  # type: ignore[no-untyped-def]
    text, _order = data.draw(document("review"))
    ws = make_repo(tmp_path_factory.mktemp("a"), text)
    after = staged(ws, lambda tx: transitions.approve(ws, tx, "demo", by="Ada"))
    assert outside_keys(after, APPROVE_KEYS) == outside_keys(text, APPROVE_KEYS)
    meta = frontmatter.parse(after)
    assert meta["status"] == "approved" and meta["approved_by"] == "Ada"
    assert meta["approved_sha256"] == gate_hash("spec", text)
    assert frontmatter.body(after) == frontmatter.body(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    assert newline == "\n" or "\n" not in after.replace("\r\n", "")


@SETTINGS
@given(data=st.data())
def test_reopen_changes_only_its_keys(tmp_path_factory, data) -> None:  # type: ignore[no-untyped-def]
    text, _order = data.draw(document("review"))
    ws = make_repo(tmp_path_factory.mktemp("o"), text)
    approved = staged(ws, lambda tx: transitions.approve(ws, tx, "demo", by="Ada"))
    (ws.assets / "demo" / "constitution.md").write_bytes(approved.encode())
    after = staged(ws, lambda tx: transitions.reopen(ws, tx, "demo", "constitution", "why not"))
    keys = APPROVE_KEYS | {"reopened_reason", "reopened_at"}
    assert outside_keys(after, keys) == outside_keys(approved, keys)
    assert frontmatter.parse(after)["status"] == "draft"
    assert frontmatter.body(after) == frontmatter.body(text)
