"""The dispatcher: packed requests sent on a thread pool, import jobs followed until they end.

The engine's main thread hands it packed requests (:meth:`Dispatcher.submit`) and asks what ended
(:meth:`Dispatcher.collect`); worker threads only send. A request goes out on a :class:`Route`:

- ``send``: one packed request in, one outcome per record out (events, subscriptions, undoing deletions);
- ``jobs``: profile imports. The POST returns as soon as Klaviyo accepted the job; the job is then
  *followed*, not waited for: one polling round at a time on a thread of its own
  (:meth:`~connector.klaviyo.bulk.watcher.JobWatcher.check`, one listing call for up to 100 jobs) every
  ``interval`` seconds while jobs are in flight. No worker is held while Klaviyo works, so the number of
  jobs in flight is a setting (``max_jobs``), not the number of threads.

What ended comes back as events: :class:`Answered` (outcomes of records), :class:`Accepted` (a job
Klaviyo created, with its records), :class:`Ended` (a followed job's result).

Example:
    >>> from connector.client.clock import FakeClock
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> from connector.apps.sync.packer import RecordPacker
    >>> from connector.klaviyo.bulk.limits import SUBSCRIBE
    >>> from connector.klaviyo.bulk.outcomes import Status
    >>> route = Route(RecordPacker(SUBSCRIBE), send=lambda rs: [RecordOutcome(r.key, Status.DELIVERED) for r in rs])
    >>> with ThreadPoolExecutor(1) as pool:
    ...     dispatcher = Dispatcher(FakeClock(), concurrency=1, max_jobs=1, executor=pool, poller=pool)
    ...     dispatcher.submit(route, [BatchRecord("a", {})])
    ...     events = []
    ...     while dispatcher.busy:
    ...         events += dispatcher.collect(1.0)
    >>> [(o.key, o.status.value) for o in events[0].outcomes]
    [('a', 'delivered')]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any, Protocol

import attrs

from connector.apps.sync.packer import RecordPacker
from connector.client.clock import Clock
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.jobs import JobResult
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord, ProfileImport, Started
from connector.klaviyo.bulk.watcher import JobWatcher

log = logging.getLogger("connector.apps.sync")

#: One packed request in, one outcome per record out (in order).
Send = Callable[[list[BatchRecord]], list[RecordOutcome]]


class Jobs(Protocol):
    """A bulk operation whose accepted requests become jobs to follow (profile imports)."""

    @property
    def interval(self) -> float:
        """Seconds between two polling rounds."""

    def start(self, records: list[BatchRecord]) -> Started:
        """POST one packed request: the records refused outright and the jobs that carry the others."""

    def check(self, waiting: Mapping[str, float]) -> dict[str, JobResult]:
        """One polling round over ``waiting`` (job id -> when it was accepted): the results of those that ended."""

    def needed(self, result: JobResult, count: int) -> set[int] | None:
        """Which of a job's ``count`` records :meth:`finish` needs whole for ``result`` (None: all)."""

    def finish(self, result: JobResult, sent: list[BatchRecord]) -> list[RecordOutcome]:
        """The outcomes of a job's records (``sent``, in the job's order) from its result."""


class ClientJobs:
    """:class:`Jobs` on Klaviyo: a :class:`~connector.klaviyo.bulk.senders.ProfileImport` and a shared watcher.

    Example:
        >>> from connector.klaviyo.bulk.senders import profile_import
        >>> client = KlaviyoClient(None, base_url="http://127.0.0.1:9")
        >>> ClientJobs(profile_import(), client, JobWatcher(interval=0.5)).interval
        0.5
    """

    def __init__(self, sender: ProfileImport, client: KlaviyoClient, watcher: JobWatcher) -> None:
        self.sender = sender
        self.client = client
        self.watcher = watcher

    @property
    def interval(self) -> float:
        return self.watcher.interval

    def start(self, records: list[BatchRecord]) -> Started:
        return self.sender.start(self.client, records)

    def check(self, waiting: Mapping[str, float]) -> dict[str, JobResult]:
        return self.watcher.check(self.client, waiting)

    def needed(self, result: JobResult, count: int) -> set[int] | None:
        return self.sender.needed(result, count)

    def finish(self, result: JobResult, sent: list[BatchRecord]) -> list[RecordOutcome]:
        return self.sender.finish(result, sent)


@attrs.define(eq=False)
class Route:
    """Where one kind of record goes: its packer, and either ``send`` or ``jobs`` (see the module)."""

    packer: RecordPacker
    send: Send | None = None
    jobs: Jobs | None = None


@attrs.frozen
class Answered:
    """Outcomes of ``records`` (one each, in order)."""

    route: Route
    records: list[BatchRecord]
    outcomes: list[RecordOutcome]


@attrs.frozen
class Accepted:
    """Klaviyo created import job ``job_id`` for ``records`` (in the job's order); it is now followed."""

    route: Route
    job_id: str
    records: list[BatchRecord]


