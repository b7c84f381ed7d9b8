"""API key and OAuth 2.0 connections, and the token file."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from conftest import API_KEY, BASE

from connections.api_key import ApiKeyConnection
from connections.oauth2 import OAuth2Connection
from connections.token_store import TokenFile
from connector.client.errors import ConnectionConfigError, ReauthorizationRequired
from connector.client.pipeline import KlaviyoClient


def test_api_key_header() -> None:
    assert ApiKeyConnection(f"  {API_KEY}\n").authorization_header() == f"Klaviyo-API-Key {API_KEY}"
    assert ApiKeyConnection(f"Klaviyo-API-Key {API_KEY}").authorization_header() == f"Klaviyo-API-Key {API_KEY}"


def test_public_key_gets_a_helpful_message() -> None:
    with pytest.raises(ConnectionConfigError) as caught:
        ApiKeyConnection("AbC123")
    message = str(caught.value)
    assert "public API key (site ID)" in message
    assert "private API key starting with pk_" in message
    assert "https://www.klaviyo.com/settings/account/api-keys" in message


@pytest.mark.parametrize("bad", ["", "   ", "sk_live_abc", "pk_short", "pk_has spaces inside it 1234567890"])
def test_other_bad_keys_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ConnectionConfigError) as caught:
        ApiKeyConnection(bad)
    assert "API Key:" in str(caught.value)
    if len(bad.strip()) > 6:
        assert bad.strip() not in str(caught.value)


# -- OAuth --------------------------------------------------------------------------------------


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_authorization_url_uses_pkce_s256() -> None:
    conn = OAuth2Connection(client_id="cid", client_secret="shh", scopes="lists:read  profiles:write")
    url, state, verifier = conn.authorization_url("http://127.0.0.1:8765/callback")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.klaviyo.com/oauth/authorize"
    assert query["response_type"] == "code"
    assert query["client_id"] == "cid"
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "lists:read profiles:write"
    assert query["state"] == state
    assert query["redirect_uri"] == "http://127.0.0.1:8765/callback"
    import hashlib

    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == expected
    assert 43 <= len(verifier) <= 128


def test_code_exchange_uses_basic_auth_and_form_body(mocked: responses.RequestsMock) -> None:
    updates: list[dict[str, Any]] = []
    mocked.post(
        f"{BASE}/oauth/token",
        json={"access_token": "at1", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt1"},
    )
    conn = OAuth2Connection(client_id="cid", client_secret="shh", on_token_updated=updates.append, clock=lambda: 1000)
    token = conn.exchange_code("the-code", redirect_uri="http://127.0.0.1:1/callback", code_verifier="v" * 64)
    request = mocked.calls[0].request
    assert request.headers["Authorization"] == _basic("cid", "shh")
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    form = {k: v[0] for k, v in parse_qs(request.body).items()}
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "the-code"
    assert form["code_verifier"] == "v" * 64
    assert form["redirect_uri"] == "http://127.0.0.1:1/callback"
    assert token["expires_at"] == 4600
    assert updates and updates[-1]["refresh_token"] == "rt1"
    assert conn.authorization_header() == "Bearer at1"


def test_refresh_ahead_of_expiry_and_rotation_reported(mocked: responses.RequestsMock) -> None:
    now = [1000.0]
    updates: list[dict[str, Any]] = []
    mocked.post(f"{BASE}/oauth/token", json={"access_token": "at2", "expires_in": 3600, "refresh_token": "rt2"})
    conn = OAuth2Connection(
        client_id="cid",
        client_secret="shh",
        token={"access_token": "at1", "refresh_token": "rt1", "expires_at": 1030},
        on_token_updated=updates.append,
        clock=lambda: now[0],
    )
    assert conn.authorization_header() == "Bearer at2"  # 30s left < 60s margin
    form = {k: v[0] for k, v in parse_qs(mocked.calls[0].request.body).items()}
    assert form == {"grant_type": "refresh_token", "refresh_token": "rt1"}
    assert updates[-1]["refresh_token"] == "rt2"
    assert conn.authorization_header() == "Bearer at2"  # fresh now: no second call
    assert len(mocked.calls) == 1


def test_refresh_without_rotation_keeps_the_old_refresh_token(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/oauth/token", json={"access_token": "at2", "expires_in": 3600})
    conn = OAuth2Connection(client_id="cid", client_secret="shh", token={"access_token": "a", "refresh_token": "rt1"})
    assert conn.refresh()["refresh_token"] == "rt1"


def test_invalid_grant_means_reauthorization(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/oauth/token", status=400, json={"error": "invalid_grant"})
    conn = OAuth2Connection(client_id="cid", client_secret="shh", token={"access_token": "a", "refresh_token": "dead"})
    with pytest.raises(ReauthorizationRequired, match="re-authorized"):
        conn.refresh()


def test_client_refreshes_once_on_401(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/lists", status=401, json={"errors": [{"code": "not_authenticated"}]})
    mocked.post(f"{BASE}/oauth/token", json={"access_token": "at2", "expires_in": 3600, "refresh_token": "rt2"})
    mocked.get(f"{BASE}/api/lists", json={"data": []})
    conn = OAuth2Connection(
        client_id="cid", client_secret="shh", token={"access_token": "at1", "refresh_token": "rt1", "expires_at": 9e12}
    )
    KlaviyoClient(conn, base_url=BASE).request("GET", "/api/lists")
    assert mocked.calls[0].request.headers["Authorization"] == "Bearer at1"
    assert mocked.calls[2].request.headers["Authorization"] == "Bearer at2"


def test_revoke_posts_refresh_token_with_basic_auth(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/oauth/revoke", status=200)
    conn = OAuth2Connection(client_id="cid", client_secret="shh", token={"access_token": "a", "refresh_token": "rt"})
    conn.revoke()
    request = mocked.calls[0].request
    assert request.headers["Authorization"] == _basic("cid", "shh")
    form = {k: v[0] for k, v in parse_qs(request.body).items()}
    assert form == {"token": "rt", "token_type_hint": "refresh_token"}
    assert conn.token == {}


def test_token_endpoints_follow_the_configured_base_url() -> None:
    conn = OAuth2Connection(client_id="c", base_url="http://127.0.0.1:5000/")
    assert conn.token_url == "http://127.0.0.1:5000/oauth/token"
    assert conn.revoke_url == "http://127.0.0.1:5000/oauth/revoke"


def test_token_file_is_private_and_atomic(tmp_path: Path) -> None:
    store = TokenFile(tmp_path / "sub" / "token.json")
    store.save({"access_token": "a"})
    store.save({"access_token": "b"})
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.load() == {"access_token": "b"}
    assert [p.name for p in store.path.parent.iterdir()] == ["token.json"]
    store.path.write_text("{oops")
    with pytest.raises(ConnectionConfigError, match="not valid JSON"):
        store.load()
