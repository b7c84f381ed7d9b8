"""Named accounts: the Klaviyo accounts a user logged in to, one of them current.

An agency runs one connector against many Klaviyo accounts. ``klaviyo-connector auth login --account acme``
stores acme's private key once Klaviyo accepted it; ``--account acme`` (or ``KLAVIYO_ACCOUNT=acme``) picks it
for one command and ``auth switch acme`` makes it the default. ``oauth login --account NAME`` stores an OAuth
account the same way (its token in a token file of its own).

The index, ``accounts.json`` beside the token file, holds names, types and Klaviyo's account id and
organization name; it is written atomically with mode 0600. A key goes into the system keyring when the
optional ``keyring`` package is installed and has a working backend, else into the index itself (still 0600).

Example:
    >>> import tempfile, os
    >>> store = AccountStore(os.path.join(tempfile.mkdtemp(), "accounts.json"), keyring=None)
    >>> store.save_api_key("acme", "pk_" + "a" * 30, account_id="AbC123", organization="Acme").storage
    'file'
    >>> store.current(), [a.name for a in store.accounts()], store.api_key("acme")
    ('acme', ['acme'], Secret('********'))
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from pathlib import Path
from typing import Any

from connections.api_key import validate_private_key
from connections.token_store import config_dir, write_private_json
from connector import structs
from connector.client.errors import ConnectionConfigError, InputError
from connector.client.secrets import Secret

#: Account names: a letter or digit, then up to 63 letters, digits, ``.``, ``_`` or ``-``.
ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
#: The keyring service under which keys are stored (the account name is the keyring's user name).
KEYRING_SERVICE = "klaviyo-connector"

API_KEY = "apiKey"
OAUTH2 = "oauth2"


def default_accounts_path() -> Path:
    """``$XDG_CONFIG_HOME/klaviyo-connector/accounts.json``."""
    return config_dir() / "accounts.json"


def load_keyring() -> Any:
    """The ``keyring`` module when it is installed, else None (it is an optional dependency, never required)."""
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def check_account_name(name: str) -> str:
    """The name, stripped, or an :class:`InputError` saying what names look like.

    Example:
        >>> check_account_name(" client-b ")
        'client-b'
    """
    text = (name or "").strip()
    if not ACCOUNT_NAME.fullmatch(text):
        raise InputError(
            f"{text!r} is not an account name: use letters, digits, '.', '_' or '-' (up to 64)", label="Account"
        )
    return text


@structs.frozen
class StoredAccount:
    """One stored account, without its secret.

    Example:
        >>> StoredAccount(name="acme", type="apiKey", storage="keyring", account_id="AbC123").to_json()["accountId"]
        'AbC123'
    """

    name: str
    #: ``apiKey`` or ``oauth2``.
    type: str
    #: Where the secret is: ``keyring`` or ``file`` (a key), ``tokenFile`` (an OAuth token).
    storage: str
    account_id: str | None = None
    organization: str | None = None
    #: The Klaviyo host the account was verified against, when it is not Klaviyo's own (a sandbox).
    base_url: str | None = None
    #: An OAuth account's token file.
    token_file: str | None = None

    def to_json(self, *, current: bool = False) -> dict[str, Any]:
        """What ``auth list`` prints: everything but the secret."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "storage": self.storage,
            "accountId": self.account_id,
            "organization": self.organization,
            "current": current,
        }
        if self.base_url:
            out["baseUrl"] = self.base_url
        if self.token_file:
            out["tokenFile"] = self.token_file
        return out


