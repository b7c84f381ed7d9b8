"""Campaigns (revision 2026-07-15): create, read, update, delete, list them, and a picklist.

In this revision a campaign's messages are created with it (the ``campaign-messages`` attribute,
a hyphenated key inside ``data.attributes``), and listing campaigns requires a
``messages.channel`` filter: there is no "all channels" listing.

Example:
    >>> # from connector import Klaviyo
    >>> # k = Klaviyo(api_key="pk_...")
    >>> # c = k.campaigns.create("Spring sale", messages=[{"channel": "email", "content": {"subject": "Hi"}}],
    >>> #                        included=["Y6nRLr"])

Reference: https://developers.klaviyo.com/en/reference/campaigns_api_overview
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from actions._facade.campaigns import CampaignsOperations
from actions._shared import (
    clean_id,
    clean_non_blank,
    delete_action,
    fields_input,
    get_document,
    id_input,
    list_resources,
    max_records_input,
    page_size_input,
    query,
    sort_input,
    sparse_fields,
)
from connector.client.errors import InputError
from connector.client.jsonapi import Resource, resource_body
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition, DataSourceDefinition
from connector.framework.inputs import Collection, InputType, input_field, to_date, to_json, to_stripped, to_timestamp
from connector.klaviyo.validators import clean_email

#: ``fields[campaign]`` as the 2026-07-15 spec enumerates it (dotted sub-fields included).
CAMPAIGN_FIELDS = (
    "archived",
    "audiences",
    "audiences.excluded",
    "audiences.included",
    "created_at",
    "id",
    "name",
    "scheduled_at",
    "send_options",
    "send_options.use_smart_sending",
    "send_strategy",
    "send_strategy.date",
    "send_strategy.datetime",
    "send_strategy.method",
    "send_strategy.options",
    "send_strategy.options.is_local",
    "send_strategy.options.send_past_recipients_immediately",
    "send_strategy.throttle_percentage",
    "send_time",
    "status",
    "tracking_options",
    "tracking_options.add_tracking_params",
    "tracking_options.custom_tracking_params",
    "tracking_options.is_tracking_clicks",
    "tracking_options.is_tracking_opens",
    "updated_at",
)
CAMPAIGN_SORTS = ("created_at", "id", "name", "scheduled_at", "updated_at")
CAMPAIGN_INCLUDES = ("campaign-messages", "tags")
CAMPAIGN_PAGE_MAX = 100
CHANNELS = ("email", "sms", "mobile_push")
SEND_METHODS = ("immediate", "static", "throttled", "smart_send_time")
THROTTLE_PERCENTAGES = (1, 2, 5, 10, 11, 13, 14, 17, 20, 25, 33, 50)
DYNAMIC_TRACKING_VALUES = (
    "campaign_id",
    "campaign_name",
    "campaign_name_id",
    "campaign_name_send_day",
    "email_subject",
    "group_id",
    "group_name",
    "group_name_id",
    "link_alt_text",
    "message_type",
    "profile_external_id",
    "profile_id",
)
EMAIL_CONTENT_FIELDS = (
    "subject",
    "preview_text",
    "from_email",
    "from_label",
    "reply_to_email",
    "cc_email",
    "bcc_email",
)
_EMAIL_ADDRESS_FIELDS = ("from_email", "reply_to_email", "cc_email", "bcc_email")
DEFAULT_CAMPAIGN_FILTER = "equals(messages.channel,'sms')"

CAMPAIGN_ID_COMMENTS = "The ID of the campaign."
CAMPAIGN_NAME_COMMENTS = "The name of the campaign."


# -- models ------------------------------------------------------------------------------------


@attrs.frozen
class CampaignAudiences:
    """The list and segment IDs a campaign is sent to, and those it skips.

    Example:
        >>> CampaignAudiences(included=["Y6nRLr"]).included
        ['Y6nRLr']
    """

    included: list[str] | None = None
    excluded: list[str] | None = None


@attrs.frozen
class CampaignAttributes:
    """A campaign's attributes as Klaviyo returns them (every field may be absent).

    ``send_options``, ``tracking_options`` and ``send_strategy`` stay the JSON objects Klaviyo sends,
    since their shape depends on the channel and the send method.

    Example:
        >>> CampaignAttributes(name="Spring sale", status="Draft").status
        'Draft'
    """

    name: str | None = None
    status: str | None = None
    archived: bool | None = None
    audiences: CampaignAudiences | None = None
    send_options: dict[str, Any] | None = None
    tracking_options: dict[str, Any] | None = None
    send_strategy: dict[str, Any] | None = None
    created_at: dt.datetime | None = None
    scheduled_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    send_time: dt.datetime | None = None


Campaign = Resource[CampaignAttributes]


# -- cleaners for the JSON inputs --------------------------------------------------------------


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where} must be a JSON object, got {type(value).__name__}")
    return dict(value)


def _unwrap(value: Any, name: str) -> Any:
    """Accept ``{"<name>": {...}}`` as well as the bare object (pasted from a larger body)."""
    if isinstance(value, Mapping) and list(value) == [name]:
        return value[name]
    return value


def _reject_unknown(obj: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    unknown = [k for k in obj if k not in allowed]
    if unknown:
        raise InputError(f"{where} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")


def _bool(obj: Mapping[str, Any], key: str, where: str) -> None:
    if obj.get(key) is not None and not isinstance(obj[key], bool):
        raise InputError(f"{where}.{key} must be true or false, got {obj[key]!r}")


def _text(obj: Mapping[str, Any], key: str, where: str) -> None:
    if obj.get(key) is not None and not isinstance(obj[key], str):
        raise InputError(f"{where}.{key} must be text, got {obj[key]!r}")


def _email_content(value: Any, where: str) -> dict[str, Any]:
    content = _object(value, where)
    _reject_unknown(content, EMAIL_CONTENT_FIELDS, where)
    for key in EMAIL_CONTENT_FIELDS:
        _text(content, key, where)
    for key in _EMAIL_ADDRESS_FIELDS:
        if content.get(key):
            try:
                content[key] = clean_email(content[key])
            except InputError as exc:
                raise InputError(f"{where}.{key} {exc.problem}") from None
    return content


def clean_message_definition(value: Any, where: str = "definition") -> dict[str, Any]:
    """One message ``definition``: channel email|sms|mobile_push, with that channel's content checked.

    Example:
        >>> clean_message_definition({"channel": "email", "label": "A", "content": {"subject": "Hi"}})
        {'channel': 'email', 'label': 'A', 'content': {'subject': 'Hi'}}
    """
    definition = _object(value, where)
    channel = definition.get("channel")
    if channel not in CHANNELS:
        raise InputError(f"{where}.channel must be one of {', '.join(CHANNELS)} (got {channel!r})")
    _text(definition, "label", where)
    if channel == "email":
        _reject_unknown(definition, ("channel", "label", "content"), where)
        if definition.get("content") is not None:
            definition["content"] = _email_content(definition["content"], f"{where}.content")
    elif channel == "sms":
        if definition.get("content") is not None:
            _text(_object(definition["content"], f"{where}.content"), "body", f"{where}.content")
        if definition.get("render_options") is not None:
            _object(definition["render_options"], f"{where}.render_options")
    else:
        kind = definition.get("notification_type")
        if kind not in (None, "standard", "silent"):
            raise InputError(f"{where}.notification_type must be standard or silent (got {kind!r})")
        content = definition.get("content")
        if kind == "silent":
            if content is not None:
                raise InputError(f"{where}: a silent push has no content")
        else:
            body = _object(content, f"{where}.content") if content is not None else {}
            if not isinstance(body.get("body"), str) or not body["body"].strip():
                raise InputError(f"{where}.content.body is required for a standard push notification")
            # Klaviyo's default, made explicit: without it a standard push also fits the "silent" schema.
            definition["notification_type"] = "standard"
    return definition


def _message_resource(item: Any, where: str) -> dict[str, Any]:
    item = _object(item, where)
    if "channel" in item:  # the shorthand: a bare definition
        return {"type": "campaign-message", "attributes": {"definition": clean_message_definition(item, where)}}
    _reject_unknown(item, ("type", "attributes", "relationships"), where)
    if item.get("type", "campaign-message") != "campaign-message":
        raise InputError(f"{where}.type must be campaign-message (got {item.get('type')!r})")
    attributes = _object(item.get("attributes"), f"{where}.attributes")
    _reject_unknown(attributes, ("definition",), f"{where}.attributes")
    if "definition" not in attributes:
        raise InputError(f"{where}.attributes.definition is required")
    resource: dict[str, Any] = {
        "type": "campaign-message",
        "attributes": {"definition": clean_message_definition(attributes["definition"], f"{where}.definition")},
    }
    if item.get("relationships") is not None:
        relationships = _object(item["relationships"], f"{where}.relationships")
        _reject_unknown(relationships, ("image",), f"{where}.relationships")
        if "image" in relationships:
            image = _object(relationships["image"], f"{where}.relationships.image")
            data = _object(image.get("data"), f"{where}.relationships.image.data")
            image_id = data.get("id")
            if data.get("type", "image") != "image" or not isinstance(image_id, str):
                raise InputError(f'{where}.relationships.image must be {{"data": {{"type": "image", "id": "..."}}}}')
            relationships = {"image": {"data": {"type": "image", "id": clean_id(image_id)}}}
        resource["relationships"] = relationships
    return resource


def clean_campaign_messages(value: Any) -> dict[str, Any]:
    """Campaign Messages as the ``campaign-messages`` attribute value ``{"data": [...]}``.

    Accepts that value, the bare array of ``campaign-message`` resources, an array of bare
    ``definition`` objects (``[{"channel": "email", "label": ..., "content": {...}}]``), or one
    definition or resource alone.

    Example:
        >>> clean_campaign_messages('[{"channel": "sms", "content": {"body": "Hi"}}]')["data"][0]["attributes"]
        {'definition': {'channel': 'sms', 'content': {'body': 'Hi'}}}
    """
    parsed = _unwrap(to_json(value), "campaign-messages")
    if isinstance(parsed, Mapping) and "data" in parsed:
        _reject_unknown(parsed, ("data",), "the object")
        parsed = parsed["data"]
    if isinstance(parsed, Mapping):
        parsed = [parsed]
    if not isinstance(parsed, list):
        raise InputError('must be {"data": [campaign-message, ...]}, an array of messages, or an array of definitions')
    if not parsed:
        raise InputError("needs at least one message")
    resources = [_message_resource(item, f"message {n}") for n, item in enumerate(parsed, 1)]
    channels = [r["attributes"]["definition"]["channel"] for r in resources]
    if len(set(channels)) > 1:
        # A campaign goes out on one channel; its messages are variations of that one send.
        raise InputError(f"every message of a campaign must use the same channel (got {', '.join(channels)})")
    return {"data": resources}


def clean_tracking_options(value: Any) -> dict[str, Any]:
    """``tracking_options`` exactly as Klaviyo takes it (email: also opens and clicks).

    Example:
        >>> clean_tracking_options('{"is_tracking_opens": true}')
        {'is_tracking_opens': True}
    """
    options = _object(_unwrap(to_json(value), "tracking_options"), "tracking_options")
    keys = ("add_tracking_params", "custom_tracking_params", "is_tracking_clicks", "is_tracking_opens")
    _reject_unknown(options, keys, "tracking_options")
    for key in ("add_tracking_params", "is_tracking_clicks", "is_tracking_opens"):
        _bool(options, key, "tracking_options")
    params = options.get("custom_tracking_params")
    if params is not None:
        if not isinstance(params, list):
            raise InputError("tracking_options.custom_tracking_params must be an array")
        for n, param in enumerate(params, 1):
            where = f"tracking_options.custom_tracking_params[{n}]"
            param = _object(param, where)
            _reject_unknown(param, ("type", "name", "value"), where)
            if param.get("type") not in ("static", "dynamic"):
                raise InputError(f"{where}.type must be static or dynamic (got {param.get('type')!r})")
            for key in ("name", "value"):
                if not isinstance(param.get(key), str) or not param[key]:
                    raise InputError(f"{where}.{key} is required text")
            if param["type"] == "dynamic" and param["value"] not in DYNAMIC_TRACKING_VALUES:
                raise InputError(
                    f"{where}.value must be one of {', '.join(DYNAMIC_TRACKING_VALUES)} (got {param['value']!r})"
                )
    return options


def clean_send_options(value: Any) -> dict[str, Any]:
    """``send_options``: ``{"use_smart_sending": true|false}``.

    Example:
        >>> clean_send_options({"use_smart_sending": False})
        {'use_smart_sending': False}
    """
    options = _object(_unwrap(to_json(value), "send_options"), "send_options")
    _reject_unknown(options, ("use_smart_sending",), "send_options")
    _bool(options, "use_smart_sending", "send_options")
    return options


def clean_send_strategy(value: Any) -> dict[str, Any]:
    """``send_strategy``: immediate, static (datetime, options), throttled (datetime, percentage) or smart send time.

    Datetimes must be ISO 8601 and are normalised (``Z`` -> ``+00:00``; naive times are UTC).

    Example:
        >>> clean_send_strategy({"method": "throttled", "datetime": "2026-08-01T10:00:00Z", "throttle_percentage": 10})
        {'method': 'throttled', 'datetime': '2026-08-01T10:00:00+00:00', 'throttle_percentage': 10}
    """
    strategy = _object(_unwrap(to_json(value), "send_strategy"), "send_strategy")
    method = strategy.get("method")
    if method not in SEND_METHODS:
        raise InputError(f"send_strategy.method must be one of {', '.join(SEND_METHODS)} (got {method!r})")
    allowed = {
        "immediate": ("method",),
        "static": ("method", "datetime", "options"),
        "throttled": ("method", "datetime", "throttle_percentage"),
        "smart_send_time": ("method", "date"),
    }[method]
    _reject_unknown(strategy, allowed, f"send_strategy ({method})")
    if "datetime" in allowed:
        if not strategy.get("datetime"):
            raise InputError(f"send_strategy.datetime is required for the {method} method")
        try:
            strategy["datetime"] = to_timestamp(strategy["datetime"])
        except InputError as exc:
            raise InputError(f"send_strategy.datetime {exc.problem}") from None
    if method == "smart_send_time":
        if not strategy.get("date"):
            raise InputError("send_strategy.date (YYYY-MM-DD) is required for the smart_send_time method")
        try:
            strategy["date"] = to_date(strategy["date"])
        except InputError as exc:
            raise InputError(f"send_strategy.date {exc.problem}") from None
    if method == "throttled":
        percentage = strategy.get("throttle_percentage")
        if isinstance(percentage, str) and percentage.strip().isdigit():
            percentage = int(percentage)
        if isinstance(percentage, bool) or percentage not in THROTTLE_PERCENTAGES:
            raise InputError(
                "send_strategy.throttle_percentage must be one of "
                f"{', '.join(str(p) for p in THROTTLE_PERCENTAGES)} (got {strategy.get('throttle_percentage')!r})"
            )
        strategy["throttle_percentage"] = percentage
    if method == "static" and strategy.get("options") is not None:
        options = _object(strategy["options"], "send_strategy.options")
        _reject_unknown(options, ("is_local", "send_past_recipients_immediately"), "send_strategy.options")
        if not isinstance(options.get("is_local"), bool):
            raise InputError("send_strategy.options.is_local must be true or false")
        _bool(options, "send_past_recipients_immediately", "send_strategy.options")
        if not options["is_local"] and "send_past_recipients_immediately" in options:
            raise InputError(
                "send_strategy.options.send_past_recipients_immediately applies only when is_local is true"
            )
        strategy["options"] = options
    return strategy


def clean_channel(value: Any) -> str:
    """email, sms or mobile_push (any case)."""
    channel = to_stripped(value).lower()
    if channel not in CHANNELS:
        raise InputError(f"must be one of {', '.join(CHANNELS)} (got {value!r})")
    return channel


_CHANNEL_CONDITION = re.compile(r"equals\(\s*messages\.channel\s*,\s*(['\"]?)([^'\")]*)\1\s*\)")


def campaign_filter(filter_text: str | None, channel: str | None) -> str:
    """The ``filter`` for Get Campaigns: the user's filter with the ``messages.channel`` condition it needs.

    The catalog's default filter (sms) gives way to a Channel chosen separately; a filter without a
    channel condition gets the Channel's added; a channel condition that contradicts Channel is an error.

    Example:
        >>> campaign_filter("contains(name,'Spring')", "email")
        "equals(messages.channel,'email'),contains(name,'Spring')"
        >>> campaign_filter("equals(messages.channel,'sms')", "email")
        "equals(messages.channel,'email')"
    """
    text = (filter_text or "").strip()
    wanted = f"equals(messages.channel,'{channel}')" if channel else None
    if wanted and (not text or text == DEFAULT_CAMPAIGN_FILTER):
        return wanted
    found = [m.group(2) for m in _CHANNEL_CONDITION.finditer(text)]
    for value in found:
        if value not in CHANNELS:
            raise InputError(
                f"messages.channel must be one of {', '.join(CHANNELS)} (got {value!r})",
                label="Filter Campaigns",
                key="filterCampaigns",
            )
    if channel and found:
        if any(value != channel for value in found):
            raise InputError(
                f"its messages.channel condition ({', '.join(found)}) contradicts Channel ({channel}); set one of them",
                label="Filter Campaigns",
                key="filterCampaigns",
            )
        return text
    if wanted:
        return f"{wanted},{text}"
    if "messages.channel" not in text:
        raise InputError(
            "must include a channel condition such as equals(messages.channel,'email') (Klaviyo's 2026-07-15 "
            "API lists one channel at a time: email, sms or mobile_push), or pick a Channel",
            label="Filter Campaigns",
            key="filterCampaigns",
        )
    return text


def _audiences_error(label: str, key: str, problem: str) -> InputError:
    return InputError(problem, label=label, key=key)


def _audience_ids_input(label: str, comments: str, required: bool = False) -> Any:
    return input_field(
        label,
        comments=comments,
        collection=Collection.VALUE_LIST,
        clean=clean_id,
        required=required,
        example=["Y6nRLr"],
    )


def _json_input(label: str, comments: str, clean: Any, required: bool = False, example: Any = None) -> Any:
    return input_field(label, type=InputType.JSON, comments=comments, clean=clean, required=required, example=example)


# -- Create Campaign ---------------------------------------------------------------------------


@attrs.frozen
class CreateCampaignInputs:
    """Inputs of Create Campaign."""

    campaign_name: str = input_field(
        "Campaign Name", comments=CAMPAIGN_NAME_COMMENTS, required=True, clean=clean_non_blank
    )
    campaign_messages: dict[str, Any] = _json_input(
        "Campaign Messages",
        "The message(s) to send in the campaign.",
        clean_campaign_messages,
        required=True,
        example=[{"channel": "email", "label": "Spring", "content": {"subject": "Spring sale"}}],
    )
    included_audiences: list[str] = _audience_ids_input("Included Audiences", "A list of included audiences.", True)
    excluded_audiences: list[str] = _audience_ids_input("Excluded Audiences", "A list of excluded audiences.")
    tracking_options: dict[str, Any] | None = _json_input(
        "Tracking Options", "The tracking options for the campaign.", clean_tracking_options
    )
    send_options: dict[str, Any] | None = _json_input(
        "Send Options", "The send options for the campaign.", clean_send_options, example={"use_smart_sending": True}
    )
    send_strategy: dict[str, Any] | None = _json_input(
        "Send Strategy", "The send strategy for the campaign.", clean_send_strategy, example={"method": "immediate"}
    )


def create_campaign(client: KlaviyoClient, inputs: CreateCampaignInputs) -> Any:
    """``POST /api/campaigns`` (``create_campaign``): the campaign and its messages in one call.

    Example:
        >>> # create_campaign(client, CREATE_CAMPAIGN.clean({"campaignName": "Spring", ...}))
    """
    if not inputs.included_audiences:
        raise _audiences_error("Included Audiences", "includedAudiences", "needs at least one list or segment ID")
    audiences: dict[str, Any] = {"included": inputs.included_audiences}
    if inputs.excluded_audiences:
        audiences["excluded"] = inputs.excluded_audiences
    body = resource_body(
        "campaign",
        {
            "name": inputs.campaign_name,
            "audiences": audiences,
            "send_strategy": inputs.send_strategy,
            "send_options": inputs.send_options,
            "tracking_options": inputs.tracking_options,
            "campaign-messages": inputs.campaign_messages,
        },
    )
    # A repeat after a 5xx could create a second campaign, so the default (no retry on 5xx) stands.
    return client.request("POST", "/api/campaigns", json=body).json()


CREATE_CAMPAIGN = ActionDefinition(
    key="createCampaign",
    label="Create Campaign",
    description="Creates a campaign given a set of parameters, then returns it.",
    inputs=CreateCampaignInputs,
    perform=create_campaign,
    operation_ids=("create_campaign",),
)


# -- Get Campaign ------------------------------------------------------------------------------


@attrs.frozen
class GetCampaignInputs:
    """Inputs of Get Campaign."""

    campaign_id: str = id_input("Campaign ID", CAMPAIGN_ID_COMMENTS)
    fields: list[str] = fields_input(CAMPAIGN_FIELDS)
    include: list[str] = input_field(
        "Include",
        comments="Related resources to return in 'included': campaign-messages, tags.",
        collection=Collection.VALUE_LIST,
        choices=CAMPAIGN_INCLUDES,
    )


def get_campaign(client: KlaviyoClient, inputs: GetCampaignInputs) -> Any:
    """``GET /api/campaigns/{id}`` (``get_campaign``)."""
    params = {**sparse_fields("campaign", inputs.fields), **query(include=inputs.include)}
    return get_document(client, f"/api/campaigns/{inputs.campaign_id}", params)


GET_CAMPAIGN = ActionDefinition(
    key="getCampaign",
    label="Get Campaign",
    description="Returns a specific campaign based on a required id.",
    inputs=GetCampaignInputs,
    perform=get_campaign,
    operation_ids=("get_campaign",),
)


# -- List Campaigns ----------------------------------------------------------------------------


def _channel_input(comments: str) -> Any:
    return input_field("Channel", type=InputType.PICKLIST, comments=comments, choices=CHANNELS, clean=clean_channel)


@attrs.frozen
class ListCampaignsInputs:
    """Inputs of List Campaigns."""

    filter_campaigns: str | None = input_field(
        "Filter Campaigns",
        comments="A filter to apply to the campaigns.",
        default=DEFAULT_CAMPAIGN_FILTER,
        clean=to_stripped,
    )
    fields: list[str] = fields_input(CAMPAIGN_FIELDS)
    channel: str | None = _channel_input(
        "List this channel's campaigns: sets the messages.channel condition Klaviyo requires "
        "(replacing the default filter's sms, or added to your own filter)."
    )
    sort: str | None = sort_input(CAMPAIGN_SORTS)
    max_records: int | None = max_records_input()
    page_size: int | None = page_size_input(CAMPAIGN_PAGE_MAX)


def list_campaigns(client: KlaviyoClient, inputs: ListCampaignsInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/campaigns`` (``get_campaigns``) for one channel, following every page; streams resources.

    Example:
        >>> # for c in list_campaigns(client, LIST_CAMPAIGNS.clean({"channel": "email"})): print(c["id"])
    """
    params = {
        **sparse_fields("campaign", inputs.fields),
        **query(filter=campaign_filter(inputs.filter_campaigns, inputs.channel), sort=inputs.sort),
    }
    return list_resources(
        client,
        "/api/campaigns",
        params,
        page_size=inputs.page_size,
        default_page_size=CAMPAIGN_PAGE_MAX,
        limit=inputs.max_records,
    )


