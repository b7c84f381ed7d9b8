"""Segments actions: exact requests (checked against the spec), parsed responses, input errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from conftest import BASE, assert_request, spec_reply

from actions.segments import (
    CREATE_SEGMENT,
    DELETE_SEGMENT,
    GET_SEGMENT,
    LIST_SEGMENTS,
    SELECT_SEGMENT,
    UPDATE_SEGMENT,
    Segments,
)
from connector.client.errors import InputError, ServerError
from connector.client.pipeline import KlaviyoClient

MEMBERS = {"type": "profile-group-membership", "is_member": True, "group_ids": ["Y6nRLr"]}
REGION = {"type": "profile-region", "in_region": True, "region": "european_union"}
GROUPS = [{"conditions": [MEMBERS]}, {"conditions": [REGION]}]


def test_create_segment_sends_spec_valid_body_and_parses_the_reply(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/segments", "post", id="Sg1234")
    mocked.post(f"{BASE}/api/segments", json=reply, status=status)

    created = Segments(client).create("VIPs", GROUPS, starred=True)

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/segments",
        body={
            "data": {
                "type": "segment",
                "attributes": {"name": "VIPs", "definition": {"condition_groups": GROUPS}, "is_starred": True},
            }
        },
    )
    attributes = reply["data"]["attributes"]
    assert created.id == "Sg1234"
    assert created.attributes.name == attributes["name"]
    assert created.attributes.is_active is attributes["is_active"]
    assert created.attributes.is_processing is attributes["is_processing"]
    assert created.attributes.created is not None
    assert created.attributes.created.isoformat() == attributes["created"]
    assert created.attributes.definition == attributes["definition"]
    assert created.raw == reply["data"]


@pytest.mark.parametrize(
    "groups",
    [
        json.dumps(GROUPS),  # the condition_groups array as it sits in Klaviyo's body
        json.dumps({"condition_groups": GROUPS}),  # the whole definition object
        {"condition_groups": GROUPS},
    ],
)
def test_create_segment_low_code_accepts_array_or_definition_and_leaves_starred_to_klaviyo(
    client: KlaviyoClient, mocked: responses.RequestsMock, groups: Any
) -> None:
    """Is Starred Segment left empty is not sent: its catalog default "false" is a builder's pre-fill (Klaviyo's
    own default is unstarred too), as no catalog default is written to Klaviyo at run time."""
    status, reply = spec_reply("/api/segments", "post")
    mocked.post(f"{BASE}/api/segments", json=reply, status=status)

    out = CREATE_SEGMENT.run(client, {"segmentName": " VIPs ", "segmentConditionGroups": groups})

    assert out == reply
    assert_request(
        mocked.calls[0],
        "POST",
        "/api/segments",
        body={
            "data": {
                "type": "segment",
                "attributes": {"name": "VIPs", "definition": {"condition_groups": GROUPS}},
            }
        },
    )
    starred = next(s for s in CREATE_SEGMENT.input_specs() if s.key == "isStarredSegment")
    assert starred.default == "false"  # still in the manifest, for builder UIs to pre-fill


def test_create_segment_accepts_a_single_group_shorthand(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/segments", "post")
    mocked.post(f"{BASE}/api/segments", json=reply, status=status)

    CREATE_SEGMENT.run(client, {"segmentName": "EU", "segmentConditionGroups": {"conditions": [REGION]}})

    body = json.loads(mocked.calls[0].request.body or "")
    assert body["data"]["attributes"]["definition"] == {"condition_groups": [{"conditions": [REGION]}]}


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"segmentConditionGroups": GROUPS}, "Segment Name", "is required"),
        ({"segmentName": "  ", "segmentConditionGroups": GROUPS}, "Segment Name", "is required"),
        ({"segmentName": "VIPs"}, "Segment Condition Groups", "is required"),
        ({"segmentName": "VIPs", "segmentConditionGroups": "[{"}, "Segment Condition Groups", "is not valid JSON"),
        ({"segmentName": "VIPs", "segmentConditionGroups": "[]"}, "Segment Condition Groups", "at least one"),
        (
            {"segmentName": "VIPs", "segmentConditionGroups": '"x"'},
            "Segment Condition Groups",
            "condition_groups: must be an array",
        ),
        (
            {"segmentName": "VIPs", "segmentConditionGroups": "[1]"},
            "Segment Condition Groups",
            "condition_groups[0]: must be an object",
        ),
        (
            {"segmentName": "VIPs", "segmentConditionGroups": [{"conditions": [MEMBERS]}, {"conditions": []}]},
            "Segment Condition Groups",
            'condition group 2 needs a non-empty "conditions" array',
        ),
        (
            {"segmentName": "VIPs", "segmentConditionGroups": [{"condition": [MEMBERS]}]},
            "Segment Condition Groups",
            "condition_groups[0].condition: unknown attribute; allowed: conditions",
        ),
        (
            {"segmentName": "VIPs", "segmentConditionGroups": [{"conditions": ["x"]}]},
            "Segment Condition Groups",
            "condition_groups[0].conditions[0]: must be an object",
        ),
        (
            {"segmentName": "VIPs", "segmentConditionGroups": [{"conditions": [{**REGION, "type": "profile_region"}]}]},
            "Segment Condition Groups",
            "condition_groups[0].conditions[0].type: must be one of profile-group-membership, ",
        ),
        (
            {"segmentName": "VIPs", "segmentConditionGroups": {"groups": GROUPS}},
            "Segment Condition Groups",
            "must be the condition_groups array",
        ),
        (
            {"segmentName": "VIPs", "segmentConditionGroups": GROUPS, "isStarredSegment": "maybe"},
            "Is Starred Segment",
            "must be true or false",
        ),
    ],
)
def test_create_segment_input_errors_name_the_input(
    client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str
) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        CREATE_SEGMENT.run(client, raw)
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"{label}: ")
    assert len(nothing_sent.calls) == 0


@pytest.mark.parametrize(
    ("groups", "problem"),
    [
        (
            [{"conditions": [{**REGION, "colour": "red"}]}],
            "condition_groups[0].conditions[0].colour: unknown attribute; allowed: in_region, region, type",
        ),
        ({"condition_groups": GROUPS, "match": "all"}, "match: unknown attribute; allowed: condition_groups"),
        ([{"conditions": [REGION], "operator": "or"}], "condition_groups[0].operator: unknown attribute"),
        (
            [{"conditions": [{**REGION, "region": "mars"}]}],
            "condition_groups[0].conditions[0].region: must be one of european_union, united_states (got 'mars')",
        ),
        ([{"conditions": [{**MEMBERS, "group_ids": "Y6nRLr"}]}], "conditions[0].group_ids: must be an array"),
    ],
)
def test_condition_groups_are_checked_against_the_spec_before_sending(
    client: KlaviyoClient, groups: Any, problem: str
) -> None:
    """The registry's SegmentDefinition schema checks every group and condition; the error names the input."""
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        CREATE_SEGMENT.run(client, {"segmentName": "VIPs", "segmentConditionGroups": groups})
    assert caught.value.label == "Segment Condition Groups"
    assert caught.value.key == "segmentConditionGroups"
    assert str(caught.value) == f"Segment Condition Groups: {caught.value.problem}"
    assert problem in caught.value.problem
    assert len(nothing_sent.calls) == 0


