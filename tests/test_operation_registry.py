"""The operation registry is generated from the vendored spec, current, complete, and checks calls before they go."""

from __future__ import annotations

import collections
from typing import Any

import pytest
from spec_support import raw_spec

from connector.client.errors import InputError
from connector.client.json_depth import MAX_JSON_DEPTH
from connector.klaviyo.operations import build, find, operation, operation_ids, tier_of
from connector.klaviyo.operations.generate import retry_safety, stale_files, tier
from connector.klaviyo.operations.registry import groups

#: Klaviyo's 2026-07-15 spec, by group (the issue "Every Klaviyo operation as an action" lists the same counts).
GROUP_COUNTS = {
    "catalogs": 55, "custom_objects": 39, "profiles": 38, "campaigns": 26, "tags": 26, "metrics": 24, "flows": 21,
    "coupons": 17, "lists": 13, "templates": 12, "client": 12, "segments": 11, "forms": 9, "events": 8,
    "reporting": 7, "webhooks": 7, "images": 5, "web_feeds": 5, "reviews": 3, "tracking_settings": 3,
    "accounts": 2, "conversations": 1, "data_privacy": 1,
}  # fmt: skip


def _spec_operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    out = {}
    for path, item in raw_spec()["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "patch", "put", "delete"):
                out[op["operationId"]] = (method.upper(), path, op)
    return out


def test_the_committed_registry_is_what_the_spec_generates() -> None:
    assert stale_files() == [], "run `python -m connector.klaviyo.operations.generate` and commit the result"


def test_every_operation_of_the_spec_is_in_the_registry_with_its_method_path_and_tier() -> None:
    spec = _spec_operations()
    assert len(spec) == 345
    assert operation_ids() == list(spec)
    for op_id, (method, path, raw) in spec.items():
        op = operation(op_id)
        assert (op.method, op.path) == (method, path)
        limits = tier(raw["x-klaviyo-ratelimit"])
        expected = (limits["burst"], limits["steady"], limits.get("daily", 0))
        assert (op.tier.burst, op.tier.steady, op.tier.daily) == expected
        assert tier_of(op_id) == op.tier
        assert find(method, path.replace("{id}", "AbC123").replace("{job_id}", "J1")) == op, op_id


def test_groups_match_the_spec_tags() -> None:
    counts = {slug: len(ids) for slug, ids in groups().items()}
    assert counts == GROUP_COUNTS


def test_query_tables_come_from_the_spec() -> None:
    profiles = operation("get_profiles").query
    assert profiles.page_size_max == 100 and profiles.cursor == "page[cursor]"
    assert "subscriptions.email.marketing.consent" in profiles.fields["profile"]
    assert profiles.additional_fields["profile"] == ("subscriptions", "predictive_analytics")
    assert set(profiles.filters or {}) >= {"email", "phone_number", "external_id", "_kx", "created", "updated"}
    assert (profiles.filters or {})["created"].operators == frozenset({"greater-than", "less-than"})
    assert profiles.sort is not None and "created" in profiles.sort and "-created" not in profiles.sort
    assert operation("get_lists").query.page_size_max == 10
    assert operation("get_events").query.page_size_max == 1000
    assert operation("get_metrics").query.page_size_max is None
    assert operation("get_campaigns").query.filter_required
    assert [p.name for p in operation("get_client_reviews").query.other] == ["company_id"]


def test_body_tables_come_from_the_spec() -> None:
    body = operation("create_profile").body
    assert body is not None and (body.shape, body.type, body.id) == ("object", "profile", "none")
    assert body.attributes is not None and "favourite_colour" not in body.attributes["properties"]
    update = operation("update_profile").body
    assert update is not None and update.id == "required" and update.meta is not None
    relation = operation("add_profiles_to_list").body
    assert relation is not None and (relation.shape, relation.type) == ("array", "profile")
    upload = operation("upload_image_from_file").body
    assert upload is not None and upload.shape == "form"
    assert operation("get_list").response_type == "list" and not operation("get_list").returns_many
    assert operation("get_lists").returns_many


def test_reduced_tiers_for_expensive_parameters() -> None:
    get_list = operation("get_list")
    assert get_list.tier_for({}) == get_list.tier
    assert (get_list.tier_for({"additional-fields[list]": "profile_count"}).burst, get_list.tier.burst) == (1, 75)


@pytest.mark.parametrize(
    ("method", "path", "op_id", "expected"),
    [
        ("GET", "/api/lists", "get_lists", "always"),
        ("PATCH", "/api/lists/{id}", "update_list", "always"),
        ("DELETE", "/api/lists/{id}", "delete_list", "always"),
        ("POST", "/api/lists", "create_list", "never"),
        ("POST", "/api/lists/{id}/relationships/profiles", "add_profiles_to_list", "always"),
        ("POST", "/api/metric-aggregates", "query_metric_aggregates", "always"),
        ("POST", "/api/profile-import", "create_or_update_profile", "always"),
        ("POST", "/api/profile-bulk-import-jobs", "bulk_import_profiles", "always"),
        ("POST", "/api/profile-subscription-bulk-create-jobs", "bulk_subscribe_profiles", "always"),
        ("POST", "/api/events", "create_event", "unique_id"),
        ("POST", "/api/event-bulk-create-jobs", "bulk_create_events", "unique_id"),
        ("POST", "/api/coupon-codes", "create_coupon_code", "never"),
    ],
)
def test_retry_safety(method: str, path: str, op_id: str, expected: str) -> None:
    assert retry_safety(method, path, op_id) == expected
    assert operation(op_id).retry == expected


def test_retry_safety_counts_are_sensible() -> None:
    counts = collections.Counter(operation(i).retry for i in operation_ids())
    assert counts["unique_id"] == 4
    assert all(operation(i).retry == "always" for i in operation_ids() if operation(i).method == "GET")


# -- calls are checked before they are sent -------------------------------------------------------


def _profile(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "profile", "attributes": attributes}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_profile(email="a@b.co", favourite_colour="red"), "data.attributes.favourite_colour: unknown attribute"),
        (_profile(email=7), "data.attributes.email: must be text, got 7"),
        (_profile(location={"city": "X", "planet": "Mars"}), "data.attributes.location.planet: unknown attribute"),
        (_profile(location={"latitude": True}), "data.attributes.location.latitude: must be"),
        ({"data": {"type": "list", "attributes": {}}}, "data.type: must be 'profile'"),
        ({"data": {"type": "profile"}}, "data.attributes: is required"),
        ({"data": {"type": "profile", "attributes": {}, "id": "x"}}, "data.id: not part of create_profile"),
        ({"profile": {}}, 'data: the body must be a JSON object {"data": ...}'),
        ("not json", "data: the body must be"),
    ],
)
def test_a_body_that_breaks_the_schema_is_an_input_error_naming_where(body: Any, message: str) -> None:
    with pytest.raises(InputError) as caught:
        build("create_profile", body=body)
    assert message in str(caught.value)


