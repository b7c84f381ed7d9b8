"""The manifest: the component described as JSON for builder UIs, derived from the definitions.

Example:
    >>> from connector.framework.inputs import InputSpec, InputType
    >>> input_json_schema(InputSpec(key="flag", label="Flag", type=InputType.BOOLEAN))["anyOf"][0]
    {'type': 'boolean'}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connector.framework.component import Component
from connector.framework.inputs import Collection, InputSpec, InputType
from connector.version import API_REVISION, __version__

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_BOOL_STRINGS = ["true", "false", "yes", "no", "1", "0", "on", "off"]


def input_json(spec: InputSpec) -> dict[str, Any]:
    """One input as the manifest lists it.

    Example:
        >>> input_json(InputSpec(key="listName", label="List Name", default="Newsletter"))["default"]
        'Newsletter'
    """
    return {
        "key": spec.key,
        "label": spec.label,
        "type": spec.type.value,
        "required": spec.required,
        "default": None if spec.secret else spec.default,
        "comments": spec.comments,
        "collection": spec.collection.value if spec.collection else None,
        "choices": list(spec.choices) if spec.choices is not None else None,
        **({"example": spec.example} if spec.example is not None else {}),
    }


def _scalar_schema(spec: InputSpec) -> dict[str, Any]:
    if spec.choices is not None:
        return {"type": "string", "enum": list(spec.choices)}
    kind = spec.type
    if kind is InputType.BOOLEAN:
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": _BOOL_STRINGS}]}
    if kind is InputType.JSON:
        # Typed JSON is accepted as it is, or as a JSON string a low-code platform sends.
        return {"type": ["object", "array", "string", "number", "boolean"]}
    if kind is InputType.TIMESTAMP:
        return {"type": "string", "format": "date-time"}
    if kind is InputType.DATE:
        return {"type": "string", "format": "date"}
    if kind is InputType.DATA:
        return {"type": ["string", "object"]}
    return {"type": "string"}


def input_json_schema(spec: InputSpec) -> dict[str, Any]:
    """The JSON Schema of the values one input accepts on the wire."""
    item = {**_scalar_schema(spec), **dict(spec.schema)}
    if spec.collection is Collection.VALUE_LIST:
        schema: dict[str, Any] = {"anyOf": [{"type": "array", "items": item}, {"type": "string"}]}
    elif spec.collection is Collection.KEY_VALUE_LIST:
        pair = {
            "type": "object",
            "properties": {"key": {"type": "string"}, "value": item},
            "required": ["key"],
        }
        schema = {"anyOf": [{"type": "array", "items": pair}, {"type": "object"}, {"type": "string"}]}
    else:
        schema = item
    schema = {"title": spec.label, **schema}
    if spec.comments:
        schema["description"] = spec.comments
    if spec.default not in (None, "") and not spec.secret:
        schema["default"] = spec.default
    if spec.example is not None:
        schema["examples"] = [spec.example]
    return schema


def inputs_json_schema(specs: Sequence[InputSpec]) -> dict[str, Any]:
    """JSON Schema 2020-12 of an action's input object (the connection is supplied separately)."""
    declared = [s for s in specs if s.type is not InputType.CONNECTION]
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "type": "object",
        "properties": {s.key: input_json_schema(s) for s in declared},
        "required": [s.key for s in declared if s.required and s.default in (None, "")],
        "additionalProperties": False,
    }


def build_manifest(component: Component) -> dict[str, Any]:
    """The whole manifest: component, connections, actions and data sources.

    Example:
        >>> from connector.shell.component import COMPONENT
        >>> sorted(build_manifest(COMPONENT))[:3]
        ['actions', 'connections', 'dataSources']
    """
    return {
        "key": component.key,
        "label": component.label,
        "description": component.description,
        "version": __version__,
        "revision": API_REVISION,
        "connections": [
            {
                "key": c.key,
                "label": c.label,
                "description": c.description,
                "inputs": [input_json(s) for s in c.inputs],
            }
            for c in component.connections()
        ],
        "actions": [
            {
                "key": a.key,
                "label": a.label,
                "description": a.description,
                "operationIds": list(a.operation_ids),
                "docsUrl": a.docs_url,
                "inputs": [input_json(s) for s in a.input_specs()],
                "inputSchema": inputs_json_schema(a.input_specs()),
            }
            for a in component.actions()
        ],
        "dataSources": [
            {
                "key": d.key,
                "label": d.label,
                "description": d.description,
                "operationIds": list(d.operation_ids),
                "inputs": [input_json(s) for s in d.input_specs()],
                "inputSchema": inputs_json_schema(d.input_specs()),
            }
            for d in component.data_sources()
        ],
    }
