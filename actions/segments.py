"""Segments: create, read, update, delete and list the account's segments.

Example:
    >>> # from connector import Klaviyo
    >>> # groups = [{"conditions": [{"type": "profile-group-membership", "is_member": True, "group_ids": ["Y6nRLr"]}]}]
    >>> # vips = Klaviyo(api_key="pk_...").segments.create("VIPs", groups)

Reference: https://developers.klaviyo.com/en/reference/segments_api_overview
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from actions._facade.segments import SegmentsOperations
from actions._shared import (
    clean_non_blank,
    delete_action,
    fields_input,
    filter_input,
    get_document,
    id_input,
    list_resources,
    max_records_input,
    page_size_input,
    picklist,
    query,
    sort_input,
    sparse_fields,
)
from connector.client.errors import InputError
from connector.client.jsonapi import Resource, resource_body
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition
from connector.framework.inputs import InputType, input_field, to_json

#: ``fields[segment]`` of create/list/update (the spec's enum); Get Segment adds ``profile_count``.
SEGMENT_FIELDS = (
    "created",
    "definition",
    "definition.condition_groups",
    "id",
    "is_active",
    "is_processing",
    "is_starred",
    "name",
    "updated",
)
GET_SEGMENT_FIELDS = (*SEGMENT_FIELDS, "profile_count")
SEGMENT_PAGE_MAX = 10
#: Every condition ``type`` of the spec's ``ConditionGroup.conditions`` oneOf (revision 2026-07-15).
CONDITION_TYPES = (
    "profile-group-membership",
    "profile-has-custom-object",
    "profile-marketing-consent",
    "profile-metric",
    "profile-metric-funnel",
    "profile-permissions",
    "profile-postal-code-distance",
    "profile-predictive-analytics",
    "profile-property",
    "profile-region",
)
SEGMENT_ID_COMMENTS = "The ID of the segment."
SEGMENT_NAME_COMMENTS = "The name of the segment."
CONDITION_GROUPS_COMMENTS = "The condition groups that define the segment."
IS_STARRED_COMMENTS = "Whether the segment is starred."
CONDITION_GROUPS_EXAMPLE = [
    {"conditions": [{"type": "profile-group-membership", "is_member": True, "group_ids": ["Y6nRLr"]}]}
]


@attrs.frozen
class SegmentAttributes:
    """A segment's attributes as Klaviyo returns them (every field may be absent).

    ``definition`` stays plain JSON: conditions come in many shapes and are passed back as they are.

    Example:
        >>> SegmentAttributes(name="VIPs", is_starred=True).is_starred
        True
    """

    name: str | None = None
    definition: dict[str, Any] | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    is_active: bool | None = None
    is_processing: bool | None = None
    is_starred: bool | None = None
    profile_count: int | None = None


Segment = Resource[SegmentAttributes]


def clean_condition_groups(value: Any) -> list[dict[str, Any]]:
    """Segment condition groups, checked for the shape Klaviyo requires.

    Accepts the ``condition_groups`` array exactly as it sits in Klaviyo's body, the whole
    ``definition`` object ``{"condition_groups": [...]}``, or (shorthand) a single group object.

    Example:
        >>> groups = clean_condition_groups('{"condition_groups": [{"conditions": [{"type": "profile-region",'
        ...                                 ' "in_region": true, "region": "european_union"}]}]}')
        >>> groups[0]["conditions"][0]["type"]
        'profile-region'
        >>> clean_condition_groups([{"conditions": []}])
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: condition group 1 needs a non-empty "conditions" array
    """
    parsed = to_json(value)
    if isinstance(parsed, Mapping):
        if "condition_groups" in parsed:
            parsed = parsed["condition_groups"]
        elif "conditions" in parsed:
            parsed = [parsed]
        else:
            raise InputError(
                'must be the condition_groups array [{"conditions": [...]}] or the definition object '
                '{"condition_groups": [...]}'
            )
    if isinstance(parsed, tuple):
        parsed = list(parsed)
    if not isinstance(parsed, list):
        raise InputError(f'must be a JSON array of condition groups [{{"conditions": [...]}}], got {parsed!r}')
    if not parsed:
        raise InputError("must contain at least one condition group")
    groups: list[dict[str, Any]] = []
    for number, group in enumerate(parsed, start=1):
        if not isinstance(group, Mapping):
            raise InputError(f'condition group {number} must be an object {{"conditions": [...]}}')
        conditions = group.get("conditions")
        if not isinstance(conditions, (list, tuple)) or not conditions:
            raise InputError(f'condition group {number} needs a non-empty "conditions" array')
        for position, condition in enumerate(conditions, start=1):
            where = f"condition {position} of group {number}"
            if not isinstance(condition, Mapping):
                raise InputError(f"{where} must be an object")
            kind = condition.get("type")
            if kind not in CONDITION_TYPES:
                # A typo such as "profile_property" would otherwise come back as an opaque 400.
                raise InputError(f"{where} has type {kind!r}; Klaviyo accepts: {', '.join(CONDITION_TYPES)}")
        groups.append({**group, "conditions": list(conditions)})
    return groups


def condition_groups_input(required: bool) -> Any:
    """The "Segment Condition Groups" JSON input shared by Create and Update Segment."""
    return input_field(
        "Segment Condition Groups",
        type=InputType.JSON,
        comments=CONDITION_GROUPS_COMMENTS,
        required=required,
        clean=clean_condition_groups,
        example=CONDITION_GROUPS_EXAMPLE,
    )


# -- Create Segment ----------------------------------------------------------------------------


@attrs.frozen
class CreateSegmentInputs:
    """Inputs of Create Segment."""

    segment_name: str = input_field(
        "Segment Name", comments=SEGMENT_NAME_COMMENTS, required=True, clean=clean_non_blank, example="VIPs"
    )
    segment_condition_groups: list[dict[str, Any]] = condition_groups_input(required=True)
    is_starred_segment: bool | None = input_field(
        "Is Starred Segment", type=InputType.BOOLEAN, comments=IS_STARRED_COMMENTS, default="false"
    )


def create_segment(client: KlaviyoClient, inputs: CreateSegmentInputs) -> Any:
    """``POST /api/segments`` (``create_segment``): create a segment and return its document.

    Not retried on a server error: a repeat could create a second segment (and Klaviyo allows 100 a day).

    Example:
        >>> # create_segment(client, CreateSegmentInputs(segment_name="VIPs",
        >>> #                segment_condition_groups=CONDITION_GROUPS_EXAMPLE))
    """
    body = resource_body(
        "segment",
        {
            "name": inputs.segment_name,
            "definition": {"condition_groups": inputs.segment_condition_groups},
            "is_starred": inputs.is_starred_segment,
        },
    )
    return client.request("POST", "/api/segments", json=body).json()


CREATE_SEGMENT = ActionDefinition(
    key="createSegment",
    label="Create Segment",
    description="Create a segment.",
    inputs=CreateSegmentInputs,
    perform=create_segment,
    operation_ids=("create_segment",),
)


# -- Get Segment -------------------------------------------------------------------------------


@attrs.frozen
class GetSegmentInputs:
    """Inputs of Get Segment."""

    segment_id: str = id_input("Segment ID", SEGMENT_ID_COMMENTS)
    fields: list[str] = fields_input(GET_SEGMENT_FIELDS)
    include_profile_count: bool | None = input_field(
        "Include Profile Count",
        type=InputType.BOOLEAN,
        comments="Also return profile_count (Klaviyo lowers this call's rate limit to 1/s, 15/m).",
        default="false",
    )


def get_segment(client: KlaviyoClient, inputs: GetSegmentInputs) -> Any:
    """``GET /api/segments/{id}`` (``get_segment``).

    Example:
        >>> # get_segment(client, GetSegmentInputs(segment_id="Y6nRLr"))
    """
    params = {
        **sparse_fields("segment", inputs.fields),
        **query(**{"additional-fields[segment]": ["profile_count"] if inputs.include_profile_count else None}),
    }
    return get_document(client, f"/api/segments/{inputs.segment_id}", params)


GET_SEGMENT = ActionDefinition(
    key="getSegment",
    label="Get Segment",
    description="Get a segment with the given segment ID.",
    inputs=GetSegmentInputs,
    perform=get_segment,
    operation_ids=("get_segment",),
)


# -- List Segments -----------------------------------------------------------------------------


@attrs.frozen
class ListSegmentsInputs:
    """Inputs of List Segments."""

    fields: list[str] = fields_input(SEGMENT_FIELDS)
    filter: str | None = filter_input(
        "Klaviyo filter, e.g. equals(is_starred,true); fields: name, id, is_active (any/equals), "
        "is_starred (equals), created, updated (greater-than)."
    )
    sort: str | None = sort_input(("created", "id", "name", "updated"))
    max_records: int | None = max_records_input()
    page_size: int | None = page_size_input(SEGMENT_PAGE_MAX)


def list_segments(client: KlaviyoClient, inputs: ListSegmentsInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/segments`` (``get_segments``), following every page; streams resources.

    Example:
        >>> # for seg in list_segments(client, ListSegmentsInputs()): print(seg["id"])
    """
    params = {**sparse_fields("segment", inputs.fields), **query(filter=inputs.filter, sort=inputs.sort)}
    return list_resources(
        client,
        "/api/segments",
        params,
        page_size=inputs.page_size,
        default_page_size=SEGMENT_PAGE_MAX,
        limit=inputs.max_records,
    )


