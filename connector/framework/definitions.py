"""Definitions: actions, connections and data sources, each declared once.

An action pairs an input class (see :mod:`connector.framework.inputs`) with a ``perform`` function that
takes a :class:`~connector.client.pipeline.KlaviyoClient` and the typed inputs. Python scripts call
``perform`` through the typed facade; low-code steps call :meth:`ActionDefinition.run`, which
cleans raw values first and returns plain JSON. The manifest is derived from these objects.

Example:
    >>> from connector import structs
    >>> from connector.framework.inputs import input_field
    >>> @structs.frozen
    ... class PingInputs:
    ...     name: str = input_field("Name", required=True)
    >>> ping = ActionDefinition(key="ping", label="Ping", description="Echo.", inputs=PingInputs,
    ...                         perform=lambda client, i: {"data": i.name})
    >>> ping.run(None, {"name": "hi"})
    {'data': 'hi'}
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from connector import structs
from connector.client.errors import InputError
from connector.client.secrets import MASK
from connector.framework.inputs import InputSpec, InputType, clean_inputs, input_specs

if TYPE_CHECKING:
    from connector.client.auth import Credential
    from connector.client.pipeline import KlaviyoClient

I = TypeVar("I")  # noqa: E741 - conventional name for an input class

CONNECTION_INPUT = InputSpec(key="connection", label="Connection", type=InputType.CONNECTION, required=True)


@structs.frozen
class ActionDefinition(Generic[I]):
    """One action: metadata for builders, an input class, and the function that performs it.

    ``perform`` returns JSON-ready data: a dict (usually Klaviyo's document), an iterator of
    resources (list actions stream), bytes (binary responses) or None (204 / 202 answers).

    Example:
        >>> from connector import structs
        >>> from connector.framework.inputs import input_field
        >>> @structs.frozen
        ... class EchoInputs:
        ...     text: str = input_field("Text", required=True)
        >>> echo = ActionDefinition("echo", "Echo", "Says it back.", EchoInputs, lambda client, i: iter([i.text]),
        ...                         operation_ids=("get_lists",))
        >>> echo.run(None, {"text": "hi"}), echo.docs_url
        ({'data': ['hi']}, 'https://developers.klaviyo.com/en/reference/get_lists')
    """

    key: str
    label: str
    description: str
    inputs: type[I]
    perform: Callable[[KlaviyoClient, I], Any]
    #: The Klaviyo operations (``operationId`` of the spec) the action may call, the main one first.
    operation_ids: tuple[str, ...] = ()
    #: Whether the action takes its operations away from the derived actions (one plain action per operation).
    #: False for composite actions (the destination actions), whose operations keep plain actions too, and for
    #: the derived actions themselves.
    covers_operations: bool = True

    @property
    def docs_url(self) -> str | None:
        """Klaviyo's reference page of the action's main operation."""
        return reference_url(self.operation_ids)

    def input_specs(self) -> list[InputSpec]:
        """The action's inputs as a builder shows them: Connection first, then the declared inputs."""
        return [CONNECTION_INPUT, *input_specs(self.inputs)]

    def clean(self, raw: Mapping[str, Any]) -> I:
        """Type raw low-code values (raises :class:`~connector.client.errors.InputError`)."""
        return clean_inputs(self.inputs, raw)

    def run(self, client: KlaviyoClient | None, raw: Mapping[str, Any]) -> Any:
        """Run as a low-code step: clean, perform, and return plain JSON."""
        cleaned = self.clean(raw)
        return to_output(self.perform(client, cleaned))  # type: ignore[arg-type]


@structs.frozen
class ConnectionDefinition:
    """A way to authenticate, with its inputs and a factory for the credential.

    ``build`` receives the connection's cleaned input values by key, plus ``"token"`` (an OAuth token a
    platform passes with the connection, or None) and ``"baseUrl"`` (the Klaviyo host the caller is configured
    for, or None).

    Example:
        >>> ConnectionDefinition(key="apiKey", label="API Key", description="", inputs=(),
        ...                      build=lambda values: None).key
        'apiKey'
    """

    key: str
    label: str
    description: str
    inputs: Sequence[InputSpec]
    build: Callable[[Mapping[str, Any]], Credential | None]

    def credential(self, value: ConnectionValue, *, base_url: str | None = None) -> Credential | None:
        """The credential for a connection value a step received: its fields cleaned with this definition's
        inputs (an :class:`InputError` on the ``connection`` input names the field, never its value).

        Example:
            >>> d = ConnectionDefinition(key="k", label="K", description="", build=dict,
            ...                          inputs=(InputSpec(key="apiKey", label="API Key", required=True, secret=True),))
            >>> d.credential(ConnectionValue(key="k", fields={}))
            Traceback (most recent call last):
            ...
            connector.client.errors.InputError: Connection: API Key is required (K connection)
        """
        values: dict[str, Any] = {}
        for spec in self.inputs:
            raw = value.fields.get(spec.key)
            try:
                values[spec.key] = spec.clean_value(raw, explicit_null=spec.key in value.fields and raw is None)
            except InputError as exc:
                problem = f"{spec.label} {exc.problem} ({self.label} connection)"
                raise InputError(problem, label=CONNECTION_INPUT.label, key=CONNECTION_INPUT.key) from None
        values["token"] = dict(value.token) if value.token is not None else None
        values["baseUrl"] = base_url
        return self.build(values)


@structs.frozen(repr=False)
class ConnectionValue:
    """A connection as a workflow platform passes it to a step, in Prismatic's shape: the connection's ``key``
    (``apiKey``, ``oauth2``), its input ``fields`` by key, and for OAuth 2.0 the ``token`` (``access_token``,
    ``refresh_token``, ``expires_at``). Other keys Prismatic sends (``configVarKey``, ``context``) are ignored.

    Its repr names the fields but shows no value: they are secrets.

    Example:
        >>> ConnectionValue.parse('{"key": "apiKey", "fields": {"apiKey": "pk_secret"}}')
        ConnectionValue(key='apiKey', fields=['apiKey'], token=None)
    """

    key: str
    fields: Mapping[str, Any] = structs.field(factory=dict)
    token: Mapping[str, Any] | None = None

    def __repr__(self) -> str:
        token = MASK if self.token is not None else None
        return f"ConnectionValue(key={self.key!r}, fields={sorted(self.fields)}, token={token})"

    @classmethod
    def parse(cls, raw: Any) -> ConnectionValue:
        """Read a connection value: an object, or the same object as JSON text.

        Example:
            >>> ConnectionValue.parse({"key": "oauth2", "fields": {}, "token": {"access_token": "t"}}).token is not None
            True
            >>> ConnectionValue.parse({"fields": {}})
            Traceback (most recent call last):
            ...
            connector.client.errors.InputError: Connection: needs the connection's "key" (apiKey or oauth2); ...
        """
        label, key = CONNECTION_INPUT.label, CONNECTION_INPUT.key
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                # The text may hold a key: say where it breaks, never what it says.
                raise InputError(f"is not valid JSON ({exc.msg} at column {exc.colno})", label=label, key=key) from None
        if not isinstance(raw, Mapping):
            raise InputError(_CONNECTION_SHAPE, label=label, key=key)
        name = raw.get("key")
        if not isinstance(name, str) or not name.strip():
            raise InputError(
                f'needs the connection\'s "key" (apiKey or oauth2); {_CONNECTION_SHAPE}', label=label, key=key
            )
        fields = raw.get("fields")
        token = raw.get("token")
        if fields is not None and not isinstance(fields, Mapping):
            raise InputError('"fields" must be an object of the connection\'s inputs by key', label=label, key=key)
        if token is not None and not isinstance(token, Mapping):
            raise InputError(
                '"token" must be an object (access_token, refresh_token, expires_at)', label=label, key=key
            )
        return cls(key=name.strip(), fields=dict(fields or {}), token=dict(token) if token is not None else None)


_CONNECTION_SHAPE = (
    'expected {"key": "apiKey", "fields": {"apiKey": "pk_..."}} or {"key": "oauth2", "fields": {"clientId", '
    '"clientSecret"}, "token": {"access_token", "refresh_token", "expires_at"}}'
)


def connection_credential(
    definitions: Sequence[ConnectionDefinition], raw: Any, *, base_url: str | None = None
) -> Credential | None:
    """The credential of the connection value a step received (see :class:`ConnectionValue`), built by the
    definition its ``key`` names.

    Example:
        >>> connection_credential([], {"key": "basic", "fields": {}})
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Connection: unknown connection key 'basic'; expected one of: (none)
    """
    value = ConnectionValue.parse(raw)
    for definition in definitions:
        if definition.key == value.key:
            return definition.credential(value, base_url=base_url)
    known = ", ".join(d.key for d in definitions) or "(none)"
    raise InputError(
        f"unknown connection key {value.key!r}; expected one of: {known}",
        label=CONNECTION_INPUT.label,
        key=CONNECTION_INPUT.key,
    )


@structs.frozen
class DataSourceDefinition(Generic[I]):
    """A picklist source for builders: returns ``[{"label", "key"}]``.

    Example:
        >>> from connector import structs
        >>> @structs.frozen
        ... class NoInputs:
        ...     pass
        >>> colours = DataSourceDefinition("selectColour", "Select Colour", "", NoInputs,
        ...                                lambda client, i: [{"label": "Red", "key": "r"}])
        >>> colours.run(None, {})
        {'result': [{'label': 'Red', 'key': 'r'}]}
    """

    key: str
    label: str
    description: str
    inputs: type[I]
    perform: Callable[[KlaviyoClient, I], Iterable[Mapping[str, str]]]
    #: The Klaviyo operations the data source calls.
    operation_ids: tuple[str, ...] = ()

    def input_specs(self) -> list[InputSpec]:
        """Connection first, then the declared inputs."""
        return [CONNECTION_INPUT, *input_specs(self.inputs)]

    def run(self, client: KlaviyoClient, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Run for a builder: ``{"result": [{"label", "key"}, ...]}``."""
        cleaned = clean_inputs(self.inputs, raw)
        return {"result": [dict(item) for item in self.perform(client, cleaned)]}


def reference_url(operation_ids: Sequence[str]) -> str | None:
    """Klaviyo's API reference page of the first operation, or None.

    Example:
        >>> reference_url(("create_list",))
        'https://developers.klaviyo.com/en/reference/create_list'
    """
    return f"https://developers.klaviyo.com/en/reference/{operation_ids[0]}" if operation_ids else None


def to_output(result: Any) -> Any:
    """Turn what ``perform`` returned into JSON for a low-code step.

    Example:
        >>> to_output(iter([{"id": "a"}])), to_output(None), to_output(b"hi")
        ({'data': [{'id': 'a'}]}, {'data': None}, {'data': 'aGk=', 'encoding': 'base64'})
    """
    if result is None:
        return {"data": None}
    if isinstance(result, (bytes, bytearray)):
        return {"data": base64.b64encode(bytes(result)).decode(), "encoding": "base64"}
    if isinstance(result, Iterator):
        return {"data": list(result)}
    if hasattr(result, "to_json"):
        return result.to_json()
    return result
