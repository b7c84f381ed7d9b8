"""Campaign, flow, form and segment values / series reports, computed from what the sandbox holds.

Message statistics count events of Klaviyo's standard metric names (``Received Email`` for recipients and
deliveries, ``Opened Email``, ``Clicked Email``, ``Bounced Email``, ``Marked Email as Spam``,
``Unsubscribed`` ... and ``Viewed Form``, ``Submitted Form`` ... for forms); conversions are events of the
request's ``conversion_metric_id``, their value the events' values. An event counts for the campaign, flow or
form its properties name (``$campaign`` / ``campaign_id`` / ``$message`` / ``$attributed_message`` for campaigns,
``$flow`` / ``$attributed_flow`` for flows, ``form_id`` for forms; a campaign message id stands for its
campaign). Rates are ratios of those counts (``open_rate`` = unique opens / delivered ...), rounded to 4 places;
SMS spend and credits are 0. Segment reports count members: ``total_members`` now, ``members_added`` by when
they joined the lists behind the segment.

Values reports answer one result per group (``group_by``, default by campaign / flow / form / segment id),
series reports the same statistics as one number per ``interval`` bucket in ``date_times``. ``filter``
(``equals``, ``any``, ``contains`` on the grouping fields) narrows the groups.

Example:
    >>> rate(3, 4), rate(1, 0)
    (0.75, 0.0)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from .. import filters
from ..errors import ApiError, invalid
from ..ids import iso, parse_datetime
from ..jsonapi import read_json
from ..openapi import Operation
from ..pagination import self_url
from ..routing import Ctx
from ..store import Store
from ..wire import Response
from .aggregates import value_of
from .timeframes import INTERVALS, buckets, floor, window

Doc = dict[str, Any]
POINTER = "/data/attributes"

# statistic -> metric names whose events it counts (uniques count distinct profiles of the same events).
COUNTED = {
    "recipients": ("Received Email", "Received SMS", "Received Push", "Received WhatsApp Message"),
    "delivered": ("Received Email", "Received SMS", "Received Push", "Received WhatsApp Message"),
    "opens": ("Opened Email", "Opened Push"),
    "clicks": ("Clicked Email", "Clicked SMS"),
    "bounced": ("Bounced Email",),
    "failed": ("Failed to Deliver", "Failed to deliver SMS"),
    "spam_complaints": ("Marked Email as Spam",),
    "unsubscribes": ("Unsubscribed", "Unsubscribed from SMS"),
    "viewed_form": ("Viewed Form",),
    "submits": ("Submitted Form",),
    "closed_form": ("Closed Form",),
    "qualified_form": ("Qualified Form",),
    "viewed_form_step": ("Viewed Form Step",),
    "submitted_form_step": ("Submitted Form Step",),
}
UNIQUES = {
    "opens_unique": "opens",
    "clicks_unique": "clicks",
    "unsubscribe_uniques": "unsubscribes",
    "viewed_form_uniques": "viewed_form",
    "closed_form_uniques": "closed_form",
    "qualified_form_uniques": "qualified_form",
    "viewed_form_step_uniques": "viewed_form_step",
    "submitted_form_step_uniques": "submitted_form_step",
}
RATES = {
    "open_rate": ("opens_unique", "delivered"),
    "click_rate": ("clicks_unique", "delivered"),
    "click_to_open_rate": ("clicks_unique", "opens_unique"),
    "bounce_rate": ("bounced", "recipients"),
    "delivery_rate": ("delivered", "recipients"),
    "failed_rate": ("failed", "recipients"),
    "bounced_or_failed_rate": ("bounced_or_failed", "recipients"),
    "spam_complaint_rate": ("spam_complaints", "delivered"),
    "unsubscribe_rate": ("unsubscribe_uniques", "delivered"),
    "conversion_rate": ("conversion_uniques", "delivered"),
    "average_order_value": ("conversion_value", "conversions"),
    "revenue_per_recipient": ("conversion_value", "recipients"),
    "submit_rate": ("submits", "viewed_form_uniques"),
}
ZERO = ("text_message_credit_usage_amount", "text_message_roi", "text_message_spend", "message_segment_count_sum")
# report type -> (event properties naming the subject, default grouping, relationship name, subject type)
SUBJECTS = {
    "campaign": (("$campaign", "campaign_id", "$message", "$attributed_message"), ["campaign_id"], "campaigns"),
    "flow": (("$flow", "flow_id", "$attributed_flow"), ["flow_id"], "flows"),
    "form": (("form_id", "$form_id", "$form"), ["form_id"], ""),
}


def rate(part: float, whole: float) -> float:
    """``part / whole`` rounded to 4 places, 0 when ``whole`` is 0.

    Example:
        >>> rate(1, 3)
        0.3333
    """
    return round(part / whole, 4) if whole else 0.0


def statistics(wanted: list[str], events: list[Doc], names: dict[str, str], conversion: str | None) -> Doc:
    """The requested statistics over one group's events (``names`` maps metric ids to names).

    Example:
        >>> evs = [{"metric_id": "R", "profile_id": "a"}, {"metric_id": "O", "profile_id": "a"}]
        >>> statistics(["open_rate", "opens"], evs, {"R": "Received Email", "O": "Opened Email"}, None)
        {'open_rate': 1.0, 'opens': 1}
    """
    base: dict[str, float] = {}
    profiles: dict[str, set[Any]] = {}
    for name, metrics in COUNTED.items():
        chosen = [e for e in events if names.get(str(e.get("metric_id"))) in metrics]
        base[name] = len(chosen)
        profiles[name] = {e.get("profile_id") for e in chosen}
    for name, source in UNIQUES.items():
        base[name] = len(profiles[source])
    converted = [e for e in events if conversion is not None and e.get("metric_id") == conversion]
    base["conversions"] = len(converted)
    base["conversion_uniques"] = len({e.get("profile_id") for e in converted})
    base["conversion_value"] = round(sum(value_of(e) for e in converted), 2)
    base["bounced_or_failed"] = base["bounced"] + base["failed"]
    out: Doc = {}
    for name in wanted:
        if name in RATES:
            out[name] = rate(base[RATES[name][0]], base[RATES[name][1]])
        elif name in ZERO:
            out[name] = 0
        else:
            out[name] = base.get(name, 0)
    return out


def _subject_ids(store: Store, kind: str, event: Doc) -> list[str]:
    props = event.get("event_properties") or {}
    found = []
    for key in SUBJECTS[kind][0]:
        value = props.get(key)
        if not isinstance(value, str) or not value:
            continue
        if kind == "campaign" and not store.exists("campaign", value):
            message = store.get("campaign-message", value)
            value = message.get("campaign_id", value) if message else value
        found.append(value)
    return list(dict.fromkeys(found))


def _groupings(store: Store, kind: str, subject: str, group_by: list[str]) -> Doc:
    doc = store.get(kind, subject) or {}
    out: Doc = {}
    for name in group_by:
        if name == f"{kind}_id":
            out[name] = subject
        elif name == "send_channel":
            out[name] = doc.get("channel") or "email"
        elif name in ("campaign_message_id", "flow_message_id"):
            out[name] = (doc.get("message_ids") or [""])[0]
        elif name == "form_version_id":
            out[name] = ""
        elif name.endswith("_name"):
            out[name] = str(doc.get("name") or "")
        else:
            out[name] = ""
    return out


def group_fields(op: Operation) -> list[str]:
    """The grouping fields a report request may name (its ``group_by`` enum in the spec).

    Example:
        >>> from ..openapi import SPEC
        >>> group_fields(SPEC.operation("query_form_values"))
        ['form_id', 'form_version_id']
    """
    from ..openapi import SPEC

    if op.request is None:
        return []
    data = SPEC.flat(SPEC.flat(op.request)["properties"]["data"])
    attrs = SPEC.flat(data["properties"]["attributes"])
    group_by = SPEC.flat(attrs.get("properties", {}).get("group_by", {}))
    return [str(v) for v in SPEC.flat(group_by.get("items", {})).get("enum", [])]


def _conditions(text: Any, fields: list[str]) -> list[filters.Condition]:
    if not text:
        return []
    ops = {"equals", "any", "contains", "contains-any", "contains-all", "starts-with", "ends-with"}
    rule = filters.Rule(frozenset(ops), "string")
    allowed = {name: rule for name in fields}
    try:
        return filters.parse(str(text), allowed)
    except ApiError as exc:
        raise invalid(exc.detail, pointer=f"{POINTER}/filter") from None


def _report(op: Operation, ctx: Ctx, kind: str, series: bool) -> Response:
    data: Doc = read_json(ctx.req)["data"]
    attrs: Doc = data["attributes"]
    start, end = window(attrs.get("timeframe"))
    unit = INTERVALS.get(str(attrs.get("interval")), "day")
    starts = buckets(start, end, unit) if series else [start]
    position = {bucket: index for index, bucket in enumerate(starts)}
    group_by: list[str] = attrs.get("group_by") or SUBJECTS[kind][1]
    conversion = attrs.get("conversion_metric_id")
    names = {m["id"]: str(m.get("name")) for m in ctx.store.all("metric")}
    per_subject: dict[str, list[list[Doc]]] = {}
    for event in ctx.store.all("event"):
        when = parse_datetime(str(event.get("datetime")))
        if when is None or not start <= when < end:
            continue
        index = position.get(floor(when, unit)) if series else 0
        if index is None:
            continue
        for subject in _subject_ids(ctx.store, kind, event):
            per_subject.setdefault(subject, [[] for _ in starts])[index].append(event)
    conditions = _conditions(attrs.get("filter"), [*group_fields(op), f"{kind}_id"])
    results = []
    for subject in sorted(per_subject):
        groupings = _groupings(ctx.store, kind, subject, group_by)
        check = {**groupings, f"{kind}_id": subject}
        if not all(filters.holds(c, check.get(c.field)) for c in conditions):
            continue
        stats = [statistics(attrs["statistics"], events, names, conversion) for events in per_subject[subject]]
        merged = {k: [s[k] for s in stats] for k in attrs["statistics"]} if series else stats[0]
        results.append({"groupings": groupings, "statistics": merged})
    return _answer(op, ctx, data["type"], results, [iso(b) for b in starts] if series else None, kind, per_subject)


def _answer(
    op: Operation, ctx: Ctx, kind: str, results: list[Doc], dates: list[str] | None, subject: str, ids: dict[str, Any]
) -> Response:
    attributes: Doc = {"results": results}
    if dates is not None:
        attributes["date_times"] = dates
    url = self_url(ctx.req)
    body: Doc = {"type": kind, "id": kind, "attributes": attributes, "links": {"self": url}}
    rel = SUBJECTS.get(subject, ((), [], ""))[2]
    if rel:
        linkage = [{"type": subject, "id": i} for i in sorted(ids) if ctx.store.exists(subject, i)]
        body["relationships"] = {rel: {"data": linkage, "links": {"self": url, "related": url}}}
    return Response(op.success, {"data": body, "links": {"self": url}})


def _segment_report(op: Operation, ctx: Ctx, series: bool) -> Response:
    from .segments import members

    data: Doc = read_json(ctx.req)["data"]
    attrs: Doc = data["attributes"]
    start, end = window(attrs.get("timeframe"))
    unit = INTERVALS.get(str(attrs.get("interval")), "day")
    starts = buckets(start, end, unit) if series else [start]
    conditions = _conditions(attrs.get("filter"), ["segment_id"])
    results = []
    for segment in ctx.store.all("segment"):
        if not all(filters.holds(c, segment["id"]) for c in conditions):
            continue
        ids = set(members(ctx.store, segment.get("definition") or {}))
        joined = [_joined(ctx.store, pid) for pid in ids]
        rows = []
        for index, bucket in enumerate(starts):
            upper = end if index == len(starts) - 1 else starts[index + 1]
            lower = bucket if series else start
            added = sum(1 for j in joined if j is not None and lower <= j < upper)
            total = sum(1 for j in joined if j is None or j < upper)
            rows.append(
                {"members_added": added, "members_removed": 0, "net_members_changed": added, "total_members": total}
            )
        wanted = attrs["statistics"]
        stats = {k: [r[k] for r in rows] for k in wanted} if series else {k: rows[0][k] for k in wanted}
        results.append({"groupings": {"segment_id": segment["id"]}, "statistics": stats})
    return _answer(op, ctx, data["type"], results, [iso(b) for b in starts] if series else None, "segment", {})


def _joined(store: Store, profile_id: str) -> datetime | None:
    times = [
        parse_datetime(j)
        for list_id in store.lists_of(profile_id)
        for p, j in store.members(list_id)
        if p == profile_id
    ]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def handler(op: Operation) -> Callable[[Ctx], Response]:
    """The handler of one report operation (``query_campaign_values`` ... ``query_segment_series``).

    Example:
        >>> from ..openapi import SPEC
        >>> handler(SPEC.operation("query_flow_series")).__name__
        'flow_series'
    """
    kind = op.op_id.removeprefix("query_").split("_")[0]
    series = op.op_id.endswith("_series")

    def run(ctx: Ctx) -> Response:
        if kind == "segment":
            return _segment_report(op, ctx, series)
        return _report(op, ctx, kind, series)

    run.__name__ = f"{kind}_{'series' if series else 'values'}"
    return run
