"""Actions declared from the operation registry: each input says where its value goes, one perform builds the call.

An action for a Klaviyo operation is its input class and one line: ``operation_action("update_list", ...)``.
Each input names its place in the request with ``to=`` (``path:id``, ``query:sort``, ``page:size``,
``page:limit``, ``attributes:name``, ``relationships:list``, ``meta:patch_properties``, ``data``, ``body``);
the generic perform builds the call from the cleaned values, the operation layer checks it against the registry
(so a value the spec refuses is an input error naming the input), and list operations stream every page unless
Max Records caps them. The input factories below take their allowed values from the registry: field names,
include values, sort fields, filter fields and page-size maxima are never copied by hand.

Example:
    >>> from connector import structs
    >>> from connector.framework.inputs import input_field
    >>> @structs.frozen
    ... class RenameInputs:
    ...     list_id: str = id_input("List ID", "The list.")
    ...     name: str | None = input_field("Name", to="attributes:name")
    >>> rename = operation_action("update_list", key="rename", label="Rename", description="", inputs=RenameInputs)
    >>> call = request_for(rename.operation_ids[0], rename.clean({"listId": "Y6nRLr", "name": "VIP"}))
    >>> call.method, call.path, call.body
    ('PATCH', '/api/lists/Y6nRLr', {'data': {'type': 'list', 'id': 'Y6nRLr', 'attributes': {'name': 'VIP'}}})
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from connector import structs
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition, DataSourceDefinition
from connector.framework.inputs import (
    NULL,
    Cleaner,
    Collection,
    InputSpec,
    InputType,
    input_field,
    input_specs,
    to_int,
    to_stripped,
)
from connector.klaviyo.operations.calls import Call, build, paginate, send
from connector.klaviyo.operations.registry import Operation, operation
from connector.klaviyo.validators import clean_non_blank

#: Klaviyo's ids are short codes (``Y6nRLr``), ULIDs, and for catalogs, topics and object records composite
#: text such as ``$custom:::$default:::SKU-1`` or ``event:klaviyo.sent_sms``. Every id is escaped as one path
#: segment by the operation layer; these characters are refused anyway, as no Klaviyo id holds them and they
#: would only ever come from a mistake (``../profiles``, a pasted URL, a line break).
_NOT_IN_IDS = frozenset("/\\?#%&=\"'<>{}|^`")
ID_MAX = 512


# -- declaring an action -------------------------------------------------------------------------


def operation_action(
    op_id: str,
    *,
    key: str | None = None,
    label: str | None = None,
    description: str,
    inputs: type[Any] | None = None,
    perform: Callable[[KlaviyoClient, Any], Any] | None = None,
    also_calls: Sequence[str] = (),
    covers_operations: bool = True,
) -> ActionDefinition[Any]:
    """An action for ``op_id``: the generic perform (unless ``perform`` is given) and the registry's rules.

    The label is the operation's in words (``update_list``: Update List) unless given; an action declared on its
    own perform function is named after it (``subscribe_profiles``: Subscribe Profiles) and takes the inputs its
    annotation names. The key is the label's (:func:`label_key`) unless given. Inputs written to an update's
    nullable attributes are made clearable with JSON ``null``.

    Example:
        >>> def update_list(client, inputs: UpdateInputs) -> None: ...
        >>> @structs.frozen
        ... class UpdateInputs:
        ...     list_id: str = id_input("List ID", "The list.")
        >>> action = operation_action("update_list", description="Rename a list.", perform=update_list)
        >>> action.key, action.label, action.inputs.__name__
        ('updateList', 'Update List', 'UpdateInputs')
    """
    if perform is not None:
        label = label or _operation_label(perform.__name__)
        inputs = inputs or typing.get_type_hints(perform)["inputs"]
    if inputs is None:  # pragma: no cover - a declaration mistake
        raise TypeError(f"{op_id}: an action needs inputs, or a perform function that names them")
    label = label or _operation_label(op_id)
    _bind_nullability(operation(op_id), inputs)
    return ActionDefinition(
        key=key or label_key(label),
        label=label,
        description=description,
        inputs=inputs,
        perform=perform or performer(op_id),
        operation_ids=(op_id, *also_calls),
        covers_operations=covers_operations,
    )


def label_key(label: str) -> str:
    """The key of an action or data source: its label's words in camelCase, as the catalog's keys are.

    Example:
        >>> label_key("Add Profile To List"), label_key("Select Catalog Item")
        ('addProfileToList', 'selectCatalogItem')
    """
    first, *rest = label.split()
    return first.lower() + "".join(word[:1].upper() + word[1:] for word in rest)


def performer(op_id: str) -> Callable[[KlaviyoClient, Any], Any]:
    """The generic perform of ``op_id``: a list operation streams its resources, others return the document."""

    def perform(client: KlaviyoClient, inputs: Any) -> Any:
        return perform_operation(client, op_id, inputs)

    perform.__doc__ = f"``{operation(op_id).method} {operation(op_id).path}`` (``{op_id}``)."
    return perform


def perform_operation(client: KlaviyoClient, op_id: str, inputs: Any, **extra_params: Any) -> Any:
    """Build the call of ``op_id`` from bound ``inputs``, send it, and return what an action returns."""
    op = operation(op_id)
    if op.method == "GET" and (op.query.paged or op.returns_many):
        return stream_for(client, op_id, inputs, **extra_params)
    response = send(client, request_for(op_id, inputs, **extra_params))
    return response.json() if response.content.strip() else None


def request_for(op_id: str, inputs: Any, **extra_params: Any) -> Call:
    """The checked call of ``op_id`` built from the bound inputs (errors name the input that holds the value)."""
    op = operation(op_id)
    parts = _Parts.from_inputs(op, inputs)
    parts.params.update({k: v for k, v in extra_params.items() if v is not None})
    with relabelled(input_specs(type(inputs))):
        return build(op_id, ids=parts.ids, params=parts.params, body=parts.body(op), headers=parts.headers)


def stream_for(
    client: KlaviyoClient, op_id: str, inputs: Any, *, attach_included: bool = False, **extra_params: Any
) -> Iterator[dict[str, Any]]:
    """Every resource of a list operation, page by page, up to the ``page:limit`` input (see ``paginate``)."""
    parts = _Parts.from_inputs(operation(op_id), inputs)
    parts.params.update({k: v for k, v in extra_params.items() if v is not None})
    with relabelled(input_specs(type(inputs))):
        return paginate(
            client,
            op_id,
            ids=parts.ids,
            params=parts.params,
            page_size=parts.page_size,
            limit=parts.limit,
            attach_included=attach_included,
        )


@structs.define
class _Parts:
    """The request parts the inputs fill, before the body is assembled."""

    ids: dict[str, str] = structs.field(factory=dict)
    params: dict[str, Any] = structs.field(factory=dict)
    attributes: dict[str, Any] = structs.field(factory=dict)
    relationships: dict[str, Any] = structs.field(factory=dict)
    meta: dict[str, Any] = structs.field(factory=dict)
    data: Any = None
    whole: Any = None
    resource_id: str | None = None
    headers: dict[str, str] = structs.field(factory=dict)
    timeframes: dict[str, dict[str, Any]] = structs.field(factory=dict)
    page_size: int | None = None
    limit: int | None = None

    @classmethod
    def from_inputs(cls, op: Operation, inputs: Any) -> _Parts:
        parts = cls()
        specs = input_specs(type(inputs))
        for field, spec in zip(_declared_fields(type(inputs)), specs, strict=True):
            value = getattr(inputs, field)
            if spec.target is None or value is None or (value == [] and spec.collection):
                continue
            parts.put(op, spec.target, value)
        parts.close_timeframes(specs)
        return parts

    def put(self, op: Operation, target: str, value: Any) -> None:
        kind, _, name = target.partition(":")
        if kind == "path":
            self.ids[name] = value
        elif kind == "query" and "=" in name:  # a switch: when on, its value joins the parameter's
            param, _, flag = name.partition("=")
            if value:
                self.params[param] = [*_as_list(self.params.get(param, [])), flag]
        elif kind == "query":
            self.params[name] = value
        elif target == "page:size":
            self.page_size = value
        elif target == "page:limit":
            self.limit = value
        elif kind == "attributes":
            _put_dotted(self.attributes, name, None if value is NULL else value)
        elif target == "meta":
            self.meta = dict(value)
        elif kind == "meta":
            _put_dotted(self.meta, name, value)
        elif kind == "resource":
            self.resource_id = str(value)
        elif kind == "header":
            self.headers[name] = str(value)
        elif kind == "timeframe":
            attribute, _, bound = name.partition(".")
            self.timeframes.setdefault(attribute, {})[bound or "key"] = value
        elif kind == "relationships":
            self.relationships[name] = relationship_value(op, name, value)
        elif kind == "data":
            self.data = [identifier(op.body.type if op.body else None, v) for v in _as_list(value)]
        elif kind == "body":
            self.whole = value
        else:  # pragma: no cover - a declaration mistake, caught by the tests of every action
            raise ValueError(f"unknown input target {target!r}")

    def close_timeframes(self, specs: Sequence[InputSpec]) -> None:
        """A report's time frame: a preset ``{"key"}``, or ``custom`` with both a start and an end."""
        for attribute, given in self.timeframes.items():
            label = next((s.label for s in specs if s.target == f"timeframe:{attribute}"), attribute)
            key = given.get("key")
            if key == "custom" or (key is None and ("start" in given or "end" in given)):
                if "start" not in given or "end" not in given:
                    raise InputError("a custom time frame needs both a start and an end", label=label)
                self.attributes[attribute] = {"start": given["start"], "end": given["end"]}
            elif key is not None:
                if "start" in given or "end" in given:
                    raise InputError(f"choose 'custom' to give a start and an end (got {key!r})", label=label)
                self.attributes[attribute] = {"key": key}

    def body(self, op: Operation) -> Any:
        """The JSON:API body for ``op``: the whole-body input as given, else assembled from the parts."""
        spec = op.body
        if self.whole is not None or spec is None or spec.shape == "form":
            return self.whole
        if spec.shape == "array":
            return {"data": self.data} if self.data is not None else None
        data: dict[str, Any] = {"type": spec.type}
        if spec.id != "none" and (self.resource_id or "id" in self.ids):
            data["id"] = self.resource_id or self.ids["id"]
        if spec.attributes is not None and (self.attributes or spec.attributes_required):
            data["attributes"] = self.attributes
        if self.relationships:
            data["relationships"] = self.relationships
        if self.meta:
            data["meta"] = self.meta
        return {"data": data}


