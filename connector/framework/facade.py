"""The base of the typed Python facade: each resource group calls its actions through here.

Python callers get the same cleaning and validation as low-code steps (``clean`` accepts typed
values as they are), then the action's ``perform``; the group turns Klaviyo's JSON into models.

A declared group's methods are declared once, as data beside its actions (:class:`FacadeMethod`), and
written out as typed methods by ``python -m actions._generate_facade``: the signature comes from the action's
input class, so a method cannot drift from the inputs it fills.

Example:
    >>> from connector.sandbox import Sandbox
    >>> from connector.shell.facade import Klaviyo
    >>> with Sandbox() as sb:
    ...     vip = Klaviyo(api_key=sb.api_key, base_url=sb.url).lists.create(name="VIP")
    >>> vip.type, vip.attributes.name
    ('list', 'VIP')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from connector import structs
from connector.client.jsonapi import Resource, parse_document, parse_resource
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition
from connector.framework.inputs import Collection, InputSpec, InputType, input_specs

A = TypeVar("A")


class ResourceGroup:
    """Shared plumbing of ``client.lists``, ``client.profiles``, ...

    Example:
        >>> from connector.client.pipeline import KlaviyoClient
        >>> ResourceGroup(KlaviyoClient(None, base_url="http://127.0.0.1:9"))
        ResourceGroup(KlaviyoClient(base_url='http://127.0.0.1:9', revision='2026-07-15', auth=no credential))
    """

    def __init__(self, client: KlaviyoClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._client!r})"

    def _perform(self, action: ActionDefinition[Any], /, **values: Any) -> Any:
        """Clean Python keyword values like low-code inputs (same errors), then perform the action."""
        inputs = action.clean({k: v for k, v in values.items() if v is not None})
        return action.perform(self._client, inputs)

    def _one(self, model: type[A], action: ActionDefinition[Any], /, **values: Any) -> Resource[A]:
        return parse_document(model, self._perform(action, **values))

    def _many(self, model: type[A], action: ActionDefinition[Any], /, **values: Any) -> Iterator[Resource[A]]:
        return (parse_resource(model, raw) for raw in self._perform(action, **values))


# -- declared methods ------------------------------------------------------------------------------

#: The declared groups' words for a list action's paging inputs: ``limit`` caps the records (Max Records),
#: and Page Size is not offered (a list streams at the largest page the endpoint allows).
LIMIT = {"limit": "max_records"}
NOT_OFFERED = ("page_size",)


@structs.frozen
class FacadeParameter:
    """One parameter of a declared method: its Python name, the input it fills, its annotation and default.

    Example:
        >>> p = FacadeParameter("profile_count", "include_profile_count", "bool", required=False, switch=True)
        >>> p.source(), p.argument()
        ('profile_count: bool = False', 'include_profile_count=profile_count or None')
    """

    name: str
    input: str
    annotation: str
    required: bool
    #: A ``bool = False`` switch: False sends nothing, as leaving the input out does.
    switch: bool = False
    positional: bool = False

    def source(self) -> str:
        """The parameter as written in the signature."""
        default = "" if self.required else " = False" if self.switch else " = None"
        return f"{self.name}: {self.annotation}{default}"

    def argument(self) -> str:
        """The keyword argument that hands the value to the action's input."""
        return f"{self.input}={self.name}{' or None' if self.switch else ''}"


