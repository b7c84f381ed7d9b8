"""Packaging: the source distribution runs its own tests, the metadata is complete, and installing the package
makes the sandbox fixtures available to pytest."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import textwrap
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> tarfile.TarFile:
    """The source distribution, built as ``python -m build --sdist`` builds it (setuptools' PEP 517 backend)."""
    out = tmp_path_factory.mktemp("sdist")
    script = f"from setuptools import build_meta; print(build_meta.build_sdist({str(out)!r}))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    name = done.stdout.strip().splitlines()[-1]
    return tarfile.open(out / name)


def _members(sdist: tarfile.TarFile) -> set[str]:
    return {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name and m.isfile()}


def test_the_sdist_holds_everything_its_tests_need(sdist: tarfile.TarFile) -> None:
    members = _members(sdist)
    tests = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("*.py")}
    benchmarks = {p.relative_to(ROOT).as_posix() for p in (ROOT / "benchmarks").glob("*.py")}
    assert len(tests) > 60 and "tests/conftest.py" in tests
    assert sorted(tests - members) == []
    assert sorted(benchmarks - members) == []
    expected = {
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "setup.cfg",
        "pyproject.toml",
        ".ci/run",  # tests/test_cli.py checks the README's commands against it
        "connector/spec/stable.json",
        "connector/spec/LICENSE",
        "connector/spec/SOURCE.md",
        "connector/spec/prismatic-klaviyo.json",
    }
    assert sorted(expected - members) == []
    assert not [m for m in members if "__pycache__" in m or m.endswith((".pyc", ".sqlite"))]


def test_the_metadata_names_the_licence_urls_keywords_and_status(sdist: tarfile.TarFile) -> None:
    info = sdist.extractfile(next(m for m in sdist.getmembers() if m.name.endswith("/PKG-INFO")))
    assert info is not None
    metadata = Parser().parsestr(info.read().decode())
    classifiers = metadata.get_all("Classifier") or []
    assert "License :: OSI Approved :: MIT License" in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert "LICENSE" in (metadata.get_all("License-File") or [])
    assert metadata.get_all("Project-URL")
    assert "klaviyo" in (metadata.get("Keywords") or "")
    # Older setuptools leave Requires-Dist out of an sdist's PKG-INFO; egg-info/requires.txt always has them.
    requires_txt = sdist.extractfile(next(m for m in sdist.getmembers() if m.name.endswith(".egg-info/requires.txt")))
    assert requires_txt is not None
    requires = [line.strip() for line in requires_txt.read().decode().splitlines()]
    requires += metadata.get_all("Requires-Dist") or []
    # The lite build of libphonenumber: the same validation API without 40 MB of geocoder and carrier data.
    assert any(r.startswith("phonenumberslite") for r in requires)
    assert not [r for r in requires if re.match(r"phonenumbers\b(?!lite)", r)]
    entry_points = sdist.extractfile(next(m for m in sdist.getmembers() if m.name.endswith("/entry_points.txt")))
    assert entry_points is not None
    assert "connector.sandbox.pytest_plugin = connector.sandbox.pytest_plugin" in entry_points.read().decode()


def test_the_phone_validation_runs_on_the_lite_package() -> None:
    import phonenumbers

    from connector.klaviyo.validators import clean_phone

    assert clean_phone("(500) 555-0006", default_region="US") == "+15005550006"
    assert not (Path(phonenumbers.__file__).parent / "geodata").exists()


_FIXTURE_TEST = """
import requests

def test_sandbox(sandbox):
    answer = requests.get(sandbox.url + "/api/accounts", headers=sandbox.headers(), timeout=10)
    assert answer.status_code == 200

def test_factory(sandbox_factory):
    assert sandbox_factory(rate_limits="off").url.startswith("http://127.0.0.1:")
"""


@pytest.mark.parametrize("conftest", [None, 'pytest_plugins = ["connector.sandbox.pytest_plugin"]\n'])
def test_installing_the_package_makes_the_sandbox_fixtures_available(tmp_path: Path, conftest: str | None) -> None:
    """No ``pytest_plugins`` line is needed; an old one does not register the plugin twice."""
    (tmp_path / "test_uses_fixtures.py").write_text(textwrap.dedent(_FIXTURE_TEST))
    if conftest:
        (tmp_path / "conftest.py").write_text(conftest)
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
