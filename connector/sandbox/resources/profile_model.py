"""Profiles as stored documents: validation, identifier ownership, create/update/upsert and serialisation.

Shared by the profile endpoints, events, subscriptions and bulk import so all of them apply the same rules:
emails must look like emails, phone numbers must be E.164, and an identifier (email, phone_number,
external_id) belongs to at most one profile (else 409 ``duplicate_profile``).

Example:
    >>> from ..store import Store
    >>> s = Store()
    >>> doc, created = upsert(s, None, {"email": "a@b.com"}, None, "/data")
    >>> created, upsert(s, None, {"email": "A@b.com", "first_name": "Ann"}, None, "/data")[1]
    (True, False)
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ApiError, invalid, not_found
from ..ids import now_iso, ulid
from ..jsonapi import relation, resource
from ..query import Query
from ..store import Store

IDENTS = ("email", "phone_number", "external_id", "anonymous_id")
STRINGS = (
    "email",
    "phone_number",
    "external_id",
    "anonymous_id",
    "_kx",
    "first_name",
    "last_name",
    "organization",
    "locale",
    "title",
    "image",
)
PUBLIC = ("email", "phone_number", "external_id", "first_name", "last_name", "organization", "locale", "title", "image")
LOCATION = ("address1", "address2", "city", "country", "latitude", "longitude", "region", "zip", "timezone", "ip")
FIELDS = frozenset(
    (
        *PUBLIC,
        "id",
        "created",
        "updated",
        "last_event_date",
        "location",
        "properties",
        "subscriptions",
        "predictive_analytics",
    )
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PHONE_RE = re.compile(r"^\+[1-9]\d{6,14}$")


def ident_key(kind: str, value: str) -> str:
    """Identifier as indexed: emails match case-insensitively.

    Example:
        >>> ident_key("email", "A@B.com")
        'a@b.com'
    """
    return value.strip().lower() if kind == "email" else value.strip()


def clean(attrs: dict[str, Any], pointer: str) -> dict[str, Any]:
    """Validate profile attributes; returns only known keys. 400 with a JSON pointer on the first problem.

    Example:
        >>> clean({"email": "bad"}, "/data/attributes")
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: Invalid email address 'bad'.
    """
    out: dict[str, Any] = {}
    for key in STRINGS:
        if key in attrs:
            value = attrs[key]
            if value is not None and not isinstance(value, str):
                raise invalid(f"'{key}' must be a string.", pointer=f"{pointer}/{key}")
            out[key] = value.strip() if isinstance(value, str) and key in IDENTS else value
    email = out.get("email")
    if email and not EMAIL_RE.match(email):
        raise invalid(f"Invalid email address '{email}'.", pointer=f"{pointer}/email")
    phone = out.get("phone_number")
    if phone and not PHONE_RE.match(phone):
        raise invalid(
            f"Invalid phone number '{phone}': use E.164 format such as +15005550006.", pointer=f"{pointer}/phone_number"
        )
    if "location" in attrs:
        loc = attrs["location"]
        if loc is not None and not isinstance(loc, dict):
            raise invalid("'location' must be an object.", pointer=f"{pointer}/location")
        out["location"] = {k: v for k, v in (loc or {}).items() if k in LOCATION}
    if "properties" in attrs:
        props = attrs["properties"]
        if props is not None and not isinstance(props, dict):
            raise invalid("'properties' must be an object.", pointer=f"{pointer}/properties")
        out["properties"] = props
    return out


def has_identifier(attrs: dict[str, Any]) -> bool:
    """True if attributes name at least one identifier.

    Example:
        >>> has_identifier({"first_name": "x"})
        False
    """
    return any(attrs.get(k) for k in (*IDENTS, "_kx"))


def owners(store: Store, attrs: dict[str, Any]) -> list[str]:
    """Distinct profile ids owning any identifier in ``attrs`` (in identifier priority order).

    Example:
        >>> owners(Store(), {"email": "a@b.com"})
        []
    """
    found: list[str] = []
    for kind in IDENTS:
        value = attrs.get(kind)
        if value:
            pid = store.owner(kind, ident_key(kind, value))
            if pid and pid not in found:
                found.append(pid)
    return found


def duplicate(pid: str, pointer: str) -> ApiError:
    """The 409 ``duplicate_profile`` error carrying the existing id in ``meta``.

    Example:
        >>> duplicate("P", "/data/attributes").meta
        {'duplicate_profile_id': 'P'}
    """
    return ApiError(
        409,
        "duplicate_profile",
        "A profile already exists with one of these identifiers.",
        pointer=pointer,
        meta={"duplicate_profile_id": pid},
    )


def _save(store: Store, doc: dict[str, Any]) -> None:
    store.put("profile", doc["id"], doc)
    store.set_idents(doc["id"], {k: ident_key(k, doc[k]) for k in IDENTS if doc.get(k)})


def create(store: Store, attrs: dict[str, Any], pointer: str) -> dict[str, Any]:
    """Create a profile from cleaned attributes; 409 if an identifier is taken.

    Example:
        >>> create(Store(), {"email": "a@b.com"}, "/data/attributes")["email"]
        'a@b.com'
    """
    taken = owners(store, attrs)
    if taken:
        raise duplicate(taken[0], pointer)
    stamp = now_iso()
    doc: dict[str, Any] = {"id": ulid(), "created": stamp, "updated": stamp, "last_event_date": None}
    doc.update({k: attrs.get(k) for k in STRINGS})
    doc["location"] = attrs.get("location") or {}
    doc["properties"] = attrs.get("properties") or {}
    _save(store, doc)
    return doc


def update(store: Store, doc: dict[str, Any], attrs: dict[str, Any], meta: Any, pointer: str) -> dict[str, Any]:
    """Apply cleaned attributes (``null`` clears, omitted keeps) and ``meta.patch_properties``; 409 on conflicts.

    Example:
        >>> s = Store(); d = create(s, {"email": "a@b.com"}, "/p")
        >>> update(s, d, {"first_name": "Ann"}, None, "/p")["first_name"]
        'Ann'
    """
    for kind in IDENTS:
        value = attrs.get(kind)
        if value:
            pid = store.owner(kind, ident_key(kind, value))
            if pid and pid != doc["id"]:
                raise duplicate(pid, pointer)
    for key, value in attrs.items():
        if key == "location":
            doc["location"] = {**doc.get("location", {}), **value} if value else {}
        elif key == "properties":
            doc["properties"] = {**doc.get("properties", {}), **value} if value else {}
        else:
            doc[key] = value
    _patch_properties(doc, meta)
    doc["updated"] = now_iso()
    _save(store, doc)
    return doc


def _patch_properties(doc: dict[str, Any], meta: Any) -> None:
    patch = meta.get("patch_properties") if isinstance(meta, dict) else None
    if not isinstance(patch, dict):
        return
    props: dict[str, Any] = doc.setdefault("properties", {})
    for key, value in (patch.get("append") or {}).items():
        current = props.get(key)
        current = [] if current is None else current if isinstance(current, list) else [current]
        props[key] = current + (value if isinstance(value, list) else [value])
    for key, value in (patch.get("unappend") or {}).items():
        if isinstance(props.get(key), list):
            drop = value if isinstance(value, list) else [value]
            props[key] = [v for v in props[key] if v not in drop]
    unset = patch.get("unset")
    for key in [unset] if isinstance(unset, str) else unset or []:
        props.pop(key, None)


def upsert(
    store: Store, ident: str | None, attrs: dict[str, Any], meta: Any, pointer: str
) -> tuple[dict[str, Any], bool]:
    """Create-or-update by id or identifiers; returns (doc, created). 409 if identifiers span profiles.

    Example:
        >>> upsert(Store(), "nope", {"email": "a@b.com"}, None, "/p")
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: A profile with id nope does not exist.
    """
    if ident:
        doc = store.get("profile", ident)
        if doc is None:
            raise not_found("profile", ident)
        return update(store, doc, attrs, meta, pointer), False
    found = owners(store, attrs)
    if len(found) > 1:
        raise duplicate(found[1], pointer)
    if found:
        doc = store.get("profile", found[0])
        assert doc is not None
        return update(store, doc, attrs, meta, pointer), False
    doc = create(store, attrs, pointer)
    _patch_properties(doc, meta)
    if meta:
        _save(store, doc)
    return doc, True


def load(store: Store, ident: str) -> dict[str, Any]:
    """Fetch a profile or 404.

    Example:
        >>> load(Store(), "x")
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: A profile with id x does not exist.
    """
    doc = store.get("profile", ident)
    if doc is None:
        raise not_found("profile", ident)
    return doc


def attributes(doc: dict[str, Any], query: Query | None = None) -> dict[str, Any]:
    """Response attributes of a profile; consent and predictive analytics only when asked for.

    Example:
        >>> "subscriptions" in attributes({"email": "a@b.com"})
        False
    """
    from .consent import view

    attrs: dict[str, Any] = {k: doc.get(k) for k in PUBLIC}
    attrs["created"] = doc.get("created")
    attrs["updated"] = doc.get("updated")
    attrs["last_event_date"] = doc.get("last_event_date")
    location = doc.get("location") or {}
    # The spec types latitude/longitude as string-or-number without null, so unset ones are left out.
    attrs["location"] = {
        k: location.get(k) for k in LOCATION if k not in ("latitude", "longitude") or location.get(k) is not None
    }
    attrs["properties"] = doc.get("properties") or {}
    if query is not None and query.wants("profile", "subscriptions"):
        attrs["subscriptions"] = view(doc)
    if query is not None and query.wants("profile", "predictive_analytics"):
        attrs["predictive_analytics"] = {
            "historic_clv": None,
            "predicted_clv": None,
            "total_clv": None,
            "historic_number_of_orders": None,
            "predicted_number_of_orders": None,
            "average_days_between_orders": None,
            "average_order_value": None,
            "churn_probability": None,
            "expected_date_of_next_order": None,
            "ranked_channel_affinity": None,
        }
    return attrs


def serialize(doc: dict[str, Any], base: str, query: Query | None = None) -> dict[str, Any]:
    """A profile resource object.

    Example:
        >>> serialize({"id": "P"}, "http://h")["links"]["self"]
        'http://h/api/profiles/P/'
    """
    rels = {name: relation(base, "profiles", doc["id"], name) for name in ("lists", "segments")}
    return resource("profile", doc["id"], attributes(doc, query), base, "profiles", rels)
