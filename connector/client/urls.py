"""Where a URL really goes: its origin as the HTTP library that sends it reads it, and URLs refused outright.

Two parsers disagreeing on a URL is how a credential leaks: ``urllib.parse.urlsplit`` reads
``https://attacker.example\\@a.klaviyo.com/`` as host ``a.klaviyo.com``, while urllib3 (which
requests uses to connect) ends the authority at the backslash and connects to ``attacker.example``.
So the host is decided with urllib3's own parser (:func:`origin`), on the URL exactly as the request
will be sent, and absolute URLs that parsers can read differently are refused before that
(:func:`unsafe_reason`): user information (``user@host``), backslashes, whitespace, control
characters, and non-ASCII hosts.

Example:
    >>> origin("https://A.Klaviyo.com/api/lists")
    'https://a.klaviyo.com:443'
    >>> origin("https://attacker.example\\\\@a.klaviyo.com/api/lists")
    'https://attacker.example:443'
    >>> unsafe_reason("https://attacker.example\\\\@a.klaviyo.com/api/lists")
    'contains a backslash'
    >>> unsafe_reason("https://a.klaviyo.com/api/lists?filter=x") is None
    True
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
#: C0 controls, DEL and C1 controls: never part of a URL that may be sent.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s")
#: Starts like an absolute URL (``scheme:``), a network-path reference (``//host``) or one a
#: lenient parser could take for one (``\\host``, ``/\\host``).
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:|[/\\][/\\]|\\")


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url`` as urllib3 reads it; ``""`` when it is not an http(s) URL with a host.

    Example:
        >>> origin("http://127.0.0.1:8080/x"), origin("ftp://x/"), origin("/api/lists")
        ('http://127.0.0.1:8080', '', '')
    """
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        parts = parse_url(url)
    except (LocationParseError, ValueError):
        return ""
    scheme = (parts.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or not parts.host:
        return ""
    return f"{scheme}://{parts.host.lower()}:{parts.port or DEFAULT_PORTS[scheme]}"


def is_absolute(text: str) -> bool:
    """True when ``text`` names (or could be read as naming) a host, not just a path on the configured one.

    Example:
        >>> is_absolute("https://a.klaviyo.com/x"), is_absolute("//x/y"), is_absolute("/\\\\x"), is_absolute("/api")
        (True, True, True, False)
    """
    return bool(_ABSOLUTE.match(text))


def control_character(text: str) -> str | None:
    """The first control character in ``text`` (a CR, LF, NUL...), or None."""
    found = _CONTROL.search(text)
    return found.group() if found else None


def unsafe_reason(url: str) -> str | None:
    """Why an absolute URL must not be sent, or None when its host can be decided unambiguously.

    Example:
        >>> unsafe_reason("https://user:pw@a.klaviyo.com/x")
        'contains user information (user@host)'
        >>> unsafe_reason("https://a.klaviyo.com\\t/x")
        'contains a control character'
    """
    if control_character(url):
        return "contains a control character"
    if _WHITESPACE.search(url):
        return "contains whitespace"
    if "\\" in url:
        return "contains a backslash"
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return "cannot be parsed"
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        auth = parse_url(url).auth
    except (LocationParseError, ValueError):
        return "cannot be parsed"
    if "@" in netloc or auth is not None:
        return "contains user information (user@host)"
    if not netloc.isascii():
        return "has a host that is not plain ASCII"
    return None
