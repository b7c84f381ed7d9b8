"""The operation layer: Klaviyo's OpenAPI spec as a registry, and the one way requests are built from it.

- :mod:`.registry`: every operation of the pinned revision (method, path, parameters, body schema, response
  type, rate-limit tier, retry safety), generated from the spec by :mod:`.generate` and loaded lazily;
- :mod:`.calls`: a request for an operation, checked before it is sent (path ids escaped, query parameters and
  body checked against the registry) and sent with the operation's retry safety;
- :mod:`.schema` and :mod:`.filters`: the body-schema and filter-expression checks.

Example:
    >>> from connector.klaviyo.operations import build
    >>> build("get_lists", params={"fields[list]": ["name"]}).path
    '/api/lists'
"""

from __future__ import annotations

from connector.klaviyo.operations.calls import Call, build, paginate, request, send, send_encoded
from connector.klaviyo.operations.registry import Operation, Tier, find, find_id, operation, operation_ids, tier_of

__all__ = [
    "Call",
    "Operation",
    "Tier",
    "build",
    "find",
    "find_id",
    "operation",
    "operation_ids",
    "paginate",
    "request",
    "send",
    "send_encoded",
    "tier_of",
]
