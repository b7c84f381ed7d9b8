"""Functions stay small (one concept each): none in the shipped packages is longer than 60 lines of code.

Docstrings do not count (they are where a function explains itself); generated code (``actions/_facade``,
``_index.py``) is left out, since its generator is what is kept small.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("connector", "actions", "connections")
LIMIT = 60


def _length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    first = body[0]
    has_docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    if has_docstring and isinstance(first.value.value, str):
        body = body[1:]
    if not body:
        return 0
    return (node.end_lineno or body[-1].lineno) - body[0].lineno + 1


def long_functions(root: Path = ROOT) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "_facade" in path.parts or path.name == "_index.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _length(node) > LIMIT:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({_length(node)} lines)")
    return found


def test_no_function_is_longer_than_the_limit() -> None:
    assert long_functions() == []


def test_the_check_finds_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT + 1))
    (tmp_path / "connector").mkdir()
    (tmp_path / "connector" / "big.py").write_text(f'def big():\n    """Doc."""\n{body}\n')
    for package in PACKAGES[1:]:
        (tmp_path / package).mkdir()
    assert long_functions(tmp_path) == [f"connector/big.py:1 big ({LIMIT + 1} lines)"]
