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
from ..jsonapi import optional, require, resource
from ..query import QuerySpec
from ..routing import Ctx
from .handmade import HandMade

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


def _build(ctx: Ctx, attrs: dict[str, Any]) -> dict[str, Any]:
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
    return doc


def _change(ctx: Ctx, doc: dict[str, Any], attrs: dict[str, Any]) -> None:
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


TEMPLATES = HandMade("template", _render, build=_build, change=_change)


ROUTES = TEMPLATES.routes(LIST_SPEC, ONE_SPEC, ONE_SPEC)
