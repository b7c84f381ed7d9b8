"""The retry policy every request shares: which failures to retry, and how long to wait.

Rules (one place for all of them):

- 429 is retried for every method: Klaviyo refused the request before doing anything.
- 5xx and connection errors are retried for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE)
  and for other methods only when the caller marks the call ``retry_safe`` (the repeat cannot
  duplicate anything). A connection that was never established is retried for every method.
- ``retry_on_all_errors`` retries every failure (the Raw Request action's option).
- The wait before retry *n* (1-based) is ``base_delay * 2**(n-1)`` capped at ``max_delay`` and
  reduced by up to ``jitter`` (a fraction) at random, or ``base_delay`` flat when ``exponential``
  is off. A ``Retry-After`` from Klaviyo is always honoured: the wait is the greater of it and the
  computed delay. A ``Retry-After`` above ``max_retry_after`` gives up at once with a clear error.
- ``total_timeout`` is a budget across all attempts and waits; a wait that would overrun it is
  not taken.

:meth:`RetryPolicy.decide` applies these rules to one :class:`Outcome` (what an attempt ended with)
and returns a :class:`Decision` (retry after N seconds, or stop, with the reason). It is pure: no
HTTP, no clock, so every rule is tested on plain values.

Example:
    >>> policy = RetryPolicy(max_retries=3, base_delay=0.5, jitter=0.0)
    >>> [policy.backoff(n) for n in (1, 2, 3)]
    [0.5, 1.0, 2.0]
    >>> policy.wait(1, retry_after=3.0)
    3.0
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import ClassVar

from connector import structs

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

#: Default first wait, in seconds, when a caller asks for retries without saying how long to wait.
DEFAULT_BASE_DELAY = 0.5


@structs.frozen
class Outcome:
    """How one attempt ended, as far as the retry rules care.

    ``status`` is the HTTP status, or None when no answer came (``request_sent`` then says whether
    the request may have reached Klaviyo). ``retry_after`` is the server's ``Retry-After`` in seconds.

    Example:
        >>> Outcome("GET", status=503, retry_after=2.0).failed
        True
    """

    method: str
    status: int | None = None
    retry_after: float | None = None
    request_sent: bool = True
    retry_safe: bool = False

    @property
    def failed(self) -> bool:
        """True for an error status or no answer at all."""
        return self.status is None or self.status >= 400


@structs.frozen
class Decision:
    """Retry after :attr:`wait` seconds, or stop; :attr:`reason` says why (one of the class constants).

    Example:
        >>> Decision.stop(Decision.NOT_RETRYABLE)
        Decision(retry=False, wait=0.0, reason='not retryable')
    """

    SUCCEEDED: ClassVar[str] = "succeeded"
    NOT_RETRYABLE: ClassVar[str] = "not retryable"
    EXHAUSTED: ClassVar[str] = "retries exhausted"
    RETRY_AFTER_TOO_LONG: ClassVar[str] = "Retry-After above the limit"
    OUT_OF_TIME: ClassVar[str] = "total time budget spent"
    RETRY: ClassVar[str] = "retry"

    retry: bool
    wait: float
    reason: str

    @classmethod
    def stop(cls, reason: str) -> Decision:
        """A decision not to retry."""
        return cls(retry=False, wait=0.0, reason=reason)


@structs.frozen
class RetryPolicy:
    """How many times to retry, what to retry, and how long to wait.

    Example:
        >>> RetryPolicy(max_retries=0).allows_another(attempt=1)
        False
    """

    max_retries: int = 3
    base_delay: float = DEFAULT_BASE_DELAY
    exponential: bool = True
    max_delay: float = 60.0
    jitter: float = 0.25
    max_retry_after: float = 300.0
    retry_on_all_errors: bool = False
    total_timeout: float | None = None
    random: Callable[[], float] = structs.field(default=random.random, eq=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if self.base_delay <= 0:
            # A zero base would turn exponential backoff into a hammer (0 * 2**n == 0).
            raise ValueError("base_delay must be positive")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    def allows_another(self, attempt: int) -> bool:
        """True when ``attempt`` (1-based count of attempts made) leaves a retry in the budget."""
        return attempt <= self.max_retries

    def should_retry_status(self, status: int, method: str, retry_safe: bool) -> bool:
        """Whether an HTTP error status is worth another attempt under this policy."""
        if self.retry_on_all_errors or status == 429:
            return True
        if status >= 500 or status == 408:
            return method.upper() in IDEMPOTENT_METHODS or retry_safe
        return False

    def should_retry_transport(self, method: str, retry_safe: bool, *, request_sent: bool) -> bool:
        """Whether a connection failure is worth another attempt.

        A request that never left (connection refused, connect timeout) is safe to repeat for any
        method; one that may have reached Klaviyo is repeated only when idempotent or marked safe.
        """
        if self.retry_on_all_errors or not request_sent:
            return True
        return method.upper() in IDEMPOTENT_METHODS or retry_safe

    def backoff(self, retry_number: int) -> float:
        """The computed wait before retry ``retry_number`` (1-based), before ``Retry-After``."""
        if not self.exponential:
            return self.base_delay
        delay = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        if self.jitter:
            delay *= 1.0 - self.jitter * float(self.random())
        return float(delay)

    def decide(self, outcome: Outcome, attempt: int, elapsed: float) -> Decision:
        """Whether to retry after ``attempt`` (1-based) ended with ``outcome``, ``elapsed`` seconds in.

        Example:
            >>> policy = RetryPolicy(max_retries=2, jitter=0.0)
            >>> policy.decide(Outcome("GET", status=503), attempt=1, elapsed=0.0)
            Decision(retry=True, wait=0.5, reason='retry')
            >>> policy.decide(Outcome("POST", status=503), attempt=1, elapsed=0.0).reason
            'not retryable'
            >>> policy.decide(Outcome("GET", status=429, retry_after=900), attempt=1, elapsed=0.0).reason
            'Retry-After above the limit'
        """
        if not outcome.failed:
            return Decision.stop(Decision.SUCCEEDED)
        if not self.allows_another(attempt):
            return Decision.stop(Decision.EXHAUSTED)
        if outcome.status is None:
            retryable = self.should_retry_transport(
                outcome.method, outcome.retry_safe, request_sent=outcome.request_sent
            )
        else:
            retryable = self.should_retry_status(outcome.status, outcome.method, outcome.retry_safe)
        if not retryable:
            return Decision.stop(Decision.NOT_RETRYABLE)
        if outcome.retry_after is not None and outcome.retry_after > self.max_retry_after:
            return Decision.stop(Decision.RETRY_AFTER_TOO_LONG)
        wait = self.wait(attempt, outcome.retry_after)
        if self.total_timeout is not None and elapsed + wait >= self.total_timeout:
            return Decision.stop(Decision.OUT_OF_TIME)
        return Decision(retry=True, wait=wait, reason=Decision.RETRY)

    def wait(self, retry_number: int, retry_after: float | None = None) -> float:
        """The wait before retry ``retry_number``: the greater of the backoff and ``retry_after``."""
        delay = self.backoff(retry_number)
        if retry_after is not None and retry_after > delay:
            return retry_after
        return delay


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Read a ``Retry-After`` header: delta-seconds or an HTTP date (relative to ``now``, epoch seconds).

    Example:
        >>> parse_retry_after("7", now=0.0)
        7.0
        >>> parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now=4.0)
        6.0
        >>> parse_retry_after("soon", now=0.0) is None
        True
        >>> parse_retry_after("inf", now=0.0)
        1000000000.0
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        # email.utils costs ~10 ms to import; only an HTTP-date Retry-After needs it.
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(text)
            seconds = when.timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if seconds != seconds:  # NaN tells nothing
        return None
    # "inf" or 400 digits: far more than any limit, but a finite number (it is printed as JSON).
    return min(max(0.0, seconds), MAX_RETRY_AFTER_READ)


#: The largest ``Retry-After`` read, in seconds (about 31 years): any larger value means the same.
MAX_RETRY_AFTER_READ = 1e9