LIST_SEGMENTS = ActionDefinition(
    key="listSegments",
    label="List Segments",
    description="Get all segments in an account.",
    inputs=ListSegmentsInputs,
    perform=list_segments,
    operation_ids=("get_segments",),
)


# -- Update Segment ----------------------------------------------------------------------------

_UPDATE_LABELS = "Segment Name, Segment Condition Groups, Is Starred Segment or Is Active"


@attrs.frozen
class UpdateSegmentInputs:
    """Inputs of Update Segment.

    Klaviyo requires ``is_active: false`` to be the only attribute of its request, so deactivating
    together with another change is refused here, before anything is sent.

    Example:
        >>> UpdateSegmentInputs(segment_id="Y6nRLr", is_active=False).is_active
        False
    """

    segment_id: str = id_input("Segment ID", SEGMENT_ID_COMMENTS)
    segment_name: str | None = input_field(
        "Segment Name", comments=SEGMENT_NAME_COMMENTS, clean=clean_non_blank, example="VIPs"
    )
    segment_condition_groups: list[dict[str, Any]] | None = condition_groups_input(required=False)
    is_starred_segment: bool | None = input_field(
        "Is Starred Segment", type=InputType.BOOLEAN, comments=IS_STARRED_COMMENTS
    )
    is_active: bool | None = input_field(
        "Is Active",
        type=InputType.BOOLEAN,
        comments="false deactivates the segment (then leave the other inputs empty: Klaviyo takes it alone); "
        "true reactivates it. Leave empty to keep the current state.",
    )

    def __attrs_post_init__(self) -> None:
        others = {
            "Segment Name": self.segment_name,
            "Segment Condition Groups": self.segment_condition_groups,
            "Is Starred Segment": self.is_starred_segment,
        }
        given = [label for label, value in others.items() if value is not None]
        if self.is_active is False and given:
            raise InputError(
                "false deactivates the segment and Klaviyo requires it to be the only change; "
                f"leave {', '.join(given)} empty (deactivate in a separate step)",
                label="Is Active",
                key="isActive",
            )
        if self.is_active is None and not given:
            raise InputError(f"nothing to update: give at least one of {_UPDATE_LABELS}")


