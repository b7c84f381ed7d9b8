"""Shared fixtures: a client with a fake clock, mocked HTTP, and request assertions checked against the spec."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from connections.api_key import ApiKeyConnection
from connector.client.clock import FakeClock
from connector.client.pipeline import KlaviyoClient
from connector.client.retry import RetryPolicy

# The sandbox's ``sandbox`` / ``sandbox_factory`` fixtures, for end-to-end tests over real HTTP. Installing the
# package registers them (its pytest11 entry point, named after the module, so this line is then a no-op); the
# line keeps the suite working from a source tree on PYTHONPATH or with PYTEST_DISABLE_PLUGIN_AUTOLOAD set.
pytest_plugins = ["connector.sandbox.pytest_plugin"]

BASE = "https://a.klaviyo.com"
API_KEY = "pk_test_0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No test sees the developer's real Klaviyo configuration."""
    for name in (
        "KLAVIYO_API_KEY",
        "KLAVIYO_ACCESS_TOKEN",
        "KLAVIYO_ACCOUNT",
        "KLAVIYO_BASE_URL",
        "KLAVIYO_CLIENT_ID",
        "KLAVIYO_CLIENT_SECRET",
        "KLAVIYO_REVISION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KLAVIYO_TOKEN_FILE", str(tmp_path / "no-token.json"))
    # Stored accounts live under XDG_CONFIG_HOME: a fresh, empty one per test; never the system keyring.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("KLAVIYO_KEYRING", "off")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> Iterator[KlaviyoClient]:
    """A client on the production host (mocked), jitter off so waits are exact."""
    with KlaviyoClient(ApiKeyConnection(API_KEY), base_url=BASE, clock=clock, retry=RetryPolicy(jitter=0.0)) as c:
        yield c


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def assert_request(
    call: Any,
    method: str,
    path: str,
    *,
    query: Mapping[str, str] | None = None,
    body: Any = None,
    spec: bool = True,
    auth: str | None = f"Klaviyo-API-Key {API_KEY}",
) -> None:
    """Assert one recorded request exactly (method, path, query, headers, body) and check it against the spec."""
    request = call.request
    parts = urlsplit(request.url)
    assert request.method == method
    assert parts.path == path
    assert dict(parse_qsl(parts.query, keep_blank_values=True)) == dict(query or {})
    headers = request.headers
    assert headers.get("revision") == "2026-07-15"
    assert headers.get("Accept") == "application/vnd.api+json"
    assert headers.get("User-Agent", "").startswith("klaviyo-connector-python/")
    assert headers.get("Authorization") == auth
    if body is None:
        assert not request.body
    else:
        assert headers.get("Content-Type") == "application/vnd.api+json"
        assert json.loads(request.body) == body
    if spec:
        from spec_support import check_request

        check_request(request)


def spec_reply(path: str, method: str, **overrides: Any) -> tuple[int, Any]:
    """The operation's success response built from the spec, with top-level data overrides."""
    from spec_support import success_sample

    status, body = success_sample(path, method)
    if overrides and isinstance(body, dict) and isinstance(body.get("data"), dict):
        body["data"].update(overrides)
    return status, body
