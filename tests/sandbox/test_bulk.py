"""Subscriptions and bulk jobs: consent state, list membership, bulk events, profile bulk import."""

from __future__ import annotations

import time
from typing import Any

from connector.sandbox import Sandbox

from .conftest import Api, make_list, make_profile


def subscribe_body(profiles: list[dict[str, Any]], list_id: str | None = None, **attrs: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"data": {"type": "profile-subscription-bulk-create-job", "attributes": {
        "profiles": {"data": [{"type": "profile", "attributes": p} for p in profiles]}, **attrs}}}
    if list_id:
        body["data"]["relationships"] = {"list": {"data": {"type": "list", "id": list_id}}}
    return body


EMAIL_SUB = {"email": {"marketing": {"consent": "SUBSCRIBED"}}}
SMS_SUB = {"sms": {"marketing": {"consent": "SUBSCRIBED"}, "transactional": {"consent": "SUBSCRIBED"}}}


def test_subscribe_records_consent_and_list_membership(api: Api, sandbox: Sandbox) -> None:
    list_id = make_list(api)
    profiles = [{"email": "s1@example.com", "subscriptions": EMAIL_SUB},
                {"email": "s2@example.com", "phone_number": "+15005550006", "subscriptions": {**EMAIL_SUB, **SMS_SUB}}]
    resp = api.post("/api/profile-subscription-bulk-create-jobs",
                    json=subscribe_body(profiles, list_id, custom_source="Signup form"))
    assert resp.status_code == 202 and resp.content == b""
    members = [m["profile_id"] for m in sandbox.state.list_members(list_id)]
    assert len(members) == 2
    second = sandbox.state.subscriptions(members[1])
    assert second["email"]["marketing"]["consent"] == "SUBSCRIBED"
    assert second["email"]["marketing"]["method_detail"] == "Signup form"
    assert second["sms"]["marketing"]["consent"] == "SUBSCRIBED"
    assert second["sms"]["transactional"]["can_receive_sms_transactional"] is True
    assert sandbox.state.subscriptions(members[0])["sms"]["marketing"]["consent"] == "NEVER_SUBSCRIBED"
    (job,) = sandbox.state.jobs("profile-subscription-bulk-create-job")
    assert job["status"] == "complete" and job["list_id"] == list_id
    doc = api.get(f"/api/profiles/{members[1]}", params={"additional-fields[profile]": "subscriptions"}).json()
    assert doc["data"]["attributes"]["subscriptions"]["email"]["marketing"]["can_receive_email_marketing"] is True


def test_subscribe_existing_profile_keeps_its_id(api: Api, sandbox: Sandbox) -> None:
    pid = make_profile(api, email="known@example.com")
    api.post("/api/profile-subscription-bulk-create-jobs",
             json=subscribe_body([{"email": "known@example.com", "subscriptions": EMAIL_SUB}]))
    assert [p["id"] for p in sandbox.state.profiles()] == [pid]
    assert sandbox.state.subscriptions(pid)["email"]["marketing"]["consent"] == "SUBSCRIBED"


def test_subscribe_validation(api: Api) -> None:
    body = subscribe_body([{"email": "x@example.com", "subscriptions": {"email": {"marketing": {
        "consent": "SUBSCRIBED", "consented_at": "2020-01-01T00:00:00Z"}}}}])
    resp = api.post("/api/profile-subscription-bulk-create-jobs", json=body)
    assert resp.status_code == 400
    pointer = "/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consented_at"
    assert resp.json()["errors"][0]["source"] == {"pointer": pointer}
    body = subscribe_body([{"email": "x@example.com", "subscriptions": SMS_SUB}])
    resp = api.post("/api/profile-subscription-bulk-create-jobs", json=body)
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes/profiles/data/0/attributes/phone_number"}
    too_many = subscribe_body([{"email": f"u{i}@example.com", "subscriptions": EMAIL_SUB} for i in range(1001)])
    resp = api.post("/api/profile-subscription-bulk-create-jobs", json=too_many)
    assert resp.status_code == 400