LIST_CAMPAIGNS = ActionDefinition(
    key="listCampaigns",
    label="List Campaigns",
    description="Returns some or all campaigns based on filters.",
    inputs=ListCampaignsInputs,
    perform=list_campaigns,
    operation_ids=("get_campaigns",),
)


# -- Update Campaign ---------------------------------------------------------------------------


@attrs.frozen
class UpdateCampaignInputs:
    """Inputs of Update Campaign (messages are changed with Klaviyo's campaign-message endpoints)."""

    campaign_id: str = id_input("Campaign ID", CAMPAIGN_ID_COMMENTS)
    campaign_name: str | None = input_field("Campaign Name", comments=CAMPAIGN_NAME_COMMENTS, clean=clean_non_blank)
    included_audiences: list[str] = _audience_ids_input("Included Audiences", "A list of included audiences.")
    excluded_audiences: list[str] = _audience_ids_input("Excluded Audiences", "A list of excluded audiences.")
    tracking_options: dict[str, Any] | None = _json_input(
        "Tracking Options", "The tracking options for the campaign.", clean_tracking_options
    )
    send_options: dict[str, Any] | None = _json_input(
        "Send Options", "The send options for the campaign.", clean_send_options
    )
    send_strategy: dict[str, Any] | None = _json_input(
        "Send Strategy", "The send strategy for the campaign.", clean_send_strategy
    )


