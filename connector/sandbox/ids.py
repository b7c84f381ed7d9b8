"""Identifier and timestamp helpers shaped like Klaviyo's.

Profile, campaign and job ids are 26-character ULIDs; list, segment, metric, template and image ids are
6 characters, as on Klaviyo.

Example:
    >>> len(ulid()), len(short_id())
    (26, 6)
"""

from __future__ import annotations

import secrets
import string
import time
from datetime import datetime, timezone

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ALNUM = string.ascii_letters + string.digits


def ulid() -> str:
    """Return a new ULID (48-bit millisecond time + 80 random bits, Crockford base32).

    Example:
        >>> ulid()[0] in "01234567"
        True
    """
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def short_id(length: int = 6) -> str:
    """Return a random alphanumeric id such as ``Y6nRLr``.

    Example:
        >>> short_id(8).isalnum()
        True
    """
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def now() -> datetime:
    """Current UTC time truncated to the second, as Klaviyo reports times.

    Example:
        >>> now().tzinfo is not None
        True
    """
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(dt: datetime) -> str:
    """Format a datetime as ``2024-01-01T00:00:00+00:00``.

    Example:
        >>> iso(datetime(2024, 1, 1, tzinfo=timezone.utc))
        '2024-01-01T00:00:00+00:00'
    """
    return dt.astimezone(timezone.utc).isoformat()


def now_iso() -> str:
    """``iso(now())``.

    Example:
        >>> now_iso().endswith("+00:00")
        True
    """
    return iso(now())


def parse_datetime(text: str) -> datetime | None:
    """Parse ISO-8601 (``Z`` suffix, date-only and naive values allowed; naive means UTC); None if invalid.

    Example:
        >>> parse_datetime("2024-01-01T00:00:00Z").year
        2024
        >>> parse_datetime("nope") is None
        True
    """
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt
