"""Campaigns (revision 2026-07-15): CRUD with ``campaign-messages`` inside the create attributes.

List Campaigns requires ``filter=equals(messages.channel,...)`` (400 otherwise). Audience ids must be existing
lists or segments. New campaigns are ``Draft``; messages cannot be changed through Update Campaign.

Example:
    >>> [r.op for r in ROUTES][:2]
    ['get_campaigns', 'create_campaign']
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid
from ..filters import rule
from ..ids import now_iso, parse_datetime, ulid
from ..jsonapi import relation, require, resource
from ..query import QuerySpec
from ..routing import Ctx
from ..store import Store
from .common import value_of
from .handmade import HandMade
from .query_parts import TAG_FIELDS

FIELDS = frozenset(
    {
        "archived",
        "audiences",
        "created_at",
        "id",
        "name",
        "scheduled_at",
        "send_options",
        "send_strategy",
        "send_time",
        "status",
        "tracking_options",
        "updated_at",
    }
)
MESSAGE_FIELDS = frozenset({"created_at", "definition", "id", "send_times", "updated_at"})
CHANNELS = ("email", "sms", "mobile_push")
STATUSES = ("Draft", "Scheduled", "Sent", "Cancelled")
THROTTLES = (1, 2, 5, 10, 11, 13, 14, 17, 20, 25, 33, 50)
_COMPARE = "greater-or-equal greater-than less-or-equal less-than"
_FIELDSETS = {"campaign": FIELDS, "campaign-message": MESSAGE_FIELDS, "tag": TAG_FIELDS}
_INCLUDE = frozenset({"campaign-messages", "tags"})
LIST_SPEC = QuerySpec(
    filters={
        "id": rule("any"),
        "messages.channel": rule("equals"),
        "name": rule("contains"),
        "status": rule("any equals"),
        "archived": rule("equals", "boolean"),
        "created_at": rule(_COMPARE, "datetime"),
        "scheduled_at": rule(_COMPARE, "datetime"),
        "updated_at": rule(_COMPARE, "datetime"),
    },
    filter_required="messages.channel",
    sorts=("created_at", "id", "name", "scheduled_at", "updated_at"),
    fields=_FIELDSETS,
    include=_INCLUDE,
    page=(100, 100),
)
GET_SPEC = QuerySpec(fields=_FIELDSETS, include=_INCLUDE)
WRITE_SPEC = QuerySpec(fields={"campaign": FIELDS})
POINTER = "/data/attributes"


def _audiences(ctx: Ctx, value: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validated audiences; on update (``current`` given) only the lists sent replace the stored ones.

    Create requires ``included``; the spec's ``AudiencesUpdate`` makes both lists optional.
    """
    ptr = f"{POINTER}/audiences"
    if not isinstance(value, dict):
        raise invalid("'audiences' must be an object.", pointer=ptr)
    if current is None and not isinstance(value.get("included"), list):
        raise invalid("'audiences.included' is required.", pointer=f"{ptr}/included")
    merged = dict(current or {"included": [], "excluded": []})
    for key in ("included", "excluded"):
        ids = value.get(key)
        if ids is None:
            continue
        if not isinstance(ids, list):
            raise invalid(f"'audiences.{key}' must be an array.", pointer=f"{ptr}/{key}")
        for i, ident in enumerate(ids):
            if not isinstance(ident, str) or not (
                ctx.store.exists("list", ident) or ctx.store.exists("segment", ident)
            ):
                raise invalid(f"No list or segment with id {ident}.", pointer=f"{ptr}/{key}/{i}")
        merged[key] = list(ids)
    return merged


def _send_strategy(value: Any) -> dict[str, Any]:
    ptr = f"{POINTER}/send_strategy"
    if value is None:
        return {"method": "immediate"}
    method = value.get("method") if isinstance(value, dict) else None
    if method not in ("immediate", "static", "throttled", "smart_send_time"):
        raise invalid("Unknown send_strategy method.", pointer=f"{ptr}/method")
    assert isinstance(value, dict)
    if method in ("static", "throttled") and parse_datetime(str(value.get("datetime"))) is None:
        raise invalid("'datetime' is required for this send strategy.", pointer=f"{ptr}/datetime")
    if method == "throttled" and value.get("throttle_percentage") not in THROTTLES:
        raise invalid("Invalid throttle_percentage.", pointer=f"{ptr}/throttle_percentage")
    if method == "smart_send_time" and not isinstance(value.get("date"), str):
        raise invalid("'date' is required for smart_send_time.", pointer=f"{ptr}/date")
    return dict(value)


