"""Per-record outcomes of a delivery: delivered, rejected (with Klaviyo's reason), retryable or skipped.

The batching layer answers every record it was given with one :class:`RecordOutcome` keyed by the
caller's own key; :func:`worst` folds the outcomes of the several requests one input line caused
(a profile import and a subscription, an order and its product events) into the line's outcome.

Example:
    >>> worst([RecordOutcome(1, Status.DELIVERED), RecordOutcome(1, Status.REJECTED, "bad email")]).reason
    'bad email'
    >>> pointer_index("/data/attributes/profiles/data/3/attributes/email", "/data/attributes/profiles/data")
    3
"""

from __future__ import annotations

import enum
import re
from collections.abc import Hashable, Iterable
from typing import Any

from connector import structs


class Status(str, enum.Enum):
    """What happened to a record.

    ``REJECTED`` records will fail again unchanged (fix the data); ``RETRYABLE`` records were not
    delivered for reasons that are not their fault (429 after retries, 5xx, no connection) and can
    be sent again as they are; ``SKIPPED`` records are valid but ask for nothing the settings send
    (a ``page`` call while page delivery is off): nothing was sent, on purpose.
    """

    DELIVERED = "delivered"
    REJECTED = "rejected"
    RETRYABLE = "retryable"
    SKIPPED = "skipped"


# A permanent rejection outranks "try again": re-sending a line that holds a rejected record
# cannot succeed until its data is fixed, so that is what the report must say first. A line of
# which something was delivered and something skipped was delivered.
_RANK = {Status.SKIPPED: 0, Status.DELIVERED: 1, Status.RETRYABLE: 2, Status.REJECTED: 3}


@structs.frozen
class RecordOutcome:
    """The outcome of one record the caller handed to the batching layer.

    Example:
        >>> RecordOutcome("line-7", Status.RETRYABLE, "HTTP 503").to_json()
        {'status': 'retryable', 'reason': 'HTTP 503'}
    """

    key: Hashable
    status: Status
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """``{"status", "reason"?}`` for reports."""
        out: dict[str, Any] = {"status": self.status.value}
        if self.reason:
            out["reason"] = self.reason
        return out


def worst(outcomes: Iterable[RecordOutcome]) -> RecordOutcome:
    """The most severe outcome (rejected > retryable > delivered > skipped); the first one of that rank wins.

    Example:
        >>> worst([RecordOutcome(1, Status.DELIVERED)]).status.value
        'delivered'
    """
    chosen: RecordOutcome | None = None
    for outcome in outcomes:
        if chosen is None or _RANK[outcome.status] > _RANK[chosen.status]:
            chosen = outcome
    if chosen is None:
        raise ValueError("worst() needs at least one outcome")
    return chosen


def pointer_index(pointer: str | None, prefix: str) -> int | None:
    """The record index a JSON pointer names under ``prefix`` (``.../data/3/...`` -> 3), else None.

    Example:
        >>> pointer_index("/data/relationships/list/data/id", "/data/attributes/profiles/data") is None
        True
    """
    if not pointer:
        return None
    match = re.match(re.escape(prefix.rstrip("/")) + r"/(\d+)(?:/|$)", pointer)
    return int(match.group(1)) if match else None


@structs.frozen
class DeliverySummary:
    """Counts of one delivery run; ``delivered + rejected + retryable + skipped == lines`` always.

    Example:
        >>> s = DeliverySummary(lines=3, delivered=1, rejected=1, retryable=1)
        >>> s.to_json()["lines"], s.ok, DeliverySummary(lines=2, delivered=1, skipped=1).ok
        (3, False, True)
    """

    lines: int = 0
    delivered: int = 0
    rejected: int = 0
    retryable: int = 0
    skipped: int = 0
    report: str | None = None
    #: HTTP requests sent (each attempt) and how many Klaviyo answered 429 (0 when pacing kept to the limits).
    requests: int = 0
    throttled: int = 0

    @property
    def ok(self) -> bool:
        """True when every line was delivered or, on purpose, skipped."""
        return self.delivered + self.skipped == self.lines

    def to_json(self) -> dict[str, Any]:
        """The summary as printed by ``klaviyo-connector deliver``."""
        return {
            "lines": self.lines,
            "delivered": self.delivered,
            "rejected": self.rejected,
            "retryable": self.retryable,
            "skipped": self.skipped,
            "report": self.report,
            "requests": self.requests,
            "throttled": self.throttled,
        }
