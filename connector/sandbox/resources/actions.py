"""Action endpoints that act on an existing resource instead of creating one from attributes.

* ``POST /api/campaign-clone`` copies a campaign and its messages (``new_name`` or "Copy of ...") → 201;
* ``POST /api/template-clone`` copies a template (``name`` or "Copy of ...") → 201;
* ``POST /api/template-render`` fills ``{{ name }}`` / ``{{ a.b }}`` placeholders of a template's html and text
  from ``context`` → 201 with the rendered template (nothing stored);
* ``POST /api/campaign-message-assign-template`` links a template to a campaign message → 200;
* ``POST /api/profile-merge`` merges the listed profiles into the destination ``data.id``: properties, list
  memberships, events and links move, missing identifiers are taken over, the sources are deleted → 201.

Example:
    >>> render_text("Hi {{ first_name }}, {{ order.total|default:'0' }}", {"first_name": "Ann", "order": {}})
    'Hi Ann, 0'
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import invalid, not_found
from ..ids import now_iso, short_id, ulid
from ..jsonapi import read_json
from ..openapi import Operation
from ..routing import Ctx
from ..wire import Response
from . import profile_model
from .generic import answer, targets

Doc = dict[str, Any]
_PLACEHOLDER = re.compile(r"\{\{\s*([\w.$]+)\s*(?:\|\s*default:\s*['\"]([^'\"]*)['\"])?\s*\}\}")


def render_text(text: str, context: Doc) -> str:
    """Replace ``{{ path }}`` (optionally ``|default:'x'``) with values from ``context``.

    Example:
        >>> render_text("{{ a.b }}!", {"a": {"b": 2}})
        '2!'
    """

    def value(match: re.Match[str]) -> str:
        current: Any = context
        for part in match[1].split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return str(current) if current is not None else (match[2] or "")

    return _PLACEHOLDER.sub(value, text)


def _subject(ctx: Ctx, kind: str) -> tuple[Doc, Doc]:
    """The request's ``data`` and the stored resource of ``kind`` its ``id`` names (404 pointing at ``/data/id``)."""
    data: Doc = read_json(ctx.req)["data"]
    doc = ctx.store.get(kind, data["id"])
    if doc is None:
        raise not_found(kind, data["id"], pointer="/data/id")
    return data, doc


def _linkage(ctx: Ctx, data: Doc, name: str) -> list[tuple[str, str, str]]:
    """The existing targets of ``relationships.<name>`` (400 when there are none or one is missing)."""
    found = targets(ctx, {name: (data.get("relationships") or {}).get(name)})
    if not found:
        raise invalid(f"'relationships.{name}.data' is required.", pointer=f"/data/relationships/{name}/data")
    return found


def clone_campaign(op: Operation, ctx: Ctx) -> Response:
    """``POST /api/campaign-clone``.

    Example:
        >>> from ..openapi import SPEC
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> store = Store(); store.put("campaign", "C", {"id": "C", "name": "Sale", "status": "Sent"})
        >>> body = {"data": {"type": "campaign", "id": "C"}}
        >>> clone_campaign(SPEC.operation("create_campaign_clone"), call_context(store, "POST", "/", body=body)).status
        201
        >>> [(campaign["name"], campaign["status"]) for campaign in store.all("campaign")]
        [('Sale', 'Sent'), ('Copy of Sale', 'Draft')]
    """
    data, source = _subject(ctx, "campaign")
    stamp = now_iso()
    name = (data.get("attributes") or {}).get("new_name") or f"Copy of {source['name']}"
    clone = {**source, "id": ulid(), "name": name, "status": "Draft", "created_at": stamp, "updated_at": stamp}
    clone["scheduled_at"] = clone["send_time"] = None
    clone["message_ids"] = []
    for message_id in source.get("message_ids", []):
        message = ctx.store.get("campaign-message", message_id)
        if message is not None:
            copy = {**message, "id": ulid(), "campaign_id": clone["id"], "created_at": stamp, "updated_at": stamp}
            ctx.store.put("campaign-message", copy["id"], copy)
            clone["message_ids"].append(copy["id"])
    ctx.store.put("campaign", clone["id"], clone)
    return answer(ctx, op, "campaign", clone)


