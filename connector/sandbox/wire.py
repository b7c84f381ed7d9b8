"""Transport-neutral request and response values used between the HTTP server and the app.

Keeping these plain lets the app be exercised without sockets and keeps ``server.py`` about bytes only.

Example:
    >>> req = Request("GET", "/api/lists", {"page[size]": ["2"]}, {"revision": "2026-07-15"}, b"")
    >>> req.header("Revision")
    '2026-07-15'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSONAPI = "application/vnd.api+json"


@dataclass
class Request:
    """One HTTP request as the app sees it; header names are matched case-insensitively.

    Example:
        >>> Request("GET", "/api/accounts", {}, {"Authorization": "x"}, b"").header("authorization")
        'x'
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    base_url: str = "http://127.0.0.1"
    raw_query: str = ""
    # The decoded JSON body once the app has checked it (see body.accept), so handlers do not parse it twice.
    json: Any = None
    has_json: bool = False

    def __post_init__(self) -> None:
        self._lower = {k.lower(): v for k, v in self.headers.items()}

    def header(self, name: str) -> str | None:
        """Return a header value or None.

        Example:
            >>> Request("GET", "/", {}, {"A": "1"}, b"").header("a")
            '1'
        """
        return self._lower.get(name.lower())


@dataclass
class Response:
    """An HTTP response: a JSON document (dict), raw bytes or nothing.

    Example:
        >>> Response(204).encode()
        b''
    """

    status: int
    doc: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = JSONAPI

    def encode(self) -> bytes:
        """Serialise the body; 204 and empty 202 responses have no body.

        Example:
            >>> Response(200, {"a": 1}).encode()
            b'{"a":1}'
        """
        if self.raw is not None:
            return self.raw
        if self.doc is None:
            return b""
        return json.dumps(self.doc, separators=(",", ":")).encode()
