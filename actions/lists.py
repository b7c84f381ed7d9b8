"""Lists: create, read, update, delete, list them, and list their profiles.

Example:
    >>> # from connector import Klaviyo
    >>> # vip = Klaviyo(api_key="pk_...").lists.create(name="VIP")

Reference: https://developers.klaviyo.com/en/reference/lists_api_overview
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import attrs

from actions._shared import (
    DOCS,
    clean_non_blank,
    delete_action,
    fields_input,
    filter_input,
    get_document,
    id_input,
    list_resources,
    max_records_input,
    page_size_input,
    picklist,
    query,
    sort_input,
    sparse_fields,
)
from connector.client.jsonapi import Resource, resource_body
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition
from connector.framework.facade import ResourceGroup
from connector.framework.inputs import InputType, input_field

LIST_FIELDS = ("created", "id", "name", "opt_in_process", "profile_count", "updated")
LIST_PAGE_MAX = 10
OPT_IN_CHOICES = ("double_opt_in", "single_opt_in")
LIST_NAME_COMMENTS = "A helpful name to label the list."
LIST_ID_COMMENTS = "The unique identifier of the list."


@attrs.frozen
class ListAttributes:
    """A list's attributes as Klaviyo returns them (every field may be absent).

    Example:
        >>> ListAttributes(name="VIP").name
        'VIP'
    """

    name: str | None = None
    opt_in_process: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    profile_count: int | None = None


KlaviyoList = Resource[ListAttributes]


# -- Create List -------------------------------------------------------------------------------


@attrs.frozen
class CreateListInputs:
    """Inputs of Create List."""

    list_name: str = input_field(
        "List Name", comments=LIST_NAME_COMMENTS, default="Newsletter", required=True, clean=clean_non_blank
    )
    opt_in_process: str | None = input_field(
        "Opt-in Process",
        comments="single_opt_in or double_opt_in; leave empty for the account default.",
        type=InputType.PICKLIST,
        choices=OPT_IN_CHOICES,
    )


def create_list(client: KlaviyoClient, inputs: CreateListInputs) -> Any:
    """``POST /api/lists`` (``create_list``): create a list and return its document.

    Example:
        >>> # create_list(client, CreateListInputs(list_name="VIP"))
    """
    body = resource_body("list", {"name": inputs.list_name, "opt_in_process": inputs.opt_in_process})
    return client.request("POST", "/api/lists", json=body).json()


CREATE_LIST = ActionDefinition(
    key="createList",
    label="Create List",
    description="Create a new list.",
    inputs=CreateListInputs,
    perform=create_list,
    docs_url=DOCS + "create_list",
)


# -- Get List ----------------------------------------------------------------------------------


@attrs.frozen
class GetListInputs:
    """Inputs of Get List."""

    list_id: str = id_input("List ID", LIST_ID_COMMENTS)
    fields: list[str] = fields_input(LIST_FIELDS)
    include_profile_count: bool | None = input_field(
        "Include Profile Count",
        type=InputType.BOOLEAN,
        comments="Also return profile_count (Klaviyo lowers this call's rate limit to 1/s, 15/m).",
        default="false",
    )


def get_list(client: KlaviyoClient, inputs: GetListInputs) -> Any:
    """``GET /api/lists/{id}`` (``get_list``)."""
    params = {
        **sparse_fields("list", inputs.fields),
        **query(**{"additional-fields[list]": ["profile_count"] if inputs.include_profile_count else None}),
    }
    return get_document(client, f"/api/lists/{inputs.list_id}", params)


GET_LIST = ActionDefinition(
    key="getList",
    label="Get List",
    description="Get a list with the given list ID.",
    inputs=GetListInputs,
    perform=get_list,
    docs_url=DOCS + "get_list",
)


# -- List Lists --------------------------------------------------------------------------------


@attrs.frozen
class ListListsInputs:
    """Inputs of List Lists."""

    fields: list[str] = fields_input(tuple(f for f in LIST_FIELDS if f != "profile_count"))
    filter: str | None = filter_input(
        'Klaviyo filter, e.g. equals(name,"VIP"); fields: name, id (any/equals), created, updated (greater-than).'
    )
    sort: str | None = sort_input(("created", "id", "name", "updated"))
    max_records: int | None = max_records_input()
    page_size: int | None = page_size_input(LIST_PAGE_MAX)


def list_lists(client: KlaviyoClient, inputs: ListListsInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/lists`` (``get_lists``), following every page; streams resources.

    Example:
        >>> # for lst in list_lists(client, ListListsInputs()): print(lst["id"])
    """
    params = {**sparse_fields("list", inputs.fields), **query(filter=inputs.filter, sort=inputs.sort)}
    return list_resources(
        client,
        "/api/lists",
        params,
        page_size=inputs.page_size,
        default_page_size=LIST_PAGE_MAX,
        limit=inputs.max_records,
    )


