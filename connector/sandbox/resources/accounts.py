"""Accounts: one fixed sandbox account (``get_accounts``, ``get_account``).

Example:
    >>> ACCOUNT_ID
    'SbxAcc'
"""

from __future__ import annotations

from typing import Any

from ..errors import not_found
from ..jsonapi import resource
from ..pagination import self_url
from ..query import QuerySpec
from ..routing import Ctx, Route
from ..wire import Response
from .common import single

ACCOUNT_ID = "SbxAcc"
FIELDS = frozenset(
    {
        "contact_information",
        "id",
        "industry",
        "locale",
        "preferred_currency",
        "public_api_key",
        "test_account",
        "timezone",
    }
)
SPEC = QuerySpec(fields={"account": FIELDS})


def account(base: str) -> dict[str, Any]:
    """The sandbox account resource.

    Example:
        >>> account("http://h")["attributes"]["public_api_key"]
        'SbxAcc'
    """
    return resource(
        "account",
        ACCOUNT_ID,
        {
            "test_account": True,
            "contact_information": {
                "default_sender_name": "Sandbox",
                "default_sender_email": "sandbox@example.com",
                "website_url": "https://example.com",
                "organization_name": "Klaviyo Sandbox",
                "street_address": {
                    "address1": "1 Sandbox Way",
                    "address2": None,
                    "city": "Boston",
                    "region": "MA",
                    "country": "US",
                    "zip": "02110",
                },
            },
            "industry": "Software",
            "timezone": "UTC",
            "preferred_currency": "USD",
            "public_api_key": ACCOUNT_ID,
            "locale": "en-US",
        },
        base,
        "accounts",
    )


def get_accounts(ctx: Ctx) -> Response:
    """``GET /api/accounts``.

    Example:
        >>> get_accounts.__name__
        'get_accounts'
    """
    from ..jsonapi import apply_fields

    return Response(200, {"data": [apply_fields(account(ctx.base), ctx.query)], "links": {"self": self_url(ctx.req)}})


def get_account(ctx: Ctx) -> Response:
    """``GET /api/accounts/{id}``.

    Example:
        >>> get_account.__name__
        'get_account'
    """
    if ctx.params["id"] != ACCOUNT_ID:
        raise not_found("account", ctx.params["id"])
    return single(ctx, account(ctx.base))


ROUTES = [
    Route("GET", "/api/accounts", "get_accounts", get_accounts, SPEC),
    Route("GET", "/api/accounts/{id}", "get_account", get_account, SPEC),
]
