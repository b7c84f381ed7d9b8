"""The sync engine: stream a file, diff it against the last sync, send in packed concurrent batches, checkpoint.

Flow of one run (``scope`` = kind and list):

1. open the SQLite state (``--state``) or a checkpoint file beside the input, and start or resume the run;
2. stream the rows, skipping those already final in this run (resume); in reverse-ETL mode compare each
   row's digest with the last successful sync and skip the unchanged;
3. pack rows into batches at Klaviyo's per-request limits and send them on a thread pool through the
   delivery layer (:mod:`connector.klaviyo.bulk.senders`), under the proactive limiter and AIMD throttle;
4. checkpoint every final outcome (delivered, rejected) as it arrives; re-queue retryable records with
   backoff, up to ``max_attempts``;
5. in reverse-ETL mode undo what disappeared from the source (remove from the list, unsubscribe);
6. write the dead letter file from the checkpoints, then (only when nothing is left to retry) move the
   baseline forward and drop the checkpoints in one transaction.

Example:
    >>> SyncSummary(kind="events", rows=2, added=2, delivered=1, rejected=1).balanced
    True
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import os
import sys
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from typing import IO, Any

import attrs

from connector.apps.sync.deadletter import write_dead_letters
from connector.apps.sync.diff import Change, Undo, classify, deletion_action
from connector.apps.sync.progress import Progress
from connector.apps.sync.readers import Row, open_rows
from connector.apps.sync.records import KINDS, RowRejected, SyncRecord, to_record, undo_resource
from connector.apps.sync.state import Done, SyncState
from connector.apps.sync.undo import REMOVE_MAX, remove_from_list
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk import senders as batching
from connector.klaviyo.bulk.chunking import ENVELOPE_BYTES, json_bytes
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord
from connector.klaviyo.bulk.watcher import JobWatcher, WatchingPoller
from connector.klaviyo.pacing.adaptive import SyncThrottle
from connector.klaviyo.pacing.limiter import RateLimiter

log = logging.getLogger("connector.apps.sync")

#: Records per request and bytes per request, per kind (Klaviyo's limits).
PACKING = {
    "profiles": batching.PROFILE_IMPORT_MAX,
    "events": batching.EVENTS_MAX,
    "subscriptions": batching.SUBSCRIBE_MAX,
}
UNDO_PACKING = {Undo.UNSUBSCRIBE: batching.UNSUBSCRIBE_MAX, Undo.REMOVE_FROM_LIST: REMOVE_MAX}
MAX_BYTES = batching.PAYLOAD_MAX_BYTES - ENVELOPE_BYTES
#: Records held in memory at once (in flight or waiting to be retried): bounds memory on any input size.
MAX_IN_FLIGHT = 40_000
#: The garbage collector's thresholds during a run (each at least this; see :func:`_fewer_collections`).
GC_THRESHOLDS = (10_000, 20, 20)


@attrs.frozen
class SyncSummary:
    """What a run did. ``delivered + rejected + pending == to_send`` (rows that needed sending plus undone deletions).

    Without ``--state`` every row is ``added``, so ``delivered + rejected == rows`` once nothing is pending.

    Example:
        >>> SyncSummary(kind="profiles", rows=3, added=3, delivered=3).to_json()["ok"]
        True
    """

    kind: str
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    invalid: int = 0
    deleted: int = 0
    deleted_ignored: int = 0
    deletions_held: int = 0
    delivered: int = 0
    rejected: int = 0
    pending: int = 0
    requests: int = 0
    throttled: int = 0
    seconds: float = 0.0
    resumed: bool = False
    dead_letter: str | None = None

    @property
    def to_send(self) -> int:
        """Records that needed sending: new, changed or unreadable rows, and deletions to undo."""
        return self.added + self.changed + self.invalid + self.deleted - self.deleted_ignored

    @property
    def balanced(self) -> bool:
        """Every record is accounted for: delivered, rejected or still pending."""
        return self.delivered + self.rejected + self.pending == self.to_send

    @property
    def ok(self) -> bool:
        """Nothing rejected and nothing left to retry."""
        return self.rejected == 0 and self.pending == 0

    def to_json(self) -> dict[str, Any]:
        """The summary as printed by ``klaviyo-connector sync``."""
        out = attrs.asdict(self)
        out.update(to_send=self.to_send, ok=self.ok, seconds=round(self.seconds, 3))
        return out


@attrs.define
class _Item:
    seq: int
    record: SyncRecord
    change: Change
    values: dict[str, Any] | None
    attempts: int = 0
    not_before: float = 0.0
    #: What is sent, with the resource encoded once: its bytes size the batch and become the request body.
    batch: BatchRecord | None = None


Sender = Callable[[list[BatchRecord]], list[RecordOutcome]]


def sync(
    kind: str,
    source: str | os.PathLike[str],
    *,
    list_id: str | None = None,
    state: str | os.PathLike[str] | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    dead_letter: str | os.PathLike[str] | IO[str] | None = None,
    client: KlaviyoClient,
    key: str | None = None,
    format: str | None = None,
    concurrency: int = 8,
    rate_scale: float = 1.0,
    batch_size: int | None = None,
    max_attempts: int = 8,
    retry_delay: float = 1.0,
    historical_import: bool = False,
    custom_source: str | None = None,
    progress: IO[str] | bool | None = None,
    throttle: SyncThrottle | None = None,
) -> SyncSummary:
    """Sync a CSV or JSONL file of ``kind`` (profiles, events, subscriptions) into Klaviyo.

    Args:
        kind: ``profiles``, ``events`` or ``subscriptions``.
        source: the input file (``.csv`` is CSV, anything else JSON lines; or pass ``format``).
        list_id: profiles are added to (and, in reverse-ETL mode, removed from) this list; subscriptions
            subscribe to it.
        state: the SQLite file of reverse-ETL mode: only rows added or changed since the last successful
            sync are sent, and deleted ones are undone. Without it every row is sent.
        checkpoint: where checkpoints go without ``state`` (default ``SOURCE.sync-checkpoint.sqlite``,
            removed when the run completes).
        dead_letter: JSONL of rejected records (default ``SOURCE.rejected.jsonl`` when any were rejected).
        client: the client to send with (the CLI builds it from the environment); its ``throttle`` is set
            for the run.
        key: the column that identifies a profile row (default external_id, else email, else phone).
        concurrency: most requests in flight per endpoint (the AIMD throttle adapts below it).
        rate_scale: Klaviyo's windows are this many times shorter (the sandbox's time-scaled limits).
        batch_size: fewer records per request than Klaviyo allows (benchmarks, debugging).
        max_attempts: sends of a record that keeps failing for reasons not its own before the run stops
            with it pending (a re-run resumes it).
        progress: a stream for the progress bar/lines (default stderr), or False for none.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "events.jsonl")
        >>> with open(path, "w") as f:
        ...     _ = f.write('{"metric": "Viewed", "email": "not-an-email"}\\n')
        >>> summary = sync("events", path, client=KlaviyoClient(None, base_url="http://127.0.0.1:9"), progress=False)
        >>> summary.rows, summary.rejected, summary.balanced
        (1, 1, True)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    started = time.monotonic()
    source_path = os.fspath(source)
    scope = f"{kind}:{list_id or ''}"
    reverse_etl = state is not None
    db_path = (
        os.fspath(state) if state is not None else os.fspath(checkpoint or source_path + ".sync-checkpoint.sqlite")
    )
    with ExitStack() as stack:
        stack.enter_context(_fewer_collections())
        throttle = throttle or SyncThrottle(
            RateLimiter(client.clock, scale=rate_scale), initial=min(4, concurrency), maximum=concurrency
        )
        previous = client.throttle
        client.throttle = throttle
        stack.callback(setattr, client, "throttle", previous)
        st = SyncState(db_path)
        stack.callback(st.close)
        stat = os.stat(source_path)
        fingerprint = hashlib.sha256(
            json.dumps([os.path.abspath(source_path), stat.st_size, stat.st_mtime_ns, kind, list_id, key]).encode()
        ).hexdigest()
        resumed = st.begin(scope, fingerprint)
        if resumed:
            log.info("resuming the interrupted %s sync of %s", kind, source_path)
        handle, reader = open_rows(source_path, format)
        stack.enter_context(handle)
        show = _progress(progress, stat.st_size, kind)
        if show is not None:
            stack.callback(show.close)  # the bar's line ends even when the run does not (Ctrl-C, an error)
        run = _Run(
            st=st,
            scope=scope,
            kind=kind,
            send=_sender(kind, client, list_id, rate_scale, historical_import, custom_source),
            batch=min(batch_size or PACKING[kind], PACKING[kind]),
            concurrency=concurrency,
            max_attempts=max_attempts,
            retry_delay=retry_delay / rate_scale,
            progress=show,
            reader_position=lambda: reader.position,
            historical_import=historical_import,
        )
        executor = stack.enter_context(ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sync"))
        run.executor = executor
        run.rows(_skip_done(reader, st.done_numbers(scope) if resumed else iter(())), reverse_etl, key)
        if reverse_etl:
            action = deletion_action(kind, list_id)
            run.deletions(action, _undo_sender(action, client, list_id), UNDO_PACKING.get(action, 100))
        run.drain()
        if show is not None:
            show.close()
        counts = st.counts(scope)
        rejected = counts["rejected"]
        letters: str | None = None
        if rejected or dead_letter is not None:
            target: str | os.PathLike[str] | IO[str] = dead_letter or source_path + ".rejected.jsonl"
            write_dead_letters(target, st.rejected(scope))
            letters = os.fspath(target) if isinstance(target, (str, os.PathLike)) else None
        pending = run.pending
        if not pending:
            st.finish(scope, keep_baseline=reverse_etl)
        st.close()
        if not pending and not reverse_etl:
            _remove_checkpoint(db_path)
        return SyncSummary(
            kind=kind,
            rows=counts["added"] + counts["changed"] + counts["unchanged"] + counts["invalid"] + run.pending_rows,
            added=counts["added"] + run.pending_by_change.get(Change.ADDED, 0),
            changed=counts["changed"] + run.pending_by_change.get(Change.CHANGED, 0),
            unchanged=counts["unchanged"],
            invalid=counts["invalid"],
            deleted=counts["deleted"] + run.pending_by_change.get(Change.DELETED, 0),
            deleted_ignored=counts["deleted:skipped"],
            deletions_held=run.deletions_held,
            delivered=counts["delivered"],
            rejected=rejected,
            pending=pending,
            requests=sum(throttle.requests.values()),
            throttled=sum(throttle.throttled.values()),
            seconds=time.monotonic() - started,
            resumed=resumed,
            dead_letter=letters,
        )
    raise AssertionError("unreachable")  # pragma: no cover


class _Run:
    """The mutable state of one run's send loop (main thread only; workers only call ``send``)."""

    def __init__(
        self,
        *,
        st: SyncState,
        scope: str,
        kind: str,
        send: Sender,
        batch: int,
        concurrency: int,
        max_attempts: int,
        retry_delay: float,
        progress: Progress | None,
        reader_position: Callable[[], int],
        historical_import: bool = False,
    ) -> None:
        self.st = st
        self.scope = scope
        self.kind = kind
        self.send = send
        self.batch = batch
        self.max_in_flight = max(batch * 2, min(MAX_IN_FLIGHT, batch * concurrency * 2))
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.progress = progress
        self.position = reader_position
        self.executor: ThreadPoolExecutor | None = None
        self.inflight: dict[Future[list[RecordOutcome]], tuple[Sender, list[_Item]]] = {}
        self.holding = 0
        self.buffer: list[_Item] = []
        self.buffer_bytes = 0
        self.retries: deque[tuple[Sender, _Item]] = deque()
        self.done: list[Done] = []
        self.finished = 0
        self.rejected = 0
        self.retried = 0
        self.pending = 0
        self.pending_rows = 0
        self.pending_by_change: dict[Change, int] = {}
        self.deletions_held = 0
        self._added = 0
        self.historical_import = historical_import
        self.last_flush = time.monotonic()

    # -- input ---------------------------------------------------------------------------------

    def rows(self, rows: Iterator[Row], reverse_etl: bool, key: str | None) -> None:
        for row in rows:
            if row.values is None:
                self._final(Done(row.number, None, None, "invalid", "rejected", row.error))
                continue
            try:
                record = to_record(self.kind, row.values, key_column=key, historical_import=self.historical_import)
            except RowRejected as exc:
                # With its key kept, a row synced before and rejected now is "seen": its baseline stays and
                # it is not undone as a deletion.
                self._final(Done(row.number, exc.key, None, "invalid", "rejected", exc.reason, row.values))
                continue
            change = classify(self.st.baseline(self.scope, record.key), record.digest) if reverse_etl else Change.ADDED
            if change is Change.UNCHANGED:
                self._final(Done(row.number, record.key, record.digest, change.value, "skipped"))
                continue
            self._add(self.send, _Item(row.number, record, change, row.values), self.batch)
        self._submit(self.send)

    def deletions(self, action: Undo, send: Sender | None, packing: int) -> None:
        self._wait_all()  # rows first: every row's outcome must be checkpointed before "not seen" means deleted
        self._flush(force=True)
        if self.pending:
            # A row still pending is not in the checkpoints: it would look deleted. Undo nothing this run.
            log.warning("deletions are not undone while rows are pending; run the sync again")
            return
        unkeyed = self.st.unkeyed_rejections(self.scope)
        if unkeyed:
            # An unreadable row's key is unknown: it may be a row synced before. Undoing "deletions" now
            # could remove a record that is still in the source, so none are undone until the input is fixed.
            self.deletions_held = self.st.count_deleted(self.scope)
            log.warning(
                "%d unreadable row(s) without a key: %d deletion(s) not undone this run (fix the rows and run again)",
                unkeyed,
                self.deletions_held,
            )
            return
        after = ""
        seq = self.st.next_deletion_seq(self.scope)
        while True:
            found = self.st.deleted(self.scope, after)
            if not found:
                break
            for key, identity in found:
                after = key
                record = SyncRecord(key, "", dict(identity), identity)
                if action is Undo.IGNORE or send is None:
                    self._final(Done(seq, key, None, Change.DELETED.value, "skipped"))
                else:
                    if action is Undo.UNSUBSCRIBE:
                        record = attrs.evolve(record, resource=undo_resource(self.kind, identity))
                    self._add(send, _Item(seq, record, Change.DELETED, dict(identity)), packing)
                seq -= 1
            if send is not None:
                self._submit(send)

    # -- batching and sending ------------------------------------------------------------------

    def _add(self, send: Sender, item: _Item, packing: int) -> None:
        rec = item.record
        encoded = json_bytes(rec.resource)
        item.batch = BatchRecord(item.seq, rec.resource, rec.dedupe_key, encoded)
        size = len(encoded) + 1
        if self.buffer and (len(self.buffer) >= packing or self.buffer_bytes + size > MAX_BYTES):
            self._submit(send)
        if self.holding >= self.max_in_flight:
            # Full: send what is buffered (else nothing could free a place) and wait for outcomes.
            self._submit(send)
            while self.holding >= self.max_in_flight:
                self._collect(block=True)
        self.buffer.append(item)
        self.buffer_bytes += size
        self.holding += 1
        self._added += 1
        if self._added % 256 == 0:  # collecting after every row cost more than mapping it
            self._collect(block=False)

    def _submit(self, send: Sender) -> None:
        if not self.buffer:
            return
        items, self.buffer, self.buffer_bytes = self.buffer, [], 0
        # Enough batches in flight to keep every worker busy; more would only hold memory.
        while len(self.inflight) >= self.concurrency * 2:
            self._collect(block=True)
        assert self.executor is not None
        records = [_batch(i) for i in items]
        self.inflight[self.executor.submit(send, records)] = (send, items)

    def _collect(self, *, block: bool) -> None:
        self._requeue()
        if self.inflight:
            done, _ = wait(list(self.inflight), timeout=0.2 if block else 0, return_when=FIRST_COMPLETED)
            for future in done:
                send, items = self.inflight.pop(future)
                try:
                    outcomes = future.result()
                except Exception as exc:  # a bug or an unexpected failure: the records are not lost, only retried
                    log.exception("a batch failed unexpectedly")
                    outcomes = [RecordOutcome(i.seq, Status.RETRYABLE, f"unexpected error: {exc}") for i in items]
                for item, outcome in zip(items, outcomes, strict=True):
                    self._outcome(send, item, outcome)
        elif block and self.retries:
            time.sleep(min(0.2, max(0.0, self.retries[0][1].not_before - time.monotonic())))
        self._flush()

    def _outcome(self, send: Sender, item: _Item, outcome: RecordOutcome) -> None:
        if outcome.status is Status.RETRYABLE:
            item.attempts += 1
            self.retried += 1
            if item.attempts < self.max_attempts:
                item.not_before = time.monotonic() + min(30.0, self.retry_delay * 2 ** (item.attempts - 1))
                self.retries.append((send, item))
                return
            log.warning("row %s still not delivered after %d attempts: %s", item.seq, item.attempts, outcome.reason)
            self.pending += 1
            self.pending_rows += item.seq > 0
            self.pending_by_change[item.change] = self.pending_by_change.get(item.change, 0) + 1
            self.holding -= 1
            return
        self.holding -= 1
        status = "delivered" if outcome.status is Status.DELIVERED else "rejected"
        record = item.values if status == "rejected" else None
        rec = item.record
        self._final(
            Done(item.seq, rec.key, rec.digest or None, item.change.value, status, outcome.reason, record, rec.identity)
        )

    def _requeue(self) -> None:
        now = time.monotonic()
        ready: dict[int, tuple[Sender, list[_Item]]] = {}
        while self.retries and self.retries[0][1].not_before <= now:
            send, item = self.retries.popleft()
            ready.setdefault(id(send), (send, []))[1].append(item)
        for send, items in ready.values():
            for chunk_start in range(0, len(items), self.batch):
                chunk = items[chunk_start : chunk_start + self.batch]
                assert self.executor is not None
                records = [_batch(i) for i in chunk]
                self.inflight[self.executor.submit(send, records)] = (send, chunk)

    def _final(self, done: Done) -> None:
        self.done.append(done)
        self.finished += 1
        if done.status == "rejected":
            self.rejected += 1
        if len(self.done) >= 5000:
            self._flush(force=True)

    def _flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.done and (force or now - self.last_flush > 0.5):
            self.st.mark(self.scope, self.done)
            self.done = []
            self.last_flush = now
        if self.progress is not None:
            self.progress.update(
                done=self.finished, rejected=self.rejected, retries=self.retried, position=self.position()
            )

    def _wait_all(self) -> None:
        while self.inflight or self.retries:
            self._collect(block=True)

    def drain(self) -> None:
        self._wait_all()
        self._flush(force=True)
        if self.progress is not None:
            self.progress.update(
                done=self.finished, rejected=self.rejected, retries=self.retried, position=self.position(), force=True
            )


# -- helpers -------------------------------------------------------------------------------------


def _batch(item: _Item) -> BatchRecord:
    assert item.batch is not None  # set by _add
    return item.batch


def _skip_done(rows: Iterator[Row] | Any, done: Iterator[int]) -> Iterator[Row]:
    """Rows whose number is not among ``done`` (ascending; loaded into a compact array: 8 bytes a row).

    Example:
        >>> [r.number for r in _skip_done(iter([Row(1, {}), Row(2, {}), Row(3, {})]), iter([2, 5]))]
        [1, 3]
    """
    finished = array("q", done)
    if not finished:
        yield from rows
        return
    index = 0
    for row in rows:
        # Both ascend: a merge, not a search per row.
        while index < len(finished) and finished[index] < row.number:
            index += 1
        if index < len(finished) and finished[index] == row.number:
            continue
        yield row


def _sender(
    kind: str,
    client: KlaviyoClient,
    list_id: str | None,
    rate_scale: float,
    historical_import: bool,
    custom_source: str | None,
) -> Sender:
    if kind == "profiles":
        poller = WatchingPoller(watcher=JobWatcher(interval=max(0.02, 1.0 / rate_scale)))
        return lambda records: batching.import_profiles(client, records, list_id=list_id, poller=poller)
    if kind == "events":
        return lambda records: batching.create_events(client, records)
    return lambda records: batching.subscribe_profiles(
        client, records, list_id=list_id, custom_source=custom_source, historical_import=historical_import
    )


def _undo_sender(action: Undo, client: KlaviyoClient, list_id: str | None) -> Sender | None:
    if action is Undo.UNSUBSCRIBE:
        return lambda records: batching.unsubscribe_profiles(client, records, list_id=list_id)
    if action is Undo.REMOVE_FROM_LIST and list_id:
        return lambda records: remove_from_list(client, list_id, records)
    return None


def _progress(progress: IO[str] | bool | None, total: int, kind: str) -> Progress | None:
    if progress is False:
        return None
    stream = sys.stderr if progress is None or progress is True else progress
    return Progress(stream, total_bytes=total, label=f"sync {kind}")


_gc_lock = threading.Lock()
_gc_runs = 0
_gc_before: tuple[int, int, int] = (700, 10, 10)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Raise the garbage collector's thresholds while a run is going, and restore them after.

    A run keeps up to ``MAX_IN_FLIGHT`` records alive, a dozen containers each: with the default
    thresholds the collector traversed them all over and over (13 us a row, a fifth of the sync's CPU,
    measured on 100,000 profiles). The engine makes no reference cycles; cycles made elsewhere are still
    collected, only less often. Concurrent runs restore the thresholds once the last one ends.

    Example:
        >>> before = gc.get_threshold()
        >>> with _fewer_collections():
        ...     gc.get_threshold()[0] >= GC_THRESHOLDS[0]
        True
        >>> gc.get_threshold() == before
        True
    """
    global _gc_runs, _gc_before
    with _gc_lock:
        if _gc_runs == 0:
            _gc_before = gc.get_threshold()
            gc.set_threshold(*(max(now, ours) for now, ours in zip(_gc_before, GC_THRESHOLDS, strict=True)))
        _gc_runs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_runs -= 1
            if _gc_runs == 0:
                gc.set_threshold(*_gc_before)


def _remove_checkpoint(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path + suffix)
