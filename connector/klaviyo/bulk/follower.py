"""Profile imports started now and their outcomes collected later, so a caller works while Klaviyo imports.

:meth:`ImportFollower.start` packs records, POSTs the import requests and returns a :class:`Ticket` at
once; :meth:`ImportFollower.ready` answers without waiting whether a ticket's jobs all ended (polling at
most once per ``interval``); :meth:`ImportFollower.outcomes` waits for them on the client's clock. Every
job followed is covered by one listing call per polling round
(:meth:`~connector.klaviyo.bulk.watcher.JobWatcher.check`), so many tickets cost no more status reads
than one.

Example:
    >>> from connector.client.pipeline import KlaviyoClient
    >>> from connector.klaviyo.bulk.senders import profile_import
    >>> follower = ImportFollower(KlaviyoClient(None, base_url="http://127.0.0.1:9"), interval=1.0)
    >>> ticket = follower.start(profile_import(), [])
    >>> follower.ready(ticket), follower.outcomes(ticket)
    (True, [])
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence

from connector import structs
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.chunking import json_bytes
from connector.klaviyo.bulk.jobs import JobResult
from connector.klaviyo.bulk.outcomes import RecordOutcome
from connector.klaviyo.bulk.senders import BatchRecord, ProfileImport
from connector.klaviyo.bulk.watcher import JobWatcher

__all__ = ["ImportFollower", "Ticket"]


@structs.define(eq=False)
class Ticket:
    """Records handed to :meth:`ImportFollower.start`: those refused at once, and the jobs carrying the others.

    ``jobs`` maps a job id to its records (in the job's order), kept as their key and encoded bytes while the
    job runs (a third of the memory of the decoded resource); ``sender`` reads the job's result.
    """

    sender: ProfileImport
    refused: list[RecordOutcome]
    jobs: dict[str, list[tuple[Hashable, bytes]]]


class ImportFollower:
    """Starts import jobs and follows every job of every ticket with one polling round per ``interval``.

    Args:
        client: the client requests go through (its clock paces the polling).
        interval: seconds between polling rounds.
        timeout: a job still running this long after it was accepted ends ``timeout`` (its records
            retryable, never delivered).
    """

    def __init__(self, client: KlaviyoClient, *, interval: float = 1.0, timeout: float = 1800.0) -> None:
        self.client = client
        self.interval = interval
        self.watcher = JobWatcher(interval=interval, timeout=timeout, clock=client.clock)
        self._waiting: dict[str, float] = {}  # job id -> when Klaviyo accepted it
        self._ended: dict[str, JobResult] = {}
        self._next_round = 0.0

    def start(self, sender: ProfileImport, records: Sequence[BatchRecord]) -> Ticket:
        """POST ``records`` in packed import requests; nothing waits for the jobs."""
        ticket = Ticket(sender, [], {})
        for chunk in sender.pack(records):
            started = sender.start(self.client, chunk)
            ticket.refused.extend(started.refused.values())
            now = self.client.clock.monotonic()
            for job_id, indexes in started.jobs:
                ticket.jobs[job_id] = [(chunk[i].key, _encoded(chunk[i])) for i in indexes]
                self._waiting[job_id] = now
        return ticket

    def ready(self, ticket: Ticket) -> bool:
        """Whether every job of ``ticket`` ended; polls once when a round is due, never sleeps."""
        if self._pending(ticket) and self.client.clock.monotonic() >= self._next_round:
            self._poll()
        return not self._pending(ticket)

    def outcomes(self, ticket: Ticket) -> list[RecordOutcome]:
        """One outcome per record of ``ticket`` (refused ones first), once all its jobs ended."""
        clock = self.client.clock
        while self._pending(ticket):
            pause = self._next_round - clock.monotonic()
            if pause > 0:
                clock.sleep(pause)
            self._poll()
        out = list(ticket.refused)
        for job_id, compact in ticket.jobs.items():
            result = self._ended.pop(job_id)
            # A job that imported everything needs only the keys; import errors are matched on the resources.
            whole = ticket.sender.needed(result, len(compact)) != set()
            records = [BatchRecord(key, json.loads(data) if whole else {}, encoded=data) for key, data in compact]
            out.extend(ticket.sender.finish(result, records))
        return out

    def _pending(self, ticket: Ticket) -> bool:
        return any(job_id not in self._ended for job_id in ticket.jobs)

    def _poll(self) -> None:
        """One round over every job followed: record those that ended."""
        ended = self.watcher.check(self.client, self._waiting)
        now = self.client.clock.monotonic()
        for job_id, accepted in self._waiting.items():
            # A job whose status could not be read for the whole timeout ends too: its records retryable.
            if job_id not in ended and now - accepted > self.watcher.timeout:
                ended[job_id] = JobResult(job_id, "timeout")
        for job_id, result in ended.items():
            del self._waiting[job_id]
            self._ended[job_id] = result
        self._next_round = now + self.interval


def _encoded(record: BatchRecord) -> bytes:
    return record.encoded if record.encoded is not None else json_bytes(record.resource)
