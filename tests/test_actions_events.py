"""Events actions: exact requests (checked against the spec), parsed responses, input errors, bulk splitting."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import responses
from conftest import BASE, assert_request, spec_reply

from actions._bulk import BulkRecordsError
from actions.events import (
    BULK_CREATE_EVENTS,
    CREATE_EVENT,
    GET_EVENT,
    LIST_EVENTS,
    SELECT_METRIC,
    Events,
    MetricAttributes,
)
from connector.client.errors import InputError, ServerError
from connector.client.jsonapi import parse_resource
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.limits import PAYLOAD_MAX_BYTES

BULK_PATH = "/api/event-bulk-create-jobs"
ADA = {"email": "ada@example.com"}


def _no_request(run: Any, raw: dict[str, Any]) -> InputError:
    """Run an action that must fail on its inputs; prove nothing was sent."""
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        run(raw)
    assert len(nothing_sent.calls) == 0
    return caught.value


def _body(call: Any) -> Any:
    return json.loads(call.request.body)


def _wire_size(call: Any) -> int:
    return len(call.request.body)


def _metric(name: str) -> dict[str, Any]:
    return {"data": {"type": "metric", "attributes": {"name": name}}}


# -- Create Event --------------------------------------------------------------------------------


def test_create_event_nests_metric_and_profile_inside_attributes(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/events", status=202)

    out = CREATE_EVENT.run(
        client,
        {
            "eventName": "Placed Order",
            "eventProfile": '{"email": "ada@example.com", "phone_number": "+1 500 555 0006", "first_name": "Ada"}',
            "eventProperties": '{"OrderId": "1234", "Items": ["a", "b"]}',
            "eventTime": "2024-05-01T12:00:00Z",
            "eventValue": "9.99",
            "eventValueCurrency": "usd",
            "eventUniqueId": "order-1234",
        },
    )

    assert out == {"data": None}
    assert_request(
        mocked.calls[0],
        "POST",
        "/api/events",
        body={
            "data": {
                "type": "event",
                "attributes": {
                    "properties": {"OrderId": "1234", "Items": ["a", "b"]},
                    "time": "2024-05-01T12:00:00+00:00",
                    "value": 9.99,
                    "value_currency": "USD",
                    "unique_id": "order-1234",
                    "metric": _metric("Placed Order"),
                    "profile": {
                        "data": {
                            "type": "profile",
                            "attributes": {
                                "email": "ada@example.com",
                                "phone_number": "+15005550006",
                                "first_name": "Ada",
                            },
                        }
                    },
                },
            }
        },
    )


@pytest.mark.parametrize(
    "profile",
    [
        {"data": {"type": "profile", "attributes": {"external_id": "cust-1"}}},  # Klaviyo's exact `profile` value
        {"type": "profile", "attributes": {"external_id": "cust-1"}},  # the resource object
        {"external_id": "cust-1"},  # bare attributes
    ],
)
def test_create_event_accepts_every_profile_form(
    client: KlaviyoClient, mocked: responses.RequestsMock, profile: dict[str, Any]
) -> None:
    mocked.post(f"{BASE}/api/events", status=202)

    Events(client).create("Viewed Product", profile)

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/events",
        body={
            "data": {
                "type": "event",
                "attributes": {
                    "properties": {},
                    "metric": _metric("Viewed Product"),
                    "profile": {"data": {"type": "profile", "attributes": {"external_id": "cust-1"}}},
                },
            }
        },
    )


def test_create_event_python_with_profile_id_datetime_and_backfill(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/events", status=202)

    Events(client).create(
        "Placed Order",
        {"id": "01GDDKASAP8TKDDA2GRZDSVP4H", "anonymous_id": "anon-1"},
        time=dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc),
        value=5,
        backfill=True,
    )

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/events",
        body={
            "data": {
                "type": "event",
                "attributes": {
                    "properties": {},
                    "time": "2024-05-01T12:00:00+00:00",
                    "value": 5,
                    "backfill": True,
                    "metric": _metric("Placed Order"),
                    "profile": {
                        "data": {
                            "type": "profile",
                            "id": "01GDDKASAP8TKDDA2GRZDSVP4H",
                            "attributes": {"anonymous_id": "anon-1"},
                        }
                    },
                },
            }
        },
    )


def test_create_event_is_not_retried_on_server_error(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/events", status=500, json={"errors": []})
    with pytest.raises(ServerError):
        CREATE_EVENT.run(client, {"eventName": "x", "eventProfile": ADA})
    assert len(mocked.calls) == 1


def test_create_event_with_a_unique_id_is_retried_because_klaviyo_dedupes_it(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    """The registry's retry rule for event creates: safe to repeat when the event carries a unique_id."""
    mocked.post(f"{BASE}/api/events", status=500, json={"errors": []})
    mocked.post(f"{BASE}/api/events", status=202)
    CREATE_EVENT.run(client, {"eventName": "x", "eventProfile": ADA, "eventUniqueId": "order-1"})
    assert len(mocked.calls) == 2 and clock.sleeps == [0.5]