def test_enums_required_attributes_and_nesting_are_checked() -> None:
    with pytest.raises(InputError, match="opt_in_process: must be one of double_opt_in, single_opt_in"):
        build("create_list", body={"data": {"type": "list", "attributes": {"name": "X", "opt_in_process": "x"}}})
    with pytest.raises(InputError, match=r"data\.attributes\.name: is required"):
        build("create_list", body={"data": {"type": "list", "attributes": {}}})
    def nested(levels: int) -> Any:
        deep: Any = {}
        for _ in range(levels - 1):
            deep = {"x": deep}
        return deep

    # One limit (client.json_depth): a part's custom properties may nest to it, counted from the part checked.
    build("create_profile", body=_profile(email="a@b.co", properties=nested(MAX_JSON_DEPTH - 2)))
    with pytest.raises(InputError, match=rf"^data\.attributes: is nested more than {MAX_JSON_DEPTH} levels deep"):
        build("create_profile", body=_profile(email="a@b.co", properties=nested(200)))


def _segment(*conditions: Any) -> dict[str, Any]:
    definition = {"condition_groups": [{"conditions": list(conditions)}]}
    return {"data": {"type": "segment", "attributes": {"name": "S", "definition": definition}}}


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            {"type": "profile_region", "in_region": True, "region": "european_union"},
            "conditions[0].type: must be one of profile-group-membership, profile-metric, ",
        ),
        (
            {"type": "profile-region", "in_region": True, "region": "mars"},
            "conditions[0].region: must be one of european_union, united_states (got 'mars')",
        ),
        (
            {"type": "profile-group-membership", "is_member": True, "group_ids": ["L1"], "colour": "red"},
            "conditions[0].colour: unknown attribute; allowed: group_ids, is_member, timeframe_filter, type",
        ),
    ],
)
def test_one_of_branches_of_the_given_kind_explain_the_problem(condition: dict[str, Any], message: str) -> None:
    """A segment condition is oneOf 15 schemas told apart by ``type``: the error is about the value's own kind."""
    with pytest.raises(InputError) as caught:
        build("create_segment", body=_segment(condition))
    assert message in str(caught.value)
    build("create_segment", body=_segment({"type": "profile-region", "in_region": True, "region": "united_states"}))
def _campaign(**attributes: Any) -> dict[str, Any]:
    definition = {"channel": "email"}
    base = {
        "name": "x",
        "audiences": {"included": ["Y6nRLr"]},
        "campaign-messages": {"data": [{"type": "campaign-message", "attributes": {"definition": definition}}]},
    }
    return {"data": {"type": "campaign", "attributes": {**base, **attributes}}}


