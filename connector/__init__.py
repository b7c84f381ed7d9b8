"""Klaviyo connector SDK: workflow actions, a typed Python client, and raw API calls with retry.

Everything is imported lazily so ``import connector`` stays fast (a low-code step is one process); type
checkers see every export through the ``TYPE_CHECKING`` imports below, so ``from connector import Klaviyo``
is the real, typed class to mypy and pyright.

Example:
    >>> import connector
    >>> connector.__version__
    '0.1.0'
    >>> "Klaviyo" in dir(connector), "json" in dir(connector)
    (True, False)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from connector.version import API_REVISION, __version__

if TYPE_CHECKING:
    from connections.api_key import ApiKeyConnection
    from connections.oauth2 import OAuth2Connection
    from connector.apps.delivery import DeliverySettings, DeliverySummary
    from connector.apps.delivery.deliver import deliver
    from connector.apps.sync import SyncSummary, sync
    from connector.client.errors import (
        ApiError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        ConnectionConfigError,
        InputError,
        KlaviyoError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ReauthorizationRequired,
        ServerError,
        TransportError,
    )
    from connector.client.jsonapi import Resource
    from connector.client.pipeline import KlaviyoClient
    from connector.client.retry import RetryPolicy
    from connector.framework.inputs import NULL
    from connector.shell.facade import Klaviyo

_EXPORTS = {
    "Klaviyo": "connector.shell.facade",
    "KlaviyoClient": "connector.client.pipeline",
    "RetryPolicy": "connector.client.retry",
    "Resource": "connector.client.jsonapi",
    "NULL": "connector.framework.inputs",
    "KlaviyoError": "connector.client.errors",
    "InputError": "connector.client.errors",
    "ConnectionConfigError": "connector.client.errors",
    "ReauthorizationRequired": "connector.client.errors",
    "ApiError": "connector.client.errors",
    "BadRequestError": "connector.client.errors",
    "AuthenticationError": "connector.client.errors",
    "PermissionDeniedError": "connector.client.errors",
    "NotFoundError": "connector.client.errors",
    "ConflictError": "connector.client.errors",
    "RateLimitError": "connector.client.errors",
    "ServerError": "connector.client.errors",
    "TransportError": "connector.client.errors",
    "BulkRecordsError": "actions._bulk",
    "BulkRecordsRetryable": "actions._bulk",
    "ApiKeyConnection": "connections.api_key",
    "OAuth2Connection": "connections.oauth2",
    "deliver": "connector.apps.delivery",
    "DeliverySettings": "connector.apps.delivery",
    "DeliverySummary": "connector.apps.delivery",
    "sync": "connector.apps.sync",
    "SyncSummary": "connector.apps.sync",
}

__all__ = [
    "API_REVISION",
    "NULL",
    "ApiError",
    "ApiKeyConnection",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ConnectionConfigError",
    "DeliverySettings",
    "DeliverySummary",
    "InputError",
    "Klaviyo",
    "KlaviyoClient",
    "KlaviyoError",
    "NotFoundError",
    "OAuth2Connection",
    "PermissionDeniedError",
    "RateLimitError",
    "ReauthorizationRequired",
    "Resource",
    "RetryPolicy",
    "ServerError",
    "SyncSummary",
    "TransportError",
    "__version__",
    "deliver",
    "sync",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'connector' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