def test_create_segment_is_not_retried_after_a_server_error(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/segments", status=503, json={"errors": []})
    with pytest.raises(ServerError):
        CREATE_SEGMENT.run(client, {"segmentName": "VIPs", "segmentConditionGroups": GROUPS})
    assert len(mocked.calls) == 1


def test_get_segment_with_fields_and_profile_count(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/segments/{id}", "get", id="Sg1234")
    reply["data"]["attributes"]["profile_count"] = 42  # only sent when asked for, so not in the base schema
    mocked.get(f"{BASE}/api/segments/Sg1234", json=reply, status=status)

    got = Segments(client).get("Sg1234", fields=["name", "profile_count"], profile_count=True)

    assert_request(
        mocked.calls[0],
        "GET",
        "/api/segments/Sg1234",
        query={"fields[segment]": "name,profile_count", "additional-fields[segment]": "profile_count"},
    )
    assert got.id == "Sg1234"
    assert got.attributes.profile_count == 42
    assert got.attributes.name == reply["data"]["attributes"]["name"]
    assert got.attributes.is_starred is reply["data"]["attributes"]["is_starred"]


def test_get_segment_input_errors(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as nothing_sent:
        with pytest.raises(InputError, match="Segment ID: is required"):
            GET_SEGMENT.run(client, {})
        with pytest.raises(InputError, match="Segment ID: must be a Klaviyo ID"):
            GET_SEGMENT.run(client, {"segmentId": "a/b"})
        with pytest.raises(InputError, match="Fields: unknown field 'nam'"):
            GET_SEGMENT.run(client, {"segmentId": "Sg1234", "fields": "nam"})
        assert len(nothing_sent.calls) == 0


def _page(ids: list[str], next_url: str | None) -> dict[str, Any]:
    return {
        "data": [{"type": "segment", "id": i, "attributes": {"name": f"segment {i}"}} for i in ids],
        "links": {"self": f"{BASE}/api/segments", "next": next_url},
    }


def test_list_segments_follows_every_page(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    second = f"{BASE}/api/segments?page%5Bcursor%5D=abc&page%5Bsize%5D=10&fields%5Bsegment%5D=name"
    mocked.get(f"{BASE}/api/segments", json=_page(["a", "b"], second))
    mocked.get(second, json=_page(["c"], None))

    out = LIST_SEGMENTS.run(client, {"fields": "name", "sort": "-updated", "filter": "equals(is_starred,true)"})

    assert [r["id"] for r in out["data"]] == ["a", "b", "c"]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/segments",
        query={"fields[segment]": "name", "sort": "-updated", "filter": "equals(is_starred,true)", "page[size]": "10"},
    )
    assert_request(
        mocked.calls[1],
        "GET",
        "/api/segments",
        query={"fields[segment]": "name", "page[cursor]": "abc", "page[size]": "10"},
    )


def test_list_segments_python_streams_models_up_to_limit(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/segments", json=_page(["a", "b", "c"], f"{BASE}/api/segments?page%5Bcursor%5D=n"))

    stream = Segments(client).list(limit=3)
    assert len(mocked.calls) == 0  # nothing fetched until iterated

    assert [s.attributes.name for s in stream] == ["segment a", "segment b", "segment c"]
    assert_request(mocked.calls[0], "GET", "/api/segments", query={"page[size]": "3"})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"pageSize": "11"}, "Page Size: must be at most 10"),
        ({"sort": "profile_count"}, "Sort: must be one of"),
        ({"fields": "profile_count"}, "Fields: unknown field 'profile_count'"),
    ],
)
def test_list_segments_input_errors(client: KlaviyoClient, raw: dict[str, Any], message: str) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match=message):
        LIST_SEGMENTS.run(client, raw)
    assert len(nothing_sent.calls) == 0


