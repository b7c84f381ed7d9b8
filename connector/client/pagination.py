"""Cursor pagination: follow ``links.next`` (full URLs) until Klaviyo stops giving one.

Klaviyo's ``links.next`` already carries ``page[cursor]`` and the original query, so it is followed
verbatim, but only on the configured host (the client refuses others). A ``next`` link seen before
means the server is looping; the paginator stops with :class:`PaginationLoopError` instead of
spinning forever.

Example:
    >>> # Paginator(client, "/api/lists", page_size=10, limit=25).items()
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from connector.client.errors import KlaviyoError
from connector.client.response import KlaviyoResponse

if TYPE_CHECKING:
    from connector.client.pipeline import KlaviyoClient, QueryParams


class PaginationLoopError(KlaviyoError):
    """Klaviyo returned a ``links.next`` URL that was already fetched.

    Example:
        >>> PaginationLoopError("https://a.klaviyo.com/api/lists?page[cursor]=x").exit_code
        4
    """

    exit_code = 4

    def __init__(self, url: str) -> None:
        super().__init__(f"pagination loop: links.next repeats an already fetched page ({url})")


class Paginator:
    """Walks a collection page by page.

    Args:
        client: the client that sends each page request (retries included).
        path: the collection path, e.g. ``/api/profiles``.
        params: the first page's query (filters, fields, sort).
        page_size: ``page[size]`` for endpoints that accept it.
        limit: stop after this many resources (None = all).

    Example:
        >>> # [p["id"] for p in Paginator(client, "/api/profiles", page_size=100).items()]
    """

    def __init__(
        self,
        client: KlaviyoClient,
        path: str,
        *,
        params: QueryParams | None = None,
        page_size: int | None = None,
        limit: int | None = None,
        revision: str | None = None,
    ) -> None:
        if limit is not None and limit < 0:
            raise ValueError("limit must be 0 or more")
        self.client = client
        self.path = path
        first: list[tuple[str, Any]] = _pairs(params)
        if page_size is not None:
            first = [(k, v) for k, v in first if k != "page[size]"] + [("page[size]", page_size)]
        self.params = first
        self.limit = limit
        self.revision = revision
        self.pages_fetched = 0

    def pages(self) -> Iterator[KlaviyoResponse]:
        """Yield each page's response, first to last."""
        seen: set[str] = set()
        response = self.client.request("GET", self.path, params=self.params, revision=self.revision)
        while True:
            self.pages_fetched += 1
            yield response
            body = response.json_or_none() or {}
            links = body.get("links") if isinstance(body, dict) else None
            next_url = links.get("next") if isinstance(links, dict) else None
            if not next_url:
                return
            if next_url in seen or next_url == response.url:
                raise PaginationLoopError(next_url)
            seen.add(next_url)
            response = self.client.request("GET", next_url, revision=self.revision)

    def items(self) -> Iterator[dict[str, Any]]:
        """Yield resources across pages, stopping at ``limit``; only one page is held in memory."""
        if self.limit == 0:
            return
        count = 0
        for page in self.pages():
            body = page.json_or_none() or {}
            data = body.get("data") if isinstance(body, dict) else None
            for resource in data if isinstance(data, list) else []:
                yield resource
                count += 1
                if self.limit is not None and count >= self.limit:
                    return


def _pairs(params: QueryParams | None) -> list[tuple[str, Any]]:
    if params is None:
        return []
    if isinstance(params, Mapping):
        return list(params.items())
    return list(params)