def _declared_fields(cls: type[Any]) -> list[str]:
    return [f.name for f in structs.fields(cls) if f.metadata.get("klaviyo_input") is not None]


def _put_dotted(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for name in parents:
        target = target.setdefault(name, {})
    target[last] = value


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def identifier(resource_type: str | None, resource_id: Any) -> dict[str, Any]:
    """A JSON:API resource identifier ``{"type", "id"}``.

    Example:
        >>> identifier("list", "Y6nRLr")
        {'type': 'list', 'id': 'Y6nRLr'}
    """
    return {"type": resource_type, "id": str(resource_id)}


def relationship_value(op: Operation, name: str, value: Any) -> dict[str, Any]:
    """``{"data": identifier}`` (or a list of them) for relationship ``name``, its type taken from the registry.

    Example:
        >>> relationship_value(operation("bulk_subscribe_profiles"), "list", "Y6nRLr")
        {'data': {'type': 'list', 'id': 'Y6nRLr'}}
    """
    schema = _resolve(op, ((op.body.relationships if op.body else None) or {}).get("properties", {}).get(name) or {})
    data = _resolve(op, (schema.get("properties") or {}).get("data") or {})
    if data.get("type") == "array":
        item = _resolve(op, data.get("items") or {})
        kind = _enum_one(op, item)
        return {"data": [identifier(kind, v) for v in _as_list(value)]}
    return {"data": identifier(_enum_one(op, data), value)}


def _resolve(op: Operation, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = op.schemas[schema["$ref"]]
    return schema


def _enum_one(op: Operation, resource: Mapping[str, Any]) -> str | None:
    enum = _resolve(op, (resource.get("properties") or {}).get("type") or {}).get("enum") or []
    return str(enum[0]) if len(enum) == 1 else None


def _bind_nullability(op: Operation, inputs: type[Any]) -> None:
    """Mark inputs written to nullable attributes of an update as clearable (JSON ``null`` removes the value)."""
    if op.method != "PATCH" or op.body is None or op.body.attributes is None:
        return
    properties = _resolve(op, op.body.attributes).get("properties") or {}
    specs = [
        structs.evolve(spec, nullable=True)
        if spec.target
        and spec.target.startswith("attributes:")
        and (properties.get(spec.target.split(":", 1)[1].split(".")[0]) or {}).get("nullable")
        else spec
        for spec in input_specs(inputs)
    ]
    setattr(inputs, "__klaviyo_input_specs__", tuple(specs))  # noqa: B010 - the cache input_specs reads


class relabelled:
    """Turn the operation layer's errors about a request part into errors naming the input that filled it."""

    def __init__(self, specs: Sequence[InputSpec]) -> None:
        self.specs = specs

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        if not isinstance(error, InputError) or error.label or not error.key:
            return
        spec, rest = _input_for(self.specs, error.key)
        if spec is not None:
            problem = error.problem
            head = error.key
            if problem.startswith(head + ":"):
                problem = problem[len(head) + 1 :].strip()
            raise InputError(f"{rest}: {problem}" if rest else problem, label=spec.label, key=spec.key) from None


def _input_for(specs: Sequence[InputSpec], key: str) -> tuple[InputSpec | None, str]:
    """The input whose target holds request location ``key`` (``data.attributes.location.city``), and the rest."""
    best: tuple[InputSpec | None, str] = (None, "")
    best_length = -1
    for spec in specs:
        location = _location(spec.target)
        if location is None:
            continue
        inside = key == location or key.startswith((location + ".", location + "["))
        if inside and len(location) > best_length:
            best, best_length = (spec, key[len(location) :].lstrip(".")), len(location)
    return best


def _location(target: str | None) -> str | None:
    if target is None:
        return None
    kind, _, name = target.partition(":")
    if kind in ("attributes", "relationships", "meta"):
        return f"data.{kind}.{name}"
    if kind in ("query", "path", "header"):
        return name.partition("=")[0]
    if kind == "timeframe":
        return f"data.attributes.{name.split('.')[0]}"
    if kind == "resource":
        return "data.id"
    if kind == "data":
        return "data"
    if target == "meta":
        return "data.meta"
    return None


# -- inputs whose rules come from the registry --------------------------------------------------


def clean_id(value: Any) -> str:
    """A Klaviyo resource id: trimmed, non-empty, printable, without spaces, slashes or URL syntax.

    Example:
        >>> clean_id(" Y6nRLr "), clean_id("$custom:::$default:::SKU-1"), clean_id("event:klaviyo.sent_sms")
        ('Y6nRLr', '$custom:::$default:::SKU-1', 'event:klaviyo.sent_sms')
    """
    text = to_stripped(value)
    bad = not text or len(text) > ID_MAX or text.strip(".") == "" or not text.isprintable()
    if bad or any(c.isspace() or c in _NOT_IN_IDS for c in text):
        raise InputError(f"must be a Klaviyo ID (no spaces, slashes or URL syntax), got {text[:80]!r}")
    return text


def clean_positive_int(value: Any) -> int:
    """A whole number of at least 1."""
    number = to_int(value)
    if number < 1:
        raise InputError(f"must be 1 or more (got {number})")
    return number


def id_input(label: str, comments: str, *, to: str = "path:id", required: bool = True) -> Any:
    """A resource-id input (a path id by default)."""
    return input_field(label, comments=comments, required=required, clean=clean_id, example="Y6nRLr", to=to)


def fields_input(
    op_id: str,
    resource_type: str | None = None,
    *,
    label: str = "Fields",
    comments: str = "The fields to include in the response.",
    exclude: Sequence[str] = (),
) -> Any:
    """Sparse fieldset ``fields[type]`` (the operation's own resource type by default), names from the registry.

    A JSON array or ``name,created``; the spec lists every name, dotted sub-fields (``location.city``) included.
    """
    op = operation(op_id)
    kind = resource_type or op.response_type or ""
    allowed = tuple(f for f in op.query.fields.get(kind, ()) if f not in exclude)
    return names_input(label, comments, allowed, f"query:fields[{kind}]")


def additional_fields_input(op_id: str, resource_type: str, *, label: str, comments: str) -> Any:
    """``additional-fields[type]``: fields Klaviyo leaves out unless asked (values from the registry)."""
    allowed = operation(op_id).query.additional_fields.get(resource_type, ())
    return names_input(label, comments, allowed, f"query:additional-fields[{resource_type}]")


def attribute_input(
    label: str, comments: str, clean: Cleaner | None = None, *, attribute: str = "", **more: Any
) -> Any:
    """An input written to the body's ``attributes``: ``attribute`` (a dotted path), else the label in snake case
    (Opt-in Process: ``opt_in_process``); ``more`` are :func:`input_field`'s other options.

    Example:
        >>> from connector import structs
        >>> @structs.frozen
        ... class Inputs:
        ...     phone_number: str | None = attribute_input("Phone Number", "E.164.", to_stripped)
        ...     event_time: str | None = attribute_input("Event Time", "When.", attribute="time")
        >>> [s.target for s in input_specs(Inputs)]
        ['attributes:phone_number', 'attributes:time']
    """
    target = f"attributes:{attribute or _identifier(label)}"
    return input_field(label, comments=comments, clean=clean, to=target, **more)


def name_input(label: str, comments: str, *, required: bool = False, **more: Any) -> Any:
    """A resource's name (``attributes.name``: List Name, Segment Name...), trimmed and never blank.

    Example:
        >>> from connector import structs
        >>> @structs.frozen
        ... class Inputs:
        ...     list_name: str | None = name_input("List Name", "A name.")
        >>> Inputs(list_name=None), input_specs(Inputs)[0].target
        (Inputs(list_name=None), 'attributes:name')
    """
    return attribute_input(label, comments, clean_non_blank, attribute="name", required=required, **more)


def switch_input(label: str, comments: str = "", *, to: str | None = None) -> Any:
    """A Yes/No input that is No unless given (Backfill, Historical Import, Use Exponential Backoff...).

    Written to Klaviyo (``to`` a body part), it is sent only when given: its default is a builder's pre-fill.

    Example:
        >>> from connector import structs
        >>> @structs.frozen
        ... class Inputs:
        ...     backfill: bool | None = switch_input("Backfill", to="attributes:backfill")
        ...     wait: bool | None = switch_input("Wait")
        >>> Inputs.__name__, [(s.default, s.writes) for s in input_specs(Inputs)]
        ('Inputs', [('false', True), ('false', False)])
    """
    return input_field(label, type=InputType.BOOLEAN, comments=comments, default="false", to=to)


def additional_field_switch(op_id: str, field: str, *, label: str, comments: str) -> Any:
    """A Yes/No input that asks for one of Klaviyo's additional fields (``additional-fields[list]=profile_count``).

    The field must be one the registry lists for the operation's own resource type.

    Example:
        >>> from connector import structs
        >>> @structs.frozen
        ... class GetTemplatesInputs:
        ...     definition: bool | None = additional_field_switch("get_templates", "definition", label="D", comments="")
        >>> request_for("get_templates", GetTemplatesInputs(definition=True)).params["additional-fields[template]"]
        ['definition']
    """
    op = operation(op_id)
    kind = op.response_type or ""
    if field not in op.query.additional_fields.get(kind, ()):
        raise ValueError(f"{op_id}: {field!r} is not an additional field of {kind}")  # a declaration mistake
    return switch_input(label, comments, to=f"query:additional-fields[{kind}]={field}")


def profile_count_input(op_id: str) -> Any:
    """Include Profile Count: ``profile_count`` of a list or segment, which lowers the call's rate limit."""
    comments = "Also return profile_count (Klaviyo lowers this call's rate limit to 1/s, 15/m)."
    return additional_field_switch(op_id, "profile_count", label="Include Profile Count", comments=comments)


def include_input(op_id: str, *, label: str = "Include", comments: str = "Related resources to include.") -> Any:
    """``include``: related resources returned in ``included`` (values from the registry)."""
    return names_input(label, comments, operation(op_id).query.include or (), "query:include")


def names_input(label: str, comments: str, allowed: Sequence[str], target: str, *, noun: str = "field") -> Any:
    """A value list of names the registry allows (fields, additional fields, include values...).

    Example:
        >>> from connector import structs
        >>> @structs.frozen
        ... class Inputs:
        ...     include: list[str] = names_input("Include", "", ("tags",), "query:include", noun="value")
        >>> ActionDefinition("x", "X", "", Inputs, print).clean({"include": "tags,owners"})
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Include: unknown value 'owners'; allowed: tags
    """
    allowed = tuple(allowed)

    def clean_name(value: Any) -> str:
        name = to_stripped(value)
        if name not in allowed:
            raise InputError(f"unknown {noun} {name!r}; allowed: {', '.join(allowed)}")
        return name

    return input_field(
        label,
        comments=comments,
        collection=Collection.VALUE_LIST,
        clean=clean_name,
        example=list(allowed[:2]),
        schema={"enum": list(allowed)},
        to=target,
    )


def filter_input(op_id: str, comments: str | None = None, default: str | None = None) -> Any:
    """Klaviyo's ``filter`` expression; the comment lists the fields and operators the registry allows."""
    op = operation(op_id)
    return input_field(
        "Filter",
        comments=comments or filter_comments(op),
        default=default,
        required=op.query.filter_required and default is None,
        clean=to_stripped,
        to="query:filter",
    )


def filter_comments(op: Operation) -> str:
    """``Klaviyo filter, e.g. equals(name,"VIP"); fields: name (any/equals), ...`` from the registry."""
    fields = op.query.filters or {}
    listed = "; ".join(f"{name} ({'/'.join(sorted(f.operators))})" for name, f in fields.items())
    example = next(
        (f'{sorted(f.operators)[0]}({name},"value")' for name, f in fields.items() if "equals" in f.operators), None
    )
    return f"Klaviyo filter{', e.g. ' + example if example else ''}; fields: {listed or 'none'}."


def sort_input(op_id: str) -> Any:
    """A sort field from the registry, ``-`` prefixed for descending."""
    choices = [c for name in operation(op_id).query.sort or () for c in (name, f"-{name}")]
    return input_field(
        "Sort",
        comments="Sort by this field; prefix with - for descending.",
        type=InputType.PICKLIST,
        choices=choices,
        to="query:sort",
    )


def max_records_input() -> Any:
    """How many records a list action returns at most (every page is followed by default)."""
    return input_field(
        "Max Records",
        comments="The most records to return; leave empty to follow every page.",
        clean=clean_positive_int,
        example=100,
        to="page:limit",
        schema={"minimum": 1},
    )


def page_size_input(op_id: str) -> Any:
    """``page[size]``, checked against the operation's maximum from the registry."""
    maximum = operation(op_id).query.page_size_max or 1

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
        to="page:size",
    )


def enum_choices(op_id: str, attribute: str) -> tuple[str, ...]:
    """The enum of a request attribute (``opt_in_process``), from the registry.

    Example:
        >>> enum_choices("create_list", "opt_in_process")
        ('double_opt_in', 'single_opt_in')
    """
    op = operation(op_id)
    node: Mapping[str, Any] = _resolve(op, (op.body.attributes if op.body else None) or {})
    for name in attribute.split("."):
        node = _resolve(op, (node.get("properties") or {}).get(name) or {})
    return tuple(str(v) for v in node.get("enum") or ())


# -- common action shapes ---------------------------------------------------------------------------


@structs.frozen
class NoInputs:
    """Inputs of a data source that needs nothing besides the connection."""


def path_ids_first(cls: type[Any], fields: list[structs.Field]) -> list[structs.Field]:
    """An attrs ``field_transformer``: the path ids first, as the catalog lists an update's inputs, so an update
    class can extend the create's (``class UpdateProfileInputs(ProfileAttributeInputs)`` adds Profile ID first).

    Example:
        >>> @structs.frozen
        ... class NameInputs:
        ...     name: str | None = input_field("Name", to="attributes:name")
        >>> @structs.frozen(field_transformer=path_ids_first)
        ... class RenameInputs(NameInputs):
        ...     list_id: str = id_input("List ID", "The list.")
        >>> [s.key for s in input_specs(RenameInputs)], RenameInputs(list_id="Y6nRLr", name="VIP")
        (['listId', 'name'], RenameInputs(list_id='Y6nRLr', name='VIP'))
    """
    del cls

    def path(field: structs.Field) -> bool:
        declared = field.metadata.get("klaviyo_input")
        return declared is not None and str(declared[1].get("target") or "").startswith("path:")

    return [f for f in fields if path(f)] + [f for f in fields if not path(f)]


def inputs_class(name: str, doc: str, inputs: Mapping[str, Any]) -> type[Any]:
    """An input class assembled from declared inputs (``input_field`` values, by Python name), in their order.

    Each is annotated as a hand-written class would be (the typed facade reads it): the type its cleaner returns,
    a list of it for a value list, ``| None`` unless the input must be given.

    Example:
        >>> cls = inputs_class("GetListInputs", "Inputs of Get List.",
        ...                    {"list_id": id_input("List ID", "The list."), "fields": fields_input("get_list")})
        >>> cls.__annotations__, cls(list_id="Y6nRLr")
        ({'list_id': 'str', 'fields': 'list[str]'}, GetListInputs(list_id='Y6nRLr', fields=[]))
    """
    annotations = {field: _annotation(declared) for field, declared in inputs.items()}
    return structs.frozen(type(name, (), {"__doc__": doc, "__annotations__": annotations, **inputs}))


def _annotation(declared: Any) -> str:
    key, kwargs = declared.metadata["klaviyo_input"]
    spec = InputSpec(key=key or "input", **kwargs)
    returns = getattr(spec.clean, "__annotations__", {}).get("return") if spec.clean else None
    base = str(returns or {InputType.BOOLEAN: "bool", InputType.JSON: "Any"}.get(spec.type, "str"))
    if spec.collection is Collection.VALUE_LIST:
        return f"list[{base}]"
    return base if spec.must_be_given or base == "Any" else f"{base} | None"


def _class_name(label: str) -> str:
    return label.replace(" ", "") + "Inputs"


def get_action(op_id: str, description: str, id_comments: str, *more: Any) -> ActionDefinition[Any]:
    """A Get X action (labelled after ``op_id``: ``get_list`` is Get List): ``X ID`` (the path id), Fields, then the
    ``more`` inputs, each named after its label (Include Profile Count: ``include_profile_count``).

    Example:
        >>> get = get_action("get_list", "Get a list.", "The list.", profile_count_input("get_list"))
        >>> [s.label for s in get.input_specs()], get.key, get.inputs.__annotations__["include_profile_count"]
        (['Connection', 'List ID', 'Fields', 'Include Profile Count'], 'getList', 'bool | None')
    """
    label = _operation_label(op_id)
    noun = label.removeprefix("Get ")
    inputs = {f"{_identifier(noun)}_id": id_input(f"{noun} ID", id_comments), "fields": fields_input(op_id)}
    cls = inputs_class(_class_name(label), f"Inputs of {label}.", {**inputs, **{_name_of(i): i for i in more}})
    return operation_action(op_id, label=label, description=description, inputs=cls)


def _operation_label(name: str) -> str:
    """``get_list`` -> ``Get List``: an operation's (or a perform function's) name in words."""
    return " ".join(word[:1].upper() + word[1:] for word in name.split("_"))


def _identifier(label: str) -> str:
    """A label as a Python name: ``Opt-in Process`` -> ``opt_in_process``."""
    return re.sub(r"[^0-9a-z]+", "_", label.lower()).strip("_")


def _name_of(declared: Any) -> str:
    return _identifier(declared.metadata["klaviyo_input"][1]["label"])


def listing_inputs(op_id: str) -> dict[str, Any]:
    """What a list action takes after its catalog's inputs, as far as the operation allows: Filter, Sort (each
    from the registry), then Max Records and Page Size.

    Example:
        >>> list(listing_inputs("get_lists")), list(listing_inputs("get_accounts"))
        (['filter', 'sort', 'max_records', 'page_size'], ['max_records'])
    """
    query = operation(op_id).query
    inputs = {"filter": filter_input(op_id)} if query.filters is not None else {}
    if query.sort is not None:
        inputs["sort"] = sort_input(op_id)
    inputs["max_records"] = max_records_input()
    if query.page_size_max is not None:
        inputs["page_size"] = page_size_input(op_id)
    return inputs


def list_action(
    op_id: str,
    *,
    label: str,
    description: str,
    catalog: Mapping[str, Any] | None = None,
    perform: Callable[[KlaviyoClient, Any], Any] | None = None,
    **more: Any,
) -> ActionDefinition[Any]:
    """A List X action: the ``catalog`` inputs (Fields unless given), the :func:`listing_inputs` with the ``more``
    inputs before Max Records, streaming every page (see :func:`stream_for`) unless ``perform`` says otherwise.

    Example:
        >>> listing = list_action("get_lists", label="List Lists", description="Get all lists in an account.")
        >>> [s.key for s in listing.input_specs()]
        ['connection', 'fields', 'filter', 'sort', 'maxRecords', 'pageSize']
    """
    listing = listing_inputs(op_id)
    caps: dict[str, Any] = {name: listing.pop(name) for name in ("max_records", "page_size") if name in listing}
    first: Mapping[str, Any] = catalog or {"fields": fields_input(op_id)}
    inputs = {**first, **listing, **more, **caps}
    cls = inputs_class(_class_name(label), f"Inputs of {label}.", inputs)
    return operation_action(op_id, label=label, description=description, inputs=cls, perform=perform)


def delete_action(op_id: str, description: str, id_comments: str) -> ActionDefinition[Any]:
    """A Delete X action (labelled after ``op_id``): its ``X ID`` input and the operation's ``DELETE`` (204, nothing
    returned).

    Example:
        >>> d = delete_action("delete_list", "Delete a list.", "The list.")
        >>> d.key, d.label, d.clean({"listId": "Y6nRLr"}), d.operation_ids
        ('deleteList', 'Delete List', DeleteListInputs(list_id='Y6nRLr'), ('delete_list',))
    """
    label = _operation_label(op_id)
    noun = label.removeprefix("Delete ")
    inputs = {f"{_identifier(noun)}_id": id_input(f"{noun} ID", id_comments)}
    cls = inputs_class(_class_name(label), f"Inputs of {label}.", inputs)
    return operation_action(op_id, label=label, description=description, inputs=cls)


#: Options a data source returns unless its Max Options says otherwise, and the most it may ask for.
PICKLIST_DEFAULT = 100
PICKLIST_MAX = 1000
#: Resources read at most when the search text can only be matched here (no server-side ``contains``).
PICKLIST_SCAN = 1000


@structs.frozen
class PicklistInputs:
    """Inputs of every data source: a search text and a cap, so a builder UI never pages through an account."""

    search: str | None = input_field(
        "Search",
        comments="Only options whose label contains this text (case-insensitive).",
        clean=to_stripped,
        example="VIP",
    )
    limit: int | None = input_field(
        "Max Options",
        comments=f"The most options to return (1-{PICKLIST_MAX}; default {PICKLIST_DEFAULT}).",
        default=str(PICKLIST_DEFAULT),
        clean=lambda v: _bounded(v, PICKLIST_MAX),
        schema={"minimum": 1, "maximum": PICKLIST_MAX},
    )


def _bounded(value: Any, maximum: int) -> int:
    number = clean_positive_int(value)
    if number > maximum:
        raise InputError(f"must be at most {maximum} (got {number})")
    return number


def picklist(
    op_id: str, *, key: str | None = None, label: str, description: str, label_fields: Sequence[str] = ("name",)
) -> DataSourceDefinition[Any]:
    """A Select X data source: the resources of a list operation as ``{"label", "key"}``, searched and capped.

    The label is the first non-empty of ``label_fields`` (the id when none is set; dotted names such as
    ``contact_information.organization_name`` reach into nested attributes); only those fields are asked for,
    to keep the pages small. *Search* is sent to Klaviyo as a ``contains`` filter on the label field where the
    operation allows one (``equals`` for an email address on profiles); otherwise the first
    ``PICKLIST_SCAN`` resources are searched here. *Max Options* caps the answer (default 100).

    Example:
        >>> source = picklist("get_lists", label="Select List", description="Lists.")
        >>> source.key, source.operation_ids
        ('selectList', ('get_lists',))
    """
    op = operation(op_id)
    server_field = next((f for f in label_fields if "contains" in _operators(op, f)), None)

    def perform(client: KlaviyoClient, inputs: PicklistInputs) -> Iterator[dict[str, str]]:
        return picklist_options(client, op_id, label_fields, inputs)

    where = (
        f"sent to Klaviyo as contains({server_field}, ...)" if server_field else f"matched in the first {PICKLIST_SCAN}"
    )
    perform.__doc__ = (
        f"The {op.response_type} resources of ``GET {op.path}`` as ``{{'label', 'key'}}`` (search {where})."
    )
    return DataSourceDefinition(
        key=key or label_key(label),
        label=label,
        description=f"{description} Search {where}; at most Max Options (default {PICKLIST_DEFAULT}).",
        inputs=PicklistInputs,
        perform=perform,
        operation_ids=(op_id,),
    )


def picklist_options(
    client: KlaviyoClient,
    op_id: str,
    label_fields: Sequence[str],
    inputs: PicklistInputs,
    *,
    scope: str | None = None,
    suffix: str = "",
) -> Iterator[dict[str, str]]:
    """``{"label", "key"}`` options of a list operation, narrowed by the search and capped (see :func:`picklist`).

    ``scope`` is a filter the operation needs anyway (List Campaigns' channel), combined with the search's.
    """
    op = operation(op_id)
    cap = inputs.limit or PICKLIST_DEFAULT
    search = (inputs.search or "").strip()
    server_field = next((f for f in label_fields if "contains" in _operators(op, f)), None)
    server = _server_filter(op, label_fields, server_field, search)
    params: dict[str, Any] = {f"fields[{op.response_type}]": list(label_fields)}
    filters = [f for f in (scope, server) if f]
    if filters:
        params["filter"] = filters[0] if len(filters) == 1 else f"and({','.join(filters)})"
    # Klaviyo filters a server-side search; otherwise the search is matched here, within a bounded scan.
    scan = cap if not search or server else PICKLIST_SCAN
    found = 0
    for resource in paginate(client, op_id, params=params, limit=max(scan, cap)):
        attributes = resource.get("attributes") or {}
        text = next(filter(None, (attribute_at(attributes, f) for f in label_fields)), None) or resource.get("id")
        if search and search.lower() not in str(text).lower():
            continue
        yield {"label": f"{text}{suffix}", "key": str(resource.get("id"))}
        found += 1
        if found >= cap:
            return


def _operators(op: Operation, field: str) -> frozenset[str]:
    spec = (op.query.filters or {}).get(field)
    return spec.operators if spec is not None else frozenset()


def _server_filter(op: Operation, label_fields: Sequence[str], field: str | None, search: str) -> str | None:
    """The filter that narrows the search on Klaviyo's side, when the operation offers one."""
    if not search:
        return None
    quoted = search.replace('"', "")
    if field is not None:
        return f'contains({field},"{quoted}")'
    if "@" in search and "email" in label_fields and "equals" in _operators(op, "email"):
        return f'equals(email,"{quoted.lower()}")'
    return None


def attribute_at(attributes: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted attribute name (``contact_information.organization_name``), or None.

    Example:
        >>> attribute_at({"contact": {"organization_name": "Acme"}}, "contact.organization_name")
        'Acme'
        >>> attribute_at({"contact": None}, "contact.organization_name") is None
        True
    """
    value: Any = attributes
    for name in dotted.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value
