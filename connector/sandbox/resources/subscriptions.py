"""Subscribe / unsubscribe profiles (``profile-subscription-bulk-create-jobs`` / ``-delete-jobs``).

Both answer 202 with an empty body and are applied at once (the whole request is validated first, so a bad
profile rejects the request with a pointer and changes nothing). Subscribe records ``SUBSCRIBED`` consent per
channel and, with a ``list`` relationship, adds the profiles to the list; a double opt-in list is treated as
confirmed immediately (``double_optin: true``). Unsubscribe records ``UNSUBSCRIBED``; with a list, members are
removed from that list (a list suppression) and non-members are unsubscribed globally, as Klaviyo warns.

Example:
    >>> [r.op for r in ROUTES]
    ['bulk_subscribe_profiles', 'bulk_unsubscribe_profiles']
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid
from ..ids import iso, now, now_iso, parse_datetime
from ..jsonapi import read_data
from ..routing import Ctx, Route
from ..wire import Response
from . import consent, profile_model
from .common import record_finished_job

SUB_KIND = "profile-subscription-bulk-create-job"
UNSUB_KIND = "profile-subscription-bulk-delete-job"
# body channel -> allowed kinds
SUB_CHANNELS = {
    "email": ("marketing", "open_tracking"),
    "sms": ("marketing", "transactional"),
    "whatsapp": ("marketing", "transactional"),
    "push": ("marketing",),
}
UNSUB_CHANNELS = {
    "email": ("marketing", "open_tracking"),
    "sms": ("marketing", "transactional"),
    "whatsapp": ("marketing", "transactional", "conversational"),
    "push": ("marketing",),
}
PHONE_CHANNELS = ("sms", "whatsapp")


def target_list(ctx: Ctx, data: dict[str, Any]) -> str | None:
    """The id of the ``list`` relationship of a subscription body (it must exist), or None.

    Example:
        >>> target_list(None, {})  # type: ignore[arg-type]
    """
    rel = (data.get("relationships") or {}).get("list")
    if rel is None:
        return None
    linkage = rel.get("data") if isinstance(rel, dict) else None
    if not isinstance(linkage, dict) or linkage.get("type") != "list" or not isinstance(linkage.get("id"), str):
        raise invalid("'relationships.list.data' must be {type: list, id}.", pointer="/data/relationships/list/data")
    if not ctx.store.exists("list", linkage["id"]):
        raise invalid(f"A list with id {linkage['id']} does not exist.", pointer="/data/relationships/list/data/id")
    return str(linkage["id"])


def _profiles(attrs: dict[str, Any], maximum: int) -> list[Any]:
    profiles = attrs.get("profiles")
    items = profiles.get("data") if isinstance(profiles, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid("'profiles.data' must be a non-empty array.", pointer="/data/attributes/profiles/data")
    if len(items) > maximum:
        raise invalid(f"At most {maximum} profiles are allowed per request.", pointer="/data/attributes/profiles/data")
    return items


def parse_profile(
    item: Any, pointer: str, channels: dict[str, tuple[str, ...]], value: str, historical: bool
) -> tuple[str | None, dict[str, Any], list[tuple[str, str, str | None]]]:
    """Validate one profile of a subscription body: (id, identifiers, [(channel, kind, consented_at)]).

    Example:
        >>> parse_profile({"type": "profile", "attributes": {"email": "a@b.com", "subscriptions": {
        ...     "email": {"marketing": {"consent": "SUBSCRIBED"}}}}}, "/p", SUB_CHANNELS, "SUBSCRIBED", False)[2]
        [('email', 'marketing', None)]
    """
    if not isinstance(item, dict) or item.get("type") != "profile":
        raise invalid("Each profile must have type 'profile'.", pointer=f"{pointer}/type")
    raw = item.get("attributes")
    if not isinstance(raw, dict):
        raise invalid("'attributes' is required.", pointer=f"{pointer}/attributes")
    ptr = f"{pointer}/attributes"
    attrs = profile_model.clean({k: raw[k] for k in ("email", "phone_number") if k in raw}, ptr)
    subs = raw.get("subscriptions")
    if not isinstance(subs, dict) or not subs:
        raise invalid("'subscriptions' is required.", pointer=f"{ptr}/subscriptions")
    decisions: list[tuple[str, str, str | None]] = []
    for channel, kinds in subs.items():
        cptr = f"{ptr}/subscriptions/{channel}"
        if channel not in channels or not isinstance(kinds, dict):
            raise invalid(f"Unknown subscription channel '{channel}'.", pointer=cptr)
        if channel == "email" and not attrs.get("email"):
            raise invalid("An email subscription needs 'email'.", pointer=f"{ptr}/email")
        if channel in PHONE_CHANNELS and not attrs.get("phone_number"):
            raise invalid(f"A {channel} subscription needs 'phone_number'.", pointer=f"{ptr}/phone_number")
        for kind, params in kinds.items():
            if kind in ("tokens", "anonymous_id") and channel == "push":
                continue
            kptr = f"{cptr}/{kind}"
            if kind not in channels[channel] or not isinstance(params, dict):
                raise invalid(f"Unknown subscription '{channel}.{kind}'.", pointer=kptr)
            if params.get("consent") != value:
                raise invalid(f"'consent' must be '{value}'.", pointer=f"{kptr}/consent")
            when = params.get("consented_at")
            if when is not None and not historical:
                raise invalid("'consented_at' is only allowed with historical_import.", pointer=f"{kptr}/consented_at")
            if historical:
                parsed = parse_datetime(when) if isinstance(when, str) else None
                if parsed is None or parsed > now():
                    raise invalid("historical_import needs a past 'consented_at'.", pointer=f"{kptr}/consented_at")
                when = iso(parsed)
            decisions.append((consent.CHANNELS[channel], kind, when))
    ident = item.get("id")
    return ident if isinstance(ident, str) else None, attrs, decisions


def find_or_create(ctx: Ctx, ident: str | None, attrs: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The profile a subscription names (by id or identifiers, taking a free email/phone), else a new one.

    Example:
        >>> find_or_create.__name__
        'find_or_create'
    """
    if ident and not ctx.store.exists("profile", ident):
        raise invalid(f"A profile with id {ident} does not exist.", pointer=f"{pointer}/id")
    found = [ident] if ident else profile_model.owners(ctx.store, attrs)
    if found:
        doc = ctx.store.get("profile", found[0])
        assert doc is not None
        for kind in ("email", "phone_number"):
            if attrs.get(kind) and not doc.get(kind):
                owner = ctx.store.owner(kind, profile_model.ident_key(kind, attrs[kind]))
                if owner is None:
                    doc = profile_model.update(ctx.store, doc, {kind: attrs[kind]}, None, pointer)
        return doc
    return profile_model.create(ctx.store, attrs, pointer)


