"""Events: track one event, track many in bulk, and read them back.

Example:
    >>> # from connector import Klaviyo
    >>> # Klaviyo(api_key="pk_...").events.create("Placed Order", {"email": "ada@example.com"})

Reference: https://developers.klaviyo.com/en/reference/events_api_overview
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from actions._facade.events import EventsOperations
from actions._shared import (
    clean_non_blank,
    fields_input,
    filter_input,
    get_document,
    id_input,
    list_resources,
    max_records_input,
    page_size_input,
    query,
    sort_input,
    sparse_fields,
)
from actions.profiles import clean_profile_attributes, note_progress
from connector.client.errors import InputError, KlaviyoError
from connector.client.jsonapi import Resource, resource_body
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition
from connector.framework.inputs import (
    InputType,
    input_field,
    to_bool,
    to_json,
    to_json_object,
    to_number,
    to_str,
    to_timestamp,
)
from connector.klaviyo.operation_actions import picklist as registry_picklist
from connector.klaviyo.validators import clean_currency

EVENT_FIELDS = ("datetime", "event_properties", "id", "timestamp", "uuid")
METRIC_FIELDS = ("created", "id", "integration", "name", "updated")
#: ``fields[profile]`` of the event endpoints (no subscriptions or predictive analytics there).
EVENT_PROFILE_FIELDS = (
    "created",
    "email",
    "external_id",
    "first_name",
    "id",
    "image",
    "last_event_date",
    "last_name",
    "locale",
    "location",
    "organization",
    "phone_number",
    "properties",
    "title",
    "updated",
)
EVENT_PAGE_MAX = 1000
METRIC_NAME_MAX = 127  # Klaviyo: "less than 128 characters"
PROPERTIES_MAX = 400
#: Klaviyo's per-request limits of Bulk Create Events; 5 MB taken as 5,000,000 bytes to stay on the safe side.
BULK_MAX_EVENTS = 1000
MAX_BODY_BYTES = 5_000_000
EARLIEST_EVENT = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)
#: Any one of these identifies the profile an event belongs to (besides a profile ``id``).
PROFILE_IDENTIFIERS = ("email", "phone_number", "external_id", "anonymous_id", "_kx")
EVENT_PROFILE_ATTRIBUTES = (
    *PROFILE_IDENTIFIERS,
    "first_name",
    "last_name",
    "organization",
    "locale",
    "title",
    "image",
    "location",
    "properties",
    "meta",
)
EVENT_ATTRIBUTES = ("properties", "time", "value", "value_currency", "unique_id", "backfill", "metric")


@attrs.frozen
class EventAttributes:
    """An event's attributes as Klaviyo returns them.

    Example:
        >>> EventAttributes(uuid="abc").uuid
        'abc'
    """

    timestamp: int | None = None
    event_properties: dict[str, Any] | None = None
    datetime: dt.datetime | None = None
    uuid: str | None = None


@attrs.frozen
class MetricAttributes:
    """A metric's attributes (``integration`` says which service records it).

    Example:
        >>> MetricAttributes(name="Placed Order").name
        'Placed Order'
    """

    name: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    integration: dict[str, Any] | None = None


Event = Resource[EventAttributes]
Metric = Resource[MetricAttributes]


@attrs.frozen
class EventSubmission:
    """What Bulk Create Events sent: Klaviyo answers 202 with no body, so the counts are all there is.

    Example:
        >>> EventSubmission(requests=2, events=1001).events
        1001
    """

    requests: int
    events: int


# -- cleaners (also used per event of a bulk request, with a path prefix) -----------------------


def _at(where: str, exc: InputError) -> InputError:
    return InputError(f"{where}: {exc.problem}" if where else exc.problem)


def clean_metric_name(value: Any) -> str:
    """A metric name: not blank, under 128 characters.

    Example:
        >>> clean_metric_name(" Placed Order ")
        'Placed Order'
    """
    name = clean_non_blank(value)
    if len(name) > METRIC_NAME_MAX:
        raise InputError(f"must be less than 128 characters (got {len(name)})")
    return name


def clean_event_properties(value: Any) -> dict[str, Any]:
    """An event's properties: a JSON object of at most 400 keys."""
    properties = to_json_object(value)
    if len(properties) > PROPERTIES_MAX:
        raise InputError(f"must have at most {PROPERTIES_MAX} properties (got {len(properties)})")
    return properties


