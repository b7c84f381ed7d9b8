"""Profiles through the CLI: create/get/list/update, list members, and (un)subscribe, checked in the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from connector.sandbox import Sandbox

from .conftest import Cli, ok, seed, wait_until

pytestmark = pytest.mark.e2e


def _email_consent(sb: Sandbox, profile_id: str) -> dict[str, Any]:
    marketing: dict[str, Any] = sb.state.subscriptions(profile_id)["email"]["marketing"]
    return marketing


def _by_email(sb: Sandbox, email: str) -> dict[str, Any] | None:
    return next((p for p in sb.state.profiles() if p.get("email") == email), None)


def _members(sb: Sandbox, list_id: str) -> set[str]:
    return {m["profile_id"] for m in sb.state.list_members(list_id)}


def test_create_get_update_profile(cli: Cli, sb: Sandbox) -> None:
    created = ok(
        cli(
            "createProfile",
            {
                "email": "ada@example.com",
                "phoneNumber": "+1 500 555 0006",
                "externalId": "crm-ada-1",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "organization": "Analytical Engines",
                "title": "Countess",
                "image": "https://example.com/ada.png",
                "location": {"city": "London", "country": "United Kingdom", "zip": 12345},
                "properties": {"pseudonym": "A.A.L.", "engines": 2},
            },
        )
    )
    profile_id = created["data"]["id"]
    stored = sb.state.profile(profile_id)
    assert stored is not None
    assert stored["email"] == "ada@example.com"
    assert stored["phone_number"] == "+15005550006"
    assert stored["external_id"] == "crm-ada-1"
    assert (stored["first_name"], stored["last_name"]) == ("Ada", "Lovelace")
    assert stored["organization"] == "Analytical Engines"
    assert stored["title"] == "Countess"
    assert stored["image"] == "https://example.com/ada.png"
    assert stored["location"]["city"] == "London"
    assert stored["location"]["zip"] == "12345"
    assert stored["properties"] == {"pseudonym": "A.A.L.", "engines": 2}

    r_got, r_sparse = cli.many(
        [
            ("getProfile", {"profileId": profile_id, "additionalProfileFields": "subscriptions"}),
            ("getProfile", {"profileId": profile_id, "fields": ["email", "first_name"]}),
        ]
    )
    got = ok(r_got)
    assert got["data"]["id"] == profile_id
    assert got["data"]["attributes"]["email"] == "ada@example.com"
    assert got["data"]["attributes"]["subscriptions"]["email"]["marketing"]["consent"] == "NEVER_SUBSCRIBED"
    sparse = ok(r_sparse)
    assert sparse["data"]["attributes"] == {"email": "ada@example.com", "first_name": "Ada"}

    updated = ok(
        cli(
            "updateProfile",
            {"profileId": profile_id, "firstName": "Augusta", "title": "Mathematician", "properties": {"engines": 3}},
        )
    )
    assert updated["data"]["attributes"]["first_name"] == "Augusta"
    stored = sb.state.profile(profile_id)
    assert stored is not None
    assert stored["first_name"] == "Augusta"
    assert stored["title"] == "Mathematician"
    # attributes not given are left as they were
    assert stored["last_name"] == "Lovelace"
    assert stored["email"] == "ada@example.com"
    assert stored["properties"]["engines"] == 3
    assert stored["properties"]["pseudonym"] == "A.A.L."


def test_duplicate_profile_is_a_409_with_the_existing_id(cli: Cli, sb: Sandbox) -> None:
    first = ok(cli("createProfile", {"email": "dup@example.com"}))["data"]["id"]
    count = len(sb.state.profiles())
    result = cli("createProfile", {"email": "dup@example.com", "firstName": "Again"})
    assert result.code == 4
    error = result.err["error"]
    assert error["type"] == "ConflictError"
    assert error["status"] == 409
    assert error["errors"][0]["code"] == "duplicate_profile"
    assert error["errors"][0]["meta"]["duplicate_profile_id"] == first
    assert len(sb.state.profiles()) == count
    stored = sb.state.profile(first)
    assert stored is not None
    assert stored["first_name"] is None

    # updating another profile to an email that is taken is refused the same way
    other = ok(cli("createProfile", {"email": "other@example.com"}))["data"]["id"]
    clash = cli("updateProfile", {"profileId": other, "email": "dup@example.com"})
    assert clash.code == 4
    assert clash.err["error"]["status"] == 409
    stored = sb.state.profile(other)
    assert stored is not None
    assert stored["email"] == "other@example.com"


def test_list_profile_filter_sort_and_limit(cli: Cli, sb: Sandbox) -> None:
    emails = [f"lister{i}@example.com" for i in range(5)]
    for email in emails:
        seed(sb, "profile", "/api/profiles", {"email": email})
    any_email = f"any(email,{emails!r})".replace("'", '"')
    everyone, one, some = (
        ok(result)["data"]
        for result in cli.many(
            [
                ("listProfile", {"sort": "email", "pageSize": 2}),
                ("listProfile", {"filter": 'equals(email,"lister3@example.com")', "fields": ["email"]}),
                ("listProfile", {"filter": any_email, "maxRecords": 3}),
            ]
        )
    )
    assert [p["id"] for p in everyone] == [p["id"] for p in sorted(sb.state.profiles(), key=lambda p: p["email"])]

    stored = _by_email(sb, "lister3@example.com")
    assert stored is not None
    assert [p["id"] for p in one] == [stored["id"]]
    assert one[0]["attributes"] == {"email": "lister3@example.com"}

    assert len(some) == 3
    assert {p["attributes"]["email"] for p in some} <= set(emails)


def test_subscribe_list_members_and_unsubscribe(cli: Cli, sb: Sandbox) -> None:
    list_id = ok(cli("createList", {"listName": "E2E Subscribers", "optInProcess": "single_opt_in"}))["data"]["id"]
    existing = ok(cli("createProfile", {"email": "existing@example.com"}))["data"]["id"]
    count = len(sb.state.profiles())

    submitted = ok(
        cli(
            "subscribeProfiles",
            {
                "profiles": [
                    {"email": "existing@example.com"},
                    {"email": "new.sub@example.com", "phone_number": "+15005550007"},
                ],
                "listId": list_id,
                "customSource": "E2E Signup",
            },
        )
    )
    assert submitted == {
        "data": None,
        "requests": 1,
        "profiles": 2,
        "delivered": 2,
        "rejected": 0,
        "retryable": 0,
        "records": [{"index": 0, "status": "delivered"}, {"index": 1, "status": "delivered"}],
    }
    wait_until(lambda: len(_members(sb, list_id)) == 2)
    new = _by_email(sb, "new.sub@example.com")
    assert new is not None
    assert len(sb.state.profiles()) == count + 1  # the existing profile was matched by email, not duplicated
    assert _members(sb, list_id) == {existing, new["id"]}
    for profile_id in (existing, new["id"]):
        consent = _email_consent(sb, profile_id)
        assert consent["consent"] == "SUBSCRIBED"
        assert consent["can_receive_email_marketing"] is True
        assert consent["method_detail"] == "E2E Signup"
    assert sb.state.subscriptions(new["id"])["sms"]["marketing"]["consent"] == "SUBSCRIBED"
    job = sb.state.jobs("profile-subscription-bulk-create-job")[-1]
    assert job["list_id"] == list_id
    assert set(job["profile_ids"]) == {existing, new["id"]}

    inputs = {"listId": list_id, "sort": "joined_group_at", "fields": "email,joined_group_at"}
    r_members, r_only_new = cli.many(
        [
            ("listListProfiles", inputs),
            ("listListProfiles", {"listId": list_id, "filter": 'equals(email,"new.sub@example.com")'}),
        ]
    )
    members = ok(r_members)
    assert {m["id"] for m in members["data"]} == {existing, new["id"]}
    assert all(m["attributes"]["joined_group_at"] for m in members["data"])
    only_new = ok(r_only_new)
    assert [m["id"] for m in only_new["data"]] == [new["id"]]

    # Unsubscribing with the list removes a member from that list only (a list suppression) ...
    ok(cli("unsubscribeProfiles", {"profiles": [{"email": "existing@example.com"}], "listId": list_id}))
    wait_until(lambda: _members(sb, list_id) == {new["id"]})
    suppressions = _email_consent(sb, existing)["list_suppressions"]
    assert [s["list_id"] for s in suppressions] == [list_id]
    # ... and without a list, the channel consent itself becomes UNSUBSCRIBED.
    ok(cli("unsubscribeProfiles", {"profiles": [{"email": "new.sub@example.com", "phone_number": "+15005550007"}]}))
    wait_until(lambda: _email_consent(sb, new["id"])["consent"] == "UNSUBSCRIBED")
    assert _email_consent(sb, new["id"])["can_receive_email_marketing"] is False
    assert sb.state.subscriptions(new["id"])["sms"]["marketing"]["consent"] == "UNSUBSCRIBED"
    assert [job["type"] for job in sb.state.jobs("profile-subscription-bulk-delete-job")] == [
        "profile-subscription-bulk-delete-job"
    ] * 2


def test_subscribe_to_double_opt_in_list_and_historical_import(cli: Cli, sb: Sandbox) -> None:
    double = ok(cli("createList", {"listName": "E2E Double", "optInProcess": "double_opt_in"}))["data"]["id"]
    ok(cli("subscribeProfiles", {"profiles": {"data": [{"email": "double@example.com"}]}, "listId": double}))
    profile = wait_until(lambda: _by_email(sb, "double@example.com"))
    assert _email_consent(sb, profile["id"])["double_optin"] is True

    past = "2024-03-01T12:00:00+00:00"
    ok(
        cli(
            "subscribeProfiles",
            {"profiles": [{"email": "history@example.com", "consented_at": past}], "historicalImport": True},
        )
    )
    profile = wait_until(lambda: _by_email(sb, "history@example.com"))
    consent = _email_consent(sb, profile["id"])
    assert consent["consent"] == "SUBSCRIBED"
    assert consent["consent_timestamp"].startswith("2024-03-01T12:00:00")


def test_one_refused_profile_is_reported_and_the_others_go_through(cli: Cli, sb: Sandbox) -> None:
    """Klaviyo refuses one profile of the request: the CLI exits 4 with every profile's outcome on stderr."""
    list_id = ok(cli("createList", {"listName": "E2E Partial", "optInProcess": "single_opt_in"}))["data"]["id"]
    profiles = [
        {"email": "partial1@example.com"},
        {"id": "01NOSUCHPROFILE000000000000", "email": "ghost@example.com"},  # no such profile id
        {"email": "partial2@example.com"},
    ]

    result = cli("subscribeProfiles", {"profiles": profiles, "listId": list_id})

    assert result.code == 4
    error = result.err["error"]
    assert error["type"] == "BulkRecordsError"
    assert error["message"].startswith("1 of 3 profiles not delivered (1 rejected, 0 retryable)")
    outcome = error["result"]
    assert [(r["index"], r["status"]) for r in outcome["records"]] == [
        (0, "delivered"),
        (1, "rejected"),
        (2, "delivered"),
    ]
    assert "does not exist" in outcome["records"][1]["reason"]
    assert (outcome["requests"], outcome["delivered"], outcome["rejected"]) == (2, 2, 1)
    wait_until(lambda: len(_members(sb, list_id)) == 2)
    for email in ("partial1@example.com", "partial2@example.com"):
        profile = _by_email(sb, email)
        assert profile is not None
        assert _email_consent(sb, profile["id"])["consent"] == "SUBSCRIBED"
    assert _by_email(sb, "ghost@example.com") is None

    # Unsubscribing: an email consent for a profile given by phone only is Klaviyo's to refuse, alone.
    gone = cli(
        "unsubscribeProfiles",
        {
            "profiles": [
                {"email": "partial1@example.com"},
                {
                    "phone_number": "+15005550011",
                    "subscriptions": {"email": {"marketing": {"consent": "UNSUBSCRIBED"}}},
                },
            ]
        },
    )
    assert gone.code == 4
    assert [r["status"] for r in gone.err["error"]["result"]["records"]] == ["delivered", "rejected"]
    first = _by_email(sb, "partial1@example.com")
    assert first is not None
    wait_until(lambda: _email_consent(sb, first["id"])["consent"] == "UNSUBSCRIBED")


