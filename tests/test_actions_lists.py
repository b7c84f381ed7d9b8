"""Lists actions: exact requests (checked against the spec), parsed responses, input errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from conftest import BASE, assert_request, spec_reply

from actions.lists import CREATE_LIST, DELETE_LIST, GET_LIST, LIST_LISTS, SELECT_LIST, UPDATE_LIST, Lists
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient


def test_create_list_sends_spec_valid_body_and_parses_the_reply(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/lists", "post", id="Y6nRLr")
    mocked.post(f"{BASE}/api/lists", json=reply, status=status)

    created = Lists(client).create(name="VIP", opt_in_process="single_opt_in")

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/lists",
        body={"data": {"type": "list", "attributes": {"name": "VIP", "opt_in_process": "single_opt_in"}}},
    )
    assert created.id == "Y6nRLr"
    assert created.attributes.name == reply["data"]["attributes"]["name"]
    assert created.raw == reply["data"]


def test_create_list_never_writes_the_catalog_default_name(client: KlaviyoClient) -> None:
    """The catalog's "Newsletter" is what a builder pre-fills; at run time a missing name is an input error."""
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match="List Name: is required"):
        CREATE_LIST.run(client, {"listName": ""})
    with responses.RequestsMock() as nothing_sent_either, pytest.raises(InputError, match="List Name: is required"):
        CREATE_LIST.run(client, {})
    assert len(nothing_sent.calls) == len(nothing_sent_either.calls) == 0
    name = next(s for s in CREATE_LIST.input_specs() if s.key == "listName")
    assert name.default == "Newsletter"  # still in the manifest, for builder UIs to pre-fill


def test_update_list_changes_only_what_was_given(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/lists/{id}", "patch", id="Y6nRLr")
    mocked.patch(f"{BASE}/api/lists/Y6nRLr", json=reply, status=status)

    UPDATE_LIST.run(client, {"listId": "Y6nRLr", "optInProcess": "double_opt_in", "listName": ""})

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/lists/Y6nRLr",
        body={"data": {"type": "list", "id": "Y6nRLr", "attributes": {"opt_in_process": "double_opt_in"}}},
    )


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"listName": {"a": 1}}, "List Name", "must be text"),
        ({"listName": "x", "optInProcess": "triple"}, "Opt-in Process", "must be one of"),
        ({"listNme": "x"}, None, "unknown input(s) listNme"),
    ],
)
def test_create_list_input_errors_name_the_input(
    client: KlaviyoClient, raw: dict[str, Any], label: str | None, problem: str
) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        CREATE_LIST.run(client, raw)
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert len(nothing_sent.calls) == 0


