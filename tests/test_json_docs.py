"""docs/json.md documents every `--json` shape exactly: each field the CLI prints is in the
docs with the right type, and each documented field is printed. The MCP tools return the
same documented shapes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, git, walk_to

DOC = Path(__file__).resolve().parent.parent / "docs" / "json.md"
HEADING = re.compile(r"^## `(sddkit\.[a-z.]+/\d+)`(?:: (.+))?$")
CELL_SPLIT = re.compile(r"(?<!\\)\|")

TASKS = """## Phase 1: core

- [ ] T001 Create the module
  - verify: python -c "import x"
- [ ] T002 [P] [US1] Add the parser
  - depends: T001
  - verify: $ git --version
- [ ] T003 Talk to the vendor
  - blocked: waiting on the vendor's API key
- [ ] T004 Wire the CLI
  - depends: T002
  - verify: pytest tests/test_cli.py
"""

Docs = dict[str, dict[str, str]]  # section ("sddkit.status/1: one project") -> {path: type}


def parse_docs() -> Docs:
    sections: Docs = {}
    current: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = HEADING.match(line)
        if match:
            current = match.group(1) + (f": {match.group(2)}" if match.group(2) else "")
            sections[current] = {}
            continue
        if line.startswith("## "):
            current = None
        if current is None or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in CELL_SPLIT.split(line)[1:-1]]
        path, kind = cells[0].strip("`"), cells[1].replace("\\|", "|")
        assert path not in sections[current], f"{current}: {path} documented twice"
        sections[current][path] = kind
    return sections


def type_ok(value: Any, kind: str) -> bool:
    options = kind.split("|")
    if value is None:
        return "null" in options
    for option in options:
        if option == "string" and isinstance(value, str):
            return True
        if option == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if option == "boolean" and isinstance(value, bool):
            return True
        if option == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if (option == "object" or option.startswith("sddkit.")) and isinstance(value, dict):
            return True
        if option == "list of string" and isinstance(value, list) and all(
                isinstance(v, str) for v in value):
            return True
    return False


def field_paths(value: dict[str, Any], types: dict[str, str], prefix: str = "") -> set[str]:
    """Every field path in ``value`` as docs/json.md spells it; checks each value's type."""
    out: set[str] = set()
    for key, item in value.items():
        wildcard = f"{prefix}*"
        if wildcard in types:
            path = wildcard
        elif f"{prefix}{key}[]" in types:
            path = f"{prefix}{key}[]"
        else:
            path = f"{prefix}{key}"
        out.add(path)
        kind = types.get(path)
        if kind is None:
            continue  # reported by the caller as undocumented
        if path.endswith("[]"):
            assert isinstance(item, list), f"{path}: expected a list, got {item!r}"
            for element in item:
                assert type_ok(element, kind), f"{path}: {element!r} is not {kind}"
                if isinstance(element, dict):
                    out |= field_paths(element, types, f"{path}.")
            continue
        assert type_ok(item, kind), f"{path}: {item!r} is not {kind}"
        if isinstance(item, dict) and not kind.startswith("sddkit."):
            out |= field_paths(item, types, f"{path}.")
    return out


@pytest.fixture(scope="module")
def docs() -> Docs:
    return parse_docs()


def cli_json(sdd: Invoke, root: Path, *args: str) -> dict[str, Any]:
    result = sdd(root, *args, "--json")
    assert result.stdout, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture
