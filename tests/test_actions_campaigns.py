"""Campaigns actions: exact requests (checked against the spec), parsed responses, input errors, the picklist."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import responses
from conftest import BASE, assert_request, spec_reply

from actions.campaigns import (
    CREATE_CAMPAIGN,
    DELETE_CAMPAIGN,
    GET_CAMPAIGN,
    LIST_CAMPAIGNS,
    SELECT_CAMPAIGN,
    UPDATE_CAMPAIGN,
    Campaigns,
)
from connector.client.clock import FakeClock
from connector.client.errors import InputError, ServerError
from connector.client.pipeline import KlaviyoClient

CAMPAIGNS = f"{BASE}/api/campaigns"
EMAIL_DEFINITION = {
    "channel": "email",
    "label": "Spring",
    "content": {"subject": "Spring sale", "preview_text": "20% off", "from_email": "shop@example.com"},
}
EMAIL_MESSAGES = {"data": [{"type": "campaign-message", "attributes": {"definition": EMAIL_DEFINITION}}]}


def check_body_leniently(request: Any, schema_name: str) -> None:
    """A request's JSON body checked by :func:`check_leniently`."""
    check_leniently(json.loads(request.body), schema_name)


def check_leniently(document: Any, schema_name: str) -> None:
    """Validate a document against the spec's named schema, ``oneOf`` read as ``anyOf`` (see relax_one_of)."""
    from openapi_schema_validator import OAS30Validator
    from spec_support import raw_spec, relax_one_of

    schemas = relax_one_of(raw_spec()["components"]["schemas"])
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": schemas}}
    OAS30Validator(root).validate(document)


def _body(call: Any) -> Any:
    assert call.request.body is not None
    return json.loads(call.request.body)


def _no_request(action: Any, client: KlaviyoClient, raw: dict[str, Any]) -> InputError:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        action.run(client, raw)
    assert len(nothing_sent.calls) == 0
    return caught.value


# -- Create Campaign ---------------------------------------------------------------------------


def test_create_campaign_sends_spec_valid_body_and_parses_the_reply(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/campaigns", "post", id="01J0CAMPAIGN")
    mocked.post(CAMPAIGNS, json=reply, status=status)

    created = Campaigns(client).create(
        "Spring sale",
        messages=EMAIL_MESSAGES,
        included=["Y6nRLr"],
        excluded=["UTd5ui"],
        send_strategy={"method": "static", "datetime": "2026-08-01T10:00:00Z", "options": {"is_local": False}},
    )

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/campaigns",
        body={
            "data": {
                "type": "campaign",
                "attributes": {
                    "name": "Spring sale",
                    "audiences": {"included": ["Y6nRLr"], "excluded": ["UTd5ui"]},
                    "send_strategy": {
                        "method": "static",
                        "datetime": "2026-08-01T10:00:00+00:00",
                        "options": {"is_local": False},
                    },
                    "campaign-messages": EMAIL_MESSAGES,
                },
            }
        },
    )
    attributes = created.attributes
    assert created.id == "01J0CAMPAIGN"
    assert attributes.name == reply["data"]["attributes"]["name"]
    assert attributes.status == "Adding Recipients"
    assert attributes.audiences is not None and attributes.audiences.included == ["Y6nRLr"]
    assert attributes.send_strategy is not None and attributes.send_strategy["method"] == "static"
    assert attributes.send_options == {"use_smart_sending": True}
    assert attributes.created_at == dt.datetime(2022, 11, 8, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    "messages",
    [
        json.dumps(EMAIL_MESSAGES),  # the exact attribute value
        json.dumps(EMAIL_MESSAGES["data"]),  # the bare array
        json.dumps([EMAIL_DEFINITION]),  # the shorthand: definitions only
        json.dumps(EMAIL_DEFINITION),  # one definition alone
        json.dumps({"campaign-messages": EMAIL_MESSAGES}),  # pasted with its key
    ],
)
def test_create_campaign_accepts_every_messages_form(
    client: KlaviyoClient, mocked: responses.RequestsMock, messages: str
) -> None:
    status, reply = spec_reply("/api/campaigns", "post")
    mocked.post(CAMPAIGNS, json=reply, status=status)

    out = CREATE_CAMPAIGN.run(
        client, {"campaignName": "Spring", "campaignMessages": messages, "includedAudiences": "Y6nRLr, Xy12Ab"}
    )

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/campaigns",
        body={
            "data": {
                "type": "campaign",
                "attributes": {
                    "name": "Spring",
                    "audiences": {"included": ["Y6nRLr", "Xy12Ab"]},
                    "campaign-messages": EMAIL_MESSAGES,
                },
            }
        },
    )
    assert out == reply


