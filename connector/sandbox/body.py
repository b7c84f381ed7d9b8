"""Request bodies: decode them safely and refuse what Klaviyo refuses, before any handler runs.

In order: the body must be UTF-8, then JSON (no ``NaN``/``Infinity``; absurd nesting is a 400, not a
RecursionError), then a JSON object; then the size limits of :mod:`.limits`; then the operation's request schema
from the spec: an attribute the schema does not declare, a missing required attribute or relationship, a wrong
type, enum value or resource ``type`` are each answered 400 with ``source.pointer`` naming the place. Handlers
read the decoded document from the request (:func:`~.jsonapi.read_json` uses it) instead of parsing again.

Example:
    >>> from .wire import Request
    >>> schema = {"type": "object", "properties": {"data": {"type": "object"}}, "required": ["data"]}
    >>> req = Request("POST", "/api/x", {}, {}, b'{"data": {}, "extra": 1}')
    >>> accept(req, schema, lambda s: s)
    Traceback (most recent call last):
    ...
    connector.sandbox.errors.ApiError: 'extra' is not a valid field for the resource 'resource'.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError, invalid
from .limits import check as check_limits
from .schema import Resolver, Schema, validate
from .wire import Request


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode(raw: bytes) -> Any:
    """Decode a JSON body; 400 ``parse_error`` for bad UTF-8, bad JSON or nesting deeper than the parser allows.

    Example:
        >>> decode(b'{"a": 1}')
        {'a': 1}
        >>> decode(b'"\\xff"')
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: The request body is not valid UTF-8 (byte 1).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "parse_error", f"The request body is not valid UTF-8 (byte {exc.start}).", pointer="/"
        ) from None
    try:
        return json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise ApiError(400, "parse_error", "The request body is nested too deeply.", pointer="/") from None
    except ValueError as exc:
        raise ApiError(400, "parse_error", f"The request body is not valid JSON: {exc}.", pointer="/") from None


def accept(req: Request, schema: Schema | None, resolve: Resolver, *, required: bool = True) -> Any:
    """Decode and check a JSON request body; the document is also kept on ``req`` for the handler.

    Example:
        >>> from .wire import Request
        >>> accept(Request("POST", "/", {}, {}, b"[]"), None, lambda s: s)
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: The request body must be a JSON object.
    """
    if not req.body.strip():
        if required:
            raise invalid("A request body is required.", pointer="/data")
        return None
    doc = decode(req.body)
    if not isinstance(doc, dict):
        raise invalid("The request body must be a JSON object.", pointer="/")
    problem = check_limits(doc)
    if problem is None and schema is not None:
        problem = validate(doc, schema, resolve, "")
    if problem is not None:
        raise invalid(problem.detail, pointer=problem.pointer or "/")
    req.json = doc
    req.has_json = True
    return doc
