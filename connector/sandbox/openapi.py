"""Klaviyo's OpenAPI spec (revision 2026-07-15) read as one table per operation, once and lazily.

The spec ships with the package (``connector/spec/stable.json``); it is read by path, never through another SDK
module, so the sandbox stays an independent implementation. Nothing is read at import or at start-up: the file
is parsed (about 25 ms) the first time a request needs a table, i.e. the first request with a JSON body or the
first one to an operation without a hand-made handler. Every later lookup is a dict access.

Each :class:`Operation` carries what the server needs: method and path, success statuses, request and response
schemas, the query parameters it accepts (a :class:`~.query.QuerySpec` built from ``fields[...]``, ``include``,
``sort``, ``page[size]`` and ``x-klaviyo-filters``), its rate limits from ``x-klaviyo-ratelimit`` and whether it
is public (``security: []``, the ``/client`` endpoints that take ``company_id`` instead of a key).

Example:
    >>> op = SPEC.operation("get_tags")
    >>> (op.method, op.path, op.success, op.query.page)
    ('GET', '/api/tags', 200, (50, 50))
    >>> len(SPEC.operations())
    345
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import filters
from .query import QuerySpec
from .ratelimit_table import Limits
from .schema import Schema, flatten

SPEC_PATH = Path(__file__).resolve().parents[1] / "spec" / "stable.json"
JSON_TYPES = ("application/vnd.api+json", "application/json")
# Endpoints that page by cursor but take no page[size]: the sandbox's fixed page size for them.
CURSOR_PAGE = 100
_WINDOWS = {"s": "burst", "m": "steady", "d": "daily"}


@dataclass(frozen=True)
class Operation:
    """One operation of the spec.

    Example:
        >>> SPEC.operation("create_tag").statuses
        (201,)
    """

    op_id: str
    method: str
    path: str
    statuses: tuple[int, ...]
    request: Schema | None
    multipart: bool
    body_required: bool
    responses: dict[int, Schema | None]
    query: QuerySpec
    limits: Limits
    public: bool
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def success(self) -> int:
        """The first success status the spec lists (201 before 200 for Create or Update Profile aside).

        Example:
            >>> SPEC.operation("delete_tag").success
            204
        """
        return self.statuses[0]

    def response(self, status: int | None = None) -> Schema | None:
        """The response body schema for a success status (None when the answer has no body).

        Example:
            >>> SPEC.operation("delete_tag").response() is None
            True
        """
        return self.responses.get(self.success if status is None else status)


class Spec:
    """The spec document and its per-operation tables, loaded on first use (thread-safe).

    Example:
        >>> Spec().loaded
        False
    """

    def __init__(self, path: Path = SPEC_PATH) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._doc: dict[str, Any] | None = None
        self._ops: dict[str, Operation] | None = None
        self._flat: dict[str, Schema] = {}

    @property
    def loaded(self) -> bool:
        """True once the file has been parsed.

        Example:
            >>> isinstance(SPEC.loaded, bool)
            True
        """
        return self._doc is not None

    def document(self) -> dict[str, Any]:
        """The parsed spec.

        Example:
            >>> SPEC.document()["info"]["version"]
            '2026-07-15'
        """
        doc = self._doc
        if doc is None:
            with self._lock:
                if self._doc is None:
                    with self._path.open(encoding="utf-8") as handle:
                        self._doc = json.load(handle)
                doc = self._doc
        assert doc is not None
        return doc

    def resolve(self, schema: Schema) -> Schema:
        """Follow a ``$ref`` chain to the schema it names.

        Example:
            >>> SPEC.resolve({"$ref": "#/components/schemas/ObjectLinks"})["required"]
            ['self']
        """
        components = self.document()["components"]["schemas"]
        while "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def flat(self, schema: Schema) -> Schema:
        """:func:`~.schema.flatten` with this spec's references.

        Example:
            >>> "properties" in SPEC.flat({"$ref": "#/components/schemas/ObjectLinks"})
            True
        """
        return flatten(schema, self.resolve)

    def operations(self) -> dict[str, Operation]:
        """Every operation by ``operationId`` (345 in revision 2026-07-15).

        Example:
            >>> "get_profiles" in SPEC.operations()
            True
        """
        ops = self._ops
        if ops is None:
            built = _build(self.document())
            with self._lock:
                if self._ops is None:
                    self._ops = built
                ops = self._ops
        return ops

    def operation(self, op_id: str) -> Operation:
        """One operation by id (KeyError if the spec has no such operation).

        Example:
            >>> SPEC.operation("get_lists").query.page
            (10, 10)
        """
        return self.operations()[op_id]


def _build(doc: dict[str, Any]) -> dict[str, Operation]:
    out: dict[str, Operation] = {}
    for path, item in doc["paths"].items():
        for method, raw in item.items():
            if isinstance(raw, dict) and "operationId" in raw:
                out[raw["operationId"]] = _operation(path, method.upper(), raw)
    return out


def _media_schema(content: dict[str, Any] | None) -> Schema | None:
    for ctype in JSON_TYPES:
        media = (content or {}).get(ctype)
        if media is not None and "schema" in media:
            schema: Schema = media["schema"]
            return schema
    return None


def _operation(path: str, method: str, raw: dict[str, Any]) -> Operation:
    responses: dict[int, Schema | None] = {}
    for code, answer in raw["responses"].items():
        if code.startswith("2"):
            responses[int(code)] = _media_schema(answer.get("content"))
    body = raw.get("requestBody") or {}
    content = body.get("content") or {}
    return Operation(
        op_id=raw["operationId"],
        method=method,
        path=path,
        statuses=tuple(responses),
        request=_media_schema(content),
        multipart="multipart/form-data" in content,
        body_required=bool(body.get("required")),
        responses=responses,
        query=query_spec(raw),
        limits=limits(raw.get("x-klaviyo-ratelimit") or {}),
        public=raw.get("security") == [],
        raw=raw,
    )


def limits(table: dict[str, str]) -> Limits:
    """Limits from ``x-klaviyo-ratelimit`` (``{"burst": "75/s", "steady": "750/m", "daily": "100/d"}``).

    Example:
        >>> limits({"burst": "3/s", "steady": "60/m"})
        Limits(burst=3, steady=60, daily=None)
    """
    found: dict[str, int] = {}
    for text in table.values():
        count, _, unit = text.partition("/")
        found[_WINDOWS.get(unit.strip(), unit)] = int(count)
    return Limits(found.get("burst", 1), found.get("steady", 15), found.get("daily"))


def _enum(param: dict[str, Any]) -> list[str]:
    schema = param.get("schema") or {}
    items = schema.get("items") or schema
    return [str(v) for v in items.get("enum", [])]


def _filter_rule(spec: dict[str, Any]) -> filters.Rule:
    ops = frozenset(op for group in spec.get("operators", {}).values() for op in group)
    value = spec.get("value") or {}
    if set(spec.get("operators", {})) == {"none"}:
        kind = "none"
    elif value.get("format") == "date-time":
        kind = "datetime"
    elif value.get("type") in ("number", "integer"):
        kind = "number"
    elif value.get("type") == "boolean":
        kind = "boolean"
    else:
        kind = "string"
    return filters.Rule(ops, kind)


def query_spec(raw: dict[str, Any]) -> QuerySpec:
    """The :class:`~.query.QuerySpec` an operation's parameters declare.

    Example:
        >>> q = query_spec(SPEC.operation("get_catalog_items").raw)
        >>> sorted(q.filters or {}), q.sorts
        (['category.id', 'ids', 'published', 'title'], ('created',))
    """
    fields: dict[str, frozenset[str]] = {}
    additional: dict[str, frozenset[str]] = {}
    sorts: tuple[str, ...] = ()
    include: frozenset[str] = frozenset()
    page: tuple[int, int] | None = None
    cursor = False
    filter_required: str | None = None
    params: set[str] = set()
    required: set[str] = set()
    for param in raw.get("parameters", []):
        name, where = param["name"], param["in"]
        if where != "query":
            continue
        if name.startswith("fields["):
            fields[name[len("fields[") : -1]] = frozenset(v.split(".")[0] for v in _enum(param))
        elif name.startswith("additional-fields["):
            additional[name[len("additional-fields[") : -1]] = frozenset(_enum(param))
        elif name == "sort":
            sorts = tuple(dict.fromkeys(v.lstrip("-") for v in _enum(param)))
        elif name == "include":
            include = frozenset(_enum(param))
        elif name == "page[size]":
            schema = param.get("schema") or {}
            page = (int(schema.get("default", schema.get("maximum", 20))), int(schema.get("maximum", 100)))
        elif name == "page[cursor]":
            cursor = True
        elif name == "filter":
            filter_required = "*" if param.get("required") else None
        else:
            params.add(name)
            if param.get("required"):
                required.add(name)
    table = raw.get("x-klaviyo-filters")
    return QuerySpec(
        filters={name: _filter_rule(spec) for name, spec in table.items()} if table else None,
        filter_required=filter_required,
        sorts=sorts,
        fields=fields,
        include=include,
        additional=additional,
        page=page,
        cursor_page=CURSOR_PAGE if cursor and page is None else None,
        params=frozenset(params),
        required=frozenset(required),
    )


SPEC = Spec()
