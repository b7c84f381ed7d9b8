"""Events: 202 with an empty body, metric created by name, dedupe by unique_id, list/get with includes."""

from __future__ import annotations

from typing import Any

from connector.sandbox import Sandbox

from .conftest import Api


def event(email: str, metric: str = "Placed Order", **attrs: Any) -> dict[str, Any]:
    return {"data": {"type": "event", "attributes": {
        "properties": attrs.pop("properties", {"OrderId": "1"}),
        "metric": {"data": {"type": "metric", "attributes": {"name": metric}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": email}}},
        **attrs,
    }}}


def test_create_event_is_202_with_empty_body_and_creates_metric_and_profile(api: Api, sandbox: Sandbox) -> None:
    resp = api.post("/api/events", json=event("buyer@example.com", value=9.99, time="2024-05-01T10:00:00Z"))
    assert resp.status_code == 202
    assert resp.content == b""
    assert [m["name"] for m in sandbox.state.metrics()] == ["Placed Order"]
    assert [p["email"] for p in sandbox.state.profiles()] == ["buyer@example.com"]
    (stored,) = sandbox.state.events()
    assert stored["datetime"] == "2024-05-01T10:00:00+00:00"
    assert stored["event_properties"]["$value"] == 9.99
    assert sandbox.state.profiles()[0]["last_event_date"] == "2024-05-01T10:00:00+00:00"


def test_same_unique_id_for_profile_and_metric_is_deduplicated(api: Api, sandbox: Sandbox) -> None:
    for _ in range(2):
        assert api.post("/api/events", json=event("d@example.com", unique_id="order-1")).status_code == 202
    api.post("/api/events", json=event("d@example.com", unique_id="order-2"))
    api.post("/api/events", json=event("d@example.com", metric="Refunded Order", unique_id="order-1"))
    api.post("/api/events", json=event("other@example.com", unique_id="order-1"))
    assert len(sandbox.state.events()) == 4


def test_events_without_unique_id_dedupe_on_the_same_second(api: Api, sandbox: Sandbox) -> None:
    for _ in range(2):
        api.post("/api/events", json=event("t@example.com", time="2024-01-01T00:00:00.250Z"))
    api.post("/api/events", json=event("t@example.com", time="2024-01-01T00:00:01Z"))
    assert len(sandbox.state.events()) == 2


def test_invalid_events_point_at_the_problem(api: Api) -> None:
    body = event("x@example.com")
    del body["data"]["attributes"]["metric"]
    resp = api.post("/api/events", json=body, validate_request=False)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes/metric"}
    resp = api.post("/api/events", json=event("x@example.com", time="1980-01-01T00:00:00Z"))
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes/time"}
    resp = api.post("/api/events", json=event("not-an-email"))
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes/profile/data/attributes/email"}


def test_get_events_with_includes_and_get_one(api: Api) -> None:
    api.post("/api/events", json=event("inc@example.com"))
    doc = api.get("/api/events", params={"include": "metric,profile"}).json()
    (ev,) = doc["data"]
    kinds = sorted(r["type"] for r in doc["included"])
    assert kinds == ["metric", "profile"]
    one = api.get(f"/api/events/{ev['id']}", params={"include": "metric"}).json()
    assert one["data"]["relationships"]["metric"]["data"]["id"] == one["included"][0]["id"]


def test_filter_events_by_metric_and_profile(api: Api, sandbox: Sandbox) -> None:
    api.post("/api/events", json=event("f@example.com", metric="A"))
    api.post("/api/events", json=event("f@example.com", metric="B", unique_id="b"))
    metric_b = next(m["id"] for m in sandbox.state.metrics() if m["name"] == "B")
    resp = api.get("/api/events", params={"filter": f'equals(metric_id,"{metric_b}")'})
    assert [e["relationships"]["metric"]["data"]["id"] for e in resp.json()["data"]] == [metric_b]
    pid = sandbox.state.profiles()[0]["id"]
    resp = api.get("/api/events", params={"filter": f"equals(profile_id,'{pid}'),has(metric)"})
    assert len(resp.json()["data"]) == 2


def test_metrics_list_and_get(api: Api) -> None:
    api.post("/api/events", json=event("m@example.com", metric="Viewed Product"))
    metrics = api.get("/api/metrics", params={"filter": 'equals(integration.name,"API")'}).json()["data"]
    assert [m["attributes"]["name"] for m in metrics] == ["Viewed Product"]
    one = api.get(f"/api/metrics/{metrics[0]['id']}").json()["data"]
    assert one["attributes"]["integration"]["category"] == "API"
    assert api.get("/api/metrics", params={"page[size]": "5"}).status_code == 400
