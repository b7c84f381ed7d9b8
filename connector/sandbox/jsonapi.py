"""JSON:API helpers: building resource objects, sparse fieldsets, sorting and reading request bodies.

Example:
    >>> res = resource("list", "Y6nRLr", {"name": "News", "created": "x"}, "http://h", "lists")
    >>> sparse(res, ["name"])["attributes"]
    {'name': 'News'}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import invalid
from .ids import parse_datetime
from .query import Query
from .wire import Request

T = TypeVar("T")


def resource(
    kind: str,
    ident: str,
    attributes: dict[str, Any],
    base: str,
    segment: str,
    relationships: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A JSON:API resource object with ``links.self`` at ``{base}/api/{segment}/{id}/``.

    Example:
        >>> resource("metric", "m", {}, "http://h", "metrics")["links"]
        {'self': 'http://h/api/metrics/m/'}
    """
    out: dict[str, Any] = {"type": kind, "id": ident, "attributes": attributes}
    if relationships:
        out["relationships"] = relationships
    out["links"] = {"self": f"{base}/api/{segment}/{ident}/"}
    return out


def relation(base: str, segment: str, ident: str, name: str, data: Any = None) -> dict[str, Any]:
    """A relationship block with ``self``/``related`` links and optional linkage ``data``.

    Example:
        >>> relation("http://h", "lists", "L", "profiles")["links"]["related"]
        'http://h/api/lists/L/profiles/'
    """
    out: dict[str, Any] = {}
    if data is not None:
        out["data"] = data
    out["links"] = {
        "self": f"{base}/api/{segment}/{ident}/relationships/{name}/",
        "related": f"{base}/api/{segment}/{ident}/{name}/",
    }
    return out


def _pick(source: dict[str, Any], path: list[str], target: dict[str, Any]) -> None:
    head = path[0]
    if head not in source:
        return
    if len(path) == 1 or not isinstance(source[head], dict):
        target[head] = source[head]
        return
    child = target.setdefault(head, {})
    if isinstance(child, dict):
        _pick(source[head], path[1:], child)


def sparse(res: dict[str, Any], names: list[str] | None) -> dict[str, Any]:
    """Keep only the requested attributes (``fields[type]``; dotted names select sub-fields).

    Example:
        >>> sparse({"attributes": {"location": {"city": "A", "zip": "1"}}}, ["location.city"])["attributes"]
        {'location': {'city': 'A'}}
    """
    if names is None:
        return res
    attrs: dict[str, Any] = {}
    for name in names:
        _pick(res["attributes"], name.split("."), attrs)
    return {**res, "attributes": attrs}


def apply_fields(res: dict[str, Any], query: Query) -> dict[str, Any]:
    """:func:`sparse` with the query's ``fields[<res type>]``.

    Example:
        >>> apply_fields({"type": "list", "attributes": {"a": 1}}, Query(fields={"list": []}))["attributes"]
        {}
    """
    return sparse(res, query.fields.get(res["type"]))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        dt = parse_datetime(value) if len(value) >= 10 and value[:4].isdigit() else None
        return (1, dt.timestamp()) if dt else (2, value)
    if isinstance(value, bool):
        return (1, int(value))
    return (1, value) if isinstance(value, (int, float)) else (2, str(value))


def sort_rows(items: list[T], query: Query, key: Callable[[T, str], Any]) -> list[T]:
    """Sort by the query's ``sort`` (stable, so insertion order breaks ties); unchanged without one.

    Example:
        >>> sort_rows([{"n": 2}, {"n": 1}], Query(sort=("n", False)), lambda r, f: r[f])
        [{'n': 1}, {'n': 2}]
    """
    if query.sort is None:
        return items
    name, desc = query.sort
    return sorted(items, key=lambda item: _sort_key(key(item, name)), reverse=desc)


def read_json(req: Request) -> Any:
    """The JSON body (already decoded by the app when it checked it), 400 if it is not JSON.

    Example:
        >>> read_json(Request("POST", "/", {}, {}, b'{"data": 1}'))
        {'data': 1}
    """
    if req.has_json:
        return req.json
    try:
        return json.loads(req.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid("The request body is not valid JSON.", pointer="/") from exc


def read_data(req: Request, kind: str, *, ident: str | None = None) -> dict[str, Any]:
    """Read ``data`` of a single-resource body, checking ``data.type`` and (PATCH) ``data.id``.

    Returns the attributes-bearing ``data`` object; ``data["attributes"]`` is guaranteed to be a dict.

    Example:
        >>> body = b'{"data": {"type": "list", "attributes": {"name": "x"}}}'
        >>> read_data(Request("POST", "/", {}, {}, body), "list")["attributes"]
        {'name': 'x'}
    """
    doc = read_json(req)
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise invalid("The request body must be an object with a 'data' object.", pointer="/data")
    data: dict[str, Any] = doc["data"]
    if data.get("type") != kind:
        raise invalid(f"'data.type' must be '{kind}'.", pointer="/data/type")
    if ident is not None:
        if "id" not in data:
            raise invalid("'data.id' is required.", pointer="/data/id")
        if data["id"] != ident:
            raise invalid("'data.id' does not match the id in the path.", pointer="/data/id")
    attrs = data.get("attributes")
    if not isinstance(attrs, dict):
        raise invalid("'data.attributes' must be an object.", pointer="/data/attributes")
    return data


def require(attrs: dict[str, Any], name: str, kinds: type | tuple[type, ...], pointer: str) -> Any:
    """Return a required attribute, 400 with a pointer if it is missing or of the wrong type.

    Example:
        >>> require({"name": "x"}, "name", str, "/data/attributes")
        'x'
    """
    value = attrs.get(name)
    if value is None:
        raise invalid(f"'{name}' is required.", pointer=f"{pointer}/{name}")
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _tuple(kinds)):
        raise invalid(f"'{name}' has the wrong type.", pointer=f"{pointer}/{name}")
    return value


def optional(attrs: dict[str, Any], name: str, kinds: type | tuple[type, ...], pointer: str) -> Any:
    """Return an optional attribute (None if absent or null), 400 with a pointer if of the wrong type.

    Example:
        >>> optional({}, "name", str, "/data/attributes") is None
        True
    """
    value = attrs.get(name)
    if value is None:
        return None
    return require(attrs, name, kinds, pointer)


def _tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def linkage_list(doc: Any, kind: str, *, maximum: int) -> list[str]:
    """Ids from a relationship body ``{"data": [{"type": kind, "id": ...}]}``.

    Example:
        >>> linkage_list({"data": [{"type": "profile", "id": "P"}]}, "profile", maximum=10)
        ['P']
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise invalid("The request body must have a 'data' array.", pointer="/data")
    items = doc["data"]
    if len(items) > maximum:
        raise invalid(f"At most {maximum} items are allowed per request.", pointer="/data")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != kind:
            raise invalid(f"Each item must have type '{kind}'.", pointer=f"/data/{i}/type")
        if not isinstance(item.get("id"), str) or not item["id"]:
            raise invalid("Each item must have an 'id'.", pointer=f"/data/{i}/id")
        out.append(item["id"])
    return out
