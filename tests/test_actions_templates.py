"""Templates actions: exact requests (checked against the spec), parsed responses, input errors."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from conftest import BASE, assert_request, spec_reply

from actions.templates import (
    CREATE_TEMPLATE,
    DELETE_TEMPLATE,
    GET_TEMPLATE,
    LIST_TEMPLATES,
    SELECT_TEMPLATE,
    UPDATE_TEMPLATE,
    Templates,
)
from connector.client.errors import InputError, ServerError
from connector.client.pipeline import KlaviyoClient

HTML = "<html><body>Hello</body></html>"


def test_create_template_sends_spec_valid_body_and_parses_the_reply(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/templates", "post", id="RipRmi")
    mocked.post(f"{BASE}/api/templates", json=reply, status=status)

    created = Templates(client).create("Monthly", html=HTML, text="Hello")

    assert_request(
        mocked.calls[0],
        "POST",
        "/api/templates",
        body={
            "data": {
                "type": "template",
                "attributes": {"name": "Monthly", "editor_type": "CODE", "html": HTML, "text": "Hello"},
            }
        },
    )
    attributes = reply["data"]["attributes"]
    assert created.id == "RipRmi"
    assert created.attributes.name == attributes["name"]
    assert created.attributes.editor_type == attributes["editor_type"]
    assert created.attributes.html == attributes["html"]
    assert created.attributes.updated is not None
    assert created.attributes.updated.isoformat() == attributes["updated"]
    assert created.raw == reply["data"]


@pytest.mark.parametrize("editor_type", ["", "CODE", " code "])
def test_create_template_low_code_editor_type_is_code_when_empty_or_code(
    client: KlaviyoClient, mocked: responses.RequestsMock, editor_type: str
) -> None:
    status, reply = spec_reply("/api/templates", "post")
    mocked.post(f"{BASE}/api/templates", json=reply, status=status)

    out = CREATE_TEMPLATE.run(
        client, {"templateName": "Monthly", "editorType": editor_type, "templateHtml": HTML, "templateText": ""}
    )

    assert out == reply
    assert_request(
        mocked.calls[0],
        "POST",
        "/api/templates",
        body={"data": {"type": "template", "attributes": {"name": "Monthly", "editor_type": "CODE", "html": HTML}}},
    )


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"templateHtml": HTML}, "Template Name", "is required"),
        ({"templateName": "Monthly"}, "Template HTML", "is required"),
        ({"templateName": "Monthly", "templateHtml": "   "}, "Template HTML", "is required"),
        (
            {"templateName": "Monthly", "templateHtml": HTML, "editorType": "SYSTEM_DRAGGABLE"},
            "Editor Type",
            "restricted to CODE (custom HTML) templates, so SYSTEM_DRAGGABLE is not supported",
        ),
        (
            {"templateName": "Monthly", "templateHtml": HTML, "editorType": "user_draggable"},
            "Editor Type",
            "USER_DRAGGABLE is not supported",
        ),
        (
            {"templateName": "Monthly", "templateHtml": HTML, "editorType": "HTML"},
            "Editor Type",
            "must be CODE (the catalog restricts this action to custom HTML templates), got 'HTML'",
        ),
        ({"templateName": ["a"], "templateHtml": HTML}, "Template Name", "must be text"),
    ],
)
def test_create_template_input_errors_name_the_input(
    client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str
) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        CREATE_TEMPLATE.run(client, raw)
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"{label}: ")
    assert len(nothing_sent.calls) == 0


def test_create_template_python_refuses_drag_and_drop(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match="Editor Type: must be CODE"):
        Templates(client).create("Monthly", html=HTML, editor_type="USER_DRAGGABLE")
    assert len(nothing_sent.calls) == 0


def test_create_template_is_not_retried_after_a_server_error(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/templates", status=500, json={"errors": []})
    with pytest.raises(ServerError):
        CREATE_TEMPLATE.run(client, {"templateName": "Monthly", "templateHtml": HTML})
    assert len(mocked.calls) == 1


def test_get_template_with_fields_and_definition(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/templates/{id}", "get", id="RipRmi")
    mocked.get(f"{BASE}/api/templates/RipRmi", json=reply, status=status)

    got = Templates(client).get("RipRmi", fields=["name", "html", "definition.body"], definition=True)

    assert_request(
        mocked.calls[0],
        "GET",
        "/api/templates/RipRmi",
        query={"fields[template]": "name,html,definition.body", "additional-fields[template]": "definition"},
    )
    attributes = reply["data"]["attributes"]
    assert got.id == "RipRmi"
    assert got.attributes.name == attributes["name"]
    assert got.attributes.text == attributes["text"]
    assert got.attributes.created is not None


def test_get_template_low_code_plain(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/templates/{id}", "get", id="RipRmi")
    mocked.get(f"{BASE}/api/templates/RipRmi", json=reply, status=status)

    assert GET_TEMPLATE.run(client, {"templateId": "RipRmi", "fields": ""}) == reply
    assert_request(mocked.calls[0], "GET", "/api/templates/RipRmi")


def test_get_template_input_errors(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as nothing_sent:
        with pytest.raises(InputError, match="Template ID: is required"):
            GET_TEMPLATE.run(client, {})
        with pytest.raises(InputError, match="Template ID: must be a Klaviyo ID"):
            GET_TEMPLATE.run(client, {"templateId": "x y"})
        with pytest.raises(InputError, match="Fields: unknown field 'body'"):
            GET_TEMPLATE.run(client, {"templateId": "RipRmi", "fields": '["body"]'})
        assert len(nothing_sent.calls) == 0


def _page(ids: list[str], next_url: str | None) -> dict[str, Any]:
    return {
        "data": [{"type": "template", "id": i, "attributes": {"name": f"template {i}"}} for i in ids],
        "links": {"self": f"{BASE}/api/templates", "next": next_url},
    }


def test_list_templates_follows_every_page(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    second = f"{BASE}/api/templates?page%5Bcursor%5D=abc&page%5Bsize%5D=5&fields%5Btemplate%5D=name"
    mocked.get(f"{BASE}/api/templates", json=_page(["a", "b"], second))
    mocked.get(second, json=_page(["c"], None))

    out = LIST_TEMPLATES.run(
        client, {"fields": "name", "sort": "name", "filter": 'contains(name,"Monthly")', "pageSize": "5"}
    )

    assert [r["id"] for r in out["data"]] == ["a", "b", "c"]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/templates",
        query={"fields[template]": "name", "sort": "name", "filter": 'contains(name,"Monthly")', "page[size]": "5"},
    )
    assert_request(
        mocked.calls[1],
        "GET",
        "/api/templates",
        query={"fields[template]": "name", "page[cursor]": "abc", "page[size]": "5"},
    )


def test_list_templates_python_streams_spec_shaped_models(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/templates", "get")
    reply["links"]["next"] = None
    mocked.get(f"{BASE}/api/templates", json=reply, status=status)

    stream = Templates(client).list(sort="-updated")
    assert len(mocked.calls) == 0  # nothing fetched until iterated
    (template,) = stream

    assert template.attributes.name == reply["data"][0]["attributes"]["name"]
    assert template.attributes.editor_type == reply["data"][0]["attributes"]["editor_type"]
    assert_request(mocked.calls[0], "GET", "/api/templates", query={"sort": "-updated", "page[size]": "10"})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"pageSize": "20"}, "Page Size: must be at most 10"),
        ({"sort": "editor_type"}, "Sort: must be one of"),
        ({"maxRecords": "-1"}, "Max Records: must be 1 or more"),
    ],
)
def test_list_templates_input_errors(client: KlaviyoClient, raw: dict[str, Any], message: str) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match=message):
        LIST_TEMPLATES.run(client, raw)
    assert len(nothing_sent.calls) == 0


def test_update_template_repeats_id_and_sends_no_editor_type(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/templates/{id}", "patch", id="RipRmi")
    mocked.patch(f"{BASE}/api/templates/RipRmi", json=reply, status=status)

    updated = Templates(client).update("RipRmi", name="Monthly v2", html=HTML)

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/templates/RipRmi",
        body={"data": {"type": "template", "id": "RipRmi", "attributes": {"name": "Monthly v2", "html": HTML}}},
    )
    assert updated.id == "RipRmi"
    assert updated.attributes.html == reply["data"]["attributes"]["html"]


def test_update_template_low_code_text_only(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    status, reply = spec_reply("/api/templates/{id}", "patch", id="RipRmi")
    mocked.patch(f"{BASE}/api/templates/RipRmi", json=reply, status=status)

    assert UPDATE_TEMPLATE.run(client, {"templateId": "RipRmi", "templateText": "Plain", "templateName": ""}) == reply
    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/templates/RipRmi",
        body={"data": {"type": "template", "id": "RipRmi", "attributes": {"text": "Plain"}}},
    )


def test_update_template_changes_only_what_was_given_and_null_clears(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """An empty input is left out (Klaviyo keeps the value); JSON null clears it (the spec marks text nullable)."""
    status, reply = spec_reply("/api/templates/{id}", "patch", id="RipRmi")
    mocked.patch(f"{BASE}/api/templates/RipRmi", json=reply, status=status)

    UPDATE_TEMPLATE.run(
        client, {"templateId": "RipRmi", "templateHtml": HTML, "templateName": "", "templateText": None}
    )

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/templates/RipRmi",
        body={"data": {"type": "template", "id": "RipRmi", "attributes": {"html": HTML, "text": None}}},
    )


def test_update_template_python_clears_text_with_null(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    from connector.framework.inputs import NULL

    status, reply = spec_reply("/api/templates/{id}", "patch", id="RipRmi")
    mocked.patch(f"{BASE}/api/templates/RipRmi", json=reply, status=status)

    Templates(client).update("RipRmi", text=NULL)

    assert_request(
        mocked.calls[0],
        "PATCH",
        "/api/templates/RipRmi",
        body={"data": {"type": "template", "id": "RipRmi", "attributes": {"text": None}}},
    )


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"templateId": "RipRmi"}, None, "nothing to update: give at least one of Template Name, Template HTML"),
        ({"templateName": "x"}, "Template ID", "is required"),
        ({"templateId": "RipRmi", "editorType": "CODE"}, None, "unknown input(s) editorType"),
    ],
)
def test_update_template_input_errors(
    client: KlaviyoClient, raw: dict[str, Any], label: str | None, problem: str
) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        UPDATE_TEMPLATE.run(client, raw)
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert len(nothing_sent.calls) == 0


def test_update_template_is_retried_after_server_error_because_marked_safe(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    status, reply = spec_reply("/api/templates/{id}", "patch", id="RipRmi")
    mocked.patch(f"{BASE}/api/templates/RipRmi", status=503, json={"errors": []})
    mocked.patch(f"{BASE}/api/templates/RipRmi", json=reply, status=status)

    UPDATE_TEMPLATE.run(client, {"templateId": "RipRmi", "templateName": "x"})

    assert len(mocked.calls) == 2
    assert clock.sleeps == [0.5]


def test_delete_template(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.delete(f"{BASE}/api/templates/RipRmi", status=204)
    mocked.delete(f"{BASE}/api/templates/Other1", status=204)

    assert DELETE_TEMPLATE.run(client, {"templateId": "RipRmi"}) == {"data": None}
    assert Templates(client).delete("Other1") is None  # type: ignore[func-returns-value]

    assert_request(mocked.calls[0], "DELETE", "/api/templates/RipRmi")
    assert_request(mocked.calls[1], "DELETE", "/api/templates/Other1")


def test_delete_template_rejects_missing_id(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError, match="Template ID: is required"):
        DELETE_TEMPLATE.run(client, {"templateId": " "})
    assert len(nothing_sent.calls) == 0


def test_select_template_data_source_returns_label_key_pairs(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/templates", json=_page(["a", "b"], None))

    assert SELECT_TEMPLATE.run(client, {}) == {
        "result": [{"label": "template a", "key": "a"}, {"label": "template b", "key": "b"}]
    }
    assert_request(mocked.calls[0], "GET", "/api/templates", query={"fields[template]": "name", "page[size]": "10"})