def _in(days: int) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"eventProfile": ADA}, "Event Name", "is required"),
        ({"eventName": "x" * 128, "eventProfile": ADA}, "Event Name", "under 128 characters (got 128)"),
        ({"eventName": "   ", "eventProfile": ADA}, "Event Name", "is required"),
        ({"eventName": "x"}, "Event Profile", "is required"),
        ({"eventName": "x", "eventProfile": "{nope"}, "Event Profile", "not valid JSON"),
        ({"eventName": "x", "eventProfile": "[]"}, "Event Profile", "must be a JSON object"),
        ({"eventName": "x", "eventProfile": {"first_name": "Ada"}}, "Event Profile", "needs an identifier"),
        ({"eventName": "x", "eventProfile": {"email": "ada@"}}, "Event Profile", "email: must be an email"),
        ({"eventName": "x", "eventProfile": {"phone_number": "555"}}, "Event Profile", "phone_number: must be"),
        # the registry's check of the request, relabelled with the input (the path is inside Klaviyo's form)
        ({"eventName": "x", "eventProfile": {"$email": "a@b.co"}}, "Event Profile", "$email: unknown attribute"),
        (
            {"eventName": "x", "eventProfile": {"data": {"type": "event", "attributes": ADA}}},
            "Event Profile",
            "data.type: must be one of profile (got 'event')",
        ),
        (
            {"eventName": "x", "eventProfile": {"email": "a@b.co", "location": {"town": "Paris"}}},
            "Event Profile",
            "data.attributes.location.town: unknown attribute; allowed: address1",
        ),
        ({"eventName": "x", "eventProfile": ADA, "eventProperties": "[1]"}, "Event Properties", "JSON object"),
        (
            {"eventName": "x", "eventProfile": ADA, "eventProperties": {f"k{i}": i for i in range(401)}},
            "Event Properties",
            "at most 400 properties",
        ),
        ({"eventName": "x", "eventProfile": ADA, "eventTime": "yesterday"}, "Event Time", "ISO 8601"),
        ({"eventName": "x", "eventProfile": ADA, "eventTime": "1989-12-31T00:00:00Z"}, "Event Time", "after 1990"),
        ({"eventName": "x", "eventProfile": ADA, "eventTime": _in(400)}, "Event Time", "one year in the future"),
        ({"eventName": "x", "eventProfile": ADA, "eventValue": "ten"}, "Event Value", "must be a number"),
        ({"eventName": "x", "eventProfile": ADA, "eventValueCurrency": "USX"}, "Event Value Currency", "ISO 4217"),
        ({"eventName": "x", "eventProfile": ADA, "eventUniqueId": ["u1"]}, "Event Unique ID", "must be text"),
    ],
)
def test_create_event_input_errors_name_the_input(
    client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str
) -> None:
    error = _no_request(lambda r: CREATE_EVENT.run(client, r), raw)
    assert error.label == label
    assert problem in str(error)


