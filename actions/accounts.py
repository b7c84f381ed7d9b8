"""Accounts: read the account(s) the connection's key belongs to, and a picklist.

Each action is declared once on its operation; field names come from the operation registry.
``Klaviyo(...).accounts`` is :class:`Accounts`, generated from ``FACADE_METHODS``; Python values are checked
like low-code ones, before anything is sent (so no client is needed below).

Example:
    >>> from connector.klaviyo.operation_actions import request_for
    >>> call = request_for("get_account", GET_ACCOUNT.clean({"accountId": "AbC123", "fields": "timezone,locale"}))
    >>> call.method, call.path, dict(call.params)
    ('GET', '/api/accounts/AbC123', {'fields[account]': ['timezone', 'locale']})
    >>> Accounts(client=None).get("AbC123", fields=["timezone", "balance"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: Fields: unknown field 'balance'; allowed: contact_information, ...

Reference: https://developers.klaviyo.com/en/reference/accounts_api_overview
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from actions._facade.accounts import Accounts as Accounts
from actions._facade.models.accounts import AccountAttributes
from connector.client.jsonapi import Resource
from connector.client.pipeline import KlaviyoClient
from connector.framework.facade import FacadeMethod
from connector.klaviyo.operation_actions import (
    fields_input,
    id_input,
    max_records_input,
    operation_action,
    picklist,
    stream_for,
)

Account = Resource[AccountAttributes]


# -- Get Account -------------------------------------------------------------------------------


@attrs.frozen
class GetAccountInputs:
    """Inputs of Get Account."""

    account_id: str = id_input("Account ID", "The ID of the account to retrieve.")
    fields: list[str] = fields_input("get_account")


GET_ACCOUNT = operation_action(
    "get_account",
    label="Get Account",
    description="Retrieve a single account object by its account ID.",
    inputs=GetAccountInputs,
)


# -- List Accounts -----------------------------------------------------------------------------


@attrs.frozen
class ListAccountsInputs:
    """Inputs of List Accounts."""

    fields: list[str] = fields_input("get_accounts")
    max_records: int | None = max_records_input()


def list_accounts(client: KlaviyoClient, inputs: ListAccountsInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/accounts`` (``get_accounts``), following ``links.next``; streams resources.

    The spec declares neither ``page[size]`` nor ``page[cursor]`` for this operation (so none is sent), yet
    Klaviyo's answer carries ``links.next``: the pages are followed all the same.
    """
    return stream_for(client, "get_accounts", inputs)


LIST_ACCOUNTS = operation_action(
    "get_accounts",
    label="List Accounts",
    description="Retrieve the account(s) associated with a given private API key.",
    inputs=ListAccountsInputs,
    perform=list_accounts,
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
