"""End-to-end fixtures: run catalog actions through the CLI (``python -m connector run KEY``) over real HTTP.

Each test module shares one sandbox (``sb``); the ``cli`` fixture runs an action in a subprocess with
``KLAVIYO_API_KEY`` / ``KLAVIYO_BASE_URL`` pointing at it and returns ``(code, out, err)`` with stdout and
stderr decoded as JSON. Every run is recorded in :data:`RUNS` so that ``test_e2e_catalog_coverage.py`` can
check, at the end of the session, that every catalog action ran successfully at least once.
"""

from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

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


class Cli:
    """``cli(key, inputs)`` runs one action against a sandbox; ``cli.many(calls)`` runs independent calls at once."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    def __call__(self, key: str, inputs: dict[str, Any] | None = None, *, api_key: str | None = None) -> CliResult:
        return run_cli(self.sb, key, inputs, api_key=api_key)

    def many(self, calls: Sequence[tuple[str, dict[str, Any]]]) -> list[CliResult]:
        """Run independent calls concurrently (one process each), results in the order given.

        Only for calls whose order does not matter, such as input errors that send nothing.
        """
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            return list(pool.map(lambda call: self(call[0], call[1]), calls))


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


def api(sb: Sandbox, method: str, path: str, body: Any = None) -> Any:
    """Call the sandbox directly over HTTP, to seed data a test needs but does not test (faster than the CLI)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(sb.url + path, data=data, method=method, headers=sb.headers(body is not None))
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback sandbox only
        text = response.read()
    return json.loads(text) if text else None


def seed(sb: Sandbox, resource_type: str, path: str, attributes: dict[str, Any]) -> str:
    """Create one resource directly (``POST path``) and return its id."""
    document = api(sb, "POST", path, {"data": {"type": resource_type, "attributes": attributes}})
    resource_id: str = document["data"]["id"]
    return resource_id


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


def png_bytes(width: int = 2, height: int = 1) -> bytes:
    """A valid RGB PNG of ``width`` x ``height`` red pixels, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


#: The classic 1x1 transparent GIF.
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


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
    return Cli(sb)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the catalog coverage checks after every other test, so the run record is complete."""
    last = [i for i in items if i.path.name == "test_e2e_catalog_coverage.py"]
    if last:
        items[:] = [i for i in items if i not in last] + last


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """One line: how many CLI processes the e2e tests started and how many distinct actions succeeded."""
    if RUNS:
        succeeded = {key for key, code in RUNS if code == 0}
        terminalreporter.write_line(f"e2e: {len(RUNS)} CLI runs, {len(succeeded)} distinct actions succeeded")
