"""The sandbox is a second implementation: it must not share code with the client it tests (design.md)."""

from __future__ import annotations

import ast
from pathlib import Path

SANDBOX = Path(__file__).resolve().parents[2] / "connector" / "sandbox"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_sandbox_imports_nothing_from_the_client_actions_or_connections() -> None:
    offenders = {
        f"{path.relative_to(SANDBOX)}: {module}"
        for path in SANDBOX.rglob("*.py")
        for module in _imported_modules(path)
        if module.split(".")[0] in {"actions", "connections"}
        or (module.split(".")[0] == "connector" and not module.startswith("connector.sandbox"))
    }
    assert offenders == set()


def test_sandbox_uses_the_standard_library_only() -> None:
    import sys

    third_party = {
        module
        for path in SANDBOX.rglob("*.py")
        for module in _imported_modules(path)
        if module.split(".")[0] not in sys.stdlib_module_names and module.split(".")[0] not in {"connector", "pytest"}
    }
    assert third_party == set()
