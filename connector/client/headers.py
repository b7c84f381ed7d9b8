"""Which headers a caller may add to a request, and which values can be sent at all.

The HTTP library owns the message framing: ``Content-Length`` and ``Transfer-Encoding`` come from the
body it sends, ``Host`` from the URL. A caller's framing header next to the library's turns one request
into two on a pooled connection (``Transfer-Encoding: chunked`` with a ``Content-Length`` and a body of
``0\\r\\n\\r\\nGET /smuggled ...``), and the next, authorized request reuses that connection; a
``Content-Length`` on a GET without a body hangs the call. So framing and hop-by-hop headers are
refused, as are values with characters that cannot be sent: CR, LF, NUL and other controls (a line
break would start another header) and anything outside Latin-1 (``http.client`` encodes header
values as ISO-8859-1 and would fail after the request was half built).

Every entry point goes through :func:`merge_headers`, so the rules hold for Raw Request, the Python
facade and direct ``KlaviyoClient.request`` calls alike; errors name the ``Header`` input.

Example:
    >>> header_problem("Transfer-Encoding", "chunked")
    'Transfer-Encoding is set by the HTTP library from the body and URL; it cannot be given as a header'
    >>> header_problem("X-Note", "caf\\u00e9") is None
    True
    >>> header_problem("X-Note", "line\\r\\nX-Evil: 1")
    'the value of X-Note contains a control character (CR, LF, NUL...)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from connector.client.errors import InputError

#: Headers that frame the message or concern only one connection (RFC 9110 §7.6.1, RFC 9112): the
#: HTTP library sets what is needed. ``Proxy-*`` are matched by prefix.
FRAMING_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "host", "connection", "keep-alive", "te", "trailer", "upgrade"}
)
#: RFC 9110 ``token``: what a header name may contain.
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Controls other than horizontal tab: never valid in a field value (RFC 9110 §5.5).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def header_problem(name: str, value: object) -> str | None:
    """Why ``name: value`` cannot be added to a request, or None when it can."""
    if not isinstance(name, str) or not HEADER_NAME.fullmatch(name):
        return f"{name!r} is not a valid header name"
    lowered = name.lower()
    if lowered in FRAMING_HEADERS or lowered.startswith("proxy-"):
        return f"{name} is set by the HTTP library from the body and URL; it cannot be given as a header"
    if not isinstance(value, str):
        return f"the value of {name} must be text, got {type(value).__name__}"
    return value_problem(name, value)


def value_problem(name: str, value: str) -> str | None:
    """Why ``value`` cannot be sent as a header value, or None when it can."""
    if _CONTROL.search(value):
        return f"the value of {name} contains a control character (CR, LF, NUL...)"
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return f"the value of {name} has characters HTTP headers cannot carry (only Latin-1 text can be sent)"
    return None


def merge_headers(base: Mapping[str, str], extra: Mapping[str, str] | None) -> dict[str, str]:
    """``base`` with the caller's ``extra`` headers added (replacing same-named ones, any case).

    ``Authorization`` from ``extra`` is dropped: the connection owns it. Raises :class:`InputError`
    (input ``Header``) for a header that must not or cannot be sent.

    Example:
        >>> merge_headers({"Accept": "a"}, {"accept": "b", "Authorization": "stolen", "X-A": " 1 "})
        {'accept': 'b', 'X-A': '1'}
    """
    headers = dict(base)
    for name, value in (extra or {}).items():
        if isinstance(name, str) and name.lower() == "authorization":
            continue  # the connection owns Authorization; a user header must not replace it
        problem = header_problem(name, value)
        if problem is not None:
            raise InputError(problem, label="Header", key="header")
        headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
        headers[name] = value.strip(" \t")
    return headers
