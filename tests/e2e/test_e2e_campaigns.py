"""Campaigns through the CLI: create (with messages), get, list by channel, update and delete."""

from __future__ import annotations

from typing import Any

import pytest

from connector.sandbox import Sandbox

from .conftest import Cli, ok, seed

pytestmark = pytest.mark.e2e


def _stored(sb: Sandbox, campaign_id: str) -> dict[str, Any] | None:
    return next((c for c in sb.state.campaigns() if c["id"] == campaign_id), None)


def _messages_of(sb: Sandbox, campaign_id: str) -> list[dict[str, Any]]:
    return [m for m in sb.state.campaign_messages() if m["campaign_id"] == campaign_id]


@pytest.fixture(scope="module")
def audiences(sb: Sandbox) -> dict[str, str]:
    """Two lists and a segment to send to (seeded directly: they are not under test here)."""
    ids = {
        name: seed(sb, "list", "/api/lists", {"name": f"E2E Audience {name}"}) for name in ("customers", "unsubscribed")
    }
    groups = [
        {"conditions": [{"type": "profile-group-membership", "is_member": True, "group_ids": [ids["customers"]]}]}
    ]
    ids["vip"] = seed(
        sb, "segment", "/api/segments", {"name": "E2E Audience VIP", "definition": {"condition_groups": groups}}
    )
    return ids


def _email_campaign(cli: Cli, audiences: dict[str, str], name: str, **extra: Any) -> str:
    inputs = {
        "campaignName": name,
        "campaignMessages": [{"channel": "email", "label": name, "content": {"subject": f"{name}!"}}],
        "includedAudiences": [audiences["customers"]],
        **extra,
    }
    campaign_id: str = ok(cli("createCampaign", inputs))["data"]["id"]
    return campaign_id


def test_email_campaign_lifecycle(cli: Cli, sb: Sandbox, audiences: dict[str, str]) -> None:
    created = ok(
        cli(
            "createCampaign",
            {
                "campaignName": "E2E Spring Sale",
                "campaignMessages": {
                    "data": [
                        {
                            "type": "campaign-message",
                            "attributes": {
                                "definition": {
                                    "channel": "email",
                                    "label": "Spring A",
                                    "content": {
                                        "subject": "Spring sale",
                                        "preview_text": "20% off",
                                        "from_email": "shop@example.com",
                                        "from_label": "Shop",
                                    },
                                }
                            },
                        }
                    ]
                },
                "includedAudiences": [audiences["customers"], audiences["vip"]],
                "excludedAudiences": audiences["unsubscribed"],
                "trackingOptions": {"is_tracking_opens": False, "is_tracking_clicks": True},
                "sendOptions": {"use_smart_sending": False},
                "sendStrategy": {
                    "method": "static",
                    "datetime": "2026-12-01T09:00:00Z",
                    "options": {"is_local": False},
                },
            },
        )
    )
    campaign_id = created["data"]["id"]
    stored = _stored(sb, campaign_id)
    assert stored is not None
    assert stored["name"] == "E2E Spring Sale"
    assert stored["status"] == "Draft"
    assert stored["channel"] == "email"
    assert stored["audiences"] == {
        "included": [audiences["customers"], audiences["vip"]],
        "excluded": [audiences["unsubscribed"]],
    }
    assert stored["send_options"] == {"use_smart_sending": False}
    assert stored["tracking_options"]["is_tracking_opens"] is False
    assert stored["send_strategy"]["method"] == "static"
    assert stored["send_strategy"]["datetime"].startswith("2026-12-01T09:00:00")
    [message] = _messages_of(sb, campaign_id)
    assert stored["message_ids"] == [message["id"]]
    assert message["definition"]["label"] == "Spring A"
    assert message["definition"]["content"]["subject"] == "Spring sale"
    assert message["definition"]["content"]["from_email"] == "shop@example.com"

    r_got, r_sparse = cli.many(
        [
            ("getCampaign", {"campaignId": campaign_id, "include": ["campaign-messages"]}),
            ("getCampaign", {"campaignId": campaign_id, "fields": "name,audiences.included"}),
        ]
    )
    got = ok(r_got)
    assert got["data"]["attributes"]["name"] == "E2E Spring Sale"
    assert [m["id"] for m in got["included"]] == [message["id"]]
    sparse = ok(r_sparse)
    assert sparse["data"]["attributes"] == {
        "name": "E2E Spring Sale",
        "audiences": {"included": [audiences["customers"], audiences["vip"]]},
    }

    # both audience lists given: both replaced
    updated = ok(
        cli(
            "updateCampaign",
            {
                "campaignId": campaign_id,
                "campaignName": "E2E Summer Sale",
                "includedAudiences": [audiences["vip"]],
                "excludedAudiences": [audiences["customers"]],
                "sendOptions": {"send_options": {"use_smart_sending": True}},
                "trackingOptions": {"is_tracking_opens": True},
                "sendStrategy": {
                    "method": "throttled",
                    "datetime": "2026-12-02T09:00:00Z",
                    "throttle_percentage": "20",
                },
            },
        )
    )
    assert updated["data"]["attributes"]["name"] == "E2E Summer Sale"
    stored = _stored(sb, campaign_id)
    assert stored is not None
    assert stored["name"] == "E2E Summer Sale"
    assert stored["audiences"] == {"included": [audiences["vip"]], "excluded": [audiences["customers"]]}
    assert stored["send_options"] == {"use_smart_sending": True}
    assert stored["tracking_options"]["is_tracking_opens"] is True
    assert stored["tracking_options"]["is_tracking_clicks"] is True  # not given, kept
    assert stored["send_strategy"]["method"] == "throttled"
    assert stored["send_strategy"]["throttle_percentage"] == 20

    # only the name: everything else stays
    ok(cli("updateCampaign", {"campaignId": campaign_id, "campaignName": "E2E Autumn Sale"}))
    renamed = _stored(sb, campaign_id)
    assert renamed is not None
    assert renamed["name"] == "E2E Autumn Sale"
    assert renamed["audiences"] == stored["audiences"]
    assert renamed["send_strategy"] == stored["send_strategy"]

    assert ok(cli("deleteCampaign", {"campaignId": campaign_id})) == {"data": None}
    assert _stored(sb, campaign_id) is None
    assert _messages_of(sb, campaign_id) == []  # its messages went with it
    gone = cli("getCampaign", {"campaignId": campaign_id})
    assert gone.code == 4
    assert gone.err["error"]["status"] == 404