def clean_event_time(value: Any) -> str:
    """An ISO 8601 time after 1990 and at most a year ahead (Klaviyo's window).

    Example:
        >>> clean_event_time("2024-05-01T12:00:00Z")
        '2024-05-01T12:00:00+00:00'
    """
    stamp = to_timestamp(value)
    moment = dt.datetime.fromisoformat(stamp)
    if moment <= EARLIEST_EVENT:
        raise InputError(f"must be after 1990 (got {stamp})")
    if moment > dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365):
        raise InputError(f"must be at most one year in the future (got {stamp})")
    return stamp


def clean_unique_id(value: Any) -> str:
    """A unique id: any non-blank text (numbers kept as text)."""
    return clean_non_blank(value)


def clean_event_profile(value: Any, where: str = "") -> dict[str, Any]:
    """The profile ``data`` object of an event, from any of the accepted forms.

    Accepts Klaviyo's ``{"data": {"type": "profile", "attributes": {...}}}``, the resource object
    ``{"type": "profile", "attributes": {...}}`` and the bare attributes ``{"email": ...}``; needs an
    identifier (email, phone_number, external_id, anonymous_id, _kx) or a profile ``id``.

    Example:
        >>> clean_event_profile('{"email": "ada@example.com"}')
        {'type': 'profile', 'attributes': {'email': 'ada@example.com'}}
    """
    prefix = f"{where}: " if where else ""
    try:
        raw: Any = to_json_object(value)
    except InputError as exc:
        raise _at(where, exc) from None
    if isinstance(raw.get("data"), Mapping):
        raw = raw["data"]
    if "attributes" in raw or raw.get("type") == "profile":
        if raw.get("type", "profile") != "profile":
            raise InputError(f"{prefix}type must be 'profile' (got {raw.get('type')!r})")
        unknown = sorted(k for k in raw if k not in ("type", "id", "attributes", "meta"))
        if unknown:
            raise InputError(f"{prefix}unknown key(s) {', '.join(unknown)}; allowed: type, id, attributes, meta")
        attributes = raw.get("attributes") or {}
        if not isinstance(attributes, Mapping):
            raise InputError(f"{prefix}attributes must be a JSON object")
        attributes = dict(attributes)
        profile_id, meta = raw.get("id"), raw.get("meta")
    else:
        attributes = dict(raw)
        profile_id, meta = attributes.pop("id", None), None
    cleaned = clean_profile_attributes(attributes, where, EVENT_PROFILE_ATTRIBUTES)
    if not profile_id and not any(cleaned.get(k) for k in PROFILE_IDENTIFIERS):
        raise InputError(f"{prefix}needs an identifier: email, phone_number, external_id, anonymous_id or id")
    profile: dict[str, Any] = {"type": "profile"}
    if profile_id:
        profile["id"] = to_str(profile_id)
    profile["attributes"] = {k: v for k, v in cleaned.items() if v is not None}
    if meta is not None:
        profile["meta"] = meta
    return profile


def clean_metric(value: Any, where: str) -> dict[str, Any]:
    """``{"data": {"type": "metric", "attributes": {"name": ...}}}`` from a name or any metric object form."""
    raw = value
    if isinstance(raw, Mapping) and isinstance(raw.get("data"), Mapping):
        raw = raw["data"]
    if isinstance(raw, Mapping) and isinstance(raw.get("attributes"), Mapping):
        raw = raw["attributes"]
    attributes: dict[str, Any] = {}
    try:
        if isinstance(raw, Mapping):
            attributes["name"] = clean_metric_name(raw.get("name"))
            if raw.get("service") is not None:
                attributes["service"] = to_str(raw["service"])
        else:
            attributes["name"] = clean_metric_name(raw)
    except InputError as exc:
        raise _at(f"{where}.name", exc) from None
    return {"data": {"type": "metric", "attributes": attributes}}


_EVENT_CLEANERS = {
    "properties": clean_event_properties,
    "time": clean_event_time,
    "value": to_number,
    "value_currency": clean_currency,
    "unique_id": clean_unique_id,
    "backfill": to_bool,
}


