"""Campaigns (revision 2026-07-15): create, read, update, delete, list them, and a picklist.

In this revision a campaign's messages are created with it (the ``campaign-messages`` attribute, a hyphenated
key inside ``data.attributes``), and listing campaigns requires a ``messages.channel`` filter: Klaviyo lists
one channel at a time. List Campaigns without a filter or a Channel therefore lists every channel, one
listing per channel (email, sms, mobile_push), merged in that order; the catalog's default filter (sms only)
stays in the manifest as what a builder pre-fills.

Each action is declared on its Klaviyo operation; the registry checks the call (message definitions per
channel, send strategies per method, tracking and send options, throttle percentages, dynamic tracking
values, fields, filters, sort, page sizes) and names the input that holds a wrong value. Written by hand are
the rules the spec cannot express (every message of a campaign on one channel, at least one included
audience, an update that changes something, email addresses in email content, the channel of a List
Campaigns filter) and the forms the README promises: Campaign Messages in any Klaviyo form (the attribute
value ``{"data": [...]}``, the bare array, bare definitions, one alone, pasted with its key), options pasted
with their key (``{"send_options": {...}}``), date-times normalised to ISO 8601 with an offset.
``Klaviyo(...).campaigns`` is :class:`Campaigns`, generated from ``FACADE_METHODS``; Python values are checked
like low-code ones, before anything is sent (so no client is needed below).

Example:
    >>> from connector.klaviyo.operation_actions import request_for
    >>> inputs = CREATE_CAMPAIGN.clean({"campaignName": "Spring", "includedAudiences": "Y6nRLr",
    ...     "campaignMessages": '[{"channel": "sms", "content": {"body": "Hi"}}]',
    ...     "sendStrategy": {"method": "throttled", "datetime": "2026-08-01T10:00:00Z", "throttle_percentage": "25"}})
    >>> attributes = request_for("create_campaign", inputs).body["data"]["attributes"]
    >>> attributes["campaign-messages"]["data"][0]["attributes"], attributes["send_strategy"]["throttle_percentage"]
    ({'definition': {'channel': 'sms', 'content': {'body': 'Hi'}}}, 25)
    >>> campaign_filter("contains(name,'Spring')", "email")
    "equals(messages.channel,'email'),contains(name,'Spring')"
    >>> from actions.campaigns import Campaigns  # the typed facade, imported on first use
    >>> Campaigns(client=None).list(channel="email", filter="equals(messages.channel,'mobile_push')")
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: Filter Campaigns: its messages.channel condition (mobile_push) \
contradicts Channel (email); set one of them

Reference: https://developers.klaviyo.com/en/reference/campaigns_api_overview
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from actions._lazy import lazy_exports
from connector import structs
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import DataSourceDefinition
from connector.framework.facade import FacadeMethod
from connector.framework.inputs import (
    Collection,
    InputType,
    input_field,
    to_date,
    to_json,
    to_json_object,
    to_stripped,
    to_timestamp,
)
from connector.klaviyo.operation_actions import (
    PICKLIST_DEFAULT,
    PicklistInputs,
    attribute_input,
    clean_id,
    delete_action,
    fields_input,
    get_action,
    id_input,
    include_input,
    max_records_input,
    name_input,
    operation_action,
    page_size_input,
    picklist_options,
    request_for,
    sort_input,
    stream_for,
)
from connector.klaviyo.operations.filters import conditions
from connector.klaviyo.operations.registry import operation
from connector.klaviyo.validators import clean_email

if TYPE_CHECKING:
    from actions._facade.campaigns import Campaigns as Campaigns
    from actions._facade.models.campaigns import CampaignAttributes as CampaignAttributes
    from connector.client.jsonapi import Resource

    Campaign = Resource[CampaignAttributes]

__getattr__ = lazy_exports(__name__, "Campaigns", Campaign="campaigns.CampaignAttributes")


def _channels() -> tuple[str, ...]:
    filters = operation("get_campaigns").query.filters or {}
    return tuple(str(v) for v in filters["messages.channel"].value.get("enum") or ())


#: The channels Klaviyo lists campaigns of, one at a time (the ``messages.channel`` filter's values).
CHANNELS = _channels()
#: The catalog's default filter: what a builder pre-fills, never applied at run time (no filter = every channel).
DEFAULT_CAMPAIGN_FILTER = "equals(messages.channel,'sms')"

CAMPAIGN_ID_COMMENTS = "The ID of the campaign."
CAMPAIGN_NAME_COMMENTS = "The name of the campaign."


# -- models ------------------------------------------------------------------------------------


# -- the forms the JSON inputs accept (their shape is the registry's to check) --------------------


def _unwrap(value: Any, name: str) -> Any:
    """The value as JSON, ``{"<name>": {...}}`` (pasted from a larger body) unwrapped."""
    parsed = to_json(value)
    if isinstance(parsed, Mapping) and list(parsed) == [name]:
        return parsed[name]
    return parsed


def clean_campaign_messages(value: Any) -> dict[str, Any]:
    """Campaign Messages as the ``campaign-messages`` attribute value ``{"data": [campaign-message, ...]}``.

    Accepts that value, the bare array of ``campaign-message`` resources, an array of bare ``definition``
    objects (``[{"channel": "email", "label": ..., "content": {...}}]``), or one definition or resource alone.
    Every message must be on the same channel; email content addresses must be email addresses; a standard
    push notification says so (without ``notification_type`` it would also read as a silent one).

    Example:
        >>> clean_campaign_messages('[{"channel": "sms", "content": {"body": "Hi"}}]')["data"][0]["attributes"]
        {'definition': {'channel': 'sms', 'content': {'body': 'Hi'}}}
    """
    parsed = _unwrap(value, "campaign-messages")
    if isinstance(parsed, Mapping) and list(parsed) == ["data"]:
        parsed = parsed["data"]
    if isinstance(parsed, Mapping):
        parsed = [parsed]
    if not isinstance(parsed, list):
        raise InputError('must be {"data": [campaign-message, ...]}, an array of messages, or an array of definitions')
    if not parsed:
        raise InputError("needs at least one message")
    messages = []
    for index, item in enumerate(parsed):
        if not isinstance(item, Mapping):
            raise InputError(f"data[{index}]: must be a JSON object (a message or its definition)")
        message = {"type": "campaign-message", "attributes": {"definition": item}} if "channel" in item else item
        messages.append(_with_definition_rules(message, f"data[{index}].attributes.definition"))
    channels = [_channel_of(m) for m in messages]
    if len({c for c in channels if c is not None}) > 1:
        # A campaign goes out on one channel; its messages are variations of that one send.
        got = ", ".join(str(c) for c in channels)
        raise InputError(f"every message of a campaign must use the same channel (got {got})")
    return {"data": messages}


def _definition(message: Mapping[str, Any]) -> Any:
    attributes = message.get("attributes")
    return attributes.get("definition") if isinstance(attributes, Mapping) else None


def _channel_of(message: Mapping[str, Any]) -> Any:
    definition = _definition(message)
    return definition.get("channel") if isinstance(definition, Mapping) else None


def _with_definition_rules(message: Mapping[str, Any], where: str) -> dict[str, Any]:
    definition = _definition(message)
    if not isinstance(definition, Mapping):
        return dict(message)
    definition = dict(definition)
    content = definition.get("content")
    if definition.get("channel") == "email" and isinstance(content, Mapping):
        content = dict(content)
        for key, address in content.items():
            if key.endswith("_email") and isinstance(address, str) and address:
                try:
                    content[key] = clean_email(address)
                except InputError as exc:
                    raise InputError(f"{where}.content.{key}: {exc.problem}") from None
        definition["content"] = content
    if definition.get("channel") == "mobile_push" and content is not None:
        definition.setdefault("notification_type", "standard")
    return {**message, "attributes": {**message["attributes"], "definition": definition}}


def _options(name: str) -> Any:
    def clean(value: Any) -> dict[str, Any]:
        return to_json_object(_unwrap(value, name))

    clean.__doc__ = f"``{name}`` as a JSON object (``{{{name!r}: {{...}}}}`` accepted too)."
    return clean


clean_tracking_options = _options("tracking_options")
clean_send_options = _options("send_options")


def clean_send_strategy(value: Any) -> dict[str, Any]:
    """``send_strategy`` with its date-times in ISO 8601 with an offset (naive ones are UTC).

    What each method needs (``datetime``, ``throttle_percentage``, ``date``, ``options``) is the registry's to
    check; a throttle percentage given as text becomes a number.

    Example:
        >>> clean_send_strategy({"method": "throttled", "datetime": "2026-08-01T10:00:00", "throttle_percentage": "10"})
        {'method': 'throttled', 'datetime': '2026-08-01T10:00:00+00:00', 'throttle_percentage': 10}
    """
    strategy = to_json_object(_unwrap(value, "send_strategy"))
    for key, normalise in (("datetime", to_timestamp), ("date", to_date)):
        if isinstance(strategy.get(key), str):
            with contextlib.suppress(InputError):  # if not, the registry's check says what it should look like
                strategy[key] = normalise(strategy[key])
    percentage = strategy.get("throttle_percentage")
    if isinstance(percentage, str) and percentage.strip().isdigit():
        strategy["throttle_percentage"] = int(percentage)
    return strategy


def clean_channel(value: Any) -> str:
    """email, sms or mobile_push (any case)."""
    channel = to_stripped(value).lower()
    if channel not in CHANNELS:
        raise InputError(f"must be one of {', '.join(CHANNELS)} (got {value!r})")
    return channel


def _channel_filter(channel: str) -> str:
    return f"equals(messages.channel,'{channel}')"


def _filter_error(problem: str) -> InputError:
    return InputError(problem, label="Filter Campaigns", key="filterCampaigns")


def campaign_filter(filter_text: str | None, channel: str | None) -> str | None:
    """The ``filter`` for Get Campaigns: the user's filter with the ``messages.channel`` condition it needs.

    None when neither a filter nor a Channel was given (every channel is listed). The catalog's default filter
    (sms) gives way to a Channel; a filter without a channel condition gets the Channel's; a channel condition
    that contradicts Channel is an error, and so is a filter that names no channel when no Channel is given.

    Example:
        >>> campaign_filter("equals(messages.channel,'sms')", "email")
        "equals(messages.channel,'email')"
        >>> campaign_filter(None, None) is None
        True
    """
    text = (filter_text or "").strip()
    if not text:
        return _channel_filter(channel) if channel else None
    if channel and text == DEFAULT_CAMPAIGN_FILTER:
        return _channel_filter(channel)
    try:
        found = [
            (value or "").strip("'\"")
            for operator, field, value in conditions(text)
            if field == "messages.channel" and operator == "equals"
        ]
    except InputError as exc:
        raise _filter_error(exc.problem.removeprefix("filter: ")) from None
    for value in found:
        if value not in CHANNELS:
            raise _filter_error(f"messages.channel must be one of {', '.join(CHANNELS)} (got {value!r})")
    if channel and found:
        if any(value != channel for value in found):
            problem = f"its messages.channel condition ({', '.join(found)}) contradicts Channel ({channel})"
            raise _filter_error(problem + "; set one of them")
        return text
    if channel:
        return f"{_channel_filter(channel)},{text}"
    if not found:
        raise _filter_error(
            "must include a channel condition such as equals(messages.channel,'email') (Klaviyo's 2026-07-15 "
            "API lists one channel at a time: email, sms or mobile_push), or pick a Channel "
            "(leave both empty to list every channel)"
        )
    return text


def _audiences_input(which: str, *, required: bool = False) -> Any:
    """Included or Excluded Audiences: list and segment IDs."""
    return attribute_input(
        f"{which.title()} Audiences",
        f"A list of {which} audiences.",
        clean_id,
        attribute=f"audiences.{which}",
        collection=Collection.VALUE_LIST,
        required=required,
        example=["Y6nRLr"],
    )


def _options_input(attribute: str, clean: Any, example: Any = None) -> Any:
    """Tracking Options, Send Options or Send Strategy: a JSON object as it sits in Klaviyo's body."""
    label = attribute.replace("_", " ").title()
    comments = f"The {label.lower()} for the campaign."
    return attribute_input(label, comments, clean, attribute=attribute, type=InputType.JSON, example=example)


