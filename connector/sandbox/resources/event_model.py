"""Event ingestion shared by Create Event and Bulk Create Events.

Validates one event's attributes, resolves (or creates) its profile and metric, and records it unless the
same ``unique_id`` was already seen for that profile+metric (Klaviyo's dedupe; the default unique id is the
event time to the second).

Example:
    >>> from ..store import Store
    >>> s = Store()
    >>> p = resolve_profile(s, {"data": {"type": "profile", "attributes": {"email": "a@b.com"}}}, "/p")
    >>> ev = clean_event({"properties": {}, "unique_id": "o-1", "metric": {"data": {"type": "metric",
    ...     "attributes": {"name": "Placed Order"}}}}, "/e")
    >>> record(s, p, ev), record(s, p, ev)
    (True, False)
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import invalid
from ..ids import iso, now, parse_datetime, short_id
from ..store import Store
from . import profile_model
from .metrics import metric_by_name

MIN_TIME = datetime(1990, 1, 1, tzinfo=timezone.utc)


def clean_event(attrs: Any, pointer: str) -> dict[str, Any]:
    """Validate event attributes (``properties``, ``metric``, optional ``time``, ``value``, ``unique_id``).

    Returns ``{"properties", "time", "value", "value_currency", "unique_id", "metric_name", "service"}``.

    Example:
        >>> clean_event({"properties": {}}, "/data/attributes")
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: 'metric' is required.
    """
    if not isinstance(attrs, dict):
        raise invalid("'attributes' must be an object.", pointer=pointer)
    props = attrs.get("properties")
    if not isinstance(props, dict):
        raise invalid("'properties' is required and must be an object.", pointer=f"{pointer}/properties")
    if len(props) > 400:
        raise invalid("At most 400 properties are allowed.", pointer=f"{pointer}/properties")
    metric = attrs.get("metric")
    if not isinstance(metric, dict) or not isinstance(metric.get("data"), dict):
        raise invalid("'metric' is required.", pointer=f"{pointer}/metric")
    mdata = metric["data"]
    if mdata.get("type") != "metric":
        raise invalid("'metric.data.type' must be 'metric'.", pointer=f"{pointer}/metric/data/type")
    mattrs = mdata.get("attributes") or {}
    name = mattrs.get("name") if isinstance(mattrs, dict) else None
    if not isinstance(name, str) or not name.strip() or len(name) >= 128:
        raise invalid(
            "'metric.data.attributes.name' is required (under 128 characters).",
            pointer=f"{pointer}/metric/data/attributes/name",
        )
    when = now()
    if attrs.get("time") is not None:
        parsed = parse_datetime(attrs["time"]) if isinstance(attrs["time"], str) else None
        if parsed is None or parsed <= MIN_TIME or parsed > when + timedelta(days=365):
            raise invalid(
                "'time' must be an ISO-8601 datetime after 1990 and at most one year ahead.", pointer=f"{pointer}/time"
            )
        when = parsed.replace(microsecond=0)
    value = attrs.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise invalid("'value' must be a number.", pointer=f"{pointer}/value")
    unique = attrs.get("unique_id")
    if unique is not None and not isinstance(unique, str):
        raise invalid("'unique_id' must be a string.", pointer=f"{pointer}/unique_id")
    return {
        "properties": props,
        "time": iso(when),
        "value": value,
        "value_currency": attrs.get("value_currency"),
        "unique_id": unique or iso(when),
        "metric_name": name,
        "service": mattrs.get("service"),
    }


def profile_attrs(profile: Any, pointer: str) -> tuple[str | None, dict[str, Any], Any]:
    """Validate an event's nested ``profile`` object; returns (id, cleaned attributes, meta).

    Example:
        >>> profile_attrs({"data": {"type": "profile", "attributes": {}}}, "/p")
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: The profile needs an id or at least one identifier.
    """
    if not isinstance(profile, dict) or not isinstance(profile.get("data"), dict):
        raise invalid("'profile' is required.", pointer=pointer)
    data = profile["data"]
    if data.get("type") != "profile":
        raise invalid("'profile.data.type' must be 'profile'.", pointer=f"{pointer}/data/type")
    raw = data.get("attributes")
    if not isinstance(raw, dict):
        raise invalid("'profile.data.attributes' is required.", pointer=f"{pointer}/data/attributes")
    attrs = profile_model.clean(raw, f"{pointer}/data/attributes")
    ident = data.get("id")
    if not ident and not profile_model.has_identifier(attrs):
        raise invalid("The profile needs an id or at least one identifier.", pointer=f"{pointer}/data/attributes")
    return ident if isinstance(ident, str) else None, attrs, raw.get("meta") or data.get("meta")


def resolve_profile(store: Store, profile: Any, pointer: str) -> dict[str, Any]:
    """Find the event's profile by id or identifiers and update it, or create it.

    Identifiers owned by another profile are left where they are instead of failing the event.

    Example:
        >>> body = {"data": {"type": "profile", "attributes": {"external_id": "x"}}}
        >>> resolve_profile(Store(), body, "/p")["external_id"]
        'x'
    """
    ident, attrs, meta = profile_attrs(profile, pointer)
    found = [ident] if ident and store.exists("profile", ident) else profile_model.owners(store, attrs)
    if not found:
        doc, _ = profile_model.upsert(store, None, attrs, meta, pointer)
        return doc
    existing = store.get("profile", found[0])
    assert existing is not None
    for kind in profile_model.IDENTS:
        value = attrs.get(kind)
        owner = store.owner(kind, profile_model.ident_key(kind, value)) if value else None
        if owner and owner != existing["id"]:
            attrs.pop(kind)
    return profile_model.update(store, existing, attrs, meta, pointer)


def record(store: Store, profile: dict[str, Any], event: dict[str, Any]) -> bool:
    """Store one cleaned event for a profile; False if deduplicated by ``unique_id``.

    Example:
        >>> record.__name__
        'record'
    """
    metric = metric_by_name(store, event["metric_name"], event["service"])
    if not store.claim_unique(profile["id"], metric["id"], event["unique_id"]):
        return False
    props = dict(event["properties"])
    if event["value"] is not None:
        props["$value"] = event["value"]
    when = parse_datetime(event["time"])
    assert when is not None
    doc = {
        "id": short_id(12),
        "metric_id": metric["id"],
        "profile_id": profile["id"],
        "timestamp": int(when.timestamp()),
        "datetime": event["time"],
        "event_properties": props,
        "uuid": str(uuid.uuid4()),
        "unique_id": event["unique_id"],
        "value": event["value"],
        "value_currency": event["value_currency"],
    }
    store.put("event", doc["id"], doc)
    last = profile.get("last_event_date")
    if last is None or (parse_datetime(last) or MIN_TIME) < when:
        profile["last_event_date"] = event["time"]
        store.put("profile", profile["id"], profile)
    return True
