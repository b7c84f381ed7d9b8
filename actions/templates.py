"""Templates: create, read, update, delete and list custom HTML (CODE) email templates.

Example:
    >>> # from connector import Klaviyo
    >>> # t = Klaviyo(api_key="pk_...").templates.create("Monthly", html="<html><body>Hi</body></html>")

Reference: https://developers.klaviyo.com/en/reference/templates_api_overview
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import attrs

from actions._facade.templates import TemplatesOperations
from actions._shared import (
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
from connector.client.errors import InputError
from connector.client.jsonapi import Resource, resource_body
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition
from connector.framework.inputs import InputType, input_field, to_stripped

#: ``fields[template]`` values the spec's enum allows (dotted sub-fields of ``definition`` included).
TEMPLATE_FIELDS = (
    "amp",
    "created",
    "definition",
    "definition.body",
    "definition.body.id",
    "definition.body.properties",
    "definition.body.properties.css_class",
    "definition.body.properties.id",
    "definition.body.sections",
    "definition.body.styles",
    "definition.body.styles.background_color",
    "definition.body.styles.width",
    "definition.id",
    "definition.styles",
    "definition.template_id",
    "editor_type",
    "html",
    "id",
    "name",
    "text",
    "updated",
)
TEMPLATE_PAGE_MAX = 10
#: The one editor type the catalog's Create Template allows (Klaviyo also has drag-and-drop types).
CODE = "CODE"
DRAG_AND_DROP_TYPES = ("USER_DRAGGABLE", "SYSTEM_DRAGGABLE")
TEMPLATE_ID_COMMENTS = "The ID of the template."
TEMPLATE_NAME_COMMENTS = "The name of the template."
TEMPLATE_HTML_COMMENTS = "The HTML content of the template."
TEMPLATE_TEXT_COMMENTS = "The text content of the template."


@attrs.frozen
class TemplateAttributes:
    """A template's attributes as Klaviyo returns them (every field may be absent).

    ``definition`` (drag-and-drop templates only) stays plain JSON.

    Example:
        >>> TemplateAttributes(name="Monthly", editor_type="CODE").editor_type
        'CODE'
    """

    name: str | None = None
    editor_type: str | None = None
    html: str | None = None
    text: str | None = None
    amp: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    definition: dict[str, Any] | None = None


Template = Resource[TemplateAttributes]


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


def html_input(required: bool) -> Any:
    """The "Template HTML" input (required on create, optional on update)."""
    return input_field(
        "Template HTML",
        type=InputType.CODE,
        comments=TEMPLATE_HTML_COMMENTS,
        required=required,
        clean=clean_non_blank,
        example="<html><body>Hello {{ first_name|default:'there' }}</body></html>",
    )


def text_input() -> Any:
    """The optional "Template Text" input (the plain-text version)."""
    return input_field("Template Text", type=InputType.TEXT, comments=TEMPLATE_TEXT_COMMENTS, example="Hello")


def include_definition_input() -> Any:
    """``additional-fields[template]=definition`` (the drag-and-drop definition is not returned by default)."""
    return input_field(
        "Include Definition",
        type=InputType.BOOLEAN,
        comments="Also return the drag-and-drop definition (drag-and-drop templates only).",
        default="false",
    )


def _additional_fields(include_definition: bool | None) -> dict[str, Any]:
    return query(**{"additional-fields[template]": ["definition"] if include_definition else None})


# -- Create Template ---------------------------------------------------------------------------


@attrs.frozen
class CreateTemplateInputs:
    """Inputs of Create Template."""

    template_name: str = input_field(
        "Template Name", comments=TEMPLATE_NAME_COMMENTS, required=True, clean=clean_non_blank, example="Monthly"
    )
    editor_type: str | None = input_field(
        "Editor Type",
        type=InputType.PICKLIST,
        comments="Restricted to CODE.",
        choices=(CODE,),
        clean=clean_editor_type,
    )
    template_html: str = html_input(required=True)
    template_text: str | None = text_input()


def create_template(client: KlaviyoClient, inputs: CreateTemplateInputs) -> Any:
    """``POST /api/templates`` (``create_template``): create a CODE template and return its document.

    Not retried on a server error: a repeat could create a duplicate template.

    Example:
        >>> # create_template(client, CreateTemplateInputs(template_name="Monthly", template_html="<p>Hi</p>"))
    """
    body = resource_body(
        "template",
        {
            "name": inputs.template_name,
            "editor_type": inputs.editor_type or CODE,
            "html": inputs.template_html,
            "text": inputs.template_text,
        },
    )
    return client.request("POST", "/api/templates", json=body).json()


CREATE_TEMPLATE = ActionDefinition(
    key="createTemplate",
    label="Create Template",
    description="Create a new custom HTML template.",
    inputs=CreateTemplateInputs,
    perform=create_template,
    operation_ids=("create_template",),
)


# -- Get Template ------------------------------------------------------------------------------


@attrs.frozen
class GetTemplateInputs:
    """Inputs of Get Template."""

    template_id: str = id_input("Template ID", TEMPLATE_ID_COMMENTS)
    fields: list[str] = fields_input(TEMPLATE_FIELDS)
    include_definition: bool | None = include_definition_input()


def get_template(client: KlaviyoClient, inputs: GetTemplateInputs) -> Any:
    """``GET /api/templates/{id}`` (``get_template``).

    Example:
        >>> # get_template(client, GetTemplateInputs(template_id="RipRmi"))
    """
    params = {**sparse_fields("template", inputs.fields), **_additional_fields(inputs.include_definition)}
    return get_document(client, f"/api/templates/{inputs.template_id}", params)


GET_TEMPLATE = ActionDefinition(
    key="getTemplate",
    label="Get Template",
    description="Get a template with the given template ID.",
    inputs=GetTemplateInputs,
    perform=get_template,
    operation_ids=("get_template",),
)


# -- List Templates ----------------------------------------------------------------------------


@attrs.frozen
class ListTemplatesInputs:
    """Inputs of List Templates."""

    fields: list[str] = fields_input(TEMPLATE_FIELDS)
    filter: str | None = filter_input(
        'Klaviyo filter, e.g. contains(name,"Monthly"); fields: id (any/equals), name (any/contains/equals), '
        "created, updated (equals/greater-or-equal/greater-than/less-or-equal/less-than)."
    )
    sort: str | None = sort_input(("created", "id", "name", "updated"))
    include_definition: bool | None = include_definition_input()
    max_records: int | None = max_records_input()
    page_size: int | None = page_size_input(TEMPLATE_PAGE_MAX)


def list_templates(client: KlaviyoClient, inputs: ListTemplatesInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/templates`` (``get_templates``), following every page; streams resources.

    Example:
        >>> # for t in list_templates(client, ListTemplatesInputs()): print(t["id"])
    """
    params = {
        **sparse_fields("template", inputs.fields),
        **_additional_fields(inputs.include_definition),
        **query(filter=inputs.filter, sort=inputs.sort),
    }
    return list_resources(
        client,
        "/api/templates",
        params,
        page_size=inputs.page_size,
        default_page_size=TEMPLATE_PAGE_MAX,
        limit=inputs.max_records,
    )


