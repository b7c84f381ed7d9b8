"""Adaptive concurrency (AIMD) and the client ``Throttle`` that combines it with the proactive limiter.

Each operation gets a concurrency limit that grows by one for every ``limit`` successful answers
(additive increase) and halves on a 429 (multiplicative decrease), like TCP congestion control: the
proactive limiter keeps requests under Klaviyo's published tiers, and this backs off when the account
has less headroom than they promise (another integration using the same key) and recovers after.

Example:
    >>> aimd = Aimd(initial=4, maximum=8)
    >>> aimd.on_answer(429); aimd.limit
    2.0
    >>> for _ in range(10): aimd.on_answer(200)
    >>> aimd.limit > 4
    True
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.pacing.limiter import RateLimiter, tier_for


class Aimd:
    """One operation's concurrency limit: +1 per ``limit`` successes, halved on 429, within 1..maximum.

    Example:
        >>> Aimd(initial=1, maximum=2).limit
        1.0
    """

    def __init__(self, initial: int = 4, maximum: int = 16) -> None:
        self.maximum = float(max(1, maximum))
        self.limit = float(min(max(1, initial), maximum))
        self.in_flight = 0
        self._cond = threading.Condition()

    def acquire(self) -> None:
        """Wait until fewer than ``limit`` requests are in flight, then take a place.

        Example:
            >>> a = Aimd(); a.acquire(); a.in_flight
            1
        """
        with self._cond:
            while self.in_flight >= int(self.limit):
                self._cond.wait(timeout=1.0)
            self.in_flight += 1

    def release(self) -> None:
        """Give a place back.

        Example:
            >>> a = Aimd(); a.acquire(); a.release(); a.in_flight
            0
        """
        with self._cond:
            self.in_flight = max(0, self.in_flight - 1)
            self._cond.notify()

    def on_answer(self, status: int | None) -> None:
        """Learn from an answer: halve on 429, grow on success; 5xx and dropped connections change nothing.

        Example:
            >>> a = Aimd(initial=2, maximum=4); a.on_answer(200); a.on_answer(200); round(a.limit, 1)
            2.9
        """
        with self._cond:
            if status == 429:
                self.limit = max(1.0, self.limit / 2)
            elif status is not None and status < 400:
                self.limit = min(self.maximum, self.limit + 1.0 / self.limit)
            self._cond.notify_all()


class PacingThrottle:
    """The client :class:`~connector.client.pipeline.Throttle` of a sync or a delivery: book a rate slot, then a
    concurrency place.

    Also counts requests and 429s per operation (the benchmark and the summary report them).

    Example:
        >>> from connector.client.clock import FakeClock
        >>> clock = FakeClock()
        >>> t = PacingThrottle(RateLimiter(clock=clock))
        >>> t.before("POST", "/api/event-bulk-create-jobs"); t.after("POST", "/api/event-bulk-create-jobs", 429, 1.5)
        >>> t.requests["bulk_create_events"], t.throttled["bulk_create_events"]
        (1, 1)
    """

    def __init__(self, limiter: RateLimiter, *, initial: int = 4, maximum: int = 16) -> None:
        self.limiter = limiter
        self.initial = initial
        self.maximum = maximum
        self.requests: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._aimd: dict[str, Aimd] = {}

    def aimd(self, operation: str) -> Aimd:
        """The concurrency controller of ``operation`` (created on first use).

        Example:
            >>> from connector.klaviyo.pacing.limiter import RateLimiter
            >>> PacingThrottle(RateLimiter(), initial=2).aimd("get_profiles").limit
            2.0
        """
        with self._lock:
            found = self._aimd.get(operation)
            if found is None:
                found = self._aimd[operation] = Aimd(self.initial, self.maximum)
            return found

    def before(self, method: str, path: str) -> None:
        """Wait for a concurrency place, then for the booked rate slot (on the limiter's clock)."""
        tier = tier_for(method, path)
        if tier is None:
            return
        self.aimd(tier.operation).acquire()
        wait = self.limiter.reserve(method, path)
        if wait > 0:
            self.limiter.clock.sleep(wait)
        with self._lock:
            self.requests[tier.operation] += 1

    def after(self, method: str, path: str, status: int | None, retry_after: float | None) -> None:
        """Release the place; on 429 halve the concurrency and hold the operation for ``Retry-After``."""
        tier = tier_for(method, path)
        if tier is None:
            return
        aimd = self.aimd(tier.operation)
        aimd.release()
        aimd.on_answer(status)
        if status == 429:
            with self._lock:
                self.throttled[tier.operation] += 1
            self.limiter.block(method, path, retry_after if retry_after is not None else 1.0 / self.limiter.scale)


@contextmanager
def paced(client: KlaviyoClient, throttle: PacingThrottle) -> Iterator[PacingThrottle]:
    """Every request of ``client`` goes through ``throttle`` until the block ends; the client's own comes back.

    Example:
        >>> client = KlaviyoClient(None, base_url="http://127.0.0.1:9")
        >>> with paced(client, PacingThrottle(RateLimiter())) as throttle:
        ...     client.throttle is throttle
        True
        >>> client.throttle is None
        True
    """
    previous = client.throttle
    client.throttle = throttle
    try:
        yield throttle
    finally:
        client.throttle = previous
