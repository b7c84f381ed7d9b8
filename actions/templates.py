"""Templates: create, read, update, delete and list custom HTML (CODE) email templates, and a picklist.

Each action is declared once on its operation: inputs say where their value goes, the operation registry checks
the request (field names, sort fields, page sizes and the body's attributes come from it).
``Klaviyo(...).templates`` is :class:`Templates`, generated from ``FACADE_METHODS``; Python values are checked
like low-code ones, before anything is sent (so no client is needed below).

Example:
    >>> from connector.klaviyo.operation_actions import request_for
    >>> inputs = UPDATE_TEMPLATE.clean({"templateId": "RipRmi", "templateHtml": "<p>New</p>", "templateText": None})
    >>> request_for("update_template", inputs).body
    {'data': {'type': 'template', 'id': 'RipRmi', 'attributes': {'html': '<p>New</p>', 'text': None}}}
    >>> from actions.templates import Templates  # the typed facade, imported on first use
    >>> Templates(client=None).create("Monthly", html="<p>Hi</p>", editor_type="USER_DRAGGABLE")
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: Editor Type: must be CODE: this action is restricted to CODE (custom \
HTML) templates, so USER_DRAGGABLE is not supported; leave it empty or give CODE

Reference: https://developers.klaviyo.com/en/reference/templates_api_overview
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actions._lazy import lazy_exports
from connector import structs
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.framework.facade import FacadeMethod
from connector.framework.inputs import InputType, input_field, to_stripped
from connector.klaviyo.operation_actions import (
    additional_field_switch,
    delete_action,
    get_action,
    id_input,
    list_action,
    name_input,
    operation_action,
    perform_operation,
    picklist,
)
from connector.klaviyo.validators import clean_non_blank

if TYPE_CHECKING:
    from actions._facade.models.templates import TemplateAttributes as TemplateAttributes
    from actions._facade.templates import Templates as Templates
    from connector.client.jsonapi import Resource

    Template = Resource[TemplateAttributes]

__getattr__ = lazy_exports(__name__, "Templates", Template="templates.TemplateAttributes")

#: The one editor type the catalog's Create Template allows. The spec gives the others only in prose
#: ("Restricted to CODE, USER_DRAGGABLE, or SYSTEM_DRAGGABLE"), not as an enum, so they are named here to
#: explain why they are refused.
CODE = "CODE"
DRAG_AND_DROP_TYPES = ("USER_DRAGGABLE", "SYSTEM_DRAGGABLE")
TEMPLATE_ID_COMMENTS = "The ID of the template."
TEMPLATE_NAME_COMMENTS = "The name of the template."
TEMPLATE_HTML_COMMENTS = "The HTML content of the template."
TEMPLATE_TEXT_COMMENTS = "The text content of the template."


def clean_editor_type(value: Any) -> str:
    """``CODE`` (any case): the catalog restricts Create Template to custom HTML templates.

    Example:
        >>> clean_editor_type(" code ")
        'CODE'
        >>> clean_editor_type("SYSTEM_DRAGGABLE")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: must be CODE: this action is restricted to CODE (custom HTML) templates, \
