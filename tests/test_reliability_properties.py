"""Property tests for the reliability promises (issue 9, docs/reliability.md).

(a) Parsing then writing with no change gives identical bytes.
(b) ``done`` on random task lists of a real project, and inventory regeneration with random
    text around the block, change only their span. (``ready``/``approve``/``reopen`` on
    random constitutions are in tests/test_properties.py.)
(c) CRLF, a BOM and a missing final newline survive every write.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import isolate, walk_to
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sddkit.io import frontmatter as _frontmatter
from sddkit.io import markers
from sddkit.io.fileio import Transaction, transaction
from sddkit.projects.inventory import BLOCK, refresh_inventory
from sddkit.projects.phases import gate_hash
from sddkit.tasks import parse_tasks, set_done, set_undone
from sddkit.tasks.mark_done import complete
from sddkit.workspace import Workspace

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- documents --------------------------------------------------------------------------------

words = st.sampled_from(["alpha", "beta", "x-1", "two words", "café", "ünïcode", "v2.0", "a_b"])
prose = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029"
                           "\x85\ufeff"),
    max_size=40,
)
comment = st.text(alphabet="abc xyz-:#'\"", max_size=12).map(lambda s: "# " + s)
KEYS = ["project", "phase", "status", "title", "owner", "tags", "notes", "priority", "created",
        "based_on", "ticket", "reviewers"]


@st.composite
def yaml_value(draw: st.DrawFn) -> list[str]:
    """One value in one of YAML's styles, as the lines after ``key:`` (first line inline)."""
    kind = draw(st.sampled_from(["plain", "single", "double", "int", "null", "bool", "flow-list",
                                 "flow-map", "block-list", "block-map", "date", "empty-map"]))
    word = draw(words)
    if kind == "plain":
        return [f" {word}"]
    if kind == "single":
        return [f" '{word}'"]
    if kind == "double":
        return [f' "{word}"']
    if kind == "int":
        return [f" {draw(st.integers(-5, 10**6))}"]
    if kind == "null":
        return [draw(st.sampled_from([" null", " ~", ""]))]
    if kind == "bool":
        return [draw(st.sampled_from([" true", " false"]))]
    if kind == "flow-list":
        return [f" [{', '.join(draw(st.lists(words, max_size=3)))}]"]
    if kind == "flow-map":
        return [" {a: " + word + ", b: 2}"]
    if kind == "block-list":
        return [""] + [f"  - {w}" for w in draw(st.lists(words, min_size=1, max_size=3))]
    if kind == "block-map":
        return ["", f"  inner: {word}", "  other: 3"]
    if kind == "date":
        return [" 2026-11-21"]
    return [" {}"]


