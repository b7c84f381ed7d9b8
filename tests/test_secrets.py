"""Secrets never appear in logs, error messages, reprs, the manifest or CLI output."""

from __future__ import annotations

import json
import logging
import pickle

import pytest
import requests
import responses
from conftest import API_KEY, BASE

from connections.api_key import ApiKeyConnection
from connections.oauth2 import OAuth2Connection
from connector.client.errors import KlaviyoError
from connector.client.pipeline import KlaviyoClient
from connector.client.retry import RetryPolicy
from connector.client.secrets import Secret, redact
from connector.shell.cli import main

ACCESS = "oauth-access-token-value-123456"
REFRESH = "oauth-refresh-token-value-654321"
CLIENT_SECRET = "client-secret-value-abcdef"


def test_secret_wrapper_hides_itself() -> None:
    s = Secret(API_KEY)
    assert API_KEY not in repr(s) + str(s) + f"{s}" + format(s) + str([s])
    with pytest.raises(TypeError):
        pickle.dumps(s)
    assert redact(f"x {API_KEY} y", [s]) == "x ******** y"


def test_reprs_never_show_secrets() -> None:
    key = ApiKeyConnection(API_KEY)
    oauth = OAuth2Connection(
        client_id="cid", client_secret=CLIENT_SECRET, token={"access_token": ACCESS, "refresh_token": REFRESH}
    )
    client = KlaviyoClient(key, base_url=BASE)
    text = repr(key) + repr(oauth) + repr(client) + str(vars(client))
    for secret in (API_KEY, ACCESS, REFRESH, CLIENT_SECRET):
        assert secret not in text


def test_error_bodies_echoing_the_key_are_scrubbed(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/lists", status=400, body=f"<html>bad key {API_KEY}</html>")
    client = KlaviyoClient(ApiKeyConnection(API_KEY), base_url=BASE)
    with pytest.raises(KlaviyoError) as caught:
        client.request("GET", "/api/lists")
    assert API_KEY not in str(caught.value)
    assert API_KEY not in json.dumps(caught.value.to_json())


def test_transport_errors_are_scrubbed(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/lists", body=requests.exceptions.ConnectionError(f"failed with header {API_KEY}"))
    client = KlaviyoClient(ApiKeyConnection(API_KEY), base_url=BASE, retry=RetryPolicy(max_retries=0))
    with pytest.raises(KlaviyoError) as caught:
        client.request("GET", "/api/lists")
    assert API_KEY not in str(caught.value)


def test_debug_logs_never_contain_the_key(mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    mocked.get(f"{BASE}/api/lists", status=500, json={})
    mocked.get(f"{BASE}/api/lists", json={})
    client = KlaviyoClient(ApiKeyConnection(API_KEY), base_url=BASE, retry=RetryPolicy(base_delay=0.001, jitter=0))
    client.request("GET", "/api/lists")
    assert caplog.records, "the client should log its requests at debug level"
    assert API_KEY not in caplog.text


def test_cli_output_never_contains_the_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
    monkeypatch.setenv("KLAVIYO_BASE_URL", BASE)
    mocked.get(f"{BASE}/api/lists/x", status=401, json={"errors": [{"detail": f"key {API_KEY} revoked"}]})
    assert main(["run", "getList", "-i", "listId=x"]) == 3
    assert main(["manifest"]) == 0
    assert main(["describe", "createList"]) == 0
    captured = capsys.readouterr()
    assert API_KEY not in captured.out + captured.err


def test_oauth_errors_do_not_echo_client_secret(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/oauth/token", status=401, json={"error": "invalid_client", "error_description": CLIENT_SECRET})
    conn = OAuth2Connection(client_id="cid", client_secret=CLIENT_SECRET, token={"refresh_token": REFRESH})
    with pytest.raises(KlaviyoError) as caught:
        conn.refresh()
    assert CLIENT_SECRET not in str(caught.value) and REFRESH not in str(caught.value)
