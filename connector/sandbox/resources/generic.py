"""The spec-driven resource store: every operation without a hand-made handler, by the shape of its path.

========================================  ==================================================================
Path and method                            Behaviour
========================================  ==================================================================
``GET /api/x``                             list: ``filter`` (fields and operators from ``x-klaviyo-filters``),
                                           ``sort``, ``fields[...]``, ``include``, ``page[size]`` / cursor
``POST /api/x``                            create from ``data.attributes`` and ``data.relationships``; the
                                           other attributes the type has are filled (null, default, now)
``GET / PATCH / DELETE /api/x/{id}``       read, merge attributes (``null`` clears) and links, remove
``GET /api/x/{id}/relationships/y``        linkage (``{"type", "id"}``), paged when the spec pages it
``POST / PATCH / DELETE .../relation...``  add / replace / remove links (every target must exist)
``GET /api/x/{id}/y``                      the related resources, with the operation's query parameters
========================================  ==================================================================

Bulk jobs, reports and the action endpoints (clone, render, merge ...) have their own modules; the hand-made
handlers (profiles, lists, events ...) override all of this for their operations.

Example:
    >>> owner_kind("/api/catalog-items/{id}/relationships/categories")
    'catalog-item'
"""

from __future__ import annotations

import copy
from typing import Any

from .. import filters
from ..errors import ApiError, invalid, not_found
from ..ids import now_iso, short_id, ulid
from ..jsonapi import read_json, sort_rows
from ..openapi import SPEC, Operation
from ..pagination import paginate, self_url
from ..resource_types import TYPES, Relation, data_schema, resource_type
from ..routing import Ctx
from ..schema import accepts_null
from ..wire import Response
from .common import value_of
from .relations import HANDMADE_KINDS, TIMESTAMPS, complete, linked, materialize, resolve, seed
from .render import collection_document, single_document

Doc = dict[str, Any]
# Catalog ids are compound: {integration}:::{catalog}:::{external_id} (spec description of catalog ids).
_CATALOG = frozenset({"catalog-item", "catalog-variant", "catalog-category"})


def owner_kind(path: str) -> str:
    """The resource type a path is about (from its first segment after ``/api``).

    Example:
        >>> owner_kind("/api/tags/{id}")
        'tag'
    """
    segment = path.strip("/").split("/")[1]
    kind = TYPES.kind_at(segment)
    if kind is None:
        raise ApiError(404, "not_found", f"The path {path} was not found.")
    return kind


def _ident(ctx: Ctx) -> str:
    return ctx.params.get("id") or ctx.params.get("job_id") or ""


def load_owner(ctx: Ctx, op: Operation, *, build_on_read: bool = False) -> tuple[str, Doc]:
    """(type, document) named by the path's ``{id}`` / ``{job_id}``, or 404.

    ``build_on_read``: a system-made type that nothing lists (an IP allow-list, a campaign's recipient
    estimation) is built from the spec's examples on the first read of an id, since a client has no other way to
    learn its ids.

    Example:
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> load_owner(call_context(Store(), "GET", "/", {"id": "nope"}), SPEC.operation("get_tag"))
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: A tag with id nope does not exist.
    """
    kind = owner_kind(op.path)
    ident = _ident(ctx)
    doc = ctx.store.get(kind, ident)
    if doc is None and build_on_read and _built_on_read(ctx, kind, ident):
        doc = materialize(ctx.store, kind, ident)
    if doc is None:
        raise not_found(kind, ident)
    return kind, doc


# System-made types read by the id of another resource: that resource must exist.
READ_BY_ID_OF = {"campaign-recipient-estimation": "campaign"}


def _built_on_read(ctx: Ctx, kind: str, ident: str) -> bool:
    if kind in HANDMADE_KINDS or not TYPES.system_made(kind) or TYPES.listable(kind):
        return False
    subject = READ_BY_ID_OF.get(kind)
    return subject is None or ctx.store.exists(subject, ident)


def relation_of(op: Operation, kind: str) -> Relation:
    """The relationship a ``/{id}/y`` or ``/{id}/relationships/y`` path names.

    Example:
        >>> relation_of(SPEC.operation("get_tag_ids_for_list"), "list").target
        'tag'
    """
    name = op.path.rstrip("/").rsplit("/", 1)[-1]
    rel = TYPES.relation(kind, name)
    if rel is None:
        raise ApiError(404, "not_found", f"A {kind} has no relationship '{name}'.")
    return rel


# filtering -------------------------------------------------------------------------------------------------


