"""The operation registry: every Klaviyo operation of the pinned revision, as typed values, loaded lazily.

The data is generated from Klaviyo's OpenAPI spec (:mod:`connector.klaviyo.operations.generate`); this module
only reads it. Looking up an operation imports the small generated index; its details (parameters, body
schema) are read from its group's JSON file the first time an operation of that group is used, so a low-code
step that calls one operation pays for one group.

Example:
    >>> op = operation("get_lists")
    >>> op.method, op.path, op.query.page_size_max, op.tier
    ('GET', '/api/lists', 10, Tier(burst=75, steady=750, daily=0))
    >>> find("DELETE", "/api/lists/Y6nRLr").id
    'delete_list'
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connector import structs
from connector.client.errors import InputError

DATA = Path(__file__).resolve().parent / "data"
DOCS = "https://developers.klaviyo.com/en/reference/"


@structs.frozen
class Tier:
    """An operation's rate limits: requests per second (burst), per minute (steady), per day (0 = none given).

    Example:
        >>> Tier(10, 150).steady_rate
        2.5
    """

    burst: int
    steady: int
    daily: int = 0

    @property
    def steady_rate(self) -> float:
        """Requests per second sustainable for ever."""
        return self.steady / 60.0


@structs.frozen
class ReducedTier:
    """A lower tier Klaviyo applies when a query parameter has a value (``additional-fields[list]=profile_count``)."""

    param: str
    value: str
    tier: Tier


@structs.frozen
class FilterField:
    """One field a ``filter`` may name: the operators it takes and its value's schema."""

    name: str
    operators: frozenset[str]
    value: Mapping[str, Any]


@structs.frozen
class Parameter:
    """A query parameter outside the JSON:API conventions (``company_id``, report ``timeframe``...)."""

    name: str
    required: bool = False
    type: str | None = None
    enum: tuple[str, ...] | None = None
    description: str = ""
    example: Any = None


@structs.frozen
class Query:
    """The query parameters an operation accepts."""

    fields: Mapping[str, tuple[str, ...]] = structs.field(factory=dict)
    additional_fields: Mapping[str, tuple[str, ...]] = structs.field(factory=dict)
    include: tuple[str, ...] | None = None
    filters: Mapping[str, FilterField] | None = None
    filter_required: bool = False
    sort: tuple[str, ...] | None = None
    page_size_max: int | None = None
    page_size_default: int | None = None
    cursor: str | None = None
    other: tuple[Parameter, ...] = ()

    @property
    def paged(self) -> bool:
        """True for collection operations that return ``links.next``."""
        return self.cursor is not None


@structs.frozen
class Body:
    """An operation's request body.

    ``shape`` is ``object`` (``{"data": {type, id?, attributes?, relationships?, meta?}}``), ``array``
    (``{"data": [{type, id}]}``, relationship endpoints) or ``form`` (multipart). Schemas are in the registry's
    compact form (see :mod:`connector.klaviyo.operations.schema`).
    """

    media: str
    shape: str
    required: bool = True
    type: str | None = None
    id: str = "none"
    attributes: Mapping[str, Any] | None = None
    attributes_required: bool = False
    relationships: Mapping[str, Any] | None = None
    relationships_required: bool = False
    meta: Mapping[str, Any] | None = None
    item: Mapping[str, Any] | None = None
    form: Mapping[str, Any] | None = None


@structs.frozen
class Operation:
    """One Klaviyo operation (``operationId``), everything the SDK knows about it.

    ``retry`` is ``always`` (safe to repeat after a 5xx), ``unique_id`` (safe when every event carries a
    ``unique_id``) or ``never``. ``schemas`` resolves the ``$ref`` names of this operation's group.
    """

    id: str
    method: str
    path: str
    group: str
    summary: str
    description: str
    path_params: tuple[str, ...]
    query: Query
    headers: tuple[str, ...]
    body: Body | None
    statuses: tuple[int, ...]
    response_type: str | None
    returns_many: bool
    tier: Tier
    reduced_tiers: tuple[ReducedTier, ...]
    scopes: tuple[str, ...]
    retry: str
    public: bool
    beta: bool
    schemas: Mapping[str, Any] = structs.field(repr=False)

    @property
    def docs_url(self) -> str:
        """Klaviyo's reference page of the operation."""
        return DOCS + self.id

    @property
    def group_slug(self) -> str:
        """The group as a module name (``custom_objects``)."""
        return _slug(self.group)

    def tier_for(self, params: Mapping[str, Any] | None) -> Tier:
        """The tier of a call with these query parameters (a reduced one when a parameter value asks for it).

        Example:
            >>> operation("get_list").tier_for({"additional-fields[list]": ["profile_count"]})
            Tier(burst=1, steady=15, daily=0)
        """
        for reduced in self.reduced_tiers:
            value = (params or {}).get(reduced.param)
            values = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
            if reduced.value in values:
                return reduced.tier
        return self.tier


