"""Calls through the operation layer: how every request the SDK builds for Klaviyo is checked and sent.

A call names an operation of the registry; its method, path template, retry safety and rules come from there:

- path ids are escaped as path segments (an id read from an answer, such as ``../../x?y=1``, stays one segment);
- query parameters are checked: sparse ``fields[type]`` names, ``additional-fields``, ``include`` values,
  ``filter`` fields and operators, ``sort`` values, ``page[size]`` within the operation's maximum, the other
  parameters the operation declares (an unknown one is refused);
- the body is checked against the operation's request schema (resource type, attributes and their types,
  required ones, enums, relationships), so a typo is an :class:`InputError` naming where it is, never a 400;
- the call is marked safe to repeat after a 5xx only when the registry says so.

Example:
    >>> call = build("update_list", ids={"id": "Y6nRLr"},
    ...              body={"data": {"type": "list", "id": "Y6nRLr", "attributes": {"name": "VIP"}}})
    >>> call.method, call.path, call.retry_safe
    ('PATCH', '/api/lists/Y6nRLr', True)
    >>> build("get_profile", ids={"id": "../../x?y=1"}).path
    '/api/profiles/..%2F..%2Fx%3Fy%3D1'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from connector import structs
from connector.client.errors import InputError
from connector.client.pagination import page_resources
from connector.klaviyo.operations.filters import check_filter
from connector.klaviyo.operations.registry import Operation, operation
from connector.klaviyo.operations.schema import check

if TYPE_CHECKING:
    from connector.client.pipeline import KlaviyoClient
    from connector.client.response import KlaviyoResponse


@structs.frozen
class Call:
    """A checked request for one operation: concrete path, query and body, and whether a repeat is safe."""

    operation: Operation
    path: str
    params: Mapping[str, Any]
    body: Any = None
    retry_safe: bool = False
    headers: Mapping[str, str] = structs.field(factory=dict)

    @property
    def method(self) -> str:
        """The operation's HTTP method."""
        return self.operation.method


