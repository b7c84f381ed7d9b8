"""Profiles: create (201 / 409 ``duplicate_profile``), get, list, update and create-or-update.

Example:
    >>> [r.op for r in ROUTES]
    ['get_profiles', 'create_profile', 'get_profile', 'update_profile', 'create_or_update_profile']
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid
from ..filters import rule
from ..jsonapi import read_data
from ..query import QuerySpec
from ..routing import Ctx, Route
from ..wire import Response
from . import lists, profile_model, segments
from .common import single, value_of
from .handmade import HandMade

ADDITIONAL = {"profile": frozenset({"subscriptions", "predictive_analytics"})}
PUSH_FIELDS = frozenset(
    {"background", "created", "enablement_status", "id", "metadata", "platform", "recorded_date", "token", "vendor"}
)
_COMPARE = "greater-or-equal greater-than less-or-equal less-than"
_SUPP = "subscriptions.email.marketing."

LIST_SPEC = QuerySpec(
    filters={
        "id": rule("any equals"),
        "email": rule("any equals"),
        "phone_number": rule("any equals"),
        "external_id": rule("any equals"),
        "_kx": rule("equals"),
        "created": rule("greater-than less-than", "datetime"),
        "updated": rule("greater-than less-than", "datetime"),
        _SUPP + "list_suppressions.reason": rule("equals"),
        _SUPP + "list_suppressions.timestamp": rule(_COMPARE, "datetime"),
        _SUPP + "list_suppressions.list_id": rule("equals"),
        _SUPP + "suppression.reason": rule("equals"),
        _SUPP + "suppression.timestamp": rule(_COMPARE, "datetime"),
    },
    sorts=("created", "email", "id", _SUPP + "list_suppressions.timestamp", _SUPP + "suppression.timestamp", "updated"),
    fields={"profile": profile_model.FIELDS, "conversation": frozenset({"channel", "id"}), "push-token": PUSH_FIELDS},
    include=frozenset({"conversations", "push-tokens"}),
    additional=ADDITIONAL,
    page=(20, 100),
)
GET_SPEC = QuerySpec(
    fields={
        "profile": profile_model.FIELDS,
        "conversation": frozenset({"channel", "id"}),
        "push-token": PUSH_FIELDS,
        "list": lists.FIELDS,
        "segment": segments.FIELDS,
    },
    include=frozenset({"conversations", "lists", "push-tokens", "segments"}),
    additional=ADDITIONAL,
)
WRITE_SPEC = QuerySpec(fields={"profile": profile_model.FIELDS}, additional=ADDITIONAL)
POINTER = "/data/attributes"


def _value(doc: dict[str, Any], field: str) -> Any:
    if field.startswith(_SUPP):
        group, _, key = field[len(_SUPP) :].partition(".")
        entries = doc.get(group if group == "list_suppressions" else "suppression") or []
        return entries[0].get(key) if entries else None
    return value_of(doc, field)


# Get Profile is its own (lists and segments linkage); the list is the shared one.
PROFILES = HandMade(
    "profile",
    lambda ctx, doc: profile_model.serialize(doc, ctx.base, ctx.query),
    _value,
    included=lambda ctx, docs: [],  # include=conversations,push-tokens is accepted; the sandbox adds none
)


def create_profile(ctx: Ctx) -> Response:
    """``POST /api/profiles`` → 201, or 409 ``duplicate_profile`` with ``meta.duplicate_profile_id``.

    Example:
        >>> create_profile.__name__
        'create_profile'
    """
    attrs = profile_model.clean(read_data(ctx.req, "profile")["attributes"], POINTER)
    if not any(attrs.get(k) for k in ("email", "phone_number", "external_id")):
        raise invalid("One of email, phone_number or external_id is required.", pointer=POINTER)
    doc = profile_model.create(ctx.store, attrs, POINTER)
    return single(ctx, profile_model.serialize(doc, ctx.base, ctx.query), 201)


def get_profile(ctx: Ctx) -> Response:
    """``GET /api/profiles/{id}`` with ``include=lists`` support.

    Example:
        >>> get_profile.__name__
        'get_profile'
    """
    doc = profile_model.load(ctx.store, ctx.params["id"])
    res = profile_model.serialize(doc, ctx.base, ctx.query)
    included: list[dict[str, Any]] = []
    list_ids = ctx.store.lists_of(doc["id"])
    if "lists" in ctx.query.include:
        res["relationships"]["lists"]["data"] = [{"type": "list", "id": i} for i in list_ids]
        for list_id in list_ids:
            found = ctx.store.get("list", list_id)
            if found:
                included.append(lists.serialize(found, ctx.base))
    if "segments" in ctx.query.include:
        res["relationships"]["segments"]["data"] = []
    return single(ctx, res, included=included)


def update_profile(ctx: Ctx) -> Response:
    """``PATCH /api/profiles/{id}`` (``null`` clears a field, omitted keeps it; 409 on identifier clash).

    Example:
        >>> update_profile.__name__
        'update_profile'
    """
    doc = profile_model.load(ctx.store, ctx.params["id"])
    data = read_data(ctx.req, "profile", ident=doc["id"])
    attrs = profile_model.clean(data["attributes"], POINTER)
    doc = profile_model.update(ctx.store, doc, attrs, data.get("meta"), POINTER)
    return single(ctx, profile_model.serialize(doc, ctx.base, ctx.query))


def create_or_update_profile(ctx: Ctx) -> Response:
    """``POST /api/profile-import``: 201 when created, 200 when an existing profile was updated.

    Example:
        >>> create_or_update_profile.__name__
        'create_or_update_profile'
    """
    data = read_data(ctx.req, "profile")
    attrs = profile_model.clean(data["attributes"], POINTER)
    ident = data.get("id")
    if ident is not None and not isinstance(ident, str):
        raise invalid("'id' must be a string.", pointer="/data/id")
    if not ident and not profile_model.has_identifier(attrs):
        raise invalid("One of id, email, phone_number or external_id is required.", pointer=POINTER)
    doc, created = profile_model.upsert(ctx.store, ident, attrs, data.get("meta"), POINTER)
    return single(ctx, profile_model.serialize(doc, ctx.base, ctx.query), 201 if created else 200)


ROUTES = [
    Route("GET", "/api/profiles", "get_profiles", PROFILES.list_all, LIST_SPEC),
    Route("POST", "/api/profiles", "create_profile", create_profile, WRITE_SPEC),
    Route("GET", "/api/profiles/{id}", "get_profile", get_profile, GET_SPEC),
    Route("PATCH", "/api/profiles/{id}", "update_profile", update_profile, WRITE_SPEC),
    Route("POST", "/api/profile-import", "create_or_update_profile", create_or_update_profile, WRITE_SPEC),
]
