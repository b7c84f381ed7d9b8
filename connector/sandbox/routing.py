"""Routes: path templates such as ``/api/lists/{id}`` mapped to operation handlers.

A route names its Klaviyo ``operationId`` (used for rate limits), its handler and its :class:`QuerySpec`.
Unknown paths are 404, known paths with another method are 405.

Example:
    >>> r = Router([Route("GET", "/api/lists/{id}", "get_list", lambda ctx: Response(200))])
    >>> route, params = r.match("GET", "/api/lists/abc")
    >>> (route.op, params)
    ('get_list', {'id': 'abc'})
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .query import Query, QuerySpec
from .wire import Request, Response

if TYPE_CHECKING:
    from .jobs import JobQueue
    from .store import Store


@dataclass
class Ctx:
    """Everything a handler needs: the request, path params, parsed query and the services.

    Example:
        >>> Ctx.__name__
        'Ctx'
    """

    req: Request
    params: dict[str, str]
    query: Query
    store: Store
    jobs: JobQueue

    @property
    def base(self) -> str:
        """Base URL (``http://host:port``) for absolute links.

        Example:
            >>> Ctx.base.__doc__ is not None
            True
        """
        return self.req.base_url


Handler = Callable[[Ctx], Response]


def call_context(store: Store, method: str, path: str, params: dict[str, str] | None = None, body: Any = None) -> Ctx:
    """A context for calling one handler directly, as the app would after its checks (default query, JSON body).

    For examples and tests of a handler without the HTTP pipeline; the job queue is never started.

    Example:
        >>> from .store import Store
        >>> ctx = call_context(Store(), "PATCH", "/api/lists/L1", {"id": "L1"}, {"data": {"type": "list"}})
        >>> ctx.params, ctx.req.json, ctx.base
        ({'id': 'L1'}, {'data': {'type': 'list'}}, 'http://127.0.0.1')
    """
    from .jobs import JobQueue

    raw = b"" if body is None else json.dumps(body).encode()
    req = Request(method, path, {}, {}, raw, json=body, has_json=body is not None)
    return Ctx(req, params or {}, Query(), store, JobQueue(store, {}))


@dataclass
class Route:
    """One operation: method + path template + handler.

    ``body`` is the accepted request body kind: ``json`` or ``multipart``. ``public`` routes (``/client/*``)
    take the account's public key as ``company_id`` instead of an Authorization header.

    Example:
        >>> Route("DELETE", "/api/lists/{id}", "delete_list", lambda ctx: Response(204)).method
        'DELETE'
    """

    method: str
    path: str
    op: str
    handler: Handler
    query: QuerySpec = field(default_factory=QuerySpec)
    body: str = "json"
    public: bool = False


def _head(path: str) -> str:
    return "/".join(path.split("/", 3)[:3])


class Router:
    """Match requests to routes.

    Example:
        >>> Router([]).match("GET", "/api/nope")
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: The path /api/nope was not found.
    """

    def __init__(self, routes: list[Route]) -> None:
        self._by_pattern: dict[str, tuple[re.Pattern[str], dict[str, Route]]] = {}
        for route in routes:
            regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path) + "/?$")
            self._by_pattern.setdefault(route.path, (regex, {}))[1][route.method] = route
        # Patterns grouped by their literal head (``/api/tags``) so a lookup tries a handful, not all 238.
        self._by_head: dict[str, list[tuple[re.Pattern[str], dict[str, Route]]]] = {}
        for path, entry in self._by_pattern.items():
            self._by_head.setdefault(_head(path), []).append(entry)
        self.routes = routes

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """Return the route and its path parameters, or raise 404 / 405.

        Example:
            >>> r = Router([Route("GET", "/api/x", "op", lambda c: Response(200))])
            >>> r.match("POST", "/api/x")
            Traceback (most recent call last):
            ...
            connector.sandbox.errors.ApiError: Method "POST" not allowed.
        """
        for regex, methods in self._by_head.get(_head(path), ()):
            found = regex.match(path)
            if found is None:
                continue
            if method not in methods:
                raise ApiError(
                    405,
                    "method_not_allowed",
                    f'Method "{method}" not allowed.',
                    headers={"Allow": ", ".join(sorted(methods))},
                )
            return methods[method], found.groupdict()
        raise ApiError(404, "not_found", f"The path {path} was not found.")
