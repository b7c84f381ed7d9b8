"""The API key connection: a Klaviyo private key (``pk_…``) sent as ``Klaviyo-API-Key``.

Example:
    >>> conn = ApiKeyConnection("pk_" + "0123456789abcdef" * 2 + "ab")
    >>> conn.authorization_header()[:19]
    'Klaviyo-API-Key pk_'

Reference: https://developers.klaviyo.com/en/docs/authenticate_
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from connector.client.errors import ConnectionConfigError
from connector.client.secrets import MASK, Secret

API_KEYS_PAGE = "https://www.klaviyo.com/settings/account/api-keys"
_PRIVATE_KEY = re.compile(r"pk_[A-Za-z0-9_-]{20,}")
_PUBLIC_KEY = re.compile(r"[A-Za-z0-9]{6}")


class ApiKeyConnection:
    """A private API key connection.

    The key is checked before any request: a public key / site ID (6 characters) or anything not
    shaped like ``pk_…`` is refused with a message saying where to create a private key.

    Example:
        >>> ApiKeyConnection("AbC123")
        Traceback (most recent call last):
        ...
        connector.client.errors.ConnectionConfigError: API Key: 'AbC123' looks like a public API key (site ID)...
    """

    key = "apiKey"
    label = "API Key"

    def __init__(self, api_key: str | Secret) -> None:
        self._key = Secret(validate_private_key(api_key))

    def authorization_header(self) -> str:
        """``Klaviyo-API-Key pk_…``."""
        return f"Klaviyo-API-Key {self._key.reveal()}"

    def on_unauthorized(self) -> bool:
        """A private key cannot be refreshed; a 401 means it was revoked or mistyped."""
        return False

    def secrets(self) -> Sequence[Secret]:
        return (self._key,)

    def __repr__(self) -> str:
        return f"ApiKeyConnection(key='{self._key.reveal()[:6]}{MASK}')"


def validate_private_key(api_key: str | Secret) -> str:
    """Return the private key, stripped, or raise :class:`ConnectionConfigError` explaining what is wrong.

    Accepts the value with a pasted ``Klaviyo-API-Key`` prefix too.

    Example:
        >>> validate_private_key("  Klaviyo-API-Key pk_" + "a" * 30 + " ")[:6]
        'pk_aaa'
    """
    value = api_key.reveal() if isinstance(api_key, Secret) else str(api_key or "")
    value = value.strip()
    if value.lower().startswith("klaviyo-api-key "):
        value = value[len("klaviyo-api-key ") :].strip()
    if not value:
        raise ConnectionConfigError(
            f"API Key: a Klaviyo private API key (pk_...) is required; create one at {API_KEYS_PAGE}"
        )
    if _PRIVATE_KEY.fullmatch(value):
        return value
    if _PUBLIC_KEY.fullmatch(value):
        # A site ID is public, so echoing it back helps the user and leaks nothing.
        raise ConnectionConfigError(
            f"API Key: {value!r} looks like a public API key (site ID), which only works for the "
            f"browser /client endpoints. This connector needs a private API key starting with pk_; "
            f"create one under Settings > Account > API Keys ({API_KEYS_PAGE})."
        )
    if value.startswith("pk_"):
        raise ConnectionConfigError(
            "API Key: the private key looks truncated or contains unexpected characters; copy the "
            f"whole pk_... value again from {API_KEYS_PAGE}"
        )
    raise ConnectionConfigError(
        "API Key: not a Klaviyo private API key (it must start with pk_); "
        f"create one under Settings > Account > API Keys ({API_KEYS_PAGE})"
    )