# -- Create Campaign ---------------------------------------------------------------------------


@structs.frozen
class CreateCampaignInputs:
    """Inputs of Create Campaign."""

    campaign_name: str = name_input("Campaign Name", CAMPAIGN_NAME_COMMENTS, required=True)
    campaign_messages: dict[str, Any] = attribute_input(
        "Campaign Messages",
        "The message(s) to send in the campaign.",
        clean_campaign_messages,
        attribute="campaign-messages",
        type=InputType.JSON,
        required=True,
        example=[{"channel": "email", "label": "Spring", "content": {"subject": "Spring sale"}}],
    )
    included_audiences: list[str] = _audiences_input("included", required=True)
    excluded_audiences: list[str] = _audiences_input("excluded")
    tracking_options: dict[str, Any] | None = _options_input("tracking_options", clean_tracking_options)
    send_options: dict[str, Any] | None = _options_input(
        "send_options", clean_send_options, {"use_smart_sending": True}
    )
    send_strategy: dict[str, Any] | None = _options_input("send_strategy", clean_send_strategy, {"method": "immediate"})

    def __post_init__(self) -> None:
        if not self.included_audiences:  # the spec allows an empty list; Klaviyo has no one to send to
            raise InputError(
                "needs at least one list or segment ID", label="Included Audiences", key="includedAudiences"
            )