@attrs.frozen
class Ended:
    """A followed job ended (or was waited on for too long): its ``result``."""

    route: Route
    job_id: str
    result: JobResult


Event = Answered | Accepted | Ended


class Dispatcher:
    """Sends on ``executor`` (at most ``concurrency * 2`` requests queued or in flight) and follows up to
    ``max_jobs`` import jobs, polling on ``poller`` (a thread of its own, so a poll never queues behind sends).
    """

    def __init__(self, clock: Clock, *, concurrency: int, max_jobs: int, executor: Executor, poller: Executor) -> None:
        self.clock = clock
        self.concurrency = concurrency
        self.max_jobs = max_jobs
        self.executor = executor
        self.poller = poller
        self.posts: dict[Future[Any], tuple[Route, list[BatchRecord]]] = {}
        self.polls: dict[Future[dict[str, JobResult]], Route] = {}
        #: Jobs in flight: job id -> (its route, when it was accepted).
        self.waiting: dict[str, tuple[Route, float]] = {}
        self._next_poll: dict[int, float] = {}

    @property
    def busy(self) -> bool:
        """Whether anything is in flight: requests, polls or jobs."""
        return bool(self.posts or self.polls or self.waiting)

    def room(self, route: Route) -> bool:
        """Whether a request of ``route`` may be submitted now (else :meth:`collect` until it may)."""
        if len(self.posts) >= self.concurrency * 2:
            return False
        if route.jobs is None:
            return True
        starting = sum(1 for r, _ in self.posts.values() if r.jobs is not None)
        return len(self.waiting) + starting < self.max_jobs

    def submit(self, route: Route, records: list[BatchRecord]) -> None:
        """Send one packed request of ``route`` on a worker thread."""
        if route.jobs is not None:
            future: Future[Any] = self.executor.submit(route.jobs.start, records)
        else:
            assert route.send is not None
            future = self.executor.submit(route.send, records)
        self.posts[future] = (route, records)

    def collect(self, timeout: float) -> list[Event]:
        """What ended within ``timeout`` seconds (0: only what already has); starts the polls that are due."""
        self._poll()
        futures: list[Future[Any]] = [*self.posts, *self.polls]
        done: set[Future[Any]] = set()
        if futures:
            done, _ = wait(futures, timeout=self._until_poll(timeout), return_when=FIRST_COMPLETED)
        elif self.waiting and timeout > 0:
            self.clock.sleep(self._until_poll(timeout))
        events: list[Event] = []
        for future in done:
            events.extend(self._posted(future) if future in self.posts else self._polled(future))
        self._poll()
        return events

    def _posted(self, future: Future[Any]) -> list[Event]:
        route, records = self.posts.pop(future)
        try:
            answer = future.result()
        except Exception as exc:  # a bug or an unexpected failure: the records are not lost, only retried
            log.exception("a batch failed unexpectedly")
            failed = [RecordOutcome(r.key, Status.RETRYABLE, f"unexpected error: {exc}") for r in records]
            return [Answered(route, records, failed)]
        if not isinstance(answer, Started):
            return [Answered(route, records, answer)]
        events: list[Event] = []
        if answer.refused:
            refused = sorted(answer.refused)
            events.append(Answered(route, [records[i] for i in refused], [answer.refused[i] for i in refused]))
        now = self.clock.monotonic()
        for job_id, indexes in answer.jobs:
            self.waiting[job_id] = (route, now)
            events.append(Accepted(route, job_id, [records[i] for i in indexes]))
        return events

    def _polled(self, future: Future[dict[str, JobResult]]) -> list[Event]:
        route = self.polls.pop(future)
        assert route.jobs is not None
        self._next_poll[id(route)] = self.clock.monotonic() + route.jobs.interval
        try:
            results = future.result()
        except Exception:  # the jobs are still running at Klaviyo: ask again next round
            log.exception("polling import jobs failed unexpectedly")
            return []
        events: list[Event] = []
        for job_id, result in results.items():
            if self.waiting.pop(job_id, None) is not None:
                events.append(Ended(route, job_id, result))
        return events

    def _poll(self) -> None:
        """Start a polling round for each route with jobs in flight, no round running, and its interval over."""
        now = self.clock.monotonic()
        routes = {id(route): route for route, _ in self.waiting.values()}
        running = {id(route) for route in self.polls.values()}
        for key, route in routes.items():
            if key in running or now < self._next_poll.get(key, 0.0):
                continue
            assert route.jobs is not None
            waiting = {job: since for job, (r, since) in self.waiting.items() if r is route}
            self.polls[self.poller.submit(route.jobs.check, waiting)] = route

    def _until_poll(self, timeout: float) -> float:
        if not self.waiting or self.polls:
            return timeout
        due = min(self._next_poll.get(id(route), 0.0) for route, _ in self.waiting.values())
        return max(0.0, min(timeout, due - self.clock.monotonic()))