def test_create_event_time_near_the_limits_is_accepted(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/events", status=202)
    CREATE_EVENT.run(client, {"eventName": "x", "eventProfile": ADA, "eventTime": "1990-01-02T00:00:00Z"})
    CREATE_EVENT.run(client, {"eventName": "x", "eventProfile": ADA, "eventTime": _in(360)})
    assert len(mocked.calls) == 2


def test_create_event_over_5_mb_is_refused_before_sending(client: KlaviyoClient) -> None:
    properties = {f"p{i}": "x" * 90_000 for i in range(60)}
    error = _no_request(
        lambda r: CREATE_EVENT.run(client, r), {"eventName": "x", "eventProfile": ADA, "eventProperties": properties}
    )
    assert error.label == "Event Properties"
    assert "5 MB" in str(error)


# -- Bulk Create Events --------------------------------------------------------------------------


def _flat(i: int, profile: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"metric": "Viewed Product", "profile": profile or ADA, "properties": {"n": i}, **extra}


def _entries(call: Any) -> list[Any]:
    return list(_body(call)["data"]["attributes"]["events-bulk-create"]["data"])


def _event_counts(calls: Any) -> list[int]:
    """Events per request (the bulk sender sends one event-bulk-create entry per event)."""
    counts = [[len(e["attributes"]["events"]["data"]) for e in _entries(call)] for call in calls]
    assert all(set(entries) == {1} for entries in counts)
    return [len(entries) for entries in counts]


def _all_delivered(records: list[dict[str, Any]], requests: int) -> dict[str, Any]:
    """The low-code output when every event was delivered."""
    return {
        "data": None,
        "requests": requests,
        "events": len(records),
        "delivered": len(records),
        "rejected": 0,
        "retryable": 0,
        "records": [{**r, "status": "delivered"} for r in records],
    }


KLAVIYO_ENTRY: dict[str, Any] = {
    "type": "event-bulk-create",
    "attributes": {
        "profile": {"data": {"type": "profile", "attributes": {"email": "sarah.mason@klaviyo-demo.com"}}},
        "events": {
            "data": [
                {
                    "type": "event",
                    "attributes": {
                        "properties": {"Brand": "Kids Book", "ProductID": 1111},
                        "time": "2022-11-08T00:00:00+00:00",
                        "value": 9.99,
                        "value_currency": "USD",
                        "unique_id": "u-1",
                        "metric": {"data": {"type": "metric", "attributes": {"name": "Viewed Product"}}},
                    },
                }
            ]
        },
    },
}


@pytest.mark.parametrize(
    "events",
    [
        {"data": [KLAVIYO_ENTRY]},  # Klaviyo's events-bulk-create value
        [KLAVIYO_ENTRY],  # its bare array
        json.dumps({"data": [KLAVIYO_ENTRY]}),  # as text from a low-code step
        {"data": {"type": "event-bulk-create-job", "attributes": {"events-bulk-create": {"data": [KLAVIYO_ENTRY]}}}},
    ],
)
def test_bulk_create_accepts_klaviyo_forms_verbatim(
    client: KlaviyoClient, mocked: responses.RequestsMock, events: Any
) -> None:
    mocked.post(f"{BASE}{BULK_PATH}", status=202)

    out = BULK_CREATE_EVENTS.run(client, {"eventsArray": events})

    assert out == _all_delivered([{"index": 0, "event": 0}], requests=1)
    assert_request(
        mocked.calls[0],
        "POST",
        BULK_PATH,
        body={
            "data": {"type": "event-bulk-create-job", "attributes": {"events-bulk-create": {"data": [KLAVIYO_ENTRY]}}}
        },
    )


def test_bulk_create_sends_flat_events_one_entry_each_in_order(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """Each event is one record of the bulk sender (so each has its own outcome): one entry per event."""
    mocked.post(f"{BASE}{BULK_PATH}", status=202)
    bob = {"type": "profile", "attributes": {"phone_number": "+15005550006"}}

    result = Events(client).bulk_create(
        [
            {"metric": "Viewed Product", "profile": ADA, "properties": {"sku": "1"}, "unique_id": "v1"},
            {
                "metric": {"name": "Placed Order"},
                "profile": bob,
                "value": "20",
                "value_currency": "eur",
                "time": "2024-01-01T00:00:00Z",
            },
            {"metric": {"data": {"type": "metric", "attributes": {"name": "Viewed Product"}}}, "profile": ADA},
        ]
    )

    assert (result.requests, result.events, result.delivered, result.ok) == (1, 3, 3, True)
    assert [(r.index, r.event, r.status) for r in result.records] == [(i, None, "delivered") for i in range(3)]
    ada = {"data": {"type": "profile", "attributes": ADA}}

    def entry(profile: dict[str, Any], attributes: dict[str, Any]) -> dict[str, Any]:
        events = {"data": [{"type": "event", "attributes": attributes}]}
        return {"type": "event-bulk-create", "attributes": {"profile": profile, "events": events}}

    assert_request(
        mocked.calls[0],
        "POST",
        BULK_PATH,
        body={
            "data": {
                "type": "event-bulk-create-job",
                "attributes": {
                    "events-bulk-create": {
                        "data": [
                            entry(
                                ada,
                                {"properties": {"sku": "1"}, "unique_id": "v1", "metric": _metric("Viewed Product")},
                            ),
                            entry(
                                {"data": bob},
                                {
                                    "properties": {},
                                    "time": "2024-01-01T00:00:00+00:00",
                                    "value": 20,
                                    "value_currency": "EUR",
                                    "metric": _metric("Placed Order"),
                                },
                            ),
                            entry(ada, {"properties": {}, "metric": _metric("Viewed Product")}),
                        ]
                    }
                },
            }
        },
    )


@pytest.mark.parametrize(("count", "split"), [(1000, [1000]), (1001, [1000, 1])])
def test_bulk_create_splits_one_profile_at_1000_events(
    client: KlaviyoClient, mocked: responses.RequestsMock, count: int, split: list[int]
) -> None:
    mocked.post(f"{BASE}{BULK_PATH}", status=202)

    out = BULK_CREATE_EVENTS.run(client, {"eventsArray": [_flat(i) for i in range(count)]})

    assert (out["requests"], out["events"], out["delivered"]) == (len(split), count, count)
    assert _event_counts(mocked.calls) == split
    sent = [
        ev["attributes"]["properties"]["n"]
        for c in mocked.calls
        for e in _entries(c)
        for ev in e["attributes"]["events"]["data"]
    ]
    assert sent == list(range(count))  # order kept across requests
    from spec_support import check_request

    check_request(mocked.calls[-1].request)


def test_bulk_create_fills_each_request_up_to_1000_events(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """The bulk sender packs events in order; a profile's events may span two requests (each is its own entry)."""
    mocked.post(f"{BASE}{BULK_PATH}", status=202)
    bob = {"email": "bob@example.com"}
    events = [_flat(i) for i in range(600)] + [_flat(i, bob) for i in range(600)] + [_flat(0, {"email": "c@d.co"})]

    out = BULK_CREATE_EVENTS.run(client, {"eventsArray": events})

    assert _event_counts(mocked.calls) == [1000, 201]
    assert out["requests"] == 2 and out["events"] == 1201 and out["delivered"] == 1201


def test_bulk_create_splits_by_body_size(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}{BULK_PATH}", status=202)
    big = {f"p{i}": "x" * 90_000 for i in range(20)}  # about 1.8 MB per event
    bob = {"email": "bob@example.com"}
    events = [
        _flat(0, properties=big),
        _flat(1, properties=big),
        _flat(2, bob, properties=big),
        _flat(3, bob, properties=big),
        _flat(4, bob, properties=big),
    ]

    out = BULK_CREATE_EVENTS.run(client, {"eventsArray": events})

    # Two events (3.6 MB) fit one request, a third (5.4 MB) would not: two, two, then one.
    assert _event_counts(mocked.calls) == [2, 2, 1]
    assert (out["requests"], out["events"], out["delivered"]) == (3, 5, 5)
    sizes = [_wire_size(call) for call in mocked.calls]
    assert all(size <= PAYLOAD_MAX_BYTES for size in sizes)
    assert sizes[0] + sizes[2] > PAYLOAD_MAX_BYTES  # a third event in a request would not have fitted
    for call in mocked.calls:
        assert_request(call, "POST", BULK_PATH, body=_body(call))  # spec check of each split request


def test_bulk_create_fills_the_current_request_before_splitting_a_big_profile(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}{BULK_PATH}", status=202)
    events = [_flat(i, {"email": "a@b.co"}) for i in range(10)] + [_flat(i) for i in range(1500)]

    BULK_CREATE_EVENTS.run(client, {"eventsArray": events})

    assert _event_counts(mocked.calls) == [1000, 510]


def test_bulk_create_failure_after_an_accepted_request_says_so(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}{BULK_PATH}", status=202)
    mocked.post(f"{BASE}{BULK_PATH}", status=400, json={"errors": [{"detail": "bad"}]})

    with pytest.raises(BulkRecordsError, match=r"1 of 1001 events not delivered \(1 rejected, 0 retryable\)") as caught:
        Events(client).bulk_create([_flat(i) for i in range(1001)])

    result = caught.value.result
    assert (result.requests, result.delivered, result.rejected) == (2, 1000, 1)  # the first 1000 were accepted
    assert result.records[1000].index == 1000 and "bad" in str(result.records[1000].reason)


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        ("[]", "at least one event"),
        ('"x"', "JSON array of events"),
        ("[1]", "[0]: must be a JSON object"),
        ([{"profile": ADA}], "[0]: must be an event-bulk-create entry"),
        ([_flat(0), _flat(1, {"email": "nope"})], "[1].profile.email: must be an email"),
        ([_flat(0, {"first_name": "Ada"})], "[0].profile: needs an identifier"),
        ([_flat(0), {"metric": "", "profile": ADA}], "[1].metric.name: must not be blank"),
        ([_flat(0, time="1980-01-01T00:00:00Z")], "[0].time: must be after 1990"),
        ([_flat(0, value_currency="dollars")], "[0].value_currency: must be an ISO 4217"),
        ([_flat(0, value="lots")], "[0].value: must be a number"),
        # the registry's check, told where the value is in Events Array
        (
            [_flat(0, colour="red")],
            "[0].colour: unknown attribute; allowed: backfill, metric, properties, time, unique_id, value",
        ),
        ([_flat(0), _flat(1, {"email": "a@b.co", "$city": "x"})], "[1].profile.$city: unknown attribute"),
        (
            [{**KLAVIYO_ENTRY, "attributes": {**KLAVIYO_ENTRY["attributes"], "events": {"data": [{}, {"colour": 1}]}}}],
            "[0].attributes.events.data[0].attributes.metric: is required",
        ),
        ([_flat(0, properties={f"k{i}": 1 for i in range(401)})], "[0].properties: must have at most 400"),
        (
            [
                _flat(0, unique_id="u1"),
                _flat(1, unique_id="u2"),
                _flat(2, {"email": "ADA@example.com"}, unique_id="u1"),
            ],
            "[2].unique_id: 'u1' repeats [0] for the same profile and metric",
        ),
        (
            [
                KLAVIYO_ENTRY,
                {
                    "type": "event-bulk-create",
                    "attributes": {
                        "profile": {
                            "data": {"type": "profile", "attributes": {"email": "sarah.mason@klaviyo-demo.com"}}
                        },
                        "events": {
                            "data": [{"type": "event", "attributes": {"metric": "Viewed Product", "unique_id": "u-1"}}]
                        },
                    },
                },
            ],
            "[1].attributes.events.data[0].attributes.unique_id: 'u-1' repeats [0].attributes.events.data[0]",
        ),
        (
            [
                {
                    "type": "event-bulk-create",
                    "attributes": {"profile": {"data": {"attributes": ADA}}, "events": {"data": []}},
                }
            ],
            "[0].attributes.events: must hold a non-empty data array",
        ),
        (
            [
                {
                    "type": "event-bulk-create",
                    "attributes": {"profile": {"data": {"attributes": ADA}}, "events": {"data": [{"type": "metric"}]}},
                }
            ],
            "[0].attributes.events.data[0].type: must be 'event'",
        ),
        ([_flat(0, properties={f"p{i}": "x" * 90_000 for i in range(60)})], "[0]: is larger than Klaviyo's 5 MB"),
    ],
)
def test_bulk_create_input_errors_name_the_input_and_index(client: KlaviyoClient, events: Any, problem: str) -> None:
    error = _no_request(lambda r: BULK_CREATE_EVENTS.run(client, r), {"eventsArray": events})
    assert error.label == "Events Array"
    assert problem in str(error)


def _refused(entry: int, detail: str, where: str = "attributes/events/data/0/attributes/value") -> dict[str, Any]:
    pointer = f"/data/attributes/events-bulk-create/data/{entry}/{where}"
    return {"errors": [{"status": 400, "code": "invalid", "detail": detail, "source": {"pointer": pointer}}]}


def test_bulk_create_one_refused_event_does_not_sink_the_others(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}{BULK_PATH}", status=400, json=_refused(1, "Value is too large."))
    mocked.post(f"{BASE}{BULK_PATH}", status=202)

    with pytest.raises(BulkRecordsError) as caught:
        BULK_CREATE_EVENTS.run(client, {"eventsArray": [_flat(0), _flat(1, value=10**20), _flat(2)]})

    error = caught.value
    assert error.exit_code == 4
    out = error.to_json()["error"]["result"]
    assert {k: out[k] for k in ("requests", "events", "delivered", "rejected", "retryable")} == {
        "requests": 2,
        "events": 3,
        "delivered": 2,
        "rejected": 1,
        "retryable": 0,
    }
    assert [(r["index"], r["status"]) for r in out["records"]] == [(0, "delivered"), (1, "rejected"), (2, "delivered")]
    assert "Value is too large." in out["records"][1]["reason"]
    resent = [e["attributes"]["events"]["data"][0]["attributes"]["properties"]["n"] for e in _entries(mocked.calls[1])]
    assert resent == [0, 2]


def test_bulk_create_entry_of_several_events_reports_each_event(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """Klaviyo's entry form: each of its events is a record, reported with its position in the entry."""
    second = {"type": "event", "attributes": {"metric": _metric("Viewed Product"), "properties": {"n": 2}}}
    entry = {
        "type": "event-bulk-create",
        "attributes": {
            "profile": KLAVIYO_ENTRY["attributes"]["profile"],
            "events": {"data": [*KLAVIYO_ENTRY["attributes"]["events"]["data"], second]},
        },
    }
    mocked.post(f"{BASE}{BULK_PATH}", status=400, json=_refused(1, "Bad event.", "attributes/events/data/0"))
    mocked.post(f"{BASE}{BULK_PATH}", status=202)

    with pytest.raises(BulkRecordsError) as caught:
        Events(client).bulk_create({"data": [entry, _flat(9)]})

    records = caught.value.result.records
    assert [(r.index, r.event, r.status) for r in records] == [
        (0, 0, "delivered"),
        (0, 1, "rejected"),
        (1, None, "delivered"),
    ]
    assert records[1].to_json()["event"] == 1
    sent = _entries(mocked.calls[0])
    assert [e["attributes"]["events"]["data"] for e in sent[:2]] == [
        KLAVIYO_ENTRY["attributes"]["events"]["data"],
        [second],
    ]
    assert all(e["attributes"]["profile"] == KLAVIYO_ENTRY["attributes"]["profile"] for e in sent[:2])


def test_bulk_create_entry_error_names_the_event_in_the_entry(client: KlaviyoClient) -> None:
    entry = {
        "type": "event-bulk-create",
        "attributes": {
            "profile": {"data": {"type": "profile", "attributes": ADA}},
            "events": {"data": [{"metric": "A"}, {"metric": "B", "colour": "red"}]},
        },
    }
    error = _no_request(lambda r: BULK_CREATE_EVENTS.run(client, r), {"eventsArray": [entry]})
    assert error.label == "Events Array"
    assert "[0].attributes.events.data[1].attributes.colour: unknown attribute" in str(error)


def test_same_unique_id_for_another_metric_or_profile_is_fine(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}{BULK_PATH}", status=202)
    events = [
        _flat(0, unique_id="u1"),
        {"metric": "Placed Order", "profile": ADA, "unique_id": "u1"},
        _flat(1, {"email": "bob@example.com"}, unique_id="u1"),
    ]
    assert BULK_CREATE_EVENTS.run(client, {"eventsArray": events})["events"] == 3


def test_bulk_create_events_array_is_required(client: KlaviyoClient) -> None:
    assert _no_request(lambda r: BULK_CREATE_EVENTS.run(client, r), {}).label == "Events Array"


# -- Get Event / List Events ---------------------------------------------------------------------


def test_get_event_includes_metric_and_profile_when_their_fields_are_asked(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/events/{id}", "get", id="4vRpBT")
    mocked.get(f"{BASE}/api/events/4vRpBT", json=reply, status=status)

    event = Events(client).get(
        "4vRpBT", event_fields=["datetime", "event_properties"], metric_fields=["name"], profile_fields=["email"]
    )

    assert_request(
        mocked.calls[0],
        "GET",
        "/api/events/4vRpBT",
        query={
            "fields[event]": "datetime,event_properties",
            "fields[metric]": "name",
            "fields[profile]": "email",
            "include": "metric,profile",
        },
    )
    assert event.id == "4vRpBT"
    assert event.attributes.datetime == dt.datetime(2022, 11, 8, 1, 23, 45, tzinfo=dt.timezone.utc)
    assert event.attributes.timestamp == reply["data"]["attributes"]["timestamp"]
    assert event.attributes.event_properties == {}
    assert event.relationships["metric"]["data"]["type"] == "metric"
    # the included metric is on the model too (the spec sample includes no profile)
    assert event.metric is not None and event.metric.attributes.name == reply["included"][0]["attributes"]["name"]
    assert event.profile is None


def test_get_event_low_code_returns_the_document_with_included(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/events/{id}", "get", id="4vRpBT")
    mocked.get(f"{BASE}/api/events/4vRpBT", json=reply, status=status)

    out = GET_EVENT.run(client, {"eventId": "4vRpBT", "profileFields": "email, location.city"})

    assert out == reply
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/events/4vRpBT",
        query={"fields[profile]": "email,location.city", "include": "profile"},
    )


def test_get_event_without_fields_sends_no_query(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/events/{id}", "get", id="4vRpBT")
    mocked.get(f"{BASE}/api/events/4vRpBT", json=reply, status=status)
    GET_EVENT.run(client, {"eventId": "4vRpBT"})
    assert_request(mocked.calls[0], "GET", "/api/events/4vRpBT")


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ({}, "Event ID"),
        ({"eventId": "a/b"}, "Event ID"),
        ({"eventId": "x", "eventFields": "name"}, "Event Fields"),
        ({"eventId": "x", "metricFields": "email"}, "Metric Fields"),
        ({"eventId": "x", "profileFields": "subscriptions"}, "Profile Fields"),
    ],
)
def test_get_event_input_errors(client: KlaviyoClient, raw: dict[str, Any], label: str) -> None:
    assert _no_request(lambda r: GET_EVENT.run(client, r), raw).label == label


def _events_page(ids: list[str], next_url: str | None) -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "event",
                "id": i,
                "attributes": {"uuid": f"uuid-{i}", "datetime": "2024-01-01T00:00:00+00:00", "timestamp": 1704067200},
                "links": {"self": f"{BASE}/api/events/{i}"},
            }
            for i in ids
        ],
        "links": {"self": f"{BASE}/api/events", "next": next_url},
    }


