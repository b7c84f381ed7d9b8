"""The checkpointer: final outcomes written to the state, in batches, so a killed run resumes where it was.

A row is written only once its outcome is final: delivered (Klaviyo confirmed it: the request was
accepted, or its import job completed), rejected (with the reason and the input row, for the dead
letter file) or skipped (unchanged since the last sync). Outcomes are buffered and written in one
transaction every ``every`` seconds (on the injectable clock) or ``limit`` rows; the rows of a whole
import job that completed are written at once, straight from its compact form (no object per row).

Without ``--state`` the rows carry no digest and no identifiers: only reverse-ETL mode reads them.

Example:
    >>> from connector.apps.sync.state import SyncState
    >>> from connector.client.clock import FakeClock
    >>> st = SyncState(":memory:")
    >>> points = Checkpointer(st, "events:", FakeClock())
    >>> points.final(Done(1, "k1", None, "added", "delivered"))
    >>> st.counts("events:")["delivered"], points.finished
    (0, 1)
    >>> points.flush(force=True); st.counts("events:")["delivered"]
    1
"""

from __future__ import annotations

from collections.abc import Sequence

from connector.apps.sync.accepted import AcceptedJob
from connector.apps.sync.state import Done, SyncState
from connector.client.clock import Clock


class Checkpointer:
    """Buffers final outcomes of one run (``scope``) and writes them to ``state`` in batches."""

    def __init__(self, state: SyncState, scope: str, clock: Clock, *, every: float = 0.5, limit: int = 5000) -> None:
        self.state = state
        self.scope = scope
        self.clock = clock
        self.every = every
        self.limit = limit
        self.buffer: list[Done] = []
        #: Outcomes made final in this process (written or buffered) and how many of them are rejections.
        self.finished = 0
        self.rejected = 0
        self._last = clock.monotonic()

    def final(self, done: Done) -> None:
        """Record one final outcome (written with the next batch)."""
        self.buffer.append(done)
        self.finished += 1
        if done.status == "rejected":
            self.rejected += 1
        if len(self.buffer) >= self.limit:
            self.flush(force=True)

    def delivered(self, job: AcceptedJob, only: Sequence[int] | None = None) -> None:
        """Write the records of a completed import job (at the indexes ``only``, else all) as delivered, now,
        straight from its compact form.

        Example:
            >>> from connector.client.clock import FakeClock
            >>> st = SyncState(":memory:"); points = Checkpointer(st, "s", FakeClock())
            >>> points.delivered(AcceptedJob([], keep=False, reverse_etl=False)); points.finished
            0
        """
        if only is not None and not only:
            return
        job.mark_delivered(self.state, self.scope, only)
        self.finished += len(job) if only is None else len(only)

    def flush(self, force: bool = False) -> None:
        """Write the buffered outcomes if ``every`` seconds passed since the last write (or ``force``)."""
        now = self.clock.monotonic()
        if self.buffer and (force or now - self._last > self.every):
            self.state.mark(self.scope, self.buffer)
            self.buffer = []
            self._last = now