def subscribe(ctx: Ctx) -> Response:
    """``POST /api/profile-subscription-bulk-create-jobs`` → 202 (at most 1000 profiles).

    Example:
        >>> subscribe.__name__
        'subscribe'
    """
    data = read_data(ctx.req, SUB_KIND)
    attrs = data["attributes"]
    historical = attrs.get("historical_import") is True
    source = attrs.get("custom_source") if isinstance(attrs.get("custom_source"), str) else None
    list_id = target_list(ctx, data)
    items = _profiles(attrs, 1000)
    base = "/data/attributes/profiles/data"
    parsed = [
        parse_profile(item, f"{base}/{i}", SUB_CHANNELS, "SUBSCRIBED", historical) for i, item in enumerate(items)
    ]
    double = False
    if list_id is not None:
        found = ctx.store.get("list", list_id)
        double = bool(found and found.get("opt_in_process") == "double_opt_in" and not historical)
    stamp = now_iso()
    ids = []
    for i, (ident, pattrs, decisions) in enumerate(parsed):
        doc = find_or_create(ctx, ident, pattrs, f"{base}/{i}")
        for channel, kind, when in decisions:
            consent.set_consent(doc, channel, kind, "SUBSCRIBED", when or stamp, source)
            if channel == "email" and kind == "marketing" and double:
                doc["consent"]["email"]["marketing"]["double_optin"] = True
        ctx.store.put("profile", doc["id"], doc)
        if list_id is not None:
            ctx.store.add_member(list_id, doc["id"], stamp)
        ids.append(doc["id"])
    record_finished_job(ctx, SUB_KIND, len(ids), len(ids), list_id=list_id, profile_ids=ids, custom_source=source)
    return Response(202)


def unsubscribe(ctx: Ctx) -> Response:
    """``POST /api/profile-subscription-bulk-delete-jobs`` → 202 (at most 100 profiles).

    Example:
        >>> unsubscribe.__name__
        'unsubscribe'
    """
    data = read_data(ctx.req, UNSUB_KIND)
    list_id = target_list(ctx, data)
    items = _profiles(data["attributes"], 100)
    base = "/data/attributes/profiles/data"
    parsed = [parse_profile(item, f"{base}/{i}", UNSUB_CHANNELS, "UNSUBSCRIBED", False) for i, item in enumerate(items)]
    stamp = now_iso()
    ids = []
    for i, (_ident, pattrs, decisions) in enumerate(parsed):
        doc = find_or_create(ctx, None, pattrs, f"{base}/{i}")
        member = list_id is not None and ctx.store.remove_member(list_id, doc["id"])
        for channel, kind, _when in decisions:
            if member and channel == "email" and kind == "marketing" and list_id is not None:
                consent.list_suppress(doc, list_id, stamp)
            else:
                consent.set_consent(doc, channel, kind, "UNSUBSCRIBED", stamp)
        ctx.store.put("profile", doc["id"], doc)
        ids.append(doc["id"])
    record_finished_job(ctx, UNSUB_KIND, len(ids), len(ids), list_id=list_id, profile_ids=ids, custom_source=None)
    return Response(202)


ROUTES = [
    Route("POST", "/api/profile-subscription-bulk-create-jobs", "bulk_subscribe_profiles", subscribe),
    Route("POST", "/api/profile-subscription-bulk-delete-jobs", "bulk_unsubscribe_profiles", unsubscribe),
]
