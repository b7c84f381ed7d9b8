"""Checks requests and responses against Klaviyo's official OpenAPI spec (revision 2026-07-15).

The spec is the copy vendored in the repository (``connector/spec/stable.json``), so every check runs in a
plain clone; there is no skip for a missing file.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = REPO_ROOT / "connector" / "spec" / "stable.json"
CATALOG_PATH = REPO_ROOT / "connector" / "spec" / "prismatic-klaviyo.json"


@functools.cache
def raw_spec() -> dict[str, Any]:
    """The vendored spec as a dict."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@functools.cache
def catalog() -> dict[str, Any]:
    """Prismatic's catalog (vendored), as a dict."""
    data: dict[str, Any] = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return data


@functools.cache
def openapi() -> Any:
    """openapi-core's validator; the published spec fails openapi-core's own spec check, so that is off."""
    from openapi_core import Config, OpenAPI

    return OpenAPI.from_dict(raw_spec(), config=Config(spec_validator_cls=None))


def relax_one_of(node: Any) -> Any:
    """A copy of a schema tree with every ``oneOf`` read as ``anyOf``.

    The 2026-07-15 spec declares ``send_options`` as oneOf three identical schemas and
    ``tracking_options`` as oneOf two overlapping ones, so no value can match exactly one branch: a
    strict check rejects every document that carries them. Everything else is still checked.
    """
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): relax_one_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [relax_one_of(v) for v in node]
    return node


@functools.cache
def relaxed_openapi() -> Any:
    """Like :func:`openapi`, on the spec with ``oneOf`` read as ``anyOf`` (see :func:`relax_one_of`)."""
    from openapi_core import Config, OpenAPI

    return OpenAPI.from_dict(relax_one_of(raw_spec()), config=Config(spec_validator_cls=None))


def check_request(prepared: Any) -> None:
    """Validate a ``requests.PreparedRequest`` (path, query, headers, body) against the spec."""
    from openapi_core.contrib.requests import RequestsOpenAPIRequest

    openapi().validate_request(RequestsOpenAPIRequest(prepared))


def check_response(prepared: Any, response: Any) -> None:
    """Validate a ``requests.Response`` against the spec's schema for that operation and status."""
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    openapi().validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(response))


def operation(path: str, method: str) -> dict[str, Any]:
    """The spec's operation object for ``method path``."""
    op: dict[str, Any] = raw_spec()["paths"][path][method.lower()]
    return op


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` chains to the schema they name."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = raw_spec()["components"]["schemas"][name]
    return schema


def sample(schema: dict[str, Any], depth: int = 0) -> Any:
    """A value shaped like ``schema``: every property, from the spec's own examples where it has them.

    Tests parse these as "responses shaped like the spec's schema" and also check them against the
    spec, so a wrong sample fails loudly instead of passing quietly.
    """
    schema = resolve(schema)
    if depth > 12:
        return None
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return sample(schema[key][0], depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = sample(part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    if "enum" in schema:
        return schema["enum"][0]
    if "example" in schema and schema.get("type") != "object":
        return schema["example"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: sample(prop, depth + 1) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        return [sample(schema.get("items", {}), depth + 1)]
    if kind == "string":
        return {"date-time": "2026-07-15T12:00:00+00:00", "date": "2026-07-15", "uri": "https://example.com/x"}.get(
            schema.get("format", ""), "text"
        )
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return {}


def success_sample(path: str, method: str) -> tuple[int, Any]:
    """``(status, body)`` of the operation's success response, built from its schema (None when empty)."""
    responses = operation(path, method)["responses"]
    status = next(code for code in responses if code.startswith("2"))
    content = responses[status].get("content") or {}
    media = content.get("application/vnd.api+json") or next(iter(content.values()), None)
    body = sample(media["schema"]) if media and "schema" in media else None
    return int(status), body
