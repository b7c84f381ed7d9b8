"""The connection definitions the manifest lists: API Key and OAuth 2.0.

Example:
    >>> [c.key for c in CONNECTIONS]
    ['apiKey', 'oauth2']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connections.api_key import ApiKeyConnection
from connections.oauth2 import OAuth2Connection
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
        token=token if isinstance(token, Mapping) else None,
    )


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
