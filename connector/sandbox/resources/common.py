"""Shared shapes of handlers: a collection page and a single-resource document.

Example:
    >>> value_of({"a": {"b": 1}}, "a.b")
    1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..errors import ApiError, not_found
from ..filters import matches
from ..ids import now_iso, ulid
from ..jsonapi import apply_fields, sort_rows
from ..pagination import paginate, self_url
from ..routing import Ctx
from ..wire import Response

Doc = dict[str, Any]
Serializer = Callable[[Doc], Doc]


def value_of(doc: Doc, field: str) -> Any:
    """Look a dotted field up in a stored document (default filter/sort accessor).

    Example:
        >>> value_of({"x": 1}, "y") is None
        True
    """
    value: Any = doc
    for part in field.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def load(ctx: Ctx, kind: str, param: str = "id") -> Doc:
    """The document named by a path parameter, or 404.

    Example:
        >>> load.__name__
        'load'
    """
    ident = ctx.params[param]
    doc = ctx.store.get(kind, ident)
    if doc is None:
        raise not_found(kind, ident)
    return doc


def _getter(doc: Doc, value: Callable[[Doc, str], Any]) -> Callable[[str], Any]:
    return lambda field: value(doc, field)


def listing(
    ctx: Ctx,
    docs: Iterable[Doc],
    serialize: Serializer,
    value: Callable[[Doc, str], Any] = value_of,
    included: Callable[[list[Doc]], list[Doc]] | None = None,
) -> Response:
    """Filter, sort and page documents, then render a collection document.

    Example:
        >>> listing.__name__
        'listing'
    """
    conds = ctx.query.conditions
    rows = [d for d in docs if matches(conds, _getter(d, value))] if conds else list(docs)
    rows = sort_rows(rows, ctx.query, value)
    page, links = paginate(rows, ctx.query, ctx.req)
    doc: Doc = {"data": [apply_fields(serialize(d), ctx.query) for d in page], "links": links}
    if included is not None and ctx.query.include:
        doc["included"] = dedupe([apply_fields(r, ctx.query) for r in included(page)])
    return Response(200, doc)


def single(ctx: Ctx, res: Doc, status: int = 200, included: list[Doc] | None = None) -> Response:
    """Render one resource (with ``included`` when the query asked for relations).

    Example:
        >>> single.__name__
        'single'
    """
    doc: Doc = {"data": apply_fields(res, ctx.query), "links": {"self": self_url(ctx.req)}}
    if included is not None and ctx.query.include:
        doc["included"] = dedupe([apply_fields(r, ctx.query) for r in included])
    return Response(status, doc)


def refuse_oversized(ctx: Ctx, limit: int) -> None:
    """413 when the body is over ``limit`` bytes (the documented cap of a bulk payload).

    The HTTP server refuses such a body before reading it; this keeps the rule for requests handed to the app
    directly.

    Example:
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> refuse_oversized(call_context(Store(), "POST", "/", body={"data": "x" * 2**20}), 2**20)
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: The payload exceeds 1 MB.
    """
    if len(ctx.req.body) > limit:
        raise ApiError(413, "payload_too_large", f"The payload exceeds {limit // (1024 * 1024)} MB.", pointer="/data")


def record_finished_job(ctx: Ctx, kind: str, total: int, completed: int, **details: Any) -> Doc:
    """Store a job a handler applied before answering: ``complete`` from the start, with its counts.

    Bulk subscribe, unsubscribe and Bulk Create Events answer 202 with an empty body, so this record is the only
    trace a client (or :meth:`~..state.State.jobs`) can read; ``details`` are extra fields it keeps.

    Example:
        >>> from ..routing import call_context
        >>> from ..store import Store
        >>> job = record_finished_job(call_context(Store(), "POST", "/api/x"), "x-job", 2, 2, list_id=None)
        >>> job["status"], job["failed_count"], job["list_id"]
        ('complete', 0, None)
    """
    stamp = now_iso()
    job: Doc = {
        "id": ulid(),
        "type": kind,
        "status": "complete",
        "created_at": stamp,
        "completed_at": stamp,
        "total_count": total,
        "completed_count": completed,
        "failed_count": 0,
        **details,
    }
    ctx.store.put(kind, job["id"], ctx.jobs.stamp(job))
    return job


def dedupe(resources: list[Doc]) -> list[Doc]:
    """Drop repeated (type, id) pairs from ``included``.

    Example:
        >>> len(dedupe([{"type": "a", "id": "1"}, {"type": "a", "id": "1"}]))
        1
    """
    seen: set[tuple[str, str]] = set()
    out = []
    for res in resources:
        key = (res["type"], res["id"])
        if key not in seen:
            seen.add(key)
            out.append(res)
    return out
