"""Background worker for asynchronous jobs (profile bulk import).

Jobs are stored documents; the worker takes job ids from a queue and runs the processor registered for the
job's kind. Unfinished jobs found in a persisted database are queued again on start, so a restart does not
strand them.

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
import traceback
from collections.abc import Callable

from .store import Store

Processor = Callable[[Store, str], None]


class JobQueue:
    """A single worker thread processing jobs in submission order.

    Example:
        >>> JobQueue(Store(), {}).pending()
        0
    """

    def __init__(self, store: Store, processors: dict[str, Processor]) -> None:
        self.store = store
        self.processors = processors
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker and re-queue jobs left unfinished in the store.

        Example:
            >>> q = JobQueue(Store(), {}); q.start(); q.stop()
        """
        self._thread = threading.Thread(target=self._run, name="sandbox-jobs", daemon=True)
        self._thread.start()
        for kind in self.processors:
            for doc in self.store.all(kind):
                if doc.get("status") in ("queued", "processing"):
                    self.submit(kind, doc["id"])

    def submit(self, kind: str, job_id: str) -> None:
        """Queue a job for processing.

        Example:
            >>> JobQueue(Store(), {}).submit("x", "1")
        """
        self._queue.put((kind, job_id))

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
            except Exception:  # a bad job must not kill the worker for the jobs behind it
                traceback.print_exc(file=sys.stderr)
            finally:
                self._queue.task_done()
