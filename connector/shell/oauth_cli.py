"""``klaviyo-connector oauth login|status|logout``.

``login`` reads the client from ``--client-id``/``KLAVIYO_CLIENT_ID`` and ``KLAVIYO_CLIENT_SECRET``
(never a command-line flag: it would land in shell history and ``ps``), prints the authorize URL,
waits for the redirect on ``http://127.0.0.1:<port>/callback``, and stores the token in the token
file with mode 0600. With ``--account NAME`` (or ``KLAVIYO_ACCOUNT``) the token goes to that named account's
own token file and the account is stored beside the API-key accounts (``auth list``); ``status`` and
``logout`` take the same option (``logout`` also forgets the account).

Example:
    >>> # klaviyo-connector oauth login --scopes "lists:read lists:write"
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from connections.oauth2 import AUTHORIZE_URL, OAuth2Connection
from connections.token_store import TokenFile
from connector.client.errors import ConnectionConfigError
from connector.shell.env import account_store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``oauth`` subcommands."""
    sub = parser.add_subparsers(dest="oauth_command", metavar="SUBCOMMAND")
    sub.required = True
    login = sub.add_parser("login", help="authorize the app in a browser and store the token")
    login.add_argument("--client-id", default=os.environ.get("KLAVIYO_CLIENT_ID", ""), help="app client ID")
    login.add_argument("--scopes", default=os.environ.get("KLAVIYO_SCOPES", ""), help="space-separated scopes")
    login.add_argument("--port", type=int, default=8765, help="local redirect port (0 = any free port)")
    login.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the redirect")
    login.add_argument("--token-file", default=None, help="where to store the token")
    login.add_argument("--open", action="store_true", help="open the authorize URL in a browser")
    login.add_argument("--account", default=argparse.SUPPRESS, help="store it as this named account (see `auth list`)")
    for name, text in (("status", "show whether a token is stored"), ("logout", "revoke and delete the token")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--token-file", default=None, help="the token file")
        p.add_argument("--account", default=argparse.SUPPRESS, help="the named OAuth account's token")


def _authorize_url(base_url: str | None) -> str:
    # Against a sandbox (KLAVIYO_BASE_URL), the authorize page lives on the same local server.
    return f"{base_url.rstrip('/')}/oauth/authorize" if base_url else AUTHORIZE_URL


def run(args: argparse.Namespace) -> int:
    """Run the chosen ``oauth`` subcommand."""
    account = _account_name(args)
    store = _token_file(args, account)
    base_url = (os.environ.get("KLAVIYO_BASE_URL") or "").strip() or None
    if args.oauth_command == "login":
        return _login(args, store, account, base_url)
    if args.oauth_command == "status":
        return _status(store, account)
    return _logout(store, account, base_url)


def _login(args: argparse.Namespace, store: TokenFile, account: str | None, base_url: str | None) -> int:
    from connections.oauth_login import login

    secret = os.environ.get("KLAVIYO_CLIENT_SECRET", "")
    if not args.client_id or not secret:
        raise ConnectionConfigError(
            "oauth login needs the app's Client ID (--client-id or KLAVIYO_CLIENT_ID) and "
            "Client secret (KLAVIYO_CLIENT_SECRET)"
        )
    connection = OAuth2Connection(
        client_id=args.client_id,
        client_secret=secret,
        scopes=args.scopes,
        base_url=base_url or "https://a.klaviyo.com",
        authorize_url=_authorize_url(base_url),
    )

    def announce(url: str) -> None:
        print("Open this URL to authorize the app:", file=sys.stderr)
        print(url, flush=True)

    fresh = login(connection, port=args.port, timeout=args.timeout, announce=announce, open_browser=args.open)
    store.save({**fresh, "client_id": args.client_id, "base_url": base_url})
    if account:
        account_store().save_oauth(account, store.path, base_url=base_url)
    print(json.dumps({"saved": str(store.path), "scope": fresh.get("scope"), "account": account}))
    return 0


def _status(store: TokenFile, account: str | None) -> int:
    token = store.load()
    if not token:
        print(json.dumps({"loggedIn": False, "tokenFile": str(store.path), "account": account}))
        raise ConnectionConfigError(f"OAuth 2.0: no token in {store.path}; run `klaviyo-connector oauth login`")
    expires_at = token.get("expires_at")
    status = {
        "loggedIn": True,
        "tokenFile": str(store.path),
        "scope": token.get("scope"),
        "expiresIn": int(float(expires_at) - time.time()) if expires_at else None,
        "refreshable": bool(token.get("refresh_token")),
    }
    print(json.dumps(status))
    return 0


def _logout(store: TokenFile, account: str | None, base_url: str | None) -> int:
    """Revoke the token at Klaviyo, then forget it (and the account that names it)."""
    token = store.load()
    if token:
        connection = OAuth2Connection(
            client_id=os.environ.get("KLAVIYO_CLIENT_ID") or str(token.get("client_id") or ""),
            client_secret=os.environ.get("KLAVIYO_CLIENT_SECRET", ""),
            token=token,
            base_url=base_url or str(token.get("base_url") or "https://a.klaviyo.com"),
        )
        connection.revoke()
        store.path.unlink(missing_ok=True)
    if account:
        account_store().remove(account)
    print(json.dumps({"loggedIn": False}))
    return 0


def _account_name(args: argparse.Namespace) -> str | None:
    """``--account NAME``, else ``KLAVIYO_ACCOUNT`` (None for the token file of a plain ``oauth login``)."""
    from connections.accounts import check_account_name

    name = getattr(args, "account", None) or (os.environ.get("KLAVIYO_ACCOUNT") or "").strip()
    return check_account_name(name) if name else None


def _token_file(args: argparse.Namespace, account: str | None) -> TokenFile:
    """``--token-file``; else the named account's token file; else ``KLAVIYO_TOKEN_FILE`` or the default."""
    if args.token_file:
        return TokenFile(args.token_file)
    if account:
        store = account_store()
        if args.oauth_command == "login":
            return TokenFile(store.token_file_for(account))
        stored = store.get(account)
        if stored.token_file is None:
            raise ConnectionConfigError(f"account {account!r} is an API key account; see `klaviyo-connector auth`")
        return TokenFile(stored.token_file)
    return TokenFile(os.environ.get("KLAVIYO_TOKEN_FILE") or None)
