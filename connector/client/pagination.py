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
    """The ``links.next`` URL of a page, or None on the last page.

    Raises :class:`~connector.client.errors.MalformedResponseError` when the page is not a JSON:API
    document or ``links.next`` is neither a URL string nor null (a number, an object...).
    """
    links = _document(page).get("links")
    if links is None:
        return None
    if not isinstance(links, dict):
        raise page.malformed("the page's links is not an object")
    next_url = links.get("next")
    if next_url is None or next_url == "":
        return None
    if not isinstance(next_url, str):
        raise page.malformed(f"the page's links.next is not a URL but {type(next_url).__name__}")
    return next_url


def page_resources(page: KlaviyoResponse) -> list[dict[str, Any]]:
    """The resources (``data``) of one page; a page whose data is not an array of objects is malformed."""
    data = _document(page).get("data")
    if not isinstance(data, list) or not all(isinstance(item, dict) and "id" in item for item in data):
        raise page.malformed("the page's data is not an array of resources (objects with an id)")
    return data


def _document(page: KlaviyoResponse) -> dict[str, Any]:
    document = page.json()
    if not isinstance(document, dict):
        raise page.malformed("a page without a JSON:API document")
    return document


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
