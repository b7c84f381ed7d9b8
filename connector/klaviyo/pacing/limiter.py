"""Proactive rate limiting: Klaviyo's burst (1 s) and steady (60 s) tiers per endpoint, as sliding windows.

Klaviyo counts requests per account and operation in fixed windows. A sliding log (the send times of
the last ``limit`` requests) never puts more than ``limit`` requests in *any* interval of the window's
length, so it stays under the fixed windows wherever they are aligned, and it reaches the same long-run
rate (``steady`` per minute). Each ``reserve`` books a send slot under a lock and returns how long to
wait for it, so concurrent threads get consecutive slots instead of racing for the same one.

The tiers are the operation registry's (``x-klaviyo-ratelimit`` of each operation in the spec), found from the
request's method and path. ``scale`` shortens every window, to match the sandbox's ``--rate-limits scale=F``.

Example:
    >>> from connector.client.clock import FakeClock
    >>> limiter = RateLimiter(clock=FakeClock())
    >>> [round(limiter.reserve("POST", "/api/event-bulk-create-jobs"), 3) for _ in range(11)][-2:]
    [0.0, 1.05]
"""

from __future__ import annotations

import threading
from collections import deque
from typing import NamedTuple

from connector.client.clock import Clock, SystemClock
from connector.klaviyo.operations.registry import find_id, tier_of

BURST_WINDOW = 1.0
STEADY_WINDOW = 60.0
#: Slack added to every window, as a fraction of it: clocks drift and windows are long.
DEFAULT_MARGIN = 0.02
#: Slack added to every window in seconds, whatever its length: a thread wakes a few milliseconds after its
#: slot and a request reaches the server a few milliseconds after it left, by amounts that differ from one
#: request to the next, so two slots one window apart can land in one server window. The fractional margin
#: alone was 2 ms on the sandbox's windows shortened tenfold, less than that scheduling jitter on a busy
#: machine: sync runs saw a few 429s. 30 ms costs 3 % of a 1 s burst and nothing measurable of a 60 s window.
DEFAULT_JITTER = 0.03


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


def tier_for(method: str, path: str) -> Tier | None:
    """The tier of a request, from the operation registry; None for a path that is no Klaviyo operation.

    Example:
        >>> tier_for("GET", "/api/profile-bulk-import-jobs/01J/import-errors")
        Tier(operation='get_errors_for_bulk_import_profiles_job', burst=10, steady=150)
        >>> tier_for("GET", "/api/accounts").steady, tier_for("GET", "/nowhere") is None
        (15, True)
    """
    op_id = find_id(method, path)
    if op_id is None:
        return None
    limits = tier_of(op_id)
    return Tier(op_id, limits.burst, limits.steady)


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
    def __init__(self, tier: Tier, scale: float, margin: float, jitter: float) -> None:
        stretch = (1.0 + margin) / scale
        self.windows = (
            _Window(tier.burst, BURST_WINDOW * stretch + jitter),
            _Window(tier.steady, STEADY_WINDOW * stretch + jitter),
        )
        self.blocked_until = 0.0


class RateLimiter:
    """Books send slots per operation so that no tier of the operation registry is exceeded.

    Args:
        clock: the clock slots are measured on (the client's; a FakeClock in tests).
        scale: windows are ``scale`` times shorter (the sandbox's time-scaled limits).
        margin: fraction added to every window as slack (clock drift).
        jitter: seconds added to every window as slack for scheduling and network jitter.

    Example:
        >>> from connector.client.clock import FakeClock
        >>> limiter = RateLimiter(clock=FakeClock(), scale=10)
        >>> waits = [limiter.reserve("POST", "/api/profile-bulk-import-jobs") for _ in range(151)]
        >>> round(waits[10], 3), round(waits[150], 3)
        (0.132, 6.15)
    """

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        scale: float = 1.0,
        margin: float = DEFAULT_MARGIN,
        jitter: float = DEFAULT_JITTER,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.clock: Clock = clock or SystemClock()
        self.scale = scale
        self.margin = margin
        self.jitter = jitter
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, tier: Tier) -> _Bucket:
        bucket = self._buckets.get(tier.operation)
        if bucket is None:
            bucket = self._buckets[tier.operation] = _Bucket(tier, self.scale, self.margin, self.jitter)
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
