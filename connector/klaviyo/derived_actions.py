"""Actions derived from the operation registry, for the operations no catalog action performs.

Every operation of the spec becomes an action with the same quality as the catalog's: its key is the
operation id in camelCase (``get_flows`` -> ``getFlows``), its label the spec's summary, its description the
spec's text, and its inputs come from the operation's parameters and body:

- path ids (``Flow ID``), and a body ``id`` where the body names a resource the path does not;
- for list operations: sparse ``fields`` per resource type, ``additional-fields``, ``include``, ``filter`` (the
  comment lists its fields and operators), ``sort`` (a picklist), ``Page Size`` and ``Max Records``;
- other query parameters and headers the operation declares (``company_id``, a report's ``timeframe``...);
- body attributes as typed inputs (text, numbers, booleans, date-times, picklists for enums, lists of enum
  values as multi-select picklists, a report's time frame as a picklist with custom start and end), nested
  objects as JSON inputs that take exactly the shape of Klaviyo's request body, relationships as ids, ``meta``
  as JSON, and the ids of a relationship endpoint's body;
- ``Wait for Completion`` for operations that start a job Klaviyo lets us follow.

Each input is bound to its place in the request (``to=``), so the generic perform of
:mod:`connector.klaviyo.operation_actions` builds and checks the call; nothing is written per operation.

Example:
    >>> action = derived_action("get_flows")
    >>> action.key, action.label, [s.key for s in action.input_specs()][:4]
    ('getFlows', 'Get Flows', ['connection', 'fields', 'fieldsFlowAction', 'fieldsTag'])
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Callable, Mapping
from typing import Any

from connector import structs
from connector.framework.definitions import ActionDefinition
from connector.framework.inputs import (
    Collection,
    InputType,
    camel_case,
    input_field,
    to_bool,
    to_int,
    to_json,
    to_json_object,
    to_number,
    to_str,
    to_timestamp,
)
from connector.klaviyo.operation_actions import (
    clean_id,
    filter_comments,
    max_records_input,
    names_input,
    operation_action,
    page_size_input,
    performer,
)
from connector.klaviyo.operations.registry import Operation, operation

#: Longest input comment taken from the spec's text (some descriptions are pages long).
COMMENT_MAX = 600


@structs.frozen
class DerivedInput:
    """One input of a derived action: its Python name, its annotation (for the typed facade) and its field."""

    name: str
    annotation: str
    field: Any
    required: bool = False


def derived_key(op_id: str) -> str:
    """The action key of an operation: its id in camelCase.

    Example:
        >>> derived_key("query_metric_aggregates")
        'queryMetricAggregates'
    """
    return camel_case(op_id)


@functools.cache
def derived_action(op_id: str) -> ActionDefinition[Any]:
    """The action for ``op_id``, built from the registry (cached: built once per process)."""
    op = operation(op_id)
    inputs = derived_inputs(op)
    fields = {i.name: i.field for i in inputs}
    cls = structs.make_class(_class_name(op_id), fields, frozen=True, kw_only=True)
    return operation_action(
        op_id,
        key=derived_key(op_id),
        label=op.summary or op_id,
        description=_description(op),
        inputs=cls,
        perform=_perform_for(op),
        covers_operations=False,
    )


def _class_name(op_id: str) -> str:
    return "".join(part.title() for part in op_id.split("_")) + "Inputs"


def _description(op: Operation) -> str:
    text = op.description.split("\n\n")[0].strip() or op.summary
    return text if len(text) <= 400 else text[:397] + "..."


def _perform_for(op: Operation) -> Callable[[Any, Any], Any]:
    from connector.klaviyo import action_results

    special = action_results.performer_for(op)
    return special or performer(op.id)


# -- deriving the inputs ------------------------------------------------------------------------


def derived_inputs(op: Operation) -> list[DerivedInput]:
    """Every input of the action for ``op``, required ones first (as builders list them); names are unique."""
    found = [
        *_path_inputs(op),
        *_body_inputs(op),
        *_query_inputs(op),
        *_header_inputs(op),
        *_job_inputs(op),
    ]
    names = [i.name for i in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:  # pragma: no cover - the tests derive every operation; a clash would fail there
        raise ValueError(f"{op.id}: derived inputs clash: {duplicates}")
    return sorted(found, key=lambda i: not i.required)


def _path_inputs(op: Operation) -> list[DerivedInput]:
    out = []
    for name in op.path_params:
        resource = "Job" if name == "job_id" else _resource_before(op.path, name)
        python = "job_id" if name == "job_id" else f"{_snake(resource)}_id"
        label = f"{resource} ID"
        field = input_field(
            label, comments=f"The ID of the {resource.lower()}.", required=True, clean=clean_id, to=f"path:{name}"
        )
        out.append(DerivedInput(python, "str", field, required=True))
    return out


def _resource_before(path: str, name: str) -> str:
    """``/api/catalog-items/{id}`` -> ``Catalog Item``: the singular of the segment before the parameter."""
    segments = path.split("/")
    index = segments.index("{" + name + "}")
    return _title(_singular(segments[index - 1]))


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


_ACRONYMS = {"id": "ID", "ids": "IDs", "url": "URL", "sms": "SMS", "api": "API"}


def _title(name: str) -> str:
    """``conversion_metric_id`` -> ``Conversion Metric ID``."""
    words = re.split(r"[-_\s]+", name.strip("$"))
    return " ".join(_ACRONYMS.get(w.lower(), w[:1].upper() + w[1:]) for w in words)


def _snake(name: str) -> str:
    text = re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()
    text = re.sub(r"_+", "_", text)
    if not text or text[0].isdigit():
        text = "v_" + text
    return text + "_" if keyword.iskeyword(text) else text


def _comments(schema: Mapping[str, Any], fallback: str = "") -> str:
    text = str(schema.get("description") or fallback).strip()
    return text if len(text) <= COMMENT_MAX else text[: COMMENT_MAX - 3] + "..."


def _query_inputs(op: Operation) -> list[DerivedInput]:
    query = op.query
    out: list[DerivedInput] = []
    own = op.response_type
    for kind, allowed in query.fields.items():
        suffix = "" if kind == own else f"_{_snake(kind)}"
        label = "Fields" if kind == own else f"Fields ({kind})"
        out.append(
            _names(
                f"fields{suffix}",
                label,
                f"Sparse fieldset of the {kind} resources returned.",
                allowed,
                f"query:fields[{kind}]",
            )
        )
    for kind, allowed in query.additional_fields.items():
        suffix = "" if kind == own else f"_{_snake(kind)}"
        label = "Additional Fields" if kind == own else f"Additional Fields ({kind})"
        comments = f"Fields of the {kind} resources Klaviyo returns only when asked."
        out.append(_names(f"additional_fields{suffix}", label, comments, allowed, f"query:additional-fields[{kind}]"))
    if query.include is not None:
        out.append(
            _names("include", "Include", "Related resources to return in `included`.", query.include, "query:include")
        )
    if query.filters is not None or query.filter_required:
        field = input_field(
            "Filter", comments=filter_comments(op), required=query.filter_required, clean=_stripped, to="query:filter"
        )
        out.append(
            DerivedInput("filter", "str" if query.filter_required else "str | None", field, query.filter_required)
        )
    if query.sort is not None:
        choices = [c for name in query.sort for c in (name, f"-{name}")]
        field = input_field(
            "Sort",
            comments="Sort by this field; prefix with - for descending.",
            type=InputType.PICKLIST,
            choices=choices,
            to="query:sort",
        )
        out.append(DerivedInput("sort", "str | None", field))
    for param in query.other:
        out.append(_parameter(param.name, param.required, param.type, param.enum, param.description, param.example))
    if query.paged and op.method == "GET":
        out.extend(_paging(op))
    return out


def _names(name: str, label: str, comments: str, allowed: Any, target: str) -> DerivedInput:
    return DerivedInput(name, "Sequence[str] | None", names_input(label, comments, allowed, target, noun="value"))


def _parameter(
    name: str, required: bool, kind: str | None, enum: tuple[str, ...] | None, description: str, example: Any
) -> DerivedInput:
    python = _snake(name)
    if enum is not None:
        field = input_field(
            _title(name),
            comments=description,
            required=required,
            type=InputType.PICKLIST,
            choices=enum,
            to=f"query:{name}",
        )
    else:
        field = input_field(
            _title(name), comments=description, required=required, clean=_stripped, example=example, to=f"query:{name}"
        )
    return DerivedInput(python, "str" if required else "str | None", field, required)


def _paging(op: Operation) -> list[DerivedInput]:
    """Max Records, and Page Size where the operation takes one (the declared list actions' inputs)."""
    out = [DerivedInput("max_records", "int | None", max_records_input())]
    if op.query.page_size_max is not None:
        out.append(DerivedInput("page_size", "int | None", page_size_input(op.id)))
    return out


def _header_inputs(op: Operation) -> list[DerivedInput]:
    out = []
    for header in op.headers:
        name = _snake(header.removeprefix("X-Klaviyo-").removeprefix("X-"))
        field = input_field(_title(header), comments=f"The `{header}` header.", clean=_stripped, to=f"header:{header}")
        out.append(DerivedInput(name, "str | None", field))
    return out


def _job_inputs(op: Operation) -> list[DerivedInput]:
    from connector.klaviyo import action_results

    if action_results.job_status_operation(op) is None:
        return []
    field = input_field(
        "Wait for Completion",
        type=InputType.BOOLEAN,
        comments=(
            "Wait until Klaviyo finishes the job (polling its status, up to 30 minutes) and return the finished job "
            "with its per-record errors where Klaviyo reports them; otherwise return as soon as Klaviyo accepted it."
        ),
        default="false",
    )
    return [DerivedInput("wait_for_completion", "bool | None", field)]


# -- body inputs ---------------------------------------------------------------------------------


def _resolve(op: Operation, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**op.schemas[schema["$ref"]], **extra}
    return schema


def _body_inputs(op: Operation) -> list[DerivedInput]:
    body = op.body
    if body is None or body.shape == "form":
        return []
    if body.shape == "array":
        kind = body.type or "resource"
        label = f"{_title(kind)} IDs"
        field = input_field(
            label,
            comments=f"The IDs of the {kind} resources (a JSON array or comma-separated).",
            required=True,
            collection=Collection.VALUE_LIST,
            clean=clean_id,
            to="data",
        )
        return [DerivedInput(f"{_snake(kind)}_ids", "Sequence[str]", field, required=True)]
    out: list[DerivedInput] = []
    # The body's data.id is the path's id only when the path names the resource itself (PATCH /api/lists/{id});
    # a relationship's body names the related resource (PATCH .../relationships/image takes the image's id).
    if body.id != "none" and not re.fullmatch(r"/api/[^/]+/\{id\}", op.path):
        required = body.id == "required"
        field = input_field(
            "ID",
            comments=f"The ID of the {body.type} resource (the body's data.id).",
            required=required,
            clean=clean_id,
            to="resource:id",
        )
        out.append(DerivedInput("id", "str" if required else "str | None", field, required))
    if body.attributes is not None:
        out.extend(_attribute_inputs(op, body.attributes, body.attributes_required))
    if body.relationships is not None:
        out.extend(_relationship_inputs(op, body.relationships, body.relationships_required))
    if body.meta is not None:
        field = input_field(
            "Meta",
            type=InputType.JSON,
            comments=_comments(_resolve(op, body.meta), "The body's data.meta object, as Klaviyo takes it."),
            clean=to_json_object,
            to="meta",
        )
        out.append(DerivedInput("meta", "Mapping[str, Any] | None", field))
    return out


def _attribute_inputs(op: Operation, schema: Mapping[str, Any], required_part: bool) -> list[DerivedInput]:
    resolved = _resolve(op, schema)
    required = set(resolved.get("required") or ()) if required_part else set()
    out: list[DerivedInput] = []
    for name, raw in (resolved.get("properties") or {}).items():
        prop = _resolve(op, raw)
        if _is_timeframe(op, prop):
            out.extend(_timeframe_inputs(op, name, prop, name in required))
        else:
            out.append(_attribute_input(op, name, prop, name in required))
    return out


def _attribute_input(op: Operation, name: str, prop: Mapping[str, Any], required: bool) -> DerivedInput:
    label = _title(name)
    comments = _comments(prop)
    target = f"attributes:{name}"
    python = _snake(name)
    kind, extra = _scalar_kind(op, prop)
    if kind == "picklist":
        field = input_field(
            label, comments=comments, required=required, type=InputType.PICKLIST, choices=extra, to=target
        )
        return DerivedInput(python, _optional("str", required), field, required)
    if kind == "multi":
        field = input_field(
            label,
            comments=comments,
            required=required,
            collection=Collection.VALUE_LIST,
            choices=extra,
            schema={"enum": list(extra)},
            to=target,
        )
        return DerivedInput(python, _optional("Sequence[str]", required), field, required)
    if kind == "strings":
        field = input_field(
            label, comments=comments, required=required, collection=Collection.VALUE_LIST, clean=to_str, to=target
        )
        return DerivedInput(python, _optional("Sequence[str]", required), field, required)
    cleaner, input_type, annotation = _SCALARS[kind]
    example = prop.get("example")
    field = input_field(
        label, comments=comments, required=required, type=input_type, clean=cleaner, example=example, to=target
    )
    return DerivedInput(python, _optional(annotation, required), field, required)


def _optional(annotation: str, required: bool) -> str:
    return annotation if required else f"{annotation} | None"


#: Scalar kind -> (cleaner, input type, annotation in the typed facade).
_SCALARS: dict[str, tuple[Callable[[Any], Any], InputType, str]] = {
    "string": (to_str, InputType.STRING, "str"),
    "date-time": (to_timestamp, InputType.TIMESTAMP, "str"),
    "boolean": (to_bool, InputType.BOOLEAN, "bool"),
    "integer": (to_int, InputType.STRING, "int"),
    "number": (to_number, InputType.STRING, "float"),
    "json": (to_json, InputType.JSON, "Any"),
}


def _scalar_kind(op: Operation, prop: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """How an attribute is asked for: a picklist, a multi-select, a list of text, a scalar, or JSON."""
    if "oneOf" in prop or "properties" in prop or prop.get("type") == "object":
        return "json", ()
    if prop.get("type") == "array":
        items = _resolve(op, prop.get("items") or {})
        if items.get("enum") and items.get("type") == "string":
            return "multi", tuple(str(v) for v in items["enum"])
        if items.get("type") == "string" and "properties" not in items:
            return "strings", ()
        return "json", ()
    if prop.get("enum") and prop.get("type", "string") == "string":
        return "picklist", tuple(str(v) for v in prop["enum"])
    if prop.get("type") == "string" and prop.get("format") == "date-time":
        return "date-time", ()
    if prop.get("type") in ("string", "boolean", "integer", "number"):
        return str(prop["type"]), ()
    return "json", ()


def _is_timeframe(op: Operation, prop: Mapping[str, Any]) -> bool:
    """A reporting time frame: ``oneOf`` a preset ``{"key": ...}`` or a custom ``{"start", "end"}``."""
    branches = [_resolve(op, b) for b in prop.get("oneOf") or ()]
    keys = [set(b.get("properties") or {}) for b in branches]
    return len(branches) == 2 and {"key"} in keys and {"start", "end"} in keys


def _timeframe_inputs(op: Operation, name: str, prop: Mapping[str, Any], required: bool) -> list[DerivedInput]:
    """A time frame as a picklist of Klaviyo's presets, or ``custom`` with a start and an end."""
    preset = next(_resolve(op, b) for b in prop["oneOf"] if "key" in (_resolve(op, b).get("properties") or {}))
    keys = tuple(str(v) for v in ((preset.get("properties") or {}).get("key") or {}).get("enum") or ())
    label = _title(name)
    field = input_field(
        label,
        comments=_comments(prop) + " Choose `custom` and give a start and an end for another period.",
        required=required,
        type=InputType.PICKLIST,
        choices=(*keys, "custom"),
        to=f"timeframe:{name}",
    )
    start = input_field(
        f"{label} Start",
        type=InputType.TIMESTAMP,
        comments="Start of a custom time frame (ISO 8601).",
        clean=to_timestamp,
        to=f"timeframe:{name}.start",
    )
    end = input_field(
        f"{label} End",
        type=InputType.TIMESTAMP,
        comments="End of a custom time frame (ISO 8601).",
        clean=to_timestamp,
        to=f"timeframe:{name}.end",
    )
    python = _snake(name)
    return [
        DerivedInput(python, _optional("str", required), field, required),
        DerivedInput(f"{python}_start", "str | None", start),
        DerivedInput(f"{python}_end", "str | None", end),
    ]


def _relationship_inputs(op: Operation, schema: Mapping[str, Any], required_part: bool) -> list[DerivedInput]:
    resolved = _resolve(op, schema)
    required = set(resolved.get("required") or ()) if required_part else set()
    out = []
    for name, raw in (resolved.get("properties") or {}).items():
        data = _resolve(op, (_resolve(op, raw).get("properties") or {}).get("data") or {})
        many = data.get("type") == "array"
        label = f"{_title(_singular(name) if many else name)} {'IDs' if many else 'ID'}"
        comments = _comments(_resolve(op, raw), f"The {name} relationship.")
        field = input_field(
            label,
            comments=comments,
            required=name in required,
            collection=Collection.VALUE_LIST if many else None,
            clean=clean_id,
            to=f"relationships:{name}",
        )
        python = f"{_snake(_singular(name) if many else name)}_{'ids' if many else 'id'}"
        annotation = "Sequence[str]" if many else "str"
        out.append(DerivedInput(python, _optional(annotation, name in required), field, name in required))
    return out


def _stripped(value: Any) -> str:
    return to_str(value).strip()
