"""Cursor pagination and ``links`` with absolute URLs.

``links.next`` / ``links.prev`` repeat the request's own query string with ``page[cursor]`` replaced, so a
client can follow them verbatim.

Example:
    >>> from .wire import Request
    >>> from .query import Query
    >>> req = Request("GET", "/api/lists", {}, {}, b"", "http://127.0.0.1:9", "page%5Bsize%5D=1")
    >>> page, links = paginate([1, 2, 3], Query(page_size=1), req)
    >>> page, sorted(links)
    ([1], ['next', 'self'])
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode

from .query import Query, encode_cursor
from .wire import Request

T = TypeVar("T")


def self_url(req: Request) -> str:
    """The absolute URL of the request itself.

    Example:
        >>> self_url(Request("GET", "/api/x", {}, {}, b"", "http://h:1", "a=1"))
        'http://h:1/api/x?a=1'
    """
    return req.base_url + req.path + (f"?{req.raw_query}" if req.raw_query else "")


def with_cursor(req: Request, offset: int) -> str:
    """The request URL with ``page[cursor]`` set to the cursor of ``offset``.

    Example:
        >>> with_cursor(Request("GET", "/api/x", {}, {}, b"", "http://h:1", ""), 10).startswith("http://h:1/api/x?")
        True
    """
    pairs = [(k, v) for k, v in parse_qsl(req.raw_query, keep_blank_values=True) if k != "page[cursor]"]
    pairs.append(("page[cursor]", encode_cursor(offset)))
    return f"{req.base_url}{req.path}?{urlencode(pairs, quote_via=quote, safe='[]')}"


def paginate(items: list[T], query: Query, req: Request) -> tuple[list[T], dict[str, Any]]:
    """Cut one page out of the full, already filtered and sorted, item list.

    Example:
        >>> paginate([], Query(page_size=5), Request("GET", "/x", {}, {}, b""))[0]
        []
    """
    size = query.page_size or len(items) or 1
    start = query.offset
    page = items[start : start + size]
    links: dict[str, Any] = {"self": self_url(req)}
    if start + size < len(items):
        links["next"] = with_cursor(req, start + size)
    if start > 0:
        links["prev"] = with_cursor(req, max(0, start - size))
    return page, links