def test_list_campaigns_by_channel(cli: Cli, sb: Sandbox, audiences: dict[str, str]) -> None:
    email_ids = {_email_campaign(cli, audiences, f"E2E List Email {i}") for i in range(3)}
    sms = ok(
        cli(
            "createCampaign",
            {
                "campaignName": "E2E List SMS",
                "campaignMessages": [{"channel": "sms", "content": {"body": "Sale today"}}],
                "includedAudiences": [audiences["customers"]],
            },
        )
    )["data"]["id"]
    push = ok(
        cli(
            "createCampaign",
            {
                "campaignName": "E2E List Push",
                "campaignMessages": {"channel": "mobile_push", "content": {"title": "Hi", "body": "Sale"}},
                "includedAudiences": [audiences["vip"]],
            },
        )
    )["data"]["id"]
    [push_message] = _messages_of(sb, push)
    assert push_message["definition"]["notification_type"] == "standard"

    def channel_ids(channel: str) -> set[str]:
        return {c["id"] for c in sb.state.campaigns() if c["channel"] == channel}

    r_emails, r_default, r_pushes, r_named = cli.many(
        [
            ("listCampaigns", {"channel": "email", "sort": "name", "pageSize": 2}),
            ("listCampaigns", {}),
            ("listCampaigns", {"filterCampaigns": "equals(messages.channel,'mobile_push')", "fields": "name"}),
            ("listCampaigns", {"channel": "email", "filterCampaigns": "contains(name,'Email 1')"}),
        ]
    )
    emails = ok(r_emails)["data"]
    assert {c["id"] for c in emails} == channel_ids("email")
    assert email_ids <= channel_ids("email")
    assert [c["attributes"]["name"] for c in emails] == sorted(c["attributes"]["name"] for c in emails)

    # no filter and no channel: every channel (the catalog's SMS-only default is a builder pre-fill)
    default = ok(r_default)["data"]
    assert channel_ids("sms") == {sms}
    channel_of = {c["id"]: c["channel"] for c in sb.state.campaigns()}
    listed_channels = [channel_of[c["id"]] for c in default]  # one listing per channel, in this order
    assert listed_channels == sorted(listed_channels, key=("email", "sms", "mobile_push").index)
    assert {c["id"] for c in default} == {c["id"] for c in sb.state.campaigns()}
    only_sms = ok(cli("listCampaigns", {"filterCampaigns": "equals(messages.channel,'sms')"}))["data"]
    assert [c["id"] for c in only_sms] == [sms]

    pushes = ok(r_pushes)
    assert [(c["id"], c["attributes"]) for c in pushes["data"]] == [(push, {"name": "E2E List Push"})]

    named = ok(r_named)["data"]
    assert [c["attributes"]["name"] for c in named] == ["E2E List Email 1"]

    assert len(ok(cli("listCampaigns", {"channel": "email", "maxRecords": 1}))["data"]) == 1


