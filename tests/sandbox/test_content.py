"""Segments, templates, campaigns and images."""

from __future__ import annotations

import base64
from typing import Any

import requests

from connector.sandbox import Sandbox

from .conftest import Api, make_list, make_profile
from .spec import check

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def segment_body(name: str, list_id: str) -> dict[str, Any]:
    return {"data": {"type": "segment", "attributes": {"name": name, "definition": {"condition_groups": [
        {"conditions": [{"type": "profile-group-membership", "is_member": True, "group_ids": [list_id]}]}]}}}}


def test_segment_crud_and_profile_count(api: Api, sandbox: Sandbox) -> None:
    list_id = make_list(api)
    pid = make_profile(api, email="seg@example.com")
    api.post(f"/api/lists/{list_id}/relationships/profiles", json={"data": [{"type": "profile", "id": pid}]})
    resp = api.post("/api/segments", json=segment_body("Members", list_id))
    assert resp.status_code == 201
    seg = resp.json()["data"]
    assert seg["attributes"]["is_active"] is True
    assert sandbox.state.segments()[0]["definition"]["condition_groups"][0]["conditions"][0]["group_ids"] == [list_id]
    got = api.get(f"/api/segments/{seg['id']}", params={"additional-fields[segment]": "profile_count"}).json()
    assert got["data"]["attributes"]["profile_count"] == 1
    body = {"data": {"type": "segment", "id": seg["id"], "attributes": {"is_starred": True, "name": "Stars"}}}
    assert api.patch(f"/api/segments/{seg['id']}", json=body).json()["data"]["attributes"]["is_starred"] is True
    listed = api.get("/api/segments", params={"filter": "equals(is_starred,true)"}).json()["data"]
    assert [s["id"] for s in listed] == [seg["id"]]
    assert api.delete(f"/api/segments/{seg['id']}").status_code == 204


def test_segment_is_active_false_must_be_alone(api: Api) -> None:
    seg = api.post("/api/segments", json=segment_body("S", make_list(api))).json()["data"]
    body = {"data": {"type": "segment", "id": seg["id"], "attributes": {"is_active": False, "name": "x"}}}
    resp = api.patch(f"/api/segments/{seg['id']}", json=body)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes/is_active"}
    body["data"]["attributes"] = {"is_active": False}
    assert api.patch(f"/api/segments/{seg['id']}", json=body).json()["data"]["attributes"]["is_active"] is False


def test_segment_requires_definition(api: Api) -> None:
    resp = api.post("/api/segments", json={"data": {"type": "segment", "attributes": {"name": "x"}}},
                    validate_request=False)
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes/definition"}


def template_body(**attrs: Any) -> dict[str, Any]:
    return {"data": {"type": "template", "attributes": attrs}}


def test_template_crud(api: Api) -> None:
    resp = api.post("/api/templates", json=template_body(name="Monthly", editor_type="CODE",
                                                          html="<html>hi</html>", text="hi"))
    assert resp.status_code == 201
    tid = resp.json()["data"]["id"]
    body = {"data": {"type": "template", "id": tid, "attributes": {"html": "<html>bye</html>"}}}
    assert api.patch(f"/api/templates/{tid}", json=body).json()["data"]["attributes"]["html"] == "<html>bye</html>"
    found = api.get("/api/templates", params={"filter": "contains(name,'Month')"}).json()["data"]
    assert [t["id"] for t in found] == [tid]
    assert api.delete(f"/api/templates/{tid}").status_code == 204
    assert api.get(f"/api/templates/{tid}").status_code == 404


def test_template_editor_type_rules(api: Api) -> None:
    for attrs, pointer in (
        ({"name": "x", "editor_type": "CODE"}, "/data/attributes/html"),
        ({"name": "x", "editor_type": "FANCY", "html": "<p/>"}, "/data/attributes/editor_type"),
        ({"name": "x", "editor_type": "SYSTEM_DRAGGABLE", "html": "<p/>"}, "/data/attributes/html"),
        ({"name": "x", "editor_type": "SYSTEM_DRAGGABLE"}, "/data/attributes/definition"),
    ):
        resp = api.post("/api/templates", json=template_body(**attrs))
        assert resp.status_code == 400, attrs
        assert resp.json()["errors"][0]["source"] == {"pointer": pointer}
    tid = api.post("/api/templates", json=template_body(name="x", editor_type="CODE", html="<p/>")).json()["data"]["id"]
    body = {"data": {"type": "template", "id": tid, "attributes": {"editor_type": "USER_DRAGGABLE"}}}
    assert api.patch(f"/api/templates/{tid}", json=body, validate_request=False).status_code == 400


