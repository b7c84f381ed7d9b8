"""The connection definitions the manifest lists: API Key and OAuth 2.0.

Example:
    >>> [c.key for c in CONNECTIONS]
    ['apiKey', 'oauth2']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from connections.api_key import ApiKeyConnection
from connections.oauth2 import API_BASE_URL, OAuth2Connection
from connector.client.auth import Credential
from connector.framework.definitions import ConnectionDefinition
from connector.framework.inputs import InputSpec, InputType

API_KEY_INPUTS = (
    InputSpec(
        key="apiKey",
        label="API Key",
        type=InputType.PASSWORD,
        comments="Your API Key for Klaviyo",
        required=True,
        secret=True,
    ),
)

OAUTH2_INPUTS = (
    InputSpec(
        key="scopes",
        label="Scopes",
        comments="Space separated list of scopes if needed",
        example=(
            "accounts:read campaigns:read campaigns:write events:read events:write images:read images:write "
            "lists:read lists:write metrics:read profiles:read profiles:write segments:read segments:write "
            "subscriptions:write templates:read templates:write"
        ),
    ),
    InputSpec(key="clientId", label="Client ID", required=True),
    InputSpec(key="clientSecret", label="Client secret", type=InputType.PASSWORD, required=True, secret=True),
)


def _api_key(values: Mapping[str, Any]) -> Credential:
    return ApiKeyConnection(str(values.get("apiKey") or ""))


def _oauth2(values: Mapping[str, Any]) -> Credential:
    token = values.get("token")
    return OAuth2Connection(
        client_id=str(values.get("clientId") or ""),
        client_secret=str(values.get("clientSecret") or ""),
        scopes=str(values.get("scopes") or ""),
        token=normalise_token(token) if isinstance(token, Mapping) else None,
        base_url=str(values.get("baseUrl") or API_BASE_URL),
    )


def normalise_token(token: Mapping[str, Any]) -> dict[str, Any]:
    """A token as a platform passes it, with ``expires_at`` in Unix seconds (it may come as numeric text or an
    ISO 8601 date-time); an unreadable expiry is dropped, so the token is used until Klaviyo answers 401.

    Example:
        >>> normalise_token({"access_token": "a", "expires_at": "2030-01-01T00:00:00Z"})["expires_at"]
        1893456000.0
        >>> "expires_at" in normalise_token({"access_token": "a", "expires_at": "soon"})
        False
    """
    fresh = dict(token)
    expires_at = fresh.get("expires_at")
    if expires_at is None or isinstance(expires_at, bool):
        fresh.pop("expires_at", None)
        return fresh
    if isinstance(expires_at, (int, float)):
        fresh["expires_at"] = float(expires_at)
        return fresh
    text = str(expires_at).strip()
    try:
        fresh["expires_at"] = float(text)
    except ValueError:
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            fresh.pop("expires_at")
            return fresh
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        fresh["expires_at"] = moment.timestamp()
    return fresh


CONNECTIONS = (
    ConnectionDefinition(
        key="apiKey",
        label="API Key",
        description="Connection to Klaviyo using an API Key.",
        inputs=API_KEY_INPUTS,
        build=_api_key,
    ),
    ConnectionDefinition(
        key="oauth2",
        label="OAuth 2.0",
        description="Connection to Klaviyo using OAuth 2.0.",
        inputs=OAUTH2_INPUTS,
        build=_oauth2,
    ),
)
