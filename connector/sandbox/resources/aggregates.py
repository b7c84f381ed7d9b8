"""Query Metric Aggregates (``POST /api/metric-aggregates``), computed from the events the sandbox holds.

The request names a metric, ``measurements`` (``count``, ``sum_value``, ``unique`` profiles), an ``interval``
(hour, day, week, month) and ``filter`` conditions; like Klaviyo it needs a datetime window in the filter
(``greater-or-equal(datetime,...)`` and ``less-than(datetime,...)``). ``by`` groups the events by dimensions:
``$value_currency`` is the event's currency, any other dimension is read from the event's properties (``$flow``,
``$message``, ``Campaign Name`` ...; an event without it falls in the ``""`` group). Conditions on dimensions
(``equals($flow,"abc")``, ``any(...)``, ``contains(...)``) narrow the events. ``sort`` orders the groups and
``page_size`` caps how many are returned. Buckets are UTC whatever ``timezone`` says.

Example:
    >>> dimension({"value_currency": "EUR", "event_properties": {}}, "$value_currency")
    'EUR'
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from .. import filters
from ..errors import ApiError, invalid
from ..ids import iso, parse_datetime
from ..jsonapi import read_json
from ..openapi import Operation
from ..pagination import self_url
from ..routing import Ctx
from ..wire import Response
from .timeframes import buckets, floor

Doc = dict[str, Any]
POINTER = "/data/attributes"
_DATETIME = filters.Rule(frozenset({"greater-or-equal", "greater-than", "less-or-equal", "less-than"}), "datetime")
_DIMENSION = filters.Rule(frozenset({"equals", "any", "contains", "starts-with", "ends-with"}), "string")


def dimension(event: Doc, name: str) -> str:
    """An event's value for a ``by`` dimension.

    Example:
        >>> dimension({"event_properties": {"$flow": "F1"}}, "$flow")
        'F1'
    """
    if name == "$value_currency":
        return str(event.get("value_currency") or "")
    value = (event.get("event_properties") or {}).get(name)
    return "" if value is None else str(value)


def value_of(event: Doc) -> float:
    """The event's value (``value``, else the ``$value`` property), 0 when it has none.

    Example:
        >>> value_of({"event_properties": {"$value": 9.5}})
        9.5
    """
    value = event.get("value")
    if value is None:
        value = (event.get("event_properties") or {}).get("$value")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _window(conditions: list[filters.Condition]) -> tuple[datetime, datetime]:
    start = end = None
    for cond in conditions:
        if cond.field == "datetime" and cond.op in ("greater-or-equal", "greater-than"):
            start = cond.value
        elif cond.field == "datetime" and cond.op in ("less-than", "less-or-equal"):
            end = cond.value
    if not isinstance(start, datetime) or not isinstance(end, datetime) or end <= start:
        raise invalid(
            "'filter' needs greater-or-equal(datetime,...) and less-than(datetime,...) with start before end.",
            pointer=f"{POINTER}/filter",
        )
    return start, end


def _conditions(texts: list[str], dims: set[str]) -> list[filters.Condition]:
    allowed = {"datetime": _DATETIME, **{d: _DIMENSION for d in dims}}
    out: list[filters.Condition] = []
    for index, text in enumerate(texts):
        try:
            out += filters.parse(text, allowed)
        except ApiError as exc:
            raise invalid(exc.detail, pointer=f"{POINTER}/filter/{index}") from None
    return out


def query_metric_aggregates(op: Operation, ctx: Ctx) -> Response:
    """``POST /api/metric-aggregates`` → 200 with ``dates`` and one ``data`` row per group.

    Example:
        >>> query_metric_aggregates.__name__
        'query_metric_aggregates'
    """
    attrs: Doc = read_json(ctx.req)["data"]["attributes"]
    metric_id = attrs["metric_id"]
    if not ctx.store.exists("metric", metric_id):
        raise invalid(f"A metric with id {metric_id} does not exist.", pointer=f"{POINTER}/metric_id")
    by: list[str] = attrs.get("by") or []
    dims = set(by) | {c.split("(", 1)[-1].split(",", 1)[0].strip() for c in attrs["filter"] if "(" in c}
    conditions = _conditions(attrs["filter"], dims - {"datetime"})
    start, end = _window(conditions)
    unit = attrs.get("interval") or "day"
    starts = buckets(start, end, unit)
    position = {bucket: index for index, bucket in enumerate(starts)}
    rest = [c for c in conditions if c.field != "datetime"]
    groups: dict[tuple[str, ...], list[list[Doc]]] = {} if by else {(): [[] for _ in starts]}
    for event in ctx.store.all("event"):
        when = parse_datetime(str(event.get("datetime")))
        if event.get("metric_id") != metric_id or when is None or not start <= when < end:
            continue
        if not all(filters.holds(c, dimension(event, c.field)) for c in rest):
            continue
        index = position.get(floor(when, unit))
        if index is not None:
            key = tuple(dimension(event, d) for d in by)
            groups.setdefault(key, [[] for _ in starts])[index].append(event)
    rows = [
        {"dimensions": list(key), "measurements": _measure(attrs["measurements"], per)} for key, per in groups.items()
    ]
    rows = _sorted(rows, attrs.get("sort"), by)[: int(attrs.get("page_size") or 500)]
    url = self_url(ctx.req)
    data = {
        "type": "metric-aggregate",
        "id": str(uuid.uuid4()),
        "attributes": {"dates": [iso(b) for b in starts], "data": rows},
        "links": {"self": url},
    }
    return Response(op.success, {"data": data, "links": {"self": url}})


def _measure(measurements: list[str], per: list[list[Doc]]) -> Doc:
    out: Doc = {}
    for name in measurements:
        if name == "count":
            out[name] = [len(events) for events in per]
        elif name == "sum_value":
            out[name] = [round(sum(value_of(e) for e in events), 2) for events in per]
        elif name == "unique":
            out[name] = [len({e.get("profile_id") for e in events}) for events in per]
    return out


def _sorted(rows: list[Doc], sort: str | None, by: list[str]) -> list[Doc]:
    if not sort:
        return rows
    name = sort.lstrip("-")
    desc = sort.startswith("-")
    if name in by:
        position = by.index(name)
        return sorted(rows, key=lambda r: str(r["dimensions"][position]), reverse=desc)
    return sorted(rows, key=lambda r: sum(r["measurements"].get(name, [0])), reverse=desc)
