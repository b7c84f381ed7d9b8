"""Reporting endpoints compute their numbers from the events, lists and segments the sandbox holds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from connector.sandbox import Sandbox

from .conftest import Api, make_list, make_profile
from .test_content import campaign_body, segment_body

NOW = datetime.now(timezone.utc).replace(microsecond=0)
MIDNIGHT = NOW.replace(hour=0, minute=0, second=0)
WINDOW = {"start": (MIDNIGHT - timedelta(days=2)).isoformat(), "end": (MIDNIGHT + timedelta(days=1)).isoformat()}


def event(api: Api, email: str, metric: str, **attrs: Any) -> None:
    properties = attrs.pop("properties", {})
    body = {"data": {"type": "event", "attributes": {
        "properties": properties, "time": (NOW - timedelta(hours=1)).isoformat(),
        "metric": {"data": {"type": "metric", "attributes": {"name": metric}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": email}}}, **attrs}}}
    assert api.post("/api/events", json=body).status_code == 202


def metric_id(sb: Sandbox, name: str) -> str:
    return str(next(m["id"] for m in sb.state.metrics() if m["name"] == name))


def aggregate(api: Api, metric: str, **attrs: Any) -> dict[str, Any]:
    body = {"data": {"type": "metric-aggregate", "attributes": {
        "metric_id": metric, "measurements": ["count", "sum_value", "unique"], "interval": "day",
        "filter": [f"greater-or-equal(datetime,{WINDOW['start']})", f"less-than(datetime,{WINDOW['end']})"],
        **attrs}}}
    resp = api.post("/api/metric-aggregates", json=body)
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["data"]["attributes"])


def test_three_events_of_a_metric_aggregate_to_three(api: Api, sandbox: Sandbox) -> None:
    for i, value in enumerate((10, 20, 30)):
        event(api, f"buyer{i % 2}@example.com", "Placed Order", value=value, unique_id=f"o{i}")
    event(api, "other@example.com", "Viewed Product")
    result = aggregate(api, metric_id(sandbox, "Placed Order"))
    assert len(result["dates"]) == 3  # one bucket per day of the window
    (row,) = result["data"]
    assert row["dimensions"] == []
    assert sum(row["measurements"]["count"]) == 3
    assert sum(row["measurements"]["sum_value"]) == 60
    assert sum(row["measurements"]["unique"]) == 2  # two distinct profiles


def test_aggregates_group_by_dimension_and_filter_on_it(api: Api, sandbox: Sandbox) -> None:
    for email, value, currency, flow in (("a", 5, "USD", "F1"), ("b", 7, "EUR", "F2"), ("c", 9, "EUR", "F2")):
        event(api, f"{email}@example.com", "Placed Order", value=value, value_currency=currency, unique_id=email,
              properties={"$flow": flow})
    metric = metric_id(sandbox, "Placed Order")
    by_currency = aggregate(api, metric, by=["$value_currency"], sort="-sum_value")["data"]
    assert [(r["dimensions"], sum(r["measurements"]["count"])) for r in by_currency] == [(["EUR"], 2), (["USD"], 1)]
    window = [f"greater-or-equal(datetime,{WINDOW['start']})", f"less-than(datetime,{WINDOW['end']})"]
    only_f1 = aggregate(api, metric, filter=[*window, 'equals($flow,"F1")'])["data"]
    assert sum(only_f1[0]["measurements"]["sum_value"]) == 5


def test_aggregates_need_a_datetime_window_and_an_existing_metric(api: Api, sandbox: Sandbox) -> None:
    event(api, "w@example.com", "Placed Order")
    body: dict[str, Any] = {"data": {"type": "metric-aggregate", "attributes": {
        "metric_id": metric_id(sandbox, "Placed Order"), "measurements": ["count"], "filter": []}}}
    resp = api.post("/api/metric-aggregates", json=body)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes/filter"}
    body["data"]["attributes"].update(metric_id="NOPE00", filter=[f"greater-or-equal(datetime,{WINDOW['start']})",
                                                                  f"less-than(datetime,{WINDOW['end']})"])
    assert api.post("/api/metric-aggregates", json=body).json()["errors"][0]["source"] == {
        "pointer": "/data/attributes/metric_id"}


def test_campaign_values_count_message_events_and_conversions(api: Api, sandbox: Sandbox) -> None:
    campaign = api.post("/api/campaigns", json=campaign_body(make_list(api))).json()["data"]["id"]
    for email in ("r1@example.com", "r2@example.com"):
        event(api, email, "Received Email", properties={"$message": campaign})
    event(api, "r1@example.com", "Opened Email", properties={"$message": campaign})
    event(api, "r1@example.com", "Placed Order", value=50, properties={"$attributed_message": campaign})
    body = {"data": {"type": "campaign-values-report", "attributes": {
        "statistics": ["recipients", "opens_unique", "open_rate", "conversions", "conversion_value",
                       "average_order_value", "text_message_spend"],
        "timeframe": WINDOW, "conversion_metric_id": metric_id(sandbox, "Placed Order")}}}
    resp = api.post("/api/campaign-values-reports", json=body)
    assert resp.status_code == 200
    (result,) = resp.json()["data"]["attributes"]["results"]
    assert result["groupings"] == {"campaign_id": campaign}
    assert result["statistics"] == {"recipients": 2, "opens_unique": 1, "open_rate": 0.5, "conversions": 1,
                                    "conversion_value": 50, "average_order_value": 50, "text_message_spend": 0}
    assert resp.json()["data"]["relationships"]["campaigns"]["data"] == [{"type": "campaign", "id": campaign}]


def test_flow_series_splits_statistics_by_interval(api: Api, sandbox: Sandbox) -> None:
    event(api, "f@example.com", "Received Email", properties={"$flow": "FLOW01"})
    event(api, "g@example.com", "Received Email", properties={"$flow": "FLOW01"})
    event(api, "g@example.com", "Placed Order", value=3)
    body = {"data": {"type": "flow-series-report", "attributes": {
        "statistics": ["recipients"], "timeframe": WINDOW, "interval": "daily",
        "conversion_metric_id": metric_id(sandbox, "Placed Order"), "group_by": ["flow_id", "send_channel"]}}}
    attrs = api.post("/api/flow-series-reports", json=body).json()["data"]["attributes"]
    assert len(attrs["date_times"]) == 3
    (result,) = attrs["results"]
    assert result["groupings"] == {"flow_id": "FLOW01", "send_channel": "email"}
    assert sum(result["statistics"]["recipients"]) == 2 and len(result["statistics"]["recipients"]) == 3


def test_form_values_count_views_and_submits(api: Api) -> None:
    for i in range(4):
        event(api, f"v{i}@example.com", "Viewed Form", properties={"form_id": "FORM01"})
    event(api, "v0@example.com", "Submitted Form", properties={"form_id": "FORM01"})
    body = {"data": {"type": "form-values-report", "attributes": {
        "statistics": ["viewed_form", "submits", "submit_rate"], "timeframe": WINDOW}}}
    (result,) = api.post("/api/form-values-reports", json=body).json()["data"]["attributes"]["results"]
    assert result["statistics"] == {"viewed_form": 4, "submits": 1, "submit_rate": 0.25}


def test_segment_values_count_members(api: Api) -> None:
    list_id = make_list(api)
    members = [make_profile(api, email=f"m{i}@example.com") for i in range(3)]
    api.post(f"/api/lists/{list_id}/relationships/profiles", json={"data": [{"type": "profile", "id": p}
                                                                             for p in members]})
    segment = api.post("/api/segments", json=segment_body("Members", list_id)).json()["data"]["id"]
    body = {"data": {"type": "segment-values-report", "attributes": {
        "statistics": ["total_members", "members_added", "net_members_changed"], "timeframe": WINDOW,
        "filter": f'equals(segment_id,"{segment}")'}}}
    (result,) = api.post("/api/segment-values-reports", json=body).json()["data"]["attributes"]["results"]
    assert result == {"groupings": {"segment_id": segment},
                      "statistics": {"total_members": 3, "members_added": 3, "net_members_changed": 3}}
