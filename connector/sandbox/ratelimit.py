"""Fixed-window rate limiting per operation, as Klaviyo applies it per account.

Modes:

* ``"off"`` - never refuse (headers are still sent so clients can be tested against them).
* ``"klaviyo"`` - enforce the spec's burst (1 s), steady (60 s) and daily windows.
* ``"scale=F"`` - same limits per window, but every window is F times shorter (``scale=1000`` makes the
  steady window 60 ms), so tests can hit and recover from 429s without real waits.

A 429 carries ``Retry-After`` and no ``RateLimit-*`` headers. ``Retry-After`` is whole seconds (at least 1) in
``klaviyo`` mode; in ``scale`` mode it is the scaled wait in seconds with millisecond precision (e.g. ``0.042``),
because rounding a 60 ms window up to 1 s would make clients wait 16 windows. Other responses carry
``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` for the steady window (``Reset`` formatted
the same way as ``Retry-After``).

Example:
    >>> rl = RateLimiter("scale=1000")
    >>> rl.check("get_accounts", {}).allowed
    True
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .ratelimit_table import limits_for

WINDOWS = (("burst", 1.0), ("steady", 60.0), ("daily", 86400.0))


@dataclass
class Decision:
    """Outcome of one rate-limit check: allowed or not, and the headers to send.

    Example:
        >>> Decision(True).allowed
        True
    """

    allowed: bool
    headers: dict[str, str] = field(default_factory=dict)


def parse_mode(mode: str) -> tuple[bool, float]:
    """(enforce, scale) of a mode string; ValueError if unknown.

    Example:
        >>> parse_mode("scale=50")
        (True, 50.0)
    """
    if mode == "off":
        return False, 1.0
    if mode == "klaviyo":
        return True, 1.0
    if mode.startswith("scale="):
        scale = float(mode[len("scale=") :])
        if not scale > 0 or math.isinf(scale):
            raise ValueError(f"rate-limit scale must be a positive number, not {mode!r}")
        return True, scale
    raise ValueError(f"rate_limits must be 'off', 'klaviyo' or 'scale=F', not {mode!r}")


class RateLimiter:
    """Counts requests per (bucket, window) and decides whether to answer 429.

    Windows are fixed and aligned to the limiter's creation; ``clock`` (seconds, monotonic) is injectable so
    tests can step through windows without sleeping.

    Example:
        >>> rl = RateLimiter("klaviyo")
        >>> [rl.check("get_accounts", {}).allowed for _ in range(2)]
        [True, False]
    """

    def __init__(self, mode: str = "off", clock: Callable[[], float] = time.monotonic) -> None:
        self.enforce, self.scale = parse_mode(mode)
        self.mode = mode
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}
        self._epoch = clock()

    def _fmt(self, seconds: float) -> str:
        if self.scale == 1.0:
            return str(max(1, math.ceil(seconds)))
        return f"{max(seconds, 0.001):.3f}"

    def check(self, op: str, query: dict[str, list[str]]) -> Decision:
        """Count one request to ``op`` and return whether it may proceed.

        Example:
            >>> RateLimiter("off").check("get_lists", {}).headers["RateLimit-Limit"]
            '750'
        """
        bucket, limits = limits_for(op, query)
        now = self._clock() - self._epoch
        windows = []
        for name, seconds in WINDOWS:
            limit = getattr(limits, name)
            if limit is None:
                continue
            length = seconds / self.scale
            index = int(now // length)
            windows.append((name, limit, length, index))
        with self._lock:
            counts = []
            waits = []
            for name, limit, length, index in windows:
                start_index, used = self._counts.get((bucket, name), (index, 0))
                used = used if start_index == index else 0
                counts.append(used)
                if used >= limit:
                    waits.append((index + 1) * length - now)
            if waits and self.enforce:
                return Decision(False, {"Retry-After": self._fmt(max(waits))})
            for (name, _limit, _length, index), used in zip(windows, counts, strict=False):
                self._counts[(bucket, name)] = (index, used + 1)
        _, steady, length, index = windows[1]
        used_steady = counts[1] + 1
        return Decision(
            True,
            {
                "RateLimit-Limit": str(steady),
                "RateLimit-Remaining": str(max(0, steady - used_steady)),
                "RateLimit-Reset": self._fmt((index + 1) * length - now),
            },
        )
