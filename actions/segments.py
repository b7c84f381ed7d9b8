"""Segments: create, read, update, delete and list the account's segments, and a picklist.

Each action is declared once on its operation: inputs say where their value goes, the operation registry checks
the request, condition groups included (every condition kind of the spec, its fields and their values).
``Klaviyo(...).segments`` is :class:`Segments`, generated from ``FACADE_METHODS``; Python values are checked like
low-code ones, before anything is sent (so no client is needed below).

Example:
    >>> from connector.klaviyo.operation_actions import request_for
    >>> region = {"type": "profile-region", "in_region": True, "region": "european_union"}
    >>> inputs = CREATE_SEGMENT.clean({"segmentName": "EU", "segmentConditionGroups": {"conditions": [region]}})
    >>> request_for("create_segment", inputs).body["data"]["attributes"]
    {'name': 'EU', 'definition': {'condition_groups': [{'conditions': [{'type': 'profile-region', 'in_region': True, \
'region': 'european_union'}]}]}}
    >>> from actions.segments import Segments  # the typed facade, imported on first use
    >>> Segments(client=None).update("Sg1234", active=False, name="VIP+")
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: Is Active: false deactivates the segment and Klaviyo requires it to be \
the only change; leave Segment Name empty (deactivate in a separate step)

Reference: https://developers.klaviyo.com/en/reference/segments_api_overview
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from actions._lazy import lazy_exports
from connector import structs
from connector.client.errors import InputError
from connector.framework.facade import FacadeMethod
from connector.framework.inputs import InputType, input_field, to_json
from connector.klaviyo.operation_actions import (
    delete_action,
    get_action,
    id_input,
    list_action,
    name_input,
    operation_action,
    picklist,
    profile_count_input,
    switch_input,
)

if TYPE_CHECKING:
    from actions._facade.models.segments import SegmentAttributes as SegmentAttributes
    from actions._facade.segments import Segments as Segments
    from connector.client.jsonapi import Resource

    Segment = Resource[SegmentAttributes]

__getattr__ = lazy_exports(__name__, "Segments", Segment="segments.SegmentAttributes")

SEGMENT_ID_COMMENTS = "The ID of the segment."
SEGMENT_NAME_COMMENTS = "The name of the segment."
CONDITION_GROUPS_COMMENTS = "The condition groups that define the segment."
IS_STARRED_COMMENTS = "Whether the segment is starred."
CONDITION_GROUPS_EXAMPLE = [
    {"conditions": [{"type": "profile-group-membership", "is_member": True, "group_ids": ["Y6nRLr"]}]}
]


def clean_condition_groups(value: Any) -> dict[str, Any]:
    """The segment ``definition`` object ``{"condition_groups": [...]}`` from any of the shapes the README promises.

    Accepts the ``condition_groups`` array exactly as it sits in Klaviyo's body, the whole ``definition`` object,
    or (shorthand) a single group ``{"conditions": [...]}``. What a group and a condition may hold is checked
    against the registry when the request is built; checked here is only what the spec cannot say: at least
    one group, and at least one condition in each.

    Example:
        >>> clean_condition_groups('[{"conditions": [{"type": "profile-region", "in_region": true, '
        ...                        '"region": "european_union"}]}]')["condition_groups"][0]["conditions"][0]["type"]
        'profile-region'
        >>> clean_condition_groups([{"conditions": []}])
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: condition group 1 needs a non-empty "conditions" array
    """
    parsed = to_json(value)
    if isinstance(parsed, Mapping):
        if "condition_groups" in parsed:
            definition = dict(parsed)
        elif "conditions" in parsed:
            definition = {"condition_groups": [parsed]}
        else:
            raise InputError(
                'must be the condition_groups array [{"conditions": [...]}] or the definition object '
                '{"condition_groups": [...]}'
            )
    else:
        definition = {"condition_groups": list(parsed) if isinstance(parsed, tuple) else parsed}
    groups = definition["condition_groups"]
    if isinstance(groups, (list, tuple)):
        if not groups:
            raise InputError("must contain at least one condition group")
        for number, group in enumerate(groups, start=1):
            if isinstance(group, Mapping) and group.get("conditions") in ([], ()):
                raise InputError(f'condition group {number} needs a non-empty "conditions" array')
    return definition


def condition_groups_input(*, required: bool) -> Any:
    """The "Segment Condition Groups" JSON input shared by Create and Update Segment (the segment's definition)."""
    return input_field(
        "Segment Condition Groups",
        type=InputType.JSON,
        comments=CONDITION_GROUPS_COMMENTS,
        required=required,
        clean=clean_condition_groups,
        example=CONDITION_GROUPS_EXAMPLE,
        to="attributes:definition",
    )


# -- Create Segment ----------------------------------------------------------------------------


@structs.frozen
class CreateSegmentInputs:
    """Inputs of Create Segment (Is Starred Segment left empty is not sent: Klaviyo's default is unstarred)."""

    segment_name: str = name_input("Segment Name", SEGMENT_NAME_COMMENTS, required=True, example="VIPs")
    segment_condition_groups: dict[str, Any] = condition_groups_input(required=True)
    is_starred_segment: bool | None = switch_input(
        "Is Starred Segment", IS_STARRED_COMMENTS, to="attributes:is_starred"
    )


# Not retried on a server error (the registry marks create_segment unsafe): a repeat could create a second
# segment, and Klaviyo allows 100 a day.
CREATE_SEGMENT = operation_action("create_segment", description="Create a segment.", inputs=CreateSegmentInputs)


# -- Get Segment -------------------------------------------------------------------------------


GET_SEGMENT = get_action(
    "get_segment", "Get a segment with the given segment ID.", SEGMENT_ID_COMMENTS, profile_count_input("get_segment")
)


# -- List Segments -----------------------------------------------------------------------------


LIST_SEGMENTS = list_action("get_segments", label="List Segments", description="Get all segments in an account.")


# -- Update Segment ----------------------------------------------------------------------------

_UPDATE_LABELS = "Segment Name, Segment Condition Groups, Is Starred Segment or Is Active"


@structs.frozen
class UpdateSegmentInputs:
    """Inputs of Update Segment: only what is given changes.

    Klaviyo requires ``is_active: false`` to be the only attribute of its request (the spec says so in prose
    only), so deactivating together with another change is refused here, before anything is sent.

    Example:
        >>> UpdateSegmentInputs(segment_id="Y6nRLr", is_active=False).is_active
        False
    """

    segment_id: str = id_input("Segment ID", SEGMENT_ID_COMMENTS)
    segment_name: str | None = name_input("Segment Name", SEGMENT_NAME_COMMENTS, example="VIPs")
    segment_condition_groups: dict[str, Any] | None = condition_groups_input(required=False)
    is_starred_segment: bool | None = input_field(
        "Is Starred Segment", type=InputType.BOOLEAN, comments=IS_STARRED_COMMENTS, to="attributes:is_starred"
    )
    is_active: bool | None = input_field(
        "Is Active",
        type=InputType.BOOLEAN,
        comments="false deactivates the segment (then leave the other inputs empty: Klaviyo takes it alone); "
        "true reactivates it. Leave empty to keep the current state.",
        to="attributes:is_active",
    )

    def __post_init__(self) -> None:
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


UPDATE_SEGMENT = operation_action(
    "update_segment", description="Update a segment with the given segment ID.", inputs=UpdateSegmentInputs
)


# -- Delete Segment -----------------------------------------------------------------------

DELETE_SEGMENT = delete_action("delete_segment", "Delete a segment with the given segment ID.", SEGMENT_ID_COMMENTS)


# -- data source -------------------------------------------------------------------------------


SELECT_SEGMENT = picklist("get_segments", label="Select Segment", description="A picklist of the account's segments.")

ACTIONS = (CREATE_SEGMENT, GET_SEGMENT, LIST_SEGMENTS, UPDATE_SEGMENT, DELETE_SEGMENT)
DATA_SOURCES = (SELECT_SEGMENT,)

ConditionGroups = Sequence[Mapping[str, Any]] | Mapping[str, Any] | str


FACADE_METHODS = (
    FacadeMethod(
        "create",
        CREATE_SEGMENT,
        'Create a segment from Klaviyo condition groups (the array, or ``{"condition_groups": [...]}``).',
        prefix="segment_",
        rename={"starred": "is_starred_segment"},
        positional=("name", "condition_groups"),
        types={"condition_groups": "ConditionGroups"},
    ),
    FacadeMethod("get", GET_SEGMENT, "Get one segment (``profile_count=True`` adds the member count)."),
    FacadeMethod("list", LIST_SEGMENTS, "Stream every segment (one page in memory at a time)."),
    FacadeMethod(
        "update",
        UPDATE_SEGMENT,
        "Change a segment; ``active=False`` deactivates it and must be passed alone.",
        prefix="segment_",
        rename={"starred": "is_starred_segment", "active": "is_active"},
        types={"condition_groups": "ConditionGroups | None"},
    ),
    FacadeMethod("delete", DELETE_SEGMENT, "Delete a segment."),
)
