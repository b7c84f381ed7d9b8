"""Size limits on request bodies, from Klaviyo's documentation where it gives one (the spec has no maxLength).

========================================  ==============  ==================================================
What                                      Limit           Source
========================================  ==============  ==================================================
Whole body, most operations               5 MB            largest documented payload (Bulk Profile Import,
                                                          Bulk Create Events, Create Event)
Whole body, profile create/update/upsert  100 KB          Create / Update / Create or Update Profile
Whole body, Upload Image From File        5 MB + 64 KB    5 MB image plus multipart framing
Any string                                100 KB          "any string <= 100 KB" (events); applied to every
                                                          body except template markup (``html``, ``amp``,
                                                          ``text``) and ``import_from_url`` data URLs
``name`` of a resource (its attributes)   255 chars       sandbox cap (Klaviyo documents none; its UI
                                                          refuses longer list and segment names)
JSON nesting                              32 levels       sandbox cap: the deepest spec envelope plus the
                                                          10 levels Klaviyo allows in event properties
========================================  ==============  ==================================================

A body over its cap is answered 413 before it is read; the other limits answer 400 with a pointer.

Example:
    >>> body_limit("create_profile"), body_limit("create_list") == MAX_BODY
    (102400, True)
    >>> check({"data": {"attributes": {"name": "x" * 300}}}).pointer
    '/data/attributes/name'
"""

from __future__ import annotations

from typing import Any

from .schema import Problem

KB = 1024
MB = 1024 * KB
MAX_BODY = 5 * MB
MAX_STRING = 100 * KB
MAX_NAME = 255
MAX_DEPTH = 32
BODY_LIMITS = {
    "create_profile": 100 * KB,
    "update_profile": 100 * KB,
    "create_or_update_profile": 100 * KB,
    "create_client_profile": 100 * KB,
    "upload_image_from_file": MAX_BODY + 64 * KB,
}
# Attributes whose strings may be longer than MAX_STRING (still bounded by the body cap).
LONG_STRINGS = frozenset({"html", "amp", "text", "import_from_url"})
SMALLEST_BODY_LIMIT = min(BODY_LIMITS.values())


def body_limit(op_id: str | None) -> int:
    """The largest body (bytes) an operation accepts.

    Example:
        >>> body_limit(None) == MAX_BODY
        True
    """
    return BODY_LIMITS.get(op_id or "", MAX_BODY)


def check(doc: Any) -> Problem | None:
    """The first string over its cap or container nested too deeply in a decoded body.

    Walks the document iteratively, so a deep one cannot exhaust the stack; the pointer of a problem is only
    worked out once one is found, so a clean 5 MB body costs one pass without building paths.

    Example:
        >>> check({"a": [[[]]]}) is None
        True
        >>> nested: list = []
        >>> deep = nested
        >>> for _ in range(40):
        ...     deep.append([]); deep = deep[0]
        >>> check({"data": nested}).detail
        'The request body is nested more than 32 levels deep.'
    """
    if not isinstance(doc, (dict, list)):
        return _locate(doc)
    return _locate(doc) if _has_problem(doc) else None


def _has_problem(doc: Any) -> bool:
    stack: list[tuple[Any, int, str]] = [(doc, 0, "")]
    while stack:
        value, depth, key = stack.pop()
        if depth >= MAX_DEPTH:
            return True
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for name, item in items:
            if isinstance(item, str):
                if len(item) > MAX_NAME and _check_string(item, (key, str(name))) is not None:
                    return True
            elif isinstance(item, (dict, list)):
                stack.append((item, depth + 1, str(name)))
    return False


def _locate(doc: Any) -> Problem | None:
    stack: list[tuple[Any, tuple[str, ...]]] = [(doc, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, (dict, list)):
            if len(path) >= MAX_DEPTH:
                return Problem(_pointer(path), f"The request body is nested more than {MAX_DEPTH} levels deep.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((v, (*path, str(k))) for k, v in items)
        elif isinstance(value, str):
            problem = _check_string(value, path)
            if problem is not None:
                return problem
    return None


def _check_string(value: str, path: tuple[str, ...]) -> Problem | None:
    key = path[-1] if path else ""
    if key == "name" and len(path) >= 2 and path[-2] == "attributes" and len(value) > MAX_NAME:
        return Problem(_pointer(path), f"'name' may be at most {MAX_NAME} characters long (got {len(value)}).")
    if len(value) > MAX_STRING // 4 and key not in LONG_STRINGS and len(value.encode("utf-8")) > MAX_STRING:
        return Problem(_pointer(path), f"'{key}' is longer than the {MAX_STRING // KB} KB allowed for a string.")
    return None


def _pointer(path: tuple[str, ...]) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path) if path else "/"
