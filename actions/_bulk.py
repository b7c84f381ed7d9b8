"""What the catalog's bulk actions return: one outcome per record, and an error when not all were delivered.

Bulk Create Events, Subscribe Profiles and Unsubscribe Profiles hand their records to the bulk senders
(:mod:`connector.klaviyo.bulk.senders`), which split them at Klaviyo's limits and never let one bad record
sink its request: a record Klaviyo refuses is *rejected* with Klaviyo's reason and the others are sent again;
records Klaviyo could not take for reasons that are not theirs (429 after retries, 5xx, no connection) are
*retryable*. The action's result says what happened to each record::

    {"data": null, "requests": 2, "profiles": 3, "delivered": 2, "rejected": 1, "retryable": 0,
     "records": [{"index": 0, "status": "delivered"},
                 {"index": 1, "status": "rejected", "reason": "HTTP 400 invalid: ... (at /data/...)"},
                 {"index": 2, "status": "delivered"}]}

``index`` is the record's position in the input array (Bulk Create Events adds ``event``, the position in an
entry's ``events.data``, for Klaviyo's entry form); ``requests`` counts the HTTP requests sent (a request
re-sent without its rejected records counts again).

When every record was delivered the action returns that result. Otherwise it raises :class:`BulkRecordsError`
carrying the same result (``error.result``; the CLI prints it as ``error.result`` on stderr): exit code 4
when a record was rejected (fix the data, then send those again), 5 when the only failures are retryable
(send those again later). A partial result never looks like success to a workflow.

Example:
    >>> from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
    >>> outcomes = [RecordOutcome((0, None), Status.DELIVERED), RecordOutcome((1, None), Status.REJECTED, "bad")]
    >>> result = BulkResult.of(outcomes, requests=2)
    >>> result.to_json()["records"][1], result.ok
    ({'index': 1, 'status': 'rejected', 'reason': 'bad'}, False)
    >>> error = failure(result, "profiles")
    >>> error.exit_code, error.message
    (4, '1 of 2 profiles not delivered (1 rejected, 0 retryable); first: #1: bad')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from connector import structs
from connector.client.errors import EXIT_API, EXIT_TRANSIENT, KlaviyoError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord

R = TypeVar("R", bound="BulkResult")


@structs.frozen
class RecordResult:
    """What happened to one record: ``delivered``, ``rejected`` (with Klaviyo's reason) or ``retryable``.

    Example:
        >>> RecordResult(3, "retryable", "HTTP 503", event=1).to_json()
        {'index': 3, 'event': 1, 'status': 'retryable', 'reason': 'HTTP 503'}
    """

    index: int
    status: str
    reason: str | None = None
    #: Bulk Create Events only: the event's position inside a Klaviyo ``event-bulk-create`` entry.
    event: int | None = None

    def to_json(self) -> dict[str, Any]:
        """``{"index", "event"?, "status", "reason"?}``."""
        out: dict[str, Any] = {"index": self.index}
        if self.event is not None:
            out["event"] = self.event
        out["status"] = self.status
        if self.reason:
            out["reason"] = self.reason
        return out

    @property
    def where(self) -> str:
        """``#3`` or ``#3 event #1``, as the error message names the record."""
        return f"#{self.index}" + (f" event #{self.event}" if self.event is not None else "")


@structs.frozen(kw_only=True)
class BulkResult:
    """Counts and per-record outcomes of one bulk action (``delivered + rejected + retryable`` = records).

    Example:
        >>> BulkResult(requests=1, delivered=2, records=(RecordResult(0, "delivered"),)).ok
        True
    """

    requests: int = 0
    delivered: int = 0
    rejected: int = 0
    retryable: int = 0
    records: tuple[RecordResult, ...] = ()

    @classmethod
    def of(cls: type[R], outcomes: Sequence[RecordOutcome], *, requests: int, **counts: int) -> R:
        """The result of ``outcomes`` whose keys are ``(index, event)`` pairs."""
        records = tuple(_record(outcome) for outcome in outcomes)
        # Bulk senders answer delivered, rejected or retryable (skipping is deliver's, for lines asking nothing).
        sent = (Status.DELIVERED, Status.REJECTED, Status.RETRYABLE)
        tally = {status.value: sum(r.status == status.value for r in records) for status in sent}
        return cls(requests=requests, records=records, **tally, **counts)

    @property
    def ok(self) -> bool:
        """True when every record was delivered."""
        return self.rejected == 0 and self.retryable == 0

    def counts(self) -> dict[str, int]:
        """The count of what was sent, shown after ``requests``: a subclass's own fields (``{"profiles": 3}``)."""
        own = (f.name for f in structs.fields(type(self)) if f.name not in _RESULT_FIELDS)
        return {name: getattr(self, name) for name in own}

    def to_json(self) -> dict[str, Any]:
        """The action's low-code output (see the module docstring)."""
        return {
            "data": None,
            "requests": self.requests,
            **self.counts(),
            "delivered": self.delivered,
            "rejected": self.rejected,
            "retryable": self.retryable,
            "records": [record.to_json() for record in self.records],
        }


_RESULT_FIELDS = frozenset(f.name for f in structs.fields(BulkResult))


def _record(outcome: RecordOutcome) -> RecordResult:
    index, event = cast("tuple[int, int | None]", outcome.key)
    return RecordResult(index, outcome.status.value, outcome.reason, event)


class BulkRecordsError(KlaviyoError):
    """Some records of a bulk action were not delivered; ``result`` says which, and why.

    Exit code 4: a record was rejected (its data must be fixed). See :class:`BulkRecordsRetryable` for 5.

    Example:
        >>> BulkRecordsError(BulkResult(rejected=1), "oops").to_json()["error"]["result"]["rejected"]
        1
    """

    exit_code = EXIT_API

    def __init__(self, result: BulkResult, message: str) -> None:
        super().__init__(message)
        self.result = result

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["error"]["result"] = self.result.to_json()
        return out


class BulkRecordsRetryable(BulkRecordsError):
    """Some records were not delivered, none for a reason of its own: sending them again later may work (exit 5).

    Example:
        >>> BulkRecordsRetryable(BulkResult(retryable=1), "later").retryable
        True
    """

    exit_code = EXIT_TRANSIENT
    retryable = True


def failure(result: BulkResult, noun: str) -> BulkRecordsError:
    """The error for a result that is not :attr:`BulkResult.ok` (rejected records decide the exit code)."""
    failed = [r for r in result.records if r.status != Status.DELIVERED.value]
    first = next((r for r in failed if r.status == Status.REJECTED.value), failed[0] if failed else None)
    detail = f"; first: {first.where}: {first.reason}" if first is not None and first.reason else ""
    message = (
        f"{len(failed)} of {len(result.records)} {noun} not delivered "
        f"({result.rejected} rejected, {result.retryable} retryable){detail}"
    )
    kind = BulkRecordsError if result.rejected else BulkRecordsRetryable
    return kind(result, message)


def finish(result: R, noun: str) -> R:
    """``result`` when every record was delivered; otherwise raise :func:`failure`."""
    if not result.ok:
        raise failure(result, noun)
    return result


Sender = Callable[[KlaviyoClient, Sequence[BatchRecord]], list[RecordOutcome]]


def send_counted(
    client: KlaviyoClient, send: Sender, records: Sequence[BatchRecord]
) -> tuple[list[RecordOutcome], int]:
    """Run a bulk sender and count the HTTP requests it sent (its retries of one request count once)."""
    counting = _Counting(client)
    outcomes = send(cast(KlaviyoClient, counting), records)
    return outcomes, counting.requests


class _Counting:
    """The client, counting ``request`` calls; everything else is the client's own."""

    def __init__(self, client: KlaviyoClient) -> None:
        self._client = client
        self.requests = 0

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.requests += 1
        return self._client.request(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)
