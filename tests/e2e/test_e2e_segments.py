"""Segments through the CLI: create/get/list/update/delete, with the sandbox's stored definition checked."""

from __future__ import annotations

from typing import Any

import pytest

from connector.sandbox import Sandbox

from .conftest import Cli, ok, seed, wait_until

pytestmark = pytest.mark.e2e


def _stored(sb: Sandbox, segment_id: str) -> dict[str, Any] | None:
    return next((s for s in sb.state.segments() if s["id"] == segment_id), None)


def _membership(list_id: str) -> list[dict[str, Any]]:
    return [{"conditions": [{"type": "profile-group-membership", "is_member": True, "group_ids": [list_id]}]}]


def test_segment_lifecycle(cli: Cli, sb: Sandbox) -> None:
    list_id = ok(cli("createList", {"listName": "E2E Segment Source"}))["data"]["id"]
    ok(
        cli(
            "subscribeProfiles",
            {"profiles": [{"email": "seg1@example.com"}, {"email": "seg2@example.com"}], "listId": list_id},
        )
    )
    wait_until(lambda: len(sb.state.list_members(list_id)) == 2)

    created = ok(
        cli(
            "createSegment",
            {"segmentName": "E2E Members", "segmentConditionGroups": _membership(list_id), "isStarredSegment": True},
        )
    )
    segment_id = created["data"]["id"]
    stored = _stored(sb, segment_id)
    assert stored is not None
    assert stored["name"] == "E2E Members"
    assert stored["is_starred"] is True
    assert stored["definition"] == {"condition_groups": _membership(list_id)}

    r_got, r_sparse = cli.many(
        [
            ("getSegment", {"segmentId": segment_id, "includeProfileCount": True}),
            ("getSegment", {"segmentId": segment_id, "fields": ["definition.condition_groups", "name"]}),
        ]
    )
    got = ok(r_got)
    assert got["data"]["attributes"]["profile_count"] == 2  # evaluated against the list's members
    assert got["data"]["attributes"]["definition"] == stored["definition"]
    sparse = ok(r_sparse)
    assert set(sparse["data"]["attributes"]) == {"definition", "name"}

    # the definition object form and the single-group shorthand are accepted too
    region = {"type": "profile-region", "in_region": True, "region": "european_union"}
    updated = ok(
        cli(
            "updateSegment",
            {
                "segmentId": segment_id,
                "segmentName": "E2E EU",
                "segmentConditionGroups": {"condition_groups": [{"conditions": [region]}]},
                "isStarredSegment": False,
            },
        )
    )
    assert updated["data"]["attributes"]["name"] == "E2E EU"
    stored = _stored(sb, segment_id)
    assert stored is not None
    assert stored["name"] == "E2E EU"
    assert stored["is_starred"] is False
    assert stored["definition"] == {"condition_groups": [{"conditions": [region]}]}

    # deactivating must be the only change: sent alone, it sticks; reactivating brings it back
    ok(cli("updateSegment", {"segmentId": segment_id, "isActive": False}))
    stored = _stored(sb, segment_id)
    assert stored is not None
    assert stored["is_active"] is False
    ok(cli("updateSegment", {"segmentId": segment_id, "isActive": True, "segmentName": "E2E EU Active"}))
    stored = _stored(sb, segment_id)
    assert stored is not None
    assert (stored["is_active"], stored["name"]) == (True, "E2E EU Active")

    assert ok(cli("deleteSegment", {"segmentId": segment_id})) == {"data": None}
    assert _stored(sb, segment_id) is None
    gone = cli("getSegment", {"segmentId": segment_id})
    assert gone.code == 4
    assert gone.err["error"]["status"] == 404


def test_list_segments(cli: Cli, sb: Sandbox) -> None:
    groups = [{"conditions": [{"type": "profile-region", "in_region": False, "region": "united_states"}]}]
    for i in range(11):  # more than one page of 10
        seed(sb, "segment", "/api/segments", {"name": f"E2E Seg {i:02d}", "definition": {"condition_groups": groups}})
    ok(
        cli(
            "createSegment",
            {"segmentName": "E2E Starred", "segmentConditionGroups": groups, "isStarredSegment": "true"},
        )
    )

    r_listed, r_starred, r_limited = cli.many(
        [
            ("listSegments", {"sort": "name", "fields": "name"}),
            ("listSegments", {"filter": "equals(is_starred,true)"}),
            ("listSegments", {"sort": "-name", "maxRecords": 2}),
        ]
    )
    listed = ok(r_listed)["data"]
    assert [s["attributes"]["name"] for s in listed] == sorted(s["name"] for s in sb.state.segments())
    assert {s["id"] for s in listed} == {s["id"] for s in sb.state.segments()}

    starred = ok(r_starred)["data"]
    assert [s["attributes"]["name"] for s in starred] == [s["name"] for s in sb.state.segments() if s["is_starred"]]

    limited = ok(r_limited)["data"]
    assert len(limited) == 2


def test_segment_input_errors_send_nothing(cli: Cli, sb: Sandbox, http_log: list[tuple[str, str]]) -> None:
    groups = [{"conditions": [{"type": "profile-region", "in_region": True, "region": "european_union"}]}]
    before = sb.state.segments()
    sent = len(http_log)
    cases: tuple[Any, ...] = (
        ("createSegment", {"segmentName": "No groups", "segmentConditionGroups": []}),
        ("createSegment", {"segmentName": "Empty", "segmentConditionGroups": [{"conditions": []}]}),
        (
            "createSegment",
            {"segmentName": "Typo", "segmentConditionGroups": [{"conditions": [{"type": "profile_property"}]}]},
        ),
        ("createSegment", {"segmentConditionGroups": groups}),
        (
            "createSegment",
            {
                "segmentName": "Colour",
                "segmentConditionGroups": [{"conditions": [{**groups[0]["conditions"][0], "colour": 1}]}],
            },
        ),
        (
            "updateSegment",
            {"segmentId": "Abc123", "segmentConditionGroups": {"condition_groups": groups, "match": "any"}},
        ),
        ("updateSegment", {"segmentId": "Abc123"}),  # nothing to update
        ("updateSegment", {"segmentId": "Abc123", "isActive": False, "segmentName": "Both"}),
        ("listSegments", {"pageSize": 11}),
    )
    results = cli.many(cases)
    for case, result in zip(cases, results, strict=True):
        assert result.code == 2, (case, result)
        assert result.err["error"]["type"] == "InputError"
    assert results[4].err["error"]["input"] == results[5].err["error"]["input"] == "segmentConditionGroups"
    assert "colour: unknown attribute" in results[4].err["error"]["message"]
    assert len(http_log) == sent
    assert sb.state.segments() == before

    missing = cli("updateSegment", {"segmentId": "NoSeg1", "segmentName": "Ghost"})
    assert missing.code == 4
    assert missing.err["error"]["status"] == 404
    assert sb.state.segments() == before
