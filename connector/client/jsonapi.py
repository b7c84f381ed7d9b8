"""JSON:API documents as typed attrs models (via cattrs), and request bodies built the same way.

Responses are parsed tolerantly: unknown keys are ignored, nulls and missing keys become None, and
the raw JSON of every resource stays available as ``.raw``.

Example:
    >>> import attrs
    >>> @attrs.frozen
    ... class ListAttributes:
    ...     name: str | None = None
    >>> r = parse_resource(ListAttributes, {"type": "list", "id": "Y6nRLr",
    ...                                     "attributes": {"name": "VIP", "new_key": 1}})
    >>> r.id, r.attributes.name, r.raw["attributes"]["new_key"]
    ('Y6nRLr', 'VIP', 1)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from typing import Any, Generic, TypeVar

from connector import structs

A = TypeVar("A")


@structs.frozen
class Resource(Generic[A]):
    """One JSON:API resource: ``type``, ``id``, typed ``attributes``, ``relationships``, ``links``, ``raw``.

    Example:
        >>> Resource(type="list", id="x", attributes={}).id
        'x'
    """

    type: str
    id: str | None
    attributes: A
    relationships: Mapping[str, Any] = structs.field(factory=dict)
    links: Mapping[str, Any] = structs.field(factory=dict)
    raw: Mapping[str, Any] = structs.field(factory=dict, eq=False, repr=False)

    def to_json(self) -> Mapping[str, Any]:
        """The resource exactly as Klaviyo sent it."""
        return self.raw


@cache
def response_converter() -> Any:
    """The tolerant cattrs converter for responses (created on first use to keep imports fast)."""
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=False)

    def structure_datetime(value: Any, _: type) -> dt.datetime | None:
        if value is None or isinstance(value, dt.datetime):
            return value
        text = str(value).replace("Z", "+00:00")
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return None  # tolerate odd formats; the raw value stays in .raw

    converter.register_structure_hook(dt.datetime, structure_datetime)
    # By predicate: Python 3.10's singledispatch refuses ``typing.Any`` as a class to register.
    converter.register_structure_hook_func(lambda kind: kind is Any, lambda value, _: value)
    return converter


def parse_resource(attributes_cls: type[A], raw: Mapping[str, Any]) -> Resource[A]:
    """Parse one resource object into :class:`Resource` with typed attributes."""
    attributes = raw.get("attributes") if isinstance(raw.get("attributes"), Mapping) else {}
    clean = {k.replace("-", "_"): v for k, v in (attributes or {}).items()}
    relationships = raw.get("relationships")
    links = raw.get("links")
    return Resource(
        type=str(raw.get("type") or ""),
        id=None if raw.get("id") is None else str(raw.get("id")),
        attributes=response_converter().structure(clean, attributes_cls),
        relationships=relationships if isinstance(relationships, Mapping) else {},
        links=links if isinstance(links, Mapping) else {},
        raw=raw,
    )


def parse_document(attributes_cls: type[A], document: Mapping[str, Any]) -> Resource[A]:
    """Parse ``{"data": {...}}`` (a single-resource document)."""
    data = document.get("data") if isinstance(document, Mapping) else None
    if not isinstance(data, Mapping):
        raise ValueError("expected a JSON:API document with a single resource in 'data'")
    return parse_resource(attributes_cls, data)


def resource_body(
    resource_type: str,
    attributes: Mapping[str, Any],
    *,
    resource_id: str | None = None,
    relationships: Mapping[str, Any] | None = None,
    keep_nulls: bool = False,
) -> dict[str, Any]:
    """A JSON:API request body ``{"data": {"type", "id"?, "attributes", "relationships"?}}``.

    None-valued attributes are left out (on PATCH an omitted key is unchanged, while null clears it),
    unless ``keep_nulls``.

    Example:
        >>> resource_body("list", {"name": "VIP", "opt_in_process": None}, resource_id="Y6nRLr")
        {'data': {'type': 'list', 'id': 'Y6nRLr', 'attributes': {'name': 'VIP'}}}
    """
    data: dict[str, Any] = {"type": resource_type}
    if resource_id is not None:
        data["id"] = resource_id
    data["attributes"] = {k: v for k, v in attributes.items() if keep_nulls or v is not None}
    if relationships:
        data["relationships"] = dict(relationships)
    return {"data": data}


def relationship(resource_type: str, resource_id: str) -> dict[str, Any]:
    """A to-one relationship object ``{"data": {"type", "id"}}``.

    Example:
        >>> relationship("list", "Y6nRLr")
        {'data': {'type': 'list', 'id': 'Y6nRLr'}}
    """
    return {"data": {"type": resource_type, "id": resource_id}}