def test_list_events_follows_pages_at_the_maximum_page_size(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    second = f"{BASE}/api/events?page%5Bcursor%5D=c2&page%5Bsize%5D=1000&include=metric&fields%5Bmetric%5D=name"
    mocked.get(f"{BASE}/api/events", json=_events_page(["e1", "e2"], second))
    mocked.get(second, json=_events_page(["e3"], None))

    out = LIST_EVENTS.run(
        client,
        {"metricFields": '["name"]', "filter": 'equals(metric_id,"Y6nRLr")', "sort": "-datetime"},
    )

    assert [e["id"] for e in out["data"]] == ["e1", "e2", "e3"]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/events",
        query={
            "fields[metric]": "name",
            "include": "metric",
            "filter": 'equals(metric_id,"Y6nRLr")',
            "sort": "-datetime",
            "page[size]": "1000",
        },
    )
    assert_request(
        mocked.calls[1],
        "GET",
        "/api/events",
        query={"page[cursor]": "c2", "page[size]": "1000", "include": "metric", "fields[metric]": "name"},
    )


def test_list_events_python_streams_models_up_to_the_limit(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/events", json=_events_page(["e1", "e2"], f"{BASE}/api/events?page%5Bcursor%5D=c2"))

    stream = Events(client).list(event_fields=["uuid"], sort="timestamp", limit=2)
    assert len(mocked.calls) == 0
    events = list(stream)

    assert [e.attributes.uuid for e in events] == ["uuid-e1", "uuid-e2"]
    assert events[0].attributes.timestamp == 1704067200
    assert len(mocked.calls) == 1
    assert_request(
        mocked.calls[0], "GET", "/api/events", query={"fields[event]": "uuid", "sort": "timestamp", "page[size]": "2"}
    )


def _included_page() -> dict[str, Any]:
    """Two events of one profile, one metric each, and Klaviyo's ``included`` for them."""

    def event(i: str, metric: str) -> dict[str, Any]:
        return {
            "type": "event",
            "id": i,
            "attributes": {"uuid": f"uuid-{i}"},
            "relationships": {
                "metric": {"data": {"type": "metric", "id": metric}},
                "profile": {"data": {"type": "profile", "id": "P1"}},
            },
        }

    return {
        "data": [event("e1", "M1"), event("e2", "M2")],
        "included": [
            {"type": "metric", "id": "M1", "attributes": {"name": "Placed Order"}},
            {"type": "metric", "id": "M2", "attributes": {"name": "Viewed Product"}},
            {"type": "profile", "id": "P1", "attributes": {"email": "ada@example.com"}},
        ],
        "links": {"self": f"{BASE}/api/events", "next": None},
    }


def test_list_events_returns_the_included_metric_and_profile_with_each_event(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/events", json=_included_page())
    mocked.get(f"{BASE}/api/events", json=_included_page())

    out = LIST_EVENTS.run(client, {"metricFields": "name", "profileFields": "email"})
    events = list(Events(client).list(metric_fields=["name"], profile_fields=["email"]))

    included = [[(r["type"], r["id"]) for r in e["included"]] for e in out["data"]]
    assert included == [[("metric", "M1"), ("profile", "P1")], [("metric", "M2"), ("profile", "P1")]]
    assert out["data"][0]["included"][0]["attributes"] == {"name": "Placed Order"}
    assert [(e.metric.attributes.name if e.metric else None) for e in events] == ["Placed Order", "Viewed Product"]
    assert [(e.profile.attributes.email if e.profile else None) for e in events] == ["ada@example.com"] * 2
    for call in mocked.calls:
        assert_request(
            call,
            "GET",
            "/api/events",
            query={
                "fields[metric]": "name",
                "fields[profile]": "email",
                "include": "metric,profile",
                "page[size]": "1000",
            },
            spec=False,  # the page sample above is hand-made; the request itself is what is checked here
        )


def test_list_events_jsonl_keeps_included(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    from conftest import API_KEY

    from connector.shell.cli import main

    monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
    monkeypatch.setenv("KLAVIYO_BASE_URL", BASE)
    mocked.get(f"{BASE}/api/events", json=_included_page())

    code = main(["run", "listEvents", "--jsonl", "--input", "metricFields=name"])

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [line["id"] for line in lines] == ["e1", "e2"]
    assert [[r["id"] for r in line["included"]] for line in lines] == [["M1", "P1"], ["M2", "P1"]]


def test_list_events_without_metric_or_profile_fields_adds_nothing(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    page = _included_page()
    mocked.get(f"{BASE}/api/events", json=page)
    out = LIST_EVENTS.run(client, {"eventFields": "uuid"})
    assert out["data"] == page["data"]


def test_list_events_input_errors(client: KlaviyoClient) -> None:
    run = lambda r: LIST_EVENTS.run(client, r)  # noqa: E731
    assert _no_request(run, {"pageSize": "1001"}).label == "Page Size"
    assert _no_request(run, {"sort": "created"}).label == "Sort"
    assert _no_request(run, {"maxRecords": "-1"}).label == "Max Records"


# -- data source and catalog contract ------------------------------------------------------------


def test_select_metric_pages_without_page_size(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/metrics", "get")
    reply["links"]["next"] = f"{BASE}/api/metrics?page%5Bcursor%5D=m2&fields%5Bmetric%5D=name"
    reply["data"][0].update(id="Y6nRLr")
    reply["data"][0]["attributes"]["name"] = "Placed Order"
    mocked.get(f"{BASE}/api/metrics", json=reply, status=status)
    last = {
        "data": [{"type": "metric", "id": "Xx1234", "attributes": {"name": "Viewed Product"}, "links": {}}],
        "links": {"self": f"{BASE}/api/metrics", "next": None},
    }
    mocked.get(reply["links"]["next"], json=last)

    assert SELECT_METRIC.run(client, {}) == {
        "result": [{"label": "Placed Order", "key": "Y6nRLr"}, {"label": "Viewed Product", "key": "Xx1234"}]
    }
    assert_request(mocked.calls[0], "GET", "/api/metrics", query={"fields[metric]": "name"})
    assert_request(mocked.calls[1], "GET", "/api/metrics", query={"fields[metric]": "name", "page[cursor]": "m2"})
    metric = parse_resource(MetricAttributes, reply["data"][0])
    assert metric.attributes.name == "Placed Order"
    assert metric.attributes.integration == {}


def test_actions_match_the_catalog() -> None:
    """Labels, descriptions, and each catalog input's label, comments and default, exactly."""
    from spec_support import catalog as vendored_catalog

    from actions import events

    catalog = {a["label"]: a for a in vendored_catalog()["actions"]}
    assert {a.label: a.key for a in events.ACTIONS} == {
        "Create Event": "createEvent",
        "Bulk Create Events": "bulkCreateEvents",
        "Get Event": "getEvent",
        "List Events": "listEvents",
    }
    for action in events.ACTIONS:
        entry = catalog[action.label]
        assert action.description == entry["description"]
        specs = {s.label: s for s in action.input_specs()}
        for want in entry["inputs"]:
            spec = specs[want["label"]]
            assert spec.comments == want["comments"], (action.label, want["label"])
            assert (spec.default or "") == want["default"], (action.label, want["label"])