def _messages(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    ptr = f"{POINTER}/campaign-messages/data"
    container = attrs.get("campaign-messages")
    items = container.get("data") if isinstance(container, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid("'campaign-messages.data' must be a non-empty array.", pointer=ptr)
    definitions = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "campaign-message":
            raise invalid("Each message must have type 'campaign-message'.", pointer=f"{ptr}/{i}/type")
        definition = (item.get("attributes") or {}).get("definition")
        if not isinstance(definition, dict) or definition.get("channel") not in CHANNELS:
            raise invalid(
                "'definition.channel' must be email, sms or mobile_push.",
                pointer=f"{ptr}/{i}/attributes/definition/channel",
            )
        if definition["channel"] != items[0]["attributes"]["definition"]["channel"]:
            raise invalid(
                "All messages of a campaign must use the same channel.",
                pointer=f"{ptr}/{i}/attributes/definition/channel",
            )
        definitions.append(definition)
    return definitions


def serialize(doc: dict[str, Any], base: str) -> dict[str, Any]:
    """A campaign resource object with its message linkage.

    Example:
        >>> serialize({"id": "C", "message_ids": ["M"]}, "http://h")["relationships"]["campaign-messages"]["data"]
        [{'type': 'campaign-message', 'id': 'M'}]
    """
    attrs = {
        k: doc.get(k)
        for k in (
            "name",
            "status",
            "archived",
            "audiences",
            "send_options",
            "tracking_options",
            "send_strategy",
            "created_at",
            "scheduled_at",
            "updated_at",
            "send_time",
        )
    }
    linkage = [{"type": "campaign-message", "id": m} for m in doc.get("message_ids", [])]
    rels = {
        "campaign-messages": relation(base, "campaigns", doc["id"], "campaign-messages", linkage),
        "tags": relation(base, "campaigns", doc["id"], "tags"),
    }
    return resource("campaign", doc["id"], attrs, base, "campaigns", rels)


def serialize_message(doc: dict[str, Any], base: str) -> dict[str, Any]:
    """A campaign-message resource object.

    Example:
        >>> serialize_message({"id": "M", "campaign_id": "C"}, "http://h")["type"]
        'campaign-message'
    """
    attrs = {k: doc.get(k) for k in ("definition", "send_times", "created_at", "updated_at")}
    rels = {
        "campaign": relation(
            base, "campaign-messages", doc["id"], "campaign", {"type": "campaign", "id": doc["campaign_id"]}
        )
    }
    return resource("campaign-message", doc["id"], attrs, base, "campaign-messages", rels)


def _included(ctx: Ctx, campaigns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if "campaign-messages" not in ctx.query.include:
        return []
    found = [ctx.store.get("campaign-message", m) for c in campaigns for m in c.get("message_ids", [])]
    return [serialize_message(m, ctx.base) for m in found if m]


def _value(doc: dict[str, Any], field: str) -> Any:
    return doc.get("channel") if field == "messages.channel" else value_of(doc, field)


def _build(ctx: Ctx, attrs: dict[str, Any]) -> dict[str, Any]:
    """A Draft campaign; its messages are stored here, the campaign keeps their ids."""
    name = require(attrs, "name", str, POINTER)
    audiences = _audiences(ctx, attrs.get("audiences"))
    strategy = _send_strategy(attrs.get("send_strategy"))
    definitions = _messages(attrs)
    channel = definitions[0]["channel"]
    stamp = now_iso()
    doc: dict[str, Any] = {
        "id": ulid(),
        "name": name,
        "status": "Draft",
        "archived": False,
        "audiences": audiences,
        "send_options": attrs.get("send_options") or {"use_smart_sending": True},
        "tracking_options": attrs.get("tracking_options")
        or (
            {
                "add_tracking_params": False,
                "custom_tracking_params": None,
                "is_tracking_clicks": True,
                "is_tracking_opens": True,
            }
            if channel == "email"
            else {"add_tracking_params": False, "custom_tracking_params": None}
        ),
        "send_strategy": strategy,
        "created_at": stamp,
        "updated_at": stamp,
        "scheduled_at": None,
        "send_time": None,
        "channel": channel,
        "message_ids": [],
    }
    for definition in definitions:
        if channel == "email":
            definition = {"label": name, **definition}
        message = {
            "id": ulid(),
            "campaign_id": doc["id"],
            "definition": definition,
            "send_times": [],
            "created_at": stamp,
            "updated_at": stamp,
        }
        ctx.store.put("campaign-message", message["id"], message)
        doc["message_ids"].append(message["id"])
    return doc


def _change(ctx: Ctx, doc: dict[str, Any], attrs: dict[str, Any]) -> None:
    """Name, audiences (the lists sent replace the stored ones), send/tracking options, send strategy."""
    if "campaign-messages" in attrs:
        raise invalid(
            "Messages cannot be changed here; use Update Campaign Message.", pointer=f"{POINTER}/campaign-messages"
        )
    if "name" in attrs:
        doc["name"] = require(attrs, "name", str, POINTER)
    if "audiences" in attrs:
        doc["audiences"] = _audiences(ctx, attrs["audiences"], current=doc.get("audiences"))
    if "send_strategy" in attrs:
        doc["send_strategy"] = _send_strategy(attrs["send_strategy"])
    for key in ("send_options", "tracking_options"):
        if isinstance(attrs.get(key), dict):
            doc[key] = {**(doc.get(key) or {}), **attrs[key]}


def _delete_messages(store: Store, doc: dict[str, Any]) -> None:
    for message_id in doc.get("message_ids", []):
        store.delete("campaign-message", message_id)


CAMPAIGNS = HandMade(
    "campaign",
    lambda ctx, doc: serialize(doc, ctx.base),
    _value,
    included=_included,
    build=_build,
    change=_change,
    cascade=_delete_messages,
    updated="updated_at",
)


ROUTES = CAMPAIGNS.routes(LIST_SPEC, GET_SPEC, WRITE_SPEC)
