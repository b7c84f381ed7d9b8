"""``oauth login`` end to end against the sandbox's OAuth server: PKCE, redirect on 127.0.0.1, private token file."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
import requests

from connections.oauth2 import OAuth2Connection
from connections.oauth_login import login
from connector.client.errors import ConnectionConfigError, ReauthorizationRequired
from connector.client.pipeline import KlaviyoClient
from connector.sandbox import Sandbox
from connector.shell.cli import main


def _approve(url: str) -> None:
    """Play the user's browser: the sandbox approves at once and redirects to our 127.0.0.1 callback."""
    threading.Thread(target=lambda: requests.get(url, timeout=10), daemon=True).start()


def test_login_exchanges_code_and_the_token_works_and_refreshes(sandbox: Sandbox) -> None:
    updates: list[dict[str, object]] = []
    conn = OAuth2Connection(
        client_id=sandbox.oauth_client_id,
        client_secret=sandbox.oauth_client_secret,
        scopes="lists:read lists:write",
        base_url=sandbox.url,
        authorize_url=f"{sandbox.url}/oauth/authorize",
        on_token_updated=updates.append,
    )
    token = login(conn, port=0, timeout=10, announce=_approve)
    assert token["access_token"] and token["refresh_token"]
    client = KlaviyoClient(conn, base_url=sandbox.url)
    assert client.request("GET", "/api/lists").status == 200
    old_refresh = token["refresh_token"]
    conn.refresh()
    assert client.request("GET", "/api/lists").status == 200
    assert len(updates) == 2 and updates[-1]["access_token"] != token["access_token"]
    conn.revoke()
    dead = OAuth2Connection(
        client_id=sandbox.oauth_client_id,
        client_secret=sandbox.oauth_client_secret,
        base_url=sandbox.url,
        token={"access_token": "x", "refresh_token": old_refresh},
    )
    with pytest.raises(ReauthorizationRequired):
        dead.refresh()


def test_login_refuses_a_forged_state(sandbox: Sandbox) -> None:
    conn = OAuth2Connection(
        client_id=sandbox.oauth_client_id,
        client_secret=sandbox.oauth_client_secret,
        base_url=sandbox.url,
        authorize_url=f"{sandbox.url}/oauth/authorize",
    )

    def forge(url: str) -> None:
        _approve(url.replace("state=", "state=forged"))

    with pytest.raises(ConnectionConfigError, match="state does not match"):
        login(conn, port=0, timeout=10, announce=forge)


def test_cli_oauth_login_stores_a_private_token_file(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = tmp_path / "token.json"
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    monkeypatch.setenv("KLAVIYO_CLIENT_ID", sandbox.oauth_client_id)
    monkeypatch.setenv("KLAVIYO_CLIENT_SECRET", sandbox.oauth_client_secret)
    monkeypatch.setenv("KLAVIYO_TOKEN_FILE", str(token_file))
    monkeypatch.setattr("connections.oauth_login.print", lambda *a, **k: None, raising=False)

    import connections.oauth_login as flow

    real_login = flow.login

    def login_with_browser(connection: OAuth2Connection, **kwargs: object) -> dict[str, object]:
        kwargs["announce"] = _approve
        return real_login(connection, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(flow, "login", login_with_browser)
    assert main(["oauth", "login", "--port", "0", "--scopes", "lists:read"]) == 0
    out = capsys.readouterr().out
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    stored = json.loads(token_file.read_text())
    assert stored["refresh_token"] and stored["client_id"] == sandbox.oauth_client_id
    assert stored["access_token"] not in out and stored["refresh_token"] not in out

    # The stored token is what later CLI runs use.
    assert main(["run", "listLists"]) == 0
    assert json.loads(capsys.readouterr().out) == {"data": []}
    assert main(["oauth", "status"]) == 0
    assert json.loads(capsys.readouterr().out)["loggedIn"] is True
    assert main(["oauth", "logout"]) == 0
    assert not token_file.exists()
