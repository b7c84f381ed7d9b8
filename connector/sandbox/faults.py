"""Injected faults: random 5xx answers, dropped connections and added latency, reproducible with a seed.

Every request draws the same number of random values whatever the settings, so a given seed produces the
same fault sequence for the same sequence of requests.

Example:
    >>> f = Faults(fail_rate=1.0, seed=7)
    >>> f.draw().status in (500, 502, 503, 504)
    True
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

STATUSES = (500, 502, 503, 504)


@dataclass(frozen=True)
class Fault:
    """What to do to one request: drop the connection, answer a 5xx (``status``), or nothing.

    Example:
        >>> Fault(False, None).status is None
        True
    """

    reset: bool
    status: int | None


class Faults:
    """Decides per request whether to inject a fault.

    Example:
        >>> Faults().draw()
        Fault(reset=False, status=None)
    """

    def __init__(
        self, fail_rate: float = 0.0, latency_ms: int = 0, reset_rate: float = 0.0, seed: int | None = None
    ) -> None:
        for name, rate in (("fail_rate", fail_rate), ("reset_rate", reset_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {rate}")
        if latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        self.fail_rate = fail_rate
        self.reset_rate = reset_rate
        self.latency = latency_ms / 1000.0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> Fault:
        """Draw the fault for the next request.

        Example:
            >>> Faults(reset_rate=1.0, seed=1).draw().reset
            True
        """
        with self._lock:
            reset_roll, fail_roll = self._rng.random(), self._rng.random()
            status = self._rng.choice(STATUSES)
        if reset_roll < self.reset_rate:
            return Fault(True, None)
        return Fault(False, status if fail_roll < self.fail_rate else None)
