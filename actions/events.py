"""Events: track one event, track many in bulk, and read them back (with their metric and profile).

Each action is declared on its Klaviyo operation; the registry checks the call (event and profile attribute
names and types, fields, filters, sort, page sizes) and names the input that holds a wrong value. Written by
hand are the rules the spec states only in prose (a metric name under 128 characters, owned by
:func:`connector.klaviyo.validators.clean_metric_name` for every event path; at most 400 properties, a time
after 1990 and at most a year ahead, 5 MB per event), the identifier rule (an event's
profile needs an email, phone number, external ID, anonymous ID or id), ISO 4217 currencies, and the forms
the README promises: an Event Profile as Klaviyo's ``{"data": ...}``, the resource or its bare attributes;
an Events Array as Klaviyo's ``events-bulk-create`` value, its bare array, or flat events
``[{"metric": "Viewed Product", "profile": {"email": ...}, ...}]``.

Bulk Create Events goes through the bulk sender, one record per event, and reports one outcome per event
(see :mod:`actions._bulk`). List Events returns, with each event, the metric and profile Klaviyo included
when Metric or Profile Fields were asked for (``included`` on each event; :class:`Event` ``.metric`` and
``.profile`` in Python).

``Klaviyo(...).events`` is :class:`Events`, generated from ``FACADE_METHODS``: ``bulk_create`` returns an
:class:`EventSubmission` with each event's outcome, or raises :class:`~actions._bulk.BulkRecordsError` (its
``result`` is that submission) when some were not delivered.

Example:
    >>> from connector.klaviyo.operation_actions import request_for
    >>> inputs = CREATE_EVENT.clean({"eventName": "Placed Order", "eventProfile": '{"email": "ada@example.com"}',
    ...                              "eventValue": "9.99", "eventValueCurrency": "usd"})
    >>> attributes = request_for("create_event", inputs).body["data"]["attributes"]
    >>> attributes["metric"], attributes["profile"]["data"]["attributes"], attributes["value_currency"]
    ({'data': {'type': 'metric', 'attributes': {'name': 'Placed Order'}}}, {'email': 'ada@example.com'}, 'USD')
    >>> BULK_CREATE_EVENTS.clean({"eventsArray": [{"metric": "Viewed", "profile": {"email": "a@b.co"}}]}).sources
    ((0, None),)
    >>> client = KlaviyoClient(None, base_url="http://127.0.0.1:9")  # nothing is sent below
    >>> from actions.events import Events  # the typed facade, imported on first use
    >>> Events(client).create("Placed Order", {"first_name": "Ada"})
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: Event Profile: needs an identifier: email, phone_number, \
external_id, anonymous_id or id

Reference: https://developers.klaviyo.com/en/reference/events_api_overview
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from actions._bulk import BulkResult, finish, send_counted
from actions._lazy import lazy_exports, resource_model
from actions.profiles import clean_profile_attributes
from connector import structs
from connector.client.errors import InputError
from connector.client.jsonapi import Resource, parse_resource
from connector.client.pipeline import KlaviyoClient
from connector.framework.facade import FacadeMethod
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
from connector.klaviyo.bulk import senders
from connector.klaviyo.bulk.limits import EVENT_BULK_CREATE, PAYLOAD_MAX_BYTES
from connector.klaviyo.bulk.senders import BatchRecord
from connector.klaviyo.operation_actions import (
    attribute_input,
    fields_input,
    filter_input,
    id_input,
    max_records_input,
    operation_action,
    page_size_input,
    perform_operation,
    picklist,
    request_for,
    sort_input,
    stream_for,
    switch_input,
)
from connector.klaviyo.operations.calls import related_ids, send
from connector.klaviyo.validators import clean_currency, clean_metric_name, clean_non_blank

if TYPE_CHECKING:
    from actions._facade.events import Events as Events
    from actions._facade.models.events import EventAttributes as EventAttributes
    from actions._facade.models.metrics import MetricAttributes as MetricAttributes
    from actions._facade.models.profiles import ProfileAttributes as ProfileAttributes

    Metric = Resource[MetricAttributes]

#: The attrs models an event is parsed into, imported when the first event is (a step that sends none never does).
_EVENT, _METRIC, _PROFILE = "events.EventAttributes", "metrics.MetricAttributes", "profiles.ProfileAttributes"

__getattr__ = lazy_exports(__name__, "Events", _EVENT, _PROFILE, Metric=_METRIC)

PROPERTIES_MAX = 400
EARLIEST_EVENT = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)
#: Any one of these identifies the profile an event belongs to (besides a profile ``id``).
PROFILE_IDENTIFIERS = ("email", "phone_number", "external_id", "anonymous_id", "_kx")


@structs.frozen
class Event(Resource["EventAttributes"]):  # a string: the model is imported when an event is parsed
    """An event, with its ``metric`` and ``profile`` when Klaviyo included them (Metric/Profile Fields asked).

    Example:
        >>> raw = {"type": "event", "id": "e1", "attributes": {"uuid": "u"},
        ...        "relationships": {"metric": {"data": {"type": "metric", "id": "m1"}}},
        ...        "included": [{"type": "metric", "id": "m1", "attributes": {"name": "Placed Order"}}]}
        >>> event = parse_event(raw)
        >>> event.attributes.uuid, event.metric.attributes.name, event.profile
        ('u', 'Placed Order', None)
    """

    metric: Metric | None = None
    profile: Resource[ProfileAttributes] | None = None


def parse_event(raw: Mapping[str, Any], included: Sequence[Mapping[str, Any]] | None = None) -> Event:
    """An :class:`Event` from its resource; related resources from ``included`` (or the event's own ``included``)."""
    base = parse_resource(resource_model(_EVENT), raw)
    related = {
        (r.get("type"), r.get("id")): r for r in (included if included is not None else raw.get("included") or ())
    }
    found = {kind: related.get((kind, ident)) for kind, ident in related_ids(raw)}
    metric, profile = found.get("metric"), found.get("profile")
    return Event(
        type=base.type,
        id=base.id,
        attributes=base.attributes,
        relationships=base.relationships,
        links=base.links,
        raw=base.raw,
        metric=parse_resource(resource_model(_METRIC), metric) if metric else None,
        profile=parse_resource(resource_model(_PROFILE), profile) if profile else None,
    )


@structs.frozen(kw_only=True)
class EventSubmission(BulkResult):
    """What Bulk Create Events did: requests sent, events given, and each event's outcome.

    Example:
        >>> EventSubmission(requests=2, events=1001, delivered=1001).to_json()["events"]
        1001
    """

    events: int = 0


# -- value rules (also applied to every event of a bulk request, with a path prefix) ---------------


def _at(where: str, exc: InputError) -> InputError:
    return InputError(f"{where}: {exc.problem}" if where else exc.problem)


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


def clean_metric(value: Any, where: str = "") -> dict[str, Any]:
    """``{"data": {"type": "metric", "attributes": {"name": ...}}}`` from a name or any metric object form.

    Example:
        >>> clean_metric({"name": "Viewed", "service": "shop"})
        {'data': {'type': 'metric', 'attributes': {'name': 'Viewed', 'service': 'shop'}}}
    """
    raw = value
    if isinstance(raw, Mapping) and isinstance(raw.get("data"), Mapping):
        raw = raw["data"]
    if isinstance(raw, Mapping) and isinstance(raw.get("attributes"), Mapping):
        raw = raw["attributes"]
    attributes = dict(raw) if isinstance(raw, Mapping) else {"name": raw}
    try:
        attributes["name"] = clean_metric_name(attributes.get("name"))
    except InputError as exc:
        raise _at(f"{where}.name" if where else "name", exc) from None
    return {"data": {"type": "metric", "attributes": attributes}}


def clean_event_profile(value: Any, where: str = "") -> dict[str, Any]:
    """The profile resource of an event, from Klaviyo's ``{"data": ...}``, the resource, or its bare attributes.

    The identifiers' values are checked here; names and types by the registry when the request is built, and
    then that the profile is identified (:func:`check_event_profile`).

    Example:
        >>> clean_event_profile('{"email": "ada@example.com", "id": "01GD"}')
        {'type': 'profile', 'attributes': {'email': 'ada@example.com'}, 'id': '01GD'}
    """
    try:
        raw: Any = to_json_object(value)
    except InputError as exc:
        raise _at(where, exc) from None
    if isinstance(raw.get("data"), Mapping):
        raw = raw["data"]
    if "attributes" in raw or "type" in raw:  # the resource: its shape is the registry's to check
        profile = dict(raw)
    else:
        attributes = dict(raw)
        profile_id = attributes.pop("id", None)
        profile = {"type": "profile", "attributes": attributes}
        if profile_id is not None:
            profile["id"] = to_str(profile_id)
    if isinstance(profile.get("attributes"), Mapping):
        cleaned = clean_profile_attributes(profile["attributes"], where)
        profile["attributes"] = {k: v for k, v in cleaned.items() if v is not None}
    return profile


def check_event_profile(profile: Mapping[str, Any], where: str = "") -> None:
    """An event's profile names who it is: an identifier (``email``, ``phone_number``...) or an ``id``.

    Example:
        >>> check_event_profile({"type": "profile", "attributes": {"first_name": "Ada"}}, "[0].profile")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: [0].profile: needs an identifier: email, phone_number, \
external_id, anonymous_id or id
    """
    attributes = profile.get("attributes") or {}
    if not profile.get("id") and not any(attributes.get(k) for k in PROFILE_IDENTIFIERS):
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}needs an identifier: email, phone_number, external_id, anonymous_id or id")


