"""Named accounts: ``auth login|list|switch|logout|status``, ``--account NAME`` on every command and
``KLAVIYO_ACCOUNT``; keys verified before they are stored, kept in a keyring when one works, else in a 0600 file."""

from __future__ import annotations

import io
import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from connections.accounts import KEYRING_SERVICE, AccountStore
from connector.client.errors import ConnectionConfigError, InputError
from connector.sandbox import Sandbox
from connector.shell.cli import main

KEY_A = "pk_agencyA_0123456789abcdef012345"
KEY_B = "pk_agencyB_0123456789abcdef012345"


class FakeKeyring:
    """The three calls of the ``keyring`` package the store uses."""

    def __init__(self, fail: bool = False) -> None:
        self.passwords: dict[tuple[str, str], str] = {}
        self.fail = fail

    def set_password(self, service: str, user: str, password: str) -> None:
        if self.fail:
            raise RuntimeError("No recommended backend was available")
        self.passwords[(service, user)] = password

    def get_password(self, service: str, user: str) -> str | None:
        return self.passwords.get((service, user))

    def delete_password(self, service: str, user: str) -> None:
        del self.passwords[(service, user)]


# -- the store ----------------------------------------------------------------------------------------------


def test_keys_go_to_the_keyring_when_one_works_and_never_into_the_file(tmp_path: Path) -> None:
    keyring = FakeKeyring()
    store = AccountStore(tmp_path / "accounts.json", keyring=keyring)
    account = store.save_api_key("acme", KEY_A, account_id="AbC123", organization="Acme")
    assert account.storage == "keyring" and keyring.passwords[(KEYRING_SERVICE, "acme")] == KEY_A
    assert KEY_A not in (tmp_path / "accounts.json").read_text()
    assert store.api_key("acme").reveal() == KEY_A
    store.remove("acme")
    assert keyring.passwords == {} and store.accounts() == []


def test_without_a_working_keyring_the_key_is_kept_in_a_0600_file(tmp_path: Path) -> None:
    for keyring in (None, FakeKeyring(fail=True)):
        path = tmp_path / f"{type(keyring).__name__}.json"
        store = AccountStore(path, keyring=keyring)
        assert store.save_api_key("acme", KEY_A).storage == "file"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert store.api_key("acme").reveal() == KEY_A
        assert "pk_" not in repr(store.get("acme")) and "pk_" not in json.dumps(store.get("acme").to_json())


def test_the_keyring_is_an_optional_import() -> None:
    import connections.accounts as accounts

    # The package works without it (it is not installed for the tests); "auto" then means the file.
    assert accounts.load_keyring() is None or hasattr(accounts.load_keyring(), "get_password")
    setup = (Path(__file__).resolve().parents[1] / "setup.cfg").read_text()
    assert "keyring" not in setup.split("[options.extras_require]")[0]


def test_an_installed_keyring_is_used_and_imported_only_when_a_key_is_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    fake = FakeKeyring()
    module = types.ModuleType("keyring")
    module.set_password = fake.set_password  # type: ignore[attr-defined]
    module.get_password = fake.get_password  # type: ignore[attr-defined]
    module.delete_password = fake.delete_password  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)
    store = AccountStore(tmp_path / "accounts.json")  # keyring="auto"
    assert store.save_api_key("acme", KEY_A).storage == "keyring"
    assert fake.passwords == {(KEYRING_SERVICE, "acme"): KEY_A}
    assert AccountStore(tmp_path / "accounts.json").api_key("acme").reveal() == KEY_A

    monkeypatch.setitem(sys.modules, "keyring", None)  # uninstalled: importing it fails
    listing = AccountStore(tmp_path / "accounts.json")
    assert [a.name for a in listing.accounts()] == ["acme"]  # listing needs no keyring
    with pytest.raises(ConnectionConfigError, match="keyring package is not installed"):
        listing.api_key("acme")


def test_switch_remove_and_names(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "accounts.json", keyring=None)
    store.save_api_key("agency-a", KEY_A)
    store.save_api_key("agency-b", KEY_B)
    assert store.current() == "agency-b"
    store.switch("agency-a")
    assert store.current() == "agency-a"
    with pytest.raises(ConnectionConfigError, match="did you mean agency-"):
        store.switch("agency")
    with pytest.raises(InputError, match="is not an account name"):
        store.save_api_key("../etc", KEY_A)
    store.remove("agency-a")
    assert store.current() is None and [a.name for a in store.accounts()] == ["agency-b"]


# -- the CLI against the sandbox ------------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> Any:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip().startswith("{") else out), (json.loads(err) if err.strip() else None)