def test_update_segment_repeats_id_and_sends_only_given_attributes(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/segments/{id}", "patch", id="Sg1234")
    mocked.patch(f"{BASE}/api/segments/Sg1234", json=reply, status=status)

    updated = Segments(client).update("Sg1234", name="VIP+", condition_groups={"condition_groups": GROUPS})

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/segments/Sg1234",
        body={
            "data": {
                "type": "segment",
                "id": "Sg1234",
                "attributes": {"name": "VIP+", "definition": {"condition_groups": GROUPS}},
            }
        },
    )
    assert updated.id == "Sg1234"
    assert updated.attributes.name == reply["data"]["attributes"]["name"]


def test_update_segment_low_code_changes_only_what_was_given(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/segments/{id}", "patch", id="Sg1234")
    mocked.patch(f"{BASE}/api/segments/Sg1234", json=reply, status=status)

    UPDATE_SEGMENT.run(
        client,
        {"segmentId": "Sg1234", "segmentName": "", "segmentConditionGroups": "", "isStarredSegment": "true"},
    )

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/segments/Sg1234",
        body={"data": {"type": "segment", "id": "Sg1234", "attributes": {"is_starred": True}}},
    )


def test_update_segment_null_clears_a_nullable_attribute(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    """JSON null (from --inputs) is sent as null, which the spec allows for update_segment's attributes."""
    from connector.framework.inputs import NULL

    status, reply = spec_reply("/api/segments/{id}", "patch", id="Sg1234")
    mocked.patch(f"{BASE}/api/segments/Sg1234", json=reply, status=status)
    mocked.patch(f"{BASE}/api/segments/Sg1234", json=reply, status=status)

    UPDATE_SEGMENT.run(client, {"segmentId": "Sg1234", "isStarredSegment": None, "segmentName": "VIP+"})
    Segments(client).update("Sg1234", starred=NULL)

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/segments/Sg1234",
        body={"data": {"type": "segment", "id": "Sg1234", "attributes": {"name": "VIP+", "is_starred": None}}},
    )
    assert_request(
        mocked.calls[1],
        "PATCH",
        "/api/segments/Sg1234",
        body={"data": {"type": "segment", "id": "Sg1234", "attributes": {"is_starred": None}}},
    )