def candidates(ctx: Ctx, kind: str, doc: Doc, field: str) -> list[Any]:
    """Values a filter field can take on a document: attribute (dotted), ``id``/``ids``, or related ids.

    ``category.id`` and ``coupon.id`` match through the ``categories`` / ``coupon`` relationships.

    Example:
        >>> candidates(None, "tag", {"id": "T"}, "ids")  # type: ignore[arg-type]
        ['T']
    """
    if field in ("id", "ids"):
        return [doc["id"]]
    value = value_of(doc, field)
    if value is not None:
        return [value]
    head, _, tail = field.partition(".")
    if tail in ("", "id"):
        for name in (head, f"{head}s", f"{head[:-1]}ies" if head.endswith("y") else head):
            rel = TYPES.relation(kind, name)
            if rel is not None:
                return [i for _, i in linked(ctx.store, kind, doc["id"], rel)] or [None]
    return [None]


def _keep(ctx: Ctx, kind: str, doc: Doc) -> bool:
    for cond in ctx.query.conditions:
        values = candidates(ctx, kind, doc, cond.field)
        if not any(filters.holds(cond, v) for v in values):
            return False
    return True


def page_of(ctx: Ctx, kind: str, docs: list[Doc]) -> tuple[list[Doc], Doc]:
    """Filter, sort and cut one page out of documents; returns (page, links).

    Example:
        >>> page_of.__name__
        'page_of'
    """
    rows = [d for d in docs if _keep(ctx, kind, d)] if ctx.query.conditions else docs
    rows = sort_rows(rows, ctx.query, lambda d, name: d["id"] if name == "id" else value_of(d, name))
    return paginate(rows, ctx.query, ctx.req)


# collection and item operations ------------------------------------------------------------------------------


def list_resources(op: Operation, ctx: Ctx) -> Response:
    """``GET /api/x``.

    Example:
        >>> list_resources.__name__
        'list_resources'
    """
    kind = owner_kind(op.path)
    seed(ctx.store, kind)
    page, links = page_of(ctx, kind, ctx.store.all(kind))
    return Response(op.success, collection_document(ctx, op, kind, page, links))


def get_resource(op: Operation, ctx: Ctx) -> Response:
    """``GET /api/x/{id}`` (system-made types nothing lists are built on the first read of an id).

    Example:
        >>> get_resource.__name__
        'get_resource'
    """
    kind, doc = load_owner(ctx, op, build_on_read=True)
    return Response(op.success, single_document(ctx, op, kind, doc))


def new_id(kind: str, data: Doc) -> str:
    """The id a created resource gets: the one sent, a compound catalog id, the coupon's external id, or a ULID.

    Example:
        >>> new_id("catalog-item", {"attributes": {"external_id": "SKU-1"}})
        '$custom:::$default:::SKU-1'
    """
    attrs = data.get("attributes") or {}
    if isinstance(data.get("id"), str) and data["id"]:
        return str(data["id"])
    if kind in _CATALOG and isinstance(attrs.get("external_id"), str):
        integration = attrs.get("integration_type") or "$custom"
        catalog = attrs.get("catalog_type") or "$default"
        return f"{integration}:::{catalog}:::{attrs['external_id']}"
    if kind == "coupon" and isinstance(attrs.get("external_id"), str):
        return str(attrs["external_id"])
    if kind == "coupon-code" and isinstance(attrs.get("unique_code"), str):
        coupon = ((data.get("relationships") or {}).get("coupon") or {}).get("data") or {}
        return f"{coupon.get('id', 'COUPON')}-{attrs['unique_code']}"
    return ulid() if kind.endswith("-job") else short_id(10)


def targets(ctx: Ctx, relationships: Any, pointer: str = "/data/relationships") -> list[tuple[str, str, str]]:
    """(relationship, type, id) for every linkage in a ``relationships`` block; 400 if a target is missing.

    Targets of system-made types are created on the spot (the sandbox cannot know them otherwise).

    Example:
        >>> targets(None, None)  # type: ignore[arg-type]
        []
    """
    out: list[tuple[str, str, str]] = []
    for name, block in (relationships or {}).items():
        linkage = block.get("data") if isinstance(block, dict) else None
        items = linkage if isinstance(linkage, list) else [linkage] if isinstance(linkage, dict) else []
        for index, item in enumerate(items):
            where = f"{pointer}/{name}/data" + (f"/{index}" if isinstance(linkage, list) else "")
            out.append((name, *_existing(ctx, item, where)))
    return out


def _existing(ctx: Ctx, item: Any, where: str) -> tuple[str, str]:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str) or not isinstance(item.get("id"), str):
        raise invalid("A relationship needs {type, id}.", pointer=where)
    kind, ident = item["type"], item["id"]
    if not ctx.store.exists(kind, ident):
        if kind in HANDMADE_KINDS or not TYPES.system_made(kind):
            raise invalid(f"A {kind} with id {ident} does not exist.", pointer=f"{where}/id")
        materialize(ctx.store, kind, ident)
    return kind, ident


