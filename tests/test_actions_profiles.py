"""Profiles actions: exact requests (checked against the spec), parsed responses, input errors, batching."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from conftest import BASE, assert_request, spec_reply

from actions._bulk import BulkRecordsError, BulkRecordsRetryable, RecordResult
from actions.profiles import (
    CREATE_PROFILE,
    GET_PROFILE,
    LIST_LIST_PROFILES,
    LIST_PROFILE,
    SELECT_PROFILE,
    SUBSCRIBE_PROFILES,
    UNSUBSCRIBE_PROFILES,
    UPDATE_PROFILE,
    Profiles,
)
from connector.client.errors import ConflictError, InputError, ServerError
from connector.client.pipeline import KlaviyoClient

PROFILE_ID = "01GDDKASAP8TKDDA2GRZDSVP4H"
SUBSCRIBE_PATH = "/api/profile-subscription-bulk-create-jobs"
UNSUBSCRIBE_PATH = "/api/profile-subscription-bulk-delete-jobs"


def _no_request(run: Any, raw: dict[str, Any]) -> InputError:
    """Run an action that must fail on its inputs; prove nothing was sent."""
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        run(raw)
    assert len(nothing_sent.calls) == 0
    return caught.value


# -- Create Profile ------------------------------------------------------------------------------


def test_create_profile_sends_every_attribute_and_parses_the_reply(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/profiles", "post")
    mocked.post(f"{BASE}/api/profiles", json=reply, status=status)

    created = Profiles(client).create(
        email=" ada@example.com ",
        phone_number="+1 (500) 555-0006",
        external_id=" 12345 ",
        first_name="Ada",
        last_name="Lovelace",
        organization="Analytical Engines",
        title="Programmer",
        image="https://example.com/ada.png",
        location={"city": "London", "zip": 10017, "latitude": 51.5072, "longitude": "-0.1276"},
        properties={"plan": "gold"},
    )

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/profiles",
        body={
            "data": {
                "type": "profile",
                "attributes": {
                    "email": "ada@example.com",
                    "phone_number": "+15005550006",
                    "external_id": "12345",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "organization": "Analytical Engines",
                    "title": "Programmer",
                    "image": "https://example.com/ada.png",
                    "location": {"city": "London", "zip": "10017", "latitude": 51.5072, "longitude": "-0.1276"},
                    "properties": {"plan": "gold"},
                },
            }
        },
    )
    attributes = reply["data"]["attributes"]
    assert created.id == reply["data"]["id"]
    assert created.attributes.email == attributes["email"]
    assert created.attributes.location is not None
    assert created.attributes.location.city == attributes["location"]["city"]
    assert created.attributes.created is not None and created.attributes.created.year == 2022
    assert created.attributes.subscriptions == attributes["subscriptions"]


def test_create_profile_low_code_sends_only_given_attributes(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/profiles", "post")
    mocked.post(f"{BASE}/api/profiles", json=reply, status=status)

    out = CREATE_PROFILE.run(
        client, {"phoneNumber": "+15005550006", "firstName": "", "location": "", "properties": '{"a": 1}'}
    )

    assert out == reply
    assert_request(
        mocked.calls[0],
        "POST",
        "/api/profiles",
        body={"data": {"type": "profile", "attributes": {"phone_number": "+15005550006", "properties": {"a": 1}}}},
    )


def test_create_profile_duplicate_raises_conflict_with_existing_id(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        f"{BASE}/api/profiles",
        status=409,
        json={
            "errors": [
                {
                    "id": "e1",
                    "status": 409,
                    "code": "duplicate_profile",
                    "title": "Conflict.",
                    "detail": "A profile already exists with one of these identifiers.",
                    "source": {"pointer": "/data/attributes"},
                    "meta": {"duplicate_profile_id": PROFILE_ID},
                }
            ]
        },
    )

    with pytest.raises(ConflictError) as caught:
        Profiles(client).create(email="ada@example.com")

    assert caught.value.duplicate_profile_id == PROFILE_ID
    assert caught.value.code == "duplicate_profile"
    assert len(mocked.calls) == 1  # a 409 is an answer, not a failure worth retrying


def test_create_profile_is_not_retried_on_server_error(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/profiles", status=503, json={"errors": []})
    with pytest.raises(ServerError):
        CREATE_PROFILE.run(client, {"email": "ada@example.com"})
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"firstName": "Ada"}, "Email, Phone Number, External ID", "at least one is required"),
        ({}, "Email, Phone Number, External ID", "at least one is required"),
        ({"email": "ada"}, "Email", "must be an email address"),
        ({"phoneNumber": "5005550006"}, "Phone Number", "E.164"),
        ({"email": "a@b.co", "externalId": "x" * 256}, "External ID", "at most 255"),
        ({"email": "a@b.co", "image": "ftp://x/y.png"}, "Image", "http(s) URL"),
        ({"email": "a@b.co", "location": "[1]"}, "Location", "must be a JSON object"),
        ({"email": "a@b.co", "location": "{bad"}, "Location", "not valid JSON"),
        ({"email": "a@b.co", "properties": '"x"'}, "Properties", "must be a JSON object"),
        ({"email": "a@b.co", "location": {"city": ["x"]}}, "Location", "city: must be text"),
    ],
)
def test_create_profile_input_errors_name_the_input(
    client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str
) -> None:
    error = _no_request(lambda r: CREATE_PROFILE.run(client, r), raw)
    assert error.label == label
    assert problem in str(error)
    assert str(error).startswith(label + ":")


def test_create_profile_location_unknown_key_lists_the_allowed_ones(client: KlaviyoClient) -> None:
    error = _no_request(
        lambda r: CREATE_PROFILE.run(client, r), {"email": "a@b.co", "location": {"city": "x", "state": "NY"}}
    )
    assert error.label == "Location"
    # the registry's check of the request: the allowed keys are the spec's ProfileLocation
    assert "state: unknown attribute" in error.problem
    assert "address1, address2, city, country, ip, latitude, longitude, region, timezone, zip" in error.problem


# -- Get Profile ---------------------------------------------------------------------------------


def test_get_profile_with_fields_and_additional_fields(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/profiles/{id}", "get", id=PROFILE_ID)
    reply["data"]["attributes"]["subscriptions"] = {"email": {"marketing": {"consent": "SUBSCRIBED"}}}
    mocked.get(f"{BASE}/api/profiles/{PROFILE_ID}", json=reply, status=status)

    got = Profiles(client).get(
        PROFILE_ID, fields=["email", "location.city", "subscriptions"], additional_fields=["subscriptions"]
    )

    assert_request(
        mocked.calls[0],
        "GET",
        f"/api/profiles/{PROFILE_ID}",
        query={"fields[profile]": "email,location.city,subscriptions", "additional-fields[profile]": "subscriptions"},
    )
    assert got.id == PROFILE_ID
    assert got.attributes.subscriptions == {"email": {"marketing": {"consent": "SUBSCRIBED"}}}
    assert got.attributes.last_name == reply["data"]["attributes"]["last_name"]


def test_get_profile_low_code_accepts_comma_separated_additional_fields(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/profiles/{id}", "get", id=PROFILE_ID)
    mocked.get(f"{BASE}/api/profiles/{PROFILE_ID}", json=reply, status=status)

    out = GET_PROFILE.run(
        client, {"profileId": PROFILE_ID, "additionalProfileFields": "subscriptions, predictive_analytics"}
    )

    assert out == reply
    assert_request(
        mocked.calls[0],
        "GET",
        f"/api/profiles/{PROFILE_ID}",
        query={"additional-fields[profile]": "subscriptions,predictive_analytics"},
    )


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({}, "Profile ID", "is required"),
        ({"profileId": "../lists"}, "Profile ID", "must be a Klaviyo ID"),
        ({"profileId": PROFILE_ID, "fields": "emial"}, "Fields", "unknown field 'emial'"),
        ({"profileId": PROFILE_ID, "additionalProfileFields": '["lists"]'}, "Additional Profile Fields", "lists"),
    ],
)
def test_get_profile_input_errors(client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str) -> None:
    error = _no_request(lambda r: GET_PROFILE.run(client, r), raw)
    assert error.label == label
    assert problem in str(error)


# -- List Profile ---------------------------------------------------------------------------------


def _page(path: str, ids: list[str], next_url: str | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "profile",
                "id": i,
                "attributes": {"email": f"{i}@example.com", **(extra or {})},
                "links": {"self": f"{BASE}/api/profiles/{i}"},
            }
            for i in ids
        ],
        "links": {"self": f"{BASE}{path}", "next": next_url},
    }


def test_list_profile_follows_every_page(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    second = f"{BASE}/api/profiles?page%5Bcursor%5D=abc&page%5Bsize%5D=100&fields%5Bprofile%5D=email"
    mocked.get(f"{BASE}/api/profiles", json=_page("/api/profiles", ["a", "b"], second))
    mocked.get(second, json=_page("/api/profiles", ["c"], None))

    out = LIST_PROFILE.run(
        client,
        {
            "fields": '["email"]',
            "additionalProfileFields": "predictive_analytics",
            "filter": 'equals(email,"a@example.com")',
            "sort": "-created",
        },
    )

    assert [r["id"] for r in out["data"]] == ["a", "b", "c"]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/profiles",
        query={
            "fields[profile]": "email",
            "additional-fields[profile]": "predictive_analytics",
            "filter": 'equals(email,"a@example.com")',
            "sort": "-created",
            "page[size]": "100",
        },
    )
    assert_request(
        mocked.calls[1],
        "GET",
        "/api/profiles",
        query={"fields[profile]": "email", "page[cursor]": "abc", "page[size]": "100"},
    )


def test_list_profile_python_streams_models_up_to_the_limit(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE}/api/profiles", json=_page("/api/profiles", ["a", "b"], f"{BASE}/api/profiles?page%5Bcursor%5D=x")
    )

    stream = Profiles(client).list(limit=2)
    assert len(mocked.calls) == 0
    assert [p.attributes.email for p in stream] == ["a@example.com", "b@example.com"]
    assert len(mocked.calls) == 1
    assert_request(mocked.calls[0], "GET", "/api/profiles", query={"page[size]": "2"})


def test_list_profile_input_errors(client: KlaviyoClient) -> None:
    assert _no_request(lambda r: LIST_PROFILE.run(client, r), {"pageSize": "101"}).label == "Page Size"
    assert _no_request(lambda r: LIST_PROFILE.run(client, r), {"sort": "name"}).label == "Sort"
    assert _no_request(lambda r: LIST_PROFILE.run(client, r), {"maxRecords": "0"}).label == "Max Records"


# -- List List Profiles ---------------------------------------------------------------------------


def test_list_list_profiles_parses_members_with_join_date(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/lists/{id}/profiles", "get")
    reply["links"]["next"] = None
    mocked.get(f"{BASE}/api/lists/Y6nRLr/profiles", json=reply, status=status)

    members = list(
        Profiles(client).list_for_list(
            "Y6nRLr", fields=["email", "joined_group_at"], sort="-joined_group_at", additional_fields=["subscriptions"]
        )
    )

    assert_request(
        mocked.calls[0],
        "GET",
        "/api/lists/Y6nRLr/profiles",
        query={
            "fields[profile]": "email,joined_group_at",
            "additional-fields[profile]": "subscriptions",
            "sort": "-joined_group_at",
            "page[size]": "100",
        },
    )
    assert len(members) == 1
    assert members[0].attributes.joined_group_at is not None
    assert members[0].attributes.email == reply["data"][0]["attributes"]["email"]


def test_list_list_profiles_low_code_two_pages(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    path = "/api/lists/Y6nRLr/profiles"
    second = f"{BASE}{path}?page%5Bcursor%5D=p2&page%5Bsize%5D=50"
    mocked.get(f"{BASE}{path}", json=_page(path, ["a"], second))
    mocked.get(second, json=_page(path, ["b"], None))

    out = LIST_LIST_PROFILES.run(client, {"listId": "Y6nRLr", "pageSize": "50"})

    assert [r["id"] for r in out["data"]] == ["a", "b"]
    assert_request(mocked.calls[0], "GET", path, query={"page[size]": "50"})
    assert_request(mocked.calls[1], "GET", path, query={"page[cursor]": "p2", "page[size]": "50"})


def test_list_list_profiles_input_errors(client: KlaviyoClient) -> None:
    run = lambda r: LIST_LIST_PROFILES.run(client, r)  # noqa: E731
    assert _no_request(run, {}).label == "List ID"
    assert _no_request(run, {"listId": "Y6nRLr", "pageSize": "500"}).label == "Page Size"
    assert _no_request(run, {"listId": "Y6nRLr", "sort": "created"}).label == "Sort"


# -- Update Profile -------------------------------------------------------------------------------


def test_update_profile_sends_only_given_attributes_with_id(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/profiles/{id}", "patch", id=PROFILE_ID)
    mocked.patch(f"{BASE}/api/profiles/{PROFILE_ID}", json=reply, status=status)

    updated = Profiles(client).update(PROFILE_ID, first_name="Ada", location={"timezone": "Europe/London"})

    assert_request(
        mocked.calls[0],
        "PATCH",
        f"/api/profiles/{PROFILE_ID}",
        body={
            "data": {
                "type": "profile",
                "id": PROFILE_ID,
                "attributes": {"first_name": "Ada", "location": {"timezone": "Europe/London"}},
            }
        },
    )
    assert updated.id == PROFILE_ID
    assert updated.attributes.email == reply["data"]["attributes"]["email"]


def test_update_profile_is_retried_after_server_error(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    status, reply = spec_reply("/api/profiles/{id}", "patch", id=PROFILE_ID)
    mocked.patch(f"{BASE}/api/profiles/{PROFILE_ID}", status=503, json={"errors": []})
    mocked.patch(f"{BASE}/api/profiles/{PROFILE_ID}", json=reply, status=status)

    UPDATE_PROFILE.run(client, {"profileId": PROFILE_ID, "email": "ada@example.com"})

    assert len(mocked.calls) == 2
    assert clock.sleeps == [0.5]


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ({"email": "a@b.co"}, "Profile ID"),
        ({"profileId": PROFILE_ID, "phoneNumber": "+1 12"}, "Phone Number"),
        ({"profileId": PROFILE_ID, "location": {"street": "x"}}, "Location"),
        ({"profileId": PROFILE_ID, "email": "nope"}, "Email"),
    ],
)
def test_update_profile_input_errors(client: KlaviyoClient, raw: dict[str, Any], label: str) -> None:
    assert _no_request(lambda r: UPDATE_PROFILE.run(client, r), raw).label == label


def test_update_profile_clears_an_attribute_given_as_null(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """JSON null (as --inputs sends it) or NULL from Python clears a nullable attribute; empty leaves it."""
    from connector.framework.inputs import NULL

    status, reply = spec_reply("/api/profiles/{id}", "patch", id=PROFILE_ID)
    mocked.patch(f"{BASE}/api/profiles/{PROFILE_ID}", json=reply, status=status)
    mocked.patch(f"{BASE}/api/profiles/{PROFILE_ID}", json=reply, status=status)

    UPDATE_PROFILE.run(client, {"profileId": PROFILE_ID, "title": None, "image": None, "firstName": ""})
    Profiles(client).update(PROFILE_ID, organization=NULL, last_name="Lovelace")

    assert_request(
        mocked.calls[0],
        "PATCH",
        f"/api/profiles/{PROFILE_ID}",
        body={"data": {"type": "profile", "id": PROFILE_ID, "attributes": {"title": None, "image": None}}},
    )
    assert_request(
        mocked.calls[1],
        "PATCH",
        f"/api/profiles/{PROFILE_ID}",
        body={
            "data": {
                "type": "profile",
                "id": PROFILE_ID,
                "attributes": {"organization": None, "last_name": "Lovelace"},
            }
        },
    )


def test_create_profile_null_is_not_a_value_to_write(client: KlaviyoClient) -> None:
    """Create has nothing to clear: null reads as not given (so the identifier rule still speaks)."""
    error = _no_request(lambda r: CREATE_PROFILE.run(client, r), {"email": None, "firstName": "Ada"})
    assert error.label == "Email, Phone Number, External ID"


# -- Subscribe / Unsubscribe Profiles -------------------------------------------------------------


def _consent(channel: str, consent: str) -> dict[str, Any]:
    return {channel: {"marketing": {"consent": consent}}}


def _delivered(*, requests: int, profiles: int) -> dict[str, Any]:
    """The low-code output when every profile was delivered."""
    return {
        "data": None,
        "requests": requests,
        "profiles": profiles,
        "delivered": profiles,
        "rejected": 0,
        "retryable": 0,
        "records": [{"index": i, "status": "delivered"} for i in range(profiles)],
    }


def test_subscribe_shorthand_means_marketing_on_present_channels(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}{SUBSCRIBE_PATH}", status=202)

    out = SUBSCRIBE_PROFILES.run(
        client,
        {
            "profiles": '[{"email": "ada@example.com"}, {"phone_number": "+1 500 555 0006"},'
            ' {"email": "bob@example.com", "phone_number": "+15005550006"}]',
            "listId": "Y6nRLr",
            "customSource": "Spring fair",
        },
    )

    assert out == _delivered(requests=1, profiles=3)
    assert_request(
        mocked.calls[0],
        "POST",
        SUBSCRIBE_PATH,
        body={
            "data": {
                "type": "profile-subscription-bulk-create-job",
                "attributes": {
                    "custom_source": "Spring fair",
                    "historical_import": False,  # the bulk sender always says it
                    "profiles": {
                        "data": [
                            {
                                "type": "profile",
                                "attributes": {
                                    "email": "ada@example.com",
                                    "subscriptions": _consent("email", "SUBSCRIBED"),
                                },
                            },
                            {
                                "type": "profile",
                                "attributes": {
                                    "phone_number": "+15005550006",
                                    "subscriptions": _consent("sms", "SUBSCRIBED"),
                                },
                            },
                            {
                                "type": "profile",
                                "attributes": {
                                    "email": "bob@example.com",
                                    "phone_number": "+15005550006",
                                    "subscriptions": {
                                        **_consent("email", "SUBSCRIBED"),
                                        **_consent("sms", "SUBSCRIBED"),
                                    },
                                },
                            },
                        ]
                    },
                },
                "relationships": {"list": {"data": {"type": "list", "id": "Y6nRLr"}}},
            }
        },
    )


KLAVIYO_PROFILE: dict[str, Any] = {
    "type": "profile",
    "id": PROFILE_ID,
    "attributes": {
        "email": "matt-kemp@klaviyo-demo.com",
        "phone_number": "+15005550006",
        "subscriptions": {
            "email": {"marketing": {"consent": "SUBSCRIBED"}},
            "sms": {"marketing": {"consent": "SUBSCRIBED"}, "transactional": {"consent": "SUBSCRIBED"}},
        },
    },
}


@pytest.mark.parametrize(
    "profiles",
    [
        {"data": [KLAVIYO_PROFILE]},  # Klaviyo's `profiles` value as in its examples
        [KLAVIYO_PROFILE],  # the bare array
        [KLAVIYO_PROFILE["attributes"] | {"id": PROFILE_ID}],  # attribute objects with subscriptions
        json.dumps({"data": [KLAVIYO_PROFILE]}),  # as text from a low-code step
    ],
)
def test_subscribe_accepts_klaviyo_forms(client: KlaviyoClient, mocked: responses.RequestsMock, profiles: Any) -> None:
    mocked.post(f"{BASE}{SUBSCRIBE_PATH}", status=202)

    result = Profiles(client).subscribe(profiles)

    assert (result.requests, result.profiles, result.delivered, result.ok) == (1, 1, 1, True)
    assert_request(
        mocked.calls[0],
        "POST",
        SUBSCRIBE_PATH,
        body={
            "data": {
                "type": "profile-subscription-bulk-create-job",
                "attributes": {"profiles": {"data": [KLAVIYO_PROFILE]}, "historical_import": False},
            }
        },
    )


def test_subscribe_historical_import_requires_past_consented_at(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}{SUBSCRIBE_PATH}", status=202)

    SUBSCRIBE_PROFILES.run(
        client,
        {
            "profiles": [{"email": "ada@example.com", "consented_at": "2024-01-02T03:04:05Z"}],
            "historicalImport": "true",
        },
    )

    assert_request(
        mocked.calls[0],
        "POST",
        SUBSCRIBE_PATH,
        body={
            "data": {
                "type": "profile-subscription-bulk-create-job",
                "attributes": {
                    "historical_import": True,
                    "profiles": {
                        "data": [
                            {
                                "type": "profile",
                                "attributes": {
                                    "email": "ada@example.com",
                                    "subscriptions": {
                                        "email": {
                                            "marketing": {
                                                "consent": "SUBSCRIBED",
                                                "consented_at": "2024-01-02T03:04:05+00:00",
                                            }
                                        }
                                    },
                                },
                            }
                        ]
                    },
                },
            }
        },
    )


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"profiles": "[]"}, "at least one profile"),
        ({"profiles": "{oops"}, "not valid JSON"),
        ({"profiles": '"ada@example.com"'}, "JSON array of profiles"),
        ({"profiles": '[{"email": "ada@example.com"}, {"email": "bob"}]'}, "profiles[1].email: must be an email"),
        ({"profiles": '[{"email": "a@b.co"}, {"phone_number": "5005550006"}]'}, "profiles[1].phone_number: must be"),
        ({"profiles": '[{"first_name": "Ada"}]'}, "profiles[0]: needs an email or a phone_number"),
        ({"profiles": [{"email": "a@b.co", "consented_at": "2024-01-01T00:00:00Z"}]}, "only allowed with Historical"),
        (
            {"profiles": [{"email": "a@b.co"}], "historicalImport": "true"},
            "profiles[0].subscriptions.email.marketing.consented_at: required with Historical Import",
        ),
        (
            {"profiles": [{"email": "a@b.co", "consented_at": "2999-01-01T00:00:00Z"}], "historicalImport": "true"},
            "must be in the past",
        ),
        (
            {"profiles": [{"email": "a@b.co", "subscriptions": {"email": {"marketing": {"consent": "UNSUBSCRIBED"}}}}]},
            "profiles[0].subscriptions.email.marketing.consent: must be one of SUBSCRIBED (got 'UNSUBSCRIBED')",
        ),
        (
            {"profiles": [{"type": "profile", "attributes": {"emial": "a@b.co"}}]},
            "profiles[0].emial: unknown attribute; allowed: age_gated_date_of_birth, email, phone_number",
        ),
        (
            {"profiles": [{"email": "a@b.co", "subscriptions": {"fax": {"marketing": {"consent": "SUBSCRIBED"}}}}]},
            "profiles[0].subscriptions.fax: unknown attribute; allowed: email, push, sms, whatsapp",
        ),
    ],
)
def test_subscribe_input_errors_name_input_and_profile_index(
    client: KlaviyoClient, raw: dict[str, Any], problem: str
) -> None:
    error = _no_request(lambda r: SUBSCRIBE_PROFILES.run(client, r), raw)
    assert error.label == "Profiles"
    assert problem in str(error)


def test_subscribe_other_input_errors(client: KlaviyoClient) -> None:
    run = lambda r: SUBSCRIBE_PROFILES.run(client, r)  # noqa: E731
    assert _no_request(run, {}).label == "Profiles"
    assert _no_request(run, {"profiles": [{"email": "a@b.co"}], "listId": "no such"}).label == "List ID"
    assert _no_request(run, {"profiles": [{"email": "a@b.co"}], "historicalImport": "maybe"}).label == (
        "Historical Import"
    )


def _rejected_at(index: int, detail: str, attribute: str = "email") -> dict[str, Any]:
    """Klaviyo's 400 naming one profile of the request through its error pointer."""
    pointer = f"/data/attributes/profiles/data/{index}/attributes/{attribute}"
    return {"errors": [{"status": 400, "code": "invalid", "detail": detail, "source": {"pointer": pointer}}]}


