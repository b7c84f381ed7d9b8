"""What the client needs from a connection: an Authorization value, a refresh hook, and its secrets.

Connections (``connections/``) implement this protocol; nothing else in the SDK knows how auth works.

Example:
    >>> from connections.api_key import ApiKeyConnection
    >>> cred: Credential = ApiKeyConnection("pk_" + "a" * 34)
    >>> cred.authorization_header().startswith("Klaviyo-API-Key ")
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from connector.client.secrets import Secret


@runtime_checkable
class Credential(Protocol):
    """A source of the ``Authorization`` header for Klaviyo requests."""

    def authorization_header(self) -> str:
        """The full header value, e.g. ``Klaviyo-API-Key pk_...`` or ``Bearer ...``.

        May refresh an expiring token first.
        """

    def on_unauthorized(self) -> bool:
        """Called once when Klaviyo answers 401; return True when credentials changed and a repeat may work."""

    def secrets(self) -> Sequence[Secret]:
        """Every secret value this credential holds, so messages can be scrubbed of them."""