def _nested_profile(ctx: Ctx, kind: str, attrs: Doc) -> list[tuple[str, str, str]]:
    """A ``profile`` object inside the attributes (push tokens, back-in-stock ...) becomes a profile link."""
    profile = attrs.get("profile")
    if (
        not (isinstance(profile, dict) and isinstance(profile.get("data"), dict))
        or TYPES.relation(kind, "profile") is None
    ):
        return []
    from .event_model import resolve_profile

    found = resolve_profile(ctx.store, attrs.pop("profile"), "/data/attributes/profile")
    return [("profile", "profile", found["id"])]


def request_defaults(op: Operation, kind: str) -> Doc:
    """The defaults the operation's request schema declares for attributes of ``kind`` (Klaviyo applies them).

    Example:
        >>> request_defaults(SPEC.operation("create_catalog_item"), "catalog-item")["published"]
        True
    """
    out: Doc = {}
    schemas, _ = data_schema(SPEC, op.request)
    for schema in schemas:
        if resource_type(SPEC, schema) != kind:
            continue
        attributes = SPEC.flat(schema.get("properties", {}).get("attributes", {}))
        for name, sub in attributes.get("properties", {}).items():
            default = SPEC.flat(sub).get("default")
            if default is not None:
                out[name] = copy.deepcopy(default)
    return out


def posted(ctx: Ctx) -> tuple[str, Doc]:
    """(type, ``data``) of a create request (the app has already checked the body against the spec).

    Example:
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> posted(call_context(Store(), "POST", "/api/tags", body={"data": {"type": "tag"}}))
        ('tag', {'type': 'tag'})
    """
    data: Doc = read_json(ctx.req)["data"]
    return str(data["type"]), data


def create_resource(op: Operation, ctx: Ctx) -> Response:
    """``POST /api/x`` (201 with the resource, or the spec's 200/202/204).

    Example:
        >>> create_resource.__name__
        'create_resource'
    """
    kind, data = posted(ctx)
    attrs = dict(data.get("attributes") or {})
    ident = new_id(kind, data)
    if ctx.store.exists(kind, ident):
        raise ApiError(409, "duplicate", f"A {kind} with id {ident} already exists.", pointer="/data")
    links = targets(ctx, data.get("relationships")) + _nested_profile(ctx, kind, attrs)
    doc: Doc = {"id": ident, **complete(TYPES.attributes_schema(kind), {**request_defaults(op, kind), **attrs})}
    ctx.store.put(kind, ident, doc)
    for name, target_kind, target_id in links:
        ctx.store.link(kind, ident, name, target_kind, target_id)
    return answer(ctx, op, kind, doc)


def answer(ctx: Ctx, op: Operation, kind: str, doc: Doc | None, status: int | None = None) -> Response:
    """The operation's success answer: the resource document, or no body when the spec declares none.

    Example:
        >>> answer.__name__
        'answer'
    """
    status = status or op.success
    if op.response(status) is None:
        return Response(status)
    return Response(status, single_document(ctx, op, kind, doc, status))


def update_resource(op: Operation, ctx: Ctx) -> Response:
    """``PATCH /api/x/{id}``: attributes merged (``null`` clears), relationships sent replace the old links.

    Example:
        >>> update_resource.__name__
        'update_resource'
    """
    kind, doc = load_owner(ctx, op)
    data: Doc = read_json(ctx.req)["data"]
    if "id" in data and data["id"] != doc["id"]:
        raise invalid("'data.id' does not match the id in the path.", pointer="/data/id")
    doc.update(data.get("attributes") or {})
    for name in TIMESTAMPS & {"updated", "updated_at"}:
        if name in doc:
            doc[name] = now_iso()
    if kind.endswith("-job") and doc.get("action") == "cancel" and doc.get("status") not in ("complete",):
        doc["status"] = "cancelled"
    for name, target_kind, target_id in targets(ctx, data.get("relationships")):
        for old_kind, old_id in ctx.store.links(kind, doc["id"], name):
            ctx.store.unlink(kind, doc["id"], name, old_kind, old_id)
        ctx.store.link(kind, doc["id"], name, target_kind, target_id)
    ctx.store.put(kind, doc["id"], doc)
    return answer(ctx, op, kind, doc)


def delete_resource(op: Operation, ctx: Ctx) -> Response:
    """``DELETE /api/x/{id}`` → 204; its links go too.

    Example:
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> store = Store(); store.put("tag", "T", {"id": "T"}); store.link("tag", "T", "lists", "list", "L")
        >>> delete_resource(SPEC.operation("delete_tag"), call_context(store, "DELETE", "/", {"id": "T"})).status
        204
        >>> store.exists("tag", "T"), store.links("tag", "T", "lists")
        (False, [])
    """
    kind, doc = load_owner(ctx, op)
    ctx.store.delete(kind, doc["id"])
    ctx.store.drop_links(kind, doc["id"])
    return Response(op.success)