def test_campaign_input_errors_send_nothing(
    cli: Cli, sb: Sandbox, audiences: dict[str, str], http_log: list[tuple[str, str]]
) -> None:
    before = (sb.state.campaigns(), sb.state.campaign_messages())
    email = [{"channel": "email", "content": {"subject": "Hi"}}]
    sent = len(http_log)
    cases: tuple[Any, ...] = (
        ("createCampaign", {"campaignName": "No audience", "campaignMessages": email}),
        ("createCampaign", {"campaignName": "No messages", "campaignMessages": [], "includedAudiences": "Abc123"}),
        (
            "createCampaign",
            {
                "campaignName": "Mixed",
                "campaignMessages": [*email, {"channel": "sms", "content": {"body": "x"}}],
                "includedAudiences": "Abc123",
            },
        ),
        (
            "createCampaign",
            {
                "campaignName": "Bad strategy",
                "campaignMessages": email,
                "includedAudiences": "Abc123",
                "sendStrategy": {"method": "throttled", "datetime": "2026-12-01T00:00:00Z", "throttle_percentage": 3},
            },
        ),
        ("updateCampaign", {"campaignId": "Abc123"}),  # nothing to update
        ("listCampaigns", {"filterCampaigns": "contains(name,'x')"}),  # no channel
        ("listCampaigns", {"channel": "sms", "filterCampaigns": "equals(messages.channel,'email')"}),
        ("listCampaigns", {"channel": "fax"}),
    )
    for case, result in zip(cases, cli.many(cases), strict=True):
        assert result.code == 2, (case, result)
        assert result.err["error"]["type"] == "InputError"
    assert len(http_log) == sent
    assert (sb.state.campaigns(), sb.state.campaign_messages()) == before


def test_campaign_api_errors(cli: Cli, sb: Sandbox, audiences: dict[str, str]) -> None:
    before = sb.state.campaigns()
    unknown_audience = cli(
        "createCampaign",
        {
            "campaignName": "E2E Nowhere",
            "campaignMessages": [{"channel": "email", "content": {"subject": "Hi"}}],
            "includedAudiences": ["NoList"],
        },
    )
    assert unknown_audience.code == 4
    assert unknown_audience.err["error"]["status"] == 400
    assert unknown_audience.err["error"]["errors"][0]["pointer"] == "/data/attributes/audiences/included/0"
    missing = cli("deleteCampaign", {"campaignId": "NoCampaign1"})
    assert missing.code == 4
    assert missing.err["error"]["status"] == 404
    assert sb.state.campaigns() == before


def test_update_only_excluded_audiences_keeps_included(cli: Cli, sb: Sandbox, audiences: dict[str, str]) -> None:
    campaign_id = _email_campaign(cli, audiences, "E2E Exclude Only")
    ok(cli("updateCampaign", {"campaignId": campaign_id, "excludedAudiences": [audiences["unsubscribed"]]}))
    stored = _stored(sb, campaign_id)
    assert stored is not None
    assert stored["audiences"] == {"included": [audiences["customers"]], "excluded": [audiences["unsubscribed"]]}


def test_update_only_included_audiences_keeps_excluded(cli: Cli, sb: Sandbox, audiences: dict[str, str]) -> None:
    campaign_id = _email_campaign(cli, audiences, "E2E Include Only", excludedAudiences=[audiences["unsubscribed"]])
    ok(cli("updateCampaign", {"campaignId": campaign_id, "includedAudiences": [audiences["vip"]]}))
    stored = _stored(sb, campaign_id)
    assert stored is not None
    assert stored["audiences"] == {"included": [audiences["vip"]], "excluded": [audiences["unsubscribed"]]}
