"""Images through the CLI: Upload Image (data URI, URL, file bytes), Get/List/Update Image.

The uploaded bytes are read back from the sandbox's ``image_url`` and compared with what was sent.
"""

from __future__ import annotations

import base64
import urllib.request
from typing import Any

import pytest

from connector.sandbox import Sandbox

from .conftest import GIF, Cli, ok, png_bytes

pytestmark = pytest.mark.e2e


def _stored(sb: Sandbox, image_id: str) -> dict[str, Any] | None:
    return next((i for i in sb.state.images() if i["id"] == image_id), None)


def _served_bytes(url: str) -> bytes:
    assert url.startswith("http://127.0.0.1:")  # never leave the machine
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read()
    return data


def test_upload_from_data_uri_then_get_update_list(cli: Cli, sb: Sandbox) -> None:
    png = png_bytes()
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    uploaded = ok(cli("uploadImage", {"imageUrl": uri, "imageName": "E2E Red Pixels"}))
    image_id = uploaded["data"]["id"]
    stored = _stored(sb, image_id)
    assert stored is not None
    assert (stored["name"], stored["format"], stored["size"], stored["hidden"]) == (
        "E2E Red Pixels",
        "png",
        len(png),
        False,
    )
    assert _served_bytes(uploaded["data"]["attributes"]["image_url"]) == png

    r_got, r_sparse = cli.many(
        [("getImage", {"imageId": image_id}), ("getImage", {"imageId": image_id, "fields": ["format", "hidden"]})]
    )
    got = ok(r_got)
    assert got["data"]["attributes"]["name"] == "E2E Red Pixels"
    assert got["data"]["attributes"]["size"] == len(png)
    sparse = ok(r_sparse)
    assert sparse["data"]["attributes"] == {"format": "png", "hidden": False}

    updated = ok(cli("updateImage", {"imageId": image_id, "imageName": "E2E Renamed", "imageHidden": "true"}))
    assert updated["data"]["attributes"]["hidden"] is True
    stored = _stored(sb, image_id)
    assert stored is not None
    assert (stored["name"], stored["hidden"]) == ("E2E Renamed", True)
    ok(cli("updateImage", {"imageId": image_id, "imageHidden": False}))
    stored = _stored(sb, image_id)
    assert stored is not None
    assert (stored["name"], stored["hidden"]) == ("E2E Renamed", False)  # the name was kept

    # the same name again gets a suffix, as Klaviyo documents
    again = ok(cli("uploadImage", {"imageUrl": uri, "imageName": "E2E Renamed", "imageHidden": True}))
    again_stored = _stored(sb, again["data"]["id"])
    assert again_stored is not None
    assert again_stored["name"] != "E2E Renamed"
    assert again_stored["name"].startswith("E2E Renamed")
    assert again_stored["hidden"] is True

    r_shown, r_named = cli.many(
        [
            ("listImages", {"filter": "equals(hidden,false)", "fields": "name,hidden"}),
            ("listImages", {"filter": 'starts-with(name,"E2E Renamed")', "sort": "name"}),
        ]
    )
    shown = ok(r_shown)["data"]
    assert {i["id"] for i in shown} == {i["id"] for i in sb.state.images() if not i["hidden"]}
    assert image_id in {i["id"] for i in shown}
    named = ok(r_named)["data"]
    assert [i["id"] for i in named] == [image_id, again["data"]["id"]]


def test_upload_from_file_bytes(cli: Cli, sb: Sandbox) -> None:
    # base64 with a filename: the name defaults to the filename
    as_object = ok(cli("uploadImage", {"fileData": {"data": base64.b64encode(GIF).decode(), "filename": "dot.gif"}}))
    stored = _stored(sb, as_object["data"]["id"])
    assert stored is not None
    assert (stored["name"], stored["format"], stored["size"]) == ("dot", "gif", len(GIF))
    assert _served_bytes(as_object["data"]["attributes"]["image_url"]) == GIF

    # a Node.js Buffer as a low-code platform serialises it, with an explicit name and hidden
    png = png_bytes(3, 2)
    as_buffer = ok(
        cli(
            "uploadImage",
            {"fileData": {"type": "Buffer", "data": list(png)}, "imageName": "E2E Buffer", "imageHidden": True},
        )
    )
    stored = _stored(sb, as_buffer["data"]["id"])
    assert stored is not None
    assert (stored["name"], stored["format"], stored["size"], stored["hidden"]) == ("E2E Buffer", "png", len(png), True)
    assert _served_bytes(as_buffer["data"]["attributes"]["image_url"]) == png

    # plain base64 text
    plain = ok(cli("uploadImage", {"fileData": base64.b64encode(png).decode(), "imageName": "E2E Plain"}))
    stored = _stored(sb, plain["data"]["id"])
    assert stored is not None
    assert (stored["name"], stored["size"]) == ("E2E Plain", len(png))

    listed = ok(cli("listImages", {"sort": "-name", "pageSize": 2, "maxRecords": 3}))["data"]
    assert [i["attributes"]["name"] for i in listed] == sorted((i["name"] for i in sb.state.images()), reverse=True)[:3]


def test_upload_from_remote_url_is_not_fetched(cli: Cli, sb: Sandbox) -> None:
    uploaded = ok(cli("uploadImage", {"imageUrl": "https://example.com/hero.jpg", "imageName": "E2E Remote"}))
    stored = _stored(sb, uploaded["data"]["id"])
    assert stored is not None
    assert (stored["name"], stored["format"]) == ("E2E Remote", "jpeg")


def test_image_input_errors_send_nothing(cli: Cli, sb: Sandbox, http_log: list[tuple[str, str]]) -> None:
    png_uri = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    before = sb.state.images()
    sent = len(http_log)
    cases: tuple[Any, ...] = (
        {},  # neither URL nor file
        {"imageUrl": png_uri, "fileData": base64.b64encode(GIF).decode()},  # both
        {"imageUrl": "data:image/gif;base64," + base64.b64encode(png_bytes()).decode()},  # says gif, is png
        {"imageUrl": "data:text/plain;base64,aGVsbG8="},
        {"imageUrl": "ftp://example.com/a.png"},
        {"fileData": base64.b64encode(b"%PDF-1.7 not an image").decode()},
        {"fileData": "not base64 at all!"},
        {"fileData": base64.b64encode(b"GIF89a" + b"\x00" * (5 * 1024 * 1024)).decode()},  # over 5 MB
    )
    results = cli.many([("uploadImage", inputs) for inputs in cases])
    for inputs, result in zip(cases, results, strict=True):
        assert result.code == 2, (inputs.keys(), result)
        assert result.err["error"]["type"] == "InputError"
    nothing = cli("updateImage", {"imageId": "Abc123"})
    assert nothing.code == 2
    assert len(http_log) == sent
    assert sb.state.images() == before

    missing = cli("getImage", {"imageId": "NoImage1"})
    assert missing.code == 4
    assert missing.err["error"]["status"] == 404
    missing_update = cli("updateImage", {"imageId": "NoImage1", "imageName": "Ghost"})
    assert missing_update.code == 4
    assert missing_update.err["error"]["status"] == 404
    assert sb.state.images() == before