# relationships ------------------------------------------------------------------------------------------


def get_relationship(op: Operation, ctx: Ctx) -> Response:
    """``GET /api/x/{id}/relationships/y``: linkage only.

    Example:
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> store = Store(); store.put("list", "L", {"id": "L"}); store.link("tag", "T", "lists", "list", "L")
        >>> ids = get_relationship(SPEC.operation("get_tag_ids_for_list"), call_context(store, "GET", "/", {"id": "L"}))
        >>> ids.doc["data"]
        [{'type': 'tag', 'id': 'T'}]
    """
    rel, pairs = _related(op, ctx)
    linkage = [{"type": t, "id": i} for t, i in pairs]
    if not rel.many:
        return Response(op.success, {"data": linkage[0] if linkage else None, "links": {"self": self_url(ctx.req)}})
    page, links = paginate(linkage, ctx.query, ctx.req)
    return Response(op.success, {"data": page, "links": links})


def _related(op: Operation, ctx: Ctx) -> tuple[Relation, list[tuple[str, str]]]:
    """The relationship the path names and the (type, id) pairs it points at.

    A to-one relationship the answer cannot leave null gets a target made from the spec's examples if it has none.
    """
    kind, doc = load_owner(ctx, op)
    rel = relation_of(op, kind)
    return rel, resolve(ctx.store, kind, doc["id"], rel, required=not rel.many and not _null_allowed(op))


def _null_allowed(op: Operation) -> bool:
    """True if the operation's answer may carry ``"data": null``."""
    document = op.response()
    data = SPEC.flat(document).get("properties", {}).get("data") if document else None
    return data is None or accepts_null(SPEC.flat(data))


def _body_targets(ctx: Ctx, rel: Relation) -> list[tuple[str, str]]:
    data = read_json(ctx.req)["data"]
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    out = []
    for index, item in enumerate(items):
        where = f"/data/{index}" if isinstance(data, list) else "/data"
        kind, ident = _existing(ctx, item, where)
        if kind != rel.target:
            raise invalid(f"Each item must have type '{rel.target}'.", pointer=f"{where}/type")
        out.append((kind, ident))
    return out


def change_relationship(op: Operation, ctx: Ctx) -> Response:
    """``POST`` adds, ``DELETE`` removes and ``PATCH`` replaces the links of a relationship → 204.

    Example:
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> store = Store(); store.put("list", "L", {"id": "L"}); store.put("tag", "T", {"id": "T"})
        >>> ctx = call_context(store, "POST", "/", {"id": "T"}, {"data": [{"type": "list", "id": "L"}]})
        >>> change_relationship(SPEC.operation("tag_lists"), ctx).status, store.links("tag", "T", "lists")
        (204, [('list', 'L')])
    """
    kind, doc = load_owner(ctx, op)
    rel = relation_of(op, kind)
    wanted = _body_targets(ctx, rel)
    if op.method == "PATCH":
        for target_kind, target_id in linked(ctx.store, kind, doc["id"], rel):
            ctx.store.unlink(kind, doc["id"], rel.name, target_kind, target_id)
    for target_kind, target_id in wanted:
        if op.method == "DELETE":
            ctx.store.unlink(kind, doc["id"], rel.name, target_kind, target_id)
        else:
            ctx.store.link(kind, doc["id"], rel.name, target_kind, target_id)
    return Response(op.success)


def get_related(op: Operation, ctx: Ctx) -> Response:
    """``GET /api/x/{id}/y``: the related resources (one, or a filtered, sorted page).

    Example:
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> store = Store(); store.put("list", "L", {"id": "L"}); store.put("tag", "T", {"id": "T", "name": "Gold"})
        >>> store.link("tag", "T", "lists", "list", "L")
        >>> found = get_related(SPEC.operation("get_tags_for_list"), call_context(store, "GET", "/", {"id": "L"}))
        >>> [res["attributes"] for res in found.doc["data"]]
        [{'name': 'Gold'}]
    """
    rel, pairs = _related(op, ctx)
    found = [(t, d) for t, i in pairs if (d := ctx.store.get(t, i)) is not None]
    if not rel.many:
        target, first = found[0] if found else (rel.target, None)
        return Response(op.success, single_document(ctx, op, target, first))
    page, links = page_of(ctx, rel.target, [d for _, d in found])
    return Response(op.success, collection_document(ctx, op, rel.target, page, links))
