"""Segments: CRUD with the definition stored as sent.

``profile_count`` (``additional-fields[segment]``) evaluates ``profile-group-membership`` conditions against
list membership (groups AND-ed, conditions inside a group OR-ed); other condition types match nobody, since
the sandbox has no analytics to evaluate them with.

Example:
    >>> [r.op for r in ROUTES][:2]
    ['get_segments', 'create_segment']
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid
from ..filters import rule
from ..ids import now_iso, short_id
from ..jsonapi import optional, relation, require, resource
from ..query import QuerySpec
from ..routing import Ctx
from ..store import Store
from .handmade import HandMade
from .query_parts import FLOW_FIELDS, GROUP_FILTERS, TAG_FIELDS

FIELDS = frozenset({"created", "definition", "id", "is_active", "is_processing", "is_starred", "name", "updated"})
_INCLUDE = frozenset({"flow-triggers", "tags"})
LIST_SPEC = QuerySpec(
    filters={
        **GROUP_FILTERS,
        "is_active": rule("any equals", "boolean"),
        "is_starred": rule("equals", "boolean"),
    },
    sorts=("created", "id", "name", "updated"),
    include=_INCLUDE,
    page=(10, 10),
    fields={"segment": FIELDS, "flow": FLOW_FIELDS, "tag": TAG_FIELDS},
)
GET_SPEC = QuerySpec(
    fields={"segment": FIELDS | {"profile_count"}, "flow": FLOW_FIELDS, "tag": TAG_FIELDS},
    include=_INCLUDE,
    additional={"segment": frozenset({"profile_count"})},
)
WRITE_SPEC = QuerySpec(fields={"segment": FIELDS})
POINTER = "/data/attributes"


def _definition(value: Any) -> dict[str, Any]:
    ptr = f"{POINTER}/definition"
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("condition_groups"), list)
        or not value["condition_groups"]
    ):
        raise invalid("'definition.condition_groups' must be a non-empty array.", pointer=f"{ptr}/condition_groups")
    for i, group in enumerate(value["condition_groups"]):
        gptr = f"{ptr}/condition_groups/{i}/conditions"
        conditions = group.get("conditions") if isinstance(group, dict) else None
        if not isinstance(conditions, list) or not conditions:
            raise invalid("Each condition group needs a non-empty 'conditions' array.", pointer=gptr)
        for j, cond in enumerate(conditions):
            if not isinstance(cond, dict) or not isinstance(cond.get("type"), str):
                raise invalid("Each condition needs a 'type'.", pointer=f"{gptr}/{j}/type")
    return value


def serialize(doc: dict[str, Any], base: str) -> dict[str, Any]:
    """A segment resource object.

    Example:
        >>> serialize({"id": "S", "name": "VIP"}, "http://h")["attributes"]["is_active"]
        True
    """
    attrs = {
        "name": doc.get("name"),
        "definition": doc.get("definition"),
        "created": doc.get("created"),
        "updated": doc.get("updated"),
        "is_active": doc.get("is_active", True),
        "is_processing": False,
        "is_starred": doc.get("is_starred", False),
    }
    rels = {name: relation(base, "segments", doc["id"], name) for name in ("profiles", "tags")}
    return resource("segment", doc["id"], attrs, base, "segments", rels)


def members(store: Store, definition: dict[str, Any]) -> list[str]:
    """Ids of the profiles matching the membership conditions of a definition, in profile order.

    Example:
        >>> members(Store(), {"condition_groups": []})
        []
    """
    groups = definition.get("condition_groups") or []
    if not groups:
        return []
    matching: set[str] | None = None
    for group in groups:
        found: set[str] = set()
        for cond in group.get("conditions", []):
            if cond.get("type") == "profile-group-membership":
                in_groups = {pid for gid in cond.get("group_ids", []) for pid, _ in store.members(gid)}
                if cond.get("is_member", True):
                    found |= in_groups
                else:
                    found |= {p["id"] for p in store.all("profile")} - in_groups
        matching = found if matching is None else matching & found
    chosen = matching or set()
    return [p["id"] for p in store.all("profile") if p["id"] in chosen] if chosen else []


def profile_count(store: Store, definition: dict[str, Any]) -> int:
    """Number of profiles matching the membership conditions of a definition.

    Example:
        >>> profile_count(Store(), {"condition_groups": []})
        0
    """
    return len(members(store, definition))


def _build(ctx: Ctx, attrs: dict[str, Any]) -> dict[str, Any]:
    name = require(attrs, "name", str, POINTER)
    definition = _definition(require(attrs, "definition", dict, POINTER))
    starred = optional(attrs, "is_starred", bool, POINTER) or False
    stamp = now_iso()
    return {
        "id": short_id(),
        "name": name,
        "definition": definition,
        "is_starred": starred,
        "is_active": True,
        "created": stamp,
        "updated": stamp,
    }


def _change(ctx: Ctx, doc: dict[str, Any], attrs: dict[str, Any]) -> None:
    """Klaviyo refuses ``is_active: false`` together with other attributes."""
    if attrs.get("is_active") is False and len(attrs) > 1:
        raise invalid("'is_active: false' must be sent without other attributes.", pointer=f"{POINTER}/is_active")
    if "name" in attrs:
        doc["name"] = require(attrs, "name", str, POINTER)
    if "definition" in attrs:
        doc["definition"] = _definition(attrs["definition"])
    for flag in ("is_starred", "is_active"):
        value = optional(attrs, flag, bool, POINTER)
        if value is not None:
            doc[flag] = value


SEGMENTS = HandMade(
    "segment",
    lambda ctx, doc: serialize(doc, ctx.base),
    included=lambda ctx, docs: [],  # include=flow-triggers,tags is accepted; the sandbox has none to add
    profile_count=lambda store, doc: profile_count(store, doc["definition"]),
    build=_build,
    change=_change,
)


ROUTES = SEGMENTS.routes(LIST_SPEC, GET_SPEC, WRITE_SPEC)
