"""Templates through the CLI: create/get/list/update/delete CODE templates, checked in the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from connector.sandbox import Sandbox

from .conftest import Cli, ok, seed

pytestmark = pytest.mark.e2e

HTML = "<html><body><p>Hello {{ first_name|default:'there' }}</p></body></html>"


def _stored(sb: Sandbox, template_id: str) -> dict[str, Any] | None:
    return next((t for t in sb.state.templates() if t["id"] == template_id), None)


def test_template_lifecycle(cli: Cli, sb: Sandbox) -> None:
    created = ok(
        cli(
            "createTemplate",
            {"templateName": "E2E Monthly", "editorType": "code", "templateHtml": HTML, "templateText": "Hello"},
        )
    )
    template_id = created["data"]["id"]
    stored = _stored(sb, template_id)
    assert stored is not None
    assert (stored["name"], stored["editor_type"], stored["html"], stored["text"]) == (
        "E2E Monthly",
        "CODE",
        HTML,
        "Hello",
    )

    got = ok(cli("getTemplate", {"templateId": template_id}))
    assert got["data"]["attributes"]["html"] == HTML
    assert got["data"]["attributes"]["editor_type"] == "CODE"
    sparse = ok(
        cli("getTemplate", {"templateId": template_id, "fields": "name,editor_type", "includeDefinition": True})
    )
    assert sparse["data"]["attributes"] == {"name": "E2E Monthly", "editor_type": "CODE"}

    new_html = "<html><body><h1>Renewed</h1></body></html>"
    updated = ok(
        cli("updateTemplate", {"templateId": template_id, "templateName": "E2E Quarterly", "templateHtml": new_html})
    )
    assert updated["data"]["attributes"]["name"] == "E2E Quarterly"
    stored = _stored(sb, template_id)
    assert stored is not None
    assert (stored["name"], stored["html"], stored["text"]) == ("E2E Quarterly", new_html, "Hello")  # text kept
    ok(cli("updateTemplate", {"templateId": template_id, "templateText": "Plain again"}))
    stored = _stored(sb, template_id)
    assert stored is not None
    assert (stored["name"], stored["text"]) == ("E2E Quarterly", "Plain again")
    ok(cli("updateTemplate", {"templateId": template_id, "templateText": None}))  # JSON null clears the text
    stored = _stored(sb, template_id)
    assert stored is not None
    assert (stored["name"], stored["html"], stored["text"]) == ("E2E Quarterly", new_html, None)

    assert ok(cli("deleteTemplate", {"templateId": template_id})) == {"data": None}
    assert _stored(sb, template_id) is None
    gone = cli("getTemplate", {"templateId": template_id})
    assert gone.code == 4
    assert gone.err["error"]["status"] == 404


def test_list_templates(cli: Cli, sb: Sandbox) -> None:
    ok(cli("createTemplate", {"templateName": "E2E Tpl 00", "templateHtml": "<p>0</p>"}))
    for i in range(1, 12):  # more than one page
        seed(
            sb, "template", "/api/templates", {"name": f"E2E Tpl {i:02d}", "editor_type": "CODE", "html": f"<p>{i}</p>"}
        )
    r_listed, r_found, r_limited = cli.many(
        [
            ("listTemplates", {"sort": "name", "fields": ["name"]}),
            ("listTemplates", {"filter": 'equals(name,"E2E Tpl 03")'}),
            ("listTemplates", {"sort": "-name", "maxRecords": 3, "includeDefinition": False}),
        ]
    )
    listed = ok(r_listed)["data"]
    assert [t["attributes"]["name"] for t in listed] == sorted(t["name"] for t in sb.state.templates())
    assert {t["id"] for t in listed} == {t["id"] for t in sb.state.templates()}

    found = ok(r_found)["data"]
    assert len(found) == 1
    assert found[0]["attributes"]["html"] == "<p>3</p>"

    limited = ok(r_limited)["data"]
    assert [t["attributes"]["name"] for t in limited] == sorted(
        (t["name"] for t in sb.state.templates()), reverse=True
    )[:3]


def test_template_input_errors_send_nothing(cli: Cli, sb: Sandbox, http_log: list[tuple[str, str]]) -> None:
    before = sb.state.templates()
    sent = len(http_log)
    cases: tuple[Any, ...] = (
        ("createTemplate", {"templateName": "Drag", "editorType": "SYSTEM_DRAGGABLE", "templateHtml": HTML}),
        ("createTemplate", {"templateName": "No HTML"}),
        ("createTemplate", {"templateName": "Blank HTML", "templateHtml": "  "}),
        ("updateTemplate", {"templateId": "Abc123"}),  # nothing to update
        ("deleteTemplate", {"templateId": ""}),
    )
    for case, result in zip(cases, cli.many(cases), strict=True):
        assert result.code == 2, (case, result)
        assert result.err["error"]["type"] == "InputError"
    assert len(http_log) == sent
    assert sb.state.templates() == before

    missing = cli("updateTemplate", {"templateId": "NoTpl1", "templateName": "Ghost"})
    assert missing.code == 4
    assert missing.err["error"]["status"] == 404
    assert sb.state.templates() == before
