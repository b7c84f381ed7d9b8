"""Klaviyo connector SDK: workflow actions, a typed Python client, and raw API calls with retry.

Everything is imported lazily so ``import connector`` stays fast (a low-code step is one process).

Example:
    >>> import connector
    >>> connector.__version__
    '0.1.0'
    >>> # k = connector.Klaviyo(api_key="pk_..."); k.lists.create(name="VIP")
"""

from __future__ import annotations

import importlib
from typing import Any

from connector.version import API_REVISION, __version__

_EXPORTS = {
    "Klaviyo": "connector.shell.facade",
    "KlaviyoClient": "connector.client.pipeline",
    "RetryPolicy": "connector.client.retry",
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
}

__all__ = ["API_REVISION", "__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'connector' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