@st.composite
def document(draw: st.DrawFn) -> tuple[str, str]:
    """A document with random front matter and body; returns (text, newline)."""
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=7, unique=True))
    lines: list[str] = []
    for key in keys:
        if draw(st.booleans()):
            lines.append(draw(comment))
        value = draw(yaml_value())
        first = f"{key}:{value[0]}"
        if len(value) == 1 and draw(st.booleans()) and value[0].strip():
            first += "  " + draw(comment)
        lines += [first, *value[1:]]
    body = draw(st.lists(prose, max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    text = bom + newline.join(["---", *lines, "---", *body])
    if draw(st.booleans()):
        text += newline
    return text, newline


@st.composite
def block_document(draw: st.DrawFn) -> tuple[str, str]:
    """Random text with one managed block ``inventory`` in it; returns (text, newline)."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    # no marker, and no fence: a fence around a marker makes it an example, not the block
    no_marker = prose.filter(lambda s: "sddkit:" not in s and "\r" not in s and "\n" not in s
                             and "```" not in s and "~~~" not in s)
    before = draw(st.lists(no_marker, min_size=1, max_size=5))
    inside = draw(st.lists(no_marker, max_size=5))
    after = draw(st.lists(no_marker, max_size=5))
    lines = [*before, markers.start_marker(BLOCK), *inside, markers.end_marker(BLOCK), *after]
    text = draw(st.sampled_from(["", "\ufeff"])) + newline.join(lines)
    if draw(st.booleans()):
        text += newline
    return text, newline


def style(text: str) -> tuple[bool, bool, bool]:
    """(BOM, CRLF throughout, final newline)."""
    data = text.replace("\r\n", "")
    return text.startswith("\ufeff"), "\r\n" in text and "\n" not in data, text.endswith("\n")


def assert_style_kept(before: str, after: str) -> None:
    bom, crlf, final = style(before)
    assert after.startswith("\ufeff") == bom
    assert not after.startswith("\ufeff\ufeff")
    if crlf:
        assert "\n" not in after.replace("\r\n", ""), "a bare LF in a CRLF document"
    assert after.endswith("\n") == final


# --- (a) no change, no new bytes -----------------------------------------------------------------


@SETTINGS
@given(doc=document(), data=st.data())
def test_set_keys_with_current_values_is_identity(doc: tuple[str, str], data: st.DataObject) -> None:
    text, _newline = doc
    meta = _frontmatter.parse(text)
    assert meta is not None
    chosen = data.draw(st.lists(st.sampled_from(sorted(meta)), unique=True)) if meta else []
    assert _frontmatter.set_keys(text, {k: meta[k] for k in chosen}) == text
    # a value that reads back equal (however it was written) is not rewritten either
    reparsed = {k: _frontmatter.load_yaml(f"v: {_frontmatter.render_value(meta[k])}", None)["v"]
                for k in chosen}
    assert _frontmatter.set_keys(text, reparsed) == text


@SETTINGS
@given(doc=block_document())
def test_replace_block_with_its_content_is_identity(doc: tuple[str, str]) -> None:
    text, _newline = doc
    content = markers.block_content(text, BLOCK)
    assert content is not None
    assert markers.replace_block(text, BLOCK, content) == text
    assert markers.upsert_block(text, BLOCK, content) == text


@SETTINGS
@given(doc=document())
def test_transaction_without_change_writes_nothing(tmp_path_factory: pytest.TempPathFactory,
                                                   doc: tuple[str, str]) -> None:
    text, _newline = doc
    root = tmp_path_factory.mktemp("tx")
    path = root / "doc.md"
    path.write_bytes(text.encode("utf-8"))
    before = os.stat(path)
    with transaction(root) as tx:
        current = tx.read(path)
        assert current == text
        meta = _frontmatter.parse(current) or {}
        tx.write(path, _frontmatter.set_keys(current, dict(meta)))
        assert tx.changes() == [] and tx.diff() == ""
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert path.read_bytes() == text.encode("utf-8")
    assert sorted(p.name for p in root.iterdir()) == [".sddkit.lock", "doc.md"]  # the lock, outside git


# --- (c) the file's style survives every write -------------------------------------------------------


@SETTINGS
@given(doc=document(), value=words, data=st.data())
def test_set_keys_keeps_bom_crlf_and_final_newline(doc: tuple[str, str], value: str,
                                                    data: st.DataObject) -> None:
    text, _newline = doc
    meta = _frontmatter.parse(text) or {}
    key = data.draw(st.sampled_from([*sorted(meta), "added_key"]))
    after = _frontmatter.set_keys(text, {key: value, "approved_at": "2026-11-21T10:00:00Z"})
    assert_style_kept(text, after)
    assert (_frontmatter.parse(after) or {})[key] == value
    assert _frontmatter.body(after) == _frontmatter.body(text)


@SETTINGS
@given(doc=block_document(), content=st.lists(prose.filter(lambda s: "sddkit:" not in s),
                                               max_size=4))
def test_replace_block_keeps_style_and_the_rest(doc: tuple[str, str], content: list[str]) -> None:
    text, _newline = doc
    block = markers.find_block(text, BLOCK)
    assert block is not None
    new = "\n".join(line.replace("\r", "") for line in content)
    after = markers.replace_block(text, BLOCK, new)
    assert_style_kept(text, after)
    old_lines, new_lines = markers.split_lines(text), markers.split_lines(after)
    assert new_lines[: block.start + 1] == old_lines[: block.start + 1]
    tail = len(old_lines) - block.end
    assert new_lines[-tail:] == old_lines[-tail:]


# --- (b) done and inventory regeneration change only their span ----------------------------------------

TASKS = "## Phase 1\n\n- [ ] T001 First\n"


@pytest.fixture(scope="module")
def implementing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real repository with project ``demo`` in implementation (built once)."""
    import subprocess

    from click.testing import CliRunner

    from sddkit.cli.group import cli

    root = tmp_path_factory.mktemp("props") / "repo"
    root.mkdir()
    runner = CliRunner()

    def invoke(repo: Path, *args: str, input: str | None = None) -> Any:
        return runner.invoke(cli, ["--root", str(repo), *args], catch_exceptions=False)

    home = tmp_path_factory.mktemp("props-home")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, home)
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        assert invoke(root, "init").exit_code == 0
        walk_to(root, invoke, "demo", tasks=TASKS)
    yield root


@st.composite
def task_list(draw: st.DrawFn) -> tuple[str, str]:
    """A random tasks body: tasks, subtasks, directives, decoys, prose; returns (body, newline)."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text_line = prose.filter(lambda s: s.strip() and "\r" not in s and "\n" not in s
                             and "<!--" not in s and "-->" not in s and not s.lstrip().startswith(
                                 ("-", "*", "+", "#", ">", "`", "~", "|", "<")) and "[" not in s)
    lines: list[str] = []
    number = 0
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["task", "task", "task", "sub", "verify", "heading", "fence",
                                     "quote", "comment", "prose", "blank"]))
        if kind in ("task", "sub"):
            number += 1
            box = draw(st.sampled_from([" ", " ", "x"]))
            indent = "  " if kind == "sub" and lines else ""
            marker = draw(st.sampled_from(["-", "*"]))
            suffix = draw(st.sampled_from(["", " [P]", "  "]))
            lines.append(f"{indent}{marker} [{box}] T{number:03d} {draw(text_line).strip()}{suffix}")
        elif kind == "verify" and lines:
            lines.append(f"  - verify: {draw(text_line).strip()}")
        elif kind == "heading":
            lines += ["", f"## {draw(text_line).strip()}", ""]
        elif kind == "fence":
            lines += ["```", "- [ ] T999 not a task", "```"]
        elif kind == "quote":
            lines.append("> - [ ] T998 quoted, not a task")
        elif kind == "comment":
            lines.append("<!-- - [ ] T997 commented out -->")
        elif kind == "prose":
            lines.append(draw(text_line))
        else:
            lines.append("")
    body = newline.join(lines)
    if draw(st.booleans()):
        body += newline
    return body, newline


def write_tasks(root: Path, body: str, newline: str, bom: bool) -> Path:
    """Replace demo's tasks body, keeping its approval valid (checkboxes are not in the hash)."""
    path = root / "AGENTS.ctx/sdd/assets/demo/tasks.md"
    original = path.read_bytes().decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n")
    head = original[: original.index("\n---\n") + len("\n---\n")]
    head = re.sub(r"approved_sha256: \w+", "approved_sha256: " + "0" * 64, head)
    text = ("\ufeff" if bom else "") + head.replace("\n", newline) + body
    text = text.replace("0" * 64, gate_hash("tasks", text))
    path.write_bytes(text.encode("utf-8"))
    return path


@SETTINGS
@given(doc=task_list(), bom=st.booleans(), data=st.data())
def test_done_changes_only_its_task_line(implementing: Path, doc: tuple[str, str], bom: bool,
                                         data: st.DataObject) -> None:
    body, newline = doc
    path = write_tasks(implementing, body, newline, bom)
    text = path.read_bytes().decode("utf-8")
    tasks = parse_tasks(text, path)
    keys = [t.key for t in tasks.tasks]
    open_leaves = [t for t in tasks.leaves() if t.state == "todo" and keys.count(t.key) == 1
                   and not t.key.startswith("task-")]
    assume(open_leaves)
    task = data.draw(st.sampled_from(open_leaves))
    ws = Workspace(implementing)
    tx = Transaction(implementing)
    done = complete(ws, tx, task.key, "demo", force=True)
    assert done.changed
    after = tx.pending[path]
    before_lines, after_lines = markers.split_lines(text), markers.split_lines(after)
    assert len(before_lines) == len(after_lines)
    changed = [i for i, (a, b) in enumerate(zip(before_lines, after_lines)) if a != b]
    assert changed == [task.line - 1]
    old, new = before_lines[task.line - 1], after_lines[task.line - 1]
    ending = old[len(old.rstrip("\r\n")):]
    assert new.endswith(ending)
    old_content, new_content = old[: len(old) - len(ending)], new[: len(new) - len(ending)]
    box = old_content.index("[ ]")
    assert new_content[: box + 3] == old_content[:box] + "[x]"
    mark = r" <!-- done \d{4}-\d\d-\d\d verify=(?:none|prose|skipped|passed)(?: at=[0-9a-f]+(?:-dirty)?)? -->"
    # the mark goes after the text, before trailing whitespace (a hard break stays one)
    rest = old_content[box + 3 :]
    tail = re.search(r"[ \t]*\\?[ \t]*$", rest).group(0)  # type: ignore[union-attr]
    assert re.fullmatch(re.escape(rest[: len(rest) - len(tail)]) + mark + re.escape(tail),
                        new_content[box + 3 :])
    assert_style_kept(text, after)
    # and undo puts back every byte
    task_after = parse_tasks(after, path).get(task.key)
    assert task_after is not None
    assert set_undone(after, task_after) == text


@SETTINGS
@given(doc=task_list(), bom=st.booleans(), data=st.data())
def test_set_done_then_undone_is_identity(doc: tuple[str, str], bom: bool,
                                          data: st.DataObject) -> None:
    body, newline = doc
    # (a BOM right before a task on line 1: see test_set_done_on_first_line_after_bom)
    text = ("\ufeff# Tasks" + newline if bom else "") + body
    tasks = parse_tasks(text)
    candidates = [t for t in tasks.tasks if t.state == "todo"]
    assume(candidates)
    task = data.draw(st.sampled_from(candidates))
    after = set_done(text, task, "2026-11-21 abc1234")
    assert_style_kept(text, after)
    assert set_undone(after, parse_tasks(after).tasks[task.position - 1]) == text


@st.composite
def around_inventory(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """Random text before and after the inventory block, stale text inside it, the newline."""
    # no marker, and no fence: a fence around a marker makes it an example, not the block
    no_marker = prose.filter(lambda s: "sddkit:" not in s and "```" not in s and "~~~" not in s)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    before = newline.join(draw(st.lists(no_marker, max_size=5)))
    inside = newline.join(draw(st.lists(no_marker, max_size=3)))
    after = newline.join(draw(st.lists(no_marker, max_size=5)))
    return before, inside, after + draw(st.sampled_from(["", newline])), newline


@SETTINGS
@given(parts=around_inventory(), bom=st.booleans())
def test_inventory_regeneration_changes_only_the_block(implementing: Path,
                                                      parts: tuple[str, str, str, str],
                                                      bom: bool) -> None:
    before, inside, after, newline = parts
    ws = Workspace(implementing)
    head = f"---{newline}name: sdd{newline}description: SDD{newline}---{newline}"
    text = (("\ufeff" if bom else "") + head + before + (newline if before else "")
            + markers.start_marker(BLOCK) + newline + (inside + newline if inside else "")
            + markers.end_marker(BLOCK) + newline + after)
    ws.sdd_context.write_bytes(text.encode("utf-8"))
    with transaction(implementing, dry_run=True) as tx:
        refresh_inventory(ws, tx)
    new = tx.pending[ws.sdd_context]
    old_block = markers.find_block(text, BLOCK)
    new_block = markers.find_block(new, BLOCK)
    assert old_block is not None and new_block is not None
    old_lines, new_lines = markers.split_lines(text), markers.split_lines(new)
    assert new_lines[: new_block.start + 1] == old_lines[: old_block.start + 1]
    assert new_lines[new_block.end :] == old_lines[old_block.end :]
    assert "| demo | tasks | implementing |" in new
    assert_style_kept(text, new)
    # regenerating again changes nothing
    ws.sdd_context.write_bytes(new.encode("utf-8"))
    with transaction(implementing, dry_run=True) as tx2:
        refresh_inventory(ws, tx2)
    assert tx2.changes() == []


def test_set_done_on_first_line_after_bom() -> None:
    text = "\ufeff- [ ] T001 First\n- [ ] T002 Second\n"
    task = parse_tasks(text).tasks[0]
    after = set_done(text, task, "2026-11-21")
    assert after == "\ufeff- [x] T001 First <!-- done 2026-11-21 -->\n- [ ] T002 Second\n"
    assert set_undone(after, parse_tasks(after).tasks[0]) == text
