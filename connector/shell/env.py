"""The connection and client a CLI run uses, and where they come from.

The first of these that is given wins:

1. the step's connection: the ``connection`` input of ``run``/``source``, in Prismatic's shape
   (``{"key": "apiKey", "fields": {"apiKey": "pk_..."}}``, or ``"oauth2"`` with ``fields`` and a ``token``);
2. flags: ``--account NAME`` (a stored account), then ``--token-file FILE`` (an OAuth token file);
3. the environment: ``KLAVIYO_API_KEY``, ``KLAVIYO_ACCESS_TOKEN``, ``KLAVIYO_ACCOUNT`` (a stored account; set
   together with either of the first two it is refused, since which account was meant cannot be told),
   ``KLAVIYO_TOKEN_FILE``;
4. what is stored: the current account (``auth login``, ``auth switch``), then the token file that
   ``oauth login`` wrote.

``KLAVIYO_BASE_URL`` overrides the host (else a stored account's or token file's, else Klaviyo's),
``KLAVIYO_REVISION`` the API revision. OAuth tokens are refreshed with ``KLAVIYO_CLIENT_ID`` /
``KLAVIYO_CLIENT_SECRET`` (a step's OAuth connection carries its own), and a token Klaviyo rotates is written
back to the token file it came from; a step connection's rotated token goes to ``--token-file``, else
``KLAVIYO_TOKEN_FILE``, else the default token file (never to stdout: the result carries no secret).
``KLAVIYO_KEYRING=off`` keeps stored keys out of the system keyring.

A workflow step (``run``, ``source``) gives every request a total time budget of
:data:`STEP_TIME_BUDGET` seconds (all attempts, waits and the whole answer), so a silent or dripping
server cannot hold a step for minutes; the library default has none (per-read timeouts only).

Example:
    >>> credential_from_env({"KLAVIYO_API_KEY": "pk_" + "a" * 34})
    ApiKeyConnection(key='pk_aaa********')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from connector import structs
from connector.client.auth import Credential
from connector.client.errors import ConnectionConfigError
from connector.client.secrets import Secret

#: Seconds a request of a CLI workflow step may take in total, retries and waits included (README, "Security").
STEP_TIME_BUDGET = 120.0

if TYPE_CHECKING:
    from connections.accounts import AccountStore, StoredAccount
    from connections.token_store import TokenFile
    from connector.client.pipeline import KlaviyoClient

#: ``KLAVIYO_KEYRING`` values that keep keys out of the system keyring.
_OFF = ("0", "off", "false", "no")

NO_CONNECTION = (
    "No Klaviyo connection is configured: give the step a `connection` input, use --account NAME "
    "(`klaviyo-connector auth list`), set KLAVIYO_API_KEY (a private key pk_...), or log in with "
    "`klaviyo-connector auth login` (API key) or `klaviyo-connector oauth login` (OAuth 2.0)."
)


@structs.frozen
class ResolvedConnection:
    """The credential a run uses, and where it came from (``auth status`` prints it; it holds no secret).

    Example:
        >>> ResolvedConnection(None, "none").to_json()["configured"]
        False
    """

    credential: Credential | None
    #: Where the credential came from: ``"the step's connection"``, ``"--account acme"``, ``"KLAVIYO_API_KEY"``...
    source: str
    #: The host a stored account or token file names (``KLAVIYO_BASE_URL`` wins over it).
    base_url: str | None = None
    account: StoredAccount | None = None

    def to_json(self) -> dict[str, Any]:
        """The connection as ``auth status`` shows it: its source, type and account, never a secret."""
        return {
            "configured": self.credential is not None,
            "source": self.source,
            "type": getattr(self.credential, "key", None),
            "account": self.account.name if self.account else None,
            "accountId": self.account.account_id if self.account else None,
            "organization": self.account.organization if self.account else None,
        }


class _NoConnection:
    """The credential of a run nothing configured: the first authenticated request says what to configure."""

    key = None

    def authorization_header(self) -> str:
        raise ConnectionConfigError(NO_CONNECTION)

    def on_unauthorized(self) -> bool:
        return False

    def secrets(self) -> tuple[Secret, ...]:
        return ()

    def __repr__(self) -> str:
        return "no connection"


def _text(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or "").strip()


def account_store(environ: Mapping[str, str] | None = None) -> AccountStore:
    """The stored accounts (``$XDG_CONFIG_HOME/klaviyo-connector/accounts.json``); ``KLAVIYO_KEYRING=off``
    keeps keys out of the system keyring."""
    from connections.accounts import AccountStore

    env = os.environ if environ is None else environ
    return AccountStore(keyring=None if _text(env, "KLAVIYO_KEYRING").lower() in _OFF else "auto")


def token_file(path: str | None, environ: Mapping[str, str]) -> TokenFile:
    """``path``, else ``KLAVIYO_TOKEN_FILE``, else the default token file."""
    from connections.token_store import TokenFile

    return TokenFile(path or _text(environ, "KLAVIYO_TOKEN_FILE") or None)


def resolve_connection(
    environ: Mapping[str, str] | None = None,
    *,
    connection: Any = None,
    account: str | None = None,
    token_file_path: str | None = None,
    store: AccountStore | None = None,
) -> ResolvedConnection:
    """The connection a run uses (see the module's docstring for the order), or ``credential=None``.

    Example:
        >>> resolve_connection({"KLAVIYO_API_KEY": "pk_" + "a" * 34}, account=None).source
        'KLAVIYO_API_KEY'
    """
    from connector.shell.packages import ensure_own_packages

    ensure_own_packages()
    env = os.environ if environ is None else environ
    base_url = _text(env, "KLAVIYO_BASE_URL") or None
    if connection is not None and connection != "":
        return _from_step(connection, env, base_url, token_file_path)
    if account:
        return _from_account(store or account_store(env), account, f"--account {account}", env)
    if token_file_path:
        found = _from_token_file(token_file(token_file_path, env), env, f"--token-file {token_file_path}")
        if found is None:
            raise ConnectionConfigError(f"--token-file {token_file_path}: no token there; run `oauth login` first")
        return found
    api_key, access_token = _text(env, "KLAVIYO_API_KEY"), _text(env, "KLAVIYO_ACCESS_TOKEN")
    named = _text(env, "KLAVIYO_ACCOUNT")
    if named and (api_key or access_token):
        given = "KLAVIYO_API_KEY" if api_key else "KLAVIYO_ACCESS_TOKEN"
        raise ConnectionConfigError(
            f"both KLAVIYO_ACCOUNT ({named}) and {given} are set, so which Klaviyo account to use cannot be told: "
            f"unset one of them, or pass --account NAME"
        )
    if api_key:
        from connections.api_key import ApiKeyConnection

        return ResolvedConnection(ApiKeyConnection(api_key), "KLAVIYO_API_KEY")
    if access_token:
        from connections.oauth2 import OAuth2Connection

        credential = OAuth2Connection(client_id=_text(env, "KLAVIYO_CLIENT_ID"), token={"access_token": access_token})
        return ResolvedConnection(credential, "KLAVIYO_ACCESS_TOKEN")
    accounts = store or account_store(env)
    if named:
        return _from_account(accounts, named, f"KLAVIYO_ACCOUNT={named}", env)
    env_file = _text(env, "KLAVIYO_TOKEN_FILE")
    if env_file:
        found = _from_token_file(token_file(env_file, env), env, "KLAVIYO_TOKEN_FILE")
        if found is not None:
            return found
    current = accounts.current()
    if current:
        return _from_account(accounts, current, f"the current account {current} (auth switch)", env)
    if not env_file:
        found = _from_token_file(token_file(None, env), env, "the token file of `oauth login`")
        if found is not None:
            return found
    return ResolvedConnection(None, "none")


def _from_step(raw: Any, env: Mapping[str, str], base_url: str | None, path: str | None) -> ResolvedConnection:
    from connector.framework.definitions import connection_credential
    from connector.shell.component import COMPONENT

    credential = connection_credential(COMPONENT.connections(), raw, base_url=base_url)
    if credential is not None and hasattr(credential, "on_token_updated"):
        # The step's platform gave the token; one Klaviyo rotates must outlive this process: the token file.
        store = token_file(path, env)
        client_id = getattr(credential, "client_id", "")

        def save(fresh: dict[str, Any]) -> None:
            store.save({**fresh, "client_id": client_id, "base_url": base_url})

        credential.on_token_updated = save
    return ResolvedConnection(credential, "the step's connection")


def _from_account(store: AccountStore, name: str, source: str, env: Mapping[str, str]) -> ResolvedConnection:
    from connections.accounts import API_KEY

    stored = store.get(name)
    if stored.type == API_KEY:
        from connections.api_key import ApiKeyConnection

        return ResolvedConnection(ApiKeyConnection(store.api_key(name)), source, stored.base_url, stored)
    found = _from_token_file(token_file(stored.token_file, env), env, source, stored.base_url)
    if found is None:
        raise ConnectionConfigError(
            f"account {name!r} has no OAuth token in {stored.token_file}; run "
            f"`klaviyo-connector oauth login --account {name}`"
        )
    return structs.evolve(found, account=stored)


def _from_token_file(
    store: TokenFile, env: Mapping[str, str], source: str, base_url: str | None = None
) -> ResolvedConnection | None:
    """An OAuth connection from a token file, rewritten when Klaviyo rotates the token; None without a token."""
    token = store.load() if store.path.exists() else None
    if not token:
        return None
    from connections.oauth2 import OAuth2Connection

    stored_base = str(token.get("base_url") or "") or base_url
    credential = OAuth2Connection(
        client_id=_text(env, "KLAVIYO_CLIENT_ID") or str(token.get("client_id") or ""),
        client_secret=_text(env, "KLAVIYO_CLIENT_SECRET"),
        token=token,
        base_url=_text(env, "KLAVIYO_BASE_URL") or stored_base or "https://a.klaviyo.com",
        on_token_updated=lambda fresh: store.save(
            {**fresh, "client_id": token.get("client_id"), "base_url": token.get("base_url")}
        ),
    )
    return ResolvedConnection(credential, source, stored_base)


def credential_from_env(environ: Mapping[str, str] | None = None, **options: Any) -> Credential | None:
    """The credential the environment (and ``options``: see :func:`resolve_connection`) configures, or None."""
    return resolve_connection(environ, **options).credential


def client_from_env(
    environ: Mapping[str, str] | None = None,
    *,
    pool_size: int = 16,
    total_timeout: float | None = None,
    **options: Any,
) -> KlaviyoClient:
    """A client for the resolved connection; with none configured, the first authenticated call fails with
    a :class:`ConnectionConfigError` saying how to configure one (unauthenticated calls still work).

    ``total_timeout`` is the default time budget of each request, in seconds (None: per-read timeouts only).
    """
    from connector.client.pipeline import KlaviyoClient
    from connector.client.retry import RetryPolicy

    env = os.environ if environ is None else environ
    resolved = resolve_connection(env, **options)
    return KlaviyoClient(
        resolved.credential or _NoConnection(),
        base_url=_text(env, "KLAVIYO_BASE_URL") or resolved.base_url,
        revision=_text(env, "KLAVIYO_REVISION") or None,
        pool_size=pool_size,
        retry=RetryPolicy(total_timeout=total_timeout),
    )


def connection_options(args: Any, **extra: Any) -> dict[str, Any]:
    """The connection options a parsed command line gives (``--account``, ``--token-file``)."""
    options = {"account": getattr(args, "account", None), "token_file_path": getattr(args, "token_file", None)}
    return {**options, **extra}


def client_for(args: Any, *, pool_size: int = 16, total_timeout: float | None = None, **extra: Any) -> KlaviyoClient:
    """The client for a command: its ``--account``/``--token-file`` flags and ``extra`` options (a step's
    ``connection``), then the environment and stored accounts."""
    return client_from_env(pool_size=pool_size, total_timeout=total_timeout, **connection_options(args, **extra))
