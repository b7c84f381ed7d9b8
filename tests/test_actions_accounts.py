"""Accounts actions: exact requests (checked against the spec), parsed responses, input errors."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from conftest import BASE, assert_request, spec_reply

from actions.accounts import GET_ACCOUNT, LIST_ACCOUNTS, SELECT_ACCOUNT, Accounts
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient


def test_get_account_sends_fields_and_parses_nested_contact_information(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/accounts/{id}", "get", id="AbC123")
    mocked.get(f"{BASE}/api/accounts/AbC123", json=reply, status=status)

    account = Accounts(client).get("AbC123", fields=["timezone", "contact_information.organization_name"])

    assert_request(
        mocked.calls[0],
        "GET",
        "/api/accounts/AbC123",
        query={"fields[account]": "timezone,contact_information.organization_name"},
    )
    attributes = reply["data"]["attributes"]
    assert account.id == "AbC123"
    assert account.attributes.timezone == attributes["timezone"]
    assert account.attributes.public_api_key == attributes["public_api_key"]
    assert account.attributes.test_account is attributes["test_account"]
    assert account.attributes.contact_information is not None
    contact = attributes["contact_information"]
    assert account.attributes.contact_information.organization_name == contact["organization_name"]
    assert account.attributes.contact_information.street_address is not None
    assert account.attributes.contact_information.street_address.city == contact["street_address"]["city"]


def test_get_account_low_code_returns_klaviyo_document(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/accounts/{id}", "get", id="AbC123")
    mocked.get(f"{BASE}/api/accounts/AbC123", json=reply, status=status)

    assert GET_ACCOUNT.run(client, {"accountId": " AbC123 "}) == reply
    assert_request(mocked.calls[0], "GET", "/api/accounts/AbC123")


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({}, "Account ID", "is required"),
        ({"accountId": "../lists"}, "Account ID", "must be a Klaviyo ID"),
        ({"accountId": "AbC123", "fields": "timezone,colour"}, "Fields", "unknown field 'colour'"),
    ],
)
def test_get_account_input_errors_name_the_input(
    client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str
) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        GET_ACCOUNT.run(client, raw)
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert len(nothing_sent.calls) == 0


def _page(ids: list[str], next_url: str | None) -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "account",
                "id": i,
                "attributes": {"contact_information": {"organization_name": f"org {i}"}, "public_api_key": i},
                "links": {"self": f"{BASE}/api/accounts/{i}"},
            }
            for i in ids
        ],
        "links": {"self": f"{BASE}/api/accounts", "next": next_url},
    }


def test_list_accounts_follows_links_next_without_page_size(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    second = f"{BASE}/api/accounts?page%5Bcursor%5D=abc&fields%5Baccount%5D=locale"
    mocked.get(f"{BASE}/api/accounts", json=_page(["AbC123"], second))
    mocked.get(second, json=_page(["XyZ789"], None))

    out = LIST_ACCOUNTS.run(client, {"fields": '["locale"]'})

    assert [r["id"] for r in out["data"]] == ["AbC123", "XyZ789"]
    # get_accounts declares no page[size] (openapi-core ignores unknown query keys, so the exact query is the check).
    assert_request(mocked.calls[0], "GET", "/api/accounts", query={"fields[account]": "locale"})
    assert_request(mocked.calls[1], "GET", "/api/accounts", query={"fields[account]": "locale", "page[cursor]": "abc"})


def test_list_accounts_python_streams_models_and_honours_limit(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/accounts", json=_page(["AbC123", "XyZ789"], f"{BASE}/api/accounts?page%5Bcursor%5D=n"))

    stream = Accounts(client).list(limit=1)
    assert len(mocked.calls) == 0  # nothing fetched until iterated
    accounts = list(stream)

    assert [a.id for a in accounts] == ["AbC123"]
    assert accounts[0].attributes.contact_information is not None
    assert accounts[0].attributes.contact_information.organization_name == "org AbC123"
    assert len(mocked.calls) == 1
    assert_request(mocked.calls[0], "GET", "/api/accounts")


def test_list_accounts_spec_shaped_collection_parses(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/accounts", "get")
    reply["links"]["next"] = None
    mocked.get(f"{BASE}/api/accounts", json=reply, status=status)

    (account,) = Accounts(client).list()

    assert account.attributes.locale == reply["data"][0]["attributes"]["locale"]
    assert account.attributes.preferred_currency == reply["data"][0]["attributes"]["preferred_currency"]


def test_list_accounts_rejects_bad_max_records(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match="Max Records: must be 1 or more"):
        LIST_ACCOUNTS.run(client, {"maxRecords": "0"})
    assert len(nothing_sent.calls) == 0


def test_select_account_labels_with_organization_name(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    page = _page(["AbC123", "XyZ789"], None)
    page["data"][1]["attributes"] = {}  # no contact information: fall back to the id
    mocked.get(f"{BASE}/api/accounts", json=page)

    assert SELECT_ACCOUNT.run(client, {}) == {
        "result": [{"label": "org AbC123", "key": "AbC123"}, {"label": "XyZ789", "key": "XyZ789"}]
    }
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/accounts",
        query={"fields[account]": "contact_information.organization_name,public_api_key"},
    )