so SYSTEM_DRAGGABLE is not supported; leave it empty or give CODE
    """
    text = to_stripped(value)
    if text.upper() == CODE:
        return CODE
    if text.upper() in DRAG_AND_DROP_TYPES:
        raise InputError(
            f"must be CODE: this action is restricted to CODE (custom HTML) templates, so {text.upper()} "
            "is not supported; leave it empty or give CODE"
        )
    raise InputError(f"must be CODE (the catalog restricts this action to custom HTML templates), got {text!r}")


def html_input(*, required: bool) -> Any:
    """The "Template HTML" input (required on create, optional on update)."""
    return input_field(
        "Template HTML",
        type=InputType.CODE,
        comments=TEMPLATE_HTML_COMMENTS,
        required=required,
        clean=clean_non_blank,
        example="<html><body>Hello {{ first_name|default:'there' }}</body></html>",
        to="attributes:html",
    )


def text_input() -> Any:
    """The optional "Template Text" input (the plain-text version)."""
    return input_field(
        "Template Text", type=InputType.TEXT, comments=TEMPLATE_TEXT_COMMENTS, example="Hello", to="attributes:text"
    )


def include_definition_input(op_id: str) -> Any:
    """Asks for ``additional-fields[template]=definition`` (drag-and-drop definitions are not returned by default)."""
    comments = "Also return the drag-and-drop definition (drag-and-drop templates only)."
    return additional_field_switch(op_id, "definition", label="Include Definition", comments=comments)


# -- Create Template ---------------------------------------------------------------------------


@structs.frozen
class CreateTemplateInputs:
    """Inputs of Create Template."""

    template_name: str = name_input("Template Name", TEMPLATE_NAME_COMMENTS, required=True, example="Monthly")
    editor_type: str | None = input_field(
        "Editor Type",
        type=InputType.PICKLIST,
        comments="Restricted to CODE.",
        choices=(CODE,),
        clean=clean_editor_type,
        to="attributes:editor_type",
    )
    template_html: str = html_input(required=True)
    template_text: str | None = text_input()


def create_template(client: KlaviyoClient, inputs: CreateTemplateInputs) -> Any:
    """``POST /api/templates`` (``create_template``): a CODE template (Klaviyo requires an editor type; empty is CODE).

    Not retried on a server error (the registry marks it unsafe): a repeat could create a duplicate template.
    """
    return perform_operation(client, "create_template", structs.evolve(inputs, editor_type=inputs.editor_type or CODE))


CREATE_TEMPLATE = operation_action(
    "create_template", description="Create a new custom HTML template.", perform=create_template
)


# -- Get Template ------------------------------------------------------------------------------


GET_TEMPLATE = get_action(
    "get_template",
    "Get a template with the given template ID.",
    TEMPLATE_ID_COMMENTS,
    include_definition_input("get_template"),
)


# -- List Templates ----------------------------------------------------------------------------


LIST_TEMPLATES = list_action(
    "get_templates",
    label="List Templates",
    description="Get all templates in an account.",
    include_definition=include_definition_input("get_templates"),
)


# -- Update Template ---------------------------------------------------------------------------


@structs.frozen
class UpdateTemplateInputs:
    """Inputs of Update Template: only what is given changes (Klaviyo does not let the editor type change).

    JSON ``null`` clears Template Text or Template HTML.

    Example:
        >>> UpdateTemplateInputs(template_id="RipRmi", template_name="Renamed").template_name
        'Renamed'
    """

    template_id: str = id_input("Template ID", TEMPLATE_ID_COMMENTS)
    template_name: str | None = name_input("Template Name", TEMPLATE_NAME_COMMENTS, example="Monthly")
    template_html: str | None = html_input(required=False)
    template_text: str | None = text_input()

    def __post_init__(self) -> None:
        if self.template_name is None and self.template_html is None and self.template_text is None:
            raise InputError("nothing to update: give at least one of Template Name, Template HTML or Template Text")


UPDATE_TEMPLATE = operation_action(
    "update_template", description="Update a template with the given template ID.", inputs=UpdateTemplateInputs
)


# -- Delete Template ----------------------------------------------------------------------

DELETE_TEMPLATE = delete_action(
    "delete_template", "Delete a template with the given template ID.", TEMPLATE_ID_COMMENTS
)


# -- data source -------------------------------------------------------------------------------


SELECT_TEMPLATE = picklist(
    "get_templates", label="Select Template", description="A picklist of the account's templates."
)

ACTIONS = (CREATE_TEMPLATE, GET_TEMPLATE, LIST_TEMPLATES, UPDATE_TEMPLATE, DELETE_TEMPLATE)
DATA_SOURCES = (SELECT_TEMPLATE,)


FACADE_METHODS = (
    FacadeMethod(
        "create",
        CREATE_TEMPLATE,
        'Create a CODE (custom HTML) template; ``editor_type`` may only be ``"CODE"``.',
        prefix="template_",
        positional=("name",),
    ),
    FacadeMethod("get", GET_TEMPLATE, "Get one template (``definition=True`` adds a drag-and-drop one's definition)."),
    FacadeMethod("list", LIST_TEMPLATES, "Stream every template (one page at a time).", omit=("include_definition",)),
    FacadeMethod(
        "update", UPDATE_TEMPLATE, "Change a template's name, HTML or text (not its editor type).", prefix="template_"
    ),
    FacadeMethod("delete", DELETE_TEMPLATE, "Delete a template."),
)
