"""The part of JSON Schema (OpenAPI 3.0 dialect) that Klaviyo's spec uses, for three jobs.

* :func:`validate` checks a request body and returns the first :class:`Problem` with a JSON pointer, so the
  sandbox can refuse it the way Klaviyo does (undeclared attribute, missing required one, wrong type or enum).
* :func:`sample` builds a plausible value for a schema (the spec's example when it fits), used to fill
  attributes a stored resource does not have.
* :func:`conform` reshapes a stored value to a response schema: undeclared keys are dropped, required ones that
  are missing or of the wrong type are sampled, so every answer validates against the spec.

The spec uses ``type``, ``nullable``, ``enum``, ``properties``, ``required``, ``items``, ``oneOf``, ``allOf``,
``format``, ``readOnly``, ``writeOnly`` and ``maxProperties``; nothing declares ``additionalProperties``. An object
schema that lists ``properties`` therefore accepts only those keys (what Klaviyo enforces on request bodies), and
one without ``properties`` is free-form (custom ``properties``, ``custom_metadata`` ...). ``oneOf`` is read as
"at least one branch": the spec has ``oneOf`` over identical branches, so "exactly one" would refuse everything.

Example:
    >>> schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    >>> validate({"name": "VIP", "colour": "red"}, schema, lambda s: s, "/data/attributes").pointer
    '/data/attributes/colour'
    >>> conform({"name": "VIP", "colour": "red"}, schema, lambda s: s)
    {'name': 'VIP'}
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .ids import now_iso, parse_datetime

Schema = dict[str, Any]
Resolver = Callable[[Schema], Schema]
# Flattened schemas by the identity of the schema object: the spec's schemas never change, and validating a
# 10,000-profile import would otherwise re-merge the same ``allOf`` 10,000 times.
_FLAT: dict[int, tuple[Schema, Schema]] = {}

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}
_NAMES = {"object": "an object", "array": "an array", "string": "a string", "boolean": "a boolean"}
_NAMES.update({"integer": "an integer", "number": "a number"})


@dataclass(frozen=True)
class Problem:
    """Why a value does not match its schema, and where (a JSON pointer into the request body).

    Example:
        >>> Problem("/data/type", "'lists' is not a valid choice for 'type'.").pointer
        '/data/type'
    """

    pointer: str
    detail: str


def flatten(schema: Schema, resolve: Resolver) -> Schema:
    """Follow ``$ref`` and merge ``allOf`` parts into one schema (the spec wraps single refs in ``allOf``).

    Example:
        >>> flatten({"allOf": [{"type": "string"}], "nullable": True}, lambda s: s)
        {'type': 'string'}
    """
    if "$ref" not in schema and "allOf" not in schema:
        return schema
    cached = _FLAT.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    flat = _flatten(resolve(schema), resolve)
    _FLAT[id(schema)] = (schema, flat)  # the schema is kept alive with its entry, so its id stays unique
    return flat


def _flatten(schema: Schema, resolve: Resolver) -> Schema:
    if "allOf" not in schema:
        return schema
    merged: Schema = {}
    required: list[str] = []
    properties: dict[str, Any] = {}
    for part in schema["allOf"]:
        flat = flatten(part, resolve)
        merged.update({k: v for k, v in flat.items() if k not in ("properties", "required")})
        properties.update(flat.get("properties", {}))
        required += flat.get("required", [])
    # OpenAPI 3.0 applies ``nullable`` only next to a ``type``: beside a bare ``allOf`` it means nothing (and
    # validators ignore it), so it is not carried over.
    wrapper = {k: v for k, v in schema.items() if k != "allOf" and (k != "nullable" or "type" in schema)}
    merged.update(wrapper)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def accepts_null(schema: Schema) -> bool:
    """True if null is a valid value: ``nullable`` (or no constraint at all) and, with an ``enum``, listed in it.

    Validators check ``enum`` even on nullable schemas, so a nullable enum without null does not take null.

    Example:
        >>> accepts_null({"type": "string", "enum": ["a"], "nullable": True})
        False
    """
    if not schema:
        return True
    if _branches(schema) is not None:
        return False  # validators do not apply a oneOf's own ``nullable``: a branch would have to take null
    return bool(schema.get("nullable")) and ("enum" not in schema or None in schema["enum"])


def _type_ok(value: Any, kind: str) -> bool:
    if value.__class__ is str:  # the common case first
        return kind == "string"
    if isinstance(value, bool) and kind != "boolean":
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(kind, (object,)))


def _format_ok(value: str, fmt: str | None) -> bool:
    if fmt == "date-time":
        return parse_datetime(value) is not None
    if fmt == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
    return True


def _branches(schema: Schema) -> list[Schema] | None:
    return schema.get("oneOf") or schema.get("anyOf")


def validate(
    value: Any, schema: Schema, resolve: Resolver, pointer: str = "", *, resource: str = "resource"
) -> Problem | None:
    """The first way ``value`` breaks ``schema`` (checked as a request: readOnly properties are not required).

    Example:
        >>> s = {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a"]}}}
        >>> validate({"kind": "b"}, s, lambda x: x, "/data").detail
        "'b' is not a valid choice for 'kind' (one of: a)."
    """
    path = [pointer] if pointer else [""]
    return _check(value, schema, resolve, path, resource)


def _here(path: list[str]) -> str:
    return "/".join(path)


def _check(value: Any, schema: Schema, resolve: Resolver, path: list[str], resource: str) -> Problem | None:
    if "$ref" in schema or "allOf" in schema:
        schema = flatten(schema, resolve)
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches is not None:
        return _check_any(value, schema, branches, resolve, path, resource)
    if value is None:
        if schema.get("nullable") or not schema:
            return None
        return Problem(_here(path), f"'{_name(path)}' must not be null.")
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind is not None and not _type_ok(value, kind):
        return Problem(_here(path), f"'{_name(path)}' must be {_NAMES.get(kind, kind)}.")
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(str(v) for v in schema["enum"] if v is not None)
        return Problem(_here(path), f"'{value}' is not a valid choice for '{_name(path)}' (one of: {choices}).")
    if isinstance(value, dict):
        kind_name = value.get("type")
        return _check_object(value, schema, resolve, path, kind_name if isinstance(kind_name, str) else resource)
    if isinstance(value, list):
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                path.append(str(index))
                problem = _check(item, items, resolve, path, resource)
                path.pop()
                if problem is not None:
                    return problem
    elif "format" in schema and isinstance(value, str) and not _format_ok(value, schema["format"]):
        return Problem(_here(path), f"'{_name(path)}' must be a valid {schema['format']}.")
    return None


def _name(path: list[str]) -> str:
    return path[-1] if len(path) > 1 else "body"


def _check_any(
    value: Any, schema: Schema, branches: list[Schema], resolve: Resolver, path: list[str], resource: str
) -> Problem | None:
    if value is None and schema.get("nullable"):
        return None
    problems = []
    for branch in branches:
        problem = _check(value, branch, resolve, list(path), resource)
        if problem is None:
            return None
        problems.append(problem)
    # The branch that got furthest into the value is the one the sender meant: report its problem.
    return max(problems, key=lambda p: p.pointer.count("/"))


def _check_object(
    value: dict[str, Any], schema: Schema, resolve: Resolver, path: list[str], resource: str
) -> Problem | None:
    properties: dict[str, Schema] = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in value and not flatten(properties.get(name, {}), resolve).get("readOnly"):
            return Problem(f"{_here(path)}/{name}", f"'{name}' is a required field for the resource '{resource}'.")
    if not properties:
        limit = schema.get("maxProperties")
        if limit is not None and len(value) > limit:
            return Problem(_here(path), f"'{path[-1] or 'body'}' may have at most {limit} keys.")
        return None
    for name, item in value.items():
        sub = properties.get(name)
        if sub is None:
            return Problem(f"{_here(path)}/{name}", f"'{name}' is not a valid field for the resource '{resource}'.")
        path.append(name)
        problem = _check(item, sub, resolve, path, resource)
        path.pop()
        if problem is not None:
            return problem
    return None


def _last(pointer: str) -> str:
    return pointer.rsplit("/", 1)[-1] or "body"


def matches(value: Any, schema: Schema, resolve: Resolver) -> bool:
    """True if ``value`` is valid for ``schema``.

    Example:
        >>> matches(3, {"type": "string"}, lambda s: s)
        False
    """
    return validate(value, schema, resolve) is None


def sample(schema: Schema, resolve: Resolver, depth: int = 0) -> Any:
    """A plausible value: the spec's example or default when valid, else the first enum value or a typed blank.

    Objects get their required properties only; unknown shapes give None.

    Example:
        >>> sample({"type": "string", "enum": ["queued", "complete"]}, lambda s: s)
        'queued'
        >>> sample({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}, lambda s: s)
        {'n': 0}
    """
    schema = flatten(schema, resolve)
    if depth > 20:
        return None
    branches = _branches(schema)
    if branches:
        return sample(branches[0], resolve, depth + 1)
    for key in ("example", "default"):
        if key in schema and schema[key] is not None and matches(schema[key], schema, resolve):
            return copy.deepcopy(schema[key])
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v is not None), None)
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind == "object":
        props = schema.get("properties", {})
        return {name: sample(props.get(name, {}), resolve, depth + 1) for name in schema.get("required", [])}
    if kind == "string":
        return {"date-time": now_iso(), "date": now_iso()[:10], "uri": "https://example.com/"}.get(
            schema.get("format") or "", ""
        )
    return {"array": [], "integer": 0, "number": 0, "boolean": False}.get(kind or "")


def conform(value: Any, schema: Schema, resolve: Resolver, depth: int = 0) -> Any:
    """Reshape a stored value to a response schema (see the module docstring).

    Absent optional properties stay absent; ``writeOnly`` ones are dropped.

    Example:
        >>> s = {"type": "object", "properties": {"count": {"type": "integer"}}, "required": ["count"]}
        >>> conform({"count": "x"}, s, lambda x: x)
        {'count': 0}
    """
    schema = flatten(schema, resolve)
    if depth > 40:
        return value
    branches = _branches(schema)
    if branches:
        if value is None and accepts_null(schema):
            return None
        for branch in branches:
            if matches(value, branch, resolve):
                return conform(value, branch, resolve, depth + 1)
        return conform(value, branches[0], resolve, depth + 1)
    if value is None:
        return None if accepts_null(schema) else sample(schema, resolve)
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind is None:
        return value
    if not _type_ok(value, kind):
        return sample(schema, resolve)
    if kind == "object":
        return _conform_object(value, schema, resolve, depth)
    if kind == "array":
        items = schema.get("items")
        return [conform(v, items, resolve, depth + 1) for v in value] if items else value
    if "enum" in schema and value not in schema["enum"]:
        return sample(schema, resolve)
    if isinstance(value, str) and not _format_ok(value, schema.get("format")):
        return sample(schema, resolve)
    if kind == "integer" and isinstance(value, float):
        return int(value)
    return value


def _conform_object(value: dict[str, Any], schema: Schema, resolve: Resolver, depth: int) -> dict[str, Any]:
    properties: dict[str, Schema] = schema.get("properties", {})
    if not properties:
        return value
    out: dict[str, Any] = {}
    required = set(schema.get("required", []))
    for name, sub in properties.items():
        flat = flatten(sub, resolve)
        if flat.get("writeOnly"):
            continue
        if name in value:
            out[name] = conform(value[name], flat, resolve, depth + 1)
        elif name in required:
            out[name] = sample(flat, resolve, depth + 1)
    return out