@structs.frozen
class FacadeMethod:
    """A typed method of a declared group, declared as data beside its action.

    The parameters are the action's inputs, in their order, with the input class's annotations as callers see
    them (a value list takes any ``Sequence``, a JSON object any ``Mapping``; optional unless the input must be
    given); the ids of the path come first, before ``*``. Where the catalog's names or types do not read well
    in Python:

    - ``prefix``: inputs named ``<prefix><name>`` (path ids aside) are parameter ``<name>`` (``template_`` makes
      Template Name ``name``);
    - ``rename``: parameter -> the input it fills (``{"metric_name": "event_name"}``), over ``prefix``;
    - ``positional``: other parameters that come before ``*``;
    - ``types``: parameter -> the annotation callers pass, where the input's describes the cleaned value (an
      annotation without ``None`` makes the parameter required);
    - ``switches``: ``bool = False`` flags, False sending nothing (as leaving the input out does); a Yes/No input
      ``include_<x>`` (Include Profile Count) is the switch ``<x>`` unless renamed;
    - ``omit``: inputs not offered. A list action's Max Records is ``limit`` and its Page Size is not offered
      (:data:`LIMIT`, :data:`NOT_OFFERED`).

    The result is the one of the action's operation: its resource model, an iterator of them for a list action,
    None for a 202/204 answer. ``returns`` types a result handed back as the action gives it (a bulk
    submission); ``convert`` is a function of the declared module that turns the action's output into the
    result (its return annotation types the method; a classmethod such as ``ListMembership.of`` does too), or a
    class built from the output's keys (``TrackedEvent``).

    Example:
        >>> from connector import structs
        >>> from connector.framework.inputs import input_field
        >>> @structs.frozen
        ... class RenameInputs:
        ...     list_id: str = input_field("List ID", required=True, to="path:id")
        ...     list_name: str | None = input_field("List Name", to="attributes:name")
        ...     tags: list[str] = input_field("Tags", collection=Collection.VALUE_LIST)
        >>> rename = ActionDefinition("rename", "Rename", "", RenameInputs, lambda client, i: None)
        >>> method = FacadeMethod("rename", rename, "Rename a list.", prefix="list_")
        >>> [p.source() for p in method.parameters()]
        ['list_id: str', 'name: str | None = None', 'tags: Sequence[str] | None = None']
    """

    name: str
    action: ActionDefinition[Any]
    doc: str
    prefix: str = ""
    rename: Mapping[str, str] = structs.field(factory=dict)
    positional: tuple[str, ...] = ()
    types: Mapping[str, str] = structs.field(factory=dict)
    switches: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()
    returns: str | None = None
    convert: Callable[[Any], Any] | None = None

    def parameters(self) -> list[FacadeParameter]:
        """The parameters: the path ids, the other ``positional`` ones in their order, then the keyword-only ones."""
        fields: list[str] = [f.name for f in structs.fields(self.action.inputs) if f.metadata.get("klaviyo_input")]
        specs = dict(zip(fields, input_specs(self.action.inputs), strict=True))
        renames = {**{k: v for k, v in LIMIT.items() if v in specs}, **self.rename}
        omitted = {*self.omit, *(n for n in NOT_OFFERED if n in specs)}
        unknown = [n for n in (*renames.values(), *self.omit) if n not in specs]
        if unknown:
            raise ValueError(f"{self.name}: {self.action.key} has no input {', '.join(unknown)}")
        by_input = {field: name for name, field in renames.items()}
        switched = {f: f.removeprefix("include_") for f, s in specs.items() if _includes(f, s) and f not in by_input}
        out = [
            self._parameter(
                by_input.get(field) or switched.get(field) or self._unprefixed(field, spec),
                field,
                spec,
                switch=field in switched,
            )
            for field, spec in specs.items()
            if field not in omitted
        ]
        names = [p.name for p in out]
        stray = [n for n in (*self.positional, *self.types, *self.switches) if n not in names]
        if stray:
            raise ValueError(f"{self.name}: no parameter {', '.join(stray)}")
        first = [p for p in out if p.positional and p.name not in self.positional]
        first += [next(p for p in out if p.name == n) for n in self.positional]
        if any(p.switch or not p.required for p in first):
            raise ValueError(f"{self.name}: a positional parameter must be required")
        return first + [p for p in out if p not in first]

    def _unprefixed(self, field: str, spec: InputSpec) -> str:
        path = (spec.target or "").startswith("path:")
        return field[len(self.prefix) :] if self.prefix and field.startswith(self.prefix) and not path else field

    def _parameter(self, name: str, field: str, spec: InputSpec, *, switch: bool) -> FacadeParameter:
        positional = name in self.positional or (spec.target or "").startswith("path:")
        if switch or name in self.switches:
            return FacadeParameter(name, field, "bool", required=False, switch=True)
        if name in self.types:
            annotation = self.types[name]
            required = spec.must_be_given or not _admits_none(annotation)
            return FacadeParameter(name, field, annotation, required, positional=positional)
        annotation = caller_type(spec.python_type or "Any", spec)
        if spec.must_be_given:
            return FacadeParameter(name, field, annotation, True, positional=positional)
        optional = annotation if _admits_none(annotation) else f"{annotation} | None"
        return FacadeParameter(name, field, optional, False, positional=positional)


def caller_type(annotation: str, spec: InputSpec) -> str:
    """What a caller may pass for an input annotated ``annotation``: a value list any ``Sequence``, a JSON object
    any ``Mapping``.

    Example:
        >>> value_list = InputSpec(key="fields", label="Fields", collection=Collection.VALUE_LIST)
        >>> caller_type("list[str]", value_list), caller_type("dict[str, Any] | None", InputSpec(key="p", label="P"))
        ('Sequence[str]', 'Mapping[str, Any] | None')
    """
    text = re.sub(r"\bdict\[", "Mapping[", annotation)
    if spec.collection is Collection.VALUE_LIST:
        text = re.sub(r"\blist\[", "Sequence[", text)
    return text


def _includes(field: str, spec: InputSpec) -> bool:
    """A Yes/No input that asks Klaviyo for more (``include_profile_count``)."""
    return field.startswith("include_") and spec.type is InputType.BOOLEAN


def _admits_none(annotation: str) -> bool:
    return annotation == "Any" or "None" in (part.strip() for part in annotation.split("|"))