def test_historical_import_needs_consented_at(api: Api, sandbox: Sandbox) -> None:
    sub = {"email": {"marketing": {"consent": "SUBSCRIBED", "consented_at": "2020-01-01T00:00:00Z"}}}
    body = subscribe_body([{"email": "h@example.com", "subscriptions": sub}], historical_import=True)
    assert api.post("/api/profile-subscription-bulk-create-jobs", json=body).status_code == 202
    pid = sandbox.state.profiles()[0]["id"]
    assert sandbox.state.subscriptions(pid)["email"]["marketing"]["consent_timestamp"] == "2020-01-01T00:00:00+00:00"
    body = subscribe_body([{"email": "h2@example.com", "subscriptions": EMAIL_SUB}], historical_import=True)
    assert api.post("/api/profile-subscription-bulk-create-jobs", json=body).status_code == 400


def test_unsubscribe_globally_and_from_a_list(api: Api, sandbox: Sandbox) -> None:
    list_id = make_list(api)
    profiles = [{"email": f"u{i}@example.com", "subscriptions": EMAIL_SUB} for i in range(2)]
    api.post("/api/profile-subscription-bulk-create-jobs", json=subscribe_body(profiles, list_id))
    member, other = (m["profile_id"] for m in sandbox.state.list_members(list_id))
    unsub = {"email": {"marketing": {"consent": "UNSUBSCRIBED"}}}
    body = {"data": {"type": "profile-subscription-bulk-delete-job", "attributes": {"profiles": {"data": [
        {"type": "profile", "attributes": {"email": "u0@example.com", "subscriptions": unsub}}]}},
        "relationships": {"list": {"data": {"type": "list", "id": list_id}}}}}
    assert api.post("/api/profile-subscription-bulk-delete-jobs", json=body).status_code == 202
    assert [m["profile_id"] for m in sandbox.state.list_members(list_id)] == [other]
    marketing = sandbox.state.subscriptions(member)["email"]["marketing"]
    assert marketing["list_suppressions"][0]["list_id"] == list_id
    del body["data"]["relationships"]
    body["data"]["attributes"]["profiles"]["data"][0]["attributes"]["email"] = "u1@example.com"
    api.post("/api/profile-subscription-bulk-delete-jobs", json=body)
    marketing = sandbox.state.subscriptions(other)["email"]["marketing"]
    assert marketing["consent"] == "UNSUBSCRIBED"
    assert marketing["suppression"][0]["reason"] == "UNSUBSCRIBE"
    assert marketing["can_receive_email_marketing"] is False


def test_unsubscribe_max_is_100(api: Api) -> None:
    unsub = {"email": {"marketing": {"consent": "UNSUBSCRIBED"}}}
    body = {"data": {"type": "profile-subscription-bulk-delete-job", "attributes": {"profiles": {"data": [
        {"type": "profile", "attributes": {"email": f"x{i}@example.com", "subscriptions": unsub}}
        for i in range(101)]}}}}
    assert api.post("/api/profile-subscription-bulk-delete-jobs", json=body).status_code == 400