CREATE_CAMPAIGN = operation_action(
    "create_campaign",
    description="Creates a campaign given a set of parameters, then returns it.",
    inputs=CreateCampaignInputs,
)


# -- Get Campaign ------------------------------------------------------------------------------

_INCLUDES = operation("get_campaign").query.include or ()
_INCLUDE_COMMENTS = f"Related resources to return in 'included': {', '.join(_INCLUDES)}."


GET_CAMPAIGN = get_action(
    "get_campaign",
    "Returns a specific campaign based on a required id.",
    CAMPAIGN_ID_COMMENTS,
    include_input("get_campaign", comments=_INCLUDE_COMMENTS),
)


# -- List Campaigns ----------------------------------------------------------------------------


def _channel_input(comments: str) -> Any:
    return input_field("Channel", type=InputType.PICKLIST, comments=comments, choices=CHANNELS, clean=clean_channel)


@structs.frozen
class ListCampaignsInputs:
    """Inputs of List Campaigns (no filter and no Channel: every channel)."""

    filter_campaigns: str | None = input_field(
        "Filter Campaigns",
        comments="A filter to apply to the campaigns.",
        default=DEFAULT_CAMPAIGN_FILTER,
        prefill=True,
        clean=to_stripped,
        to="query:filter",
    )
    fields: list[str] = fields_input("get_campaigns")
    channel: str | None = _channel_input(
        "List this channel's campaigns: sets the messages.channel condition Klaviyo requires (replacing the "
        "default filter's sms, or added to your own filter); leave it and the filter empty for every channel."
    )
    sort: str | None = sort_input("get_campaigns")
    max_records: int | None = max_records_input()
    page_size: int | None = page_size_input("get_campaigns")


