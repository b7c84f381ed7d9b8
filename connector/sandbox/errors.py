"""JSON:API error documents in Klaviyo's shape.

Handlers raise :class:`ApiError`; the app turns it into
``{"errors": [{"id", "status", "code", "title", "detail", "source": {...}}]}``.

Example:
    >>> err = ApiError(400, "invalid", "Missing name.", pointer="/data/attributes/name")
    >>> err.document()["errors"][0]["source"]
    {'pointer': '/data/attributes/name'}
"""

from __future__ import annotations

import uuid
from typing import Any

TITLES = {
    400: "Invalid input.",
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict.",
    413: "Payload too large.",
    415: "Unsupported media type.",
    429: "Request was throttled.",
    500: "A server error occurred.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}


class ApiError(Exception):
    """An error answered as a JSON:API error document.

    Example:
        >>> ApiError(404, "not_found", "No list with id X.").status
        404
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.pointer = pointer
        self.parameter = parameter
        self.meta = meta
        self.headers = headers or {}

    def document(self) -> dict[str, Any]:
        """Build the error document.

        Example:
            >>> ApiError(401, "not_authenticated", "No key.").document()["errors"][0]["code"]
            'not_authenticated'
        """
        err: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "status": self.status,
            "code": self.code,
            "title": TITLES.get(self.status, "Error."),
            "detail": self.detail,
            "source": {},
        }
        if self.pointer is not None:
            err["source"]["pointer"] = self.pointer
        if self.parameter is not None:
            err["source"]["parameter"] = self.parameter
        if self.meta:
            err["meta"] = self.meta
        return {"errors": [err]}


def invalid(detail: str, *, pointer: str | None = None, parameter: str | None = None) -> ApiError:
    """Shorthand for a 400 ``invalid`` error.

    Example:
        >>> invalid("bad", pointer="/data").status
        400
    """
    return ApiError(400, "invalid", detail, pointer=pointer, parameter=parameter)


def not_found(kind: str, ident: str, *, pointer: str | None = None) -> ApiError:
    """Shorthand for a 404 on an unknown id (``pointer`` when the id came from the request body).

    Example:
        >>> not_found("list", "abc").detail
        'A list with id abc does not exist.'
    """
    return ApiError(404, "not_found", f"A {kind} with id {ident} does not exist.", pointer=pointer)
