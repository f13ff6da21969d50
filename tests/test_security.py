"""Security (issue 9): what a cloned repository's files cannot make sddkit do.

- YAML is loaded safely (no tags that build Python objects) and front matter is bounded;
- a repository-local template renders in a sandbox and cannot reach Python internals;
- no write resolves outside the repository root, symlinks included, and a refused path
  refuses the whole change;
- the MCP server has no way to approve;
- nothing touches the network.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, fill, git, sdd_executable, tree_digest, walk_to

from sddkit.errors import FrontMatterError
from sddkit.io import frontmatter

TASKS = "## Phase 1\n\n- [ ] T001 First\n- [ ] T002 Second\n"
ASSETS = Path("AGENTS.ctx/sdd/assets")


def user_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDDKIT_")}
    return {**env, **extra}


def run(repo: Path, *args: str, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sdd_executable(), *args], cwd=repo, env=env or user_env(),
                          capture_output=True, text=True, timeout=120)


def one_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit 1 with exactly one line on stderr holding ``expected``; no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for part in expected:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def repo(initialised: Path, sdd: Invoke) -> Path:
    walk_to(initialised, sdd, "alpha", tasks=TASKS)
    assert sdd(initialised, "new", "beta").exit_code == 0
    fill(initialised / ASSETS / "beta/constitution.md")
    assert sdd(initialised, "ready", "beta").exit_code == 0
    git(initialised, "add", "-A")
    git(initialised, "commit", "-q", "-m", "ready")
    return initialised


# --- YAML --------------------------------------------------------------------------------------

UNSAFE = [
    "title: !!python/object/apply:os.system ['touch PWNED']",
    "title: !!python/object/new:os.system ['touch PWNED']",
    "title: !!python/object:builtins.dict {}",
    "title: !!python/name:os.system",
    "title: !!python/module:os",
    "title: !custom thing",
]


@pytest.mark.parametrize("line", UNSAFE)
def test_yaml_tags_that_build_objects_are_refused(line: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = f"---\nproject: demo\n{line}\n---\nbody\n"
    with pytest.raises(FrontMatterError) as info:
        frontmatter.parse(text, tmp_path / "doc.md")
    assert info.value.line == 3
    assert not (tmp_path / "PWNED").exists()


def test_unsafe_tag_in_a_project_through_the_cli(repo: Path) -> None:
    path = repo / ASSETS / "beta/constitution.md"
    path.write_text(path.read_text().replace("title: beta", UNSAFE[0]))
    before = tree_digest(repo)
    for args in (["status", "beta"], ["approve", "beta"], ["check"]):
        result = run(repo, *args)
        if args == ["check"]:
            assert result.returncode == 1 and "SDD-001" in result.stdout
        else:
            one_line(result, "AGENTS.ctx/sdd/assets/beta/constitution.md:5:", "invalid YAML")
    listing = run(repo, "status")  # among the others: skipped and named (issue 14)
    assert listing.returncode == 0 and "invalid YAML" in listing.stderr
    assert not (repo / "PWNED").exists()
    assert tree_digest(repo) == before


def test_front_matter_is_bounded_at_64_kib(tmp_path: Path) -> None:
    limit = frontmatter.MAX_FRONT_MATTER
    assert limit == 64 * 1024
    line = "k{:05d}: " + "x" * 55 + "\n"  # 64 bytes a line
    fits = "".join(line.format(n) for n in range(limit // 64))
    assert len(fits) == limit
    assert len(frontmatter.parse(f"---\n{fits}---\nbody\n") or {}) == limit // 64
    over = fits + "z: 1\n"
    with pytest.raises(FrontMatterError, match="larger than 64 KiB") as info:
        frontmatter.parse(f"---\n{over}---\nbody\n", tmp_path / "big.md")
    assert info.value.line == 1
    # an unclosed block is refused at the bound too, without reading the rest
    with pytest.raises(FrontMatterError, match="larger than 64 KiB"):
        frontmatter.parse("---\n" + over * 16)


def test_aliases_are_refused_so_no_bomb_expands() -> None:
    bomb = "---\na: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n---\n"
    with pytest.raises(FrontMatterError, match="anchors and aliases are not allowed"):
        frontmatter.parse(bomb)


# --- templates -------------------------------------------------------------------------------------

ESCAPES = {
    "class": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals": "{{ self.__init__.__globals__['__builtins__']['open']('PWNED', 'w').write('x') }}",
    "subclasses": "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "cycler": "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "lipsum": "{{ lipsum.__globals__['os'].popen('touch PWNED').read() }}",
    "format": "{{ '{0.__class__.__init__.__globals__}'.format(self) }}",
    "attr": "{{ (self|attr('__init__'))|attr('__globals__') }}",
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_local_template_cannot_reach_python(repo: Path, name: str) -> None:
    templates = repo / "AGENTS.ctx/sdd/templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "constitution.md.j2").write_text(
        "---\nproject: {{ project }}\nphase: constitution\nstatus: draft\n---\n"
        f"# {{{{ title }}}}\n\n{ESCAPES[name]}\n"
    )
    before = tree_digest(repo)
    result = run(repo, "new", "gamma")
    line = one_line(result, "AGENTS.ctx/sdd/templates/constitution.md.j2:")
    assert re.search(r"constitution\.md\.j2(:[0-9]+)?: template ", line), line
    assert "internal error" not in line
    assert not (repo / "PWNED").exists()
    assert tree_digest(repo) == before


def test_local_template_that_is_safe_still_renders(repo: Path) -> None:
    templates = repo / "AGENTS.ctx/sdd/templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "context.md.j2").write_text(
        "---\nname: {{ name }}\ndescription: {{ description | yaml }}\n---\n# {{ name | upper }}\n"
    )
    result = run(repo, "ctx", "new", "backend", "--description", "The backend")
    assert result.returncode == 0, result.stderr
    assert (repo / "AGENTS.ctx/backend/CONTEXT.md").read_text().endswith("# BACKEND\n")


# --- no write outside the root ------------------------------------------------------------------------


def test_symlinked_project_folder_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside-project"
    (repo / ASSETS / "alpha").rename(outside)
    (repo / ASSETS / "alpha").symlink_to(outside, target_is_directory=True)
    before, outside_before = tree_digest(repo), tree_digest(outside)
    for args in (["done", "T001", "--project", "alpha"], ["reopen", "alpha", "plan", "--reason", "x"]):
        one_line(run(repo, *args), "AGENTS.ctx/sdd/assets/alpha:", "outside the repository")
    assert tree_digest(repo) == before
    approved = run(repo, "approve", "beta")  # elsewhere: reads beta alone (issue 15)
    assert approved.returncode == 0 and approved.stderr == "", approved.stderr
    for args in (["inventory"], ["next"]):  # every project: alpha skipped, named
        result = run(repo, *args)
        assert result.returncode == 0, result.stderr
        assert "AGENTS.ctx/sdd/assets/alpha" in result.stderr and "outside the repository" \
            in result.stderr
    assert tree_digest(outside) == outside_before


def test_symlinked_tasks_file_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside-tasks.md"
    tasks = repo / ASSETS / "alpha/tasks.md"
    tasks.rename(outside)
    tasks.symlink_to(outside)
    before, original = tree_digest(repo), outside.read_bytes()
    one_line(run(repo, "done", "T001", "--project", "alpha"),
             "AGENTS.ctx/sdd/assets/alpha/tasks.md:", "outside the repository")
    assert outside.read_bytes() == original
    assert tree_digest(repo) == before


def test_symlinked_agents_md_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside-AGENTS.md"
    agents = repo / "AGENTS.md"
    # a stale pointer block, so that init and agents install want to rewrite it
    outside.write_text(agents.read_text().replace("sdd next", "sdd previous"))
    agents.unlink()
    agents.symlink_to(outside)
    before, original = tree_digest(repo), outside.read_bytes()
    for args in (["init"], ["agents", "install", "--agent", "agents"],
                 ["agents", "remove", "--agent", "agents"]):
        one_line(run(repo, *args), "AGENTS.md:", "outside the repository")
    assert outside.read_bytes() == original
    assert tree_digest(repo) == before


def test_a_refused_path_refuses_the_whole_change(repo: Path, tmp_path: Path) -> None:
    """AGENTS.md would be rewritten, CLAUDE.md is a link out: neither is written."""
    agents = repo / "AGENTS.md"
    agents.write_text(agents.read_text().replace("sdd next", "sdd previous"))
    outside = tmp_path / "CLAUDE.md"
    outside.write_text("mine\n")
    (repo / "CLAUDE.md").symlink_to(outside)
    before = tree_digest(repo)
    one_line(run(repo, "agents", "install", "--agent", "agents,claude"), "CLAUDE.md:",
             "outside the repository")
    assert tree_digest(repo) == before
    assert outside.read_text() == "mine\n"


def test_new_context_through_a_symlinked_folder_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside-ctx"
    outside.mkdir()
    (repo / "AGENTS.ctx/backend").symlink_to(outside, target_is_directory=True)
    before = tree_digest(repo)
    one_line(run(repo, "ctx", "new", "backend"), "outside the repository")
    assert list(outside.iterdir()) == []
    assert tree_digest(repo) == before


def test_new_project_onto_a_dangling_symlink_is_refused(repo: Path, tmp_path: Path) -> None:
    (repo / ASSETS / "gamma").symlink_to(tmp_path / "nowhere", target_is_directory=True)
    before = tree_digest(repo)
    one_line(run(repo, "new", "gamma"), "gamma")
    assert not (tmp_path / "nowhere").exists()
    assert tree_digest(repo) == before


# --- MCP ------------------------------------------------------------------------------------------


def test_mcp_server_has_no_way_to_approve(repo: Path) -> None:
    """No approval tool, and no tool call moves a gate (beta's constitution is in review)."""
    anyio = pytest.importorskip("anyio")
    pytest.importorskip("mcp")
    from sddkit.cli.mcp_server import Locator, build_server

    server = build_server(Locator(repo))
    before = tree_digest(repo)

    async def main() -> list[Any]:
        tools = await server.list_tools()
        results = []
        for tool in tools:
            for args in ({}, {"project": "beta"}, {"task": "T001", "project": "beta"}):
                try:
                    results.append(await server.call_tool(tool.name, args))
                except Exception as exc:  # a refused or malformed call
                    results.append(exc)
        try:
            await server.call_tool("approve", {"project": "beta"})
        except Exception as exc:
            results.append(exc)
        else:  # pragma: no cover - there is no such tool
            raise AssertionError("an approve tool exists")
        return [tool.name for tool in tools]

    names = anyio.run(main)
    assert names and not any("approv" in name.lower() for name in names)
    assert tree_digest(repo) == before
    status = json.loads(run(repo, "status", "beta", "--json").stdout)
    assert status["phases"][0]["status"] == "review"


# --- network -----------------------------------------------------------------------------------------

NO_NETWORK = textwrap.dedent('''
    """Installed by tests/test_security.py: record and refuse every network attempt."""
    import os
    import socket

    def _refuse(*args, **kwargs):
        with open(os.environ["SDDKIT_TEST_NETLOG"], "a") as log:
            log.write(repr(args[:2]) + "\\n")
        raise OSError("network access attempted during an sddkit test")

    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.socket.sendto = _refuse
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
    socket.gethostbyname = _refuse
    socket.gethostbyname_ex = _refuse
''')


def test_a_full_session_touches_no_network(git_repo: Path, tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NO_NETWORK)
    log = tmp_path / "network.log"
    env = user_env(PYTHONPATH=str(hook), SDDKIT_TEST_NETLOG=str(log))

    # the hook works: a plain connection attempt is caught and logged
    probe = subprocess.run([os.fspath(Path(sdd_executable()).parent / "python"), "-c",
                            "import socket; socket.create_connection(('example.com', 80))"],
                           env=env, capture_output=True, text=True)
    assert probe.returncode != 0 and log.read_text().strip()
    log.unlink()

    def ok(*args: str) -> str:
        result = run(git_repo, *args, env=env)
        assert result.returncode == 0, (args, result.stderr)
        return result.stdout

    ok("init", "--agents", "claude,cursor")
    ok("ctx", "new", "backend", "--description", "The backend")
    ok("contracts", "new", "billing")
    ok("new", "demo", "--title", "Demo")
    assets = git_repo / ASSETS / "demo"
    for phase in ("constitution", "spec", "plan", "tasks"):
        fill(assets / f"{phase}.md", TASKS if phase == "tasks" else None)
        ok("ready", "demo")
        ok("approve", "demo")
    ok("status")
    ok("status", "demo", "--json")
    ok("next")
    ok("open", "sdd", "backend")
    ok("done", "T001", "--project", "demo", "--commit")
    ok("undo", "T001", "--project", "demo")
    ok("done", "T001", "--project", "demo")
    ok("block", "demo", "--reason", "waiting")
    ok("unblock", "demo")
    ok("reopen", "demo", "plan", "--reason", "rethink")
    ok("inventory")
    ok("inventory", "--check")
    ok("contracts", "check")
    ok("contracts", "graph")
    ok("agents", "list")
    run(git_repo, "check", env=env)  # findings or not, it must not reach out
    assert not log.exists(), log.read_text()


def test_a_context_linked_outside_is_not_printed(initialised: Path, sdd: Invoke,
                                                 tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\nname: leak\ndescription: x\n---\nTOP SECRET\n")
    folder = initialised / "AGENTS.ctx" / "leak"
    folder.mkdir()
    (folder / "CONTEXT.md").symlink_to(secret)
    for args in (["open", "leak"], ["ctx", "show", "leak"], ["ctx", "list"], ["open"]):
        result = sdd(initialised, *args)
        # asked for by name: refused; a listing skips it and names it (issue 14)
        assert result.exit_code == (1 if "leak" in args else 0), args
        assert "TOP SECRET" not in result.stdout
        assert "AGENTS.ctx/leak/CONTEXT.md" in result.stderr
        assert "outside the repository" in result.stderr
