"""Lists: CRUD, members (``/api/lists/{id}/profiles``) and membership relationships.

Adding profiles to a list does not change consent and removing them does not unsubscribe, as on Klaviyo.

Example:
    >>> [r.op for r in ROUTES][:2]
    ['get_lists', 'create_list']
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid
from ..filters import rule
from ..ids import now_iso, short_id
from ..jsonapi import linkage_list, read_json, relation, require, resource
from ..query import QuerySpec
from ..routing import Ctx, Route
from ..wire import Response
from . import profile_model
from .common import listing, load, value_of
from .handmade import HandMade
from .query_parts import FLOW_FIELDS, GROUP_FILTERS, TAG_FIELDS

FIELDS = frozenset({"created", "id", "name", "opt_in_process", "updated"})
OPT_IN = ("double_opt_in", "single_opt_in")
MEMBER_FILTERS = {
    "email": rule("any equals"),
    "phone_number": rule("any equals"),
    "push_token": rule("any equals"),
    "_kx": rule("equals"),
    "joined_group_at": rule("greater-or-equal greater-than less-or-equal less-than", "datetime"),
}
ADDITIONAL_PROFILE = {"profile": frozenset({"subscriptions", "predictive_analytics"})}

LIST_SPEC = QuerySpec(
    filters=GROUP_FILTERS,
    sorts=("created", "id", "name", "updated"),
    fields={"list": FIELDS, "flow": FLOW_FIELDS, "tag": TAG_FIELDS},
    include=frozenset({"flow-triggers", "tags"}),
    page=(10, 10),
)
GET_SPEC = QuerySpec(
    fields={"list": FIELDS | {"profile_count"}, "flow": FLOW_FIELDS, "tag": TAG_FIELDS},
    include=frozenset({"flow-triggers", "tags"}),
    additional={"list": frozenset({"profile_count"})},
)
WRITE_SPEC = QuerySpec(fields={"list": FIELDS})
MEMBERS_SPEC = QuerySpec(
    filters=MEMBER_FILTERS,
    sorts=("joined_group_at",),
    page=(20, 100),
    additional=ADDITIONAL_PROFILE,
    fields={"profile": profile_model.FIELDS | {"joined_group_at"}},
)
MEMBER_IDS_SPEC = QuerySpec(filters=MEMBER_FILTERS, sorts=("joined_group_at",), page=(20, 100))


def serialize(doc: dict[str, Any], base: str) -> dict[str, Any]:
    """A list resource object.

    Example:
        >>> serialize({"id": "L", "name": "News"}, "http://h")["attributes"]["name"]
        'News'
    """
    attrs = {k: doc.get(k) for k in ("name", "created", "updated", "opt_in_process")}
    rels = {name: relation(base, "lists", doc["id"], name) for name in ("profiles", "tags")}
    return resource("list", doc["id"], attrs, base, "lists", rels)


def _name(attrs: dict[str, Any]) -> str:
    name: str = require(attrs, "name", str, "/data/attributes")
    if not name.strip():
        raise invalid("'name' must not be empty.", pointer="/data/attributes/name")
    return name


def _opt_in(attrs: dict[str, Any]) -> str | None:
    value = attrs.get("opt_in_process")
    if value is not None and value not in OPT_IN:
        raise invalid(
            "'opt_in_process' must be double_opt_in or single_opt_in.", pointer="/data/attributes/opt_in_process"
        )
    return value if isinstance(value, str) else None


def _build(ctx: Ctx, attrs: dict[str, Any]) -> dict[str, Any]:
    stamp = now_iso()
    return {
        "id": short_id(),
        "name": _name(attrs),
        "created": stamp,
        "updated": stamp,
        "opt_in_process": _opt_in(attrs) or "single_opt_in",
    }


def _change(ctx: Ctx, doc: dict[str, Any], attrs: dict[str, Any]) -> None:
    if "name" in attrs:
        doc["name"] = _name(attrs)
    opt_in = _opt_in(attrs)
    if opt_in:
        doc["opt_in_process"] = opt_in


LISTS = HandMade(
    "list",
    lambda ctx, doc: serialize(doc, ctx.base),
    included=lambda ctx, docs: [],  # include=flow-triggers,tags is accepted; the sandbox has none to add
    profile_count=lambda store, doc: len(store.members(doc["id"])),
    build=_build,
    change=_change,
    cascade=lambda store, doc: store.drop_list(doc["id"]),  # memberships go; nobody is unsubscribed
)


def _members(ctx: Ctx) -> list[dict[str, Any]]:
    doc = load(ctx, "list")
    out = []
    for pid, joined in ctx.store.members(doc["id"]):
        profile = ctx.store.get("profile", pid)
        if profile is not None:
            out.append({**profile, "joined_group_at": joined})
    return out


def _member_value(doc: dict[str, Any], field: str) -> Any:
    if field == "push_token":
        return None
    return value_of(doc, field)


def get_list_profiles(ctx: Ctx) -> Response:
    """``GET /api/lists/{id}/profiles``: members with ``joined_group_at``.

    Example:
        >>> get_list_profiles.__name__
        'get_list_profiles'
    """

    def render(doc: dict[str, Any]) -> dict[str, Any]:
        res = profile_model.serialize(doc, ctx.base, ctx.query)
        res["attributes"]["joined_group_at"] = doc["joined_group_at"]
        return res

    return listing(ctx, _members(ctx), render, _member_value)


def get_list_profile_ids(ctx: Ctx) -> Response:
    """``GET /api/lists/{id}/relationships/profiles``: member ids only.

    Example:
        >>> get_list_profile_ids.__name__
        'get_list_profile_ids'
    """
    return listing(ctx, _members(ctx), lambda d: {"type": "profile", "id": d["id"]}, _member_value)


def _profile_ids(ctx: Ctx) -> list[str]:
    ids = linkage_list(read_json(ctx.req), "profile", maximum=1000)
    for i, pid in enumerate(ids):
        if not ctx.store.exists("profile", pid):
            raise invalid(f"A profile with id {pid} does not exist.", pointer=f"/data/{i}/id")
    return ids


def add_profiles(ctx: Ctx) -> Response:
    """``POST /api/lists/{id}/relationships/profiles`` → 204 (at most 1000 ids).

    Example:
        >>> add_profiles.__name__
        'add_profiles'
    """
    doc = load(ctx, "list")
    stamp = now_iso()
    for pid in _profile_ids(ctx):
        ctx.store.add_member(doc["id"], pid, stamp)
    return Response(204)


def remove_profiles(ctx: Ctx) -> Response:
    """``DELETE /api/lists/{id}/relationships/profiles`` → 204 (does not unsubscribe).

    Example:
        >>> remove_profiles.__name__
        'remove_profiles'
    """
    doc = load(ctx, "list")
    for pid in _profile_ids(ctx):
        ctx.store.remove_member(doc["id"], pid)
    return Response(204)


ROUTES = [
    *LISTS.routes(LIST_SPEC, GET_SPEC, WRITE_SPEC),
    Route("GET", "/api/lists/{id}/profiles", "get_profiles_for_list", get_list_profiles, MEMBERS_SPEC),
    Route(
        "GET",
        "/api/lists/{id}/relationships/profiles",
        "get_profile_ids_for_list",
        get_list_profile_ids,
        MEMBER_IDS_SPEC,
    ),
    Route("POST", "/api/lists/{id}/relationships/profiles", "add_profiles_to_list", add_profiles),
    Route("DELETE", "/api/lists/{id}/relationships/profiles", "remove_profiles_from_list", remove_profiles),
]