class AccountStore:
    """The stored accounts and which one is current.

    Args:
        path: the index file (default :func:`default_accounts_path`).
        keyring: the ``keyring`` module (or an object with its ``get_password``/``set_password``/
            ``delete_password``), ``"auto"`` to use it when installed, or None to keep keys in the index file.
    """

    def __init__(self, path: str | Path | None = None, *, keyring: Any = "auto") -> None:
        self.path = Path(path).expanduser() if path is not None else default_accounts_path()
        self._keyring_choice = keyring

    @property
    def _keyring(self) -> Any:
        """The keyring, imported on first use: a run that needs no stored key never pays for the import."""
        if isinstance(self._keyring_choice, str) and self._keyring_choice == "auto":
            self._keyring_choice = load_keyring()
        return self._keyring_choice

    def __repr__(self) -> str:
        return f"AccountStore({str(self.path)!r})"

    # -- reading ---------------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": 1, "current": None, "accounts": {}}
        except OSError as exc:
            raise ConnectionConfigError(f"cannot read the accounts file {self.path}: {exc.strerror}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ConnectionConfigError(f"the accounts file {self.path} is not valid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
            raise ConnectionConfigError(f"the accounts file {self.path} does not hold stored accounts")
        return data

    def accounts(self) -> list[StoredAccount]:
        """Every stored account, by name."""
        entries = self._load()["accounts"]
        return [_account(name, entries[name]) for name in sorted(entries)]

    def current(self) -> str | None:
        """The current account's name (the last one logged in to or switched to), or None."""
        name = self._load().get("current")
        return str(name) if name else None

    def get(self, name: str) -> StoredAccount:
        """The stored account named ``name``; a :class:`ConnectionConfigError` naming close matches otherwise."""
        entries = self._load()["accounts"]
        if name not in entries:
            close = difflib.get_close_matches(name, list(entries), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ConnectionConfigError(
                f"no stored Klaviyo account named {name!r}{hint} (`klaviyo-connector auth list` lists them, "
                f"`klaviyo-connector auth login --account {name}` adds it)"
            )
        return _account(name, entries[name])

    def api_key(self, name: str) -> Secret:
        """The private key of an API-key account, from the keyring or the index."""
        account = self.get(name)
        if account.type != API_KEY:
            raise ConnectionConfigError(f"account {name!r} is an OAuth 2.0 account; it has no API key")
        if account.storage == "keyring":
            if self._keyring is None:
                raise ConnectionConfigError(
                    f"the key of account {name!r} is in the system keyring, but the keyring package is not "
                    f"installed or is disabled; install it or log in again with `auth login --account {name}`"
                )
            try:
                value = self._keyring.get_password(KEYRING_SERVICE, name)
            except Exception as exc:  # any backend failure: locked, no D-Bus...
                raise ConnectionConfigError(
                    f"cannot read the key of account {name!r} from the system keyring ({type(exc).__name__})"
                ) from None
            if not value:
                raise ConnectionConfigError(
                    f"the system keyring holds no key for account {name!r}; log in again with "
                    f"`klaviyo-connector auth login --account {name}`"
                )
            return Secret(str(value))
        return Secret(str(self._load()["accounts"][name].get("key") or ""))

    # -- writing ---------------------------------------------------------------------------------

    def save_api_key(
        self,
        name: str,
        key: str | Secret,
        *,
        account_id: str | None = None,
        organization: str | None = None,
        base_url: str | None = None,
        use_keyring: bool = True,
    ) -> StoredAccount:
        """Store an API-key account (in the keyring when one works) and make it current."""
        name = check_account_name(name)
        secret = Secret(validate_private_key(key))
        entry: dict[str, Any] = {
            "type": API_KEY,
            "accountId": account_id,
            "organization": organization,
            "baseUrl": base_url,
        }
        entry["storage"] = "keyring" if use_keyring and self._keyring_set(name, secret) else "file"
        if entry["storage"] == "file":
            entry["key"] = secret.reveal()
        return self._put(name, entry)

    def save_oauth(self, name: str, token_file: str | Path, *, base_url: str | None = None) -> StoredAccount:
        """Store an OAuth 2.0 account whose token lives in ``token_file``, and make it current."""
        name = check_account_name(name)
        entry = {"type": OAUTH2, "storage": "tokenFile", "tokenFile": str(token_file), "baseUrl": base_url}
        return self._put(name, entry)

    def token_file_for(self, name: str) -> Path:
        """Where ``oauth login --account NAME`` keeps that account's token."""
        return self.path.parent / "accounts" / f"{check_account_name(name)}.token.json"

    def switch(self, name: str) -> StoredAccount:
        """Make ``name`` the current account."""
        account = self.get(name)
        data = self._load()
        data["current"] = name
        write_private_json(self.path, data)
        return account

    def remove(self, name: str) -> StoredAccount:
        """Forget an account: its index entry, its key in the keyring, an OAuth account's token file."""
        account = self.get(name)
        data = self._load()
        del data["accounts"][name]
        if data.get("current") == name:
            data["current"] = None
        write_private_json(self.path, data)
        if account.storage == "keyring":
            self._keyring_delete(name)
        if account.token_file:
            Path(account.token_file).unlink(missing_ok=True)
        return account

    def _put(self, name: str, entry: dict[str, Any]) -> StoredAccount:
        data = self._load()
        previous = data["accounts"].get(name)
        data["accounts"][name] = {k: v for k, v in entry.items() if v is not None}
        data["current"] = name
        write_private_json(self.path, data)
        if previous and previous.get("storage") == "keyring" and entry.get("storage") != "keyring":
            self._keyring_delete(name)  # the key moved to the file: leave no stale copy behind
        return _account(name, data["accounts"][name])

    def _keyring_set(self, name: str, secret: Secret) -> bool:
        if self._keyring is None:
            return False
        try:
            self._keyring.set_password(KEYRING_SERVICE, name, secret.reveal())
        except Exception:  # no usable backend (keyring.errors.NoKeyringError, locked...): use the 0600 file
            return False
        return True

    def _keyring_delete(self, name: str) -> None:
        if self._keyring is None:
            return
        # Already gone, or the backend failed: the index no longer points at it either way.
        with contextlib.suppress(Exception):
            self._keyring.delete_password(KEYRING_SERVICE, name)


def _account(name: str, entry: dict[str, Any]) -> StoredAccount:
    return StoredAccount(
        name=name,
        type=str(entry.get("type") or API_KEY),
        storage=str(entry.get("storage") or "file"),
        account_id=entry.get("accountId"),
        organization=entry.get("organization"),
        base_url=entry.get("baseUrl"),
        token_file=entry.get("tokenFile"),
    )
