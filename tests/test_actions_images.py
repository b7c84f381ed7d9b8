"""Images actions: exact requests (JSON and multipart, checked against the spec), parsed responses, input errors."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from conftest import API_KEY, BASE, assert_request, spec_reply

from actions.images import (
    GET_IMAGE,
    LIST_IMAGES,
    MAX_IMAGE_BYTES,
    UPDATE_IMAGE,
    UPLOAD_IMAGE,
    Images,
    clean_image_file,
)
from connector.client.errors import InputError, ServerError
from connector.client.pipeline import KlaviyoClient

# Real headers (with CR LF bytes inside the PNG one, which a careless multipart encoder would mangle).
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
URL = "https://www.example.com/example.jpg"


def _data_uri(media: str, data: bytes) -> str:
    return f"data:{media};base64,{base64.b64encode(data).decode()}"


def multipart_parts(request: Any) -> dict[str, tuple[str | None, str | None, bytes]]:
    """``{field: (filename, part Content-Type header, payload bytes)}`` parsed with the stdlib email parser."""
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    raw = b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert message.is_multipart() and not message.defects
    parts: dict[str, tuple[str | None, str | None, bytes]] = {}
    for part in message.iter_parts():
        disposition = part.get("Content-Disposition", "")
        assert disposition.startswith("form-data")
        name = part.get_param("name", header="content-disposition")
        assert isinstance(name, str) and name not in parts
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts[name] = (part.get_filename(), part.get("Content-Type"), payload)
    return parts


def assert_upload_request(call: Any) -> dict[str, tuple[str | None, str | None, bytes]]:
    """Method, path, query and headers of ``POST /api/image-upload``, then its parts checked against ImageUploadQuery.

    openapi-core does parse multipart/form-data, but it decodes every non-file part as text/plain and
    does not cast it to the property's schema type, so a spec-correct ``hidden=true`` part fails its
    ``boolean`` check. Requests without ``hidden`` are validated by openapi-core; every request's parts
    are also checked here against the schema's properties by hand.
    """
    from spec_support import check_request, raw_spec

    request = call.request
    parts = urlsplit(request.url)
    assert request.method == "POST"
    assert parts.path == "/api/image-upload"
    assert dict(parse_qsl(parts.query)) == {}
    assert request.headers["revision"] == "2026-07-15"
    assert request.headers["Accept"] == "application/vnd.api+json"
    assert request.headers["Authorization"] == f"Klaviyo-API-Key {API_KEY}"
    assert request.headers["User-Agent"].startswith("klaviyo-connector-python/")

    fields = multipart_parts(request)
    schema = raw_spec()["components"]["schemas"]["ImageUploadQuery"]
    assert set(schema["required"]) <= set(fields) <= set(schema["properties"])
    filename, content_type, data = fields["file"]
    assert schema["properties"]["file"] == {**schema["properties"]["file"], "type": "string", "format": "binary"}
    assert filename and content_type in ("image/jpeg", "image/png", "image/gif") and data
    if "name" in fields:
        assert schema["properties"]["name"]["type"] == "string"
        assert fields["name"][0] is None  # a plain form field, not a file
        fields["name"][2].decode("utf-8")
    if "hidden" in fields:
        assert schema["properties"]["hidden"]["type"] == "boolean"
        assert fields["hidden"][0] is None
        assert fields["hidden"][2] in (b"true", b"false")
    else:
        check_request(request)
    return fields


def test_upload_image_from_url_sends_spec_valid_json_and_parses_the_reply(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/images", "post", id="7")
    mocked.post(f"{BASE}/api/images", json=reply, status=status)

    image = Images(client).upload(url=URL, name="Hero")

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/images",
        body={"data": {"type": "image", "attributes": {"import_from_url": URL, "name": "Hero"}}},
    )
    attributes = reply["data"]["attributes"]
    assert image.id == "7"
    assert image.attributes.image_url == attributes["image_url"]
    assert image.attributes.format == attributes["format"]
    assert image.attributes.size == attributes["size"]
    assert image.attributes.hidden is attributes["hidden"]
    assert image.attributes.updated_at is not None
    assert image.attributes.updated_at.isoformat() == attributes["updated_at"]


def test_upload_image_low_code_data_uri_goes_in_the_json_body(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/images", "post", id="7")
    mocked.post(f"{BASE}/api/images", json=reply, status=status)
    uri = _data_uri("image/png", PNG)

    out = UPLOAD_IMAGE.run(client, {"imageUrl": f" {uri} ", "imageName": "", "fileData": "", "imageHidden": "true"})

    assert out == reply
    assert_request(
        mocked.calls[0],
        "POST",
        "/api/images",
        body={"data": {"type": "image", "attributes": {"import_from_url": uri, "hidden": True}}},
    )


def test_upload_image_from_bytes_sends_multipart_with_file_and_name(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/image-upload", "post", id="8")
    mocked.post(f"{BASE}/api/image-upload", json=reply, status=status)

    image = Images(client).upload(data=PNG, name="Hero banner")

    fields = assert_upload_request(mocked.calls[0])
    assert fields == {
        "file": ("Hero banner.png", "image/png", PNG),
        "name": (None, None, b"Hero banner"),
    }
    assert image.id == "8"
    assert image.attributes.name == reply["data"]["attributes"]["name"]


def test_upload_image_low_code_file_data_object_with_filename_and_hidden(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/image-upload", "post", id="8")
    mocked.post(f"{BASE}/api/image-upload", json=reply, status=status)
    file_data = {"data": base64.b64encode(GIF).decode(), "contentType": "image/gif", "filename": "dot.gif"}

    out = UPLOAD_IMAGE.run(client, {"fileData": file_data, "imageHidden": "yes"})

    assert out == reply
    fields = assert_upload_request(mocked.calls[0])
    assert fields == {"file": ("dot.gif", "image/gif", GIF), "hidden": (None, None, b"true")}


@pytest.mark.parametrize(
    ("file_data", "filename", "content_type", "data"),
    [
        (base64.b64encode(JPEG).decode(), "image.jpg", "image/jpeg", JPEG),  # base64 text from a previous step
        (_data_uri("image/gif", GIF), "image.gif", "image/gif", GIF),
        ({"data": {"type": "Buffer", "data": list(PNG)}}, "image.png", "image/png", PNG),  # a JSON-serialised Buffer
        (bytearray(JPEG), "image.jpg", "image/jpeg", JPEG),
    ],
)
def test_upload_image_file_data_forms(
    client: KlaviyoClient,
    mocked: responses.RequestsMock,
    file_data: Any,
    filename: str,
    content_type: str,
    data: bytes,
) -> None:
    status, reply = spec_reply("/api/image-upload", "post")
    mocked.post(f"{BASE}/api/image-upload", json=reply, status=status)

    UPLOAD_IMAGE.run(client, {"fileData": file_data})

    assert assert_upload_request(mocked.calls[0]) == {"file": (filename, content_type, data)}


def test_upload_image_exactly_five_megabytes_is_accepted(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/image-upload", "post")
    mocked.post(f"{BASE}/api/image-upload", json=reply, status=status)
    big = PNG + b"\0" * (MAX_IMAGE_BYTES - len(PNG))

    Images(client).upload(data=big, name="big.png")

    assert assert_upload_request(mocked.calls[0])["file"] == ("big.png", "image/png", big)


def test_upload_image_lists_both_operations_it_may_call() -> None:
    assert UPLOAD_IMAGE.operation_ids == ("upload_image_from_url", "upload_image_from_file")
    assert UPLOAD_IMAGE.docs_url == "https://developers.klaviyo.com/en/reference/upload_image_from_url"


def test_upload_image_is_not_retried_after_a_server_error(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/image-upload", status=502, json={"errors": []})
    with pytest.raises(ServerError):
        Images(client).upload(data=PNG)
    assert len(mocked.calls) == 1


TOO_BIG = PNG + b"\0" * (MAX_IMAGE_BYTES + 1 - len(PNG))


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({}, "Image URL", "use exactly one of Image URL (an http(s) URL"),
        ({"imageName": "x"}, "Image URL", "or File Data (image bytes from a previous step); neither was given"),
        ({"imageUrl": URL, "fileData": base64.b64encode(PNG).decode()}, "Image URL", "Image URL or File Data (both"),
        ({"imageUrl": "ftp://example.com/a.png"}, "Image URL", "must be an http(s) URL or a data:image/"),
        ({"imageUrl": "data:image/svg+xml;base64,PHN2Zz4="}, "Image URL", "type 'image/svg+xml'; Klaviyo accepts"),
        ({"imageUrl": "data:image/png,rawdata"}, "Image URL", "must be a base-64 encoded data URI"),
        ({"imageUrl": "data:image/png;base64,***"}, "Image URL", "data is not valid base64"),
        ({"imageUrl": _data_uri("image/png", GIF)}, "Image URL", "says image/png but the data is a GIF image"),
        ({"imageUrl": _data_uri("image/png", TOO_BIG)}, "Image URL", "at most 5 MB (5,242,880 bytes)"),
        ({"fileData": TOO_BIG}, "File Data", f"is {len(TOO_BIG):,} bytes; Klaviyo accepts images of at most 5 MB"),
        ({"fileData": b"%PDF-1.7\n"}, "File Data", "is not a JPEG, PNG or GIF image"),
        ({"fileData": "not base64!"}, "File Data", "not valid base64"),
        ({"fileData": {"contentType": "image/png"}}, "File Data", 'must be binary data, base64 text or {"data"'),
        ({"fileData": {"data": "R0lGODlh!!"}}, "File Data", "not valid base64"),
        ({"fileData": {"data": [1, 300]}}, "File Data", "byte values 0-255"),
        ({"fileData": b""}, "File Data", "is empty"),
        ({"imageUrl": URL, "imageHidden": "maybe"}, "Image Hidden", "must be true or false"),
        ({"imageUrl": URL, "imageName": {"a": 1}}, "Image Name", "must be text"),
    ],
)
def test_upload_image_input_errors_name_the_input(
    client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str
) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        UPLOAD_IMAGE.run(client, raw)
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"{label}: ")
    assert len(nothing_sent.calls) == 0


def test_upload_image_python_needs_exactly_one_source(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as nothing_sent:
        with pytest.raises(InputError, match="Image URL: use exactly one of Image URL or File Data"):
            Images(client).upload(url=URL, data=PNG)
        with pytest.raises(InputError, match="neither was given"):
            Images(client).upload(name="x")
        assert len(nothing_sent.calls) == 0


def test_clean_image_file_keeps_a_jpeg_extension_given_as_jpeg() -> None:
    image = clean_image_file({"data": base64.b64encode(JPEG).decode(), "fileName": "photo.JPEG"})
    assert (image.format, image.filename_for(None), image.filename_for("ignored")) == (
        "jpeg",
        "photo.JPEG",
        "photo.JPEG",
    )


def test_get_image_with_fields(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/images/{id}", "get", id="7")
    mocked.get(f"{BASE}/api/images/7", json=reply, status=status)

    image = Images(client).get("7", fields=["name", "image_url"])

    assert_request(mocked.calls[0], "GET", "/api/images/7", query={"fields[image]": "name,image_url"})
    assert image.id == "7"
    assert image.attributes.name == reply["data"]["attributes"]["name"]
    assert image.attributes.image_url == reply["data"]["attributes"]["image_url"]


def test_get_image_input_errors(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as nothing_sent:
        with pytest.raises(InputError, match="Image ID: is required"):
            GET_IMAGE.run(client, {"imageId": ""})
        with pytest.raises(InputError, match="Fields: unknown field 'url'"):
            GET_IMAGE.run(client, {"imageId": "7", "fields": "url"})
        assert len(nothing_sent.calls) == 0


def _page(ids: list[str], next_url: str | None) -> dict[str, Any]:
    return {
        "data": [{"type": "image", "id": i, "attributes": {"name": f"image {i}", "size": 10}} for i in ids],
        "links": {"self": f"{BASE}/api/images", "next": next_url},
    }


def test_list_images_follows_every_page_with_the_largest_page(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    second = f"{BASE}/api/images?page%5Bcursor%5D=abc&page%5Bsize%5D=100&filter=equals%28hidden%2Cfalse%29"
    mocked.get(f"{BASE}/api/images", json=_page(["1", "2"], second))
    mocked.get(second, json=_page(["3"], None))

    out = LIST_IMAGES.run(client, {"filter": "equals(hidden,false)", "sort": "-size", "fields": "name,size"})

    assert [r["id"] for r in out["data"]] == ["1", "2", "3"]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/images",
        query={"fields[image]": "name,size", "filter": "equals(hidden,false)", "sort": "-size", "page[size]": "100"},
    )
    assert_request(
        mocked.calls[1],
        "GET",
        "/api/images",
        query={"filter": "equals(hidden,false)", "page[cursor]": "abc", "page[size]": "100"},
    )


def test_list_images_python_streams_models(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/images", json=_page(["1"], None))

    stream = Images(client).list(limit=5)
    assert len(mocked.calls) == 0  # nothing fetched until iterated

    assert [(i.id, i.attributes.size) for i in stream] == [("1", 10)]
    assert_request(mocked.calls[0], "GET", "/api/images", query={"page[size]": "5"})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"pageSize": "101"}, "Page Size: must be at most 100"),
        ({"sort": "created"}, "Sort: must be one of"),
        ({"fields": "url"}, "Fields: unknown field 'url'"),
    ],
)
def test_list_images_input_errors(client: KlaviyoClient, raw: dict[str, Any], message: str) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match=message):
        LIST_IMAGES.run(client, raw)
    assert len(nothing_sent.calls) == 0


def test_update_image_repeats_id_and_sends_name_and_hidden(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/images/{id}", "patch", id="7")
    mocked.patch(f"{BASE}/api/images/7", json=reply, status=status)

    updated = Images(client).update("7", name="Hero v2", hidden=True)

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/images/7",
        body={"data": {"type": "image", "id": "7", "attributes": {"name": "Hero v2", "hidden": True}}},
    )
    assert updated.id == "7"
    assert updated.attributes.hidden is reply["data"]["attributes"]["hidden"]


def test_update_image_low_code_hidden_false_only(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/images/{id}", "patch", id="7")
    mocked.patch(f"{BASE}/api/images/7", json=reply, status=status)

    assert UPDATE_IMAGE.run(client, {"imageId": "7", "imageName": " ", "imageHidden": "false"}) == reply
    assert json.loads(mocked.calls[0].request.body or "") == {
        "data": {"type": "image", "id": "7", "attributes": {"hidden": False}}
    }
    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/images/7",
        body={"data": {"type": "image", "id": "7", "attributes": {"hidden": False}}},
    )


def test_update_image_null_clears_the_name_and_only_given_attributes_are_sent(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """JSON null is sent as null (the spec marks update_image's name nullable); an empty input is left out."""
    status, reply = spec_reply("/api/images/{id}", "patch", id="7")
    mocked.patch(f"{BASE}/api/images/7", json=reply, status=status)

    UPDATE_IMAGE.run(client, {"imageId": "7", "imageName": None, "imageHidden": ""})

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/images/7",
        body={"data": {"type": "image", "id": "7", "attributes": {"name": None}}},
    )


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"imageId": "7"}, None, "nothing to update: give Image Name, Image Hidden or both"),
        ({"imageId": "7", "imageHidden": "sometimes"}, "Image Hidden", "must be true or false"),
        ({"imageHidden": "true"}, "Image ID", "is required"),
    ],
)
def test_update_image_input_errors(client: KlaviyoClient, raw: dict[str, Any], label: str | None, problem: str) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        UPDATE_IMAGE.run(client, raw)
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert len(nothing_sent.calls) == 0


def test_update_image_is_retried_after_server_error_because_marked_safe(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    status, reply = spec_reply("/api/images/{id}", "patch", id="7")
    mocked.patch(f"{BASE}/api/images/7", status=503, json={"errors": []})
    mocked.patch(f"{BASE}/api/images/7", json=reply, status=status)

    UPDATE_IMAGE.run(client, {"imageId": "7", "imageHidden": "true"})

    assert len(mocked.calls) == 2
    assert clock.sleeps == [0.5]


def test_images_have_no_delete_because_klaviyo_has_none() -> None:
    from spec_support import raw_spec

    assert "delete" not in raw_spec()["paths"]["/api/images/{id}"]
    assert not hasattr(Images, "delete")