def test_subscribe_one_refused_profile_does_not_sink_the_others(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}{SUBSCRIBE_PATH}", status=400, json=_rejected_at(1, "Email domain does not exist."))
    mocked.post(f"{BASE}{SUBSCRIBE_PATH}", status=202)
    profiles = [{"email": "ada@example.com"}, {"email": "bob@nowhere.invalid"}, {"email": "cy@example.com"}]

    with pytest.raises(BulkRecordsError) as caught:
        SUBSCRIBE_PROFILES.run(client, {"profiles": profiles, "listId": "Y6nRLr"})

    error = caught.value
    assert error.exit_code == 4 and not isinstance(error, BulkRecordsRetryable)
    assert error.message.startswith("1 of 3 profiles not delivered (1 rejected, 0 retryable); first: #1: HTTP 400")
    assert "Email domain does not exist." in error.message
    out = error.to_json()["error"]["result"]  # what the CLI prints on stderr
    assert {k: out[k] for k in ("requests", "profiles", "delivered", "rejected", "retryable")} == {
        "requests": 2,
        "profiles": 3,
        "delivered": 2,
        "rejected": 1,
        "retryable": 0,
    }
    assert out["records"][0] == {"index": 0, "status": "delivered"}
    assert out["records"][1]["status"] == "rejected" and "Email domain does not exist." in out["records"][1]["reason"]
    assert out["records"][2] == {"index": 2, "status": "delivered"}
    # the request is sent again without the refused profile
    assert _sent_profiles(mocked.calls[1]) == ["ada@example.com", "cy@example.com"]
    assert_request(mocked.calls[1], "POST", SUBSCRIBE_PATH, body=_body(mocked.calls[1]))