def clean_event_attributes(raw: Mapping[str, Any], where: str, extra: Sequence[str] = ()) -> dict[str, Any]:
    """One event's attributes as Klaviyo takes them (``properties`` defaults to ``{}``); ``extra`` keys pass."""
    unknown = sorted(k for k in raw if k not in EVENT_ATTRIBUTES and k not in extra)
    if unknown:
        allowed = ", ".join((*EVENT_ATTRIBUTES, *extra))
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {allowed}")
    if raw.get("metric") is None:
        raise InputError(f"{where}.metric: is required (a metric name such as 'Placed Order')")
    out: dict[str, Any] = {"properties": {}}
    for key, cleaner in _EVENT_CLEANERS.items():
        if raw.get(key) is None:
            continue
        try:
            out[key] = cleaner(raw[key])
        except InputError as exc:
            raise _at(f"{where}.{key}", exc) from None
    out["metric"] = clean_metric(raw["metric"], f"{where}.metric")
    return out


def _json_size(value: Any) -> int:
    # Serialised exactly as the client sends bodies, so the measured size is the size on the wire.
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


# -- Create Event --------------------------------------------------------------------------------


@attrs.frozen
class CreateEventInputs:
    """Inputs of Create Event."""

    event_name: str = input_field(
        "Event Name", comments="Name of the event.", required=True, clean=clean_metric_name, example="Placed Order"
    )
    event_profile: dict[str, Any] = input_field(
        "Event Profile",
        type=InputType.JSON,
        comments="The profile associated with this event.",
        required=True,
        clean=clean_event_profile,
        example={"email": "ada@example.com"},
    )
    event_properties: dict[str, Any] | None = input_field(
        "Event Properties",
        type=InputType.JSON,
        comments="The properties of the event.",
        clean=clean_event_properties,
        example={"ProductID": 1111, "ProductName": "Winnie the Pooh"},
    )
    event_time: str | None = input_field(
        "Event Time",
        comments="When this event occurred. By default, the time the request was received will be used.",
        clean=clean_event_time,
        example="2026-08-01T10:00:00Z",
    )
    event_value: float | int | None = input_field(
        "Event Value",
        comments="A numeric, monetary value to associate with this event.",
        clean=to_number,
        example=9.99,
    )
    event_value_currency: str | None = input_field(
        "Event Value Currency",
        comments="The ISO 4217 currency code of the value associated with the event.",
        clean=clean_currency,
        example="USD",
    )
    event_unique_id: str | None = input_field(
        "Event Unique ID", comments="A unique identifier for this event.", clean=clean_unique_id
    )
    backfill: bool | None = input_field(
        "Backfill",
        type=InputType.BOOLEAN,
        comments="Record the event without triggering flows (for importing past events).",
        default="false",
    )


def create_event(client: KlaviyoClient, inputs: CreateEventInputs) -> None:
    """``POST /api/events`` (``create_event``): 202 with no body (Klaviyo processes the event later).

    The metric and the profile are objects inside ``attributes``, not relationships.

    Example:
        >>> # create_event(client, CREATE_EVENT.clean({"eventName": "Placed Order",
        >>> #     "eventProfile": '{"email": "ada@example.com"}'}))
    """
    attributes = {
        "properties": inputs.event_properties or {},
        "time": inputs.event_time,
        "value": inputs.event_value,
        "value_currency": inputs.event_value_currency,
        "unique_id": inputs.event_unique_id,
        "backfill": True if inputs.backfill else None,
        "metric": {"data": {"type": "metric", "attributes": {"name": inputs.event_name}}},
        "profile": {"data": inputs.event_profile},
    }
    body = resource_body("event", attributes)
    size = _json_size(body)
    if size > MAX_BODY_BYTES:
        raise InputError(
            f"make the event smaller: Klaviyo takes at most 5 MB per event (this one is {size} bytes)",
            label="Event Properties",
            key="eventProperties",
        )
    client.request("POST", "/api/events", json=body)


CREATE_EVENT = ActionDefinition(
    key="createEvent",
    label="Create Event",
    description="Create a new event to track a profiles activity.",
    inputs=CreateEventInputs,
    perform=create_event,
    operation_ids=("create_event",),
)


# -- Bulk Create Events --------------------------------------------------------------------------

