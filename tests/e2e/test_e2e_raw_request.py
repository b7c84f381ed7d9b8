"""Raw Request through the CLI: CRUD on any endpoint, multipart upload, response types, retries and errors."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from connector.sandbox import Sandbox

from .conftest import Cli, ok, png_bytes

pytestmark = pytest.mark.e2e


def _list(sb: Sandbox, list_id: str) -> dict[str, Any] | None:
    return next((lst for lst in sb.state.lists() if lst["id"] == list_id), None)


def test_raw_crud_on_lists(cli: Cli, sb: Sandbox) -> None:
    body = {"data": {"type": "list", "attributes": {"name": "E2E Raw List"}}}
    created = ok(cli("rawRequest", {"method": "POST", "url": "/api/lists", "data": json.dumps(body)}))
    assert created["status"] == 201
    list_id = created["data"]["data"]["id"]
    stored = _list(sb, list_id)
    assert stored is not None
    assert stored["name"] == "E2E Raw List"
    assert "authorization" not in {k.lower() for k in created["headers"]}

    got = ok(
        cli(
            "rawRequest",
            {
                "method": "get",
                "url": f"/api/lists/{list_id}",
                "queryParameter": [{"key": "fields[list]", "value": "name"}],
            },
        )
    )
    assert got["status"] == 200
    assert got["data"]["data"]["attributes"] == {"name": "E2E Raw List"}

    patch = {"data": {"type": "list", "id": list_id, "attributes": {"name": "E2E Raw Renamed"}}}
    # a full URL on the configured host works as well as a path; Data may be a JSON object
    patched = ok(cli("rawRequest", {"method": "PATCH", "url": f"{sb.url}/api/lists/{list_id}", "data": patch}))
    assert patched["status"] == 200
    stored = _list(sb, list_id)
    assert stored is not None
    assert stored["name"] == "E2E Raw Renamed"

    deleted = ok(cli("rawRequest", {"method": "DELETE", "url": f"/api/lists/{list_id}"}))
    assert (deleted["status"], deleted["data"]) == (204, None)
    assert _list(sb, list_id) is None


def test_raw_multipart_upload_and_binary_response(cli: Cli, sb: Sandbox) -> None:
    png = png_bytes(4, 4)
    uploaded = ok(
        cli(
            "rawRequest",
            {
                "method": "POST",
                "url": "/api/image-upload",
                "formData": {"name": "E2E Raw Upload", "hidden": "true"},
                "fileData": {"file": {"data": base64.b64encode(png).decode()}},
                "fileDataFileNames": {"file": "pixels.png"},
            },
        )
    )
    assert uploaded["status"] == 201
    image_id = uploaded["data"]["data"]["id"]
    [stored] = [i for i in sb.state.images() if i["id"] == image_id]
    assert (stored["name"], stored["format"], stored["size"], stored["hidden"]) == (
        "E2E Raw Upload",
        "png",
        len(png),
        True,
    )

    # the bytes back, as base64 in the low-code output
    media = ok(
        cli(
            "rawRequest",
            {"method": "GET", "url": uploaded["data"]["data"]["attributes"]["image_url"], "responseType": "binary"},
        )
    )
    assert media["encoding"] == "base64"
    assert base64.b64decode(media["data"]) == png

    text = ok(cli("rawRequest", {"method": "GET", "url": "/api/accounts", "responseType": "text"}))
    assert isinstance(text["data"], str)
    assert json.loads(text["data"])["data"][0]["type"] == "account"


def test_raw_retries_follow_the_inputs(cli: Cli, http_log: list[tuple[str, str]]) -> None:
    path = "/api/lists/NoRawList"
    sent = len(http_log)
    plain = cli("rawRequest", {"method": "GET", "url": path})
    assert plain.code == 4
    assert plain.err["error"]["status"] == 404
    assert http_log[sent:] == [("GET", path)]  # Max Retry Count 0: one attempt

    sent = len(http_log)
    retried = cli(
        "rawRequest",
        {"method": "GET", "url": path, "maxRetryCount": 2, "retryOnAllErrors": True, "retryDelayMs": 1},
    )
    assert retried.code == 4
    assert http_log[sent:] == [("GET", path)] * 3  # 1 + 2 retries, 4xx included

    sent = len(http_log)
    not_all = cli("rawRequest", {"method": "GET", "url": path, "maxRetryCount": 2, "retryDelayMs": 1})
    assert not_all.code == 4
    assert http_log[sent:] == [("GET", path)]  # a 404 is not retried unless asked


def test_raw_exclude_authorization_is_refused_by_the_api(cli: Cli, sb: Sandbox) -> None:
    before = sb.state.lists()
    body = {"data": {"type": "list", "attributes": {"name": "E2E Anonymous"}}}
    result = cli("rawRequest", {"method": "POST", "url": "/api/lists", "data": body, "excludeAuthorization": True})
    assert result.code == 3
    assert result.err["error"]["status"] == 401
    assert sb.state.lists() == before


def test_raw_input_errors_send_nothing(cli: Cli, sb: Sandbox, http_log: list[tuple[str, str]]) -> None:
    before = sb.state.lists()
    sent = len(http_log)
    cases: tuple[Any, ...] = (
        {"method": "GET"},  # no URL
        {"method": "TRACE", "url": "/api/lists"},
        {"method": "GET", "url": "/api/lists", "header": {"Authorization": "Klaviyo-API-Key pk_other"}},
        {"method": "GET", "url": "/api/lists", "header": {"X-Bad": "a\r\nInjected: yes"}},
        {"method": "POST", "url": "/api/lists", "data": "{}", "formData": {"a": "b"}},
        {"method": "POST", "url": "/api/image-upload", "fileDataFileNames": {"file": "x.png"}},
        {"method": "GET", "url": "/api/lists", "maxRetryCount": 101},
        {"method": "GET", "url": "/api/lists", "timeout": 0},
        {"method": "GET", "url": "/api/lists", "responseType": "xml"},
    )
    results = cli.many([("rawRequest", inputs) for inputs in cases])
    for inputs, result in zip(cases, results, strict=True):
        assert result.code == 2, (inputs, result)
        assert result.err["error"]["type"] == "InputError"
    # another host is refused before anything is sent (the key must never leave for it)
    elsewhere = cli("rawRequest", {"method": "GET", "url": "https://evil.example.com/api/lists"})
    assert elsewhere.code == 2
    assert elsewhere.err["error"]["input"] == "url"
    assert len(http_log) == sent
    assert sb.state.lists() == before
