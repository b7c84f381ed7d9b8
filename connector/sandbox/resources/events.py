"""Events: ``POST /api/events`` (202, empty body, dedupe by unique_id) and ``GET`` list/get with includes.

Example:
    >>> [r.op for r in ROUTES]
    ['create_event', 'get_events', 'get_event']
"""

from __future__ import annotations

from typing import Any

from ..filters import rule
from ..jsonapi import read_data, relation, resource
from ..query import QuerySpec
from ..routing import Ctx, Route
from ..wire import Response
from . import metrics, profile_model
from .common import value_of
from .event_model import clean_event, record, resolve_profile
from .handmade import HandMade

FIELDS = frozenset({"datetime", "event_properties", "id", "timestamp", "uuid"})
PROFILE_FIELDS = profile_model.FIELDS - {"subscriptions", "predictive_analytics"}
_COMPARE = "greater-or-equal greater-than less-or-equal less-than"
_FIELDSETS = {"event": FIELDS, "metric": metrics.FIELDS, "profile": PROFILE_FIELDS, "attribution": frozenset({"id"})}
_INCLUDE = frozenset({"attributions", "metric", "profile"})

LIST_SPEC = QuerySpec(
    filters={
        "metric_id": rule("equals"),
        "profile_id": rule("equals"),
        "profile": rule("has", "none"),
        "metric": rule("has", "none"),
        "datetime": rule(_COMPARE, "datetime"),
        "timestamp": rule(_COMPARE, "number"),
    },
    sorts=("datetime", "timestamp"),
    fields=_FIELDSETS,
    include=_INCLUDE,
    page=(200, 1000),
)
GET_SPEC = QuerySpec(fields=_FIELDSETS, include=_INCLUDE)


def serialize(doc: dict[str, Any], base: str) -> dict[str, Any]:
    """An event resource object with profile and metric linkage.

    Example:
        >>> serialize({"id": "E", "profile_id": "P", "metric_id": "M"}, "http://h")["relationships"]["metric"]["data"]
        {'type': 'metric', 'id': 'M'}
    """
    attrs = {k: doc.get(k) for k in ("timestamp", "event_properties", "datetime", "uuid")}
    rels = {
        "profile": relation(base, "events", doc["id"], "profile", {"type": "profile", "id": doc["profile_id"]}),
        "metric": relation(base, "events", doc["id"], "metric", {"type": "metric", "id": doc["metric_id"]}),
    }
    return resource("event", doc["id"], attrs, base, "events", rels)


def _value(doc: dict[str, Any], field: str) -> Any:
    if field in ("profile", "metric"):
        return doc.get(f"{field}_id")
    return value_of(doc, field)


def _included(ctx: Ctx, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for event in events:
        if "metric" in ctx.query.include:
            metric = ctx.store.get("metric", event["metric_id"])
            if metric:
                out.append(metrics.serialize(metric, ctx.base))
        if "profile" in ctx.query.include:
            profile = ctx.store.get("profile", event["profile_id"])
            if profile:
                out.append(profile_model.serialize(profile, ctx.base))
    return out


def create_event(ctx: Ctx) -> Response:
    """``POST /api/events`` → 202 with an empty body; metric created by name, profile created or updated.

    Example:
        >>> create_event.__name__
        'create_event'
    """
    attrs = read_data(ctx.req, "event")["attributes"]
    event = clean_event(attrs, "/data/attributes")
    profile = resolve_profile(ctx.store, attrs.get("profile"), "/data/attributes/profile")
    record(ctx.store, profile, event)
    return Response(202)


EVENTS = HandMade("event", lambda ctx, doc: serialize(doc, ctx.base), _value, included=_included)


ROUTES = [
    Route("POST", "/api/events", "create_event", create_event),
    Route("GET", "/api/events", "get_events", EVENTS.list_all, LIST_SPEC),
    Route("GET", "/api/events/{id}", "get_event", EVENTS.get_one, GET_SPEC),
]
