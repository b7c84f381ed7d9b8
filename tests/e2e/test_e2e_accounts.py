"""Accounts through the CLI: Get Account and List Accounts return the sandbox's one account."""

from __future__ import annotations

from typing import Any

import pytest

from connector.sandbox import Sandbox
from connector.sandbox.resources.accounts import ACCOUNT_ID, account

from .conftest import Cli, ok

pytestmark = pytest.mark.e2e


def _sandbox_account(sb: Sandbox) -> dict[str, Any]:
    """The account as the sandbox holds it (it has one fixed account and no state view for it)."""
    return account(sb.url)


def test_list_accounts_returns_the_keys_account(cli: Cli, sb: Sandbox) -> None:
    expected = _sandbox_account(sb)
    r_listed, r_sparse = cli.many(
        [("listAccounts", {}), ("listAccounts", {"fields": "contact_information.street_address.city", "maxRecords": 1})]
    )
    listed = ok(r_listed)["data"]
    assert [a["id"] for a in listed] == [expected["id"]] == [ACCOUNT_ID]
    assert listed[0]["attributes"] == expected["attributes"]

    sparse = ok(r_sparse)["data"]
    assert sparse[0]["attributes"] == {"contact_information": {"street_address": {"city": "Boston"}}}


def test_get_account_with_sparse_fields(cli: Cli, sb: Sandbox) -> None:
    expected = _sandbox_account(sb)["attributes"]
    got = ok(cli("getAccount", {"accountId": ACCOUNT_ID}))
    assert got["data"]["id"] == ACCOUNT_ID
    assert got["data"]["attributes"] == expected

    sparse = ok(
        cli("getAccount", {"accountId": ACCOUNT_ID, "fields": ["contact_information.organization_name", "timezone"]})
    )
    assert sparse["data"]["attributes"] == {
        "contact_information": {"organization_name": expected["contact_information"]["organization_name"]},
        "timezone": expected["timezone"],
    }


def test_account_errors(cli: Cli, http_log: list[tuple[str, str]]) -> None:
    missing = cli("getAccount", {"accountId": "NotMine"})
    assert missing.code == 4
    assert missing.err["error"]["status"] == 404

    sent = len(http_log)
    for inputs in ({}, {"accountId": ACCOUNT_ID, "fields": ["balance"]}):
        result = cli("getAccount", inputs)
        assert result.code == 2
        assert result.err["error"]["type"] == "InputError"
    bad_limit = cli("listAccounts", {"maxRecords": "lots"})
    assert bad_limit.code == 2
    assert len(http_log) == sent
