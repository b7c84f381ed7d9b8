"""The spec-driven store: resources, relationships from both ends, queries, jobs and public endpoints."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from connector.sandbox import Sandbox

from .conftest import Api, make_list, make_profile
from .spec import check


def make(api: Api, path: str, kind: str, **attrs: Any) -> str:
    resp = api.post(path, json={"data": {"type": kind, "attributes": attrs}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["data"]["id"])


def item(external_id: str, title: str = "Shirt", **attrs: Any) -> dict[str, Any]:
    return {"type": "catalog-item", "attributes": {
        "external_id": external_id, "title": title, "description": "d", "url": f"https://example.com/{external_id}",
        **attrs}}


def test_crud_on_a_type_without_a_hand_made_handler(api: Api, sandbox: Sandbox) -> None:
    tag = make(api, "/api/tags", "tag", name="VIP")
    assert api.get(f"/api/tags/{tag}").json()["data"]["attributes"]["name"] == "VIP"
    body = {"data": {"type": "tag", "id": tag, "attributes": {"name": "Gold"}}}
    assert api.patch(f"/api/tags/{tag}", json=body).status_code == 204  # the spec's status for Update Tag
    assert sandbox.state.resources("tag") == [{"id": tag, "name": "Gold"}]
    assert api.delete(f"/api/tags/{tag}").status_code == 204
    assert api.get(f"/api/tags/{tag}").status_code == 404


def test_a_relationship_reads_the_same_from_both_ends(api: Api) -> None:
    tag = make(api, "/api/tags", "tag", name="Newsletter lists")
    list_id = make_list(api)
    linkage = {"data": [{"type": "list", "id": list_id}]}
    assert api.post(f"/api/tags/{tag}/relationships/lists", json=linkage).status_code == 204
    assert api.get(f"/api/tags/{tag}/relationships/lists").json()["data"] == [{"type": "list", "id": list_id}]
    assert api.get(f"/api/lists/{list_id}/relationships/tags").json()["data"] == [{"type": "tag", "id": tag}]
    assert [t["attributes"]["name"] for t in api.get(f"/api/lists/{list_id}/tags").json()["data"]] == [
        "Newsletter lists"]
    assert api.delete(f"/api/tags/{tag}/relationships/lists", json=linkage).status_code == 204
    assert api.get(f"/api/lists/{list_id}/relationships/tags").json()["data"] == []


def test_linking_a_missing_resource_points_at_it(api: Api) -> None:
    tag = make(api, "/api/tags", "tag", name="T")
    resp = api.post(f"/api/tags/{tag}/relationships/lists", json={"data": [{"type": "list", "id": "NOPE00"}]})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/0/id"}


def test_filters_sort_sparse_fields_and_pages_come_from_the_spec(api: Api) -> None:
    for name in ("delta", "alpha", "echo", "bravo", "charlie"):
        make(api, "/api/tags", "tag", name=name)
    url: str | None = "/api/tags?sort=-name&page[size]=2&fields[tag]=name"
    names: list[str] = []
    while url:
        doc = api.get(url).json()
        names += [t["attributes"]["name"] for t in doc["data"]]
        assert all(set(t["attributes"]) == {"name"} for t in doc["data"])
        url = doc["links"].get("next")
        if url:
            assert url.startswith("http://127.0.0.1:") and parse_qs(urlsplit(url).query)["sort"] == ["-name"]
    assert names == ["echo", "delta", "charlie", "bravo", "alpha"]
    found = api.get("/api/tags", params={"filter": "starts-with(name,'ch')"}).json()["data"]
    assert [t["attributes"]["name"] for t in found] == ["charlie"]
    resp = api.get("/api/tags", params={"filter": "greater-than(name,'a')"}, validate_request=False)
    assert resp.status_code == 400 and resp.json()["errors"][0]["source"] == {"parameter": "filter"}
    resp = api.get("/api/tags", params={"page[size]": "51"}, validate_request=False)
    assert resp.status_code == 400 and resp.json()["errors"][0]["source"] == {"parameter": "page[size]"}


def test_include_puts_related_resources_in_included(api: Api) -> None:
    group = make(api, "/api/tag-groups", "tag-group", name="Seasons")
    body = {"data": {"type": "tag", "attributes": {"name": "Winter"},
                     "relationships": {"tag-group": {"data": {"type": "tag-group", "id": group}}}}}
    tag = api.post("/api/tags", json=body).json()["data"]["id"]
    doc = api.get(f"/api/tags/{tag}", params={"include": "tag-group"}).json()
    assert [(r["type"], r["id"]) for r in doc["included"]] == [("tag-group", group)]
    assert [t["id"] for t in api.get(f"/api/tag-groups/{group}/tags").json()["data"]] == [tag]


def test_catalog_ids_are_compound_and_unique(api: Api) -> None:
    resp = api.post("/api/catalog-items", json={"data": item("SKU-9")})
    assert resp.json()["data"]["id"] == "$custom:::$default:::SKU-9"
    assert resp.json()["data"]["attributes"]["published"] is True  # the spec's default
    again = api.post("/api/catalog-items", json={"data": item("SKU-9")})
    assert again.status_code == 409
    filtered = api.get("/api/catalog-items", params={"filter": "contains(title,'Shi')"}).json()["data"]
    assert [i["id"] for i in filtered] == ["$custom:::$default:::SKU-9"]


def test_bulk_job_is_queued_then_completes_with_per_item_errors(api: Api, sandbox: Sandbox) -> None:
    api.post("/api/catalog-items", json={"data": item("DUP")})
    body = {"data": {"type": "catalog-item-bulk-create-job", "attributes": {"items": {"data": [
        item("B1"), item("B2"), item("DUP")]}}}}
    resp = api.post("/api/catalog-item-bulk-create-jobs", json=body)
    assert resp.status_code == 202
    job = resp.json()["data"]
    assert job["attributes"]["status"] == "queued" and job["attributes"]["total_count"] == 3
    sandbox.wait_for_jobs()
    done = api.get(f"/api/catalog-item-bulk-create-jobs/{job['id']}", params={"include": "items"}).json()
    attrs = done["data"]["attributes"]
    assert (attrs["status"], attrs["completed_count"], attrs["failed_count"]) == ("complete", 2, 1)
    assert attrs["errors"][0]["source"] == {"pointer": "/data/attributes/items/data/2"}
    assert sorted(r["id"] for r in done["included"]) == ["$custom:::$default:::B1", "$custom:::$default:::B2"]
    assert len(sandbox.state.resources("catalog-item")) == 3


def test_suppression_and_data_privacy_jobs_act_on_profiles(api: Api, sandbox: Sandbox) -> None:
    kept = make_profile(api, email="kept@example.com")
    gone = make_profile(api, email="gone@example.com")
    body = {"data": {"type": "profile-suppression-bulk-create-job", "attributes": {"profiles": {"data": [
        {"type": "profile", "attributes": {"email": "kept@example.com"}}]}}}}
    assert api.post("/api/profile-suppression-bulk-create-jobs", json=body).status_code == 202
    body = {"data": {"type": "data-privacy-deletion-job", "attributes": {"profile": {"data": {
        "type": "profile", "attributes": {"email": "gone@example.com"}}}}}}
    assert api.post("/api/data-privacy-deletion-jobs", json=body).status_code == 202
    sandbox.wait_for_jobs()
    marketing = sandbox.state.subscriptions(kept)["email"]["marketing"]
    assert marketing["suppression"][0]["reason"] == "USER_SUPPRESSED"
    assert marketing["can_receive_email_marketing"] is False
    assert sandbox.state.profile(gone) is None
    assert api.get(f"/api/profiles/{gone}").status_code == 404


def test_system_made_resources_are_built_from_the_spec_when_first_read(api: Api) -> None:
    topics = api.get("/api/webhook-topics").json()["data"]
    assert len(topics) == 1
    flow = make(api, "/api/flows", "flow", name="Welcome", definition={"triggers": [], "actions": [],
                                                                       "entry_action_id": None})
    actions = api.get(f"/api/flows/{flow}/flow-actions").json()["data"]
    assert len(actions) == 1
    again = api.get(f"/api/flow-actions/{actions[0]['id']}/relationships/flow").json()["data"]
    assert again == {"type": "flow", "id": flow}


def test_additional_fields_are_returned_only_when_asked_for(api: Api) -> None:
    definition: dict[str, Any] = {"triggers": [], "actions": [], "entry_action_id": None}
    flow = make(api, "/api/flows", "flow", name="Browse abandonment", definition=definition)
    assert "definition" not in api.get(f"/api/flows/{flow}").json()["data"]["attributes"]
    asked = api.get(f"/api/flows/{flow}", params={"additional-fields[flow]": "definition"}).json()
    assert asked["data"]["attributes"]["definition"]["triggers"] == []


def test_client_endpoints_take_company_id_and_no_key(sandbox: Sandbox) -> None:
    headers = {"revision": "2026-07-15", "Content-Type": "application/vnd.api+json"}
    body = {"data": {"type": "event", "attributes": {
        "properties": {"page": "/home"},
        "metric": {"data": {"type": "metric", "attributes": {"name": "Viewed Page"}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": "web@example.com"}}}}}}
    resp = requests.post(sandbox.url + "/client/events", params={"company_id": "SbxAcc"}, json=body,
                         headers=headers, timeout=5)
    assert resp.status_code == 202
    check(resp)
    assert [p["email"] for p in sandbox.state.profiles()] == ["web@example.com"]
    assert [m["name"] for m in sandbox.state.metrics()] == ["Viewed Page"]
    wrong = requests.post(sandbox.url + "/client/events", params={"company_id": "NOTME1"}, json=body,
                          headers=headers, timeout=5)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["source"] == {"parameter": "company_id"}
    missing = requests.post(sandbox.url + "/client/events", json=body, headers=headers, timeout=5)
    assert missing.status_code == 400 and missing.json()["errors"][0]["source"] == {"parameter": "company_id"}


def test_rate_limits_of_spec_driven_operations_come_from_the_spec(sandbox_factory: Any) -> None:
    api = Api(sandbox_factory(rate_limits="klaviyo"))
    flows = [api.get("/api/flows", validate=False) for _ in range(5)]  # Get Flows: 3/s burst
    assert flows[0].headers["RateLimit-Limit"] == "60"
    assert [r.status_code for r in flows].count(429) == 2
