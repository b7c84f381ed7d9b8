"""``/client/*`` endpoints: public (``company_id`` = the account's public key, no Authorization), like Klaviyo's.

They share the server-side models, so what a browser sends shows up in the API:

* ``POST /client/events`` and ``/client/event-bulk-create`` record events (metric by name, profile created or
  updated, ``unique_id`` dedupe) exactly as Create Event does;
* ``POST /client/profiles`` creates or updates a profile (a 202: no duplicate error, identifiers merge);
* ``POST /client/subscriptions`` subscribes one profile (consent per channel) and adds it to the list;
* ``POST /client/push-token-unregister`` deletes the push token named;
* reviews, push tokens and back-in-stock subscriptions are stored by the spec-driven store, and
  ``GET /client/review-values-reports`` counts and averages the stored reviews' ratings.

Example:
    >>> average([5, 4, None])
    4.5
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid
from ..ids import now_iso
from ..jsonapi import read_json
from ..openapi import Operation
from ..pagination import self_url
from ..routing import Ctx
from ..wire import Response
from . import consent, event_model, profile_model, subscriptions

Doc = dict[str, Any]


def average(values: list[Any]) -> float | None:
    """Mean of the numbers among ``values`` (None if there are none), rounded to 2 places.

    Example:
        >>> average([]) is None
        True
    """
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return round(sum(numbers) / len(numbers), 2) if numbers else None


def create_event(op: Operation, ctx: Ctx) -> Response:
    """``POST /client/events`` → 202.

    Example:
        >>> create_event.__name__
        'create_event'
    """
    from .events import create_event as server_create_event

    server_create_event(ctx)
    return Response(op.success)


def bulk_create_events(op: Operation, ctx: Ctx) -> Response:
    """``POST /client/event-bulk-create``: one profile and its events → 202.

    Example:
        >>> bulk_create_events.__name__
        'bulk_create_events'
    """
    attrs = read_json(ctx.req)["data"]["attributes"]
    base = "/data/attributes/events/data"
    events = [
        event_model.clean_event(item.get("attributes"), f"{base}/{i}/attributes")
        for i, item in enumerate(attrs["events"]["data"])
    ]
    profile = event_model.resolve_profile(ctx.store, attrs["profile"], "/data/attributes/profile")
    for event in events:
        event_model.record(ctx.store, profile, event)
    return Response(op.success)


def create_profile(op: Operation, ctx: Ctx) -> Response:
    """``POST /client/profiles`` → 202 (created or updated).

    Example:
        >>> create_profile.__name__
        'create_profile'
    """
    data = read_json(ctx.req)["data"]
    pointer = "/data/attributes"
    attrs = profile_model.clean(data.get("attributes") or {}, pointer)
    ident = data.get("id") if isinstance(data.get("id"), str) else None
    if not ident and not profile_model.has_identifier(attrs):
        raise invalid("One of id, email, phone_number or external_id is required.", pointer=pointer)
    event_model.resolve_profile(ctx.store, {"data": {"type": "profile", "id": ident, "attributes": attrs}}, "/data")
    return Response(op.success)


def subscribe(op: Operation, ctx: Ctx) -> Response:
    """``POST /client/subscriptions``: consent for one profile and membership of the list → 202.

    Example:
        >>> subscribe.__name__
        'subscribe'
    """
    data = read_json(ctx.req)["data"]
    list_id = subscriptions.target_list(ctx, data)
    attrs = data["attributes"]
    profile = attrs["profile"]["data"]
    pointer = "/data/attributes/profile/data"
    ident, pattrs, decisions = subscriptions.parse_profile(
        profile, pointer, subscriptions.SUB_CHANNELS, "SUBSCRIBED", False
    )
    doc = subscriptions.find_or_create(ctx, ident, pattrs, pointer)
    stamp = now_iso()
    source = attrs.get("custom_source") if isinstance(attrs.get("custom_source"), str) else None
    for channel, kind, _ in decisions:
        consent.set_consent(doc, channel, kind, "SUBSCRIBED", stamp, source)
    ctx.store.put("profile", doc["id"], doc)
    if list_id is not None:
        ctx.store.add_member(list_id, doc["id"], stamp)
    return Response(op.success)


def unregister_push_token(op: Operation, ctx: Ctx) -> Response:
    """``POST /client/push-token-unregister``: the token is forgotten → 202.

    Example:
        >>> unregister_push_token.__name__
        'unregister_push_token'
    """
    token = read_json(ctx.req)["data"]["attributes"].get("token")
    for doc in ctx.store.all("push-token"):
        if doc.get("token") == token:
            ctx.store.delete("push-token", doc["id"])
            ctx.store.drop_links("push-token", doc["id"])
    return Response(op.success)


def review_values(op: Operation, ctx: Ctx) -> Response:
    """``GET /client/review-values-reports``: ratings of the stored reviews, by product or for the company.

    Example:
        >>> review_values.__name__
        'review_values'
    """
    group_by = ctx.query.params.get("group_by", "company_id")
    wanted = [s.strip() for s in ctx.query.params.get("statistics", "").split(",") if s.strip()]
    groups: dict[str, list[Doc]] = {}
    for review in ctx.store.all("review"):
        key = str(review.get("product", {}).get("id") or "") if group_by == "product_id" else ""
        groups.setdefault(key or ctx.query.params.get("company_id", ""), []).append(review)
    results = []
    for key, reviews in sorted(groups.items()):
        ratings = [r.get("rating") for r in reviews]
        stats: Doc = {
            "average_rating": average(ratings),
            "total_reviews": sum(1 for r in reviews if r.get("review_type") != "question"),
            "total_questions": sum(1 for r in reviews if r.get("review_type") == "question"),
            "total_ratings": sum(1 for r in ratings if isinstance(r, (int, float))),
            "total_store_reviews": sum(1 for r in reviews if r.get("review_type") == "store"),
            "average_store_rating": average([r.get("rating") for r in reviews if r.get("review_type") == "store"]),
        }
        chosen = {k: v for k, v in stats.items() if not wanted or k in wanted}
        results.append({"groupings": {group_by: key}, "statistics": chosen})
    url = self_url(ctx.req)
    data = [
        {"type": "review-values-report", "id": group_by, "attributes": {"results": results}, "links": {"self": url}}
    ]
    return Response(op.success, {"data": data, "links": {"self": url}})


HANDLERS = {
    "create_client_event": create_event,
    "bulk_create_client_events": bulk_create_events,
    "create_client_profile": create_profile,
    "create_client_subscription": subscribe,
    "unregister_client_push_token": unregister_push_token,
    "get_client_review_values_reports": review_values,
}
