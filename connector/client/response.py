"""One HTTP answer from Klaviyo, with its decoded body and metadata.

Example:
    >>> r = KlaviyoResponse(status=200, headers={"X-Request-Id": "abc"}, content=b'{"data": []}',
    ...                     method="GET", url="https://a.klaviyo.com/api/lists", path="/api/lists")
    >>> r.json(), r.request_id
    ({'data': []}, 'abc')
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from connector import structs
from connector.client.errors import MalformedResponseError, excerpt
from connector.client.ratelimit import RateLimitInfo


class _Unset:
    """Marks a body not decoded yet (None is a valid decoded body)."""


_UNSET: Any = _Unset()


def _same(text: str) -> str:
    return text


def _is_resource(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("id"), str) and bool(data["id"])


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@structs.define
class KlaviyoResponse:
    """Status, headers, body and the request it answers; ``rate_limit`` parsed from the headers.

    ``scrub`` removes the connection's secrets from text quoted in errors (the client passes its own).
    """

    status: int
    headers: Mapping[str, str]
    content: bytes
    method: str
    url: str
    path: str
    attempts: int = 1
    scrub: Callable[[str], str] = structs.field(default=_same, kw_only=True, repr=False, eq=False)
    _json: Any = structs.field(default=_UNSET, init=False, repr=False, eq=False)

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
        """The decoded JSON:API document; None for an empty body (202/204).

        Raises :class:`~connector.client.errors.MalformedResponseError` (a ``ValueError``) when the
        body is not UTF-8 JSON (an HTML page from a captive portal), nests too deeply to decode, or,
        on a success status, is not a JSON:API document: an object whose ``data`` is a resource
        object, an array or null, and a resource object on a 201 Created.

        Example:
            >>> KlaviyoResponse(201, {}, b'{"data": null}', "POST", "u", "/api/lists").json()
            Traceback (most recent call last):
            ...
            connector.client.errors.MalformedResponseError: POST /api/lists: a 201 Created without the created ...
        """
        if self._json is _UNSET:
            self._json = self._decode()
        return self._json

    def _decode(self) -> Any:
        if not self.content.strip():
            return None
        # Errors are raised after the except blocks: a decoding error holds the raw body (which may
        # echo a credential) and must not ride along as __context__.
        problem = None
        try:
            document = json.loads(self.content.decode("utf-8"), parse_constant=_no_constant)
        except UnicodeDecodeError:
            problem = "the body is not UTF-8 text"
        except (ValueError, RecursionError):
            problem = "the body is not a JSON document"
        if problem is not None:
            raise self.malformed(problem)
        if 200 <= self.status < 300:
            self._check_document(document)
        return document

    def _check_document(self, document: Any) -> None:
        if not isinstance(document, dict):
            raise self.malformed("the body is JSON but not a JSON:API document (an object)")
        data = document.get("data")
        if self.status == 201 and not _is_resource(data):
            raise self.malformed("a 201 Created without the created resource (with its id) as its data")
        if not isinstance(data, (dict, list)) and data is not None:
            raise self.malformed("the document's data is neither a resource, an array nor null")

    def resource(self) -> dict[str, Any]:
        """The one resource a single-resource answer carries: ``data``, an object with a string ``id``.

        Raises :class:`~connector.client.errors.MalformedResponseError` for anything else (no body, an
        array, a resource without an id), so callers can read ``["id"]`` without crashing.

        Example:
            >>> KlaviyoResponse(200, {}, b'{"data": {"type": "list", "id": "L1"}}', "GET", "u", "/x").resource()["id"]
            'L1'
        """
        document = self.json()
        data = document.get("data") if isinstance(document, dict) else None
        if not isinstance(data, dict) or not _is_resource(data):
            raise self.malformed("expected one resource with an id as the document's data")
        return data

    def malformed(self, problem: str) -> MalformedResponseError:
        """A :class:`~connector.client.errors.MalformedResponseError` about this answer, quoting it scrubbed.

        Example:
            >>> r = KlaviyoResponse(200, {"Content-Type": "text/html"}, b"<p>hi</p>", "GET", "u", "/api/x")
            >>> r.malformed("not JSON").received
            'text/html: <p>hi</p>'
        """
        content_type = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        shown = self.scrub(self.text)
        received = excerpt(f"{content_type}: {shown}" if content_type else shown) or "(an empty body)"
        return MalformedResponseError(
            problem, status=self.status, method=self.method, path=self.path, received=received
        )

    def json_or_none(self) -> Any:
        """The decoded JSON body, or None when the body is empty or not JSON (an HTML error page)."""
        try:
            return self.json()
        except ValueError:
            return None
