"""A workflow step carries its connection (Prismatic's shape) in its inputs; the environment, flags and stored
accounts are fallbacks, in a documented order; the connection's secrets are never echoed."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from conftest import API_KEY, BASE

from connections.accounts import AccountStore
from connections.oauth2 import OAuth2Connection
from connections.oauth_login import login
from connections.token_store import TokenFile
from connector.client.errors import ConnectionConfigError, InputError
from connector.sandbox import Sandbox
from connector.shell.cli import main
from connector.shell.env import resolve_connection

OTHER_KEY = "pk_other_0123456789abcdef0123456789ab"
STEP_KEY = "pk_step_0123456789abcdef0123456789abcd"


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, inputs: Any, *argv: str) -> Any:
    monkeypatch.setattr("sys.stdin", _Stdin(json.dumps(inputs)))
    code = main(["run", *argv, "--inputs", "-"])
    out, err = capsys.readouterr()
    return code, out, err


class _Stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text


def test_run_uses_the_steps_api_key_connection_without_any_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/lists", status=201, json={"data": {"type": "list", "id": "L1", "attributes": {}}})
    inputs = {"connection": {"key": "apiKey", "fields": {"apiKey": STEP_KEY}}, "listName": "X"}
    code, out, err = _run(capsys, monkeypatch, inputs, "createList")
    assert (code, err) == (0, "")
    assert json.loads(out)["data"]["id"] == "L1"
    assert mocked.calls[0].request.headers["Authorization"] == f"Klaviyo-API-Key {STEP_KEY}"
    assert STEP_KEY not in out


def test_the_steps_connection_wins_over_flags_environment_and_stored_accounts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", OTHER_KEY)
    AccountStore(keyring=None).save_api_key("acme", API_KEY)
    mocked.get(f"{BASE}/api/lists", json={"data": [], "links": {}})
    # The connection as JSON text, as a platform may send it in --input.
    connection = json.dumps({"key": "apiKey", "fields": {"apiKey": STEP_KEY}, "configVarKey": "Klaviyo"})
    assert main(["run", "listLists", "--account", "acme", "--input", f"connection={connection}"]) == 0
    assert mocked.calls[0].request.headers["Authorization"] == f"Klaviyo-API-Key {STEP_KEY}"
    capsys.readouterr()


def test_data_sources_take_the_connection_the_same_way(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/lists", json={"data": [{"id": "Y6nRLr", "attributes": {"name": "VIP"}}], "links": {}})
    monkeypatch.setattr(
        "sys.stdin", _Stdin(json.dumps({"connection": {"key": "apiKey", "fields": {"apiKey": STEP_KEY}}}))
    )
    assert main(["source", "selectList", "--inputs", "-"]) == 0
    assert json.loads(capsys.readouterr().out) == {"result": [{"label": "VIP", "key": "Y6nRLr"}]}
    assert mocked.calls[0].request.headers["Authorization"] == f"Klaviyo-API-Key {STEP_KEY}"


@pytest.mark.parametrize(
    ("connection", "message"),
    [
        ({"key": "apiKey", "fields": {}}, "Connection: API Key is required (API Key connection)"),
        ({"key": "apiKey", "fields": {"apiKey": ["pk_x"]}}, "Connection: API Key must be text, got list"),
        ({"key": "basic", "fields": {}}, "Connection: unknown connection key 'basic'; expected one of: apiKey, oauth2"),
        ({"fields": {"apiKey": STEP_KEY}}, 'Connection: needs the connection\'s "key"'),
        ('{"key": "apiKey", "fields": {"apiKey": "' + STEP_KEY + '"', "Connection: is not valid JSON"),
        ({"key": "oauth2", "fields": {"clientId": "cid"}}, "Connection: Client secret is required"),
    ],
)
def test_a_malformed_connection_is_an_input_error_that_never_echoes_a_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, connection: Any, message: str
) -> None:
    with responses.RequestsMock() as nothing_sent:
        code, out, err = _run(capsys, monkeypatch, {"connection": connection, "listName": "X"}, "createList")
    assert len(nothing_sent.calls) == 0
    assert code == 2 and out == ""
    error = json.loads(err)["error"]
    assert error["type"] == "InputError" and error["input"] == "connection"
    assert error["message"].startswith(message)
    assert STEP_KEY not in err and "pk_x" not in err


def test_a_key_klaviyo_refuses_is_not_echoed_even_when_klaviyo_echoes_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/lists", status=401, json={"errors": [{"detail": f"bad key {STEP_KEY}"}]})
    code, out, err = _run(
        capsys,
        monkeypatch,
        {"connection": {"key": "apiKey", "fields": {"apiKey": STEP_KEY}}, "listName": "X"},
        "createList",
    )
    assert code == 3 and out == ""
    assert STEP_KEY not in err and json.loads(err)["error"]["type"] == "AuthenticationError"
    assert resolve_connection({}, connection={"key": "apiKey", "fields": {"apiKey": STEP_KEY}}).to_json() == {
        "configured": True,
        "source": "the step's connection",
        "type": "apiKey",
        "account": None,
        "accountId": None,
        "organization": None,
    }


# -- OAuth 2.0: the token rides with the connection; a rotated one is written to the token file --------------


def _approve(url: str) -> None:
    threading.Thread(target=lambda: requests.get(url, timeout=10), daemon=True).start()


def _oauth_token(sandbox: Sandbox) -> dict[str, Any]:
    conn = OAuth2Connection(
        client_id=sandbox.oauth_client_id,
        client_secret=sandbox.oauth_client_secret,
        scopes="lists:read lists:write",
        base_url=sandbox.url,
        authorize_url=f"{sandbox.url}/oauth/authorize",
    )
    return login(conn, port=0, timeout=10, announce=_approve)


def test_an_oauth_step_connection_refreshes_and_writes_the_rotated_token_to_the_token_file(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token = _oauth_token(sandbox)
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    connection = {
        "key": "oauth2",
        "fields": {"clientId": sandbox.oauth_client_id, "clientSecret": sandbox.oauth_client_secret},
        # Expired: the connector refreshes before the call, and Klaviyo (the sandbox) rotates the refresh token.
        "token": {"access_token": token["access_token"], "refresh_token": token["refresh_token"], "expires_at": 1},
    }
    token_file = tmp_path / "step-token.json"
    code, out, err = _run(
        capsys,
        monkeypatch,
        {"connection": connection, "listName": "VIP"},
        "createList",
        "--token-file",
        str(token_file),
    )
    assert (code, err) == (0, "")
    assert [lst["name"] for lst in sandbox.state.lists()] == ["VIP"]
    saved = json.loads(token_file.read_text())
    assert saved["refresh_token"] != token["refresh_token"] and saved["client_id"] == sandbox.oauth_client_id
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    for secret in (token["access_token"], token["refresh_token"], saved["access_token"], saved["refresh_token"]):
        assert secret not in out  # the result carries no token, old or new
    assert sandbox.oauth_client_secret not in out

    # The rotated token works; the step's old refresh token is spent (the platform must take the new one).
    assert main(["run", "listLists", "--token-file", str(token_file)]) == 0
    assert [d["attributes"]["name"] for d in json.loads(capsys.readouterr().out)["data"]] == ["VIP"]


def test_an_oauth_step_connection_accepts_an_iso_expiry_and_no_rotation_writes_nothing(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token = _oauth_token(sandbox)
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    monkeypatch.setenv("KLAVIYO_TOKEN_FILE", str(tmp_path / "token.json"))
    connection = {
        "key": "oauth2",
        "fields": {"clientId": sandbox.oauth_client_id, "clientSecret": sandbox.oauth_client_secret, "scopes": ""},
        "token": {**token, "expires_at": "2999-01-01T00:00:00Z"},
    }
    code, _, err = _run(capsys, monkeypatch, {"connection": connection}, "listLists")
    assert (code, err) == (0, "")
    assert not (tmp_path / "token.json").exists()


# -- precedence: step connection > flags > environment > stored account -------------------------------------


@pytest.fixture
def store() -> AccountStore:
    accounts = AccountStore(keyring=None)
    accounts.save_api_key("agency-a", "pk_agencyA_0123456789abcdef012345")
    accounts.save_api_key("agency-b", "pk_agencyB_0123456789abcdef012345")  # current: the last logged in
    return accounts


def _source(environ: dict[str, str], store: AccountStore, **options: Any) -> str:
    return resolve_connection(environ, store=store, **options).source


def test_precedence_of_connection_sources(store: AccountStore, tmp_path: Path) -> None:
    token_path = tmp_path / "token.json"
    TokenFile(token_path).save({"access_token": "at", "refresh_token": "rt", "client_id": "cid"})
    env = {"KLAVIYO_API_KEY": OTHER_KEY, "KLAVIYO_TOKEN_FILE": str(token_path)}
    step = {"key": "apiKey", "fields": {"apiKey": STEP_KEY}}
    assert _source(env, store, connection=step, account="agency-a") == "the step's connection"
    assert _source(env, store, account="agency-a") == "--account agency-a"
    assert _source(env, store, token_file_path=str(token_path)) == f"--token-file {token_path}"
    assert _source(env, store) == "KLAVIYO_API_KEY"
    assert _source({"KLAVIYO_ACCESS_TOKEN": "at"}, store) == "KLAVIYO_ACCESS_TOKEN"
    assert _source({"KLAVIYO_ACCOUNT": "agency-a"}, store) == "KLAVIYO_ACCOUNT=agency-a"
    assert _source({"KLAVIYO_TOKEN_FILE": str(token_path)}, store) == "KLAVIYO_TOKEN_FILE"
    assert _source({}, store) == "the current account agency-b (auth switch)"
    store.switch("agency-a")
    assert _source({}, store) == "the current account agency-a (auth switch)"
    store.remove("agency-a")
    store.remove("agency-b")
    assert _source({}, store) == "none"
    TokenFile(None).save({"access_token": "at", "client_id": "cid"})  # what a plain `oauth login` writes
    assert _source({}, store) == "the token file of `oauth login`"


def test_a_named_account_in_the_environment_beside_a_key_is_refused(store: AccountStore) -> None:
    """Which account was meant cannot be told, and a wrong guess writes to another client's account."""
    with pytest.raises(ConnectionConfigError, match="both KLAVIYO_ACCOUNT \\(agency-a\\) and KLAVIYO_API_KEY"):
        resolve_connection({"KLAVIYO_ACCOUNT": "agency-a", "KLAVIYO_API_KEY": OTHER_KEY}, store=store)
    # a flag settles it
    assert _source({"KLAVIYO_ACCOUNT": "agency-a", "KLAVIYO_API_KEY": OTHER_KEY}, store, account="agency-b")


def test_an_unknown_account_names_the_close_ones(store: AccountStore) -> None:
    with pytest.raises(ConnectionConfigError, match="no stored Klaviyo account named 'agency-c'; did you mean"):
        resolve_connection({}, store=store, account="agency-c")


def test_no_connection_at_all_says_every_way_to_configure_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAVIYO_BASE_URL", "http://127.0.0.1:9")
    assert main(["run", "listLists"]) == 3
    message = json.loads(capsys.readouterr().err)["error"]["message"]
    for way in ("`connection` input", "--account", "KLAVIYO_API_KEY", "auth login", "oauth login"):
        assert way in message


def test_the_connection_input_is_not_an_unknown_input() -> None:
    from actions.lists import CREATE_LIST

    assert CREATE_LIST.clean({"connection": {"key": "apiKey"}, "listName": "VIP"}).list_name == "VIP"
    with pytest.raises(InputError, match="unknown input"):
        CREATE_LIST.clean({"conection": {}, "listName": "VIP"})