LIST_TEMPLATES = ActionDefinition(
    key="listTemplates",
    label="List Templates",
    description="Get all templates in an account.",
    inputs=ListTemplatesInputs,
    perform=list_templates,
    operation_ids=("get_templates",),
)


# -- Update Template ---------------------------------------------------------------------------


@attrs.frozen
class UpdateTemplateInputs:
    """Inputs of Update Template (Klaviyo does not let the editor type change).

    Example:
        >>> UpdateTemplateInputs(template_id="RipRmi", template_name="Renamed").template_name
        'Renamed'
    """

    template_id: str = id_input("Template ID", TEMPLATE_ID_COMMENTS)
    template_name: str | None = input_field(
        "Template Name", comments=TEMPLATE_NAME_COMMENTS, clean=clean_non_blank, example="Monthly"
    )
    template_html: str | None = html_input(required=False)
    template_text: str | None = text_input()

    def __attrs_post_init__(self) -> None:
        if self.template_name is None and self.template_html is None and self.template_text is None:
            raise InputError("nothing to update: give at least one of Template Name, Template HTML or Template Text")


def update_template(client: KlaviyoClient, inputs: UpdateTemplateInputs) -> Any:
    """``PATCH /api/templates/{id}`` (``update_template``); the body repeats the id as Klaviyo requires.

    Example:
        >>> # update_template(client, UpdateTemplateInputs(template_id="RipRmi", template_html="<p>New</p>"))
    """
    body = resource_body(
        "template",
        {"name": inputs.template_name, "html": inputs.template_html, "text": inputs.template_text},
        resource_id=inputs.template_id,
    )
    # The given values replace the old ones, so a repeat after a dropped connection leaves the same template.
    return client.request("PATCH", f"/api/templates/{inputs.template_id}", json=body, retry_safe=True).json()