_FLAT_KEYS = ("profile",)
_BULK_ENVELOPE = {"data": {"type": "event-bulk-create-job", "attributes": {"events-bulk-create": {"data": []}}}}


def _bulk_entry(profile: Mapping[str, Any], events: list[dict[str, Any]], backfill: Any = None) -> dict[str, Any]:
    attributes: dict[str, Any] = {"profile": {"data": profile}, "events": {"data": events}}
    if backfill is not None:
        attributes["backfill"] = backfill
    return {"type": "event-bulk-create", "attributes": attributes}


def _profile_identity(profile: Mapping[str, Any]) -> tuple[Any, ...]:
    """Who a profile is to Klaviyo's duplicate check: its id, else its identifiers (emails case-insensitive)."""
    if profile.get("id"):
        return ("id", profile["id"])
    attributes = profile.get("attributes") or {}
    email = attributes.get("email")
    return tuple(
        (email.lower() if isinstance(email, str) else email) if key == "email" else attributes.get(key)
        for key in PROFILE_IDENTIFIERS
    )


def _unwrap_events_array(value: Any) -> list[Any]:
    parsed = to_json(value)
    if isinstance(parsed, Mapping):
        data = parsed.get("data")
        if isinstance(data, Mapping) and isinstance(data.get("attributes"), Mapping):
            # The whole job body pasted as it is: take the events-bulk-create value out of it.
            parsed = data["attributes"].get("events-bulk-create", parsed)
        elif "events-bulk-create" in parsed:
            parsed = parsed["events-bulk-create"]
    if isinstance(parsed, Mapping):
        parsed = parsed.get("data", [parsed])
    if isinstance(parsed, Mapping):
        parsed = [parsed]  # one entry wrapped in "data" on its own
    if not isinstance(parsed, list):
        raise InputError('must be a JSON array of events, or Klaviyo\'s events-bulk-create {"data": [...]} object')
    return parsed


def clean_events_array(value: Any) -> list[dict[str, Any]]:
    """Bulk entries (one profile and its events each), checked and with shorthand events grouped per profile.

    Accepts Klaviyo's ``events-bulk-create`` value ``{"data": [entry, ...]}``, the bare array of entries,
    and flat events ``[{"metric": "Viewed Product", "profile": {"email": ...}, "properties": {...}}]``.
    A ``unique_id`` repeated for the same profile and metric is refused (Klaviyo would reject the request).

    Example:
        >>> entries = clean_events_array('[{"metric": "Viewed", "profile": {"email": "ada@example.com"}}]')
        >>> entries[0]["attributes"]["events"]["data"][0]["attributes"]["metric"]["data"]["attributes"]
        {'name': 'Viewed'}
    """
    items = _unwrap_events_array(value)
    if not items:
        raise InputError("must contain at least one event")
    entries: list[dict[str, Any]] = []
    grouped: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[Any, ...], str] = {}
    envelope = _json_size(_BULK_ENVELOPE)

    def add(entry: dict[str, Any], event: dict[str, Any], where: str, attributes_at: str) -> None:
        attributes = event["attributes"]
        unique_id = attributes.get("unique_id")
        if unique_id is not None:
            profile = entry["attributes"]["profile"]["data"]
            name = attributes["metric"]["data"]["attributes"]["name"]
            key = (_profile_identity(profile), name, unique_id)
            if key in seen:
                raise InputError(
                    f"{attributes_at}.unique_id: {unique_id!r} repeats {seen[key]} for the same profile and metric "
                    "(Klaviyo would reject the whole request)"
                )
            seen[key] = where
        shell = _bulk_entry(entry["attributes"]["profile"]["data"], [], entry["attributes"].get("backfill"))
        if envelope + _json_size(shell) + _json_size(event) > MAX_BODY_BYTES:
            raise InputError(f"{where}: is larger than Klaviyo's 5 MB request limit on its own")
        entry["attributes"]["events"]["data"].append(event)

    for index, item in enumerate(items):
        where = f"[{index}]"
        if not isinstance(item, Mapping):
            raise InputError(f"{where}: must be a JSON object")
        attributes = item.get("attributes")
        if item.get("type") == "event-bulk-create" or (isinstance(attributes, Mapping) and "events" in attributes):
            if not isinstance(attributes, Mapping):
                raise InputError(f"{where}.attributes: must be a JSON object with profile and events")
            profile = clean_event_profile(attributes.get("profile") or {}, f"{where}.attributes.profile")
            backfill = attributes.get("backfill")
            entry = _bulk_entry(profile, [], None if backfill is None else _clean_backfill(backfill, where))
            events = attributes.get("events")
            events = events.get("data") if isinstance(events, Mapping) else events
            if not isinstance(events, list) or not events:
                raise InputError(f"{where}.attributes.events: must hold a non-empty data array of events")
            for position, raw_event in enumerate(events):
                event_where = f"{where}.attributes.events.data[{position}]"
                add(entry, _clean_event_resource(raw_event, event_where), event_where, f"{event_where}.attributes")
            entries.append(entry)
        elif "metric" in item:
            profile = clean_event_profile(item.get("profile") or {}, f"{where}.profile")
            event = {"type": "event", "attributes": clean_event_attributes(item, where, _FLAT_KEYS)}
            group_key = json.dumps(profile, sort_keys=True)
            if group_key not in grouped:
                grouped[group_key] = _bulk_entry(profile, [])
                entries.append(grouped[group_key])
            add(grouped[group_key], event, where, where)
        else:
            raise InputError(
                f"{where}: must be an event-bulk-create entry "
                '({"type": "event-bulk-create", "attributes": {"profile": ..., "events": ...}}) '
                'or an event such as {"metric": "Viewed Product", "profile": {"email": ...}}'
            )
    return entries