def list_campaigns(client: KlaviyoClient, inputs: ListCampaignsInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/campaigns`` (``get_campaigns``), following every page; streams resources.

    Without a filter or a Channel, one listing per channel (email, sms, mobile_push), merged in that order
    (Sort applies within each channel; Max Records caps the total).
    """
    wanted = campaign_filter(inputs.filter_campaigns, inputs.channel)
    if wanted is not None:
        return stream_for(client, "get_campaigns", inputs, filter=wanted)
    for channel in CHANNELS:  # check every call now; pages are fetched when iterated
        request_for("get_campaigns", inputs, filter=_channel_filter(channel))
    return _every_channel(client, inputs)


def _every_channel(client: KlaviyoClient, inputs: ListCampaignsInputs) -> Iterator[dict[str, Any]]:
    remaining = inputs.max_records
    for channel in CHANNELS:
        if remaining == 0:
            return
        capped = structs.evolve(inputs, max_records=remaining)
        for campaign in stream_for(client, "get_campaigns", capped, filter=_channel_filter(channel)):
            yield campaign
            remaining = None if remaining is None else remaining - 1


LIST_CAMPAIGNS = operation_action(
    "get_campaigns", description="Returns some or all campaigns based on filters.", perform=list_campaigns
)


# -- Update Campaign ---------------------------------------------------------------------------


@structs.frozen
class UpdateCampaignInputs:
    """Inputs of Update Campaign: only what is given changes (messages change with the campaign-message endpoints).

    Given audience lists replace the campaign's (Klaviyo's rule); empty ones are left as they are.
    """

    campaign_id: str = id_input("Campaign ID", CAMPAIGN_ID_COMMENTS)
    campaign_name: str | None = name_input("Campaign Name", CAMPAIGN_NAME_COMMENTS)
    included_audiences: list[str] = _audiences_input("included")
    excluded_audiences: list[str] = _audiences_input("excluded")
    tracking_options: dict[str, Any] | None = _options_input("tracking_options", clean_tracking_options)
    send_options: dict[str, Any] | None = _options_input("send_options", clean_send_options)
    send_strategy: dict[str, Any] | None = _options_input("send_strategy", clean_send_strategy)

    def __post_init__(self) -> None:
        given = [getattr(self, f.name) for f in structs.fields(type(self)) if f.name != "campaign_id"]
        if all(value is None or value == [] for value in given):
            raise InputError(
                "nothing to update: give at least one of Campaign Name, Included Audiences, Excluded Audiences, "
                "Tracking Options, Send Options, Send Strategy"
            )


UPDATE_CAMPAIGN = operation_action(
    "update_campaign", description="Update a campaign with the given campaign ID.", inputs=UpdateCampaignInputs
)


# -- Delete Campaign ----------------------------------------------------------------------

DELETE_CAMPAIGN = delete_action(
    "delete_campaign", "Delete a campaign with the given campaign ID.", CAMPAIGN_ID_COMMENTS
)


# -- data source -------------------------------------------------------------------------------


@structs.frozen
class SelectCampaignInputs(PicklistInputs):
    """Inputs of the Select Campaign picklist: search, cap, and a channel."""

    channel: str | None = _channel_input("Only this channel's campaigns; leave empty for every channel.")


def select_campaign(client: KlaviyoClient, inputs: SelectCampaignInputs) -> Iterator[dict[str, str]]:
    """Campaigns as ``{"label": "name (channel)", "key": id}``, searched by name and capped over all channels.

    Klaviyo lists one channel per request in this revision, so without a Channel the picklist merges the
    email, sms and mobile_push listings.
    """
    left = inputs.limit or PICKLIST_DEFAULT
    for channel in (inputs.channel,) if inputs.channel else CHANNELS:
        capped = structs.evolve(inputs, limit=left)
        options = picklist_options(
            client, "get_campaigns", ("name",), capped, scope=_channel_filter(channel), suffix=f" ({channel})"
        )
        for option in options:
            yield option
            left -= 1
        if left <= 0:
            return


SELECT_CAMPAIGN = DataSourceDefinition(
    key="selectCampaign",
    label="Select Campaign",
    description=(
        "A picklist of the account's campaigns (every channel unless one is chosen). Search sent to Klaviyo as "
        f"contains(name, ...); at most Max Options (default {PICKLIST_DEFAULT})."
    ),
    inputs=SelectCampaignInputs,
    perform=select_campaign,
    operation_ids=("get_campaigns",),
)

ACTIONS = (CREATE_CAMPAIGN, GET_CAMPAIGN, LIST_CAMPAIGNS, UPDATE_CAMPAIGN, DELETE_CAMPAIGN)
DATA_SOURCES = (SELECT_CAMPAIGN,)


_AUDIENCES = {"included": "included_audiences", "excluded": "excluded_audiences"}
FACADE_METHODS = (
    FacadeMethod(
        "create",
        CREATE_CAMPAIGN,
        'Create a campaign with its message(s) (definitions, resources or ``{"data": [...]}``).',
        prefix="campaign_",
        rename=_AUDIENCES,
        positional=("name",),
        types={"messages": "Any"},
    ),
    FacadeMethod("get", GET_CAMPAIGN, "Get one campaign."),
    FacadeMethod(
        "list",
        LIST_CAMPAIGNS,
        "Stream campaigns: one channel's, or every channel's when neither ``channel`` nor ``filter`` says.",
        rename={"filter": "filter_campaigns"},
    ),
    FacadeMethod(
        "update",
        UPDATE_CAMPAIGN,
        "Change a campaign's name, audiences or options (its messages are not changed here).",
        prefix="campaign_",
        rename=_AUDIENCES,
    ),
    FacadeMethod("delete", DELETE_CAMPAIGN, "Delete a campaign."),
)
