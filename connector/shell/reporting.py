"""What the CLI adds to a failure it reports: the host a connection error concerns, and how many attempts a
request made before the client gave up.

The client's errors name the method and path; the shell knows the host it configured, and counts attempts
through the client's per-attempt hook (``KlaviyoClient.throttle``), so the client layer needs no change.

Example:
    >>> from connector.client.errors import TransportError
    >>> error = TransportError("could not connect to Klaviyo", method="GET", path="/api/lists")
    >>> annotate(error, host="https://a.klaviyo.com", attempts=4).message
    'GET /api/lists: could not connect to Klaviyo (host https://a.klaviyo.com; gave up after 4 attempts)'
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from connector.client.errors import ApiError, KlaviyoError, TransportError

if TYPE_CHECKING:
    from connector.client.pipeline import KlaviyoClient, Throttle


class AttemptCounter:
    """Counts the attempts of each request (method and path) since its last success; passes every call on to
    the throttle it wraps, if any.

    Example:
        >>> counter = AttemptCounter()
        >>> for status in (503, 503, 503):
        ...     counter.before("GET", "/api/lists"); counter.after("GET", "/api/lists", status, None)
        >>> counter.attempts("GET", "/api/lists")
        3
    """

    def __init__(self, inner: Throttle | None = None) -> None:
        self.inner = inner
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def before(self, method: str, path: str) -> None:
        if self.inner is not None:
            self.inner.before(method, path)
        with self._lock:
            self._counts[(method, path)] = self._counts.get((method, path), 0) + 1

    def after(self, method: str, path: str, status: int | None, retry_after: float | None) -> None:
        if self.inner is not None:
            self.inner.after(method, path, status, retry_after)
        if status is not None and status < 400:
            with self._lock:
                self._counts.pop((method, path), None)

    def attempts(self, method: str, path: str) -> int:
        """Attempts of ``method path`` since its last success (0 when it was never sent)."""
        with self._lock:
            return self._counts.get((method, path), 0)


def annotate(error: KlaviyoError, *, host: str, attempts: int) -> KlaviyoError:
    """Add the host (connection errors) and the attempt count (after retries) to the error's message."""
    notes: list[str] = []
    if isinstance(error, TransportError):
        notes.append(f"host {host}")
        notes.append(f"gave up after {attempts} attempts" if attempts > 1 else "1 attempt, not retried")
    elif isinstance(error, ApiError) and attempts > 1:
        notes.append(f"gave up after {attempts} attempts")
    if notes:
        error.message = f"{error.message} ({'; '.join(notes)})"
        error.args = (error.message, *error.args[1:])
    return error


@contextlib.contextmanager
def reporting(client: KlaviyoClient) -> Iterator[AttemptCounter]:
    """Count the client's attempts while the block runs; an API or connection error leaving the block names the
    host and the attempts made."""
    counter = AttemptCounter(client.throttle)
    client.throttle = counter
    try:
        yield counter
    except (TransportError, ApiError) as exc:
        annotate(exc, host=client.base_url, attempts=_attempts_of(counter, exc))
        raise
    finally:
        client.throttle = counter.inner


def _attempts_of(counter: AttemptCounter, error: Any) -> int:
    return counter.attempts(str(getattr(error, "method", "")), str(getattr(error, "path", "")))
