"""Resource objects and documents shaped exactly like an operation's response schema.

A stored document becomes a resource object (hand-made types through their own serializers, every other type
from its attributes and relationship links), is then :func:`~..schema.conform`-ed to the schema the operation
declares for that status and type, and only then cut down by ``fields[type]``. So whatever the store holds,
the answer validates against the spec.

Example:
    >>> self_link("http://h", "catalog-item", "$custom:::$default:::A")
    'http://h/api/catalog-items/$custom:::$default:::A/'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ..jsonapi import apply_fields
from ..openapi import SPEC, Operation
from ..pagination import self_url
from ..resource_types import TYPES, data_schema, resource_type
from ..routing import Ctx
from ..schema import Schema, conform
from .relations import linked

Doc = dict[str, Any]
_SAFE = "$:@!*'()+,;=-._~"


def self_link(base: str, kind: str, ident: str) -> str:
    """``links.self`` of a resource: ``{base}/api/{segment}/{id}/``.

    Example:
        >>> self_link("http://h", "tag", "T1")
        'http://h/api/tags/T1/'
    """
    segment = TYPES.segment(kind) or f"{kind}s"
    return f"{base}/api/{segment}/{quote(ident, safe=_SAFE)}/"


def _handmade() -> dict[str, Callable[[Doc, Ctx], Doc]]:
    from . import campaigns, events, images, imports, lists, metrics, profile_model, segments, templates

    return {
        "list": lambda d, ctx: lists.serialize(d, ctx.base),
        "profile": lambda d, ctx: profile_model.serialize(d, ctx.base, ctx.query),
        "segment": lambda d, ctx: segments.serialize(d, ctx.base),
        "template": lambda d, ctx: templates.serialize(d, ctx.base, ctx.query.wants("template", "definition")),
        "campaign": lambda d, ctx: campaigns.serialize(d, ctx.base),
        "campaign-message": lambda d, ctx: campaigns.serialize_message(d, ctx.base),
        "event": lambda d, ctx: events.serialize(d, ctx.base),
        "metric": lambda d, ctx: metrics.serialize(d, ctx.base),
        "image": lambda d, ctx: images.serialize(d, ctx.base),
        "profile-bulk-import-job": lambda d, ctx: imports.serialize(ctx.jobs.view(d), ctx.base),
    }


_SERIALIZERS: dict[str, Callable[[Doc, Ctx], Doc]] = {}


def generic_object(ctx: Ctx, kind: str, doc: Doc) -> Doc:
    """A resource object for a spec-driven type: stored attributes plus relationship links and linkage.

    Example:
        >>> generic_object.__name__
        'generic_object'
    """
    if kind.endswith("-job"):
        doc = ctx.jobs.view(doc)
    link = self_link(ctx.base, kind, doc["id"])
    relationships: Doc = {}
    for name, rel in TYPES.relations(kind).items():
        block: Doc = {"links": {"self": f"{link}relationships/{name}/", "related": f"{link}{name}/"}}
        pairs = linked(ctx.store, kind, doc["id"], rel)
        if rel.many:
            block["data"] = [{"type": t, "id": i} for t, i in pairs]
        elif pairs:
            block["data"] = {"type": pairs[0][0], "id": pairs[0][1]}
        relationships[name] = block
    # Attributes behind additional-fields[kind] (a flow's definition ...) only when asked for, as on Klaviyo.
    hidden = {name for name in TYPES.additional(kind) if not ctx.query.wants(kind, name)}
    attributes = {k: v for k, v in doc.items() if k != "id" and not k.startswith("_") and k not in hidden}
    return {
        "type": kind,
        "id": doc["id"],
        "attributes": attributes,
        "relationships": relationships,
        "links": {"self": link},
    }


def resource_object(ctx: Ctx, kind: str, doc: Doc, schema: Schema | None) -> Doc:
    """Render one stored document as the schema wants it, then apply ``fields[kind]``.

    Example:
        >>> resource_object.__name__
        'resource_object'
    """
    if not _SERIALIZERS:
        _SERIALIZERS.update(_handmade())
    serializer = _SERIALIZERS.get(kind)
    res = serializer(doc, ctx) if serializer is not None else generic_object(ctx, kind, doc)
    if schema:
        current = res.get("attributes") or {}
        asked = {n: current[n] for n in TYPES.additional(kind) if ctx.query.wants(kind, n) and n in current}
        res = conform(res, schema, SPEC.resolve)
        # Some schemas omit an attribute their additional-fields parameter offers (Get Flow's definition):
        # what the client asked for is kept; extra keys still validate, the spec does not close its objects.
        res.setdefault("attributes", {}).update({n: v for n, v in asked.items() if n not in res["attributes"]})
    return apply_fields(res, ctx.query)


def resource_schema(document: Schema | None, kind: str) -> Schema:
    """The schema a document declares for resources of ``kind`` under ``data`` (the type's own otherwise).

    Example:
        >>> "properties" in resource_schema(SPEC.operation("get_tags").response(), "tag")
        True
    """
    schemas, _ = data_schema(SPEC, document)
    for schema in schemas:
        if resource_type(SPEC, schema) in (kind, None):
            return schema
    return TYPES.schema(kind)


def included_schema(document: Schema | None, kind: str) -> Schema | None:
    """The schema a document declares for ``included`` resources of ``kind`` (None if it has no ``included``).

    Example:
        >>> included_schema(SPEC.operation("get_tags").response(), "tag-group") is not None
        True
    """
    if document is None:
        return None
    included = SPEC.flat(document).get("properties", {}).get("included")
    if included is None:
        return None
    items = SPEC.flat(SPEC.flat(included).get("items", {}))
    for branch in items.get("oneOf") or [items]:
        flat = SPEC.flat(branch)
        if resource_type(SPEC, flat) == kind:
            return flat
    return TYPES.schema(kind)


def includes(ctx: Ctx, op: Operation, status: int, pairs: list[tuple[str, Doc]]) -> list[Doc]:
    """``included`` resources for ``include=...`` over the given (type, document) pairs, without repeats.

    Example:
        >>> includes.__name__
        'includes'
    """
    document = op.response(status)
    out: list[Doc] = []
    seen: set[tuple[str, str]] = set()
    for kind, doc in pairs:
        for name in ctx.query.include:
            rel = TYPES.relation(kind, name)
            if rel is None:
                continue
            for target, ident in linked(ctx.store, kind, doc["id"], rel):
                found = ctx.store.get(target, ident)
                schema = included_schema(document, target)
                if found is None or (target, ident) in seen or schema is None:
                    continue
                seen.add((target, ident))
                out.append(resource_object(ctx, target, found, schema))
    return out


def single_document(ctx: Ctx, op: Operation, kind: str, doc: Doc | None, status: int | None = None) -> Doc:
    """``{"data": resource-or-null, "links": {"self"}, "included"?}`` for one resource.

    Example:
        >>> single_document.__name__
        'single_document'
    """
    status = status or op.success
    document = op.response(status)
    data = None if doc is None else resource_object(ctx, kind, doc, resource_schema(document, kind))
    out: Doc = {"data": data, "links": {"self": self_url(ctx.req)}}
    if ctx.query.include and doc is not None and _declares_included(document):
        out["included"] = includes(ctx, op, status, [(kind, doc)])
    return out


def _declares_included(document: Schema | None) -> bool:
    return document is not None and "included" in SPEC.flat(document).get("properties", {})


def collection_document(ctx: Ctx, op: Operation, kind: str, docs: list[Doc], links: Doc) -> Doc:
    """``{"data": [...], "links": {...}, "included"?}`` for one page of resources.

    Example:
        >>> collection_document.__name__
        'collection_document'
    """
    document = op.response()
    schema = resource_schema(document, kind)
    out: Doc = {"data": [resource_object(ctx, kind, d, schema) for d in docs], "links": links}
    if ctx.query.include and _declares_included(document):
        out["included"] = includes(ctx, op, op.success, [(kind, d) for d in docs])
    return out
