"""Lists and profiles: CRUD, membership, 409 duplicate_profile, create-or-update."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from connector.sandbox import Sandbox

from .conftest import Api, make_list, make_profile


def test_list_crud(api: Api, sandbox: Sandbox) -> None:
    list_id = make_list(api, "Newsletter", opt_in_process="double_opt_in")
    got = api.get(f"/api/lists/{list_id}").json()["data"]
    assert got["attributes"]["name"] == "Newsletter"
    assert got["attributes"]["opt_in_process"] == "double_opt_in"
    resp = api.patch(f"/api/lists/{list_id}",
                     json={"data": {"type": "list", "id": list_id, "attributes": {"name": "Weekly"}}})
    assert resp.status_code == 200
    assert resp.json()["data"]["attributes"]["name"] == "Weekly"
    assert sandbox.state.lists()[0]["name"] == "Weekly"
    assert api.delete(f"/api/lists/{list_id}").status_code == 204
    assert api.get(f"/api/lists/{list_id}").status_code == 404


def test_list_membership(api: Api, sandbox: Sandbox) -> None:
    list_id = make_list(api)
    a = make_profile(api, email="a@example.com")
    b = make_profile(api, email="b@example.com")
    body = {"data": [{"type": "profile", "id": a}, {"type": "profile", "id": b}]}
    assert api.post(f"/api/lists/{list_id}/relationships/profiles", json=body).status_code == 204
    assert [m["profile_id"] for m in sandbox.state.list_members(list_id)] == [a, b]
    ids = api.get(f"/api/lists/{list_id}/relationships/profiles").json()["data"]
    assert ids == [{"type": "profile", "id": a}, {"type": "profile", "id": b}]
    members = api.get(f"/api/lists/{list_id}/profiles", params={"filter": 'equals(email,"b@example.com")'})
    data = members.json()["data"]
    assert [m["id"] for m in data] == [b]
    assert data[0]["attributes"]["joined_group_at"]
    count = api.get(f"/api/lists/{list_id}", params={"additional-fields[list]": "profile_count"})
    assert count.json()["data"]["attributes"]["profile_count"] == 2
    body = {"data": [{"type": "profile", "id": a}]}
    assert api.delete(f"/api/lists/{list_id}/relationships/profiles", json=body).status_code == 204
    assert [m["profile_id"] for m in sandbox.state.list_members(list_id)] == [b]


def test_adding_unknown_profile_points_at_it(api: Api) -> None:
    list_id = make_list(api)
    body = {"data": [{"type": "profile", "id": "01NOPE"}]}
    resp = api.post(f"/api/lists/{list_id}/relationships/profiles", json=body)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/0/id"}


def test_create_get_update_profile(api: Api) -> None:
    attrs = {"email": "ann@example.com", "phone_number": "+15005550006", "first_name": "Ann",
             "location": {"city": "Boston"}, "properties": {"tier": "gold"}}
    resp = api.post("/api/profiles", json={"data": {"type": "profile", "attributes": attrs}})
    assert resp.status_code == 201
    pid = resp.json()["data"]["id"]
    got = api.get(f"/api/profiles/{pid}").json()["data"]["attributes"]
    assert got["first_name"] == "Ann" and got["location"]["city"] == "Boston"
    assert "subscriptions" not in got
    body = {"data": {"type": "profile", "id": pid, "attributes": {"last_name": "Lee", "first_name": None},
                     "meta": {"patch_properties": {"append": {"skus": "A1"}}}}}
    updated = api.patch(f"/api/profiles/{pid}", json=body).json()["data"]["attributes"]
    assert updated["last_name"] == "Lee" and updated["first_name"] is None
    assert updated["email"] == "ann@example.com"
    assert updated["properties"] == {"tier": "gold", "skus": ["A1"]}


def test_duplicate_email_phone_or_external_id_is_409(api: Api) -> None:
    pid = make_profile(api, email="dup@example.com", phone_number="+15005550006", external_id="ext-1")
    for attrs in ({"email": "DUP@example.com"}, {"phone_number": "+15005550006"}, {"external_id": "ext-1"}):
        resp = api.post("/api/profiles", json={"data": {"type": "profile", "attributes": attrs}})
        assert resp.status_code == 409
        error = resp.json()["errors"][0]
        assert error["code"] == "duplicate_profile"
        assert error["meta"]["duplicate_profile_id"] == pid


def test_update_into_someone_elses_email_is_409(api: Api) -> None:
    first = make_profile(api, email="one@example.com")
    second = make_profile(api, email="two@example.com")
    body = {"data": {"type": "profile", "id": second, "attributes": {"email": "one@example.com"}}}
    resp = api.patch(f"/api/profiles/{second}", json=body)
    assert resp.status_code == 409
    assert resp.json()["errors"][0]["meta"]["duplicate_profile_id"] == first


def test_invalid_email_and_phone_point_at_the_attribute(api: Api) -> None:
    for attrs, pointer in (({"email": "not-an-email"}, "/data/attributes/email"),
                           ({"phone_number": "555-1234"}, "/data/attributes/phone_number")):
        resp = api.post("/api/profiles", json={"data": {"type": "profile", "attributes": attrs}})
        assert resp.status_code == 400
        assert resp.json()["errors"][0]["source"] == {"pointer": pointer}


def test_profile_needs_an_identifier(api: Api) -> None:
    resp = api.post("/api/profiles", json={"data": {"type": "profile", "attributes": {"first_name": "x"}}})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes"}


def test_create_or_update_profile_returns_201_then_200(api: Api, sandbox: Sandbox) -> None:
    body = {"data": {"type": "profile", "attributes": {"email": "up@example.com", "first_name": "A"}}}
    first = api.post("/api/profile-import", json=body)
    assert first.status_code == 201
    body["data"]["attributes"]["first_name"] = "B"
    second = api.post("/api/profile-import", json=body)
    assert second.status_code == 200
    assert second.json()["data"]["id"] == first.json()["data"]["id"]
    assert [p["first_name"] for p in sandbox.state.profiles()] == ["B"]


def test_create_or_update_with_identifiers_of_two_profiles_is_409(api: Api) -> None:
    make_profile(api, email="x@example.com")
    make_profile(api, phone_number="+15005550007")
    attrs = {"email": "x@example.com", "phone_number": "+15005550007"}
    resp = api.post("/api/profile-import", json={"data": {"type": "profile", "attributes": attrs}})
    assert resp.status_code == 409


def test_get_profile_includes_lists(api: Api) -> None:
    list_id = make_list(api)
    pid = make_profile(api, email="inc@example.com")
    api.post(f"/api/lists/{list_id}/relationships/profiles", json={"data": [{"type": "profile", "id": pid}]})
    doc = api.get(f"/api/profiles/{pid}", params={"include": "lists"}).json()
    assert doc["data"]["relationships"]["lists"]["data"] == [{"type": "list", "id": list_id}]
    assert [r["id"] for r in doc["included"]] == [list_id]


def test_concurrent_creates_of_one_email_yield_one_profile(sandbox: Sandbox) -> None:
    body = {"data": {"type": "profile", "attributes": {"email": "race@example.com"}}}

    def create(_: int) -> int:
        return requests.post(sandbox.url + "/api/profiles", json=body, timeout=5,
                             headers=sandbox.headers(content_type=True)).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(create, range(16)))
    assert codes == [201] + [409] * 15
    assert len(sandbox.state.profiles()) == 1
