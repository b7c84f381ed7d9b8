"""Inputs and request helpers shared by the action groups (one definition, reused everywhere).

Example:
    >>> sparse_fields("list", ["name", "created"])
    {'fields[list]': ['name', 'created']}
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition, DataSourceDefinition
from connector.framework.inputs import Collection, InputType, input_field, to_int, to_stripped

DOCS = "https://developers.klaviyo.com/en/reference/"

_ID = re.compile(r"[A-Za-z0-9_\-]{1,128}")


def clean_id(value: Any) -> str:
    """A Klaviyo resource id: trimmed, non-empty, and safe to put in a URL path.

    Example:
        >>> clean_id(" Y6nRLr ")
        'Y6nRLr'
    """
    text = to_stripped(value)
    if not _ID.fullmatch(text):
        raise InputError(f"must be a Klaviyo ID (letters, digits, '-' or '_'), got {text!r}")
    return text


def clean_non_blank(value: Any) -> str:
    """Text that is not only whitespace."""
    text = to_stripped(value)
    if not text:
        raise InputError("must not be blank")
    return text


def clean_positive_int(value: Any) -> int:
    """A whole number of at least 1."""
    number = to_int(value)
    if number < 1:
        raise InputError(f"must be 1 or more (got {number})")
    return number


def id_input(label: str, comments: str) -> Any:
    """A required resource-id input."""
    return input_field(label, comments=comments, required=True, clean=clean_id, example="Y6nRLr")


def fields_input(
    allowed: Sequence[str], label: str = "Fields", comments: str = "The fields to include in the response."
) -> Any:
    """A sparse-fieldset input: a JSON array or a comma-separated string of field names.

    Names are checked against ``allowed`` (dotted sub-fields such as ``location.city`` allowed).
    """

    def clean_field(value: Any) -> str:
        name = to_stripped(value)
        if name.split(".", 1)[0] not in allowed:
            raise InputError(f"unknown field {name!r}; allowed: {', '.join(allowed)}")
        return name

    return input_field(
        label,
        comments=comments,
        collection=Collection.VALUE_LIST,
        clean=clean_field,
        example=list(allowed[:2]),
        schema={"enum": list(allowed)} if not any("." in a for a in allowed) else {},
    )


def max_records_input() -> Any:
    """How many records a list action returns at most (every page is followed by default)."""
    return input_field(
        "Max Records",
        comments="The most records to return; leave empty to follow every page.",
        clean=clean_positive_int,
        example=100,
    )


def page_size_input(maximum: int) -> Any:
    """``page[size]`` for endpoints that accept it, checked against the endpoint's maximum."""

    def clean_page_size(value: Any) -> int:
        number = clean_positive_int(value)
        if number > maximum:
            raise InputError(f"must be at most {maximum} for this endpoint (got {number})")
        return number

    return input_field(
        "Page Size",
        comments=f"Records per request (1-{maximum}); leave empty for the maximum.",
        clean=clean_page_size,
        schema={"minimum": 1, "maximum": maximum},
    )


def filter_input(comments: str, default: str | None = None, required: bool = False) -> Any:
    """A Klaviyo filter expression, e.g. ``equals(name,"VIP")``."""
    return input_field("Filter", comments=comments, default=default, required=required, clean=to_stripped)


def sort_input(allowed: Sequence[str]) -> Any:
    """A sort field, ``-`` prefixed for descending."""
    choices = [c for name in allowed for c in (name, f"-{name}")]
    return input_field(
        "Sort", comments="Sort by this field; prefix with - for descending.", type=InputType.PICKLIST, choices=choices
    )


def sparse_fields(resource_type: str, fields: Sequence[str] | None) -> dict[str, Any]:
    """``fields[type]=a,b`` query parameters (nothing when no fields were asked for)."""
    return {f"fields[{resource_type}]": list(fields)} if fields else {}


def query(**params: Any) -> dict[str, Any]:
    """Query parameters with empty values dropped.

    Example:
        >>> query(filter=None, sort="-created")
        {'sort': '-created'}
    """
    return {k: v for k, v in params.items() if v not in (None, "", [], ())}


def get_document(client: KlaviyoClient, path: str, params: Mapping[str, Any] | None = None) -> Any:
    """GET one resource document."""
    return client.request("GET", path, params=params).json()


def list_resources(
    client: KlaviyoClient,
    path: str,
    params: Mapping[str, Any],
    *,
    page_size: int | None,
    default_page_size: int | None,
    limit: int | None,
) -> Iterator[dict[str, Any]]:
    """Stream a collection across pages (largest page by default, to use the fewest requests)."""
    size = page_size or default_page_size
    if size is not None and limit is not None:
        size = min(size, limit)
    return client.paginate(path, params=params, page_size=size, limit=limit)


@attrs.frozen
class NoInputs:
    """Inputs of a data source that needs nothing besides the connection."""


def delete_action(
    *, key: str, label: str, description: str, id_label: str, id_comments: str, path: str, operation: str
) -> ActionDefinition[Any]:
    """A Delete X action: one id input and ``DELETE path`` (204, nothing returned).

    ``path`` holds ``{id}``; the id input's Python name is the snake case of ``id_label``.

    Example:
        >>> d = delete_action(key="deleteList", label="Delete List", description="Delete a list.",
        ...                   id_label="List ID", id_comments="The list.", path="/api/lists/{id}",
        ...                   operation="delete_list")
        >>> d.clean({"listId": "Y6nRLr"})
        DeleteListInputs(list_id='Y6nRLr')
    """
    field_name = "_".join(id_label.lower().split())
    inputs = attrs.make_class(
        label.replace(" ", "") + "Inputs", {field_name: id_input(id_label, id_comments)}, frozen=True
    )

    def perform(client: KlaviyoClient, values: Any) -> None:
        client.request("DELETE", path.format(id=getattr(values, field_name)))

    perform.__doc__ = f"``DELETE {path}`` (``{operation}``): 204, nothing returned."
    return ActionDefinition(
        key=key, label=label, description=description, inputs=inputs, perform=perform, operation_ids=(operation,)
    )


def picklist(
    *,
    key: str,
    label: str,
    description: str,
    path: str,
    resource_type: str,
    label_fields: Sequence[str] = ("name",),
    page_size: int | None = None,
) -> DataSourceDefinition[Any]:
    """A Select X data source: every resource of ``path`` as ``{"label", "key"}``, across every page.

    The label is the first non-empty of ``label_fields`` (the id when none is set); only those fields
    are asked for, to keep the pages small.

    Example:
        >>> picklist(key="selectList", label="Select List", description="Lists.", path="/api/lists",
        ...          resource_type="list").key
        'selectList'
    """

    def perform(client: KlaviyoClient, _: Any) -> Iterator[dict[str, str]]:
        params = {f"fields[{resource_type}]": list(label_fields)}
        for resource in client.paginate(path, params=params, page_size=page_size):
            attributes = resource.get("attributes") or {}
            text = next((attributes[f] for f in label_fields if attributes.get(f)), None) or resource.get("id")
            yield {"label": str(text), "key": str(resource.get("id"))}

    perform.__doc__ = f"Every {resource_type} of ``GET {path}`` as ``{{'label', 'key'}}``."
    return DataSourceDefinition(key=key, label=label, description=description, inputs=NoInputs, perform=perform)
