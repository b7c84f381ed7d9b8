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
from connector.client.json_depth import MAX_JSON_DEPTH, TOO_DEEP, nested_deeper_than

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
    # One nesting limit for every body (client.json_depth): it also bounds the walk below, which recurses per level.
    if nested_deeper_than(value, MAX_JSON_DEPTH):
        raise InputError(f"{where}: {TOO_DEEP}", key=where)
    problem = find_problem(value, schema, schemas, where)
    if problem is not None:
        path, text = problem
        raise InputError(f"{path}: {text}", key=path)


def find_problem(
    value: Any, schema: Mapping[str, Any], schemas: Mapping[str, Any], where: str
) -> tuple[str, str] | None:
    """``(path, problem)`` of the first way ``value`` breaks ``schema``, or None when it fits.

    Example:
        >>> find_problem([1, "x"], {"type": "array", "items": {"type": "integer"}}, {}, "ids")
        ('ids[1]', "must be a whole number, got 'x'")
    """
    while "$ref" in schema:
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**schemas[schema["$ref"]], **extra}
    if value is None:
        # Nullable, or a schema that says nothing about types (free-form), accepts null.
        return None if schema.get("nullable") or not _typed(schema) else (where, "must not be null")
    if "oneOf" in schema:
        return _one_of(value, schema, schemas, where)
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
        return _object(value, schema, schemas, where)
    if isinstance(value, (list, tuple)) and "items" in schema:
        for index, item in enumerate(value):
            found = find_problem(item, schema["items"], schemas, f"{where}[{index}]")
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
    value: Mapping[str, Any], schema: Mapping[str, Any], schemas: Mapping[str, Any], where: str
) -> tuple[str, str] | None:
    properties = schema.get("properties")
    if properties is None:
        return None  # free-form (custom properties): any JSON, its nesting bounded by ``check``
    for name in value:
        if name not in properties:
            allowed = ", ".join(sorted(properties)) or "none"
            return f"{where}.{name}", f"unknown attribute; allowed: {allowed}"
    for name in schema.get("required", ()):
        if name not in value:
            return f"{where}.{name}", "is required"
    for name, item in value.items():
        found = find_problem(item, properties[name], schemas, f"{where}.{name}")
        if found is not None:
            return found
    return None


def _one_of(value: Any, schema: Mapping[str, Any], schemas: Mapping[str, Any], where: str) -> tuple[str, str] | None:
    """Fits when any branch fits (the spec's oneOf branches overlap, e.g. identical send options).

    When it fits none, the problem reported is the one of the branch the value names through a discriminator
    (a property each branch pins to one value: ``method``, ``channel``, ``type``), so a static send strategy
    with a bad date-time is told about its date-time, not about a throttled strategy's percentage; a value
    whose discriminator names no branch is told the values it may take.

    Example:
        >>> static = {"type": "object", "properties": {"method": {"type": "string", "enum": ["static"]},
        ...           "datetime": {"type": "string", "format": "date-time"}}, "required": ["method", "datetime"]}
        >>> throttled = {"type": "object", "properties": {"method": {"type": "string", "enum": ["throttled"]},
        ...              "throttle_percentage": {"type": "integer"}}, "required": ["method", "throttle_percentage"]}
        >>> union = {"oneOf": [static, throttled]}
        >>> find_problem({"method": "static", "datetime": "soon"}, union, {}, "send_strategy")[0]
        'send_strategy.datetime'
        >>> find_problem({"method": "later"}, union, {}, "send_strategy")
        ('send_strategy.method', "must be one of static, throttled (got 'later')")
    """
    problems = []
    for branch in schema["oneOf"]:
        found = find_problem(value, branch, schemas, where)
        if found is None:
            return None
        problems.append((found, *_agreement(value, branch, schemas)))
    named = [found for found, _, clashes in problems if not clashes]
    if not named:
        # No branch is named outright: keep those agreeing on the most pinned values (push standard/silent
        # share channel mobile_push), and say what their discriminator may be when the value names none.
        best = max(agrees for _, agrees, _ in problems)
        closest = [i for i, (_, agrees, _) in enumerate(problems) if agrees == best]
        unnamed = _unknown_discriminator(value, [schema["oneOf"][i] for i in closest], schemas, where)
        if unnamed is not None:
            return unnamed
        named = [problems[i][0] for i in closest]
    # The branch that got furthest into the value (the longest path) explains best what is wrong.
    return max(named, key=lambda p: len(p[0]))


def _pins(branch: Mapping[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    """The properties ``branch`` pins to a single value (``{"method": "static"}``)."""
    while "$ref" in branch:
        branch = schemas[branch["$ref"]]
    out: dict[str, Any] = {}
    for name, prop in (branch.get("properties") or {}).items():
        while "$ref" in prop:
            prop = schemas[prop["$ref"]]
        enum = prop.get("enum")
        if isinstance(enum, list) and len(enum) == 1:
            out[name] = enum[0]
    return out


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b  # True is not 1 here


def _agreement(value: Any, branch: Mapping[str, Any], schemas: Mapping[str, Any]) -> tuple[int, int]:
    """How many pinned properties of ``branch`` the value gives the pinned value, and how many another one."""
    if not isinstance(value, Mapping):
        return 0, 0
    given = [_same(value[name], pinned) for name, pinned in _pins(branch, schemas).items() if name in value]
    return sum(given), len(given) - sum(given)


def _unknown_discriminator(
    value: Any, branches: list[Any], schemas: Mapping[str, Any], where: str
) -> tuple[str, str] | None:
    """``(path, "must be one of ...")`` when every branch pins a property the value sets to a value none names."""
    if not isinstance(value, Mapping):
        return None
    pins = [_pins(branch, schemas) for branch in branches]
    for name in value:
        allowed = [p[name] for p in pins if name in p]
        if len(allowed) != len(pins) or not all(_same_type(value[name], a) for a in allowed):
            continue  # not a discriminator of every branch, or the wrong type (the type error says more)
        if any(_same(value[name], a) for a in allowed):
            continue  # a value some branch takes: another property is what no branch fits
        choices = list(dict.fromkeys(allowed))
        return f"{where}.{name}", f"must be one of {', '.join(map(str, choices))} (got {_short(value[name])})"
    return None


def _same_type(a: Any, b: Any) -> bool:
    return type(a) is type(b)
