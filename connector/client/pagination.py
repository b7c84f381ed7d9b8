"""Cursor pagination, as pure functions of one page: its resources and the link to the next page.

Klaviyo's ``links.next`` already carries ``page[cursor]`` and the original query, so it is followed
verbatim, but only on the configured host (the client refuses others). A ``next`` link seen before
means the server is looping; the client stops with :class:`PaginationLoopError` instead of
spinning forever. The loop that fetches pages lives in the client
(:meth:`connector.client.pipeline.KlaviyoClient.pages`); this module reads answers and imports no
client, so there is no import cycle between the two.

Example:
    >>> from connector.client.response import KlaviyoResponse
    >>> page = KlaviyoResponse(status=200, headers={}, content=b'{"data": [{"id": "1"}], "links": {"next": null}}',
    ...                        method="GET", url="https://a.klaviyo.com/api/lists", path="/api/lists")
    >>> page_resources(page), next_link(page)
    ([{'id': '1'}], None)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.client.errors import KlaviyoError
from connector.client.response import KlaviyoResponse


class PaginationLoopError(KlaviyoError):
    """Klaviyo returned a ``links.next`` URL that was already fetched.

    Example:
        >>> PaginationLoopError("https://a.klaviyo.com/api/lists?page[cursor]=x").exit_code
        4
    """

    exit_code = 4

    def __init__(self, url: str) -> None:
        super().__init__(f"pagination loop: links.next repeats an already fetched page ({url})")


def next_link(page: KlaviyoResponse) -> str | None:
    """The ``links.next`` URL of a page, or None on the last page."""
    body = page.json_or_none() or {}
    links = body.get("links") if isinstance(body, dict) else None
    next_url = links.get("next") if isinstance(links, dict) else None
    return next_url or None


def page_resources(page: KlaviyoResponse) -> list[dict[str, Any]]:
    """The resources (``data``) of one page."""
    body = page.json_or_none() or {}
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, list) else []


def first_page_query(
    params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None, page_size: int | None
) -> list[tuple[str, Any]]:
    """The first page's query: the caller's parameters with ``page[size]`` set when given.

    Example:
        >>> first_page_query({"sort": "name", "page[size]": 5}, 10)
        [('sort', 'name'), ('page[size]', 10)]
    """
    pairs: list[tuple[str, Any]] = []
    if params is not None:
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    if page_size is not None:
        pairs = [(k, v) for k, v in pairs if k != "page[size]"] + [("page[size]", page_size)]
    return pairs
