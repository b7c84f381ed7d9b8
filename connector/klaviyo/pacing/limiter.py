"""Proactive rate limiting: Klaviyo's burst (1 s) and steady (60 s) tiers per endpoint, as sliding windows.

Klaviyo counts requests per account and operation in fixed windows. A sliding log (the send times of
the last ``limit`` requests) never puts more than ``limit`` requests in *any* interval of the window's
length, so it stays under the fixed windows wherever they are aligned, and it reaches the same long-run
rate (``steady`` per minute). Each ``reserve`` books a send slot under a lock and returns how long to
wait for it, so concurrent threads get consecutive slots instead of racing for the same one.

``TIERS`` is our own copy of the limits of the endpoints sync uses (``tests/sync/test_limiter.py``
checks it against ``x-klaviyo-ratelimit`` in the OpenAPI spec). ``scale`` shortens every window, to
match the sandbox's ``--rate-limits scale=F``.

Example:
    >>> from connector.client.clock import FakeClock
    >>> limiter = RateLimiter(clock=FakeClock())
    >>> [round(limiter.reserve("POST", "/api/event-bulk-create-jobs"), 3) for _ in range(11)][-2:]
    [0.0, 1.02]
"""

from __future__ import annotations

import re
import threading
from collections import deque
from typing import NamedTuple

from connector.client.clock import Clock, SystemClock

BURST_WINDOW = 1.0
STEADY_WINDOW = 60.0
#: Slack added to every window: requests reach the server a few milliseconds apart from when they
#: left, so a slot booked exactly one window later could land in the same server window.
DEFAULT_MARGIN = 0.02


class Tier(NamedTuple):
    """An operation's limits: requests per burst window (1 s) and per steady window (60 s).

    Example:
        >>> Tier("bulk_create_events", 10, 150).steady_rate
        2.5
    """

    operation: str
    burst: int
    steady: int

    @property
    def steady_rate(self) -> float:
        """Requests per second sustainable for ever (the steady tier)."""
        return self.steady / STEADY_WINDOW


_ID = "[^/]+"

#: (method, path pattern) -> tier, for every endpoint a sync calls. Paths are regexes on the request path.
TIERS: dict[tuple[str, str], Tier] = {
    ("POST", "/api/profile-bulk-import-jobs"): Tier("bulk_import_profiles", 10, 150),
    ("GET", "/api/profile-bulk-import-jobs"): Tier("get_bulk_import_profiles_jobs", 10, 150),
    ("GET", f"/api/profile-bulk-import-jobs/{_ID}"): Tier("get_bulk_import_profiles_job", 10, 150),
    ("GET", f"/api/profile-bulk-import-jobs/{_ID}/import-errors"): Tier(
        "get_errors_for_bulk_import_profiles_job", 10, 150
    ),
    ("POST", "/api/event-bulk-create-jobs"): Tier("bulk_create_events", 10, 150),
    ("POST", "/api/profile-subscription-bulk-create-jobs"): Tier("bulk_subscribe_profiles", 75, 750),
    ("POST", "/api/profile-subscription-bulk-delete-jobs"): Tier("bulk_unsubscribe_profiles", 75, 750),
    ("POST", f"/api/lists/{_ID}/relationships/profiles"): Tier("add_profiles_to_list", 10, 150),
    ("DELETE", f"/api/lists/{_ID}/relationships/profiles"): Tier("remove_profiles_from_list", 10, 150),
    ("GET", "/api/profiles"): Tier("get_profiles", 75, 750),
    ("POST", "/api/profile-import"): Tier("create_or_update_profile", 75, 750),
    ("POST", "/api/events"): Tier("create_event", 350, 3500),
}

_COMPILED = [(method, re.compile(pattern.rstrip("/") + "/?$"), tier) for (method, pattern), tier in TIERS.items()]


def tier_for(method: str, path: str) -> Tier | None:
    """The tier of a request, or None for endpoints sync does not call (they are not limited here).

    Example:
        >>> tier_for("GET", "/api/profile-bulk-import-jobs/01J/import-errors").operation
        'get_errors_for_bulk_import_profiles_job'
        >>> tier_for("GET", "/api/accounts") is None
        True
    """
    method = method.upper()
    for wanted, pattern, tier in _COMPILED:
        if wanted == method and pattern.match(path):
            return tier
    return None


class _Window:
    """A sliding log of the last ``limit`` booked send times within ``length`` seconds."""

    def __init__(self, limit: int, length: float) -> None:
        self.limit = limit
        self.length = length
        self.times: deque[float] = deque(maxlen=limit)

    def earliest(self, now: float) -> float:
        if len(self.times) < self.limit:
            return now
        return max(now, self.times[0] + self.length)


class _Bucket:
    def __init__(self, tier: Tier, scale: float, margin: float) -> None:
        stretch = (1.0 + margin) / scale
        self.windows = (_Window(tier.burst, BURST_WINDOW * stretch), _Window(tier.steady, STEADY_WINDOW * stretch))
        self.blocked_until = 0.0


class RateLimiter:
    """Books send slots per operation so that no tier of ``TIERS`` is exceeded.

    Args:
        clock: the clock slots are measured on (the client's; a FakeClock in tests).
        scale: windows are ``scale`` times shorter (the sandbox's time-scaled limits).
        margin: fraction added to every window as slack for network jitter.

    Example:
        >>> from connector.client.clock import FakeClock
        >>> limiter = RateLimiter(clock=FakeClock(), scale=10)
        >>> waits = [limiter.reserve("POST", "/api/profile-bulk-import-jobs") for _ in range(151)]
        >>> round(waits[10], 3), round(waits[150], 3)
        (0.102, 6.12)
    """

    def __init__(self, clock: Clock | None = None, *, scale: float = 1.0, margin: float = DEFAULT_MARGIN) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.clock: Clock = clock or SystemClock()
        self.scale = scale
        self.margin = margin
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, tier: Tier) -> _Bucket:
        bucket = self._buckets.get(tier.operation)
        if bucket is None:
            bucket = self._buckets[tier.operation] = _Bucket(tier, self.scale, self.margin)
        return bucket

    def reserve(self, method: str, path: str) -> float:
        """Book the next free slot for this request and return the seconds to wait for it (0 = go now).

        Example:
            >>> RateLimiter().reserve("GET", "/api/accounts")
            0.0
        """
        tier = tier_for(method, path)
        if tier is None:
            return 0.0
        with self._lock:
            bucket = self._bucket(tier)
            now = self.clock.monotonic()
            slot = max([now, bucket.blocked_until] + [w.earliest(now) for w in bucket.windows])
            for window in bucket.windows:
                window.times.append(slot)
        return max(0.0, slot - now)

    def block(self, method: str, path: str, seconds: float) -> None:
        """Hold every new slot of this request's operation for ``seconds`` (Klaviyo's ``Retry-After``).

        Example:
            >>> from connector.client.clock import FakeClock
            >>> limiter = RateLimiter(clock=FakeClock())
            >>> limiter.block("POST", "/api/events", 2.0)
            >>> limiter.reserve("POST", "/api/events")
            2.0
        """
        tier = tier_for(method, path)
        if tier is None:
            return
        with self._lock:
            bucket = self._bucket(tier)
            bucket.blocked_until = max(bucket.blocked_until, self.clock.monotonic() + seconds)
