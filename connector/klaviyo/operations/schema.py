"""Check a value against a schema of the operation registry, before it is sent.

The registry keeps the spec's schemas in a compact form: ``type``, ``format``, ``enum``, ``nullable``,
``properties``, ``required``, ``items``, ``oneOf``, ``minimum``/``maximum`` and ``{"$ref": name}`` for the
named schemas of a group. An object schema that lists ``properties`` is closed: Klaviyo answers 400 to an
attribute it does not declare, so a typo is refused here, naming where it is, instead of there.

Example:
    >>> schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    >>> check({"name": "VIP"}, schema, {}, "data.attributes")
    >>> check({"nmae": "VIP"}, schema, {}, "data.attributes")
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: data.attributes.nmae: unknown attribute; allowed: name
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from connector.client.errors import InputError

#: Deeper than any Klaviyo body; a value nested further is refused instead of recursing without end.
MAX_DEPTH = 64

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list, tuple),
}


def check(value: Any, schema: Mapping[str, Any], schemas: Mapping[str, Any], where: str) -> None:
    """Raise :class:`InputError` (its key is ``where`` plus the path inside) when ``value`` breaks ``schema``.

    Example:
        >>> check("sms", {"type": "string", "enum": ["email", "sms"]}, {}, "channel")
        >>> check(None, {"type": "string", "nullable": True}, {}, "title")
    """
    problem = find_problem(value, schema, schemas, where)
    if problem is not None:
        path, text = problem
        raise InputError(f"{path}: {text}", key=path)


def find_problem(
    value: Any, schema: Mapping[str, Any], schemas: Mapping[str, Any], where: str, depth: int = 0
) -> tuple[str, str] | None:
    """``(path, problem)`` of the first way ``value`` breaks ``schema``, or None when it fits.

    Example:
        >>> find_problem([1, "x"], {"type": "array", "items": {"type": "integer"}}, {}, "ids")
        ('ids[1]', "must be a whole number, got 'x'")
    """
    if depth > MAX_DEPTH:
        return where, f"is nested more than {MAX_DEPTH} levels deep"
    while "$ref" in schema:
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**schemas[schema["$ref"]], **extra}
    if value is None:
        # Nullable, or a schema that says nothing about types (free-form), accepts null.
        return None if schema.get("nullable") or not _typed(schema) else (where, "must not be null")
    if "oneOf" in schema:
        return _one_of(value, schema, schemas, where, depth)
    kind = schema.get("type")
    if kind and not _is_type(value, kind):
        return where, f"must be {_KIND_WORDS.get(kind, kind)}, got {_short(value)}"
    if "enum" in schema and value not in schema["enum"]:
        return where, f"must be one of {', '.join(map(str, schema['enum']))} (got {_short(value)})"
    problem = _format(value, schema.get("format"), where)
    if problem is None:
        problem = _bounds(value, schema, where)
    if problem is not None:
        return problem
    if isinstance(value, dict):
        return _object(value, schema, schemas, where, depth)
    if isinstance(value, (list, tuple)) and "items" in schema:
        for index, item in enumerate(value):
            found = find_problem(item, schema["items"], schemas, f"{where}[{index}]", depth + 1)
            if found is not None:
                return found
    return None


_KIND_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "an array",
}


def _typed(schema: Mapping[str, Any]) -> bool:
    return any(k in schema for k in ("type", "enum", "properties", "items", "oneOf"))


def _is_type(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _PYTHON_TYPES.get(kind, (object,)))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _format(value: Any, fmt: str | None, where: str) -> tuple[str, str] | None:
    if not isinstance(value, str) or fmt not in ("date-time", "date"):
        return None
    try:
        if fmt == "date":
            dt.date.fromisoformat(value)
        else:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        example = "2026-08-01" if fmt == "date" else "2026-08-01T10:00:00Z"
        return where, f"must be an ISO 8601 {fmt} such as {example} (got {_short(value)})"
    return None


def _bounds(value: Any, schema: Mapping[str, Any], where: str) -> tuple[str, str] | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if "minimum" in schema and value < schema["minimum"]:
        return where, f"must be at least {schema['minimum']} (got {value})"
    if "maximum" in schema and value > schema["maximum"]:
        return where, f"must be at most {schema['maximum']} (got {value})"
    return None


def _object(
    value: Mapping[str, Any], schema: Mapping[str, Any], schemas: Mapping[str, Any], where: str, depth: int
) -> tuple[str, str] | None:
    properties = schema.get("properties")
    if properties is None:
        return _free_form(value, where, depth)
    for name in value:
        if name not in properties:
            allowed = ", ".join(sorted(properties)) or "none"
            return f"{where}.{name}", f"unknown attribute; allowed: {allowed}"
    for name in schema.get("required", ()):
        if name not in value:
            return f"{where}.{name}", "is required"
    for name, item in value.items():
        found = find_problem(item, properties[name], schemas, f"{where}.{name}", depth + 1)
        if found is not None:
            return found
    return None


def _free_form(value: Any, where: str, depth: int) -> tuple[str, str] | None:
    """Free-form objects (custom properties) take any JSON, but not nested without end."""
    if depth > MAX_DEPTH:
        return where, f"is nested more than {MAX_DEPTH} levels deep"
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    for item in items:
        if isinstance(item, (dict, list, tuple)):
            found = _free_form(item, where, depth + 1)
            if found is not None:
                return found
    return None


def _one_of(
    value: Any, schema: Mapping[str, Any], schemas: Mapping[str, Any], where: str, depth: int
) -> tuple[str, str] | None:
    """Fits when any branch fits (the spec's oneOf branches overlap, e.g. identical send options).

    When every branch names its kind with a one-value enum (a segment condition's ``type``), only the branches
    of the value's kind explain what is wrong, and a kind no branch has is reported as such.

    Example:
        >>> kinds = {"oneOf": [{"type": "object", "properties": {"type": {"enum": [k]}, "n": {"type": "integer"}}}
        ...                    for k in ("a", "b")]}
        >>> find_problem({"type": "c"}, kinds, {}, "x"), find_problem({"type": "b", "n": "1"}, kinds, {}, "x")
        (('x.type', "must be one of a, b (got 'c')"), ('x.n', "must be a whole number, got '1'"))
    """
    branches = list(schema["oneOf"])
    kind = _discriminator(value, branches, schemas)
    if kind is not None:
        name, kinds = kind
        branches = [b for b, k in zip(branches, kinds, strict=True) if k == value[name]]
        if not branches:
            listed = ", ".join(dict.fromkeys(map(str, kinds)))
            return f"{where}.{name}", f"must be one of {listed} (got {_short(value[name])})"
    problems = []
    for branch in branches:
        found = find_problem(value, branch, schemas, where, depth + 1)
        if found is None:
            return None
        problems.append(found)
    # The branch that got furthest into the value (the longest path) explains best what is wrong.
    return max(problems, key=lambda p: len(p[0]))


def _discriminator(
    value: Any, branches: list[Mapping[str, Any]], schemas: Mapping[str, Any]
) -> tuple[str, list[Any]] | None:
    """``(property, each branch's value)`` when the value has a property every branch fixes to one value."""
    if not isinstance(value, dict):
        return None
    fixed: list[dict[str, Any]] = []
    for branch in branches:
        enums = {name: _resolved(prop, schemas).get("enum") for name, prop in _properties(branch, schemas).items()}
        fixed.append({name: enum[0] for name, enum in enums.items() if isinstance(enum, list) and len(enum) == 1})
    common = set.intersection(*(set(f) for f in fixed)) if fixed else set()
    for name in sorted(common, key=lambda n: (n != "type", n)):
        if name in value:
            return name, [f[name] for f in fixed]
    return None


def _properties(schema: Mapping[str, Any], schemas: Mapping[str, Any]) -> Mapping[str, Any]:
    properties: Mapping[str, Any] = _resolved(schema, schemas).get("properties") or {}
    return properties


def _resolved(schema: Mapping[str, Any], schemas: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = {**schemas[schema["$ref"]], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema
