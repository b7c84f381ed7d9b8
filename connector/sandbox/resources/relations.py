"""Which resources a relationship points at, for every type of the spec.

Most relationships are links in the store, read from either end: tagging a list (``tag`` -> ``lists``) also
makes the list's ``tags`` show the tag. A few are implied by what the hand-made resources already hold (list
membership, a profile's segments, an event's metric, a campaign's messages, a bulk import's lists and profiles)
and are read from there, so both views always agree.

Resources no request can create (flow actions, form versions, metric properties ...) are *materialised*: the
first time a relationship to such a type is read and finds nothing, one is built from the spec's examples and
linked, so every related endpoint has something real to return. Lists of such types (webhook topics, tracking
settings, mapped metrics ...) are seeded with one resource the same way.

Example:
    >>> from ..store import Store
    >>> s = Store()
    >>> s.add_member("L", "P", "2024-01-01T00:00:00+00:00")
    >>> linked(s, "profile", "P", Relation("lists", "list", True))
    [('list', 'L')]
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..ids import now_iso, short_id
from ..openapi import SPEC
from ..resource_types import TYPES, Relation
from ..schema import Schema, accepts_null, matches, sample
from ..store import Store

Doc = dict[str, Any]
TIMESTAMPS = frozenset({"created", "created_at", "updated", "updated_at"})
# Types whose documents only the hand-made handlers create; never materialised from examples ...
HANDMADE_KINDS = frozenset(
    {"account", "metric", "profile", "list", "segment", "event", "campaign", "campaign-message", "template", "image"}
)
# ... except these stand-alone ones, when a to-one relationship the spec says cannot be null needs a target
# (a flow message's template, a mapped metric's metric).
STANDALONE = frozenset({"metric", "template", "image"})


def _segment_members(store: Store, segment_id: str) -> list[str]:
    from .segments import members

    doc = store.get("segment", segment_id)
    return [] if doc is None else members(store, doc.get("definition") or {})


def _profile_segments(store: Store, profile_id: str) -> list[str]:
    from .segments import members

    return [d["id"] for d in store.all("segment") if profile_id in members(store, d.get("definition") or {})]


def _field(kind: str, key: str) -> Callable[[Store, str], list[str]]:
    def read(store: Store, ident: str) -> list[str]:
        doc = store.get(kind, ident) or {}
        value = doc.get(key)
        return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []

    return read


# (type, relationship) -> ids, for relationships the hand-made resources hold themselves.
HANDMADE: dict[tuple[str, str], Callable[[Store, str], list[str]]] = {
    ("profile", "lists"): lambda store, ident: store.lists_of(ident),
    ("list", "profiles"): lambda store, ident: [p for p, _ in store.members(ident)],
    ("profile", "segments"): _profile_segments,
    ("segment", "profiles"): _segment_members,
    ("event", "profile"): _field("event", "profile_id"),
    ("event", "metric"): _field("event", "metric_id"),
    ("campaign", "campaign-messages"): _field("campaign", "message_ids"),
    ("campaign-message", "campaign"): _field("campaign-message", "campaign_id"),
    ("profile-bulk-import-job", "lists"): _field("profile-bulk-import-job", "list_ids"),
    ("profile-bulk-import-job", "profiles"): _field("profile-bulk-import-job", "profile_ids"),
}


def linked(store: Store, kind: str, ident: str, rel: Relation) -> list[tuple[str, str]]:
    """(type, id) pairs a relationship points at now, without materialising anything.

    Example:
        >>> s = Store(); s.link("tag", "T", "lists", "list", "L")
        >>> linked(s, "list", "L", Relation("tags", "tag", True))
        [('tag', 'T')]
    """
    special = HANDMADE.get((kind, rel.name))
    if special is not None:
        return [(rel.target, i) for i in special(store, ident)]
    found = [pair for pair in store.links(kind, ident, rel.name) if pair[0] == rel.target]
    found += [(rel.target, i) for i in store.linked_from(rel.target, kind, ident)]
    return list(dict.fromkeys(found))


def resolve(store: Store, kind: str, ident: str, rel: Relation, *, required: bool = False) -> list[tuple[str, str]]:
    """Like :func:`linked`, but a relationship to a system-made type that points nowhere gets one resource.

    ``required`` (a to-one relationship the spec says cannot be null) materialises a target of any type the
    hand-made handlers do not own: an object type always has a current schema, a mapped metric its metric.

    Example:
        >>> s = Store(); s.put("flow", "F", {"id": "F"})
        >>> [t for t, _ in resolve(s, "flow", "F", Relation("flow-actions", "flow-action", True))]
        ['flow-action']
    """
    found = linked(store, kind, ident, rel)
    if found:
        return found
    if rel.target in HANDMADE_KINDS and not (required and rel.target in STANDALONE):
        return found
    if not (required or TYPES.system_made(rel.target)):
        return found
    doc = materialize(store, rel.target)
    store.link(kind, ident, rel.name, rel.target, doc["id"])
    return [(rel.target, doc["id"])]


def seed(store: Store, kind: str) -> None:
    """Give an empty collection of a system-made type one resource (webhook topics, tracking settings ...).

    Example:
        >>> s = Store(); seed(s, "webhook-topic"); s.count("webhook-topic")
        1
    """
    if kind not in HANDMADE_KINDS and TYPES.system_made(kind) and store.count(kind) == 0:
        materialize(store, kind)


def materialize(store: Store, kind: str, ident: str | None = None) -> Doc:
    """Build, store and return a resource of ``kind`` from the spec's examples.

    Example:
        >>> doc = materialize(Store(), "webhook-topic")
        >>> sorted(doc)[:2]
        ['_system', 'id']
    """
    schema = TYPES.schema(kind)
    example = SPEC.flat(schema.get("properties", {}).get("id", {})).get("example")
    if ident is None:
        ident = str(example) if example and not store.exists(kind, str(example)) else short_id(10)
    doc: Doc = {"id": ident, "_system": True, **complete(TYPES.attributes_schema(kind), {}, examples=True)}
    store.put(kind, ident, doc)
    return doc


def complete(attributes: Schema, given: dict[str, Any], *, examples: bool = False) -> dict[str, Any]:
    """Attributes with every declared one present: given values, timestamps now, defaults, null or a sample.

    ``examples`` prefers the spec's example to null for optional attributes (materialised resources look real).

    Example:
        >>> s = {"properties": {"name": {"type": "string"}, "created": {"type": "string", "format": "date-time"},
        ...      "note": {"type": "string", "nullable": True}}}
        >>> out = complete(s, {"name": "VIP"})
        >>> out["name"], out["note"], out["created"][:2]
        ('VIP', None, '20')
    """
    out: dict[str, Any] = {}
    stamp = now_iso()
    for name, sub in attributes.get("properties", {}).items():
        flat = SPEC.flat(sub)
        if name in given:
            out[name] = given[name]
        elif name in TIMESTAMPS and flat.get("format") == "date-time":
            out[name] = stamp
        elif "default" in flat and (flat["default"] is not None or accepts_null(flat)):
            out[name] = copy.deepcopy(flat["default"])
        elif accepts_null(flat) and not (
            examples and "example" in flat and matches(flat["example"], flat, SPEC.resolve)
        ):
            out[name] = None
        else:
            out[name] = sample(flat, SPEC.resolve)
    for name, value in given.items():
        out.setdefault(name, value)
    return out
