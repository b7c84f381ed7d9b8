"""Server core: auth, revision header, error documents, unknown paths and methods, content types."""

from __future__ import annotations

import http.client
import socket

import requests

from connector.sandbox import Sandbox

from .conftest import Api, make_list
from .spec import check


def test_accounts_list_and_get(api: Api) -> None:
    resp = api.get("/api/accounts")
    assert resp.status_code == 200
    account = resp.json()["data"][0]
    assert account["type"] == "account"
    one = api.get(f"/api/accounts/{account['id']}")
    assert one.json()["data"]["attributes"]["public_api_key"] == account["id"]


def test_missing_or_bad_key_is_401_not_authenticated(sandbox: Sandbox) -> None:
    for auth in (None, "Klaviyo-API-Key pk_short", "Klaviyo-API-Key sk_" + "a" * 30, "Bearer not-issued"):
        headers = {"revision": "2026-07-15"}
        if auth:
            headers["Authorization"] = auth
        resp = requests.get(sandbox.url + "/api/lists", headers=headers, timeout=5)
        assert resp.status_code == 401
        check(resp, request=False)  # the request itself lacks the spec's required credentials
        error = resp.json()["errors"][0]
        assert error["code"] == "not_authenticated"
        assert resp.headers["Content-Type"] == "application/vnd.api+json"


def test_any_pk_key_of_20_alphanumerics_is_accepted(sandbox: Sandbox) -> None:
    headers = {"Authorization": "Klaviyo-API-Key pk_" + "A1" * 10, "revision": "2026-07-15"}
    assert check(requests.get(sandbox.url + "/api/lists", headers=headers, timeout=5)).status_code == 200


def test_missing_revision_is_400(sandbox: Sandbox) -> None:
    headers = {"Authorization": f"Klaviyo-API-Key {sandbox.api_key}"}
    resp = requests.get(sandbox.url + "/api/lists", headers=headers, timeout=5)
    assert resp.status_code == 400
    check(resp, request=False)  # the request lacks the required revision header on purpose
    assert resp.json()["errors"][0]["source"] == {"parameter": "revision"}


def test_unknown_id_is_404(api: Api) -> None:
    resp = api.get("/api/lists/NOPE00")
    assert resp.status_code == 404
    assert resp.json()["errors"][0]["code"] == "not_found"


def test_unknown_method_on_known_path_is_405(api: Api) -> None:
    resp = api.call("PUT", "/api/lists", validate=False)
    assert resp.status_code == 405
    assert "GET" in resp.headers["Allow"]


def test_head_answers_headers_only_and_keeps_the_connection_usable(sandbox: Sandbox) -> None:
    host, port = sandbox.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("HEAD", "/api/lists", headers=sandbox.headers())
    head = conn.getresponse()
    assert head.status == 405 and head.read() == b""
    conn.request("GET", "/api/lists", headers=sandbox.headers())
    assert conn.getresponse().status == 200
    conn.close()


def test_unknown_path_is_404(api: Api) -> None:
    resp = api.get("/api/nothing-here", validate=False)
    assert resp.status_code == 404


def test_wrong_type_and_missing_attribute_point_at_the_body(api: Api) -> None:
    resp = api.post("/api/lists", json={"data": {"type": "lists", "attributes": {"name": "x"}}},
                    validate_request=False)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/type"}
    resp = api.post("/api/lists", json={"data": {"type": "list", "attributes": {}}}, validate_request=False)
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes/name"}


def test_patch_id_must_match_path(api: Api) -> None:
    list_id = make_list(api)
    resp = api.patch(f"/api/lists/{list_id}",
                     json={"data": {"type": "list", "id": "OTHER1", "attributes": {"name": "y"}}})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/id"}


def test_body_that_is_not_json_is_400_and_wrong_content_type_is_415(api: Api) -> None:
    resp = api.call("POST", "/api/lists", data=b"{nope", validate=False,
                    headers={"Content-Type": "application/vnd.api+json"})
    assert resp.status_code == 400
    resp = api.call("POST", "/api/lists", data=b"name=x", validate=False,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 415


def test_rate_limit_headers_on_success(api: Api) -> None:
    resp = api.get("/api/lists")
    assert resp.headers["RateLimit-Limit"] == "750"
    assert int(resp.headers["RateLimit-Remaining"]) == 749
    assert 1 <= int(resp.headers["RateLimit-Reset"]) <= 60


def test_keep_alive_reuses_one_connection(sandbox: Sandbox) -> None:
    host, port = sandbox.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    statuses = []
    for _ in range(3):
        conn.request("GET", "/api/lists", headers=sandbox.headers())
        resp = conn.getresponse()
        assert int(resp.headers["Content-Length"]) == len(resp.read())
        statuses.append(resp.status)
        sock = conn.sock
    assert statuses == [200, 200, 200]
    assert conn.sock is sock  # the same socket served every request
    conn.close()


def test_unreadable_content_length_is_400_and_closes(sandbox: Sandbox) -> None:
    host, port = sandbox.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /api/lists HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in reply