def test_unsubscribe_one_refused_profile_does_not_sink_the_others(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}{UNSUBSCRIBE_PATH}", status=400, json=_rejected_at(0, "Invalid email."))
    mocked.post(f"{BASE}{UNSUBSCRIBE_PATH}", status=202)

    with pytest.raises(BulkRecordsError) as caught:
        Profiles(client).unsubscribe([{"email": "gone@example.com"}, {"email": "ada@example.com"}])

    result = caught.value.result
    assert [(r.index, r.status) for r in result.records] == [(0, "rejected"), (1, "delivered")]
    assert (result.requests, result.delivered, result.rejected) == (2, 1, 1)
    assert _sent_profiles(mocked.calls[1]) == ["ada@example.com"]


def test_subscribe_not_taken_for_transient_reasons_is_retryable_exit_5(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    for _ in range(4):  # the first try and the client's three retries
        mocked.post(f"{BASE}{SUBSCRIBE_PATH}", status=503, json={"errors": []})

    with pytest.raises(BulkRecordsRetryable) as caught:
        Profiles(client).subscribe([{"email": "ada@example.com"}])

    assert caught.value.exit_code == 5 and caught.value.retryable
    assert [r.status for r in caught.value.result.records] == ["retryable"]
    assert caught.value.result.requests == 1  # one request, retried by the client


def test_cli_partial_bulk_result_exits_4_with_the_result(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    from conftest import API_KEY

    from connector.shell.cli import main

    monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
    monkeypatch.setenv("KLAVIYO_BASE_URL", BASE)
    mocked.post(f"{BASE}{UNSUBSCRIBE_PATH}", status=400, json=_rejected_at(1, "Invalid phone number.", "phone_number"))
    mocked.post(f"{BASE}{UNSUBSCRIBE_PATH}", status=202)
    profiles = json.dumps([{"email": "ada@example.com"}, {"phone_number": "+15005550006"}])

    code = main(["run", "unsubscribeProfiles", "--input", f"profiles={profiles}"])

    out, err = capsys.readouterr()
    assert code == 4 and out == ""
    error = json.loads(err)["error"]
    assert error["type"] == "BulkRecordsError"
    assert error["result"]["records"][1]["status"] == "rejected"
    assert (error["result"]["delivered"], error["result"]["rejected"]) == (1, 1)


def _emails(n: int) -> list[dict[str, str]]:
    return [{"email": f"p{i}@example.com"} for i in range(n)]


def _body(call: Any) -> Any:
    return json.loads(call.request.body)


def _sent_profiles(call: Any) -> list[str]:
    body = _body(call)
    return [p["attributes"]["email"] for p in body["data"]["attributes"]["profiles"]["data"]]


@pytest.mark.parametrize(("count", "sizes"), [(1000, [1000]), (1001, [1000, 1])])
def test_subscribe_splits_at_1000_profiles(
    client: KlaviyoClient, mocked: responses.RequestsMock, count: int, sizes: list[int]
) -> None:
    mocked.post(f"{BASE}{SUBSCRIBE_PATH}", status=202)

    result = Profiles(client).subscribe(_emails(count), list_id="Y6nRLr")

    assert (result.requests, result.profiles, result.delivered) == (len(sizes), count, count)
    assert [len(_sent_profiles(call)) for call in mocked.calls] == sizes
    assert [e for call in mocked.calls for e in _sent_profiles(call)] == [p["email"] for p in _emails(count)]
    for call in mocked.calls:
        assert _body(call)["data"]["relationships"] == {"list": {"data": {"type": "list", "id": "Y6nRLr"}}}
    from spec_support import check_request

    check_request(mocked.calls[-1].request)


def test_a_failed_later_batch_says_earlier_ones_were_accepted(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}{UNSUBSCRIBE_PATH}", status=202)
    mocked.post(f"{BASE}{UNSUBSCRIBE_PATH}", status=400, json={"errors": [{"detail": "bad"}]})

    with pytest.raises(
        BulkRecordsError, match=r"1 of 101 profiles not delivered \(1 rejected, 0 retryable\)"
    ) as caught:
        Profiles(client).unsubscribe(_emails(101))

    result = caught.value.result
    assert (result.requests, result.delivered, result.rejected) == (2, 100, 1)  # the first 100 were accepted
    assert result.records[100] == RecordResult(100, "rejected", result.records[100].reason)
    assert "bad" in str(result.records[100].reason)


def test_unsubscribe_shorthand_and_list(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}{UNSUBSCRIBE_PATH}", status=202)

    out = UNSUBSCRIBE_PROFILES.run(
        client, {"profiles": '[{"email": "ada@example.com", "phone_number": "+15005550006"}]', "listId": "Y6nRLr"}
    )

    assert out == _delivered(requests=1, profiles=1)
    assert_request(
        mocked.calls[0],
        "POST",
        UNSUBSCRIBE_PATH,
        body={
            "data": {
                "type": "profile-subscription-bulk-delete-job",
                "attributes": {
                    "profiles": {
                        "data": [
                            {
                                "type": "profile",
                                "attributes": {
                                    "email": "ada@example.com",
                                    "phone_number": "+15005550006",
                                    "subscriptions": {
                                        **_consent("email", "UNSUBSCRIBED"),
                                        **_consent("sms", "UNSUBSCRIBED"),
                                    },
                                },
                            }
                        ]
                    }
                },
                "relationships": {"list": {"data": {"type": "list", "id": "Y6nRLr"}}},
            }
        },
    )


def test_unsubscribe_accepts_klaviyo_profiles_value(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}{UNSUBSCRIBE_PATH}", status=202)
    entry = {
        "type": "profile",
        "attributes": {
            "email": "matt-kemp@klaviyo-demo.com",
            "subscriptions": {"email": {"marketing": {"consent": "UNSUBSCRIBED"}}},
        },
    }

    Profiles(client).unsubscribe({"data": [entry]})

    assert_request(
        mocked.calls[0],
        "POST",
        UNSUBSCRIBE_PATH,
        body={"data": {"type": "profile-subscription-bulk-delete-job", "attributes": {"profiles": {"data": [entry]}}}},
    )


@pytest.mark.parametrize(("count", "sizes"), [(100, [100]), (101, [100, 1])])
def test_unsubscribe_splits_at_100_profiles(
    client: KlaviyoClient, mocked: responses.RequestsMock, count: int, sizes: list[int]
) -> None:
    mocked.post(f"{BASE}{UNSUBSCRIBE_PATH}", status=202)

    out = UNSUBSCRIBE_PROFILES.run(client, {"profiles": json.dumps(_emails(count))})

    assert out == _delivered(requests=len(sizes), profiles=count)
    assert [len(_sent_profiles(call)) for call in mocked.calls] == sizes
    assert_request(
        mocked.calls[-1],
        "POST",
        UNSUBSCRIBE_PATH,
        body={
            "data": {
                "type": "profile-subscription-bulk-delete-job",
                "attributes": {
                    "profiles": {
                        "data": [
                            {
                                "type": "profile",
                                "attributes": {"email": e, "subscriptions": _consent("email", "UNSUBSCRIBED")},
                            }
                            for e in _sent_profiles(mocked.calls[-1])
                        ]
                    }
                },
            }
        },
    )


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"profiles": '[{"email": "a@b.co"}, {"email": "x@"}]'}, "profiles[1].email"),
        # the spec's unsubscribe profile has no id: Klaviyo identifies it by email or phone number only
        ({"profiles": [{"id": PROFILE_ID, "email": "a@b.co"}]}, "profiles[0].id: unknown attribute"),
        (
            {"profiles": [{"email": "a@b.co", "subscriptions": {"email": {"marketing": {"consent": "SUBSCRIBED"}}}}]},
            "consent: must be one of UNSUBSCRIBED",
        ),
        (
            {"profiles": [{"email": "a@b.co", "age_gated_date_of_birth": "2000-01-01"}]},
            "profiles[0].age_gated_date_of_birth: unknown attribute",
        ),
        (
            {"profiles": [{"email": "a@b.co", "historicalImport": True}]},
            "profiles[0].historicalImport: unknown attribute",
        ),
    ],
)
def test_unsubscribe_input_errors(client: KlaviyoClient, raw: dict[str, Any], problem: str) -> None:
    error = _no_request(lambda r: UNSUBSCRIBE_PROFILES.run(client, r), raw)
    assert error.label == "Profiles"
    assert problem in str(error)


