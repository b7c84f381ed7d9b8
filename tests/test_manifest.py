"""The manifest is derived from the definitions and matches Prismatic's catalog exactly where the catalog speaks."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import API_KEY

from connector.client.errors import InputError
from connector.framework.inputs import InputSpec, InputType, clean_inputs
from connector.framework.manifest import build_manifest
from connector.shell.component import COMPONENT


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return build_manifest(COMPONENT)


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    from spec_support import catalog as vendored_catalog

    return vendored_catalog()


def test_top_level_shape(manifest: dict[str, Any]) -> None:
    assert list(manifest) == [
        "key",
        "label",
        "description",
        "version",
        "revision",
        "connections",
        "actions",
        "dataSources",
    ]
    assert manifest["revision"] == "2026-07-15"


def test_every_input_has_the_documented_fields(manifest: dict[str, Any]) -> None:
    fields = ["key", "label", "type", "required", "default", "comments", "collection", "choices"]
    for entry in manifest["actions"] + manifest["connections"] + manifest["dataSources"]:
        for item in entry["inputs"]:
            assert list(item)[:8] == fields, entry["key"]
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", item["key"]), item["key"]


def test_action_keys_are_camel_case_and_schema_is_2020_12(manifest: dict[str, Any]) -> None:
    import jsonschema

    for action in manifest["actions"]:
        assert re.fullmatch(r"[a-z][A-Za-z0-9]*", action["key"])
        schema = action["inputSchema"]
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)
        declared = [i["key"] for i in action["inputs"] if i["type"] != "connection"]
        assert list(schema["properties"]) == ["connection", *declared]


def test_input_schema_accepts_what_the_clean_step_accepts(manifest: dict[str, Any]) -> None:
    import jsonschema

    schema = next(a for a in manifest["actions"] if a["key"] == "listLists")["inputSchema"]
    jsonschema.validate({"fields": "name,created", "pageSize": "5"}, schema)
    jsonschema.validate({"fields": ["name"]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"unknown": 1}, schema)


# -- the schema is the truth: it accepts what run accepts and requires what run requires ----------------------

_GIF = base64.b64decode("R0lGODlhAQABAAAAACw=")


def _candidates(spec: InputSpec, gif: Path) -> list[Any]:
    """Values a builder might send for one input: typed JSON and the strings a low-code platform sends."""
    values: list[Any] = [None, "", "  ", "x", "Y6nRLr", 0, 1, 5, "5", " 7 ", "-3", 2.5, "2.5", " 1e3 ", "1_000"]
    values += [True, False, "true", "Yes", " off ", "N", "y", 2, 1.0, "2026-08-01T10:00:00Z", "2026-08-01"]
    values += ['{"a": 1}', {"a": 1}, [1], ["name"], "name,created", '["name"]', "json", " Text ", "code", " get "]
    values += ["email", "ada@example.com", "+15005550006", "USD", "https://example.com/a.png", "/api/lists"]
    values += [[{"key": "a", "value": "1"}], [["a", "1"]], "a=1", {"data": "aGk="}, f"@{gif}", {"data": f"@{gif}"}]
    values += [spec.example, spec.default, *(spec.choices or ()), *(str(c).upper() for c in spec.choices or ())]
    return values


def _accepted(spec: InputSpec, value: Any) -> bool:
    try:
        spec.clean_value(value, explicit_null=value is None)
    except InputError:
        return False
    return True


def _definitions() -> list[Any]:
    return [*COMPONENT.actions(), *COMPONENT.data_sources()]


@pytest.fixture(scope="module")
def gif(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "dot.gif"
    path.write_bytes(_GIF)
    return path


def test_every_value_run_accepts_is_valid_for_the_input_schema(manifest: dict[str, Any], gif: Path) -> None:
    """For every input of every action and data source, each candidate value the clean step accepts validates
    against that input's schema (numbers as numbers or numeric text, booleans as booleans, 0/1 or words...)."""
    import jsonschema

    schemas = {d["key"]: d["inputSchema"] for d in manifest["actions"] + manifest["dataSources"]}
    refused: list[str] = []
    checked: dict[str | None, set[str]] = {}
    for definition in _definitions():
        properties = schemas[definition.key]["properties"]
        for spec in definition.input_specs():
            if spec.type is InputType.CONNECTION:
                continue
            validator = jsonschema.Draft202012Validator(properties[spec.key])
            for value in _candidates(spec, gif):
                if _accepted(spec, value):
                    checked.setdefault(spec.value_type, set()).add(repr(value))
                    if not validator.is_valid(value):
                        refused.append(f"{definition.key}.{spec.key} = {value!r}")
    assert refused == []
    # Numbers and booleans were exercised in every form the clean step reads.
    assert {"5", "' 7 '", "2.5"} <= checked["integer"] | checked["number"] and "'2.5'" in checked["number"]
    assert {"True", "'Yes'", "' off '", "1", "None", "''"} <= checked["boolean"]


