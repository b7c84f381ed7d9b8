"""The handlers hand-made resource types share: list, get, create, update and delete.

Lists, segments, templates, campaigns ... differ in what they accept and store, not in how a request reaches the
store and how the answer is shaped. A type describes itself with a :class:`HandMade` (its kind, how a stored
document is rendered, and hooks for the rules that are its own) and routes to the bound methods, so that shared
path is written once.

Example:
    >>> from ..routing import call_context
    >>> notes = HandMade("note", lambda ctx, doc: {"type": "note", "id": doc["id"], "attributes": {"n": doc["n"]}})
    >>> store = Store()
    >>> store.put("note", "N1", {"id": "N1", "n": 1})
    >>> notes.get_one(call_context(store, "GET", "/api/notes/N1", {"id": "N1"})).doc["data"]["attributes"]
    {'n': 1}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..ids import now_iso
from ..jsonapi import read_data
from ..query import QuerySpec
from ..routing import Ctx, Route
from ..store import Store
from ..wire import Response
from .common import Doc, listing, load, single, value_of

Render = Callable[[Ctx, Doc], Doc]
Included = Callable[[Ctx, list[Doc]], list[Doc]]


@dataclass(frozen=True)
class HandMade:
    """One hand-made resource type and the handlers it shares with the others.

    ``render`` turns a stored document into its resource object. The hooks hold what is the type's own:

    * ``value``: a field's value for ``filter`` and ``sort`` (dotted attribute path by default);
    * ``included``: the resources ``include=`` adds for some stored documents (None: answers never have
      ``included``);
    * ``profile_count``: how many profiles a group holds, shown on Get when ``additional-fields`` asks for it;
    * ``build``: the validated new document from the attributes sent (it may store what the document owns);
    * ``change``: apply the attributes of an update to the stored document;
    * ``cascade``: forget what the document owns when it is deleted;
    * ``updated``: the timestamp an update renews.

    Example:
        >>> tags = HandMade("tag", lambda ctx, doc: doc)
        >>> [(r.method, r.path, r.op) for r in tags.routes(QuerySpec(), QuerySpec(), QuerySpec())][:3]
        [('GET', '/api/tags', 'get_tags'), ('POST', '/api/tags', 'create_tag'), ('GET', '/api/tags/{id}', 'get_tag')]
    """

    kind: str
    render: Render
    value: Callable[[Doc, str], Any] = value_of
    included: Included | None = None
    profile_count: Callable[[Store, Doc], int] | None = None
    build: Callable[[Ctx, Doc], Doc] | None = None
    change: Callable[[Ctx, Doc, Doc], None] | None = None
    cascade: Callable[[Store, Doc], None] | None = None
    updated: str = "updated"

    def list_all(self, ctx: Ctx) -> Response:
        """``GET /api/{kind}s``: every stored document, filtered, sorted and paged.

        Example:
            >>> from ..routing import call_context
            >>> store = Store()
            >>> store.put("note", "N1", {"id": "N1"})
            >>> notes = HandMade("note", lambda ctx, doc: {"type": "note", "id": doc["id"]})
            >>> [res["id"] for res in notes.list_all(call_context(store, "GET", "/api/notes")).doc["data"]]
            ['N1']
        """
        included = self.included
        return listing(
            ctx,
            ctx.store.all(self.kind),
            lambda doc: self.render(ctx, doc),
            self.value,
            included=None if included is None else lambda page: included(ctx, page),
        )

    def get_one(self, ctx: Ctx) -> Response:
        """``GET /api/{kind}s/{id}`` (404 if there is no such document).

        Example:
            >>> from ..routing import call_context
            >>> notes = HandMade("note", lambda ctx, doc: {"type": "note", "id": doc["id"]})
            >>> notes.get_one(call_context(Store(), "GET", "/api/notes/N9", {"id": "N9"})).status
            Traceback (most recent call last):
            ...
            connector.sandbox.errors.ApiError: A note with id N9 does not exist.
        """
        doc = load(ctx, self.kind)
        res = self.render(ctx, doc)
        if self.profile_count is not None and ctx.query.wants(self.kind, "profile_count"):
            res["attributes"]["profile_count"] = self.profile_count(ctx.store, doc)
        return single(ctx, res, included=None if self.included is None else self.included(ctx, [doc]))

    def create_one(self, ctx: Ctx) -> Response:
        """``POST /api/{kind}s`` → 201 with the document ``build`` makes of the attributes sent.

        Example:
            >>> from ..routing import call_context
            >>> store = Store()
            >>> notes = HandMade("note", lambda ctx, doc: {"type": "note", "id": doc["id"]},
            ...                  build=lambda ctx, attrs: {"id": "N1", **attrs})
            >>> body = {"data": {"type": "note", "attributes": {"text": "hi"}}}
            >>> notes.create_one(call_context(store, "POST", "/api/notes", body=body)).status, store.get("note", "N1")
            (201, {'id': 'N1', 'text': 'hi'})
        """
        assert self.build is not None, f"{self.kind} has no build hook"
        return self.saved(ctx, self.build(ctx, read_data(ctx.req, self.kind)["attributes"]), 201)

    def update_one(self, ctx: Ctx) -> Response:
        """``PATCH /api/{kind}s/{id}``: ``change`` applies the attributes sent, then ``updated`` is renewed.

        Example:
            >>> from ..routing import call_context
            >>> store = Store()
            >>> store.put("note", "N1", {"id": "N1", "text": "hi"})
            >>> notes = HandMade("note", lambda ctx, doc: {"type": "note", "id": doc["id"]},
            ...                  change=lambda ctx, doc, attrs: doc.update(attrs))
            >>> body = {"data": {"type": "note", "id": "N1", "attributes": {"text": "bye"}}}
            >>> notes.update_one(call_context(store, "PATCH", "/api/notes/N1", {"id": "N1"}, body)).status
            200
            >>> sorted(store.get("note", "N1").items())[1:]
            [('text', 'bye'), ('updated', ...)]
        """
        assert self.change is not None, f"{self.kind} has no change hook"
        doc = load(ctx, self.kind)
        self.change(ctx, doc, read_data(ctx.req, self.kind, ident=doc["id"])["attributes"])
        doc[self.updated] = now_iso()
        return self.saved(ctx, doc)

    def delete_one(self, ctx: Ctx) -> Response:
        """``DELETE /api/{kind}s/{id}`` → 204 (``cascade`` forgets what the document owned).

        Example:
            >>> from ..routing import call_context
            >>> store = Store()
            >>> store.put("note", "N1", {"id": "N1"})
            >>> notes = HandMade("note", lambda ctx, doc: doc, cascade=lambda store, doc: print("bye", doc["id"]))
            >>> notes.delete_one(call_context(store, "DELETE", "/api/notes/N1", {"id": "N1"})).status
            bye N1
            204
        """
        doc = load(ctx, self.kind)
        if self.cascade is not None:
            self.cascade(ctx.store, doc)
        ctx.store.delete(self.kind, doc["id"])
        return Response(204)

    def saved(self, ctx: Ctx, doc: Doc, status: int = 200) -> Response:
        """Store a document and answer with it rendered.

        Example:
            >>> from ..routing import call_context
            >>> store = Store()
            >>> notes = HandMade("note", lambda ctx, doc: {"type": "note", "id": doc["id"]})
            >>> notes.saved(call_context(store, "POST", "/api/notes"), {"id": "N1"}, 201).status, store.count("note")
            (201, 1)
        """
        ctx.store.put(self.kind, doc["id"], doc)
        return single(ctx, self.render(ctx, doc), status)

    def routes(self, listing: QuerySpec, reading: QuerySpec, writing: QuerySpec) -> list[Route]:
        """The five routes of a collection: list, create, get, update, delete, named as Klaviyo names them.

        ``listing`` is the query of the list, ``reading`` of the get, ``writing`` of create and update.

        Example:
            >>> [r.op for r in HandMade("segment", lambda c, d: d).routes(QuerySpec(), QuerySpec(), QuerySpec())]
            ['get_segments', 'create_segment', 'get_segment', 'update_segment', 'delete_segment']
        """
        kind, collection = self.kind, f"/api/{self.kind}s"
        return [
            Route("GET", collection, f"get_{kind}s", self.list_all, listing),
            Route("POST", collection, f"create_{kind}", self.create_one, writing),
            Route("GET", f"{collection}/{{id}}", f"get_{kind}", self.get_one, reading),
            Route("PATCH", f"{collection}/{{id}}", f"update_{kind}", self.update_one, writing),
            Route("DELETE", f"{collection}/{{id}}", f"delete_{kind}", self.delete_one),
        ]
