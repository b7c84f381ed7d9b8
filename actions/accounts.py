"""Accounts: read the account(s) the connection's key belongs to.

Example:
    >>> # from connector import Klaviyo
    >>> # account = next(Klaviyo(api_key="pk_...").accounts.list())

Reference: https://developers.klaviyo.com/en/reference/accounts_api_overview
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from actions._facade.accounts import AccountsOperations
from actions._shared import fields_input, get_document, id_input, list_resources, max_records_input, sparse_fields
from connector.client.jsonapi import Resource
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition, DataSourceDefinition

#: ``fields[account]`` values the spec's enum allows (dotted sub-fields included).
ACCOUNT_FIELDS = (
    "contact_information",
    "contact_information.default_sender_email",
    "contact_information.default_sender_name",
    "contact_information.organization_name",
    "contact_information.street_address",
    "contact_information.street_address.address1",
    "contact_information.street_address.address2",
    "contact_information.street_address.city",
    "contact_information.street_address.country",
    "contact_information.street_address.region",
    "contact_information.street_address.zip",
    "contact_information.website_url",
    "id",
    "industry",
    "locale",
    "preferred_currency",
    "public_api_key",
    "test_account",
    "timezone",
)


@attrs.frozen
class StreetAddress:
    """The account's postal address (used in email footers).

    Example:
        >>> StreetAddress(city="Boston").city
        'Boston'
    """

    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    zip: str | None = None


@attrs.frozen
class ContactInformation:
    """The account's sender defaults and organisation details.

    Example:
        >>> ContactInformation(organization_name="Klaviyo Demo").organization_name
        'Klaviyo Demo'
    """

    default_sender_name: str | None = None
    default_sender_email: str | None = None
    website_url: str | None = None
    organization_name: str | None = None
    street_address: StreetAddress | None = None


@attrs.frozen
class AccountAttributes:
    """An account's attributes as Klaviyo returns them (every field may be absent).

    Example:
        >>> AccountAttributes(timezone="US/Eastern").timezone
        'US/Eastern'
    """

    test_account: bool | None = None
    contact_information: ContactInformation | None = None
    industry: str | None = None
    timezone: str | None = None
    preferred_currency: str | None = None
    public_api_key: str | None = None
    locale: str | None = None


Account = Resource[AccountAttributes]


# -- Get Account -------------------------------------------------------------------------------


@attrs.frozen
class GetAccountInputs:
    """Inputs of Get Account."""

    account_id: str = id_input("Account ID", "The ID of the account to retrieve.")
    fields: list[str] = fields_input(ACCOUNT_FIELDS)


def get_account(client: KlaviyoClient, inputs: GetAccountInputs) -> Any:
    """``GET /api/accounts/{id}`` (``get_account``).

    Example:
        >>> # get_account(client, GetAccountInputs(account_id="AbC123"))
    """
    return get_document(client, f"/api/accounts/{inputs.account_id}", sparse_fields("account", inputs.fields))


GET_ACCOUNT = ActionDefinition(
    key="getAccount",
    label="Get Account",
    description="Retrieve a single account object by its account ID.",
    inputs=GetAccountInputs,
    perform=get_account,
    operation_ids=("get_account",),
)


# -- List Accounts -----------------------------------------------------------------------------


@attrs.frozen
class ListAccountsInputs:
    """Inputs of List Accounts."""

    fields: list[str] = fields_input(ACCOUNT_FIELDS)
    max_records: int | None = max_records_input()


def list_accounts(client: KlaviyoClient, inputs: ListAccountsInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/accounts`` (``get_accounts``), following ``links.next``; streams resources.

    The endpoint declares no ``page[size]``, so none is sent (Klaviyo would reject it).

    Example:
        >>> # [a["id"] for a in list_accounts(client, ListAccountsInputs())]
    """
    return list_resources(
        client,
        "/api/accounts",
        sparse_fields("account", inputs.fields),
        page_size=None,
        default_page_size=None,
        limit=inputs.max_records,
    )


LIST_ACCOUNTS = ActionDefinition(
    key="listAccounts",
    label="List Accounts",
    description="Retrieve the account(s) associated with a given private API key.",
    inputs=ListAccountsInputs,
    perform=list_accounts,
    operation_ids=("get_accounts",),
)


# -- data source -------------------------------------------------------------------------------


@attrs.frozen
class SelectAccountInputs:
    """Inputs of the Select Account picklist (none besides the connection)."""


def account_label(resource: Mapping[str, Any]) -> str:
    """An account's organisation name, else its public key, else its id.

    Example:
        >>> account_label({"id": "AbC123", "attributes": {"contact_information": {"organization_name": "Acme"}}})
        'Acme'
        >>> account_label({"id": "AbC123", "attributes": {}})
        'AbC123'
    """
    attributes = resource.get("attributes") or {}
    contact = attributes.get("contact_information") or {}
    name = contact.get("organization_name") if isinstance(contact, Mapping) else None
    return str(name or attributes.get("public_api_key") or resource.get("id"))


def _account_choices(resources: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, str]]:
    for resource in resources:
        yield {"label": account_label(resource), "key": str(resource.get("id"))}


def select_account(client: KlaviyoClient, inputs: SelectAccountInputs) -> Iterator[dict[str, str]]:
    """Every account the key can read as ``{"label": organization name, "key": id}``.

    Example:
        >>> # list(select_account(client, SelectAccountInputs()))
    """
    # Accounts have no top-level name; the organisation name is the one users recognise.
    params = {"fields[account]": ["contact_information.organization_name", "public_api_key"]}
    return _account_choices(client.paginate("/api/accounts", params=params))


SELECT_ACCOUNT = DataSourceDefinition(
    key="selectAccount",
    label="Select Account",
    description="A picklist of the accounts the connection can read.",
    inputs=SelectAccountInputs,
    perform=select_account,
)

ACTIONS = (GET_ACCOUNT, LIST_ACCOUNTS)
DATA_SOURCES = (SELECT_ACCOUNT,)


class Accounts(AccountsOperations):
    """``Klaviyo(...).accounts``: typed access to the key's account(s).

    Example:
        >>> # k = Klaviyo(api_key="pk_...")
        >>> # k.accounts.get("AbC123").attributes.timezone
    """

    def get(self, account_id: str, *, fields: list[str] | None = None) -> Account:
        """Get one account, e.g. ``accounts.get("AbC123", fields=["timezone"])``."""
        return self._one(AccountAttributes, GET_ACCOUNT, account_id=account_id, fields=fields)

    def list(self, *, fields: list[str] | None = None, limit: int | None = None) -> Iterator[Account]:
        """Stream the key's accounts (a private key has exactly one), e.g. ``next(accounts.list())``."""
        return self._many(AccountAttributes, LIST_ACCOUNTS, fields=fields, max_records=limit)


FACADE = Accounts