def _slug(group: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", group.lower()).strip("_")


@functools.cache
def _index() -> Mapping[str, tuple[str, str, str, int, int, int]]:
    from connector.klaviyo.operations._index import OPERATIONS

    return OPERATIONS


@functools.cache
def _group(slug: str) -> Mapping[str, Any]:
    with (DATA / f"{slug}.json").open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def operation_ids() -> list[str]:
    """Every operation id of the revision, in the spec's order.

    Example:
        >>> len(operation_ids())
        345
    """
    return list(_index())


def groups() -> dict[str, list[str]]:
    """Group slug -> its operation ids.

    Example:
        >>> groups()["accounts"]
        ['get_accounts', 'get_account']
    """
    out: dict[str, list[str]] = {}
    for op_id, row in _index().items():
        out.setdefault(row[2], []).append(op_id)
    return out


def tier_of(op_id: str) -> Tier:
    """The tier of an operation, from the index alone (no group file is read).

    Example:
        >>> tier_of("bulk_import_profiles")
        Tier(burst=10, steady=150, daily=0)
    """
    row = _index()[op_id]
    return Tier(row[3], row[4], row[5])


@functools.cache
def operation(op_id: str) -> Operation:
    """The operation with this id; an :class:`InputError` naming close matches otherwise."""
    row = _index().get(op_id)
    if row is None:
        import difflib

        close = difflib.get_close_matches(op_id, list(_index()), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"unknown Klaviyo operation {op_id!r}{hint}")
    data = _group(row[2])
    return _operation(data["operations"][op_id], data.get("schemas") or {})


def _operation(raw: Mapping[str, Any], schemas: Mapping[str, Any]) -> Operation:
    query = raw["query"]
    filters = query.get("filter")
    body = raw.get("body")
    return Operation(
        id=raw["id"],
        method=raw["method"],
        path=raw["path"],
        group=raw["group"],
        summary=raw["summary"],
        description=raw["description"],
        path_params=tuple(raw["path_params"]),
        query=Query(
            fields={k: tuple(v) for k, v in (query.get("fields") or {}).items()},
            additional_fields={k: tuple(v) for k, v in (query.get("additional_fields") or {}).items()},
            include=tuple(query["include"]) if "include" in query else None,
            filters=(
                {
                    name: FilterField(name, frozenset(f["operators"]), f["value"])
                    for name, f in filters["fields"].items()
                }
                if filters
                else None
            ),
            filter_required=bool(filters and filters["required"]),
            sort=tuple(query["sort"]) if "sort" in query else None,
            page_size_max=(query.get("page_size") or {}).get("max"),
            page_size_default=(query.get("page_size") or {}).get("default"),
            cursor=query.get("cursor"),
            other=tuple(
                Parameter(
                    name=p["name"],
                    required=p["required"],
                    type=p.get("type"),
                    enum=tuple(p["enum"]) if "enum" in p else None,
                    description=p.get("description", ""),
                    example=p.get("example"),
                )
                for p in query.get("other", [])
            ),
        ),
        headers=tuple(raw["headers"]),
        body=Body(**{k: v for k, v in body.items() if k in structs.fields_dict(Body)}) if body else None,
        statuses=tuple(raw["response"]["statuses"]),
        response_type=raw["response"]["type"],
        returns_many=raw["response"]["many"],
        tier=Tier(raw["tier"].get("burst", 0), raw["tier"].get("steady", 0), raw["tier"].get("daily", 0)),
        reduced_tiers=tuple(
            ReducedTier(r["param"], r["value"], Tier(r["burst"], r["steady"])) for r in raw["reduced_tiers"]
        ),
        scopes=tuple(raw["scopes"]),
        retry=raw["retry"],
        public=raw["public"],
        beta=raw["beta"],
        schemas=schemas,
    )


@functools.cache
def _matchers() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    """Method -> (path regex, operation id), literal segments before templated ones so ``/x/{id}`` loses."""
    out: dict[str, list[tuple[re.Pattern[str], str, int]]] = {}
    for op_id, (method, path, *_rest) in _index().items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
        out.setdefault(method, []).append((re.compile(pattern + "/?$"), op_id, path.count("{")))
    return {m: [(p, i) for p, i, _ in sorted(rows, key=lambda r: r[2])] for m, rows in out.items()}


def find(method: str, path: str) -> Operation | None:
    """The operation a concrete request path calls (``GET /api/lists/Y6nRLr`` -> ``get_list``), or None.

    Example:
        >>> find("GET", "/api/lists/Y6nRLr/relationships/profiles").id
        'get_profile_ids_for_list'
        >>> find("GET", "/nowhere") is None
        True
    """
    op_id = find_id(method, path)
    return operation(op_id) if op_id else None


@functools.lru_cache(maxsize=512)
def find_id(method: str, path: str) -> str | None:
    """Like :func:`find`, the id only, from the index alone (rate limiting calls it for every request)."""
    for pattern, op_id in _matchers().get(method.upper(), []):
        if pattern.match(path):
            return op_id
    return None
