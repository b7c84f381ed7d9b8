"""The engine's retry queue: records sent again later, with backoff on the injectable clock.

This is the outermost of the three retry layers (see :mod:`connector.apps.sync.engine`): a record lands
here when the requests under it gave up for reasons that are not the record's own (429 after the client's
retries, 5xx, no connection, an import job that did not finish). It waits ``delay * 2**(n-1)`` seconds
(at most ``cap``) after its n-th failed send, then goes out again in a new request, until it had
``max_attempts`` sends; after that the run ends with it *pending* (a re-run resumes it).

Example:
    >>> from connector.client.clock import FakeClock
    >>> clock = FakeClock()
    >>> queue: RetryQueue[str] = RetryQueue(clock, delay=1.0, max_attempts=3)
    >>> queue.add("a", sends=1), queue.add("b", sends=2), queue.add("c", sends=3)
    (True, True, False)
    >>> queue.due(), queue.wait()
    ([], 1.0)
    >>> clock.sleep(1.0); queue.due(), queue.wait()
    (['a'], 1.0)
    >>> clock.sleep(1.0); queue.due(), len(queue)
    (['b'], 0)
"""

from __future__ import annotations

import heapq
import itertools
from typing import Generic, TypeVar

from connector.client.clock import Clock

T = TypeVar("T")


class RetryQueue(Generic[T]):
    """Entries waiting to be sent again, each until its own time (earliest first, then in arrival order)."""

    def __init__(self, clock: Clock, *, delay: float, max_attempts: int, cap: float = 30.0) -> None:
        self.clock = clock
        self.delay = delay
        self.max_attempts = max_attempts
        self.cap = cap
        self._heap: list[tuple[float, int, T]] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, entry: T, *, sends: int) -> bool:
        """Queue ``entry`` after its ``sends``-th failed send; False (not queued) once it had ``max_attempts``.

        Example:
            >>> from connector.client.clock import FakeClock
            >>> RetryQueue(FakeClock(), delay=1.0, max_attempts=1).add("x", sends=1)
            False
        """
        if sends >= self.max_attempts:
            return False
        wait = min(self.cap, self.delay * 2 ** (sends - 1))
        heapq.heappush(self._heap, (self.clock.monotonic() + wait, next(self._order), entry))
        return True

    def due(self) -> list[T]:
        """Take the entries whose wait is over, earliest first.

        Example:
            >>> from connector.client.clock import FakeClock
            >>> RetryQueue(FakeClock(), delay=0.0, max_attempts=2).due()
            []
        """
        now = self.clock.monotonic()
        out: list[T] = []
        while self._heap and self._heap[0][0] <= now:
            out.append(heapq.heappop(self._heap)[2])
        return out

    def wait(self) -> float | None:
        """Seconds until the next entry is due (0 when one is), None when the queue is empty.

        Example:
            >>> from connector.client.clock import FakeClock
            >>> RetryQueue(FakeClock(), delay=1.0, max_attempts=2).wait() is None
            True
        """
        if not self._heap:
            return None
        return max(0.0, self._heap[0][0] - self.clock.monotonic())
