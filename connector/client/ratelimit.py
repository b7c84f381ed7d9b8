"""Klaviyo's ``RateLimit-Limit/Remaining/Reset`` response headers, parsed.

Klaviyo describes its steady (per-minute) window in these headers on every non-429 response;
a 429 drops them and sends ``Retry-After`` instead.

Example:
    >>> info = RateLimitInfo.from_headers({"RateLimit-Limit": "150", "RateLimit-Remaining": "149",
    ...                                    "RateLimit-Reset": "42"})
    >>> info.limit, info.remaining, info.reset
    (150, 149, 42.0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from connector import structs

_LEADING_NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?)")


@structs.frozen
class RateLimitInfo:
    """The rate-limit window a response reports; every field is None when the header was absent.

    Example:
        >>> RateLimitInfo.from_headers({}).present
        False
    """

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None

    @property
    def present(self) -> bool:
        """True when Klaviyo sent any of the three headers."""
        return any(v is not None for v in (self.limit, self.remaining, self.reset))

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo:
        """Parse the headers; tolerant of structured forms such as ``"150, 150;w=60"``."""
        lowered = {k.lower(): v for k, v in headers.items()}
        limit = _first_number(lowered.get("ratelimit-limit"))
        remaining = _first_number(lowered.get("ratelimit-remaining"))
        reset = _first_number(lowered.get("ratelimit-reset"))
        return cls(
            limit=int(limit) if limit is not None else None,
            remaining=int(remaining) if remaining is not None else None,
            reset=reset,
        )

    def to_json(self) -> dict[str, float | int | None]:
        """Plain JSON for CLI and low-code output."""
        return {"limit": self.limit, "remaining": self.remaining, "reset": self.reset}


def _first_number(value: str | None) -> float | None:
    if value is None:
        return None
    match = _LEADING_NUMBER.match(value)
    number = float(match.group(1)) if match else None
    # A value too long to be a count (it would read as infinity) tells nothing: ignore it.
    return number if number is not None and math.isfinite(number) else None
