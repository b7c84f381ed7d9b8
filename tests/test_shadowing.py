"""Another package named ``actions`` or ``connections`` earlier on sys.path (Rasa keeps its custom actions in an
``actions/`` package) is detected and named, instead of failing obscurely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _shadowed(tmp_path: Path, name: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run Python with a fake ``name`` package first on sys.path, from a directory away from the sources."""
    fake = tmp_path / "project" / name
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('"""Some other project\'s package."""\n')
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "project"), "KLAVIYO_BASE_URL": "http://127.0.0.1:9"}
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)


@pytest.mark.parametrize("name", ["actions", "connections"])
def test_importing_the_facade_names_the_shadowing_package(tmp_path: Path, name: str) -> None:
    done = _shadowed(tmp_path, name, "-c", "from connector import Klaviyo")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("connector.shell.packages.ShadowedPackageError: klaviyo-connector cannot load its")
    assert str(tmp_path / "project" / name) in last and "Rasa" in last
    # It is an ImportError too, so code that guards the import keeps working.
    done = _shadowed(
        tmp_path / "again", name, "-c", "try:\n from connector import Klaviyo\nexcept ImportError as e:\n print(e.path)"
    )
    assert done.stdout.strip() == str(tmp_path / "again" / "project" / name)


def test_the_cli_reports_the_shadowing_as_its_json_error(tmp_path: Path) -> None:
    done = _shadowed(tmp_path, "actions", "-m", "connector", "run", "listLists")
    assert done.returncode == 1 and done.stdout == ""
    error = json.loads(done.stderr)["error"]
    assert error["type"] == "ShadowedPackageError"
    assert f"the 'actions' package at {tmp_path / 'project' / 'actions'} comes first on sys.path" in error["message"]


def test_nothing_is_reported_when_nothing_shadows(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "project")}
    done = subprocess.run(
        [sys.executable, "-m", "connector", "actions"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0 and "createList\tCreate List" in done.stdout
