"""One HTTP answer from Klaviyo, with its decoded body and metadata.

Example:
    >>> r = KlaviyoResponse(status=200, headers={"X-Request-Id": "abc"}, content=b'{"data": []}',
    ...                     method="GET", url="https://a.klaviyo.com/api/lists", path="/api/lists")
    >>> r.json(), r.request_id
    ({'data': []}, 'abc')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from connector.client.ratelimit import RateLimitInfo


class _Unset:
    """Marks a body not decoded yet (None is a valid decoded body)."""


_UNSET: Any = _Unset()


@attrs.define
class KlaviyoResponse:
    """Status, headers, body and the request it answers; ``rate_limit`` parsed from the headers."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    method: str
    url: str
    path: str
    attempts: int = 1
    _json: Any = attrs.field(default=_UNSET, init=False, repr=False, eq=False)

    @property
    def request_id(self) -> str | None:
        """Klaviyo's request id, to quote when asking Klaviyo support."""
        for name, value in self.headers.items():
            if name.lower() in ("x-request-id", "x-klaviyo-request-id"):
                return value
        return None

    @property
    def rate_limit(self) -> RateLimitInfo:
        """The ``RateLimit-*`` headers of this response."""
        return RateLimitInfo.from_headers(self.headers)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (replacement characters for invalid bytes)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The decoded JSON body; None for an empty body (202/204). Raises ValueError for non-JSON."""
        if self._json is _UNSET:
            self._json = json.loads(self.content) if self.content.strip() else None
        return self._json

    def json_or_none(self) -> Any:
        """The decoded JSON body, or None when the body is empty or not JSON (an HTML error page)."""
        try:
            return self.json()
        except ValueError:
            return None
