"""``klaviyo-connector auth login|list|switch|logout|status``: named Klaviyo accounts.

``login`` reads a private key from stdin (a prompt that does not echo on a terminal; never a flag, which would
land in shell history and ``ps``), checks it with ``GET /api/accounts`` and only then stores it under
``--account NAME`` (default: ``KLAVIYO_ACCOUNT``, else ``default``), in the system keyring when the optional
``keyring`` package works, else in the 0600 accounts file; the account becomes the current one. ``--account
NAME`` (or ``KLAVIYO_ACCOUNT``) then picks it for any command. Output is JSON on stdout and never holds a key.

Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser)
    >>> args = parser.parse_args(["login", "--account", "acme"])
    >>> args.auth_command, args.account
    ('login', 'acme')
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from connector.client.errors import ApiError, ConnectionConfigError, PermissionDeniedError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``auth`` subcommands."""
    sub = parser.add_subparsers(dest="auth_command", metavar="SUBCOMMAND")
    sub.required = True

    def add(name: str, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        return p

    login = add("login", "check a private API key (read from stdin) with Klaviyo, then store it as a named account")
    login.add_argument("--account", default=argparse.SUPPRESS, help="the account's name (default: 'default')")
    login.add_argument("--no-keyring", action="store_true", help="store the key in the 0600 accounts file")
    add("list", "list the stored accounts (never their keys)")
    switch = add("switch", "make a stored account the current one")
    switch.add_argument("name", help="the account's name")
    logout = add("logout", "forget a stored account and its key (default: the current account)")
    logout.add_argument("--account", default=argparse.SUPPRESS, help="the account to forget")
    status = add("status", "show which connection commands use and where it comes from")
    status.add_argument("--account", default=argparse.SUPPRESS, help="show this stored account instead")
    status.add_argument("--verify", action="store_true", help="also check it with Klaviyo (GET /api/accounts)")


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False))


def run(args: argparse.Namespace) -> int:
    """Run the chosen ``auth`` subcommand."""
    from connector.shell.env import account_store

    store = account_store()
    named = getattr(args, "account", None) or (os.environ.get("KLAVIYO_ACCOUNT") or "").strip() or None
    command = args.auth_command
    if command == "login":
        return _login(store, named or "default", use_keyring=not args.no_keyring)
    if command == "list":
        current = store.current()
        accounts = [a.to_json(current=a.name == current) for a in store.accounts()]
        _print({"current": current, "accounts": accounts, "file": str(store.path)})
        return 0
    if command == "switch":
        account = store.switch(args.name)
        _print({**account.to_json(current=True), "switched": True})
        return 0
    if command == "logout":
        name = named or store.current()
        if not name:
            raise ConnectionConfigError("auth logout: no account named and no current account")
        removed = store.remove(name)
        _print({"loggedOut": removed.name, "current": store.current()})
        return 0
    return _status(args)


def _read_key() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Klaviyo private API key (pk_...): ")
    return sys.stdin.readline()


def _login(store: Any, name: str, *, use_keyring: bool) -> int:
    from connections.accounts import check_account_name
    from connections.api_key import ApiKeyConnection

    name = check_account_name(name)
    connection = ApiKeyConnection(_read_key())  # the key's shape is checked before anything is sent
    base_url = (os.environ.get("KLAVIYO_BASE_URL") or "").strip() or None
    verified = _verify(connection, base_url)
    stored = store.save_api_key(
        name,
        connection.secrets()[0],
        account_id=verified.get("accountId"),
        organization=verified.get("organization"),
        base_url=base_url,
        use_keyring=use_keyring,
    )
    _print({**stored.to_json(current=True), **verified, "file": str(store.path)})
    return 0


def _verify(credential: Any, base_url: str | None) -> dict[str, Any]:
    """Ask Klaviyo who the credential belongs to (``GET /api/accounts``); a refused key raises.

    A key without the ``accounts:read`` scope is accepted (Klaviyo authenticated it and answered 403): its account
    id and organization are then unknown.
    """
    from connector.client.pipeline import KlaviyoClient
    from connector.klaviyo.operations.calls import request
    from connector.shell.reporting import reporting

    with KlaviyoClient(credential, base_url=base_url) as client, reporting(client):
        try:
            document = request(client, "get_accounts").json_or_none() or {}
        except PermissionDeniedError:
            return {"verified": True, "note": "the key lacks the accounts:read scope: account id and name unknown"}
        except ApiError as exc:
            exc.message = f"Klaviyo did not accept the key, so nothing was stored: {exc.message}"
            exc.args = (exc.message,)
            raise
    accounts = document.get("data") or [{}]
    first = accounts[0] if isinstance(accounts, list) and accounts else {}
    contact = (first.get("attributes") or {}).get("contact_information") or {}
    return {"verified": True, "accountId": first.get("id"), "organization": contact.get("organization_name")}


def _status(args: argparse.Namespace) -> int:
    from connector.shell.env import resolve_connection

    resolved = resolve_connection(account=getattr(args, "account", None))
    out = resolved.to_json()
    if resolved.credential is None:
        _print(out)
        raise ConnectionConfigError("no Klaviyo connection is configured (`klaviyo-connector auth login` stores one)")
    if args.verify:
        base_url = (os.environ.get("KLAVIYO_BASE_URL") or "").strip() or resolved.base_url
        out.update(_verify(resolved.credential, base_url))
    _print(out)
    return 0