_EVENT_VALUES = {
    "properties": clean_event_properties,
    "time": clean_event_time,
    "value": to_number,
    "value_currency": clean_currency,
    "unique_id": clean_non_blank,
    "backfill": to_bool,
}


def clean_event_attributes(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """One event's attributes, with the values Create Event's inputs take (``properties`` defaults to ``{}``).

    Unknown keys are kept for the registry to refuse.

    Example:
        >>> clean_event_attributes({"metric": "Viewed", "value": "20", "value_currency": "eur"}, "[0]")["value"]
        20
    """
    out = {"properties": {}, **raw}
    for key, cleaner in _EVENT_VALUES.items():
        if out.get(key) is None:
            continue
        try:
            out[key] = cleaner(out[key])
        except InputError as exc:
            raise _at(f"{where}.{key}", exc) from None
    if out.get("metric") is not None:
        out["metric"] = clean_metric(out["metric"], f"{where}.metric")
    return out


def _size(value: Any) -> int:
    # Serialised as the client sends bodies, so the measured size is the size on the wire.
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


# -- Create Event --------------------------------------------------------------------------------


def _metric_object(value: Any) -> dict[str, Any]:
    return {"data": {"type": "metric", "attributes": {"name": clean_metric_name(value)}}}


def _profile_object(value: Any) -> dict[str, Any]:
    return {"data": clean_event_profile(value)}


@structs.frozen
class CreateEventInputs:
    """Inputs of Create Event (the metric and the profile are objects inside ``attributes``)."""

    event_name: dict[str, Any] = attribute_input(
        "Event Name", "Name of the event.", _metric_object, attribute="metric", required=True, example="Placed Order"
    )
    event_profile: dict[str, Any] = attribute_input(
        "Event Profile",
        "The profile associated with this event.",
        _profile_object,
        attribute="profile",
        type=InputType.JSON,
        required=True,
        example={"email": "ada@example.com"},
    )
    event_properties: dict[str, Any] | None = attribute_input(
        "Event Properties",
        "The properties of the event.",
        clean_event_properties,
        attribute="properties",
        type=InputType.JSON,
        example={"ProductID": 1111, "ProductName": "Winnie the Pooh"},
    )
    event_time: str | None = attribute_input(
        "Event Time",
        "When this event occurred. By default, the time the request was received will be used.",
        clean_event_time,
        attribute="time",
        example="2026-08-01T10:00:00Z",
    )
    event_value: float | int | None = attribute_input(
        "Event Value",
        "A numeric, monetary value to associate with this event.",
        to_number,
        attribute="value",
        example=9.99,
    )
    event_value_currency: str | None = attribute_input(
        "Event Value Currency",
        "The ISO 4217 currency code of the value associated with the event.",
        clean_currency,
        attribute="value_currency",
        example="USD",
    )
    event_unique_id: str | None = attribute_input(
        "Event Unique ID", "A unique identifier for this event.", clean_non_blank, attribute="unique_id"
    )
    backfill: bool | None = switch_input(
        "Backfill", "Record the event without triggering flows (for importing past events).", to="attributes:backfill"
    )

    def __post_init__(self) -> None:
        if self.event_properties is None:  # Klaviyo requires properties; none given means none
            object.__setattr__(self, "event_properties", {})


def create_event(client: KlaviyoClient, inputs: CreateEventInputs) -> None:
    """``POST /api/events`` (``create_event``): 202 with no body (Klaviyo processes the event later).

    Safe to repeat after a 5xx when the event has a unique ID (the registry's retry rule).
    """
    call = request_for("create_event", inputs)
    try:
        check_event_profile(call.body["data"]["attributes"]["profile"]["data"])
    except InputError as exc:
        raise InputError(exc.problem, label="Event Profile", key="eventProfile") from None
    size = _size(call.body)
    if size > PAYLOAD_MAX_BYTES:
        raise InputError(
            f"make the event smaller: Klaviyo takes at most 5 MB per event (this one is {size} bytes)",
            label="Event Properties",
            key="eventProperties",
        )
    send(client, call)


CREATE_EVENT = operation_action(
    "create_event", description="Create a new event to track a profiles activity.", perform=create_event
)


# -- Bulk Create Events --------------------------------------------------------------------------

#: Where a record came from: its index in Events Array, and its position in an entry's events (flat: None).
Source = tuple[int, int | None]


def _unwrap_events_array(value: Any) -> list[Any]:
    """The items of an Events Array in any of its forms (the job body, its value, the bare array)."""
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
    if not parsed:
        raise InputError("must contain at least one event")
    return parsed


def _entry(profile: Mapping[str, Any], event: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "event-bulk-create",
        "attributes": {**extra, "profile": {"data": profile}, "events": {"data": [event]}},
    }


def clean_events_array(value: Any) -> tuple[list[dict[str, Any]], list[Source]]:
    """One ``event-bulk-create`` entry per event, and where each came from (values checked, shape not yet).

    Accepts Klaviyo's ``events-bulk-create`` value ``{"data": [entry, ...]}``, the bare array of entries
    (an entry of several events gives one entry per event), and flat events
    ``[{"metric": "Viewed Product", "profile": {"email": ...}, "properties": {...}}]``.

    Example:
        >>> entries, sources = clean_events_array('[{"metric": "Viewed", "profile": {"email": "ada@example.com"}}]')
        >>> entries[0]["attributes"]["events"]["data"][0]["attributes"]["metric"]["data"]["attributes"], sources
        ({'name': 'Viewed'}, [(0, None)])
    """
    entries: list[dict[str, Any]] = []
    sources: list[Source] = []
    for index, item in enumerate(_unwrap_events_array(value)):
        where = f"[{index}]"
        if not isinstance(item, Mapping):
            raise InputError(f"{where}: must be a JSON object")
        attributes = item.get("attributes")
        if item.get("type") == "event-bulk-create" or (isinstance(attributes, Mapping) and "events" in attributes):
            if not isinstance(attributes, Mapping):
                raise InputError(f"{where}.attributes: must be a JSON object with profile and events")
            profile = clean_event_profile(attributes.get("profile") or {}, f"{where}.attributes.profile")
            extra = {k: v for k, v in attributes.items() if k not in ("profile", "events")}
            if extra.get("backfill") is not None:
                try:
                    extra["backfill"] = to_bool(extra["backfill"])
                except InputError as exc:
                    raise _at(f"{where}.attributes.backfill", exc) from None
            events = attributes.get("events")
            events = events.get("data") if isinstance(events, Mapping) else events
            if not isinstance(events, list) or not events:
                raise InputError(f"{where}.attributes.events: must hold a non-empty data array of events")
            for position, raw_event in enumerate(events):
                event = _clean_event_resource(raw_event, f"{where}.attributes.events.data[{position}]")
                entry = _entry(profile, event, extra)
                entry.update({k: v for k, v in item.items() if k != "attributes"})  # type, and whatever else
                entries.append(entry)
                sources.append((index, position))
        elif "metric" in item:
            profile = clean_event_profile(item.get("profile") or {}, f"{where}.profile")
            attributes = clean_event_attributes({k: v for k, v in item.items() if k != "profile"}, where)
            entries.append(_entry(profile, {"type": "event", "attributes": attributes}, {}))
            sources.append((index, None))
        else:
            raise InputError(
                f"{where}: must be an event-bulk-create entry "
                '({"type": "event-bulk-create", "attributes": {"profile": ..., "events": ...}}) '
                'or an event such as {"metric": "Viewed Product", "profile": {"email": ...}}'
            )
    return entries, sources


def _clean_event_resource(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: must be a JSON object")
    if raw.get("type", "event") != "event":
        raise InputError(f"{where}.type: must be 'event' (got {raw.get('type')!r})")
    attributes = raw.get("attributes", raw if "type" not in raw else None)
    if not isinstance(attributes, Mapping):
        raise InputError(f"{where}.attributes: must be a JSON object")
    extra = {k: v for k, v in raw.items() if k not in ("type", "attributes")} if "type" in raw else {}
    return {"type": "event", **extra, "attributes": clean_event_attributes(attributes, f"{where}.attributes")}


def _where(source: Source) -> str:
    index, position = source
    return f"[{index}]" if position is None else f"[{index}].attributes.events.data[{position}]"


_FLAT_PATHS = (  # where a flat event's values sit in the entry built from it
    (re.compile(r"^\.attributes\.events\.data\[0\]\.attributes"), ""),
    (re.compile(r"^\.attributes\.events\.data\[0\]"), ""),
    (re.compile(r"^\.attributes\.profile\.data(?:\.attributes)?"), ".profile"),
    (re.compile(r"^\.attributes"), ""),
)


def _in_source(problem: str, sources: Sequence[Source]) -> str:
    """A registry problem about ``data[k]...`` of the built request, told where it is in Events Array."""
    match = re.match(r"data\[(\d+)\]", problem)
    if not match or int(match.group(1)) >= len(sources):
        return problem
    index, position = sources[int(match.group(1))]
    rest = problem[match.end() :]
    if position is None:
        for pattern, replacement in _FLAT_PATHS:
            if pattern.match(rest):
                rest = pattern.sub(replacement, rest, count=1)
                break
        return f"[{index}]{rest}"
    rest = rest.replace(".attributes.events.data[0]", f".attributes.events.data[{position}]", 1)
    return f"[{index}]{rest}"


def _identity(profile: Mapping[str, Any]) -> tuple[Any, ...]:
    """Who a profile is to Klaviyo's duplicate check: its id, else its identifiers (emails case-insensitive)."""
    if profile.get("id"):
        return ("id", profile["id"])
    attributes = profile.get("attributes") or {}
    email = attributes.get("email")
    return tuple(
        (email.lower() if isinstance(email, str) else email) if key == "email" else attributes.get(key)
        for key in PROFILE_IDENTIFIERS
    )


def _records(entries: Sequence[dict[str, Any]], sources: Sequence[Source]) -> list[BatchRecord]:
    """One record per event: identified, under 5 MB, and no ``unique_id`` repeated for a profile and metric."""
    records = []
    seen: dict[tuple[Any, ...], str] = {}
    envelope = _size({"data": {"type": "event-bulk-create-job", "attributes": {"events-bulk-create": {"data": []}}}})
    for entry, source in zip(entries, sources, strict=True):
        where = _where(source)
        profile = entry["attributes"]["profile"]["data"]
        check_event_profile(profile, f"{where}.attributes.profile" if source[1] is not None else f"{where}.profile")
        event = entry["attributes"]["events"]["data"][0]["attributes"]
        unique_id = event.get("unique_id")
        dedupe = None
        if unique_id is not None:
            dedupe = (_identity(profile), event["metric"]["data"]["attributes"]["name"], unique_id)
            at = f"{where}.attributes.unique_id" if source[1] is not None else f"{where}.unique_id"
            if dedupe in seen:
                raise InputError(
                    f"{at}: {unique_id!r} repeats {seen[dedupe]} for the same profile and metric "
                    "(Klaviyo would reject the whole request)"
                )
            seen[dedupe] = where
        if envelope + _size(entry) > EVENT_BULK_CREATE.max_payload_bytes:
            raise InputError(f"{where}: is larger than Klaviyo's 5 MB request limit on its own")
        records.append(BatchRecord(key=source, resource=entry, dedupe_key=dedupe))
    return records


@structs.frozen
class BulkCreateEventsInputs:
    """Inputs of Bulk Create Events: the events, one ``event-bulk-create`` entry each, and where each came from."""

    events_array: Any = input_field(
        "Events Array",
        type=InputType.JSON,
        comments="An array of events to create.",
        required=True,
        clean=_unwrap_events_array,
        example=[{"metric": "Viewed Product", "profile": {"email": "ada@example.com"}, "properties": {"SKU": "1"}}],
        to="attributes:events-bulk-create",
    )
    #: ``(index in Events Array, position in an entry's events or None)`` of each entry of ``events_array``.
    sources: tuple[Source, ...] = structs.field(default=(), repr=False)

    def __post_init__(self) -> None:
        try:
            entries, sources = clean_events_array(self.events_array)
        except InputError as exc:
            raise InputError(exc.problem, label="Events Array", key="eventsArray") from None
        object.__setattr__(self, "events_array", {"data": entries})
        object.__setattr__(self, "sources", tuple(sources))


def bulk_create_events(client: KlaviyoClient, inputs: BulkCreateEventsInputs) -> EventSubmission:
    """``POST /api/event-bulk-create-jobs`` (``bulk_create_events``) through the bulk sender, one record per event.

    The sender splits at 1,000 events and 5 MB per request; one outcome per event. Raises
    :class:`~actions._bulk.BulkRecordsError` (with the result) unless every event was delivered.
    """
    try:
        call = request_for("bulk_create_events", inputs)
        entries: list[dict[str, Any]] = call.body["data"]["attributes"]["events-bulk-create"]["data"]
        records = _records(entries, inputs.sources)
    except InputError as exc:
        raise InputError(_in_source(exc.problem, inputs.sources), label="Events Array", key="eventsArray") from None
    outcomes, requests = send_counted(client, senders.create_events, records)
    return finish(EventSubmission.of(outcomes, requests=requests, events=len(records)), "events")


BULK_CREATE_EVENTS = operation_action(
    "bulk_create_events", description="Create a batch of events for one or more profiles.", perform=bulk_create_events
)


# -- Get Event / List Events ---------------------------------------------------------------------


def _event_fields_input(op_id: str) -> Any:
    return fields_input(op_id, "event", label="Event Fields", comments="Event fields to include in the response.")


def _metric_fields_input(op_id: str) -> Any:
    return fields_input(op_id, "metric", label="Metric Fields", comments="Metric fields to include in the response.")


def _profile_fields_input(op_id: str) -> Any:
    return fields_input(op_id, "profile", label="Profile Fields", comments="Profile fields to include in the response.")


def _include(metric_fields: Sequence[str], profile_fields: Sequence[str]) -> list[str] | None:
    # Metric or profile fields only matter for included resources, so asking for them includes those.
    names = [name for name, fields in (("metric", metric_fields), ("profile", profile_fields)) if fields]
    return names or None


@structs.frozen
class GetEventInputs:
    """Inputs of Get Event."""

    event_id: str = id_input("Event ID", "The ID of the event.")
    event_fields: list[str] = _event_fields_input("get_event")
    metric_fields: list[str] = _metric_fields_input("get_event")
    profile_fields: list[str] = _profile_fields_input("get_event")


def get_event(client: KlaviyoClient, inputs: GetEventInputs) -> Any:
    """``GET /api/events/{id}`` (``get_event``); metric/profile fields add ``include`` for them."""
    return perform_operation(client, "get_event", inputs, include=_include(inputs.metric_fields, inputs.profile_fields))


GET_EVENT = operation_action("get_event", description="Get an event with the given event ID.", perform=get_event)


@structs.frozen
class ListEventsInputs:
    """Inputs of List Events."""

    event_fields: list[str] = _event_fields_input("get_events")
    metric_fields: list[str] = _metric_fields_input("get_events")
    profile_fields: list[str] = _profile_fields_input("get_events")
    filter: str | None = filter_input("get_events")
    sort: str | None = sort_input("get_events")
    max_records: int | None = max_records_input()
    page_size: int | None = page_size_input("get_events")


def list_events(client: KlaviyoClient, inputs: ListEventsInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/events`` (``get_events``), following every page (1000 per page by default).

    With Metric or Profile Fields, each event carries ``included``: the metric and profile Klaviyo included
    for it (``include=metric,profile``), so they survive streaming (``--jsonl``, the Python iterator).
    """
    include = _include(inputs.metric_fields, inputs.profile_fields)
    return stream_for(client, "get_events", inputs, attach_included=bool(include), include=include)


LIST_EVENTS = operation_action("get_events", description="Get all events in an account.", perform=list_events)


# -- data source -------------------------------------------------------------------------------


SELECT_METRIC = picklist(
    "get_metrics", label="Select Metric", description="A picklist of the account's metrics (event names)."
)

ACTIONS = (CREATE_EVENT, BULK_CREATE_EVENTS, GET_EVENT, LIST_EVENTS)
DATA_SOURCES = (SELECT_METRIC,)


def event_of(document: Mapping[str, Any]) -> Event:
    """The :class:`Event` of Get Event's document, with the metric and profile of its ``included``.

    Example:
        >>> event_of({"data": {"type": "event", "id": "e1", "attributes": {}}}).id
        'e1'
    """
    return parse_event(document["data"], document.get("included") or ())


def events_of(stream: Iterable[Mapping[str, Any]]) -> Iterator[Event]:
    """The :class:`Event` of each resource List Events streams (each carries its own ``included``).

    Example:
        >>> [e.id for e in events_of([{"type": "event", "id": "e1", "attributes": {}}])]
        ['e1']
    """
    return (parse_event(raw) for raw in stream)


FACADE_METHODS = (
    FacadeMethod(
        "create",
        CREATE_EVENT,
        "Track one event (Klaviyo accepts it for processing; nothing is returned).",
        prefix="event_",
        rename={"metric_name": "event_name"},
        positional=("metric_name", "profile"),
        types={"metric_name": "str", "profile": "Mapping[str, Any] | str", "time": "str | dt.datetime | None"},
        switches=("backfill",),
    ),
    FacadeMethod(
        "bulk_create",
        BULK_CREATE_EVENTS,
        "Track many events (flat events or Klaviyo's entries), 1,000 events and 5 MB per request at most.",
        rename={"events": "events_array"},
        positional=("events",),
        returns="EventSubmission",
    ),
    FacadeMethod(
        "get",
        GET_EVENT,
        "Get one event; ``.metric`` / ``.profile`` are set when their fields are asked for.",
        convert=event_of,
    ),
    FacadeMethod(
        "list",
        LIST_EVENTS,
        'Stream events (``sort="-datetime"`` for newest first); ``.metric`` / ``.profile`` as for :meth:`get`.',
        convert=events_of,
    ),
)