def update_campaign(client: KlaviyoClient, inputs: UpdateCampaignInputs) -> Any:
    """``PATCH /api/campaigns/{id}`` (``update_campaign``): only the inputs given change.

    Given audience lists replace the campaign's (Klaviyo's rule); empty ones are left as they are.
    """
    audiences: dict[str, Any] = {}
    if inputs.included_audiences:
        audiences["included"] = inputs.included_audiences
    if inputs.excluded_audiences:
        audiences["excluded"] = inputs.excluded_audiences
    attributes = {
        "name": inputs.campaign_name,
        "audiences": audiences or None,
        "send_options": inputs.send_options,
        "tracking_options": inputs.tracking_options,
        "send_strategy": inputs.send_strategy,
    }
    if all(value is None for value in attributes.values()):
        raise InputError(
            "nothing to update: give at least one of Campaign Name, Included Audiences, Excluded Audiences, "
            "Tracking Options, Send Options, Send Strategy"
        )
    body = resource_body("campaign", attributes, resource_id=inputs.campaign_id)
    # Setting the same values twice leaves the same campaign, so a repeat after a dropped connection is safe.
    return client.request("PATCH", f"/api/campaigns/{inputs.campaign_id}", json=body, retry_safe=True).json()


UPDATE_CAMPAIGN = ActionDefinition(
    key="updateCampaign",
    label="Update Campaign",
    description="Update a campaign with the given campaign ID.",
    inputs=UpdateCampaignInputs,
    perform=update_campaign,
    operation_ids=("update_campaign",),
)