def campaign_body(list_id: str, channel: str = "email") -> dict[str, Any]:
    definition: dict[str, Any] = {"channel": channel}
    if channel == "email":
        definition["content"] = {"subject": "Hello", "from_email": "shop@example.com", "from_label": "Shop"}
    else:
        definition["content"] = {"body": "Hi!"}
    return {"data": {"type": "campaign", "attributes": {
        "name": f"Spring {channel}", "audiences": {"included": [list_id], "excluded": []},
        "send_strategy": {"method": "static", "datetime": "2030-08-01T10:00:00+00:00"},
        "campaign-messages": {"data": [{"type": "campaign-message", "attributes": {"definition": definition}}]},
    }}}


def test_campaign_crud_and_required_channel_filter(api: Api) -> None:
    list_id = make_list(api)
    resp = api.post("/api/campaigns", json=campaign_body(list_id))
    assert resp.status_code == 201
    camp = resp.json()["data"]
    assert camp["attributes"]["status"] == "Draft"
    assert len(camp["relationships"]["campaign-messages"]["data"]) == 1
    api.post("/api/campaigns", json=campaign_body(list_id, "sms"))
    missing = api.get("/api/campaigns", validate_request=False)
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["source"] == {"parameter": "filter"}
    emails = api.get("/api/campaigns", params={"filter": "equals(messages.channel,'email')",
                                               "include": "campaign-messages"}).json()
    assert [c["id"] for c in emails["data"]] == [camp["id"]]
    assert emails["included"][0]["attributes"]["definition"]["content"]["subject"] == "Hello"
    body = {"data": {"type": "campaign", "id": camp["id"], "attributes": {"name": "Renamed"}}}
    assert api.patch(f"/api/campaigns/{camp['id']}", json=body).json()["data"]["attributes"]["name"] == "Renamed"
    assert api.delete(f"/api/campaigns/{camp['id']}").status_code == 204


def test_campaign_audience_must_exist(api: Api) -> None:
    resp = api.post("/api/campaigns", json=campaign_body("NOPE00"))
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"pointer": "/data/attributes/audiences/included/0"}


def test_images_upload_get_list_update_and_serve(api: Api, sandbox: Sandbox) -> None:
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    body = {"data": {"type": "image", "attributes": {"import_from_url": data_url, "name": "logo"}}}
    first = api.post("/api/images", json=body)
    assert first.status_code == 201
    image = first.json()["data"]
    assert image["attributes"]["format"] == "png" and image["attributes"]["size"] == len(PNG)
    assert requests.get(image["attributes"]["image_url"], timeout=5).content == PNG
    second = api.post("/api/images", json=body).json()["data"]
    assert second["attributes"]["name"] == "logo-1"  # duplicate names get a suffix
    upload = api.post("/api/image-upload", files={"file": ("pic.png", PNG, "image/png")},
                      data={"name": "from-file"}, validate_request=False)
    check(upload, request=False)  # openapi-core cannot decode multipart bodies in request validation
    assert upload.status_code == 201 and upload.json()["data"]["attributes"]["name"] == "from-file"
    body = {"data": {"type": "image", "id": image["id"], "attributes": {"hidden": True}}}
    assert api.patch(f"/api/images/{image['id']}", json=body).json()["data"]["attributes"]["hidden"] is True
    hidden = api.get("/api/images", params={"filter": "equals(hidden,true)"}).json()["data"]
    assert [i["id"] for i in hidden] == [image["id"]]
    assert len(sandbox.state.images()) == 3


def test_image_upload_rejects_non_images(api: Api) -> None:
    resp = api.call("POST", "/api/image-upload", files={"file": ("x.txt", b"hello", "text/plain")}, validate=False)
    assert resp.status_code == 400
    body = {"data": {"type": "image", "attributes": {"import_from_url": "ftp://example.com/x.bmp"}}}
    assert api.post("/api/images", json=body).status_code == 400