def _clean_backfill(value: Any, where: str) -> bool:
    try:
        return to_bool(value)
    except InputError as exc:
        raise _at(f"{where}.attributes.backfill", exc) from None


def _clean_event_resource(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: must be a JSON object")
    if raw.get("type", "event") != "event":
        raise InputError(f"{where}.type: must be 'event' (got {raw.get('type')!r})")
    attributes = raw.get("attributes", raw if "type" not in raw else None)
    if not isinstance(attributes, Mapping):
        raise InputError(f"{where}.attributes: must be a JSON object")
    return {"type": "event", "attributes": clean_event_attributes(attributes, f"{where}.attributes")}


def _event_count(entry: Mapping[str, Any]) -> int:
    return len(entry["attributes"]["events"]["data"])


def pack_bulk_entries(
    entries: Sequence[dict[str, Any]], max_events: int = BULK_MAX_EVENTS, max_bytes: int = MAX_BODY_BYTES
) -> list[list[dict[str, Any]]]:
    """Split entries into requests of at most ``max_events`` events and ``max_bytes`` of JSON each.

    A profile's events stay in one request when they fit in one; a profile with more is split across
    requests (starting in the current one, to use the fewest requests).

    Example:
        >>> entry = _bulk_entry({"type": "profile", "attributes": {"email": "a@b.co"}}, [{"type": "event"}] * 3)
        >>> [[_event_count(e) for e in batch] for batch in pack_bulk_entries([entry], max_events=2)]
        [[2], [1]]
    """
    envelope = _json_size(_BULK_ENVELOPE)
    batches: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    count, size = 0, envelope

    def place(entry: dict[str, Any], events: int, entry_size: int) -> None:
        nonlocal count, size
        size += entry_size + (1 if current else 0)  # the comma before every entry but the first
        current.append(entry)
        count += events

    def flush() -> None:
        nonlocal current, count, size
        if current:
            batches.append(current)
        current, count, size = [], 0, envelope

    for entry in entries:
        events = entry["attributes"]["events"]["data"]
        entry_size = _json_size(entry)
        comma = 1 if current else 0
        if count + len(events) <= max_events and size + comma + entry_size <= max_bytes:
            place(entry, len(events), entry_size)
            continue
        if len(events) <= max_events and envelope + entry_size <= max_bytes:
            flush()  # keep this profile's events together in a fresh request
            place(entry, len(events), entry_size)
            continue
        attributes = entry["attributes"]
        shell_size = _json_size(_bulk_entry(attributes["profile"]["data"], [], attributes.get("backfill")))
        piece: list[dict[str, Any]] = []
        piece_size = shell_size
        for event in events:
            grown = piece_size + _json_size(event) + (1 if piece else 0)
            comma = 1 if current else 0
            if count + len(piece) + 1 <= max_events and size + comma + grown <= max_bytes:
                piece.append(event)
                piece_size = grown
                continue
            if piece:
                place(
                    _bulk_entry(attributes["profile"]["data"], piece, attributes.get("backfill")),
                    len(piece),
                    piece_size,
                )
            flush()
            piece, piece_size = [event], shell_size + _json_size(event)
        if piece:
            place(_bulk_entry(attributes["profile"]["data"], piece, attributes.get("backfill")), len(piece), piece_size)
    flush()
    return batches


@attrs.frozen
class BulkCreateEventsInputs:
    """Inputs of Bulk Create Events."""

    events_array: list[dict[str, Any]] = input_field(
        "Events Array",
        type=InputType.JSON,
        comments="An array of events to create.",
        required=True,
        clean=clean_events_array,
        example=[{"metric": "Viewed Product", "profile": {"email": "ada@example.com"}, "properties": {"SKU": "1"}}],
    )


def bulk_create_events(client: KlaviyoClient, inputs: BulkCreateEventsInputs) -> dict[str, Any]:
    """``POST /api/event-bulk-create-jobs`` (``bulk_create_events``), split at 1000 events / 5 MB per request.

    Example:
        >>> # bulk_create_events(client, BULK_CREATE_EVENTS.clean({"eventsArray": [...]}))
    """
    batches = pack_bulk_entries(inputs.events_array)
    for sent, batch in enumerate(batches):
        body = resource_body("event-bulk-create-job", {"events-bulk-create": {"data": batch}})
        try:
            client.request("POST", "/api/event-bulk-create-jobs", json=body)
        except KlaviyoError as exc:
            raise note_progress(exc, sent, len(batches)) from None
    return {"data": None, "requests": len(batches), "events": sum(_event_count(e) for e in inputs.events_array)}


BULK_CREATE_EVENTS = ActionDefinition(
    key="bulkCreateEvents",
    label="Bulk Create Events",
    description="Create a batch of events for one or more profiles.",
    inputs=BulkCreateEventsInputs,
    perform=bulk_create_events,
    operation_ids=("bulk_create_events",),
)


# -- Get Event / List Events ---------------------------------------------------------------------


def _event_fields_input() -> Any:
    return fields_input(EVENT_FIELDS, label="Event Fields", comments="Event fields to include in the response.")


def _metric_fields_input() -> Any:
    return fields_input(METRIC_FIELDS, label="Metric Fields", comments="Metric fields to include in the response.")


def _profile_fields_input() -> Any:
    return fields_input(
        EVENT_PROFILE_FIELDS, label="Profile Fields", comments="Profile fields to include in the response."
    )


def _event_query(event: Sequence[str], metric: Sequence[str], profile: Sequence[str]) -> dict[str, Any]:
    # Metric or profile fields only matter for included resources, so asking for them includes those.
    include = [name for name, fields in (("metric", metric), ("profile", profile)) if fields]
    return {
        **sparse_fields("event", event),
        **sparse_fields("metric", metric),
        **sparse_fields("profile", profile),
        **query(include=include),
    }


@attrs.frozen
class GetEventInputs:
    """Inputs of Get Event."""

    event_id: str = id_input("Event ID", "The ID of the event.")
    event_fields: list[str] = _event_fields_input()
    metric_fields: list[str] = _metric_fields_input()
    profile_fields: list[str] = _profile_fields_input()


def get_event(client: KlaviyoClient, inputs: GetEventInputs) -> Any:
    """``GET /api/events/{id}`` (``get_event``); metric/profile fields add ``include`` for them.

    Example:
        >>> # get_event(client, GetEventInputs(event_id="4vRpBT", metric_fields=["name"]))
    """
    params = _event_query(inputs.event_fields, inputs.metric_fields, inputs.profile_fields)
    return get_document(client, f"/api/events/{inputs.event_id}", params)


GET_EVENT = ActionDefinition(
    key="getEvent",
    label="Get Event",
    description="Get an event with the given event ID.",
    inputs=GetEventInputs,
    perform=get_event,
    operation_ids=("get_event",),
)


@attrs.frozen
class ListEventsInputs:
    """Inputs of List Events."""

    event_fields: list[str] = _event_fields_input()
    metric_fields: list[str] = _metric_fields_input()
    profile_fields: list[str] = _profile_fields_input()
    filter: str | None = filter_input(
        'Klaviyo filter, e.g. equals(metric_id,"Y6nRLr"); fields: metric_id, profile_id (equals), '
        "metric, profile (has), datetime, timestamp (greater-than, less-than and -or-equal)."
    )
    sort: str | None = sort_input(("datetime", "timestamp"))
    max_records: int | None = max_records_input()
    page_size: int | None = page_size_input(EVENT_PAGE_MAX)


def list_events(client: KlaviyoClient, inputs: ListEventsInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/events`` (``get_events``), following every page (1000 per page by default).

    Example:
        >>> # for e in list_events(client, ListEventsInputs(max_records=10)): print(e["id"])
    """
    params = {
        **_event_query(inputs.event_fields, inputs.metric_fields, inputs.profile_fields),
        **query(filter=inputs.filter, sort=inputs.sort),
    }
    return list_resources(
        client,
        "/api/events",
        params,
        page_size=inputs.page_size,
        default_page_size=EVENT_PAGE_MAX,
        limit=inputs.max_records,
    )


LIST_EVENTS = ActionDefinition(
    key="listEvents",
    label="List Events",
    description="Get all events in an account.",
    inputs=ListEventsInputs,
    perform=list_events,
    operation_ids=("get_events",),
)


# -- data source -------------------------------------------------------------------------------


SELECT_METRIC = registry_picklist(
    op_id="get_metrics",
    key="selectMetric",
    label="Select Metric",
    description="A picklist of the account's metrics (event names).",
)

ACTIONS = (CREATE_EVENT, BULK_CREATE_EVENTS, GET_EVENT, LIST_EVENTS)
DATA_SOURCES = (SELECT_METRIC,)


class Events(EventsOperations):
    """``Klaviyo(...).events``: track events and read them back.

    Example:
        >>> # k = Klaviyo(api_key="pk_...")
        >>> # k.events.create("Placed Order", {"email": "ada@example.com"}, value=9.99, value_currency="USD")
    """

    def create(
        self,
        metric_name: str,
        profile: Mapping[str, Any] | str,
        *,
        properties: Mapping[str, Any] | None = None,
        time: str | dt.datetime | None = None,
        value: float | None = None,
        value_currency: str | None = None,
        unique_id: str | None = None,
        backfill: bool = False,
    ) -> None:
        """Track one event (Klaviyo accepts it for processing; nothing is returned)."""
        self._perform(
            CREATE_EVENT,
            event_name=metric_name,
            event_profile=profile,
            event_properties=properties,
            event_time=time,
            event_value=value,
            event_value_currency=value_currency,
            event_unique_id=unique_id,
            backfill=backfill,
        )

    def bulk_create(self, events: Any) -> EventSubmission:
        """Track many events (flat events or Klaviyo's entries), in as few requests as the limits allow."""
        result = self._perform(BULK_CREATE_EVENTS, events_array=events)
        return EventSubmission(requests=result["requests"], events=result["events"])

    def get(
        self,
        event_id: str,
        *,
        event_fields: Sequence[str] | None = None,
        metric_fields: Sequence[str] | None = None,
        profile_fields: Sequence[str] | None = None,
    ) -> Event:
        """Get one event (the low-code action also returns the included metric/profile when their fields are asked)."""
        return self._one(
            EventAttributes,
            GET_EVENT,
            event_id=event_id,
            event_fields=event_fields,
            metric_fields=metric_fields,
            profile_fields=profile_fields,
        )

    def list(
        self,
        *,
        event_fields: Sequence[str] | None = None,
        metric_fields: Sequence[str] | None = None,
        profile_fields: Sequence[str] | None = None,
        filter: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Event]:
        """Stream events, newest or oldest first with ``sort="-datetime"`` / ``"datetime"``."""
        return self._many(
            EventAttributes,
            LIST_EVENTS,
            event_fields=event_fields,
            metric_fields=metric_fields,
            profile_fields=profile_fields,
            filter=filter,
            sort=sort,
            max_records=limit,
        )


FACADE = Events
