"""Bulk Create Events (``POST /api/event-bulk-create-jobs``): 202 with an empty body.

At most 1000 events and 5 MB per request. Unlike Create Event, a ``unique_id`` repeated for the same
profile+metric inside one request fails the whole request (nothing is stored); events already stored earlier
with the same unique id are still silently deduplicated.

Example:
    >>> [r.op for r in ROUTES]
    ['bulk_create_events']
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid
from ..jsonapi import read_data
from ..routing import Ctx, Route
from ..wire import Response
from .common import record_finished_job, refuse_oversized
from .event_model import clean_event, profile_attrs, record, resolve_profile

KIND = "event-bulk-create-job"
MAX_EVENTS = 1000
MAX_BYTES = 5 * 1024 * 1024


def _identity(ident: str | None, attrs: dict[str, Any]) -> str:
    if ident:
        return f"id:{ident}"
    for key in ("email", "phone_number", "external_id", "anonymous_id", "_kx"):
        if attrs.get(key):
            return f"{key}:{str(attrs[key]).lower()}"
    return ""


def bulk_create_events(ctx: Ctx) -> Response:
    """Validate every entry, reject repeated unique ids, then store all events.

    Example:
        >>> bulk_create_events.__name__
        'bulk_create_events'
    """
    refuse_oversized(ctx, MAX_BYTES)
    attrs = read_data(ctx.req, KIND)["attributes"]
    container = attrs.get("events-bulk-create")
    entries = container.get("data") if isinstance(container, dict) else None
    base = "/data/attributes/events-bulk-create/data"
    if not isinstance(entries, list) or not entries:
        raise invalid("'events-bulk-create.data' must be a non-empty array.", pointer=base)
    plan: list[tuple[Any, list[dict[str, Any]], str]] = []
    seen: set[tuple[str, str, str]] = set()
    total = 0
    for i, entry in enumerate(entries):
        ptr = f"{base}/{i}"
        if not isinstance(entry, dict) or entry.get("type") != "event-bulk-create":
            raise invalid("Each entry must have type 'event-bulk-create'.", pointer=f"{ptr}/type")
        eattrs = entry.get("attributes")
        if not isinstance(eattrs, dict):
            raise invalid("'attributes' is required.", pointer=f"{ptr}/attributes")
        ident, pattrs, _ = profile_attrs(eattrs.get("profile"), f"{ptr}/attributes/profile")
        events = eattrs.get("events")
        items = events.get("data") if isinstance(events, dict) else None
        if not isinstance(items, list) or not items:
            raise invalid("'events.data' must be a non-empty array.", pointer=f"{ptr}/attributes/events/data")
        total += len(items)
        if total > MAX_EVENTS:
            raise invalid(f"At most {MAX_EVENTS} events are allowed per request.", pointer=base)
        cleaned = []
        for j, item in enumerate(items):
            eptr = f"{ptr}/attributes/events/data/{j}"
            if not isinstance(item, dict) or item.get("type") != "event":
                raise invalid("Each event must have type 'event'.", pointer=f"{eptr}/type")
            event = clean_event(item.get("attributes"), f"{eptr}/attributes")
            explicit = (item.get("attributes") or {}).get("unique_id")
            if explicit:
                key = (_identity(ident, pattrs), event["metric_name"], explicit)
                if key in seen:
                    raise invalid(
                        f"unique_id '{explicit}' is repeated for the same profile and metric.",
                        pointer=f"{eptr}/attributes/unique_id",
                    )
                seen.add(key)
            cleaned.append(event)
        plan.append((eattrs.get("profile"), cleaned, f"{ptr}/attributes/profile"))
    stored = 0
    for profile_body, events_of_profile, pointer in plan:
        profile = resolve_profile(ctx.store, profile_body, pointer)
        stored += sum(record(ctx.store, profile, event) for event in events_of_profile)
    record_finished_job(ctx, KIND, total, stored)
    return Response(202)


ROUTES = [Route("POST", "/api/event-bulk-create-jobs", "bulk_create_events", bulk_create_events)]
