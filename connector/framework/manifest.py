"""The manifest: the component described as JSON for builder UIs, derived from the definitions.

Example:
    >>> from connector.framework.inputs import InputSpec, InputType
    >>> input_json_schema(InputSpec(key="flag", label="Flag", type=InputType.BOOLEAN))["anyOf"][:2]
    [{'type': 'boolean'}, {'enum': [0, 1]}]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from connector.framework.component import Component
from connector.framework.definitions import ConnectionDefinition
from connector.framework.inputs import (
    FALSE_WORDS,
    TRUE_WORDS,
    Collection,
    InputSpec,
    InputType,
    to_date,
    to_timestamp,
)
from connector.version import API_REVISION, __version__

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Text the clean step reads as a whole number (``to_int``), a number (``to_number``), or no value at all.
INTEGER_TEXT = r"^\s*[+-]?\d+\s*$"
NUMBER_TEXT = r"^\s*[+-]?(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?\s*$"
BLANK_TEXT = r"^\s*$"


def _any_case(words: Sequence[str]) -> str:
    """A pattern matching any of ``words`` in any case, with surrounding whitespace.

    Example:
        >>> _any_case(["on"]) == r"^\\s*([Oo][Nn])\\s*$"
        True
    """
    alternatives = ("".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in w) for w in words)
    return r"^\s*(" + "|".join(alternatives) + r")\s*$"


BOOLEAN_TEXT = _any_case([*TRUE_WORDS, *FALSE_WORDS])

#: An OAuth 2.0 token as a workflow platform passes it with the connection.
TOKEN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "access_token": {"type": "string"},
        "refresh_token": {"type": "string"},
        "expires_at": {
            "type": ["number", "string"],
            "description": "When the access token expires: Unix seconds, or an ISO 8601 date-time.",
        },
    },
}


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


def _value_schema(spec: InputSpec) -> dict[str, Any]:
    """One value (one item of a collection) as the clean step accepts it: a number as a number or as numeric
    text, a boolean as a boolean, 0/1 or one of the words :func:`~connector.framework.inputs.to_bool` reads,
    text as text, a number or a boolean (``to_str`` takes those too)."""
    if spec.choices is not None:
        enum = {"type": "string", "enum": list(spec.choices)}
        if spec.clean is None:
            return enum
        # The input's own cleaner reads the choices in any case, around whitespace.
        return {"anyOf": [enum, {"type": "string", "pattern": _any_case(spec.choices)}]}
    kind = spec.value_type
    if kind == "integer":
        return {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": INTEGER_TEXT}]}
    if kind == "number":
        return {"anyOf": [{"type": "number"}, {"type": "string", "pattern": NUMBER_TEXT}]}
    if kind == "boolean":
        return {"anyOf": [{"type": "boolean"}, {"enum": [0, 1]}, {"type": "string", "pattern": BOOLEAN_TEXT}]}
    if spec.type is InputType.JSON:
        # Typed JSON is accepted as it is, or as a JSON string a low-code platform sends.
        return {"type": ["object", "array", "string", "number", "boolean"]}
    if spec.type in (InputType.TIMESTAMP, InputType.DATE):
        # ISO 8601 text; an input's own cleaner may also read Unix times (the destination actions' Timestamp).
        text: Any = "string" if spec.clean in (None, to_timestamp, to_date) else ["string", "number"]
        return {"type": text, "format": "date-time" if spec.type is InputType.TIMESTAMP else "date"}
    if spec.type is InputType.DATA:
        # base64 text, @path of a local file, or {"data": base64, "filename"?} from a prior step
        return {"type": ["string", "object"]}
    return {"type": ["string", "number", "boolean"]}


def _or_nothing(schema: dict[str, Any]) -> dict[str, Any]:
    """Also accept what a run reads as "no value": JSON ``null`` and blank text.

    Example:
        >>> _or_nothing({"type": "string", "format": "date"})
        {'type': ['string', 'null'], 'format': 'date'}
    """
    types = schema.get("type")
    if set(schema) <= {"type", "format"} and (types == "string" or (isinstance(types, list) and "string" in types)):
        return {**schema, "type": [*(types if isinstance(types, list) else [types]), "null"]}
    branches = list(schema["anyOf"]) if set(schema) == {"anyOf"} else [schema]
    return {"anyOf": [*branches, {"type": "string", "pattern": BLANK_TEXT}, {"type": "null"}]}


def input_json_schema(spec: InputSpec) -> dict[str, Any]:
    """The JSON Schema of the values one input accepts on the wire: exactly what the clean step accepts, so a
    builder validating with it accepts what ``run`` accepts (see ``tests/test_manifest.py``).

    Example:
        >>> from connector.framework.inputs import to_int
        >>> schema = input_json_schema(InputSpec(key="size", label="Size", clean=to_int))
        >>> schema["anyOf"][0], schema["anyOf"][1]["pattern"] == INTEGER_TEXT, {"type": "null"} in schema["anyOf"]
        ({'type': 'integer'}, True, True)
    """
    item = {**_value_schema(spec), **dict(spec.schema)}
    if spec.collection is Collection.VALUE_LIST:
        # A list, or one value / comma-separated text (to_value_list reads any scalar as text).
        text = {"type": ["string", "number", "boolean"]}
        schema: dict[str, Any] = {"anyOf": [{"type": "array", "items": item}, text]}
    elif spec.collection is Collection.KEY_VALUE_LIST:
        pair = {
            "type": "object",
            "properties": {"key": {"type": "string"}, "value": item},
            "required": ["key"],
        }
        two = {"type": "array", "minItems": 2, "maxItems": 2}
        schema = {"anyOf": [{"type": "array", "items": {"anyOf": [pair, two]}}, {"type": "object"}, {"type": "string"}]}
    else:
        schema = item
    if not spec.must_be_given:
        schema = _or_nothing(schema)
    schema = {"title": spec.label, **schema}
    if spec.comments:
        schema["description"] = spec.comments
    if spec.default not in (None, "") and not spec.secret:
        schema["default"] = spec.default
    if spec.example is not None:
        schema["examples"] = [spec.example]
    return schema


def connection_json_schema(connections: Sequence[ConnectionDefinition] = ()) -> dict[str, Any]:
    """The ``connection`` value a step may carry, in Prismatic's shape: ``{"key", "fields", "token"?}``.

    Optional: without it the CLI uses the environment, ``--account`` or a stored account.

    Example:
        >>> connection_json_schema()["anyOf"][0]["required"]
        ['key']
    """
    branches: list[dict[str, Any]] = []
    for definition in connections or (None,):
        fields: dict[str, Any] = {"type": "object"}
        required = ["key"]
        if definition is not None:
            fields["properties"] = {s.key: input_json_schema(s) for s in definition.inputs}
            fields["required"] = [s.key for s in definition.inputs if s.must_be_given]
            if fields["required"]:
                required.append("fields")
        key: dict[str, Any] = {"const": definition.key} if definition is not None else {"type": "string"}
        branches.append(
            {
                "type": "object",
                **({"title": definition.label} if definition is not None else {}),
                "properties": {"key": key, "fields": fields, "token": TOKEN_SCHEMA},
                "required": required,
            }
        )
    return {
        "title": "Connection",
        "description": "The connection this step uses (Prismatic's connection value; the same object as JSON text "
        "is accepted). Leave it out to use KLAVIYO_API_KEY, --account or the stored account.",
        "anyOf": [*branches, {"type": "string"}, {"type": "null"}],
    }


def inputs_json_schema(specs: Sequence[InputSpec], connections: Sequence[ConnectionDefinition] = ()) -> dict[str, Any]:
    """JSON Schema 2020-12 of an action's input object.

    ``required`` lists the inputs a run fails without (:attr:`InputSpec.must_be_given`): a required input with a
    default is required here only when its value is written to Klaviyo, since such an input never takes its
    default at run time (the default stays as what a builder pre-fills). The connection is optional: the CLI
    falls back to the environment and stored accounts.
    """
    declared = [s for s in specs if s.type is not InputType.CONNECTION]
    properties: dict[str, Any] = {}
    if len(declared) < len(specs):
        properties["connection"] = connection_json_schema(connections)
    properties.update({s.key: input_json_schema(s) for s in declared})
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "type": "object",
        "properties": properties,
        "required": [s.key for s in declared if s.must_be_given],
        "additionalProperties": False,
    }


def build_manifest(component: Component) -> dict[str, Any]:
    """The whole manifest: component, connections, actions and data sources.

    Example:
        >>> from connector.shell.component import COMPONENT
        >>> sorted(build_manifest(COMPONENT))[:3]
        ['actions', 'connections', 'dataSources']
    """
    connections = component.connections()
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
            for c in connections
        ],
        "actions": [
            {
                "key": a.key,
                "label": a.label,
                "description": a.description,
                "operationIds": list(a.operation_ids),
                "docsUrl": a.docs_url,
                "inputs": [input_json(s) for s in a.input_specs()],
                "inputSchema": inputs_json_schema(a.input_specs(), connections),
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
                "inputSchema": inputs_json_schema(d.input_specs(), connections),
            }
            for d in component.data_sources()
        ],
    }
