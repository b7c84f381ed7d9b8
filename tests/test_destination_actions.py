"""Destination actions (the Segment Actions set): exact, spec-checked requests and the fixed edge cases."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from conftest import BASE, assert_request, spec_reply

from actions.destination import (
    ACTIONS,
    ADD_PROFILE_TO_LIST,
    ORDER_COMPLETED,
    REMOVE_PROFILE,
    REMOVE_PROFILE_FROM_LIST,
    SUBSCRIBE_PROFILE,
    TRACK_EVENT,
    UNSUBSCRIBE_PROFILE,
    UPSERT_PROFILE,
    Destination,
)
from connector.client.errors import ConflictError, InputError, KlaviyoError
from connector.client.pipeline import KlaviyoClient

PID = "01GDDKASAP8TKDDA2GRZDSVP4H"


def _conflict(duplicate_id: str | None) -> dict[str, Any]:
    meta = {"duplicate_profile_id": duplicate_id} if duplicate_id else {}
    return {
        "errors": [
            {
                "id": "e1",
                "status": 409,
                "code": "duplicate_profile",
                "title": "Conflict.",
                "detail": "exists",
                "meta": meta,
            }
        ]
    }


def _body(call: Any) -> Any:
    return json.loads(call.request.body)


def test_catalog_keys_and_labels() -> None:
    assert [(a.key, a.label) for a in ACTIONS] == [
        ("upsertProfile", "Upsert Profile"),
        ("trackEvent", "Track Event"),
        ("orderCompleted", "Order Completed"),
        ("addProfileToList", "Add Profile To List"),
        ("removeProfileFromList", "Remove Profile From List"),
        ("subscribeProfile", "Subscribe Profile"),
        ("unsubscribeProfile", "Unsubscribe Profile"),
        ("removeProfile", "Remove Profile"),
    ]


def test_upsert_creates_then_adds_to_list(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/profiles", "post", id=PID)
    mocked.post(f"{BASE}/api/profiles", json=reply, status=status)
    mocked.post(f"{BASE}/api/lists/Y6nRLr/relationships/profiles", status=204)

    Destination(client).upsert_profile(email="ada@example.com", first_name="Ada", list_id="Y6nRLr")

    attrs = {"email": "ada@example.com", "first_name": "Ada"}
    assert_request(mocked.calls[0], "POST", "/api/profiles", body={"data": {"type": "profile", "attributes": attrs}})
    assert_request(
        mocked.calls[1],
        "POST",
        "/api/lists/Y6nRLr/relationships/profiles",
        body={"data": [{"type": "profile", "id": PID}]},
    )


def test_upsert_409_patches_the_named_profile_and_override_list_wins(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/profiles", json=_conflict(PID), status=409)
    status, reply = spec_reply("/api/profiles/{id}", "patch", id=PID)
    mocked.patch(f"{BASE}/api/profiles/{PID}", json=reply, status=status)
    mocked.post(f"{BASE}/api/lists/OVR123/relationships/profiles", status=204)

    UPSERT_PROFILE.run(
        client,
        {
            "externalId": "u1",
            "phoneNumber": "(500) 555-0006",
            "countryCode": "US",
            "listId": "Y6nRLr",
            "overrideListId": "OVR123",
        },
    )

    attrs = {"phone_number": "+15005550006", "external_id": "u1"}
    assert_request(
        mocked.calls[1],
        "PATCH",
        f"/api/profiles/{PID}",
        body={"data": {"type": "profile", "id": PID, "attributes": attrs}},
    )
    assert str(mocked.calls[2].request.url).endswith("/api/lists/OVR123/relationships/profiles")


def test_upsert_409_without_id_is_retryable_and_never_calls_the_list(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/profiles", json=_conflict(None), status=409)

    with pytest.raises(ConflictError) as caught:
        UPSERT_PROFILE.run(client, {"email": "ada@example.com", "listId": "Y6nRLr"})

    assert caught.value.retryable is True
    assert caught.value.exit_code == 5
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ({}, "Identifiers"),
        ({"externalId": "x" * 256}, "External ID"),
        ({"email": "not-an-email"}, "Email"),
        ({"email": "ada@gmail..com"}, "Email"),  # an empty domain label
        ({"email": "ada@.example.com"}, "Email"),
        ({"email": "ada..lovelace@example.com"}, "Email"),
        ({"email": ".ada@example.com"}, "Email"),
        ({"phoneNumber": "5550006"}, "Phone Number"),
    ],
)
def test_identifier_rules_name_the_field(client: KlaviyoClient, raw: dict[str, Any], label: str) -> None:
    with responses.RequestsMock(), pytest.raises(InputError) as caught:
        UPSERT_PROFILE.run(client, raw)
    assert caught.value.label == label


def test_external_id_of_exactly_255_is_accepted(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/profiles", "post", id=PID)
    mocked.post(f"{BASE}/api/profiles", json=reply, status=status)
    UPSERT_PROFILE.run(client, {"externalId": "x" * 255})
    assert _body(mocked.calls[0])["data"]["attributes"]["external_id"] == "x" * 255


@pytest.mark.parametrize(("name", "refused"), [("x" * 127, False), ("x" * 128, True), ("  ", True)])
def test_track_event_metric_name_is_checked_before_any_request(
    client: KlaviyoClient, mocked: responses.RequestsMock, name: str, refused: bool
) -> None:
    if refused:
        with pytest.raises(InputError) as caught:
            TRACK_EVENT.run(client, {"metricName": name, "email": "a@example.com"})
        assert caught.value.label == "Metric Name"
        assert not mocked.calls
    else:
        mocked.post(f"{BASE}/api/events", status=202)
        TRACK_EVENT.run(client, {"metricName": name, "email": "a@example.com"})
        assert _body(mocked.calls[0])["data"]["attributes"]["metric"]["data"]["attributes"]["name"] == name


def test_track_event_nests_metric_and_profile_and_sends_value_currency_unique_id(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/events", status=202)

    out = TRACK_EVENT.run(
        client,
        {
            "metricName": "Viewed Product",
            "anonymousId": "anon-1",
            "properties": '{"sku": "A1"}',
            "time": "2026-01-02T03:04:05Z",
            "value": "9.5",
            "valueCurrency": "usd",
            "uniqueId": "m-1",
        },
    )

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/events",
        body={
            "data": {
                "type": "event",
                "attributes": {
                    "properties": {"sku": "A1"},
                    "time": "2026-01-02T03:04:05+00:00",
                    "value": 9.5,
                    "value_currency": "USD",
                    "unique_id": "m-1",
                    "metric": {"data": {"type": "metric", "attributes": {"name": "Viewed Product"}}},
                    "profile": {"data": {"type": "profile", "attributes": {"anonymous_id": "anon-1"}}},
                },
            }
        },
    )
    assert out == {"unique_id": "m-1", "time": "2026-01-02T03:04:05+00:00"}


def test_track_event_without_unique_id_derives_the_same_one_on_retry(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/events", status=202)
    mocked.post(f"{BASE}/api/events", status=202)
    raw = {"metricName": "X", "email": "ada@example.com", "time": "2026-01-02T03:04:05Z"}
    first, second = TRACK_EVENT.run(client, raw), TRACK_EVENT.run(client, raw)
    assert first["unique_id"] == second["unique_id"]
    assert first["unique_id"].startswith("sha256-")


def test_a_retry_a_second_later_derives_the_same_unique_id_from_what_the_caller_sent(
    client: KlaviyoClient, mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a time, unique id or order id the defaulted "now" is sent but never part of the derived id."""
    import actions.destination as destination

    times = iter(["2026-01-02T03:04:05+00:00", "2026-01-02T03:04:06+00:00"] * 3)
    monkeypatch.setattr(destination, "now_iso", lambda: next(times))
    for _ in range(6):
        mocked.post(f"{BASE}/api/events", status=202)
    track = {"metricName": "Viewed", "email": "ada@example.com", "properties": {"sku": "1"}}
    first, retry = TRACK_EVENT.run(client, track), TRACK_EVENT.run(client, track)
    assert first["unique_id"] == retry["unique_id"] and first["time"] != retry["time"]
    order = {"email": "ada@example.com", "value": 5, "products": [{"sku": "s1"}]}
    placed, again = ORDER_COMPLETED.run(client, order), ORDER_COMPLETED.run(client, order)
    assert placed == again
    other = ORDER_COMPLETED.run(client, {**order, "products": [{"sku": "s2"}]})
    assert other["unique_id"] != placed["unique_id"]  # another basket is another order