def bulk_events_body(entries: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    return {"data": {"type": "event-bulk-create-job", "attributes": {"events-bulk-create": {"data": [
        {"type": "event-bulk-create", "attributes": {
            "profile": {"data": {"type": "profile", "attributes": {"email": email}}},
            "events": {"data": [{"type": "event", "attributes": {
                "properties": {}, "metric": {"data": {"type": "metric", "attributes": {"name": e["metric"]}}},
                **{k: v for k, v in e.items() if k != "metric"}}} for e in events]}}}
        for email, events in entries]}}}}


def test_bulk_create_events(api: Api, sandbox: Sandbox) -> None:
    body = bulk_events_body([("b1@example.com", [{"metric": "Viewed", "unique_id": "1"},
                                                 {"metric": "Viewed", "unique_id": "2"}]),
                             ("b2@example.com", [{"metric": "Viewed", "unique_id": "1"}])])
    resp = api.post("/api/event-bulk-create-jobs", json=body)
    assert resp.status_code == 202 and resp.content == b""
    assert len(sandbox.state.events()) == 3
    assert len(sandbox.state.profiles()) == 2


def test_bulk_create_events_repeated_unique_id_fails_whole_request(api: Api, sandbox: Sandbox) -> None:
    body = bulk_events_body([("r@example.com", [{"metric": "Viewed", "unique_id": "1"}]),
                             ("r@example.com", [{"metric": "Viewed", "unique_id": "1"}])])
    resp = api.post("/api/event-bulk-create-jobs", json=body)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"]["pointer"].endswith("/events/data/0/attributes/unique_id")
    assert sandbox.state.events() == [] and sandbox.state.profiles() == []


def test_bulk_create_events_max_1000(api: Api) -> None:
    body = bulk_events_body([("m@example.com", [{"metric": "Viewed", "unique_id": str(i)} for i in range(1001)])])
    assert api.post("/api/event-bulk-create-jobs", json=body).status_code == 400


def import_body(profiles: list[dict[str, Any]], list_ids: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    body: dict[str, Any] = {"data": {"type": "profile-bulk-import-job", "attributes": {
        "profiles": {"data": [{"type": "profile", "attributes": p} for p in profiles]}}}}
    if list_ids:
        body["data"]["relationships"] = {"lists": {"data": [{"type": "list", "id": i} for i in list_ids]}}
    return body


def wait_complete(api: Api, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        doc = api.get(f"/api/profile-bulk-import-jobs/{job_id}").json()["data"]
        if doc["attributes"]["status"] == "complete":
            return dict(doc)
        time.sleep(0.01)
    raise AssertionError("import job did not complete")


def test_profile_bulk_import_runs_to_completion_with_import_errors(api: Api, sandbox: Sandbox) -> None:
    list_id = make_list(api)
    existing = make_profile(api, email="old@example.com")
    profiles = [{"email": f"p{i}@example.com", "first_name": f"P{i}"} for i in range(250)]
    profiles += [{"email": "old@example.com", "first_name": "Updated"},
                 {"email": "not-an-email"},
                 {"phone_number": "12345"},
                 {"first_name": "nobody"}]
    resp = api.post("/api/profile-bulk-import-jobs", json=import_body(profiles, [list_id]))
    assert resp.status_code == 202
    job = resp.json()["data"]
    assert job["attributes"]["status"] == "queued" and job["attributes"]["total_count"] == 254
    done = wait_complete(api, job["id"])
    assert done["attributes"]["completed_count"] == 251
    assert done["attributes"]["failed_count"] == 3
    assert done["attributes"]["started_at"] and done["attributes"]["completed_at"]
    assert len(sandbox.state.list_members(list_id)) == 251
    assert sandbox.state.profile(existing)["first_name"] == "Updated"  # type: ignore[index]
    errors = api.get(f"/api/profile-bulk-import-jobs/{job['id']}/import-errors").json()["data"]
    pointers = [e["attributes"]["source"]["pointer"] for e in errors]
    assert pointers == ["/data/attributes/profiles/data/251/attributes/email",
                        "/data/attributes/profiles/data/252/attributes/phone_number",
                        "/data/attributes/profiles/data/253/attributes"]
    assert errors[0]["attributes"]["original_payload"] == {"email": "not-an-email"}
    assert len(errors) == 3
    included = api.get(f"/api/profile-bulk-import-jobs/{job['id']}", params={"include": "lists"}).json()
    assert included["included"][0]["id"] == list_id


def test_profile_bulk_import_jobs_list_and_filter(api: Api, sandbox: Sandbox) -> None:
    api.post("/api/profile-bulk-import-jobs", json=import_body([{"email": "j@example.com"}]))
    sandbox.wait_for_jobs()
    doc = api.get("/api/profile-bulk-import-jobs", params={"filter": "equals(status,'complete')"}).json()
    assert len(doc["data"]) == 1
    doc = api.get("/api/profile-bulk-import-jobs", params={"filter": "equals(status,'queued')"}).json()
    assert doc["data"] == []


def test_profile_bulk_import_envelope_errors(api: Api) -> None:
    resp = api.post("/api/profile-bulk-import-jobs", json=import_body([{"email": "x@example.com"}], ["NOLIST"]))
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/relationships/lists/data/0/id"}
    resp = api.post("/api/profile-bulk-import-jobs",
                    json=import_body([{"email": f"x{i}@example.com"} for i in range(10_001)]))
    assert resp.status_code == 400
