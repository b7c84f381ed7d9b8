"""Accounts: read the account(s) the connection's key belongs to, and a picklist.

Each action is declared once on its operation; field names come from the operation registry.
``Klaviyo(...).accounts`` is :class:`Accounts`, generated from ``FACADE_METHODS``; Python values are checked
like low-code ones, before anything is sent (so no client is needed below).

Example:
    >>> from connector.klaviyo.operation_actions import request_for
    >>> call = request_for("get_account", GET_ACCOUNT.clean({"accountId": "AbC123", "fields": "timezone,locale"}))
    >>> call.method, call.path, dict(call.params)
    ('GET', '/api/accounts/AbC123', {'fields[account]': ['timezone', 'locale']})
    >>> from actions.accounts import Accounts  # the typed facade, imported on first use
    >>> Accounts(client=None).get("AbC123", fields=["timezone", "balance"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: Fields: unknown field 'balance'; allowed: contact_information, ...

Reference: https://developers.klaviyo.com/en/reference/accounts_api_overview
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from actions._lazy import lazy_exports
from connector.framework.facade import FacadeMethod
from connector.klaviyo.operation_actions import (
    get_action,
    list_action,
    picklist,
)

if TYPE_CHECKING:
    from actions._facade.accounts import Accounts as Accounts
    from actions._facade.models.accounts import AccountAttributes as AccountAttributes
    from connector.client.jsonapi import Resource

    Account = Resource[AccountAttributes]

__getattr__ = lazy_exports(__name__, "Accounts", Account="accounts.AccountAttributes")


# -- Get Account -------------------------------------------------------------------------------


GET_ACCOUNT = get_action(
    "get_account", "Retrieve a single account object by its account ID.", "The ID of the account to retrieve."
)


# -- List Accounts -----------------------------------------------------------------------------


# The spec declares neither ``page[size]`` nor ``page[cursor]`` for get_accounts (so none is sent), yet Klaviyo's
# answer carries ``links.next``: the generic perform follows it all the same.
LIST_ACCOUNTS = list_action(
    "get_accounts",
    label="List Accounts",
    description="Retrieve the account(s) associated with a given private API key.",
)


# -- data source -------------------------------------------------------------------------------

# Accounts have no top-level name; the organisation name is the one users recognise.
SELECT_ACCOUNT = picklist(
    "get_accounts",
    label="Select Account",
    description="A picklist of the accounts the connection can read.",
    label_fields=("contact_information.organization_name", "public_api_key"),
)

ACTIONS = (GET_ACCOUNT, LIST_ACCOUNTS)
DATA_SOURCES = (SELECT_ACCOUNT,)


FACADE_METHODS = (
    FacadeMethod("get", GET_ACCOUNT, 'Get one account, e.g. ``accounts.get("AbC123", fields=["timezone"])``.'),
    FacadeMethod(
        "list", LIST_ACCOUNTS, "Stream the key's accounts (a private key has exactly one): ``next(accounts.list())``."
    ),
)