def _messages(definition: dict[str, Any]) -> dict[str, Any]:
    return {"data": [{"type": "campaign-message", "attributes": {"definition": definition}}]}


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        # the branch the discriminator names is the one reported, not the one with the longest path
        (
            {"send_strategy": {"method": "static", "datetime": "tomorrow"}},
            "send_strategy.datetime: must be an ISO 8601 date-time",
        ),
        (
            {"campaign-messages": _messages({"channel": "sms", "content": {"bdy": "x"}})},
            "definition.content.bdy: unknown attribute; allowed: body",
        ),
        # a discriminator that names no branch: its allowed values
        (
            {"send_strategy": {"method": "later"}},
            "send_strategy.method: must be one of static, throttled, immediate, smart_send_time (got 'later')",
        ),
        (
            {"campaign-messages": _messages({"channel": "fax"})},
            "definition.channel: must be one of email, sms, mobile_push (got 'fax')",
        ),
        (
            {"campaign-messages": _messages({"channel": "mobile_push", "notification_type": "loud"})},
            "definition.notification_type: must be one of standard, silent (got 'loud')",
        ),
        # a discriminator of the wrong type: the type error says more than a list of values
        (
            {"send_strategy": {"method": "static", "datetime": "2026-08-01T10:00:00Z", "options": {"is_local": 1}}},
            "send_strategy.options.is_local: must be true or false, got 1",
        ),
    ],
)
def test_one_of_reports_the_branch_the_value_names(attributes: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as caught:
        build("create_campaign", body=_campaign(**attributes))
    assert message in str(caught.value)


def test_a_good_body_passes_and_keeps_its_retry_safety() -> None:
    call = build("create_profile", body=_profile(email="a@b.co", properties={"vip": True}, location=None))
    assert (call.method, call.path, call.retry_safe) == ("POST", "/api/profiles", False)
    relation = build("add_profiles_to_list", ids={"id": "L1"}, body={"data": [{"type": "profile", "id": "P1"}]})
    assert relation.path == "/api/lists/L1/relationships/profiles" and relation.retry_safe
    with pytest.raises(InputError, match=r"data\[0\]\.type"):
        build("add_profiles_to_list", ids={"id": "L1"}, body={"data": [{"type": "list", "id": "P1"}]})


@pytest.mark.parametrize(
    ("op_id", "params", "message"),
    [
        ("get_lists", {"sort": "nmae"}, "sort: must be one of"),
        ("get_lists", {"fields[list]": ["name", "colour"]}, "fields[list]: unknown value 'colour'"),
        ("get_lists", {"fields[profile]": ["email"]}, "fields[profile]: not a parameter"),
        ("get_lists", {"page[size]": 11}, "page[size]: must be 1-10"),
        ("get_lists", {"include": ["tags", "owners"]}, "include: unknown value 'owners'"),
        ("get_lists", {"filter": 'contains(name,"VIP")'}, "filter: name takes any, equals, not contains"),
        ("get_lists", {"filter": 'equals(colour,"red")'}, "filter: cannot filter on 'colour'"),
        ("get_lists", {"filter": "any(id,Y6nRLr)"}, "takes a list"),
        ("get_lists", {"filter": "equals(name"}, "filter: unclosed"),
        ("get_lists", {"colour": "red"}, "colour: not a query parameter of get_lists"),
        ("get_campaigns", {}, "filter: get_campaigns requires a filter"),
        ("get_client_reviews", {}, "company_id: get_client_reviews requires it"),
    ],
)
def test_query_parameters_are_checked(op_id: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as caught:
        build(op_id, params=params)
    assert message in str(caught.value)


def test_good_query_parameters_pass() -> None:
    call = build(
        "get_profiles",
        params={
            "fields[profile]": "email,location.city",
            "additional-fields[profile]": ["subscriptions"],
            "filter": 'and(equals(email,"a@b.co"),greater-than(created,2024-01-01T00:00:00Z))',
            "sort": "-created",
            "page[size]": 100,
            "empty": None,
        },
    )
    assert set(call.params) == {"fields[profile]", "additional-fields[profile]", "filter", "sort", "page[size]"}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../x?y=1", "/api/profiles/..%2F..%2Fx%3Fy%3D1"),
        ("..", "/api/profiles/%2E%2E"),
        ("a#b", "/api/profiles/a%23b"),
        ("01GDDKASAP8TKDDA2GRZDSVP4H", "/api/profiles/01GDDKASAP8TKDDA2GRZDSVP4H"),
    ],
)
def test_ids_are_escaped_as_one_path_segment(given: str, expected: str) -> None:
    assert build("get_profile", ids={"id": given}).path == expected


def test_missing_or_unknown_path_ids_are_input_errors() -> None:
    with pytest.raises(InputError, match="id: a Klaviyo ID is required"):
        build("get_profile", ids={"id": " "})
    with pytest.raises(InputError, match="no path parameter job_id"):
        build("get_profile", ids={"id": "P", "job_id": "J"})
