"""Follow many profile import jobs with one listing call instead of one status call per job.

Klaviyo allows 150 import jobs a minute and also 150 status reads a minute: polling each job by id
would need at least one read per job, so the status reads, not the imports, would cap throughput.
:class:`JobWatcher` reads the newest 100 jobs in one ``GET /api/profile-bulk-import-jobs`` per interval
and hands each waiting thread its job's result; import errors are read only for jobs with failures.

:class:`WatchingPoller` plugs it into :func:`connector.klaviyo.bulk.senders.import_profiles`.

Example:
    >>> from connector.client.clock import FakeClock
    >>> JobWatcher(interval=0.5, clock=FakeClock()).interval
    0.5
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from connector import structs
from connector.client.clock import Clock
from connector.client.errors import KlaviyoError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.jobs import FINISHED, JobPoller, JobResult, import_errors, read_job
from connector.klaviyo.operations.calls import paginate

log = logging.getLogger("connector.apps.sync")


class JobWatcher:
    """Shared by all threads of a sync: one thread at a time lists jobs; the others wait for its answer.

    Example:
        >>> w = JobWatcher(interval=1.0)
        >>> w.timeout
        1800.0
    """

    def __init__(self, interval: float = 1.0, timeout: float = 1800.0, clock: Clock | None = None) -> None:
        self.interval = interval
        self.timeout = timeout
        self.clock = clock
        self._cond = threading.Condition()
        self._waiting: dict[str, float] = {}
        self._results: dict[str, JobResult] = {}
        self._polling = False
        self._next_poll = 0.0

    def wait(self, client: KlaviyoClient, job_id: str) -> JobResult:
        """Block until ``job_id`` is complete or cancelled (or ``timeout``) and return its result."""
        clock = self.clock or client.clock
        with self._cond:
            self._waiting[job_id] = clock.monotonic()
        while True:
            with self._cond:
                if job_id in self._results:
                    return self._results.pop(job_id)
                if self._polling:
                    self._cond.wait(timeout=0.5)
                    continue
                self._polling = True
            try:
                pause = self._next_poll - clock.monotonic()
                if pause > 0:
                    clock.sleep(pause)
                self._poll(client, clock)
            finally:
                with self._cond:
                    self._next_poll = clock.monotonic() + self.interval
                    self._polling = False
                    self._cond.notify_all()

    def _poll(self, client: KlaviyoClient, clock: Clock) -> None:
        with self._cond:
            waiting = dict(self._waiting)
        if not waiting:
            return
        results = self.check(client, waiting, clock)
        with self._cond:
            for job_id, result in results.items():
                self._waiting.pop(job_id, None)
                self._results[job_id] = result

    def check(
        self, client: KlaviyoClient, waiting: Mapping[str, float], clock: Clock | None = None
    ) -> dict[str, JobResult]:
        """One round of polling: the results of the jobs in ``waiting`` (id -> when it was started) that ended.

        One ``GET /api/profile-bulk-import-jobs`` (the newest 100) covers them, or a few pages of it when more
        jobs were created since the oldest one followed (one page per 100 followed, and one more); a job not
        among those is read by id; import errors are read for finished jobs with failures. A job still
        running past ``timeout`` ends as ``"timeout"``. Jobs whose status could not be read this round are
        simply not in the answer (still running at Klaviyo: ask again next round). Nothing waits here:
        callers pace the rounds.

        Example:
            >>> # JobWatcher(interval=1.0).check(client, {"01J...": client.clock.monotonic()})
        """
        if not waiting:
            return {}
        now = (clock or self.clock or client.clock).monotonic()
        seen = _listed(client, waiting)
        if seen is None:
            return {}
        results: dict[str, JobResult] = {}
        for job_id, started in waiting.items():
            attributes = seen.get(job_id)
            if attributes is None:
                attributes = _read_job(client, job_id)  # older than the pages listed (many concurrent jobs)
            result = None if attributes is None else self._result(client, job_id, attributes, now - started)
            if result is not None:
                results[job_id] = result
        return results

    def _result(
        self, client: KlaviyoClient, job_id: str, attributes: dict[str, Any], waited: float
    ) -> JobResult | None:
        status = str(attributes.get("status") or "")
        if status in FINISHED:
            failed = int(attributes.get("failed_count") or 0)
            try:
                errors, payloads = import_errors(client, job_id) if failed else ((), ())
            except KlaviyoError as exc:
                log.warning("reading import errors of %s failed: %s", job_id, exc)
                return None
            return JobResult(job_id, status, errors, payloads, failed)
        if waited > self.timeout:
            return JobResult(job_id, "timeout")
        return None


_LISTING = {"sort": "-created_at", "fields[profile-bulk-import-job]": "status,failed_count"}


def _listed(client: KlaviyoClient, waiting: Mapping[str, float]) -> dict[str, dict[str, Any]] | None:
    """The newest jobs' attributes by id, page by page until every job of ``waiting`` is seen (None: no answer).

    At most one page (100 jobs) more than the jobs followed: a job older than that is read by id instead.
    """
    seen: dict[str, dict[str, Any]] = {}
    limit = 100 * (2 + (len(waiting) - 1) // 100)
    try:
        for item in paginate(client, "get_bulk_import_profiles_jobs", params=_LISTING, page_size=100, limit=limit):
            seen[str(item.get("id"))] = item.get("attributes") or {}
            if len(seen) % 100 == 0 and all(job in seen for job in waiting):
                break
    except KlaviyoError as exc:  # try again next interval; the jobs are still running at Klaviyo
        log.warning("listing import jobs failed: %s", exc)
        if not seen:
            return None
    return seen


def _read_job(client: KlaviyoClient, job_id: str) -> dict[str, Any] | None:
    try:
        return read_job(client, job_id)
    except KlaviyoError as exc:
        log.warning("reading import job %s failed: %s", job_id, exc)
        return None


@structs.frozen
class WatchingPoller(JobPoller):
    """A :class:`~connector.klaviyo.bulk.jobs.JobPoller` that waits through a shared :class:`JobWatcher`.

    Example:
        >>> WatchingPoller(watcher=JobWatcher()).watcher.interval
        1.0
    """

    watcher: JobWatcher = structs.field(kw_only=True, factory=JobWatcher)

    def wait(self, client: KlaviyoClient, job_id: str) -> JobResult:
        """Wait for ``job_id`` through the shared watcher."""
        return self.watcher.wait(client, job_id)
