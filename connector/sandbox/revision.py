"""The ``revision`` header: required, ``YYYY-MM-DD[.suffix]`` with a real date, always served as 2026-07-15.

The sandbox implements one revision. A request that asks for another valid one (``2026-10-15``, a beta
``2026-07-15.pre``, an older ``2024-10-15``) is still answered with 2026-07-15 behaviour, and the answer says so
in two headers, present only then:

* ``X-Klaviyo-Sandbox-Revision: 2026-07-15`` - the revision whose behaviour was applied;
* ``X-Klaviyo-Sandbox-Revision-Note`` - a one-line explanation naming the revision that was asked for.

A missing header or one that is not a date is a 400 with ``source.parameter = "revision"``, as on Klaviyo.

Example:
    >>> served_headers("2026-10-15")["X-Klaviyo-Sandbox-Revision"]
    '2026-07-15'
    >>> served_headers("2026-07-15")
    {}
"""

from __future__ import annotations

import re
from datetime import date

from .errors import ApiError

REVISION = "2026-07-15"
_FORMAT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(\.[A-Za-z0-9]+)?$")


def check(value: str | None) -> str:
    """The requested revision, stripped; 400 if it is missing or not ``YYYY-MM-DD[.suffix]`` with a real date.

    Example:
        >>> check(" 2026-07-15 ")
        '2026-07-15'
        >>> check("2026-13-45")
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: A valid 'revision' header (YYYY-MM-DD) is required.
    """
    text = (value or "").strip()
    found = _FORMAT.match(text)
    if found is not None:
        try:
            date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            found = None
    if found is None:
        raise ApiError(400, "invalid", "A valid 'revision' header (YYYY-MM-DD) is required.", parameter="revision")
    return text


def served_headers(requested: str) -> dict[str, str]:
    """Headers telling a client its revision was served as 2026-07-15 (none when it asked for that one).

    Example:
        >>> served_headers("2026-07-15.pre")["X-Klaviyo-Sandbox-Revision-Note"]
        'revision 2026-07-15.pre was requested; the sandbox serves 2026-07-15 behaviour only'
    """
    if requested == REVISION:
        return {}
    return {
        "X-Klaviyo-Sandbox-Revision": REVISION,
        "X-Klaviyo-Sandbox-Revision-Note": f"revision {requested} was requested; the sandbox serves {REVISION} "
        "behaviour only",
    }
