"""The sandbox refuses what Klaviyo refuses, in Klaviyo's error shape, and never answers 500.

Every answer here is a JSON:API error document (``errors[0]`` with ``id``, ``status``, ``code``, ``title``,
``detail`` and ``source.pointer`` or ``source.parameter``) validated against the spec's error schema.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connector.sandbox import Sandbox

from .conftest import Api
from .spec import check
from .spec_requests import World, body_schema, operations

JSONAPI = {"Content-Type": "application/vnd.api+json"}


@pytest.fixture(scope="module")
def shared() -> Iterator[Api]:
    """One sandbox for the whole module: every request here is refused, so nothing is stored."""
    with Sandbox() as sb:
        client = Api(sb)
        yield client
        client.session.close()


def refused(resp: requests.Response, status: int = 400, *, spec: bool = True) -> dict[str, Any]:
    """Assert a Klaviyo-shaped error with ``status``; return ``errors[0]``."""
    assert resp.status_code == status, resp.text[:500]
    if spec:
        check(resp, request=False)
    error: dict[str, Any] = resp.json()["errors"][0]
    assert set(error) >= {"id", "status", "code", "title", "detail", "source"}
    assert error["status"] == status
    assert "pointer" in error["source"] or "parameter" in error["source"]
    return error


def post(api: Api, path: str, body: Any) -> requests.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api.call("POST", path, data=raw, headers=JSONAPI, validate=False)


def test_undeclared_attribute_is_refused_with_a_pointer_to_it(shared: Api) -> None:
    body = {"data": {"type": "profile", "attributes": {"email": "c@example.com", "favourite_colour": "red"}}}
    error = refused(post(shared, "/api/profiles", body))
    assert error["source"] == {"pointer": "/data/attributes/favourite_colour"}
    assert "favourite_colour" in error["detail"]
    assert shared.sb.state.profiles() == []


def test_missing_required_attribute_and_relationship(shared: Api) -> None:
    error = refused(post(shared, "/api/tags", {"data": {"type": "tag", "attributes": {}}}))
    assert error["source"] == {"pointer": "/data/attributes/name"}
    variant = {"data": {"type": "catalog-variant", "attributes": {
        "external_id": "V1", "title": "Blue", "description": "d", "sku": "S1", "inventory_quantity": 1,
        "price": 1.0, "url": "https://example.com/v1"}}}
    error = refused(post(shared, "/api/catalog-variants", variant))
    assert error["source"] == {"pointer": "/data/relationships"}


def catalog_item(**attrs: Any) -> dict[str, Any]:
    base = {"external_id": "SKU-1", "title": "Shirt", "description": "Blue", "url": "https://example.com/s"}
    return {"data": {"type": "catalog-item", "attributes": {**base, **attrs}}}


def test_wrong_enum_value(shared: Api) -> None:
    error = refused(post(shared, "/api/catalog-items", catalog_item(integration_type="$shopify")))
    assert error["source"] == {"pointer": "/data/attributes/integration_type"}
    assert "$shopify" in error["detail"]


def test_wrong_type(shared: Api) -> None:
    error = refused(post(shared, "/api/catalog-items", catalog_item(price="cheap")))
    assert error["source"] == {"pointer": "/data/attributes/price"}
    error = refused(post(shared, "/api/catalog-items", catalog_item(images="https://example.com/one.png")))
    assert error["source"] == {"pointer": "/data/attributes/images"}


def test_wrong_resource_type(shared: Api) -> None:
    error = refused(post(shared, "/api/tags", {"data": {"type": "tags", "attributes": {"name": "VIP"}}}))
    assert error["source"] == {"pointer": "/data/type"}


def test_a_list_name_over_255_characters_is_refused(shared: Api) -> None:
    error = refused(post(shared, "/api/lists", {"data": {"type": "list", "attributes": {"name": "n" * 256}}}))
    assert error["source"] == {"pointer": "/data/attributes/name"}
    assert post(shared, "/api/lists", {"data": {"type": "list", "attributes": {"name": "n" * 255}}}).status_code == 201


def test_a_10_mb_list_name_is_refused_before_it_is_read(shared: Api) -> None:
    body = {"data": {"type": "list", "attributes": {"name": "n" * (10 * 1024 * 1024)}}}
    error = refused(post(shared, "/api/lists", body), 413)
    assert error["code"] == "payload_too_large"
    assert post(shared, "/api/lists", {"data": {"type": "list", "attributes": {"name": "x"}}}).status_code == 201


def event_body(**properties: Any) -> dict[str, Any]:
    return {"data": {"type": "event", "attributes": {
        "properties": properties,
        "metric": {"data": {"type": "metric", "attributes": {"name": "Viewed Product"}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": "long@example.com"}}},
    }}}


def test_an_event_string_over_100_kb_is_refused(shared: Api) -> None:
    error = refused(post(shared, "/api/events", event_body(note="x" * (100 * 1024 + 1))))
    assert error["source"] == {"pointer": "/data/attributes/properties/note"}
    assert shared.sb.state.events() == []


def test_a_profile_body_over_100_kb_is_413(shared: Api) -> None:
    body = {"data": {"type": "profile", "attributes": {"email": "big@example.com", "properties": {
        f"k{i}": "v" * 1000 for i in range(120)}}}}
    refused(post(shared, "/api/profiles", body), 413)


def test_absurdly_nested_json_is_400_not_500(shared: Api) -> None:
    deep = b'{"data": {"type": "list", "attributes": {"name": "x", "extra": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}}"
    error = refused(post(shared, "/api/lists", deep))
    assert error["code"] == "parse_error"
    nested: Any = "leaf"
    for _ in range(40):
        nested = {"k": nested}
    error = refused(post(shared, "/api/events", event_body(tree=nested)))
    assert "nested" in error["detail"]


def test_invalid_utf8_is_a_parse_error(shared: Api) -> None:
    error = refused(post(shared, "/api/tags", b'{"data": {"type": "tag", "attributes": {"name": "\xff\xfe"}}}'))
    assert error["code"] == "parse_error" and "UTF-8" in error["detail"]


@pytest.mark.parametrize("raw", [b"[]", b'"just a string"', b"42", b"null", b'{"data": NaN}'])
def test_a_body_that_is_not_a_json_object_is_refused(shared: Api, raw: bytes) -> None:
    refused(post(shared, "/api/tags", raw))


def test_an_absurd_content_length_is_413_without_reading_the_body(shared: Api) -> None:
    host, port = shared.sb.url.removeprefix("http://").split(":")
    headers = "".join(f"{k}: {v}\r\n" for k, v in shared.sb.headers(content_type=True).items())
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"POST /api/lists HTTP/1.1\r\nHost: x\r\n{headers}Content-Length: {10**12}\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in head
    error = json.loads(body)["errors"][0]
    assert error["code"] == "payload_too_large" and error["source"] == {"pointer": "/data"}


def test_an_oversized_chunked_body_is_413(shared: Api) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 65536

    headers = {**shared.sb.headers(), **JSONAPI}
    resp = requests.post(shared.sb.url + "/api/profiles", data=chunks(), headers=headers, timeout=10)
    refused(resp, 413, spec=False)  # openapi-core cannot rebuild a streamed request to match the answer to it


WRITES = sorted(
    op_id for op_id, (path, method, op) in operations().items()
    if method in ("POST", "PATCH") and body_schema(op) is not None and "{" not in path
)


@pytest.mark.parametrize("op_id", WRITES)
def test_every_write_refuses_a_malformed_body_with_400(shared: Api, op_id: str) -> None:
    path, method, _ = operations()[op_id]
    params = {"company_id": "SbxAcc"} if path.startswith("/client/") else {}
    for raw in (b"{}", b'{"data": []}', b'{"data": {"type": 7}}', b'{"data": {"type": "nope", "attributes": {}}}'):
        resp = shared.call(method, path, data=raw, headers=JSONAPI, params=params, validate=False)
        refused(resp)


def test_merging_without_profiles_is_400(shared: Api) -> None:
    body = {"data": {"type": "profile-merge", "id": "01NOPE", "relationships": {"profiles": {}}}}
    refused(post(shared, "/api/profile-merge", body), 404)  # the destination is looked up first
    pid = shared.post("/api/profiles", json={"data": {"type": "profile", "attributes": {
        "email": "merge@example.com"}}}).json()["data"]["id"]
    body["data"]["id"] = pid
    error = refused(post(shared, "/api/profile-merge", body))
    assert error["source"] == {"pointer": "/data/relationships/profiles/data"}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with Sandbox() as sb:
        yield World(sb)


def mutations(doc: Any) -> Iterator[Any]:
    """Copies of a valid body with one member dropped, nulled or given the wrong type (first 8 members)."""
    paths: list[list[Any]] = []

    def walk(value: Any, path: list[Any]) -> None:
        members = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in members:
            paths.append([*path, key])
            walk(item, [*path, key])

    walk(doc, [])
    for path in paths[:8]:
        for new in (DROP, None, 7, "text", [], {}):
            mutated = copy.deepcopy(doc)
            parent = mutated
            for key in path[:-1]:
                parent = parent[key]
            if new is DROP:
                del parent[path[-1]]
            else:
                parent[path[-1]] = new
            yield mutated


DROP = object()
WITH_BODIES = sorted(
    op_id
    for op_id, (_, _, op) in operations().items()
    if body_schema(op) is not None and op_id != "upload_image_from_file"
)


@pytest.mark.parametrize("op_id", WITH_BODIES)
def test_no_mangled_body_gets_a_500(world: World, op_id: str) -> None:
    _, method, op = world.ops[op_id]
    path = world.path_for(op_id)
    params = world.required_params(op)
    for body in mutations(world.body(op_id, path)):
        resp = world.call(method, path, params=params, data=json.dumps(body), headers=JSONAPI, validate=False)
        assert resp.status_code < 500, (op_id, body, resp.text[:300])