def test_login_verifies_the_key_stores_it_and_every_command_takes_account(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    code, out, err = _cli(capsys, monkeypatch, "auth", "login", "--account", "acme", stdin=sandbox.api_key + "\n")
    assert (code, err) == (0, None)
    assert out["name"] == "acme" and out["verified"] is True and out["current"] is True
    assert out["accountId"] and out["storage"] == "file"  # KLAVIYO_KEYRING=off in the tests
    assert sandbox.api_key not in json.dumps(out)
    path = Path(out["file"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    second = "pk_second0123456789abcdef0123456789"
    assert _cli(capsys, monkeypatch, "auth", "login", "--account", "beta", stdin=second)[0] == 0
    # Each account remembers the host it was verified on: no KLAVIYO_BASE_URL needed afterwards.
    monkeypatch.delenv("KLAVIYO_BASE_URL")
    code, out, _ = _cli(capsys, monkeypatch, "auth", "list")
    assert [(a["name"], a["current"]) for a in out["accounts"]] == [("acme", False), ("beta", True)]
    assert sandbox.api_key not in json.dumps(out) and second not in json.dumps(out)

    assert main(["--account", "acme", "run", "createList", "-i", "listName=Acme VIP"]) == 0
    assert main(["run", "createList", "-i", "listName=Beta VIP", "--account", "beta"]) == 0
    capsys.readouterr()
    assert sorted(lst["name"] for lst in sandbox.state.lists()) == ["Acme VIP", "Beta VIP"]
    monkeypatch.setenv("KLAVIYO_ACCOUNT", "acme")
    code, out, _ = _cli(capsys, monkeypatch, "source", "selectList")
    assert code == 0 and len(out["result"]) == 2
    code, out, _ = _cli(capsys, monkeypatch, "auth", "status", "--verify")
    assert code == 0 and out["source"] == "KLAVIYO_ACCOUNT=acme" and out["account"] == "acme" and out["verified"]
    monkeypatch.delenv("KLAVIYO_ACCOUNT")

    assert _cli(capsys, monkeypatch, "auth", "switch", "acme")[1]["current"] is True
    code, out, _ = _cli(capsys, monkeypatch, "auth", "status")
    assert out["source"] == "the current account acme (auth switch)" and out["type"] == "apiKey"
    code, out, _ = _cli(capsys, monkeypatch, "auth", "logout")
    assert out == {"loggedOut": "acme", "current": None}
    code, out, err = _cli(capsys, monkeypatch, "auth", "status")
    assert code == 3 and out["configured"] is False and err["error"]["type"] == "ConnectionConfigError"
    code, _, err = _cli(capsys, monkeypatch, "run", "listLists", "--account", "acme")
    assert code == 3 and "no stored Klaviyo account named 'acme'" in err["error"]["message"]


def test_login_refuses_a_key_klaviyo_does_not_accept_and_stores_nothing(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    refused = "pk_not_one_the_sandbox_issues_00"  # well formed, but the sandbox answers 401
    code, out, err = _cli(capsys, monkeypatch, "auth", "login", "--account", "acme", stdin=refused)
    assert code == 3 and out == ""
    assert err["error"]["type"] == "AuthenticationError"
    assert err["error"]["message"].startswith("Klaviyo did not accept the key, so nothing was stored")
    assert refused not in json.dumps(err)
    assert _cli(capsys, monkeypatch, "auth", "list")[1]["accounts"] == []
    code, _, err = _cli(capsys, monkeypatch, "auth", "login", stdin="AbC123")
    assert code == 3 and "public API key" in err["error"]["message"]


def test_oauth_login_can_store_a_named_account(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import connections.oauth_login as flow

    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    monkeypatch.setenv("KLAVIYO_CLIENT_ID", sandbox.oauth_client_id)
    monkeypatch.setenv("KLAVIYO_CLIENT_SECRET", sandbox.oauth_client_secret)
    real_login = flow.login

    def login_with_browser(connection: Any, **kwargs: Any) -> dict[str, Any]:
        def approve(url: str) -> None:
            threading.Thread(target=lambda: requests.get(url, timeout=10), daemon=True).start()

        return real_login(connection, **{**kwargs, "announce": approve})

    monkeypatch.setattr(flow, "login", login_with_browser)
    assert main(["oauth", "login", "--port", "0", "--scopes", "lists:read", "--account", "client-c"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["account"] == "client-c" and saved["saved"].endswith("client-c.token.json")
    _, out, _ = _cli(capsys, monkeypatch, "auth", "list")
    assert [(a["name"], a["type"]) for a in out["accounts"]] == [("client-c", "oauth2")]
    assert main(["run", "listLists", "--account", "client-c"]) == 0
    assert json.loads(capsys.readouterr().out) == {"data": []}
    assert main(["oauth", "status", "--account", "client-c"]) == 0
    assert json.loads(capsys.readouterr().out)["loggedIn"] is True
    assert main(["oauth", "logout", "--account", "client-c"]) == 0
    capsys.readouterr()
    assert not Path(saved["saved"]).exists()
    assert _cli(capsys, monkeypatch, "auth", "list")[1]["accounts"] == []