LIST_LISTS = ActionDefinition(
    key="listLists",
    label="List Lists",
    description="Get all lists in an account.",
    inputs=ListListsInputs,
    perform=list_lists,
    docs_url=DOCS + "get_lists",
)


# -- Update List -------------------------------------------------------------------------------


@attrs.frozen
class UpdateListInputs:
    """Inputs of Update List."""

    list_id: str = id_input("List ID", LIST_ID_COMMENTS)
    list_name: str = input_field(
        "List Name", comments=LIST_NAME_COMMENTS, default="Newsletter", required=True, clean=clean_non_blank
    )
    opt_in_process: str | None = input_field(
        "Opt-in Process",
        comments="single_opt_in or double_opt_in; leave empty to keep the current setting.",
        type=InputType.PICKLIST,
        choices=OPT_IN_CHOICES,
    )


def update_list(client: KlaviyoClient, inputs: UpdateListInputs) -> Any:
    """``PATCH /api/lists/{id}`` (``update_list``); the body repeats the id as Klaviyo requires."""
    body = resource_body(
        "list", {"name": inputs.list_name, "opt_in_process": inputs.opt_in_process}, resource_id=inputs.list_id
    )
    # Setting the same name twice changes nothing, so a repeat after a dropped connection is safe.
    return client.request("PATCH", f"/api/lists/{inputs.list_id}", json=body, retry_safe=True).json()


UPDATE_LIST = ActionDefinition(
    key="updateList",
    label="Update List",
    description="Update the name of a list with the given list ID.",
    inputs=UpdateListInputs,
    perform=update_list,
    docs_url=DOCS + "update_list",
)


# -- Delete List --------------------------------------------------------------------------

DELETE_LIST = delete_action(
    key="deleteList",
    label="Delete List",
    description="Delete a list with the given list ID.",
    id_label="List ID",
    id_comments=LIST_ID_COMMENTS,
    path="/api/lists/{id}",
    operation="delete_list",
)


# -- data source -------------------------------------------------------------------------------


SELECT_LIST = picklist(
    key="selectList",
    label="Select List",
    description="A picklist of the account's lists.",
    path="/api/lists",
    resource_type="list",
    page_size=LIST_PAGE_MAX,
)

ACTIONS = (CREATE_LIST, GET_LIST, LIST_LISTS, UPDATE_LIST, DELETE_LIST)
DATA_SOURCES = (SELECT_LIST,)


class Lists(ResourceGroup):
    """``Klaviyo(...).lists``: typed access to lists.

    Example:
        >>> # k = Klaviyo(api_key="pk_...")
        >>> # vip = k.lists.create(name="VIP"); k.lists.get(vip.id).attributes.name
    """

    def create(self, name: str, *, opt_in_process: str | None = None) -> KlaviyoList:
        """Create a list."""
        return self._one(ListAttributes, CREATE_LIST, list_name=name, opt_in_process=opt_in_process)

    def get(self, list_id: str, *, fields: list[str] | None = None, profile_count: bool = False) -> KlaviyoList:
        """Get one list (``profile_count=True`` adds the member count)."""
        return self._one(ListAttributes, GET_LIST, list_id=list_id, fields=fields, include_profile_count=profile_count)

    def list(
        self,
        *,
        fields: list[str] | None = None,
        filter: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> Iterator[KlaviyoList]:
        """Stream every list (one page in memory at a time)."""
        return self._many(ListAttributes, LIST_LISTS, fields=fields, filter=filter, sort=sort, max_records=limit)

    def update(self, list_id: str, *, name: str, opt_in_process: str | None = None) -> KlaviyoList:
        """Rename a list or change its opt-in process."""
        return self._one(ListAttributes, UPDATE_LIST, list_id=list_id, list_name=name, opt_in_process=opt_in_process)

    def delete(self, list_id: str) -> None:
        """Delete a list."""
        self._perform(DELETE_LIST, list_id=list_id)


FACADE = Lists