def test_numeric_inputs_are_typed_as_numbers_in_the_schema(manifest: dict[str, Any]) -> None:
    import jsonschema

    listed = {
        ("listLists", "maxRecords"): "integer",
        ("listLists", "pageSize"): "integer",
        ("createEvent", "eventValue"): "number",
        ("rawRequest", "maxRetryCount"): "integer",
        ("rawRequest", "timeout"): "number",
        ("rawRequest", "useExponentialBackoff"): "boolean",
    }
    schemas = {a["key"]: a["inputSchema"]["properties"] for a in manifest["actions"]}
    for (action, key), kind in listed.items():
        # optional: the typed value (with its bounds), blank text or null
        typed = schemas[action][key]["anyOf"][0]
        assert {"type": kind} in typed.get("anyOf", [typed]), (action, key)
    timeout = schemas["rawRequest"]["timeout"]
    assert timeout["examples"] == [30000]
    jsonschema.validate(timeout["examples"][0], timeout)  # its own example validates
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("thirty seconds", timeout)


def _minimal_sample(definition: Any, gif: Path) -> dict[str, Any] | None:
    """Values for the inputs a run cannot do without, chosen among the candidates the clean step accepts."""
    sample: dict[str, Any] = {}
    for spec in definition.input_specs():
        if spec.type is InputType.CONNECTION or not spec.must_be_given:
            continue
        value = next((v for v in _candidates(spec, gif) if v is not None and _accepted(spec, v)), None)
        if value is None:
            return None
        sample[spec.key] = value
    return sample


def test_the_schema_requires_exactly_what_run_requires(manifest: dict[str, Any], gif: Path) -> None:
    """``required`` lists the inputs a run fails without: with only those, the inputs clean; without any one of
    them, cleaning fails on that input."""
    import jsonschema

    schemas = {d["key"]: d["inputSchema"] for d in manifest["actions"] + manifest["dataSources"]}
    lists = {d["key"]: d["inputs"] for d in manifest["actions"] + manifest["dataSources"]}
    checked = 0
    for definition in _definitions():
        schema = schemas[definition.key]
        declared = [s for s in definition.input_specs() if s.type is not InputType.CONNECTION]
        required = [s.key for s in declared if s.must_be_given]
        assert schema["required"] == required, definition.key
        # The inputs list marks these required too; only a default that a run applies makes a difference.
        marked = {i["key"] for i in lists[definition.key] if i["required"] and i["type"] != "connection"}
        with_default = {i["key"] for i in lists[definition.key] if i["default"] not in (None, "")}
        assert set(required) <= marked and marked - set(required) <= with_default, definition.key
        sample = _minimal_sample(definition, gif)
        if sample is None:
            continue
        try:
            definition.inputs and clean_inputs(definition.inputs, sample)
        except InputError:
            continue  # a rule across inputs (one of two...) that the minimal sample does not meet
        checked += 1
        jsonschema.validate(sample, schema)
        connection = {"key": "apiKey", "fields": {"apiKey": API_KEY}}
        jsonschema.validate({**sample, "connection": connection}, schema)
        for key in required:
            with pytest.raises(InputError):
                clean_inputs(definition.inputs, {k: v for k, v in sample.items() if k != key})
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate({k: v for k, v in sample.items() if k != key}, schema)
    assert checked >= 0.9 * len(_definitions())


