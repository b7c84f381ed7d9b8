"""Events through the CLI: Create Event, Bulk Create Events, Get Event and List Events against the sandbox.

Klaviyo answers event writes with 202 and no id, so events are found in ``sb.state`` or through List Events.
"""

from __future__ import annotations

from typing import Any

import pytest

from connector.sandbox import Sandbox

from .conftest import Cli, ok, wait_until

pytestmark = pytest.mark.e2e


def _metric_id(sb: Sandbox, name: str) -> str | None:
    return next((m["id"] for m in sb.state.metrics() if m["name"] == name), None)


def _profile_id(sb: Sandbox, email: str) -> str | None:
    return next((p["id"] for p in sb.state.profiles() if p.get("email") == email), None)


def _events_of(sb: Sandbox, metric: str, email: str | None = None) -> list[dict[str, Any]]:
    metric_id = _metric_id(sb, metric)
    profile_id = _profile_id(sb, email) if email else None
    return [
        e
        for e in sb.state.events()
        if e["metric_id"] == metric_id and (profile_id is None or e["profile_id"] == profile_id)
    ]


def test_create_event_then_get_and_list_it(cli: Cli, sb: Sandbox) -> None:
    result = ok(
        cli(
            "createEvent",
            {
                "eventName": "Placed Order",
                "eventProfile": {"email": "buyer@example.com", "first_name": "Bea"},
                "eventProperties": {"OrderId": "o-1", "Items": ["Pooh", "Piglet"]},
                "eventTime": "2026-01-15T10:30:00Z",
                "eventValue": "29.98",
                "eventValueCurrency": "USD",
                "eventUniqueId": "order-o-1",
            },
        )
    )
    assert result == {"data": None}
    [event] = wait_until(lambda: _events_of(sb, "Placed Order", "buyer@example.com"))
    profile_id = _profile_id(sb, "buyer@example.com")
    assert profile_id is not None
    profile = sb.state.profile(profile_id)
    assert profile is not None
    assert profile["first_name"] == "Bea"  # the event created its profile
    assert event["profile_id"] == profile_id
    assert event["value"] == 29.98
    assert event["value_currency"] == "USD"
    assert event["unique_id"] == "order-o-1"
    assert event["datetime"].startswith("2026-01-15T10:30:00")
    assert event["event_properties"]["OrderId"] == "o-1"
    assert event["event_properties"]["Items"] == ["Pooh", "Piglet"]
    assert event["event_properties"]["$value"] == 29.98

    # the same unique_id for the same profile and metric is deduplicated by Klaviyo (still a 202)
    ok(
        cli(
            "createEvent",
            {"eventName": "Placed Order", "eventProfile": {"email": "buyer@example.com"}, "eventUniqueId": "order-o-1"},
        )
    )
    assert len(_events_of(sb, "Placed Order", "buyer@example.com")) == 1

    metric_id = _metric_id(sb, "Placed Order")
    listed = ok(cli("listEvents", {"filter": f'equals(metric_id,"{metric_id}")', "sort": "-datetime"}))["data"]
    assert [e["id"] for e in listed] == [event["id"]]
    assert listed[0]["attributes"]["uuid"] == event["uuid"]
    assert "included" not in listed[0]  # nothing asked, nothing included

    # with Metric/Profile Fields, each listed event carries the metric and profile Klaviyo included
    with_related = ok(
        cli(
            "listEvents",
            {"filter": f'equals(metric_id,"{metric_id}")', "metricFields": "name", "profileFields": "email"},
        )
    )["data"]
    related = {(r["type"], r["id"]): r["attributes"] for r in with_related[0]["included"]}
    assert related == {
        ("metric", metric_id): {"name": "Placed Order"},
        ("profile", profile_id): {"email": "buyer@example.com"},
    }

    got = ok(
        cli(
            "getEvent",
            {
                "eventId": event["id"],
                "eventFields": "event_properties",
                "metricFields": "name",
                "profileFields": "email",
            },
        )
    )
    assert got["data"]["id"] == event["id"]
    assert got["data"]["attributes"]["event_properties"]["OrderId"] == "o-1"
    included = {(r["type"], r["id"]): r["attributes"] for r in got["included"]}
    assert included[("metric", metric_id)] == {"name": "Placed Order"}
    assert included[("profile", profile_id)] == {"email": "buyer@example.com"}


def test_create_event_for_an_existing_profile_by_id(cli: Cli, sb: Sandbox) -> None:
    profile_id = ok(cli("createProfile", {"email": "known@example.com"}))["data"]["id"]
    ok(
        cli(
            "createEvent",
            {
                "eventName": "Viewed Product",
                "eventProfile": {"data": {"type": "profile", "id": profile_id, "attributes": {}}},
                "backfill": True,
            },
        )
    )
    [event] = wait_until(lambda: _events_of(sb, "Viewed Product", "known@example.com"))
    assert event["profile_id"] == profile_id
    assert event["event_properties"] == {}


