"""The typed facade of every group is generated from the registry, current, and calls what it says."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import pytest
import responses
from conftest import API_KEY, BASE, assert_request

from actions._generate_facade import method_name, stale
from actions.operations import derived_operations
from connector.client.errors import InputError
from connector.klaviyo.operations.registry import groups, operation
from connector.shell.facade import Klaviyo


def test_the_generated_facade_is_current() -> None:
    assert stale() == [], "run `python -m actions._generate_facade` and commit the result"


def test_every_group_is_a_typed_property_and_every_derived_operation_a_method() -> None:
    k = Klaviyo(api_key=API_KEY, base_url=BASE)
    called: set[str] = set()
    for slug in groups():
        attribute = "client_api" if slug == "client" else slug
        group = getattr(k, attribute)
        assert attribute in dir(k)
        for name, member in inspect.getmembers(type(group), inspect.isfunction):
            source = inspect.getsource(member)
            called.update(re.findall(r'derived_action\("(\w+)"\)', source))
            del name
    assert called == set(derived_operations())


@pytest.mark.parametrize(
    ("op_id", "expected"),
    [
        ("get_flows", "list"),
        ("query_metric_aggregates", "query_aggregates"),
        ("create_coupon_code", "create_code"),
        ("get_tags_for_campaign", "list_tags"),
        ("get_profiles_for_list", "list_profiles"),
        ("add_profiles_to_list", "add_profiles"),
        ("get_catalog_item", "get_item"),
    ],
)
def test_method_names_read_like_the_operation(op_id: str, expected: str) -> None:
    assert method_name(operation(op_id)) == expected


def test_a_generated_list_method_streams_typed_models(mocked: responses.RequestsMock) -> None:
    page = {
        "data": [{"type": "flow", "id": "F1", "attributes": {"name": "Welcome", "status": "live"}}],
        "links": {"self": f"{BASE}/api/flows", "next": None},
    }
    mocked.get(f"{BASE}/api/flows", json=page)
    flows = list(Klaviyo(api_key=API_KEY, base_url=BASE).flows.list(fields=["name", "status"], sort="-created"))
    assert [(f.id, f.attributes.name, f.attributes.status) for f in flows] == [("F1", "Welcome", "live")]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/flows",
        query={"fields[flow]": "name,status", "sort": "-created", "page[size]": "50"},
    )


def test_a_generated_create_method_builds_the_body_from_typed_arguments(mocked: responses.RequestsMock) -> None:
    reply = {"data": {"type": "coupon-code", "id": "CC1", "attributes": {"unique_code": "SAVE10"}}}
    mocked.post(f"{BASE}/api/coupon-codes", json=reply, status=201)
    code = Klaviyo(api_key=API_KEY, base_url=BASE).coupons.create_code(unique_code="SAVE10", coupon_id="SPRING")
    assert code.attributes.unique_code == "SAVE10"
    assert_request(
        mocked.calls[0],
        "POST",
        "/api/coupon-codes",
        body={
            "data": {
                "type": "coupon-code",
                "attributes": {"unique_code": "SAVE10"},
                "relationships": {"coupon": {"data": {"type": "coupon", "id": "SPRING"}}},
            }
        },
    )


def test_metric_aggregates_come_back_as_rows(mocked: responses.RequestsMock) -> None:
    reply = {
        "data": {
            "type": "metric-aggregate",
            "id": "x",
            "attributes": {
                "dates": ["2026-07-01T00:00:00+00:00", "2026-07-02T00:00:00+00:00"],
                "data": [{"dimensions": ["Email"], "measurements": {"count": [3.0, 5.0]}}],
            },
        }
    }
    mocked.post(f"{BASE}/api/metric-aggregates", json=reply)
    rows = Klaviyo(api_key=API_KEY, base_url=BASE).metrics.query_aggregates(
        metric_id="M1",
        measurements=["count"],
        filter=["greater-or-equal(datetime,2026-07-01T00:00:00)", "less-than(datetime,2026-07-03T00:00:00)"],
        by=["$message"],
        interval="day",
    )
    assert rows == [
        {"$message": "Email", "date": "2026-07-01T00:00:00+00:00", "count": 3.0},
        {"$message": "Email", "date": "2026-07-02T00:00:00+00:00", "count": 5.0},
    ]
    sent = json.loads(mocked.calls[0].request.body)["data"]
    assert sent["type"] == "metric-aggregate" and sent["attributes"]["by"] == ["$message"]
    assert_request(mocked.calls[0], "POST", "/api/metric-aggregates", body={"data": sent})


def test_a_wrong_enum_is_refused_before_sending_and_names_the_input() -> None:
    k = Klaviyo(api_key=API_KEY, base_url=BASE)
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match="Interval: must be one of"):
        k.metrics.query_aggregates(metric_id="M1", measurements=["count"], filter=["x"], interval="fortnight")
    assert len(nothing_sent.calls) == 0
    with pytest.raises(InputError, match="Measurements: must be one of"):
        k.metrics.query_aggregates(metric_id="M1", measurements=["average"], filter=["x"])


def _page_sizes(**values: Any) -> dict[str, Any]:
    return values