def update_segment(client: KlaviyoClient, inputs: UpdateSegmentInputs) -> Any:
    """``PATCH /api/segments/{id}`` (``update_segment``); the body repeats the id as Klaviyo requires.

    Example:
        >>> # update_segment(client, UpdateSegmentInputs(segment_id="Y6nRLr", segment_name="VIP"))
    """
    definition = (
        {"condition_groups": inputs.segment_condition_groups} if inputs.segment_condition_groups is not None else None
    )
    body = resource_body(
        "segment",
        {
            "name": inputs.segment_name,
            "definition": definition,
            "is_starred": inputs.is_starred_segment,
            "is_active": inputs.is_active,
        },
        resource_id=inputs.segment_id,
    )
    # Every attribute is set to a given value, so repeating the call after a dropped connection is harmless.
    return client.request("PATCH", f"/api/segments/{inputs.segment_id}", json=body, retry_safe=True).json()


UPDATE_SEGMENT = ActionDefinition(
    key="updateSegment",
    label="Update Segment",
    description="Update a segment with the given segment ID.",
    inputs=UpdateSegmentInputs,
    perform=update_segment,
    operation_ids=("update_segment",),
)


# -- Delete Segment -----------------------------------------------------------------------

DELETE_SEGMENT = delete_action(
    key="deleteSegment",
    label="Delete Segment",
    description="Delete a segment with the given segment ID.",
    id_label="Segment ID",
    id_comments=SEGMENT_ID_COMMENTS,
    path="/api/segments/{id}",
    operation="delete_segment",
)