def test_bulk_create_events_in_every_form(cli: Cli, sb: Sandbox) -> None:
    # Without a unique_id Klaviyo dedupes on the time to the second, so two views carry their own ids.
    flat = [
        {
            "metric": "Bulk Viewed",
            "profile": {"email": "bulk1@example.com"},
            "properties": {"SKU": "1"},
            "unique_id": "v1",
        },
        {
            "metric": "Bulk Viewed",
            "profile": {"email": "bulk1@example.com"},
            "properties": {"SKU": "2"},
            "unique_id": "v2",
        },
        {"metric": "Bulk Added", "profile": {"email": "bulk2@example.com"}, "value": 5, "unique_id": "cart-1"},
    ]
    assert ok(cli("bulkCreateEvents", {"eventsArray": flat})) == {
        "data": None,
        "requests": 1,
        "events": 3,
        "delivered": 3,
        "rejected": 0,
        "retryable": 0,
        "records": [{"index": i, "status": "delivered"} for i in range(3)],
    }
    wait_until(lambda: len(_events_of(sb, "Bulk Viewed", "bulk1@example.com")) == 2)
    viewed = _events_of(sb, "Bulk Viewed", "bulk1@example.com")
    assert sorted(e["event_properties"]["SKU"] for e in viewed) == ["1", "2"]
    [added] = wait_until(lambda: _events_of(sb, "Bulk Added", "bulk2@example.com"))
    assert added["value"] == 5
    assert added["unique_id"] == "cart-1"
    assert sb.state.jobs("event-bulk-create-job")

    # Klaviyo's own events-bulk-create value, as it would be pasted from the API reference
    klaviyo_form = {
        "data": [
            {
                "type": "event-bulk-create",
                "attributes": {
                    "profile": {"data": {"type": "profile", "attributes": {"phone_number": "+15005550009"}}},
                    "events": {
                        "data": [
                            {
                                "type": "event",
                                "attributes": {
                                    "metric": {"data": {"type": "metric", "attributes": {"name": "Bulk SMS Click"}}},
                                    "properties": {"Link": "https://example.com"},
                                    "time": "2026-02-01T00:00:00+00:00",
                                },
                            }
                        ]
                    },
                },
            }
        ]
    }
    sent = ok(cli("bulkCreateEvents", {"eventsArray": klaviyo_form}))
    assert (sent["events"], sent["records"]) == (1, [{"index": 0, "event": 0, "status": "delivered"}])
    metric_id = wait_until(lambda: _metric_id(sb, "Bulk SMS Click"))
    [event] = wait_until(lambda: [e for e in sb.state.events() if e["metric_id"] == metric_id])
    profile = sb.state.profile(event["profile_id"])
    assert profile is not None
    assert profile["phone_number"] == "+15005550009"
    assert event["event_properties"] == {"Link": "https://example.com"}
    assert event["datetime"].startswith("2026-02-01T00:00:00")

    # List Events finds them through the metric and profile filters as well
    profile_id = _profile_id(sb, "bulk1@example.com")
    listed = ok(cli("listEvents", {"filter": f'equals(profile_id,"{profile_id}")', "maxRecords": 1, "pageSize": 1}))
    assert len(listed["data"]) == 1
    assert listed["data"][0]["id"] in {e["id"] for e in viewed}


def test_event_input_errors_send_nothing(cli: Cli, sb: Sandbox, http_log: list[tuple[str, str]]) -> None:
    events, profiles = sb.state.events(), sb.state.profiles()
    sent = len(http_log)
    duplicate = [
        {"metric": "Dup", "profile": {"email": "d@example.com"}, "unique_id": "same"},
        {"metric": "Dup", "profile": {"email": "D@example.com"}, "unique_id": "same"},
    ]
    cases: tuple[Any, ...] = (
        ("createEvent", {"eventName": "No Profile", "eventProfile": {"first_name": "Anon"}}),
        ("createEvent", {"eventName": "Old", "eventProfile": {"email": "a@example.com"}, "eventTime": "1989-12-31"}),
        ("createEvent", {"eventName": "Cur", "eventProfile": {"email": "a@example.com"}, "eventValueCurrency": "$$"}),
        ("createEvent", {"eventName": "x" * 128, "eventProfile": {"email": "a@example.com"}}),
        ("bulkCreateEvents", {"eventsArray": []}),
        ("bulkCreateEvents", {"eventsArray": [{"profile": {"email": "a@example.com"}}]}),  # no metric
        ("bulkCreateEvents", {"eventsArray": duplicate}),
        ("listEvents", {"pageSize": 1001}),
        ("getEvent", {"eventId": "a/b"}),
    )
    for case, result in zip(cases, cli.many(cases), strict=True):
        assert result.code == 2, (case, result)
        assert result.err["error"]["type"] == "InputError"
    assert len(http_log) == sent
    assert sb.state.events() == events
    assert sb.state.profiles() == profiles


def test_unknown_event_is_404(cli: Cli) -> None:
    result = cli("getEvent", {"eventId": "NoSuchEvent1"})
    assert result.code == 4
    assert result.err["error"]["status"] == 404
    assert result.err["error"]["errors"][0]["code"] == "not_found"
