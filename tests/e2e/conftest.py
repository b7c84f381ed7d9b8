"""End-to-end fixtures: run catalog actions through the CLI (``python -m connector run KEY``) over real HTTP.

Each test module shares one sandbox (``sb``); the ``cli`` fixture runs an action in a subprocess with
``KLAVIYO_API_KEY`` / ``KLAVIYO_BASE_URL`` pointing at it and returns ``(code, out, err)`` with stdout and
stderr decoded as JSON. Every run is recorded in :data:`RUNS` so that ``test_e2e_catalog_coverage.py`` can
check, at the end of the session, that every catalog action ran successfully at least once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import pytest

from connector.sandbox import Sandbox

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent

#: Every CLI run of the session: ``(action key, exit code)``, in order.
RUNS: list[tuple[str, int]] = []


class CliResult(NamedTuple):
    """What one ``run`` printed: exit code, stdout JSON (None when empty) and stderr JSON (None when empty)."""

    code: int
    out: Any
    err: Any


class Cli(Protocol):
    def __call__(self, key: str, inputs: dict[str, Any] | None = None, *, api_key: str | None = None) -> CliResult: ...


def _decode(text: str, stream: str, key: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pytest.fail(f"{key}: {stream} is not one JSON document:\n{text}")


def cli_env(sb: Sandbox, api_key: str | None = None) -> dict[str, str]:
    """The subprocess environment: no KLAVIYO_* of the caller's, the sandbox's URL and a key it accepts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLAVIYO_")}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        KLAVIYO_API_KEY=sb.api_key if api_key is None else api_key,
        KLAVIYO_BASE_URL=sb.url,
        # never fall back to a developer's OAuth token file
        KLAVIYO_TOKEN_FILE=str(REPO_ROOT / "tests" / "e2e" / "no-such-token-file.json"),
    )
    return env


def run_cli(sb: Sandbox, key: str, inputs: dict[str, Any] | None = None, *, api_key: str | None = None) -> CliResult:
    """Run ``python -m connector run KEY --inputs -`` against ``sb`` with ``inputs`` as JSON on stdin."""
    proc = subprocess.run(
        [sys.executable, "-m", "connector", "run", key, "--inputs", "-"],
        input=json.dumps(inputs or {}),
        env=cli_env(sb, api_key),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    RUNS.append((key, proc.returncode))
    result = CliResult(proc.returncode, _decode(proc.stdout, "stdout", key), _decode(proc.stderr, "stderr", key))
    if proc.returncode == 0:
        assert result.err is None, f"{key}: exit 0 but stderr: {proc.stderr}"
    else:
        assert result.out is None, f"{key}: exit {proc.returncode} but stdout: {proc.stdout}"
        assert isinstance(result.err, dict) and set(result.err) == {"error"}, f"{key}: stderr {proc.stderr}"
    return result


def ok(result: CliResult) -> Any:
    """The stdout JSON of a run that must have succeeded."""
    assert result.code == 0, f"exit {result.code}: {json.dumps(result.err)}"
    return result.out


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, step: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy (bounded); fail with a clear message otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(step)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """One sandbox per test module (tests in a module use distinct names, so they do not interfere)."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def http_log(sb: Sandbox) -> list[tuple[str, str]]:
    """Every API request the module's sandbox answers from now on, as ``(method, path)``.

    Wraps the sandbox app's ``handle`` on this instance only, so input-error tests can assert that
    nothing was sent at all.
    """
    log: list[tuple[str, str]] = []
    handle = sb.app.handle

    def logged(req: Any) -> Any:
        log.append((req.method, req.path))
        return handle(req)

    sb.app.handle = logged  # type: ignore[method-assign]
    return log


@pytest.fixture
def cli(sb: Sandbox) -> Cli:
    """``cli(key, inputs)`` runs one action through the CLI against the module's sandbox."""

    def run(key: str, inputs: dict[str, Any] | None = None, *, api_key: str | None = None) -> CliResult:
        return run_cli(sb, key, inputs, api_key=api_key)

    return run


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the catalog coverage checks after every other test, so the run record is complete."""
    last = [i for i in items if i.path.name == "test_e2e_catalog_coverage.py"]
    if last:
        items[:] = [i for i in items if i not in last] + last