# -- data source -------------------------------------------------------------------------------


SELECT_SEGMENT = picklist(
    key="selectSegment",
    label="Select Segment",
    description="A picklist of the account's segments.",
    path="/api/segments",
    resource_type="segment",
    page_size=SEGMENT_PAGE_MAX,
)

ACTIONS = (CREATE_SEGMENT, GET_SEGMENT, LIST_SEGMENTS, UPDATE_SEGMENT, DELETE_SEGMENT)
DATA_SOURCES = (SELECT_SEGMENT,)

ConditionGroups = Sequence[Mapping[str, Any]] | Mapping[str, Any] | str


class Segments(SegmentsOperations):
    """``Klaviyo(...).segments``: typed access to segments.

    Example:
        >>> # k = Klaviyo(api_key="pk_...")
        >>> # seg = k.segments.create("VIPs", CONDITION_GROUPS_EXAMPLE, starred=True)
        >>> # k.segments.update(seg.id, active=False)
    """

    def create(self, name: str, condition_groups: ConditionGroups, *, starred: bool | None = None) -> Segment:
        """Create a segment from Klaviyo condition groups (the array, or ``{"condition_groups": [...]}``)."""
        return self._one(
            SegmentAttributes,
            CREATE_SEGMENT,
            segment_name=name,
            segment_condition_groups=condition_groups,
            is_starred_segment=starred,
        )

    def get(self, segment_id: str, *, fields: list[str] | None = None, profile_count: bool = False) -> Segment:
        """Get one segment (``profile_count=True`` adds the member count)."""
        return self._one(
            SegmentAttributes, GET_SEGMENT, segment_id=segment_id, fields=fields, include_profile_count=profile_count
        )

    def list(
        self,
        *,
        fields: list[str] | None = None,
        filter: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Segment]:
        """Stream every segment (one page in memory at a time)."""
        return self._many(SegmentAttributes, LIST_SEGMENTS, fields=fields, filter=filter, sort=sort, max_records=limit)

    def update(
        self,
        segment_id: str,
        *,
        name: str | None = None,
        condition_groups: ConditionGroups | None = None,
        starred: bool | None = None,
        active: bool | None = None,
    ) -> Segment:
        """Change a segment; ``active=False`` deactivates it and must be passed alone."""
        return self._one(
            SegmentAttributes,
            UPDATE_SEGMENT,
            segment_id=segment_id,
            segment_name=name,
            segment_condition_groups=condition_groups,
            is_starred_segment=starred,
            is_active=active,
        )

    def delete(self, segment_id: str) -> None:
        """Delete a segment."""
        self._perform(DELETE_SEGMENT, segment_id=segment_id)


FACADE = Segments