# -- Delete Campaign ----------------------------------------------------------------------

DELETE_CAMPAIGN = delete_action(
    key="deleteCampaign",
    label="Delete Campaign",
    description="Delete a campaign with the given campaign ID.",
    id_label="Campaign ID",
    id_comments=CAMPAIGN_ID_COMMENTS,
    path="/api/campaigns/{id}",
    operation="delete_campaign",
)


# -- data source -------------------------------------------------------------------------------


@attrs.frozen
class SelectCampaignInputs:
    """Inputs of the Select Campaign picklist."""

    channel: str | None = _channel_input("Only this channel's campaigns; leave empty for every channel.")


def select_campaign(client: KlaviyoClient, inputs: SelectCampaignInputs) -> Iterator[dict[str, str]]:
    """Every campaign as ``{"label": "name (channel)", "key": id}``.

    Klaviyo lists one channel per request in this revision, so without a Channel the picklist
    merges the email, sms and mobile_push listings (three paginated requests).
    """
    for channel in (inputs.channel,) if inputs.channel else CHANNELS:
        params = {"fields[campaign]": ["name"], "filter": f"equals(messages.channel,'{channel}')"}
        for campaign in client.paginate("/api/campaigns", params=params, page_size=CAMPAIGN_PAGE_MAX):
            name = (campaign.get("attributes") or {}).get("name") or campaign.get("id")
            yield {"label": f"{name} ({channel})", "key": str(campaign.get("id"))}