def samples(initialised: Path, sdd: Invoke) -> tuple[Path, list[tuple[str, dict[str, Any]]]]:
    """A repository where every documented field shows up in some command's output."""
    root = initialised
    for args in (("ctx", "new", "geo", "--description", "Geography rules"),
                 ("ctx", "new", "web", "--includes", "geo")):
        assert sdd(root, *args).exit_code == 0
    walk_to(root, sdd, "demo", tasks=TASKS)
    walk_to(root, sdd, "extra", tasks="## Tasks\n\n- [ ] 1. One thing\n")
    walk_to(root, sdd, "later", upto="constitution")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "approved")
    for task in ("T001", "T002"):
        assert sdd(root, "done", task, "--project", "demo", "--commit").exit_code == 0
    (root / "CLAUDE.md").write_text("<!-- sddkit:agents:start -->\nunclosed\n")
    assert sdd(root, "agents", "install", "--agent", "cursor").exit_code == 0
    contracts = root / "AGENTS.ctx/contracts"
    contracts.mkdir()
    (contracts / "bad.yaml").write_text("service: bad\nbogus: 1\n")
    out = [
        ("sddkit.open/1", cli_json(sdd, root, "open", "web", "sdd")),
        ("sddkit.open/1", cli_json(sdd, root, "open")),
        ("sddkit.ctx.list/1", cli_json(sdd, root, "ctx", "list")),
        ("sddkit.ctx.show/1", cli_json(sdd, root, "ctx", "show", "web")),
        ("sddkit.status/1: every project", cli_json(sdd, root, "status")),
        ("sddkit.status/1: one project", cli_json(sdd, root, "status", "demo")),
        ("sddkit.status/1: one project", cli_json(sdd, root, "status", "later")),
        ("sddkit.next/1", cli_json(sdd, root, "next")),
        ("sddkit.next/1", cli_json(sdd, root, "next", "later")),
        ("sddkit.contracts.check/1", cli_json(sdd, root, "contracts", "check")),
        ("sddkit.agents.list/1", cli_json(sdd, root, "agents", "list")),
        ("sddkit.verify/1", cli_json(sdd, root, "verify", "--all")),
        ("sddkit.show/1", cli_json(sdd, root, "show", "T002", "--project", "demo")),
        ("sddkit.show/1", cli_json(sdd, root, "show", "T003", "--project", "demo")),
        ("sddkit.log/1", cli_json(sdd, root, "log")),
    ]
    out += _lifecycle_samples(root, sdd)
    # several agents: a claim, a project waiting for a person, every task that can start
    assert sdd(root, "block", "later", "--reason", "waits for a decision").exit_code == 0
    out += [
        ("sddkit.claim/1", cli_json(sdd, root, "start", "T004", "--project", "demo", "--as", "bob")),
        ("sddkit.next.all/1", cli_json(sdd, root, "next", "--all", "--as", "alice")),
        ("sddkit.next.all/1", cli_json(sdd, root, "next", "--all", "--as", "bob")),
        ("sddkit.next/1", cli_json(sdd, root, "next", "--as", "bob")),
        ("sddkit.claim/1", cli_json(sdd, root, "release", "T004", "--project", "demo",
                                    "--as", "bob")),
    ]
    extra = root / "AGENTS.ctx/sdd/assets/extra/tasks.md"  # a stale claim, taken over
    extra.write_text(extra.read_text().replace(
        "- [ ] 1. One thing\n", "- [ ] 1. One thing\n  - claimed: carol 2020-01-01T00:00Z\n"))
    out.append(("sddkit.claim/1", cli_json(sdd, root, "start", "1", "--project", "extra",
                                           "--as", "bob", "--steal")))
    spec = root / "AGENTS.ctx/sdd/assets/extra/spec.md"
    spec.write_text(spec.read_text() + "\nA change after approval.\n")
    out.append(("sddkit.check/1", cli_json(sdd, root, "check")))
    # a project that cannot be read: listed as `broken` by the listing commands (issue 14)
    wreck = root / "AGENTS.ctx/sdd/assets/wreck"
    wreck.mkdir()
    (wreck / "constitution.md").write_text("---\nproject: wreck\nstatus: [draft\n---\n")
    out += [("sddkit.open/1", cli_json(sdd, root, "open", "sdd")),
            ("sddkit.status/1: every project", cli_json(sdd, root, "status")),
            ("sddkit.next/1", cli_json(sdd, root, "next"))]
    return root, out


def _lifecycle_samples(root: Path, sdd: Invoke) -> list[tuple[str, dict[str, Any]]]:
    """adopt, archive and status --archived, each field shown at least once."""
    kiro = root / ".kiro/specs/search"
    kiro.mkdir(parents=True)
    (kiro / "tasks.md").write_text("- [ ] 1. Index the documents\n")
    (root / "GEMINI.md").write_text("- Always write the test first, then the code.\n")
    (root / "AGENTS.md").write_text((root / "AGENTS.md").read_text() +
                                    "\n- Always write the test first, then the code.\n")
    adopted = cli_json(sdd, root, "adopt", "--dry-run")
    cli_json(sdd, root, "adopt")
    again = cli_json(sdd, root, "adopt")
    walk_to(root, sdd, "finished", tasks="## Tasks\n\n- [x] T001 Done already\n")
    walk_to(root, sdd, "unfinished", upto="constitution")
    moved = cli_json(sdd, root, "archive", "finished", "unfinished", "--force")
    (root / "AGENTS.ctx/sdd/archive/2020-01-01-broken").mkdir(parents=True)
    return [("sddkit.adopt/1", adopted), ("sddkit.adopt/1", again),
            ("sddkit.archive/1", moved),
            ("sddkit.status.archived/1", cli_json(sdd, root, "status", "--archived"))]


