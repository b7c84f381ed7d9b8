"""The clock the retry loop waits on, injectable so tests never sleep for real.

Example:
    >>> clock = FakeClock()
    >>> clock.sleep(1.5)
    >>> clock.now, clock.sleeps
    (1.5, [1.5])
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """What the client needs from time: a monotonic reading, a wall-clock reading and a sleep."""

    def monotonic(self) -> float:
        """Seconds on a monotonic clock."""

    def time(self) -> float:
        """Seconds since the epoch (to interpret HTTP-date ``Retry-After`` values)."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""


class SystemClock:
    """The real clock.

    Example:
        >>> SystemClock().monotonic() > 0
        True
    """

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that advances only when slept on, recording every wait.

    Example:
        >>> c = FakeClock(start=100.0)
        >>> c.sleep(2)
        >>> c.monotonic()
        102.0
    """

    def __init__(self, start: float = 0.0, epoch: float = 1_800_000_000.0) -> None:
        self.now = start
        self.epoch = epoch
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.epoch + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep (time spent elsewhere)."""
        self.now += seconds
