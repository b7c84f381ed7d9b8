"""The base of the typed Python facade: each resource group calls its actions through here.

Python callers get the same cleaning and validation as low-code steps (``clean`` accepts typed
values as they are), then the action's ``perform``; the group turns Klaviyo's JSON into models.

Example:
    >>> from connector.sandbox import Sandbox
    >>> from connector.shell.facade import Klaviyo
    >>> with Sandbox() as sb:
    ...     vip = Klaviyo(api_key=sb.api_key, base_url=sb.url).lists.create(name="VIP")
    >>> vip.type, vip.attributes.name
    ('list', 'VIP')
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from connector.client.jsonapi import Resource, parse_document, parse_resource
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition

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