def assert_documented(docs: Docs, section: str, data: dict[str, Any]) -> set[str]:
    types = docs[section]
    assert data["schema"] == section.split(":")[0]
    found = field_paths(data, types)
    undocumented = found - set(types)
    assert not undocumented, f"{section}: fields missing from docs/json.md: {sorted(undocumented)}"
    return found


def test_every_cli_shape_matches_the_docs(docs: Docs, samples: Any) -> None:
    _root, outputs = samples
    seen: dict[str, set[str]] = {}
    for section, data in outputs:
        seen.setdefault(section, set()).update(assert_documented(docs, section, data))
    for section, found in seen.items():
        stale = set(docs[section]) - found
        assert not stale, f"{section}: documented but never printed: {sorted(stale)}"


def test_docs_cover_every_schema(docs: Docs) -> None:
    ids = {section.split(":")[0] for section in docs}
    assert ids == {
        "sddkit.open/1", "sddkit.ctx.list/1", "sddkit.ctx.show/1", "sddkit.status/1",
        "sddkit.next/1", "sddkit.check/1", "sddkit.contracts.check/1",
        "sddkit.agents.list/1", "sddkit.done/1", "sddkit.log/1", "sddkit.status.archived/1",
        "sddkit.archive/1", "sddkit.adopt/1", "sddkit.claim/1", "sddkit.next.all/1",
        "sddkit.verify/1", "sddkit.show/1",
        "sddkit.undo/1", "sddkit.ready/1", "sddkit.new/1", "sddkit.block/1",
    }
    text = DOC.read_text(encoding="utf-8")
    for schema in ids:
        assert f'`"{schema}"`' in text  # its schema row names it
        assert f"| `{schema}` |" in text  # and the index table lists it


def in_process_tools(root: Path) -> Callable[..., dict[str, Any]]:
    """Call the MCP server's tools in process (``tool(name, **arguments)``): the structured
    result of a call that must succeed."""
    anyio = pytest.importorskip("anyio")
    pytest.importorskip("mcp")
    from sddkit.cli.mcp_server import Locator, build_server

    server = build_server(Locator(root))

    def tool(name: str, **arguments: Any) -> dict[str, Any]:
        result = anyio.run(server.call_tool, name, arguments)
        assert not result.is_error, result.content
        data: dict[str, Any] = result.structured_content
        return data

    return tool


def test_mcp_tools_return_the_documented_shapes(docs: Docs, samples: Any, sdd: Invoke) -> None:
    root, _outputs = samples
    tool = in_process_tools(root)
    assert tool("open_context", names=["web", "sdd"]) == cli_json(sdd, root, "open", "web", "sdd")
    assert tool("status") == cli_json(sdd, root, "status")
    assert tool("status", project="demo") == cli_json(sdd, root, "status", "demo")
    assert tool("next_step") == cli_json(sdd, root, "next")
    assert_documented(docs, "sddkit.open/1", tool("open_context"))
    assert_documented(docs, "sddkit.next/1", tool("next_step", project="demo"))
    done = tool("complete_task", task="T004", project="demo")
    found = assert_documented(docs, "sddkit.done/1", done)
    assert found == set(docs["sddkit.done/1"])
    assert_documented(docs, "sddkit.next/1", done["next"])
    assert_documented(docs, "sddkit.contracts.check/1", tool("contracts_check"))


def test_mcp_action_tools_print_every_documented_field(docs: Docs, samples: Any) -> None:
    """ready, new_project, undo_task, block and unblock (MCP only): every field they return
    is documented, and every documented field shows up."""
    from conftest import fill

    root, _outputs = samples
    tool = in_process_tools(root)
    made = tool("new_project", project="fresh", title="Fresh start")
    fill(root / "AGENTS.ctx/sdd/assets/fresh/constitution.md")
    shapes = [("sddkit.new/1", made), ("sddkit.ready/1", tool("ready", project="fresh")),
              ("sddkit.undo/1", tool("undo_task", task="T001", project="demo")),
              ("sddkit.block/1", tool("block", task="T004", project="demo", reason="waits")),
              ("sddkit.block/1", tool("block", project="extra", reason="waits")),
              ("sddkit.block/1", tool("unblock", project="extra"))]
    seen: dict[str, set[str]] = {}
    for section, data in shapes:
        seen.setdefault(section, set()).update(assert_documented(docs, section, data))
    for section, found in seen.items():
        assert found == set(docs[section]), section
