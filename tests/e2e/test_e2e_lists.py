"""Lists through the CLI: Create/Get/List/Update/Delete List against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from connector.sandbox import Sandbox

from .conftest import Cli, ok, seed

pytestmark = pytest.mark.e2e


def _stored(sb: Sandbox, list_id: str) -> dict[str, object] | None:
    return next((lst for lst in sb.state.lists() if lst["id"] == list_id), None)


def test_create_get_update_delete_list(cli: Cli, sb: Sandbox) -> None:
    created = ok(cli("createList", {"listName": "E2E Newsletter", "optInProcess": "double_opt_in"}))
    list_id = created["data"]["id"]
    assert created["data"]["type"] == "list"
    stored = _stored(sb, list_id)
    assert stored is not None
    assert stored["name"] == "E2E Newsletter"
    assert stored["opt_in_process"] == "double_opt_in"

    got = ok(cli("getList", {"listId": list_id, "includeProfileCount": True}))
    assert got["data"]["id"] == list_id
    assert got["data"]["attributes"]["name"] == "E2E Newsletter"
    assert got["data"]["attributes"]["profile_count"] == 0

    updated = ok(cli("updateList", {"listId": list_id, "listName": "E2E Renamed", "optInProcess": "single_opt_in"}))
    assert updated["data"]["attributes"]["name"] == "E2E Renamed"
    stored = _stored(sb, list_id)
    assert stored is not None
    assert stored["name"] == "E2E Renamed"
    assert stored["opt_in_process"] == "single_opt_in"

    assert ok(cli("deleteList", {"listId": list_id})) == {"data": None}
    assert _stored(sb, list_id) is None

    gone = cli("getList", {"listId": list_id})
    assert gone.code == 4
    assert gone.err["error"]["status"] == 404
    assert gone.err["error"]["type"] == "NotFoundError"


def test_list_lists_filter_sort_fields_and_paging(cli: Cli, sb: Sandbox) -> None:
    names = [f"E2E Page {i:02d}" for i in range(12)]  # more than one page of 10
    ok(cli("createList", {"listName": names[0]}))
    for name in names[1:]:
        seed(sb, "list", "/api/lists", {"name": name})
    stored_names = {lst["name"] for lst in sb.state.lists()}
    assert set(names) <= stored_names

    everything, one, limited = (
        ok(result)["data"]
        for result in cli.many(
            [
                ("listLists", {"sort": "name"}),
                ("listLists", {"filter": 'equals(name,"E2E Page 07")', "fields": ["name"]}),
                ("listLists", {"sort": "-name", "maxRecords": 3, "pageSize": 2}),
            ]
        )
    )
    assert [r["attributes"]["name"] for r in everything] == sorted(stored_names)
    assert {r["id"] for r in everything} == {lst["id"] for lst in sb.state.lists()}

    assert len(one) == 1
    assert one[0]["attributes"] == {"name": "E2E Page 07"}

    assert [r["attributes"]["name"] for r in limited] == sorted(stored_names, reverse=True)[:3]


def test_input_errors_send_nothing(cli: Cli, sb: Sandbox, http_log: list[tuple[str, str]]) -> None:
    before = sb.state.lists()
    sent = len(http_log)
    cases: tuple[Any, ...] = (
        ("createList", {"lsitName": "Typo"}),  # unknown input key
        ("createList", {"listName": "X", "optInProcess": "triple_opt_in"}),
        ("updateList", {"listId": "has spaces/../x", "listName": "X"}),
        ("listLists", {"pageSize": 11}),
        ("listLists", {"maxRecords": 0}),
        ("getList", {"listId": "abc", "fields": ["name", "colour"]}),
        ("getList", {}),
    )
    for case, result in zip(cases, cli.many(cases), strict=True):
        assert result.code == 2, (case, result)
        assert result.err["error"]["type"] == "InputError"
    assert len(http_log) == sent
    assert sb.state.lists() == before


def test_unknown_list_is_an_api_error(cli: Cli, sb: Sandbox) -> None:
    before = sb.state.lists()
    cases: tuple[Any, ...] = (
        ("updateList", {"listId": "NoSuchList", "listName": "X"}),
        ("deleteList", {"listId": "NoSuchList"}),
    )
    for case, result in zip(cases, cli.many(cases), strict=True):
        assert result.code == 4, (case, result)
        assert result.err["error"]["status"] == 404
        assert result.err["error"]["errors"][0]["code"] == "not_found"
    assert sb.state.lists() == before


def test_malformed_api_key_is_a_connection_error(cli: Cli, sb: Sandbox, http_log: list[tuple[str, str]]) -> None:
    before = sb.state.lists()
    sent = len(http_log)
    result = cli("createList", {"listName": "E2E Unauthorised"}, api_key="not-a-klaviyo-key")
    assert result.code == 3
    assert result.err["error"]["type"] == "ConnectionConfigError"
    assert "not-a-klaviyo-key" not in result.err["error"]["message"]  # the key is never echoed
    assert len(http_log) == sent
    assert sb.state.lists() == before
