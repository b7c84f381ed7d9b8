"""The layer contract: each layer imports only the layers below it, and only the shell reads the environment.

Layers, lowest first (README, "Architecture"):

- ``base``: ``connector.version`` (constants) and ``connector.structs`` (the value classes every layer declares);
- ``client``: ``connector.client`` (the HTTP pipeline, errors, retry, pagination, auth protocol, models);
- ``framework``: ``connector.framework`` (inputs, definitions, component, manifest, facade base);
- ``klaviyo``: ``connector.klaviyo`` (the operation registry, bodies, identifier rules, bulk senders, pacing);
- ``actions`` and ``connections``: one module per resource group; the API key and OAuth credentials;
- ``apps``: ``connector.apps`` (delivery, sync);
- ``shell``: ``connector.shell``, ``connector`` itself and ``connector.__main__`` (CLI, environment, demo, the
  Python facade): the one composition root, the only layer that names ``actions`` and ``connections``.

The sandbox (``connector.sandbox``) is apart: it imports none of the others (``tests/sandbox/test_independence.py``),
and only the shell may import it.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a lazy import is still a
dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("connector", "actions", "connections")

#: Layer -> the layers it may import (itself included).
ALLOWED: dict[str, frozenset[str]] = {
    "base": frozenset({"base"}),
    "client": frozenset({"base", "client"}),
    "framework": frozenset({"base", "client", "framework"}),
    "klaviyo": frozenset({"base", "client", "framework", "klaviyo"}),
    "actions": frozenset({"base", "client", "framework", "klaviyo", "actions"}),
    "connections": frozenset({"base", "client", "framework", "connections"}),
    "apps": frozenset({"base", "client", "framework", "klaviyo", "apps"}),
    "shell": frozenset(
        {"base", "client", "framework", "klaviyo", "actions", "connections", "apps", "shell", "sandbox"}
    ),
    "sandbox": frozenset({"sandbox"}),
}


def layer_of(module: str) -> str | None:
    """The layer of a module of this project, or None for the standard library and third parties.

    Example: ``connector.klaviyo.bulk.senders`` -> ``klaviyo``; ``connector`` -> ``shell``.
    """
    parts = module.split(".")
    if parts[0] in ("actions", "connections"):
        return parts[0]
    if parts[0] != "connector":
        return None
    if len(parts) == 1 or parts[1] == "__main__":
        return "shell"
    return {"version": "base", "structs": "base"}.get(parts[1], parts[1])


def imported_modules(source: str, module: str) -> set[str]:
    """Every module an import statement in ``source`` names (relative imports resolved against ``module``)."""
    package = module.split(".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            submodules = {f"{name}.{alias.name}" for alias in node.names}
            # ``from connector import structs`` imports the module connector.structs; ``from connector import
            # KlaviyoClient`` takes a name from the package itself (the shell's exports).
            if not all(_is_module(sub) for sub in submodules):
                found.add(name)
            found.update(submodules)
    return found


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def violations(module: str, source: str) -> list[str]:
    """The imports of ``module`` that break the layer contract, as ``"module -> imported (layer)"``."""
    own = layer_of(module)
    if own is None:
        return []
    allowed = ALLOWED[own]
    out = []
    for name in sorted(imported_modules(source, module)):
        target = layer_of(name)
        if target is not None and target in ALLOWED and target not in allowed:
            out.append(f"{module} ({own}) -> {name} ({target})")
    return out


def environment_reads(source: str) -> list[str]:
    """String constants naming a ``KLAVIYO_*`` variable (how code reads the environment)."""
    return sorted(
        {
            node.value
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("KLAVIYO_")
        }
    )


def _modules() -> list[tuple[str, Path]]:
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out.append((".".join(parts), path))
    return out


def test_every_module_has_a_layer() -> None:
    unknown = sorted(module for module, _ in _modules() if layer_of(module) not in ALLOWED)
    assert unknown == [], f"modules outside the layers of README's Architecture section: {unknown}"


def test_no_layer_imports_a_higher_one() -> None:
    found = [v for module, path in _modules() for v in violations(module, path.read_text(encoding="utf-8"))]
    assert found == []


def test_only_the_shell_reads_the_environment() -> None:
    readers = {
        module: names
        for module, path in _modules()
        if layer_of(module) not in ("shell", "sandbox")
        and (names := environment_reads(path.read_text(encoding="utf-8")))
    }
    assert readers == {}


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("connector.client.pipeline", "from connector.klaviyo import operations", "-> connector.klaviyo"),
        ("connector.framework.inputs", "def f():\n    import actions.lists", "-> actions.lists (actions)"),
        ("connector.klaviyo.bulk.senders", "from connector.apps.sync import engine", "(apps)"),
        (
            "actions.lists",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import connections",
            "(connections)",
        ),
        ("connector.apps.sync.engine", "from connector.shell.env import client_from_env", "(shell)"),
        ("connector.sandbox.app", "from ..client import errors", "connector.client.errors (client)"),
        ("connector.klaviyo.values", "from connector.shell import cli", "connector.shell.cli (shell)"),
        ("connector.client.retry", "from connector import KlaviyoClient", "-> connector (shell)"),
    ],
)
def test_the_check_catches_an_upward_import(module: str, source: str, expected: str) -> None:
    found = violations(module, source)
    assert found and expected in found[0]


def test_the_check_allows_downward_and_standard_imports() -> None:
    source = "import json\nimport attrs\nfrom connector.client.errors import InputError\nfrom . import jsonapi"
    assert violations("connector.klaviyo.bodies", source) == []
    assert violations("connector.client.retry", "from connector import structs, version") == []
    assert environment_reads('os.environ.get("HOME")') == []
    assert environment_reads('os.environ["KLAVIYO_API_KEY"]') == ["KLAVIYO_API_KEY"]