def test_update_segment_deactivates_with_is_active_alone(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/segments/{id}", "patch", id="Sg1234")
    mocked.patch(f"{BASE}/api/segments/Sg1234", json=reply, status=status)

    out = UPDATE_SEGMENT.run(client, {"segmentId": "Sg1234", "isActive": "false", "isStarredSegment": ""})

    assert out == reply
    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/segments/Sg1234",
        body={"data": {"type": "segment", "id": "Sg1234", "attributes": {"is_active": False}}},
    )


def test_update_segment_reactivation_may_come_with_other_changes(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/segments/{id}", "patch", id="Sg1234")
    mocked.patch(f"{BASE}/api/segments/Sg1234", json=reply, status=status)

    Segments(client).update("Sg1234", active=True, starred=False)

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/segments/Sg1234",
        body={"data": {"type": "segment", "id": "Sg1234", "attributes": {"is_starred": False, "is_active": True}}},
    )


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        (
            {"segmentId": "Sg1234", "isActive": "false", "segmentName": "x"},
            "Is Active",
            "to be the only change; leave Segment Name empty",
        ),
        (
            {"segmentId": "Sg1234", "isActive": False, "isStarredSegment": "true", "segmentConditionGroups": GROUPS},
            "Is Active",
            "leave Segment Condition Groups, Is Starred Segment empty",
        ),
        ({"segmentId": "Sg1234"}, None, "nothing to update: give at least one of Segment Name"),
        ({"segmentId": "Sg1234", "segmentConditionGroups": "[]"}, "Segment Condition Groups", "at least one"),
        ({"segmentId": "Sg1234", "isActive": "nope"}, "Is Active", "must be true or false"),
        ({"segmentName": "x"}, "Segment ID", "is required"),
    ],
)
def test_update_segment_input_errors_name_the_input(
    client: KlaviyoClient, raw: dict[str, Any], label: str | None, problem: str
) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        UPDATE_SEGMENT.run(client, raw)
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert len(nothing_sent.calls) == 0


def test_update_segment_python_deactivate_with_other_changes_is_refused(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match="Is Active: false deactivates"):
        Segments(client).update("Sg1234", active=False, name="x")
    assert len(nothing_sent.calls) == 0


def test_update_segment_is_retried_after_server_error_because_marked_safe(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    status, reply = spec_reply("/api/segments/{id}", "patch", id="Sg1234")
    mocked.patch(f"{BASE}/api/segments/Sg1234", status=503, json={"errors": []})
    mocked.patch(f"{BASE}/api/segments/Sg1234", json=reply, status=status)

    UPDATE_SEGMENT.run(client, {"segmentId": "Sg1234", "segmentName": "x"})

    assert len(mocked.calls) == 2
    assert clock.sleeps == [0.5]


def test_delete_segment(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.delete(f"{BASE}/api/segments/Sg1234", status=204)

    assert DELETE_SEGMENT.run(client, {"segmentId": "Sg1234"}) == {"data": None}
    assert_request(mocked.calls[0], "DELETE", "/api/segments/Sg1234")


def test_delete_segment_python_returns_none(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.delete(f"{BASE}/api/segments/Sg1234", status=204)
    Segments(client).delete("Sg1234")
    assert_request(mocked.calls[0], "DELETE", "/api/segments/Sg1234")


def test_delete_segment_rejects_bad_id_before_sending(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match="Segment ID: must be a Klaviyo ID"):
        DELETE_SEGMENT.run(client, {"segmentId": "../lists/x"})
    assert len(nothing_sent.calls) == 0


def test_select_segment_data_source_returns_label_key_pairs(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/segments", json=_page(["a", "b"], None))

    assert SELECT_SEGMENT.run(client, {}) == {
        "result": [{"label": "segment a", "key": "a"}, {"label": "segment b", "key": "b"}]
    }
    assert_request(mocked.calls[0], "GET", "/api/segments", query={"fields[segment]": "name", "page[size]": "10"})