UPDATE_TEMPLATE = ActionDefinition(
    key="updateTemplate",
    label="Update Template",
    description="Update a template with the given template ID.",
    inputs=UpdateTemplateInputs,
    perform=update_template,
    operation_ids=("update_template",),
)


# -- Delete Template ----------------------------------------------------------------------

DELETE_TEMPLATE = delete_action(
    key="deleteTemplate",
    label="Delete Template",
    description="Delete a template with the given template ID.",
    id_label="Template ID",
    id_comments=TEMPLATE_ID_COMMENTS,
    path="/api/templates/{id}",
    operation="delete_template",
)


# -- data source -------------------------------------------------------------------------------


SELECT_TEMPLATE = picklist(
    key="selectTemplate",
    label="Select Template",
    description="A picklist of the account's templates.",
    path="/api/templates",
    resource_type="template",
    page_size=TEMPLATE_PAGE_MAX,
)

ACTIONS = (CREATE_TEMPLATE, GET_TEMPLATE, LIST_TEMPLATES, UPDATE_TEMPLATE, DELETE_TEMPLATE)
DATA_SOURCES = (SELECT_TEMPLATE,)


class Templates(TemplatesOperations):
    """``Klaviyo(...).templates``: typed access to templates.

    Example:
        >>> # k = Klaviyo(api_key="pk_...")
        >>> # t = k.templates.create("Monthly", html="<html><body>Hi</body></html>", text="Hi")
        >>> # k.templates.update(t.id, name="Monthly v2")
    """

    def create(self, name: str, *, html: str, text: str | None = None, editor_type: str | None = None) -> Template:
        """Create a CODE (custom HTML) template; ``editor_type`` may only be ``"CODE"``."""
        return self._one(
            TemplateAttributes,
            CREATE_TEMPLATE,
            template_name=name,
            editor_type=editor_type,
            template_html=html,
            template_text=text,
        )

    def get(self, template_id: str, *, fields: list[str] | None = None, definition: bool = False) -> Template:
        """Get one template (``definition=True`` adds a drag-and-drop template's definition)."""
        return self._one(
            TemplateAttributes, GET_TEMPLATE, template_id=template_id, fields=fields, include_definition=definition
        )

    def list(
        self,
        *,
        fields: list[str] | None = None,
        filter: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Template]:
        """Stream every template (one page in memory at a time)."""
        return self._many(
            TemplateAttributes, LIST_TEMPLATES, fields=fields, filter=filter, sort=sort, max_records=limit
        )

    def update(
        self, template_id: str, *, name: str | None = None, html: str | None = None, text: str | None = None
    ) -> Template:
        """Change a template's name, HTML or text (the editor type cannot change)."""
        return self._one(
            TemplateAttributes,
            UPDATE_TEMPLATE,
            template_id=template_id,
            template_name=name,
            template_html=html,
            template_text=text,
        )

    def delete(self, template_id: str) -> None:
        """Delete a template."""
        self._perform(DELETE_TEMPLATE, template_id=template_id)


FACADE = Templates
