"""docs/reliability.md names a test for every promise: each named test must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).parent
DOC = HERE.parent / "docs" / "reliability.md"
CORPUS = HERE / "fixtures" / "bad"

REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[([\w-]+)\])?`")
CASE = re.compile(r"`\[([a-z0-9]+-[a-z0-9-]+)\]`")  # corpus cases: fm-..., enc-...


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_test_named_in_reliability_md_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    refs = REF.findall(text)
    assert len(refs) > 40
    for file, function, case in refs:
        path = HERE.parent / file
        assert path.is_file(), file
        assert function in functions_in(path), f"{file}::{function}"
        if case:
            assert (CORPUS / case / "case.yaml").is_file(), case
    for case in CASE.findall(text):
        assert (CORPUS / case / "case.yaml").is_file(), case


def test_every_reliability_test_file_is_cited() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in ("test_bad_input", "test_reliability_properties", "test_concurrency",
                 "test_crash", "test_security"):
        cited = {function for file, function, _case in REF.findall(text)
                 if file == f"tests/{name}.py"}
        missing = functions_in(HERE / f"{name}.py") - cited - {"test_corpus_is_big_enough"}
        assert not missing, (name, sorted(missing))
