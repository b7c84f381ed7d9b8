"""The manifest is derived from the definitions and matches Prismatic's catalog exactly where the catalog speaks."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

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
        assert list(schema["properties"]) == declared


def test_input_schema_accepts_what_the_clean_step_accepts(manifest: dict[str, Any]) -> None:
    import jsonschema

    schema = next(a for a in manifest["actions"] if a["key"] == "listLists")["inputSchema"]
    jsonschema.validate({"fields": "name,created", "pageSize": "5"}, schema)
    jsonschema.validate({"fields": ["name"]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"unknown": 1}, schema)


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