def test_a_written_input_is_required_even_with_a_default(manifest: dict[str, Any]) -> None:
    """Create List's List Name has the catalog default "Newsletter" as a pre-fill, but a default is never
    written to Klaviyo at run time, so the schema requires it (Order Completed's event name is not written:
    its default applies)."""
    create = next(a for a in manifest["actions"] if a["key"] == "createList")["inputSchema"]
    assert "listName" in create["required"] and create["properties"]["listName"]["default"] == "Newsletter"
    order = next(a for a in manifest["actions"] if a["key"] == "orderCompleted")["inputSchema"]
    assert "eventName" not in order["required"]


def test_the_connection_property_takes_prismatics_connection_value(manifest: dict[str, Any]) -> None:
    import jsonschema

    schema = next(a for a in manifest["actions"] if a["key"] == "createList")["inputSchema"]
    assert "connection" not in schema["required"]
    oauth = {
        "key": "oauth2",
        "fields": {"clientId": "cid", "clientSecret": "shh", "scopes": "lists:write"},
        "token": {"access_token": "at", "refresh_token": "rt", "expires_at": 1893456000},
    }
    for connection in ({"key": "apiKey", "fields": {"apiKey": API_KEY}}, oauth, json.dumps(oauth), None):
        jsonschema.validate({"connection": connection, "listName": "VIP"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"connection": {"key": "apiKey", "fields": {}}, "listName": "VIP"}, schema)


def _catalog_by_label(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["label"]: item for item in items}


def test_labels_descriptions_comments_and_defaults_match_the_catalog(
    manifest: dict[str, Any], catalog: dict[str, Any]
) -> None:
    ours = _catalog_by_label(manifest["actions"])
    for expected in catalog["actions"]:
        action = ours.get(expected["label"])
        if action is None:
            continue  # completeness is asserted separately
        assert action["description"] == expected["description"], expected["label"]
        inputs = _catalog_by_label(action["inputs"])
        for catalog_input in expected["inputs"]:
            got = inputs.get(catalog_input["label"])
            assert got is not None, f"{expected['label']}: missing input {catalog_input['label']!r}"
            assert got["comments"] == catalog_input["comments"], (expected["label"], catalog_input["label"])
            assert (got["default"] or "") == catalog_input["default"], (expected["label"], catalog_input["label"])
        # catalog order first, extras after
        labels = [i["label"] for i in action["inputs"]]
        assert labels[: len(expected["inputs"])] == [i["label"] for i in expected["inputs"]], expected["label"]

    for expected in catalog["connections"]:
        conn = _catalog_by_label(manifest["connections"])[expected["label"]]
        assert conn["description"] == expected["description"]
        assert [(i["label"], i["comments"]) for i in conn["inputs"]] == [
            (i["label"], i["comments"]) for i in expected["inputs"]
        ]


def test_manifest_never_contains_secrets(manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest)
    assert not re.search(r"pk_[A-Za-z0-9]{20,}", text)
    for conn in manifest["connections"]:
        for item in conn["inputs"]:
            if item["type"] == "password":
                assert item["default"] is None


def test_every_catalog_action_ships(manifest: dict[str, Any], catalog: dict[str, Any]) -> None:
    ours = {a["label"] for a in manifest["actions"]}
    missing = [a["label"] for a in catalog["actions"] if a["label"] not in ours]
    assert missing == []
    assert len(catalog["actions"]) == 38


def test_data_sources_of_the_catalog_issue(manifest: dict[str, Any]) -> None:
    keys = {d["key"] for d in manifest["dataSources"]}
    expected = {"selectAccount", "selectCampaign", "selectList", "selectMetric", "selectProfile"}
    assert expected | {"selectSegment", "selectTemplate"} <= keys