def build(
    op_id: str,
    *,
    ids: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Call:
    """Check a request for ``op_id`` and return it ready to send; raises :class:`InputError` before any request.

    ``headers`` are the operation's own declared headers (``X-Klaviyo-API-Filters``), nothing else.

    Example:
        >>> build("get_lists", params={"sort": "-nmae"})
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: sort: must be one of created, -created, id, -id, name, -name, ...
    """
    op = operation(op_id)
    path = fill_path(op, ids or {})
    query = check_query(op, params or {})
    check_body(op, body)
    undeclared = sorted(set(headers or {}) - set(op.headers))
    if undeclared:
        raise InputError(f"{undeclared[0]}: not a header of {op.id}", key=undeclared[0])
    return Call(op, path, query, body, is_retry_safe(op, body), dict(headers or {}))


def fill_path(op: Operation, ids: Mapping[str, str]) -> str:
    """The operation's path with each ``{name}`` replaced by its id, escaped as one path segment.

    Example:
        >>> fill_path(operation("get_list"), {"id": ".."})
        '/api/lists/%2E%2E'
    """
    missing = [name for name in op.path_params if not str(ids.get(name) or "").strip()]
    if missing:
        raise InputError(f"{', '.join(missing)}: a Klaviyo ID is required for {op.id}", key=missing[0])
    unknown = sorted(set(ids) - set(op.path_params))
    if unknown:
        raise InputError(f"{op.id} has no path parameter {', '.join(unknown)}", key=unknown[0])
    path = op.path
    for name in op.path_params:
        path = path.replace("{" + name + "}", segment(str(ids[name]).strip()))
    return path


def segment(value: str) -> str:
    """``value`` escaped as exactly one path segment (``/``, ``?``, ``#``, ``%`` and dot-only names included).

    Example:
        >>> segment("a/b?c"), segment("."), segment("01J0ABC")
        ('a%2Fb%3Fc', '%2E', '01J0ABC')
    """
    if value.strip(".") == "":
        return "%2E" * len(value)  # "." and ".." would be read as "this" / "parent" directory
    return quote(value, safe="")


def check_query(op: Operation, params: Mapping[str, Any]) -> dict[str, Any]:
    """The query parameters, checked against what ``op`` accepts (empty values dropped)."""
    out: dict[str, Any] = {}
    query = op.query
    for name, value in params.items():
        if value is None or value == "" or value == [] or value == ():
            continue
        _check_param(op, name, value)
        out[name] = value
    if query.filter_required and "filter" not in out:
        raise InputError(f"filter: {op.id} requires a filter", key="filter")
    for param in query.other:
        if param.required and param.name not in out:
            raise InputError(f"{param.name}: {op.id} requires it", key=param.name)
    return out


def _check_param(op: Operation, name: str, value: Any) -> None:
    query = op.query
    if name.startswith("fields[") and name.endswith("]"):
        _check_names(name, value, query.fields.get(name[7:-1]))
    elif name.startswith("additional-fields[") and name.endswith("]"):
        _check_names(name, value, query.additional_fields.get(name[18:-1]))
    elif name == "include":
        _check_names(name, value, query.include)
    elif name == "filter" and (query.filters is not None or query.filter_required):
        check_filter(str(value), query.filters)
    elif name == "sort" and query.sort is not None:
        allowed = [v for s in query.sort for v in (s, f"-{s}")]
        if str(value) not in allowed:
            raise InputError(f"sort: must be one of {', '.join(allowed)} (got {value!r})", key="sort")
    elif name == "page[size]" and query.page_size_max is not None:
        _check_page_size(value, query.page_size_max)
    elif name in ("page[cursor]", "page_cursor") and query.cursor is not None:
        return
    else:
        _check_other(op, name, value)


def _check_names(name: str, value: Any, allowed: Sequence[str] | None) -> None:
    """Every name is one the spec lists (dotted sub-fields such as ``location.city`` are listed too)."""
    if allowed is None:
        raise InputError(f"{name}: not a parameter of this operation", key=name)
    names = value.split(",") if isinstance(value, str) else list(value)
    for item in names:
        text = str(item).strip()
        if text not in allowed:
            raise InputError(f"{name}: unknown value {text!r}; allowed: {', '.join(allowed)}", key=name)


def _check_page_size(value: Any, maximum: int) -> None:
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise InputError(f"page[size]: must be a whole number (got {value!r})", key="page[size]") from None
    if not 1 <= size <= maximum:
        raise InputError(f"page[size]: must be 1-{maximum} for this operation (got {size})", key="page[size]")


def _check_other(op: Operation, name: str, value: Any) -> None:
    declared = {p.name: p for p in op.query.other}
    param = declared.get(name)
    if param is None:
        raise InputError(f"{name}: not a query parameter of {op.id}", key=name)
    if param.enum is not None and str(value) not in param.enum:
        raise InputError(f"{name}: must be one of {', '.join(param.enum)} (got {value!r})", key=name)


def check_body(op: Operation, body: Any) -> None:
    """Check a JSON body against ``op``'s request schema (multipart bodies are built by code, not checked here)."""
    spec = op.body
    if spec is None:
        if body is not None:
            raise InputError(f"{op.id} takes no request body", key="data")
        return
    if spec.shape == "form":
        return
    if body is None:
        if spec.required:
            raise InputError(f"data: {op.id} needs a request body", key="data")
        return
    if not isinstance(body, Mapping) or set(body) != {"data"}:
        raise InputError('data: the body must be a JSON object {"data": ...}', key="data")
    if spec.shape == "array":
        _check_items(op, body["data"])
    else:
        _check_resource(op, body["data"])


def _check_items(op: Operation, items: Any) -> None:
    assert op.body is not None and op.body.item is not None
    check(items, {"type": "array", "items": op.body.item}, op.schemas, "data")


def _check_resource(op: Operation, data: Any) -> None:
    spec = op.body
    assert spec is not None
    if not isinstance(data, Mapping):
        raise InputError("data: must be a JSON object (the resource)", key="data")
    allowed = {"type"} | {
        name
        for name, present in (
            ("id", spec.id != "none"),
            ("attributes", spec.attributes is not None),
            ("relationships", spec.relationships is not None),
            ("meta", spec.meta is not None),
        )
        if present
    }
    extra = sorted(set(data) - allowed)
    if extra:
        where = f"data.{extra[0]}"
        raise InputError(f"{where}: not part of {op.id}'s request; allowed: {', '.join(sorted(allowed))}", key=where)
    if data.get("type") != spec.type:
        raise InputError(f"data.type: must be {spec.type!r} (got {data.get('type')!r})", key="data.type")
    if spec.id == "required" and not data.get("id"):
        raise InputError("data.id: is required (the id of the resource in the path)", key="data.id")
    for part, schema, required in (
        ("attributes", spec.attributes, spec.attributes_required),
        ("relationships", spec.relationships, spec.relationships_required),
        ("meta", spec.meta, False),
    ):
        if schema is None:
            continue
        if part not in data:
            if required:
                raise InputError(f"data.{part}: is required", key=f"data.{part}")
            continue
        check(data[part], schema, op.schemas, f"data.{part}")


def is_retry_safe(op: Operation, body: Any) -> bool:
    """Whether ``op`` with this body may be repeated after a 5xx or a dropped connection (see the registry).

    Example:
        >>> is_retry_safe(operation("create_list"), None), is_retry_safe(operation("delete_list"), None)
        (False, True)
        >>> event = {"data": {"type": "event", "attributes": {"unique_id": "o-1"}}}
        >>> is_retry_safe(operation("create_event"), event)
        True
    """
    if _appends(body):
        return False
    if op.retry == "always":
        return True
    if op.retry == "unique_id":
        return all(_has_unique_id(event) for event in _events(body))
    return False


def _events(body: Any) -> list[Any]:
    """The event resources of an event-creating body: the one event, or every event of a bulk job."""
    data = body.get("data") if isinstance(body, Mapping) else None
    attributes = data.get("attributes") if isinstance(data, Mapping) else None
    if not isinstance(attributes, Mapping):
        return [None]
    bulk = attributes.get("events-bulk-create")
    if not isinstance(bulk, Mapping):
        return [data]
    events: list[Any] = []
    for entry in bulk.get("data") or [None]:
        entry_attributes = entry.get("attributes") if isinstance(entry, Mapping) else None
        per_profile = (entry_attributes or {}).get("events") or {}
        events.extend(per_profile.get("data") or [None])
    return events


def _appends(body: Any) -> bool:
    """A profile's ``meta.patch_properties.append`` (on the profile, or an event's profile) adds its value again
    when the request is repeated after a lost answer; unappend and unset are idempotent.

    Example:
        >>> _appends({"data": {"meta": {"patch_properties": {"append": {"tags": "vip"}}}}})
        True
        >>> _appends({"data": {"meta": {"patch_properties": {"unset": "tags"}}}})
        False
    """
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        return False
    profile = ((data.get("attributes") or {}).get("profile") or {}).get("data")
    for meta in (data.get("meta"), profile.get("meta") if isinstance(profile, Mapping) else None):
        patch = meta.get("patch_properties") if isinstance(meta, Mapping) else None
        if isinstance(patch, Mapping) and patch.get("append"):
            return True
    return False


def _has_unique_id(event: Any) -> bool:
    return isinstance(event, Mapping) and bool((event.get("attributes") or {}).get("unique_id"))


def send(client: KlaviyoClient, call: Call, *, retry_safe: bool | None = None, **options: Any) -> KlaviyoResponse:
    """Send a checked call through the client's pipeline (``options``: ``files``, ``headers``, ``timeout``...).

    ``retry_safe`` overrides the registry's rule only where the caller handles what a repeat answers (Create
    Profile repeated after a lost answer gets a 409 naming the profile it created, which the caller reads).
    """
    if call.headers:
        options["headers"] = {**call.headers, **(options.get("headers") or {})}
    return client.request(
        call.method,
        call.path,
        params=dict(call.params) or None,
        json=call.body if call.operation.body is None or call.operation.body.shape != "form" else None,
        retry_safe=call.retry_safe if retry_safe is None else retry_safe,
        **options,
    )


def request(
    client: KlaviyoClient,
    op_id: str,
    *,
    ids: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
    retry_safe: bool | None = None,
    **options: Any,
) -> KlaviyoResponse:
    """Check and send one call of ``op_id`` (see :func:`build`); returns the successful response.

    Example:
        >>> from connector.sandbox import Sandbox
        >>> from connector.shell.facade import Klaviyo
        >>> with Sandbox() as sb:
        ...     client = Klaviyo(api_key=sb.api_key, base_url=sb.url).client
        ...     created = request(client, "create_list", body={"data": {"type": "list", "attributes": {"name": "VIP"}}})
        >>> created.status, created.json()["data"]["attributes"]["name"]
        (201, 'VIP')
    """
    return send(client, build(op_id, ids=ids, params=params, body=body), retry_safe=retry_safe, **options)


def paginate(
    client: KlaviyoClient,
    op_id: str,
    *,
    ids: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    page_size: int | None = None,
    limit: int | None = None,
    attach_included: bool = False,
) -> Iterator[dict[str, Any]]:
    """Stream the resources of a collection operation across pages (largest page by default), up to ``limit``.

    ``attach_included`` gives each resource the ``included`` resources its relationships point at (asked for with
    ``include=``), so they survive streaming one resource at a time.

    Example:
        >>> from connector.sandbox import Sandbox
        >>> from connector.shell.facade import Klaviyo
        >>> with Sandbox() as sb:
        ...     client = Klaviyo(api_key=sb.api_key, base_url=sb.url).client
        ...     for n in range(12):  # two pages: Get Lists returns at most 10 a page
        ...         _ = request(client, "create_list", body={"data": {"type": "list", "attributes": {"name": f"L{n}"}}})
        ...     names = [lst["attributes"]["name"] for lst in paginate(client, "get_lists", params={"sort": "name"})]
        >>> len(names), names[:2]
        (12, ['L0', 'L1'])
    """
    op = operation(op_id)
    size = page_size or op.query.page_size_max
    if size is not None and limit is not None:
        size = min(size, max(limit, 1))
    query = dict(params or {})
    if size is not None and op.query.page_size_max is not None:
        query["page[size]"] = size
    call = build(op_id, ids=ids, params=query)
    first = {k: v for k, v in call.params.items() if k != "page[size]"}
    if not attach_included:
        return client.paginate(call.path, params=first, page_size=call.params.get("page[size]"), limit=limit)
    pages = client.pages(call.path, params=first, page_size=call.params.get("page[size]"))
    return _with_included(pages, limit)


def _with_included(pages: Iterator[KlaviyoResponse], limit: int | None) -> Iterator[dict[str, Any]]:
    """Each resource of the pages with ``included``: the related resources Klaviyo included for it."""
    count = 0
    if limit == 0:
        return
    for page in pages:
        resources = page_resources(page)  # a page that is no JSON:API collection is refused here
        included = page.json().get("included") or []
        if not isinstance(included, list):
            raise page.malformed("the page's included is not an array")
        related = {(r.get("type"), r.get("id")): r for r in included if isinstance(r, Mapping)}
        for resource in resources:
            found = (related.get(key) for key in related_ids(resource))
            yield {**resource, "included": [r for r in found if r is not None]}
            count += 1
            if limit is not None and count >= limit:
                return


def related_ids(resource: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """``(type, id)`` of every resource the relationships of ``resource`` point at.

    Example:
        >>> related_ids({"relationships": {"metric": {"data": {"type": "metric", "id": "M1"}},
        ...                                "tags": {"data": [{"type": "tag", "id": "T1"}]}}})
        [('metric', 'M1'), ('tag', 'T1')]
    """
    out = []
    for relationship in (resource.get("relationships") or {}).values():
        data = relationship.get("data") if isinstance(relationship, Mapping) else None
        for linkage in data if isinstance(data, list) else [data]:
            if isinstance(linkage, Mapping):
                out.append((linkage.get("type"), linkage.get("id")))
    return out


def send_encoded(
    client: KlaviyoClient, op_id: str, payload: bytes, *, ids: Mapping[str, str] | None = None, unique_ids: bool = True
) -> KlaviyoResponse:
    """Send a body already encoded by a domain builder (the bulk senders' hot path).

    Such bodies are shaped by code, not by a user: ``tests/test_bodies_match_the_registry.py`` checks every
    builder's output against the operation's schema, so the bytes are not decoded and checked again for each
    request. ``unique_ids`` says every event carries a ``unique_id`` (event operations are then safe to repeat).
    """
    op = operation(op_id)
    safe = op.retry == "always" or (op.retry == "unique_id" and unique_ids)
    return client.request(
        op.method,
        fill_path(op, ids or {}),
        data=payload,
        headers={"Content-Type": "application/vnd.api+json"},
        retry_safe=safe,
    )