def test_unsubscribe_has_no_historical_import_input(client: KlaviyoClient) -> None:
    error = _no_request(
        lambda r: UNSUBSCRIBE_PROFILES.run(client, r), {"profiles": '[{"email": "a@b.co"}]', "historicalImport": "x"}
    )
    assert "unknown input(s) historicalImport" in str(error)


# -- data source and catalog contract ------------------------------------------------------------


def test_select_profile_labels_by_email_then_phone_then_id(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE}/api/profiles",
        json={
            "data": [
                {"type": "profile", "id": "p1", "attributes": {"email": "ada@example.com", "phone_number": "+1"}},
                {"type": "profile", "id": "p2", "attributes": {"email": None, "phone_number": "+15005550006"}},
                {"type": "profile", "id": "p3", "attributes": {}},
            ],
            "links": {"self": f"{BASE}/api/profiles", "next": None},
        },
    )

    assert SELECT_PROFILE.run(client, {}) == {
        "result": [
            {"label": "ada@example.com", "key": "p1"},
            {"label": "+15005550006", "key": "p2"},
            {"label": "p3", "key": "p3"},
        ]
    }
    assert_request(
        mocked.calls[0], "GET", "/api/profiles", query={"fields[profile]": "email,phone_number", "page[size]": "100"}
    )


def test_actions_match_the_catalog() -> None:
    """Labels, descriptions, and each catalog input's label, comments and default, exactly."""
    from spec_support import catalog as vendored_catalog

    from actions import profiles

    catalog = {a["label"]: a for a in vendored_catalog()["actions"]}
    expected_keys = {
        "Create Profile": "createProfile",
        "Get Profile": "getProfile",
        "List Profile": "listProfile",
        "Update Profile": "updateProfile",
        "List List Profiles": "listListProfiles",
        "Subscribe Profiles": "subscribeProfiles",
        "Unsubscribe Profiles": "unsubscribeProfiles",
    }
    assert {a.label: a.key for a in profiles.ACTIONS} == expected_keys
    for action in profiles.ACTIONS:
        entry = catalog[action.label]
        assert action.description == entry["description"]
        specs = {s.label: s for s in action.input_specs()}
        for want in entry["inputs"]:
            spec = specs[want["label"]]
            assert spec.comments == want["comments"], (action.label, want["label"])
            assert (spec.default or "") == want["default"], (action.label, want["label"])