def test_order_completed_sends_order_then_products_with_deterministic_ids(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    for _ in range(3):
        mocked.post(f"{BASE}/api/events", status=202)

    out = ORDER_COMPLETED.run(
        client,
        {
            "email": "ada@example.com",
            "time": "2026-01-02T03:04:05Z",
            "value": 22,
            "properties": {"order_id": "o-1", "coupon": "X", "name": "order"},
            "products": [{"product_id": "p1", "price": 19, "name": "Monopoly"}, {"sku": "s2", "price": 3}],
            "eventName": "Placed Order",
        },
    )

    bodies = [_body(c)["data"]["attributes"] for c in mocked.calls]
    for call in mocked.calls:
        assert_request(call, "POST", "/api/events", body=_body(call))
    assert [b["metric"]["data"]["attributes"]["name"] for b in bodies] == [
        "Placed Order",
        "Ordered Product",
        "Ordered Product",
    ]
    assert [b["unique_id"] for b in bodies] == ["o-1", "o-1_p1", "o-1_s2"]
    assert bodies[1]["properties"] == {
        "order_id": "o-1",
        "coupon": "X",
        "name": "Monopoly",
        "product_id": "p1",
        "price": 19,
    }
    assert bodies[1]["value"] == 19
    assert out["product_unique_ids"] == ["o-1_p1", "o-1_s2"]


def test_order_completed_products_wait_for_the_order(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{BASE}/api/events",
        json={"errors": [{"id": "1", "code": "invalid", "title": "t", "detail": "bad"}]},
        status=400,
    )
    with pytest.raises(KlaviyoError):
        ORDER_COMPLETED.run(
            client, {"email": "a@example.com", "properties": {"order_id": "o"}, "products": [{"id": 1}]}
        )
    assert len(mocked.calls) == 1


def test_order_completed_product_without_id_gets_one_from_its_position(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """J: Segment's default mapping sends products without ids; the order and its products are delivered."""
    for _ in range(3):
        mocked.post(f"{BASE}/api/events", status=202)
    out = ORDER_COMPLETED.run(
        client,
        {"email": "a@example.com", "properties": {"order_id": "o-1"}, "products": [{"name": "x"}, {"name": "y"}]},
    )
    assert out["product_unique_ids"] == ["o-1_0", "o-1_1"]
    assert [_body(c)["data"]["attributes"]["unique_id"] for c in mocked.calls] == ["o-1", "o-1_0", "o-1_1"]


def test_order_completed_product_that_is_not_an_object_sends_nothing(client: KlaviyoClient) -> None:
    with responses.RequestsMock(), pytest.raises(InputError) as caught:
        ORDER_COMPLETED.run(client, {"email": "a@example.com", "products": ["x"]})
    assert caught.value.label == "Products[0]"


def test_add_to_audience_list_reuses_a_list_by_name_or_creates_it(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/lists", json={"data": [], "links": {"self": "x"}})
    status, reply = spec_reply("/api/lists", "post", id="NEW123")
    mocked.post(f"{BASE}/api/lists", json=reply, status=status)
    mocked.post(f"{BASE}/api/profiles", json=_conflict(PID), status=409)
    mocked.post(f"{BASE}/api/lists/NEW123/relationships/profiles", status=204)

    out = ADD_PROFILE_TO_LIST.run(client, {"email": "ada@example.com", "audienceName": "Engaged"})

    assert_request(
        mocked.calls[0], "GET", "/api/lists", query={"filter": 'equals(name,"Engaged")', "page[size]": "1"}
    )  # only the first match is needed
    assert_request(
        mocked.calls[1], "POST", "/api/lists", body={"data": {"type": "list", "attributes": {"name": "Engaged"}}}
    )
    assert out == {"list_id": "NEW123", "profile_id": PID}


def test_add_to_list_sends_the_profile_fields_and_updates_an_existing_profile_with_them(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """K: names, title, organization, image, location and properties reach the profile (Segment maps them)."""
    mocked.post(f"{BASE}/api/profiles", json=_conflict(PID), status=409)
    status, reply = spec_reply("/api/profiles/{id}", "patch", id=PID)
    mocked.patch(f"{BASE}/api/profiles/{PID}", json=reply, status=status)
    mocked.post(f"{BASE}/api/lists/Y6nRLr/relationships/profiles", status=204)
    raw = {
        "email": "ada@example.com",
        "listId": "Y6nRLr",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "title": "Analyst",
        "organization": "Engines",
        "image": "https://example.com/ada.png",
        "location": {"city": "London"},
        "properties": {"tier": "gold"},
    }

    out = ADD_PROFILE_TO_LIST.run(client, raw)

    attributes = {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "organization": "Engines",
        "title": "Analyst",
        "image": "https://example.com/ada.png",
        "location": {"city": "London"},
        "properties": {"tier": "gold"},
    }
    assert_request(
        mocked.calls[0], "POST", "/api/profiles", body={"data": {"type": "profile", "attributes": attributes}}
    )
    assert _body(mocked.calls[1]) == {"data": {"type": "profile", "id": PID, "attributes": attributes}}
    assert out == {"list_id": "Y6nRLr", "profile_id": PID}


def test_add_to_list_surfaces_create_errors(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{BASE}/api/profiles", json={"errors": [{"id": "1", "code": "x", "title": "t", "detail": "d"}]}, status=400
    )
    with pytest.raises(KlaviyoError):
        ADD_PROFILE_TO_LIST.run(client, {"email": "ada@example.com", "listId": "Y6nRLr"})
    assert len(mocked.calls) == 1  # never a list call without a profile id


def test_remove_from_list_looks_up_each_identifier(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/profiles", json={"data": [{"type": "profile", "id": PID}], "links": {"self": "x"}})
    mocked.get(f"{BASE}/api/profiles", json={"data": [{"type": "profile", "id": PID}], "links": {"self": "x"}})
    mocked.delete(f"{BASE}/api/lists/Y6nRLr/relationships/profiles", status=204)

    out = REMOVE_PROFILE_FROM_LIST.run(client, {"email": "ada@example.com", "externalId": "u1", "listId": "Y6nRLr"})

    assert_request(
        mocked.calls[0],
        "GET",
        "/api/profiles",
        query={"filter": 'equals(email,"ada@example.com")', "fields[profile]": "id", "page[size]": "100"},
    )
    assert_request(
        mocked.calls[2],
        "DELETE",
        "/api/lists/Y6nRLr/relationships/profiles",
        body={"data": [{"type": "profile", "id": PID}]},
    )
    assert out == {"list_id": "Y6nRLr", "removed": [PID]}


def test_remove_profile_with_no_match_sends_no_delete(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/profiles", json={"data": [], "links": {"self": "x"}})
    assert REMOVE_PROFILE.run(client, {"email": "a@example.com", "listId": "Y6nRLr"})["removed"] == []


def test_subscribe_historical_with_list_and_source(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/profile-subscription-bulk-create-jobs", status=202)

    SUBSCRIBE_PROFILE.run(
        client,
        {
            "email": "ada@example.com",
            "phoneNumber": "+15005550006",
            "listId": "Y6nRLr",
            "customSource": "Shop",
            "historicalImport": "true",
            "consentedAt": "2025-01-02T00:00:00Z",
        },
    )

    granted = {"consent": "SUBSCRIBED", "consented_at": "2025-01-02T00:00:00+00:00"}
    body = {
        "data": {
            "type": "profile-subscription-bulk-create-job",
            "attributes": {
                "historical_import": True,
                "custom_source": "Shop",
                "profiles": {
                    "data": [
                        {
                            "type": "profile",
                            "attributes": {
                                "email": "ada@example.com",
                                "phone_number": "+15005550006",
                                "subscriptions": {"email": {"marketing": granted}, "sms": {"marketing": granted}},
                            },
                        }
                    ]
                },
            },
            "relationships": {"list": {"data": {"type": "list", "id": "Y6nRLr"}}},
        }
    }
    assert_request(mocked.calls[0], "POST", "/api/profile-subscription-bulk-create-jobs", body=body)


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ({"listId": "Y6nRLr"}, "Identifiers"),
        ({"email": "a@example.com", "historicalImport": "true"}, "Consented At"),
        ({"email": "a@example.com", "historicalImport": "true", "consentedAt": "2999-01-01T00:00:00Z"}, "Consented At"),
    ],
)
def test_subscribe_input_errors(client: KlaviyoClient, raw: dict[str, Any], label: str) -> None:
    with responses.RequestsMock(), pytest.raises(InputError) as caught:
        SUBSCRIBE_PROFILE.run(client, raw)
    assert caught.value.label == label


def test_subscribe_ignores_consented_at_without_historical_import_and_says_so(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """M: Segment's default mapping always sends consented_at; without a historical import Klaviyo takes none."""
    mocked.post(f"{BASE}/api/profile-subscription-bulk-create-jobs", status=202)

    out = SUBSCRIBE_PROFILE.run(client, {"email": "a@example.com", "consentedAt": "2025-01-01T00:00:00Z"})

    sent = _body(mocked.calls[0])["data"]["attributes"]
    assert sent["historical_import"] is False
    assert sent["profiles"]["data"][0]["attributes"]["subscriptions"] == {
        "email": {"marketing": {"consent": "SUBSCRIBED"}}
    }
    assert "Historical Import" in out["ignored"]["consented_at"]
    mocked.post(f"{BASE}/api/profile-subscription-bulk-create-jobs", status=202)
    assert SUBSCRIBE_PROFILE.run(client, {"email": "a@example.com"}) == {"data": None}  # nothing ignored


def test_subscribe_help_text_speaks_of_subscribing() -> None:
    comments = {i.key: i.comments for i in SUBSCRIBE_PROFILE.input_specs()}
    assert not any("nsubscribe" in (c or "") for c in comments.values()), comments
    assert "Subscribe" in (comments["email"] or "")


def test_unsubscribe_sms_marketing_and_transactional(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/profile-subscription-bulk-delete-jobs", status=202)

    UNSUBSCRIBE_PROFILE.run(client, {"phoneNumber": "+15005550006"})

    gone = {"consent": "UNSUBSCRIBED"}
    body = {
        "data": {
            "type": "profile-subscription-bulk-delete-job",
            "attributes": {
                "profiles": {
                    "data": [
                        {
                            "type": "profile",
                            "attributes": {
                                "phone_number": "+15005550006",
                                "subscriptions": {"sms": {"marketing": gone, "transactional": gone}},
                            },
                        }
                    ]
                }
            },
        }
    }
    assert_request(mocked.calls[0], "POST", "/api/profile-subscription-bulk-delete-jobs", body=body)


def test_facade_is_reachable_from_klaviyo(client: KlaviyoClient) -> None:
    from connector.shell.facade import Klaviyo

    assert isinstance(Klaviyo(client=client).destination, Destination)
