"""Background worker for asynchronous jobs, and the job latency clients see.

Jobs are stored documents; the worker takes job ids from a queue and runs the processor registered for the
job's kind (``fallback`` for kinds without one: the spec-driven bulk jobs). Unfinished jobs found in a persisted
database are queued again on start, so a restart does not strand them.

**Job latency.** With ``latency`` S > 0 every job (profile bulk import, event bulk create, subscribe and
unsubscribe, catalog / coupon-code / suppression / data-privacy jobs ...) is *reported* in a non-final status
(``queued``, then ``processing``) until S seconds after it was created, however fast the worker was, so a client's
polling can be measured against Klaviyo-like job times. Its effects (profiles imported, consent recorded ...) are
applied when the worker gets to them, as before. S is in real seconds of ``clock`` (wall time by default): it is
not scaled by ``rate_limits="scale=F"``.

Example:
    >>> from .store import Store
    >>> done = []
    >>> q = JobQueue(Store(), {"demo": lambda store, job_id: done.append(job_id)})
    >>> q.start(); q.submit("demo", "J1"); q.wait_idle(); q.stop()
    >>> done
    ['J1']
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .store import Store

Processor = Callable[[Store, str], None]
Fallback = Callable[[Store, str, str], None]
FINAL = ("complete", "cancelled")


class JobQueue:
    """A single worker thread processing jobs in submission order.

    Example:
        >>> JobQueue(Store(), {}).pending()
        0
    """

    def __init__(
        self,
        store: Store,
        processors: dict[str, Processor],
        *,
        fallback: Fallback | None = None,
        latency: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if latency < 0:
            raise ValueError("job_latency must not be negative")
        self.store = store
        self.processors = processors
        self.fallback = fallback
        self.latency = latency
        self.clock = clock
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker and re-queue jobs left unfinished in the store.

        Example:
            >>> q = JobQueue(Store(), {}); q.start(); q.stop()
        """
        self._thread = threading.Thread(target=self._run, name="sandbox-jobs", daemon=True)
        self._thread.start()
        for kind in self.store.kinds():
            if kind not in self.processors and not (self.fallback and kind.endswith("-job")):
                continue
            for doc in self.store.all(kind):
                if doc.get("status") in ("queued", "processing"):
                    self.submit(kind, doc["id"])

    def submit(self, kind: str, job_id: str) -> None:
        """Queue a job for processing.

        Example:
            >>> JobQueue(Store(), {}).submit("x", "1")
        """
        self._queue.put((kind, job_id))

    def stamp(self, job: dict[str, Any]) -> dict[str, Any]:
        """Record a new job's creation time on the queue's clock (for :meth:`view`); returns the job.

        Example:
            >>> "_created" in JobQueue(Store(), {}, clock=lambda: 5.0).stamp({})
            True
        """
        job["_created"] = self.clock()
        return job

    def view(self, job: dict[str, Any]) -> dict[str, Any]:
        """The job as clients see it now: non-final until ``latency`` seconds after creation.

        Example:
            >>> q = JobQueue(Store(), {}, latency=10, clock=lambda: 100.0)
            >>> q.view({"status": "complete", "_created": 95.0, "completed_at": "x"})["status"]
            'processing'
            >>> q.view({"status": "complete", "_created": 80.0})["status"]
            'complete'
        """
        created = job.get("_created")
        if self.latency <= 0 or not isinstance(created, (int, float)):
            return job
        due = created + self.latency
        if self.clock() >= due:
            if job.get("status") in FINAL and job.get("completed_at"):
                stamp = datetime.fromtimestamp(due, timezone.utc).replace(microsecond=0).isoformat()
                return {**job, "completed_at": max(str(job["completed_at"]), stamp)}
            return job
        shown = dict(job)
        early = self.clock() - created < self.latency / 2 and job.get("status") == "queued"
        shown["status"] = "queued" if early else "processing"
        for key in ("completed_at",):
            if key in shown:
                shown[key] = None
        return shown

    def pending(self) -> int:
        """Number of jobs not yet finished by the worker.

        Example:
            >>> JobQueue(Store(), {}).pending()
            0
        """
        return self._queue.unfinished_tasks

    def wait_idle(self) -> None:
        """Block until every submitted job has been processed.

        Example:
            >>> q = JobQueue(Store(), {}); q.start(); q.wait_idle(); q.stop()
        """
        self._queue.join()

    def stop(self) -> None:
        """Stop the worker after the job in hand.

        Example:
            >>> JobQueue(Store(), {}).stop()
        """
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                kind, job_id = item
                processor = self.processors.get(kind)
                if processor is not None:
                    processor(self.store, job_id)
                elif self.fallback is not None:
                    self.fallback(self.store, kind, job_id)
            except Exception:  # a bad job must not kill the worker for the jobs behind it
                traceback.print_exc(file=sys.stderr)
            finally:
                self._queue.task_done()