SELECT_CAMPAIGN = DataSourceDefinition(
    key="selectCampaign",
    label="Select Campaign",
    description="A picklist of the account's campaigns (every channel unless one is chosen).",
    inputs=SelectCampaignInputs,
    perform=select_campaign,
)

ACTIONS = (CREATE_CAMPAIGN, GET_CAMPAIGN, LIST_CAMPAIGNS, UPDATE_CAMPAIGN, DELETE_CAMPAIGN)
DATA_SOURCES = (SELECT_CAMPAIGN,)


class Campaigns(CampaignsOperations):
    """``Klaviyo(...).campaigns``: typed access to campaigns.

    Example:
        >>> # k = Klaviyo(api_key="pk_...")
        >>> # for c in k.campaigns.list(channel="email"): print(c.attributes.name)
    """

    def create(
        self,
        name: str,
        *,
        messages: Any,
        included: Sequence[str],
        excluded: Sequence[str] | None = None,
        tracking_options: Mapping[str, Any] | None = None,
        send_options: Mapping[str, Any] | None = None,
        send_strategy: Mapping[str, Any] | None = None,
    ) -> Campaign:
        """Create a campaign with its message(s) (definitions, resources or ``{"data": [...]}``)."""
        return self._one(
            CampaignAttributes,
            CREATE_CAMPAIGN,
            campaign_name=name,
            campaign_messages=messages,
            included_audiences=list(included),
            excluded_audiences=list(excluded) if excluded else None,
            tracking_options=tracking_options,
            send_options=send_options,
            send_strategy=send_strategy,
        )

    def get(self, campaign_id: str, *, fields: list[str] | None = None, include: list[str] | None = None) -> Campaign:
        """Get one campaign."""
        return self._one(CampaignAttributes, GET_CAMPAIGN, campaign_id=campaign_id, fields=fields, include=include)

    def list(
        self,
        *,
        channel: str | None = None,
        filter: str | None = None,
        fields: list[str] | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Campaign]:
        """Stream one channel's campaigns (the catalog default, sms, when neither channel nor filter says)."""
        return self._many(
            CampaignAttributes,
            LIST_CAMPAIGNS,
            channel=channel,
            filter_campaigns=filter,
            fields=fields,
            sort=sort,
            max_records=limit,
        )

    def update(
        self,
        campaign_id: str,
        *,
        name: str | None = None,
        included: Sequence[str] | None = None,
        excluded: Sequence[str] | None = None,
        tracking_options: Mapping[str, Any] | None = None,
        send_options: Mapping[str, Any] | None = None,
        send_strategy: Mapping[str, Any] | None = None,
    ) -> Campaign:
        """Change a campaign's name, audiences or options (its messages are not changed here)."""
        return self._one(
            CampaignAttributes,
            UPDATE_CAMPAIGN,
            campaign_id=campaign_id,
            campaign_name=name,
            included_audiences=list(included) if included else None,
            excluded_audiences=list(excluded) if excluded else None,
            tracking_options=tracking_options,
            send_options=send_options,
            send_strategy=send_strategy,
        )

    def delete(self, campaign_id: str) -> None:
        """Delete a campaign."""
        self._perform(DELETE_CAMPAIGN, campaign_id=campaign_id)


FACADE = Campaigns
