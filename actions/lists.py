"""Lists: create, read, update, delete and list them, and a picklist.

Each action is declared once: its inputs say where their values go, the operation registry checks the call.
``Klaviyo(...).lists`` is :class:`Lists`, generated from ``FACADE_METHODS`` (the catalog's actions here) and the
registry (every other list operation).

Example:
    >>> from connector.klaviyo.operation_actions import request_for
    >>> request_for("update_list", UPDATE_LIST.clean({"listId": "Y6nRLr", "optInProcess": "double_opt_in"})).body
    {'data': {'type': 'list', 'id': 'Y6nRLr', 'attributes': {'opt_in_process': 'double_opt_in'}}}
    >>> from connector.sandbox import Sandbox
    >>> from connector.shell.facade import Klaviyo
    >>> with Sandbox() as sb:
    ...     k = Klaviyo(api_key=sb.api_key, base_url=sb.url)
    ...     vip = k.lists.create(name="VIP")
    ...     renamed = k.lists.update(vip.id, name="VIP customers").attributes.name
    ...     tags = list(k.lists.list_tags(vip.id))  # a method generated from the registry
    >>> renamed, tags
    ('VIP customers', [])

Reference: https://developers.klaviyo.com/en/reference/lists_api_overview
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actions._lazy import lazy_exports
from connector import structs
from connector.framework.facade import FacadeMethod
from connector.framework.inputs import InputType
from connector.klaviyo.operation_actions import (
    attribute_input,
    delete_action,
    enum_choices,
    get_action,
    id_input,
    list_action,
    name_input,
    operation_action,
    picklist,
    profile_count_input,
)

if TYPE_CHECKING:
    from actions._facade.lists import Lists as Lists
    from actions._facade.models.lists import ListAttributes as ListAttributes
    from connector.client.jsonapi import Resource

    KlaviyoList = Resource[ListAttributes]

__getattr__ = lazy_exports(__name__, "Lists", KlaviyoList="lists.ListAttributes")

OPT_IN_CHOICES = enum_choices("create_list", "opt_in_process")
LIST_ID_COMMENTS = "The unique identifier of the list."


# -- Create List -------------------------------------------------------------------------------


def _list_name_input(*, required: bool = False) -> Any:
    """List Name: required to create a list (its default, Newsletter, is only a builder's pre-fill)."""
    return name_input("List Name", "A helpful name to label the list.", default="Newsletter", required=required)


def _opt_in_input(comments: str) -> Any:
    return attribute_input("Opt-in Process", comments, type=InputType.PICKLIST, choices=OPT_IN_CHOICES)


@structs.frozen
class CreateListInputs:
    """Inputs of Create List."""

    list_name: str = _list_name_input(required=True)
    opt_in_process: str | None = _opt_in_input("single_opt_in or double_opt_in; leave empty for the account default.")


CREATE_LIST = operation_action("create_list", description="Create a new list.", inputs=CreateListInputs)


# -- Get List ----------------------------------------------------------------------------------


GET_LIST = get_action(
    "get_list", "Get a list with the given list ID.", LIST_ID_COMMENTS, profile_count_input("get_list")
)


# -- List Lists --------------------------------------------------------------------------------


LIST_LISTS = list_action("get_lists", label="List Lists", description="Get all lists in an account.")


# -- Update List -------------------------------------------------------------------------------


@structs.frozen
class UpdateListInputs:
    """Inputs of Update List: only what is given changes (the catalog's default name is a builder's pre-fill)."""

    list_id: str = id_input("List ID", LIST_ID_COMMENTS)
    list_name: str | None = _list_name_input()
    opt_in_process: str | None = _opt_in_input(
        "single_opt_in or double_opt_in; leave empty to keep the current setting."
    )


UPDATE_LIST = operation_action(
    "update_list", description="Update the name of a list with the given list ID.", inputs=UpdateListInputs
)


# -- Delete List --------------------------------------------------------------------------

DELETE_LIST = delete_action("delete_list", "Delete a list with the given list ID.", LIST_ID_COMMENTS)


# -- data source -------------------------------------------------------------------------------


SELECT_LIST = picklist("get_lists", label="Select List", description="A picklist of the account's lists.")

ACTIONS = (CREATE_LIST, GET_LIST, LIST_LISTS, UPDATE_LIST, DELETE_LIST)
DATA_SOURCES = (SELECT_LIST,)


FACADE_METHODS = (
    FacadeMethod("create", CREATE_LIST, "Create a list.", prefix="list_", positional=("name",)),
    FacadeMethod("get", GET_LIST, "Get one list (``profile_count=True`` adds the member count)."),
    FacadeMethod("list", LIST_LISTS, "Stream every list (one page in memory at a time)."),
    FacadeMethod(
        "update", UPDATE_LIST, "Rename a list or change its opt-in process (the rest stays as it is).", prefix="list_"
    ),
    FacadeMethod("delete", DELETE_LIST, "Delete a list."),
)