def clone_template(op: Operation, ctx: Ctx) -> Response:
    """``POST /api/template-clone``.

    Example:
        >>> from ..openapi import SPEC
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> store = Store(); store.put("template", "T", {"id": "T", "name": "Welcome"})
        >>> ctx = call_context(store, "POST", "/", body={"data": {"type": "template", "id": "T"}})
        >>> clone_template(SPEC.operation("clone_template"), ctx).doc["data"]["attributes"]["name"]
        'Copy of Welcome'
        >>> store.count("template")
        2
    """
    data, source = _subject(ctx, "template")
    stamp = now_iso()
    name = (data.get("attributes") or {}).get("name") or f"Copy of {source['name']}"
    clone = {**source, "id": short_id(), "name": name, "created": stamp, "updated": stamp}
    ctx.store.put("template", clone["id"], clone)
    return answer(ctx, op, "template", clone)


def render_template(op: Operation, ctx: Ctx) -> Response:
    """``POST /api/template-render`` (nothing is stored).

    Example:
        >>> from ..openapi import SPEC
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> store = Store(); store.put("template", "T", {"id": "T", "html": "<p>Hi {{ first_name }}</p>"})
        >>> context = {"first_name": "Ann"}
        >>> ctx = call_context(store, "POST", "/", body={"data": {"id": "T", "attributes": {"context": context}}})
        >>> render_template(SPEC.operation("render_template"), ctx).doc["data"]["attributes"]["html"]
        '<p>Hi Ann</p>'
        >>> store.get("template", "T")["html"]  # nothing is stored
        '<p>Hi {{ first_name }}</p>'
    """
    data, source = _subject(ctx, "template")
    context = (data.get("attributes") or {}).get("context") or {}
    rendered = dict(source)
    for key in ("html", "text", "amp"):
        if isinstance(rendered.get(key), str):
            rendered[key] = render_text(rendered[key], context)
    return answer(ctx, op, "template", rendered)


def assign_template(op: Operation, ctx: Ctx) -> Response:
    """``POST /api/campaign-message-assign-template``.

    Example:
        >>> assign_template.__name__
        'assign_template'
    """
    data, message = _subject(ctx, "campaign-message")
    (_, _, template_id), *_ = _linkage(ctx, data, "template")
    for kind, ident in ctx.store.links("campaign-message", message["id"], "template"):
        ctx.store.unlink("campaign-message", message["id"], "template", kind, ident)
    ctx.store.link("campaign-message", message["id"], "template", "template", template_id)
    message["updated_at"] = now_iso()
    ctx.store.put("campaign-message", message["id"], message)
    return answer(ctx, op, "campaign-message", message)


def merge_profiles(op: Operation, ctx: Ctx) -> Response:
    """``POST /api/profile-merge``.

    Example:
        >>> merge_profiles.__name__
        'merge_profiles'
    """
    data, target = _subject(ctx, "profile")
    sources = [ident for _, _, ident in _linkage(ctx, data, "profiles")]
    for index, ident in enumerate(sources):
        if ident == target["id"]:
            pointer = f"/data/relationships/profiles/data/{index}/id"
            raise invalid("A profile cannot be merged into itself.", pointer=pointer)
    for ident in sources:
        _merge_one(ctx, target, ident)
    return answer(ctx, op, "profile", ctx.store.get("profile", target["id"]))


def _merge_one(ctx: Ctx, target: Doc, source_id: str) -> None:
    from .generic_jobs import forget_profile

    source = ctx.store.get("profile", source_id)
    if source is None:
        return
    target["properties"] = {**(source.get("properties") or {}), **(target.get("properties") or {})}
    taken = {k: source[k] for k in profile_model.IDENTS if source.get(k) and not target.get(k)}
    for list_id in ctx.store.lists_of(source_id):
        ctx.store.add_member(list_id, target["id"], now_iso())
    for event in ctx.store.all("event"):
        if event.get("profile_id") == source_id:
            ctx.store.put("event", event["id"], {**event, "profile_id": target["id"]})
    forget_profile(ctx.store, source_id)  # its events were moved above, so only the empty profile goes
    profile_model.update(ctx.store, target, taken, None, "/data")