def test_create_campaign_with_every_option_low_code(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/campaigns", "post")
    mocked.post(CAMPAIGNS, json=reply, status=status)
    tracking = {
        "add_tracking_params": True,
        "custom_tracking_params": [
            {"type": "static", "name": "utm_medium", "value": "email"},
            {"type": "dynamic", "name": "utm_campaign", "value": "campaign_name"},
        ],
        "is_tracking_clicks": True,
        "is_tracking_opens": False,
    }
    messages = [
        {
            "type": "campaign-message",
            "attributes": {"definition": {"channel": "sms", "content": {"body": "Hi"}, "render_options": {}}},
            "relationships": {"image": {"data": {"type": "image", "id": "7"}}},
        }
    ]

    CREATE_CAMPAIGN.run(
        client,
        {
            "campaignName": "Texts",
            "campaignMessages": json.dumps(messages),
            "includedAudiences": '["Y6nRLr"]',
            "excludedAudiences": '["UTd5ui"]',
            "trackingOptions": json.dumps(tracking),
            "sendOptions": '{"use_smart_sending": false}',
            "sendStrategy": '{"method": "throttled", "datetime": "2026-08-01T10:00:00", "throttle_percentage": "25"}',
        },
    )

    call = mocked.calls[0]
    attributes = _body(call)["data"]["attributes"]
    assert attributes == {
        "name": "Texts",
        "audiences": {"included": ["Y6nRLr"], "excluded": ["UTd5ui"]},
        "send_strategy": {"method": "throttled", "datetime": "2026-08-01T10:00:00+00:00", "throttle_percentage": 25},
        "send_options": {"use_smart_sending": False},
        "tracking_options": tracking,
        "campaign-messages": {"data": messages},
    }
    # The spec's oneOf for send_options/tracking_options cannot be satisfied exactly (see check_body_leniently).
    assert_request(call, "POST", "/api/campaigns", body=_body(call), spec=False)
    check_body_leniently(call.request, "CampaignCreateQuery")


def test_create_campaign_push_message_is_made_unambiguous(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/campaigns", "post")
    mocked.post(CAMPAIGNS, json=reply, status=status)

    CREATE_CAMPAIGN.run(
        client,
        {
            "campaignName": "Push",
            "campaignMessages": [{"channel": "mobile_push", "content": {"title": "Hey", "body": "Sale"}}],
            "includedAudiences": ["Y6nRLr"],
            "sendStrategy": {"method": "smart_send_time", "date": "2026-08-01"},
        },
    )

    definition = {
        "channel": "mobile_push",
        "content": {"title": "Hey", "body": "Sale"},
        "notification_type": "standard",
    }
    assert_request(
        mocked.calls[0],
        "POST",
        "/api/campaigns",
        body={
            "data": {
                "type": "campaign",
                "attributes": {
                    "name": "Push",
                    "audiences": {"included": ["Y6nRLr"]},
                    "send_strategy": {"method": "smart_send_time", "date": "2026-08-01"},
                    "campaign-messages": {
                        "data": [{"type": "campaign-message", "attributes": {"definition": definition}}]
                    },
                },
            }
        },
    )


def test_create_campaign_is_not_retried_on_server_error(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    mocked.post(CAMPAIGNS, status=503, json={"errors": []})
    with pytest.raises(ServerError):
        Campaigns(client).create("x", messages=[EMAIL_DEFINITION], included=["Y6nRLr"])
    assert len(mocked.calls) == 1 and clock.sleeps == []


_OK = {"campaignName": "x", "campaignMessages": [EMAIL_DEFINITION], "includedAudiences": ["Y6nRLr"]}


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"campaignName": " "}, "Campaign Name", "is required"),
        ({"campaignName": ["x"]}, "Campaign Name", "must be text"),
        ({"campaignMessages": ""}, "Campaign Messages", "is required"),
        ({"campaignMessages": "{nope"}, "Campaign Messages", "is not valid JSON"),
        ({"campaignMessages": "[]"}, "Campaign Messages", "at least one message"),
        ({"campaignMessages": '"hello"'}, "Campaign Messages", "must be"),
        (
            {"campaignMessages": [{"channel": "fax"}]},
            "Campaign Messages",
            "definition.channel: must be one of email, sms, mobile_push (got 'fax')",
        ),
        (
            {"campaignMessages": [{"channel": "email", "content": {"subjet": "x"}}]},
            "Campaign Messages",
            "content.subjet: unknown attribute; allowed: bcc_email, cc_email, from_email",
        ),
        (  # told about the SMS definition it is, not the email one
            {"campaignMessages": [{"channel": "sms", "content": {"bdy": "Hi"}}]},
            "Campaign Messages",
            "data[0].attributes.definition.content.bdy: unknown attribute; allowed: body",
        ),
        (
            {"campaignMessages": [{"channel": "email", "content": {"from_email": "shop"}}]},
            "Campaign Messages",
            "content.from_email: must be an email address",
        ),
        (
            {"campaignMessages": [{"channel": "email", "content": {"subject": 5}}]},
            "Campaign Messages",
            "content.subject: must be text",
        ),
        (
            {"campaignMessages": [{"channel": "mobile_push", "content": {"title": "t"}}]},
            "Campaign Messages",
            "content.body: is required",
        ),
        (
            {"campaignMessages": [{"type": "campaign-message", "attributes": {}}]},
            "Campaign Messages",
            "data[0].attributes.definition: is required",
        ),
        (
            {"campaignMessages": [{"type": "campaign", "attributes": {"definition": EMAIL_DEFINITION}}]},
            "Campaign Messages",
            "data[0].type: must be one of campaign-message (got 'campaign')",
        ),
        (
            {"campaignMessages": [EMAIL_DEFINITION, {"channel": "sms"}]},
            "Campaign Messages",
            "must use the same channel (got email, sms)",
        ),
        ({"includedAudiences": ""}, "Included Audiences", "is required"),
        ({"includedAudiences": "[]"}, "Included Audiences", "at least one list or segment ID"),
        ({"includedAudiences": "Y6nRLr, ../x"}, "Included Audiences", "must be a Klaviyo ID"),
        ({"excludedAudiences": "a b"}, "Excluded Audiences", "must be a Klaviyo ID"),
        ({"trackingOptions": "[]"}, "Tracking Options", "must be a JSON object"),
        ({"trackingOptions": '{"is_tracking_opens": "yes"}'}, "Tracking Options", "must be true or false"),
        (
            {"trackingOptions": '{"track": true}'},
            "Tracking Options",
            "track: unknown attribute; allowed: add_tracking_params",
        ),
        (
            {"trackingOptions": '{"custom_tracking_params": [{"type": "dynamic", "name": "a", "value": "x"}]}'},
            "Tracking Options",
            "custom_tracking_params[0].value: must be one of campaign_id",
        ),
        ({"sendOptions": '{"smart": true}'}, "Send Options", "smart: unknown attribute; allowed: use_smart_sending"),
        (
            {"sendStrategy": '{"method": "later"}'},
            "Send Strategy",
            "method: must be one of static, throttled, immediate, smart_send_time",
        ),
        ({"sendStrategy": '{"method": "static"}'}, "Send Strategy", "datetime: is required"),
        ({"sendStrategy": '{"method": "static", "datetime": "tomorrow"}'}, "Send Strategy", "ISO 8601"),
        (
            {"sendStrategy": '{"method": "throttled", "datetime": "2026-08-01T10:00:00Z", "throttle_percentage": 15}'},
            "Send Strategy",
            "throttle_percentage: must be one of 1, 2, 5",
        ),
        ({"sendStrategy": '{"method": "smart_send_time"}'}, "Send Strategy", "date: is required"),
        (
            {"sendStrategy": '{"method": "smart_send_time", "date": "2026-08-01T10:00:00Z"}'},
            "Send Strategy",
            "date: must be an ISO 8601 date",
        ),
        (
            {"sendStrategy": '{"method": "immediate", "datetime": "x"}'},
            "Send Strategy",
            "datetime: unknown attribute; allowed: method",
        ),
        (
            {"sendStrategy": '{"method": "static", "datetime": "2026-08-01T10:00:00Z", "options": {"is_local": 1}}'},
            "Send Strategy",
            "options.is_local: must be true or false",
        ),
    ],
)
def test_create_campaign_input_errors_name_the_input(
    client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str
) -> None:
    error = _no_request(CREATE_CAMPAIGN, client, {**_OK, **raw})
    assert error.label == label
    assert problem in str(error)


