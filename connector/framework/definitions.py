"""Definitions: actions, connections and data sources, each declared once.

An action pairs an input class (see :mod:`connector.framework.inputs`) with a ``perform`` function that
takes a :class:`~connector.client.pipeline.KlaviyoClient` and the typed inputs. Python scripts call
``perform`` through the typed facade; low-code steps call :meth:`ActionDefinition.run`, which
cleans raw values first and returns plain JSON. The manifest is derived from these objects.

Example:
    >>> import attrs
    >>> from connector.framework.inputs import input_field
    >>> @attrs.frozen
    ... class PingInputs:
    ...     name: str = input_field("Name", required=True)
    >>> ping = ActionDefinition(key="ping", label="Ping", description="Echo.", inputs=PingInputs,
    ...                         perform=lambda client, i: {"data": i.name})
    >>> ping.run(None, {"name": "hi"})
    {'data': 'hi'}
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from connector.framework.inputs import InputSpec, InputType, clean_inputs, input_specs

if TYPE_CHECKING:
    from connector.client.auth import Credential
    from connector.client.pipeline import KlaviyoClient

I = TypeVar("I")  # noqa: E741 - conventional name for an input class

CONNECTION_INPUT = InputSpec(key="connection", label="Connection", type=InputType.CONNECTION, required=True)


@attrs.frozen
class ActionDefinition(Generic[I]):
    """One action: metadata for builders, an input class, and the function that performs it.

    ``perform`` returns JSON-ready data: a dict (usually Klaviyo's document), an iterator of
    resources (list actions stream), bytes (binary responses) or None (204 / 202 answers).

    Example:
        >>> import attrs
        >>> from connector.framework.inputs import input_field
        >>> @attrs.frozen
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


@attrs.frozen
class ConnectionDefinition:
    """A way to authenticate, with its inputs and a factory for the credential.

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


@attrs.frozen
class DataSourceDefinition(Generic[I]):
    """A picklist source for builders: returns ``[{"label", "key"}]``.

    Example:
        >>> import attrs
        >>> @attrs.frozen
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
