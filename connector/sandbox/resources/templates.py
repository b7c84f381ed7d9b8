"""Templates: CRUD with Klaviyo's editor-type rules.

``editor_type`` is required on create: ``CODE`` and ``USER_DRAGGABLE`` need ``html``; ``SYSTEM_DRAGGABLE`` must
not send ``html`` and takes a ``definition`` instead. Updates cannot change ``editor_type``. Creating fails once
1,000 templates exist. ``definition`` is returned only with ``additional-fields[template]=definition``.

Example:
    >>> [r.op for r in ROUTES][:2]
    ['get_templates', 'create_template']
"""

from __future__ import annotations

from typing import Any

from ..errors import invalid
from ..filters import rule
from ..ids import now_iso, short_id
from ..jsonapi import optional, read_data, require, resource
from ..query import QuerySpec
from ..routing import Ctx, Route
from ..wire import Response
from .common import listing, load, single

EDITORS = ("CODE", "USER_DRAGGABLE", "SYSTEM_DRAGGABLE")
MAX_TEMPLATES = 1000
FIELDS = frozenset({"amp", "created", "definition", "editor_type", "html", "id", "name", "text", "updated"})
_ADDITIONAL = {"template": frozenset({"definition"})}
_COMPARE = "equals greater-or-equal greater-than less-or-equal less-than"
LIST_SPEC = QuerySpec(
    filters={
        "id": rule("any equals"),
        "name": rule("any contains equals"),
        "created": rule(_COMPARE, "datetime"),
        "updated": rule(_COMPARE, "datetime"),
    },
    sorts=("created", "id", "name", "updated"),
    fields={"template": FIELDS},
    additional=_ADDITIONAL,
    page=(10, 10),
)
ONE_SPEC = QuerySpec(fields={"template": FIELDS}, additional=_ADDITIONAL)
POINTER = "/data/attributes"


def _strings(attrs: dict[str, Any], doc: dict[str, Any]) -> None:
    for key in ("text", "amp"):
        if key in attrs:
            doc[key] = optional(attrs, key, str, POINTER)


def _definition(attrs: dict[str, Any]) -> dict[str, Any]:
    value = attrs.get("definition")
    if not isinstance(value, dict) or "body" not in value or "styles" not in value:
        raise invalid(
            "SYSTEM_DRAGGABLE templates need a 'definition' with 'body' and 'styles'.", pointer=f"{POINTER}/definition"
        )
    return value


def serialize(doc: dict[str, Any], base: str, with_definition: bool = False) -> dict[str, Any]:
    """A template resource object.

    Example:
        >>> serialize({"id": "T", "name": "x", "editor_type": "CODE", "html": "<p/>"}, "http://h")["type"]
        'template'
    """
    attrs = {k: doc.get(k) for k in ("name", "editor_type", "html", "text", "amp", "created", "updated")}
    attrs["html"] = attrs["html"] or ""
    if with_definition and doc.get("definition") is not None:
        attrs["definition"] = doc["definition"]
    return resource("template", doc["id"], attrs, base, "templates")


def _render(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    return serialize(doc, ctx.base, ctx.query.wants("template", "definition"))


def get_templates(ctx: Ctx) -> Response:
    """``GET /api/templates``.

    Example:
        >>> get_templates.__name__
        'get_templates'
    """
    return listing(ctx, ctx.store.all("template"), lambda d: _render(ctx, d))


def create_template(ctx: Ctx) -> Response:
    """``POST /api/templates`` → 201.

    Example:
        >>> create_template.__name__
        'create_template'
    """
    attrs = read_data(ctx.req, "template")["attributes"]
    name = require(attrs, "name", str, POINTER)
    editor = require(attrs, "editor_type", str, POINTER)
    if editor not in EDITORS:
        raise invalid(f"'editor_type' must be one of {', '.join(EDITORS)}.", pointer=f"{POINTER}/editor_type")
    if ctx.store.count("template") >= MAX_TEMPLATES:
        raise invalid("The account already has 1000 templates created through the API.", pointer=POINTER)
    stamp = now_iso()
    doc: dict[str, Any] = {
        "id": short_id(),
        "name": name,
        "editor_type": editor,
        "created": stamp,
        "updated": stamp,
        "html": None,
        "definition": None,
        "text": None,
        "amp": None,
    }
    if editor == "SYSTEM_DRAGGABLE":
        if attrs.get("html") is not None:
            raise invalid("SYSTEM_DRAGGABLE templates must not send 'html'.", pointer=f"{POINTER}/html")
        doc["definition"] = _definition(attrs)
        doc["html"] = "<html><body><!-- rendered from definition --></body></html>"
    else:
        doc["html"] = require(attrs, "html", str, POINTER)
    _strings(attrs, doc)
    ctx.store.put("template", doc["id"], doc)
    return single(ctx, _render(ctx, doc), 201)


def get_template(ctx: Ctx) -> Response:
    """``GET /api/templates/{id}``.

    Example:
        >>> get_template.__name__
        'get_template'
    """
    return single(ctx, _render(ctx, load(ctx, "template")))


def update_template(ctx: Ctx) -> Response:
    """``PATCH /api/templates/{id}`` (no ``editor_type``).

    Example:
        >>> update_template.__name__
        'update_template'
    """
    doc = load(ctx, "template")
    attrs = read_data(ctx.req, "template", ident=doc["id"])["attributes"]
    if "editor_type" in attrs:
        raise invalid("'editor_type' cannot be changed.", pointer=f"{POINTER}/editor_type")
    if "name" in attrs:
        doc["name"] = require(attrs, "name", str, POINTER)
    if "html" in attrs:
        if doc["editor_type"] == "SYSTEM_DRAGGABLE":
            raise invalid("SYSTEM_DRAGGABLE templates must not send 'html'.", pointer=f"{POINTER}/html")
        doc["html"] = require(attrs, "html", str, POINTER)
    if "definition" in attrs:
        doc["definition"] = _definition(attrs)
    _strings(attrs, doc)
    doc["updated"] = now_iso()
    ctx.store.put("template", doc["id"], doc)
    return single(ctx, _render(ctx, doc))


def delete_template(ctx: Ctx) -> Response:
    """``DELETE /api/templates/{id}`` → 204.

    Example:
        >>> delete_template.__name__
        'delete_template'
    """
    ctx.store.delete("template", load(ctx, "template")["id"])
    return Response(204)


ROUTES = [
    Route("GET", "/api/templates", "get_templates", get_templates, LIST_SPEC),
    Route("POST", "/api/templates", "create_template", create_template, ONE_SPEC),
    Route("GET", "/api/templates/{id}", "get_template", get_template, ONE_SPEC),
    Route("PATCH", "/api/templates/{id}", "update_template", update_template, ONE_SPEC),
    Route("DELETE", "/api/templates/{id}", "delete_template", delete_template),
]
