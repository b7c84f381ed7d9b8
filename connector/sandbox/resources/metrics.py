"""Metrics: created by name when an event arrives; ``get_metrics`` and ``get_metric``.

Example:
    >>> from ..store import Store
    >>> s = Store()
    >>> metric_by_name(s, "Placed Order")["id"] == metric_by_name(s, "Placed Order")["id"]
    True
"""

from __future__ import annotations

from typing import Any

from ..filters import rule
from ..ids import now_iso, short_id
from ..jsonapi import resource
from ..query import QuerySpec
from ..routing import Route
from ..store import Store
from .handmade import HandMade
from .query_parts import FLOW_FIELDS

FIELDS = frozenset({"created", "id", "integration", "name", "updated"})
API_INTEGRATION = {"object": "integration", "id": "7FtS4J", "key": "api", "name": "API", "category": "API"}

LIST_SPEC = QuerySpec(
    filters={"integration.name": rule("equals"), "integration.category": rule("equals")},
    fields={"metric": FIELDS, "flow": FLOW_FIELDS},
    include=frozenset({"flow-triggers"}),
    cursor_page=200,
)
GET_SPEC = QuerySpec(fields={"metric": FIELDS, "flow": FLOW_FIELDS}, include=frozenset({"flow-triggers"}))


def metric_by_name(store: Store, name: str, service: str | None = None) -> dict[str, Any]:
    """Find a metric by exact name or create it (integration ``API`` unless a service is named).

    Example:
        >>> metric_by_name(Store(), "Viewed Product")["name"]
        'Viewed Product'
    """
    for doc in store.all("metric"):
        if doc["name"] == name:
            return doc
    integration = dict(API_INTEGRATION)
    if service:
        integration.update(key=service.lower(), name=service, category="Custom")
    stamp = now_iso()
    doc = {"id": short_id(), "name": name, "created": stamp, "updated": stamp, "integration": integration}
    store.put("metric", doc["id"], doc)
    return doc


def serialize(doc: dict[str, Any], base: str) -> dict[str, Any]:
    """A metric resource object.

    Example:
        >>> serialize({"id": "M", "name": "x"}, "http://h")["type"]
        'metric'
    """
    attrs = {k: doc.get(k) for k in ("name", "created", "updated", "integration")}
    return resource("metric", doc["id"], attrs, base, "metrics")


# include=flow-triggers is accepted; the sandbox keeps no flows to add.
METRICS = HandMade("metric", lambda ctx, doc: serialize(doc, ctx.base), included=lambda ctx, docs: [])

ROUTES = [
    Route("GET", "/api/metrics", "get_metrics", METRICS.list_all, LIST_SPEC),
    Route("GET", "/api/metrics/{id}", "get_metric", METRICS.get_one, GET_SPEC),
]
