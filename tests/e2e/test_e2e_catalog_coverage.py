"""Every catalog action is exercised by the end-to-end suite.

Two checks, so that neither a renamed action nor a test that stopped running can pass silently:

- statically, every action key of the catalog (mapped from its label through the component) appears as
  ``cli("<key>"`` in a ``test_e2e_*.py`` module, and every such key is a real action;
- at the end of the session (these tests are ordered last by the conftest), every catalog action ran
  through the CLI with exit code 0 at least once. When only part of the e2e suite was selected this check
  is skipped with a visible reason, never passed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from actions._index import ACTION_MODULES

from .conftest import E2E_DIR, REPO_ROOT, RUNS

pytestmark = pytest.mark.e2e

CATALOG = REPO_ROOT / "connector" / "spec" / "prismatic-klaviyo.json"
GROUP_MODULES = (
    "test_e2e_accounts.py",
    "test_e2e_campaigns.py",
    "test_e2e_events.py",
    "test_e2e_images.py",
    "test_e2e_lists.py",
    "test_e2e_profiles.py",
    "test_e2e_raw_request.py",
    "test_e2e_segments.py",
    "test_e2e_templates.py",
)
#: ``cli("<key>"`` / ``run_cli(sb, "<key>"`` calls, and ``("<key>", {...})`` tuples handed to ``cli.many``.
_CALL = re.compile(r"""\b(?:cli|run_cli)\(\s*(?:sb,\s*)?["'](\w+)["']""")
_MANY = re.compile(r"""\(\s*["'](\w+)["'],\s*\{""")


#: The catalog's action labels, from the vendored catalog.
CATALOG_LABELS = tuple(entry["label"] for entry in json.loads(CATALOG.read_text(encoding="utf-8"))["actions"])


def _catalog_keys() -> dict[str, str]:
    """Catalog label -> action key (through the component's declarations)."""
    from connector.shell.component import COMPONENT

    labels = CATALOG_LABELS
    by_label = {action.label: action.key for action in COMPONENT.actions()}
    missing = sorted(set(labels) - set(by_label))
    assert not missing, f"catalog actions the component does not declare: {missing}"
    return {label: by_label[label] for label in labels}


def _called_keys() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(E2E_DIR.glob("test_e2e_*.py")):
        text = path.read_text(encoding="utf-8")
        keys = set(_CALL.findall(text))
        if "cli.many(" in text:
            keys |= {key for key in _MANY.findall(text) if key in ACTION_MODULES}
        for key in keys:
            found.setdefault(key, set()).add(path.name)
    return found


def test_every_catalog_action_is_declared() -> None:
    keys = _catalog_keys()
    assert len(keys) == len(CATALOG_LABELS) == 38
    assert set(keys.values()) <= set(ACTION_MODULES)


def test_every_catalog_action_has_an_e2e_test() -> None:
    called = _called_keys()
    missing = {label: key for label, key in _catalog_keys().items() if key not in called}
    assert not missing, f"catalog actions no e2e test runs through the CLI: {missing}"
    unknown = sorted(set(called) - set(ACTION_MODULES))
    assert not unknown, f"e2e tests run keys that are not actions: {unknown}"


def test_every_catalog_action_ran_successfully(request: pytest.FixtureRequest) -> None:
    selected = {Path(str(item.path)).name for item in request.session.items}
    partial = sorted(set(GROUP_MODULES) - selected)
    if partial or request.config.getoption("keyword") or request.config.getoption("markexpr") not in ("", "e2e"):
        pytest.skip(f"only part of the e2e suite ran (not selected: {partial or 'some tests'})")
    succeeded = {key for key, code in RUNS if code == 0}
    missing = {label: key for label, key in _catalog_keys().items() if key not in succeeded}
    assert not missing, f"catalog actions that never ran successfully through the CLI this session: {missing}"