def test_get_list_with_fields_and_profile_count(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/lists/{id}", "get", id="Y6nRLr")
    reply["data"]["attributes"]["profile_count"] = 42  # only sent when asked for, so not in the base schema
    mocked.get(f"{BASE}/api/lists/Y6nRLr", json=reply, status=status)

    got = Lists(client).get("Y6nRLr", fields=["name", "profile_count"], profile_count=True)

    assert_request(
        mocked.calls[0],
        "GET",
        "/api/lists/Y6nRLr",
        query={"fields[list]": "name,profile_count", "additional-fields[list]": "profile_count"},
    )
    assert got.id == "Y6nRLr"
    assert got.attributes.profile_count == 42
    assert got.attributes.name == reply["data"]["attributes"]["name"]


def test_get_list_rejects_unknown_field_and_bad_id(client: KlaviyoClient) -> None:
    with pytest.raises(InputError, match="Fields: unknown field 'nam'"):
        GET_LIST.run(client, {"listId": "Y6nRLr", "fields": "nam"})
    with pytest.raises(InputError, match="List ID: must be a Klaviyo ID"):
        GET_LIST.run(client, {"listId": "../profiles"})
    with pytest.raises(InputError, match="List ID: is required"):
        GET_LIST.run(client, {})


def _page(ids: list[str], next_url: str | None) -> dict[str, Any]:
    return {
        "data": [{"type": "list", "id": i, "attributes": {"name": f"list {i}"}} for i in ids],
        "links": {"self": f"{BASE}/api/lists", "next": next_url},
    }


def test_list_lists_follows_every_page(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    second = f"{BASE}/api/lists?page%5Bcursor%5D=abc&page%5Bsize%5D=10&fields%5Blist%5D=name"
    mocked.get(f"{BASE}/api/lists", json=_page(["a", "b"], second))
    mocked.get(second, json=_page(["c"], None))

    out = LIST_LISTS.run(client, {"fields": '["name"]', "sort": "-created", "filter": 'equals(name,"VIP")'})

    assert [r["id"] for r in out["data"]] == ["a", "b", "c"]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/lists",
        query={"fields[list]": "name", "sort": "-created", "filter": 'equals(name,"VIP")', "page[size]": "10"},
    )
    assert_request(
        mocked.calls[1], "GET", "/api/lists", query={"fields[list]": "name", "page[cursor]": "abc", "page[size]": "10"}
    )


def test_list_lists_stops_at_max_records_without_fetching_more(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/lists", json=_page(["a", "b"], f"{BASE}/api/lists?page%5Bcursor%5D=abc"))

    out = LIST_LISTS.run(client, {"maxRecords": "2"})

    assert [r["id"] for r in out["data"]] == ["a", "b"]
    assert len(mocked.calls) == 1
    assert_request(mocked.calls[0], "GET", "/api/lists", query={"page[size]": "2"})


def test_list_lists_python_streams_models(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/lists", json=_page(["a"], None))
    stream = Lists(client).list()
    assert len(mocked.calls) == 0  # nothing fetched until iterated
    assert [lst.attributes.name for lst in stream] == ["list a"]


def test_list_lists_page_size_over_endpoint_max_is_an_input_error(client: KlaviyoClient) -> None:
    with pytest.raises(InputError, match="Page Size: must be at most 10"):
        LIST_LISTS.run(client, {"pageSize": "50"})


def test_update_list_repeats_id_in_body(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/lists/{id}", "patch", id="Y6nRLr")
    mocked.patch(f"{BASE}/api/lists/Y6nRLr", json=reply, status=status)

    updated = Lists(client).update("Y6nRLr", name="Renamed")

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/lists/Y6nRLr",
        body={"data": {"type": "list", "id": "Y6nRLr", "attributes": {"name": "Renamed"}}},
    )
    assert updated.id == "Y6nRLr"


def test_delete_list(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.delete(f"{BASE}/api/lists/Y6nRLr", status=204)
    assert DELETE_LIST.run(client, {"listId": "Y6nRLr"}) == {"data": None}
    assert_request(mocked.calls[0], "DELETE", "/api/lists/Y6nRLr")


def test_update_list_is_retried_after_server_error_because_marked_safe(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    status, reply = spec_reply("/api/lists/{id}", "patch", id="Y6nRLr")
    mocked.patch(f"{BASE}/api/lists/Y6nRLr", status=503, json={"errors": []})
    mocked.patch(f"{BASE}/api/lists/Y6nRLr", json=reply, status=status)

    UPDATE_LIST.run(client, {"listId": "Y6nRLr", "listName": "x"})

    assert len(mocked.calls) == 2
    assert clock.sleeps == [0.5]


def test_select_list_data_source_returns_label_key_pairs(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/lists", json=_page(["a", "b"], None))
    assert SELECT_LIST.run(client, {}) == {"result": [{"label": "list a", "key": "a"}, {"label": "list b", "key": "b"}]}
    assert_request(mocked.calls[0], "GET", "/api/lists", query={"fields[list]": "name", "page[size]": "10"})


def test_spec_samples_used_here_are_themselves_valid_responses() -> None:
    """Guards the helper: a sample that does not match the spec would make the parse tests meaningless."""
    import requests
    from spec_support import check_response

    for path, method, url in (
        ("/api/lists", "post", f"{BASE}/api/lists"),
        ("/api/lists/{id}", "get", f"{BASE}/api/lists/Y6nRLr"),
    ):
        status, body = spec_reply(path, method)
        prepared = requests.Request(
            method.upper(),
            url,
            headers={
                "revision": "2026-07-15",
                "Authorization": "Klaviyo-API-Key pk_x",
                "Content-Type": "application/vnd.api+json",
            },
            data=json.dumps({"data": {"type": "list", "attributes": {"name": "x"}}}) if method == "post" else None,
        ).prepare()
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/vnd.api+json"
        response.url = url
        check_response(prepared, response)