def test_update_profile_clears_an_attribute_given_as_null(cli: Cli, sb: Sandbox) -> None:
    profile_id = ok(cli("createProfile", {"email": "clear@example.com", "title": "Countess", "firstName": "Ada"}))[
        "data"
    ]["id"]
    ok(cli("updateProfile", {"profileId": profile_id, "title": None, "firstName": ""}))
    stored = sb.state.profile(profile_id)
    assert stored is not None
    assert stored["title"] is None  # null cleared it
    assert stored["first_name"] == "Ada"  # empty left it as it was


def test_profile_input_errors_send_nothing(cli: Cli, sb: Sandbox, http_log: list[tuple[str, str]]) -> None:
    before = sb.state.profiles()
    sent = len(http_log)
    cases: tuple[Any, ...] = (
        ("createProfile", {"firstName": "Nobody"}),  # no identifier
        ("createProfile", {"email": "not-an-email"}),
        ("createProfile", {"email": "ok@example.com", "location": {"planet": "Mars"}}),  # the registry's check
        ("subscribeProfiles", {"profiles": [{"type": "profile", "attributes": {"emial": "a@example.com"}}]}),
        ("updateProfile", {"profileId": "x y", "firstName": "A"}),
        ("subscribeProfiles", {"profiles": []}),
        ("subscribeProfiles", {"profiles": [{"email": "a@example.com", "consented_at": "2024-01-01T00:00:00Z"}]}),
        ("subscribeProfiles", {"profiles": [{"email": "a@example.com"}], "historicalImport": True}),
        ("unsubscribeProfiles", {"profiles": [{"id": "01ABC", "email": "a@example.com"}]}),
        ("listProfile", {"pageSize": 101}),
        ("listListProfiles", {}),
    )
    for case, result in zip(cases, cli.many(cases), strict=True):
        assert result.code == 2, (case, result)
        assert result.err["error"]["type"] == "InputError"
    assert len(http_log) == sent
    assert sb.state.profiles() == before


def test_unknown_profile_and_list_are_404(cli: Cli, sb: Sandbox) -> None:
    before = sb.state.profiles()
    cases: tuple[Any, ...] = (
        ("getProfile", {"profileId": "01NOSUCHPROFILE"}),
        ("updateProfile", {"profileId": "01NOSUCHPROFILE", "firstName": "Ghost"}),
        ("listListProfiles", {"listId": "NoList"}),
    )
    for case, result in zip(cases, cli.many(cases), strict=True):
        assert result.code == 4, (case, result)
        assert result.err["error"]["status"] == 404
    assert sb.state.profiles() == before