# -- Get Campaign ------------------------------------------------------------------------------


def test_get_campaign_with_fields_and_include(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/campaigns/{id}", "get", id="01J0CAMPAIGN")
    mocked.get(f"{CAMPAIGNS}/01J0CAMPAIGN", json=reply, status=status)

    got = Campaigns(client).get(
        "01J0CAMPAIGN", fields=["name", "audiences.included", "send_strategy"], include=["campaign-messages"]
    )

    assert_request(
        mocked.calls[0],
        "GET",
        "/api/campaigns/01J0CAMPAIGN",
        query={"fields[campaign]": "name,audiences.included,send_strategy", "include": "campaign-messages"},
    )
    assert got.id == "01J0CAMPAIGN"
    assert got.attributes.archived is True
    assert got.attributes.tracking_options is not None
    assert got.attributes.scheduled_at == dt.datetime(2022, 11, 8, tzinfo=dt.timezone.utc)
    assert got.relationships["campaign-messages"]["data"][0]["type"] == "campaign-message"


def test_get_campaign_input_errors(client: KlaviyoClient) -> None:
    assert "is required" in str(_no_request(GET_CAMPAIGN, client, {}))
    error = _no_request(GET_CAMPAIGN, client, {"campaignId": "abc", "fields": "name,nme"})
    assert error.label == "Fields" and "unknown field 'nme'" in str(error)
    error = _no_request(GET_CAMPAIGN, client, {"campaignId": "abc", "include": "profiles"})
    assert error.label == "Include" and "allowed: campaign-messages, tags" in str(error)
    error = _no_request(GET_CAMPAIGN, client, {"campaignId": "a/b"})
    assert error.label == "Campaign ID"


# -- List Campaigns ----------------------------------------------------------------------------


def _page(ids: list[str], next_url: str | None) -> dict[str, Any]:
    return {
        "data": [{"type": "campaign", "id": i, "attributes": {"name": f"campaign {i}"}} for i in ids],
        "links": {"self": CAMPAIGNS, "next": next_url},
    }


def test_list_campaigns_with_a_filter_follows_every_page(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    second = f"{CAMPAIGNS}?page%5Bcursor%5D=abc&filter=equals%28messages.channel%2C%27sms%27%29"
    mocked.get(CAMPAIGNS, json=_page(["a", "b"], second))
    mocked.get(second, json=_page(["c"], None))

    out = LIST_CAMPAIGNS.run(client, {"filterCampaigns": "equals(messages.channel,'sms')", "sort": "-created_at"})

    assert [r["id"] for r in out["data"]] == ["a", "b", "c"]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/campaigns",
        query={"filter": "equals(messages.channel,'sms')", "sort": "-created_at", "page[size]": "100"},
    )
    assert_request(
        mocked.calls[1],
        "GET",
        "/api/campaigns",
        query={"filter": "equals(messages.channel,'sms')", "page[cursor]": "abc"},
    )


@pytest.mark.parametrize("raw", [{}, {"filterCampaigns": ""}, {"filterCampaigns": "  ", "channel": ""}])
def test_list_campaigns_without_filter_or_channel_lists_every_channel(
    client: KlaviyoClient, mocked: responses.RequestsMock, raw: dict[str, Any]
) -> None:
    """The catalog's default filter is SMS only: not given, every channel is listed (one listing each)."""
    second_email = f"{CAMPAIGNS}?page%5Bcursor%5D=e2&filter=equals%28messages.channel%2C%27email%27%29"
    mocked.get(CAMPAIGNS, json=_page(["e1"], second_email))
    mocked.get(second_email, json=_page(["e2"], None))
    mocked.get(CAMPAIGNS, json=_page(["s1"], None))
    mocked.get(CAMPAIGNS, json=_page(["p1"], None))

    out = LIST_CAMPAIGNS.run(client, {**raw, "sort": "name"})

    assert [r["id"] for r in out["data"]] == ["e1", "e2", "s1", "p1"]
    firsts = [c for c in mocked.calls if "page%5Bcursor%5D" not in c.request.url]
    for call, channel in zip(firsts, ("email", "sms", "mobile_push"), strict=True):
        query = {"filter": f"equals(messages.channel,'{channel}')", "sort": "name", "page[size]": "100"}
        assert_request(call, "GET", "/api/campaigns", query=query)
    # the catalog's default stays in the manifest, as what a builder pre-fills
    spec = next(s for s in LIST_CAMPAIGNS.input_specs() if s.key == "filterCampaigns")
    assert spec.default == "equals(messages.channel,'sms')"


def test_list_campaigns_every_channel_stops_at_max_records(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(CAMPAIGNS, json=_page(["e1", "e2"], None))
    mocked.get(CAMPAIGNS, json=_page(["s1", "s2"], None))

    stream = Campaigns(client).list(limit=3)
    assert len(mocked.calls) == 0  # nothing fetched until iterated
    assert [c.id for c in stream] == ["e1", "e2", "s1"]

    assert len(mocked.calls) == 2  # mobile_push was never asked for
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/campaigns",
        query={"filter": "equals(messages.channel,'email')", "page[size]": "3"},
    )
    assert_request(
        mocked.calls[1], "GET", "/api/campaigns", query={"filter": "equals(messages.channel,'sms')", "page[size]": "1"}
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"channel": "email"}, "equals(messages.channel,'email')"),  # replaces the default sms filter
        ({"channel": "EMAIL", "filterCampaigns": "equals(messages.channel,'sms')"}, "equals(messages.channel,'email')"),
        (
            {"channel": "mobile_push", "filterCampaigns": "contains(name,'Spring')"},
            "equals(messages.channel,'mobile_push'),contains(name,'Spring')",
        ),
        (
            {"channel": "email", "filterCampaigns": 'and(equals(messages.channel,"email"),equals(archived,false))'},
            'and(equals(messages.channel,"email"),equals(archived,false))',
        ),
        (
            {"filterCampaigns": "equals(messages.channel,'email'),greater-than(created_at,2026-01-01T00:00:00Z)"},
            "equals(messages.channel,'email'),greater-than(created_at,2026-01-01T00:00:00Z)",
        ),
    ],
)
def test_list_campaigns_channel_builds_the_required_filter(
    client: KlaviyoClient, mocked: responses.RequestsMock, raw: dict[str, Any], expected: str
) -> None:
    mocked.get(CAMPAIGNS, json=_page(["a"], None))
    LIST_CAMPAIGNS.run(client, {**raw, "fields": "name", "maxRecords": "5"})
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/campaigns",
        query={"filter": expected, "fields[campaign]": "name", "page[size]": "5"},
    )


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"filterCampaigns": "contains(name,'Spring')"}, "Filter Campaigns", "must include a channel condition"),
        ({"filterCampaigns": "contains(name,'Spring'"}, "Filter Campaigns", "unclosed quote or bracket"),
        # the registry's filter check, relabelled
        (
            {"filterCampaigns": "equals(messages.channel,'email'),equals(name,'x')"},
            "Filter Campaigns",
            "name takes contains, not equals",
        ),
        ({"filterCampaigns": "equals(messages.channel,'fax')"}, "Filter Campaigns", "must be one of email, sms"),
        (
            {"filterCampaigns": "equals(messages.channel,'email')", "channel": "sms"},
            "Filter Campaigns",
            "contradicts Channel",
        ),
        ({"channel": "fax"}, "Channel", "must be one of email, sms, mobile_push"),
        ({"pageSize": "101"}, "Page Size", "at most 100"),
        ({"sort": "status"}, "Sort", "must be one of"),
        ({"maxRecords": "0"}, "Max Records", "1 or more"),
    ],
)
def test_list_campaigns_input_errors(client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        list(LIST_CAMPAIGNS.run(client, raw)["data"])
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert len(nothing_sent.calls) == 0


def test_list_campaigns_python_streams_models(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/campaigns", "get")
    mocked.get(CAMPAIGNS, json=reply, status=status)
    stream = Campaigns(client).list(channel="email", limit=1)
    assert len(mocked.calls) == 0  # nothing fetched until iterated
    campaigns = list(stream)
    assert [c.attributes.status for c in campaigns] == ["Adding Recipients"]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/campaigns",
        query={"filter": "equals(messages.channel,'email')", "page[size]": "1"},
    )


# -- Update Campaign ---------------------------------------------------------------------------


def test_update_campaign_sends_only_what_was_given(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/campaigns/{id}", "patch", id="01J0CAMPAIGN")
    mocked.patch(f"{CAMPAIGNS}/01J0CAMPAIGN", json=reply, status=status)

    updated = Campaigns(client).update(
        "01J0CAMPAIGN", name="Renamed", included=["Y6nRLr"], send_strategy={"method": "immediate"}
    )

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/campaigns/01J0CAMPAIGN",
        body={
            "data": {
                "type": "campaign",
                "id": "01J0CAMPAIGN",
                "attributes": {
                    "name": "Renamed",
                    "audiences": {"included": ["Y6nRLr"]},
                    "send_strategy": {"method": "immediate"},
                },
            }
        },
    )
    assert updated.id == "01J0CAMPAIGN"
    assert updated.attributes.audiences is not None and updated.attributes.audiences.excluded == ["UTd5ui"]


def test_update_campaign_options_low_code(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/campaigns/{id}", "patch")
    mocked.patch(f"{CAMPAIGNS}/abc", json=reply, status=status)

    UPDATE_CAMPAIGN.run(
        client,
        {
            "campaignId": "abc",
            "excludedAudiences": "UTd5ui",
            "sendOptions": '{"send_options": {"use_smart_sending": true}}',
            "trackingOptions": '{"is_tracking_clicks": false}',
        },
    )

    call = mocked.calls[0]
    expected = {
        "data": {
            "type": "campaign",
            "id": "abc",
            "attributes": {
                "audiences": {"excluded": ["UTd5ui"]},
                "send_options": {"use_smart_sending": True},
                "tracking_options": {"is_tracking_clicks": False},
            },
        }
    }
    assert_request(call, "PATCH", "/api/campaigns/abc", body=expected, spec=False)
    check_body_leniently(call.request, "CampaignPartialUpdateQuery")


def test_update_campaign_is_retried_after_server_error_because_marked_safe(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    status, reply = spec_reply("/api/campaigns/{id}", "patch")
    mocked.patch(f"{CAMPAIGNS}/abc", status=503, json={"errors": []})
    mocked.patch(f"{CAMPAIGNS}/abc", json=reply, status=status)
    UPDATE_CAMPAIGN.run(client, {"campaignId": "abc", "campaignName": "x"})
    assert len(mocked.calls) == 2 and clock.sleeps == [0.5]


def test_update_campaign_input_errors(client: KlaviyoClient) -> None:
    error = _no_request(UPDATE_CAMPAIGN, client, {"campaignId": "abc"})
    assert error.label is None and "nothing to update" in str(error)
    error = _no_request(UPDATE_CAMPAIGN, client, {"campaignId": "abc", "campaignName": {"a": 1}})
    assert error.label == "Campaign Name" and "must be text" in str(error)
    error = _no_request(UPDATE_CAMPAIGN, client, {"campaignId": "abc", "sendStrategy": '{"method": "throttled"}'})
    assert error.label == "Send Strategy" and "datetime: is required" in str(error)
    error = _no_request(UPDATE_CAMPAIGN, client, {"campaignId": "abc", "campaignMessages": "[]"})
    assert "unknown input(s) campaignMessages" in str(error)  # messages are not updatable here


# -- Delete Campaign ---------------------------------------------------------------------------


def test_delete_campaign(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.delete(f"{CAMPAIGNS}/abc", status=204)
    mocked.delete(f"{CAMPAIGNS}/def", status=204)
    assert DELETE_CAMPAIGN.run(client, {"campaignId": "abc"}) == {"data": None}
    Campaigns(client).delete("def")
    assert_request(mocked.calls[0], "DELETE", "/api/campaigns/abc")
    assert_request(mocked.calls[1], "DELETE", "/api/campaigns/def")


def test_delete_campaign_requires_an_id(client: KlaviyoClient) -> None:
    error = _no_request(DELETE_CAMPAIGN, client, {"campaignId": ""})
    assert error.label == "Campaign ID" and "is required" in str(error)


# -- data source -------------------------------------------------------------------------------


def test_select_campaign_merges_every_channel(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(CAMPAIGNS, json=_page(["e1"], None))
    mocked.get(CAMPAIGNS, json=_page(["s1", "s2"], None))
    mocked.get(CAMPAIGNS, json=_page([], None))

    out = SELECT_CAMPAIGN.run(client, {})

    assert out == {
        "result": [
            {"label": "campaign e1 (email)", "key": "e1"},
            {"label": "campaign s1 (sms)", "key": "s1"},
            {"label": "campaign s2 (sms)", "key": "s2"},
        ]
    }
    # Max Options (default 100) caps the total: each channel asks for what is still missing.
    sizes = ("100", "99", "97")
    for call, channel, size in zip(mocked.calls, ("email", "sms", "mobile_push"), sizes, strict=True):
        assert_request(
            call,
            "GET",
            "/api/campaigns",
            query={
                "fields[campaign]": "name",
                "filter": f"equals(messages.channel,'{channel}')",
                "page[size]": size,
            },
        )


def test_select_campaign_for_one_channel(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(CAMPAIGNS, json=_page(["p1"], None))
    assert SELECT_CAMPAIGN.run(client, {"channel": "mobile_push"}) == {
        "result": [{"label": "campaign p1 (mobile_push)", "key": "p1"}]
    }
    assert len(mocked.calls) == 1


def test_spec_samples_used_here_are_themselves_valid_responses() -> None:
    """Guards the helper: the parse tests mean something only if the samples match the spec's schemas.

    Checked leniently: the response schemas carry the same unsatisfiable oneOf as the request bodies.
    """
    from spec_support import operation

    for path, method in (
        ("/api/campaigns", "post"),
        ("/api/campaigns", "get"),
        ("/api/campaigns/{id}", "get"),
        ("/api/campaigns/{id}", "patch"),
    ):
        status, body = spec_reply(path, method)
        ref = operation(path, method)["responses"][str(status)]["content"]["application/vnd.api+json"]["schema"]
        check_leniently(body, ref["$ref"].rsplit("/", 1)[-1])


def test_reachable_from_the_klaviyo_facade(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    from connector.shell.facade import Klaviyo

    mocked.get(CAMPAIGNS, json=_page(["a"], None))
    assert [c.id for c in Klaviyo(client=client).campaigns.list(channel="sms")] == ["a"]
