"""Response models: tolerant of unknown keys, nulls and odd values; raw JSON always kept."""

from __future__ import annotations

import datetime as dt
import threading

import responses
from conftest import BASE

from actions.lists import ListAttributes
from connector.client.jsonapi import parse_document, parse_resource, relationship, resource_body
from connector.client.pipeline import KlaviyoClient


def test_unknown_keys_nulls_and_missing_attributes() -> None:
    raw = {
        "type": "list",
        "id": "L1",
        "attributes": {"name": None, "created": "2026-07-15T12:00:00Z", "brand_new_field": {"x": 1}},
        "links": None,
    }
    parsed = parse_resource(ListAttributes, raw)
    assert parsed.attributes.name is None
    assert parsed.attributes.created == dt.datetime(2026, 7, 15, 12, tzinfo=dt.timezone.utc)
    assert parsed.attributes.opt_in_process is None
    assert parsed.links == {} and parsed.raw["attributes"]["brand_new_field"] == {"x": 1}


def test_odd_datetime_is_tolerated_and_kept_raw() -> None:
    parsed = parse_resource(ListAttributes, {"type": "list", "id": "L", "attributes": {"updated": "yesterday"}})
    assert parsed.attributes.updated is None
    assert parsed.raw["attributes"]["updated"] == "yesterday"


def test_no_attributes_at_all() -> None:
    assert parse_document(ListAttributes, {"data": {"type": "list", "id": "L"}}).attributes == ListAttributes()


def test_request_body_helpers() -> None:
    body = resource_body("list", {"name": "x", "opt_in_process": None}, relationships={"l": relationship("list", "1")})
    assert body == {
        "data": {
            "type": "list",
            "attributes": {"name": "x"},
            "relationships": {"l": {"data": {"type": "list", "id": "1"}}},
        }
    }
    assert resource_body("list", {"a": None}, keep_nulls=True)["data"]["attributes"] == {"a": None}


def test_one_client_is_safe_to_share_across_threads(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as rsps:
        for i in range(40):
            rsps.get(f"{BASE}/api/lists/L{i}", json={"data": {"type": "list", "id": f"L{i}"}})
        results: dict[int, str] = {}

        def work(i: int) -> None:
            results[i] = client.request("GET", f"/api/lists/L{i}").json()["data"]["id"]

        threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == {i: f"L{i}" for i in range(40)}
