"""The sync engine: stream a file, diff it against the last sync, pack, send, follow jobs, checkpoint.

:func:`sync` composes named parts, one module each:

- :class:`~connector.apps.sync.options.SyncOptions`: what the run is asked to do;
- the reader (:mod:`~connector.apps.sync.readers`): rows one at a time, each with its byte offset and line;
- the columns (:mod:`~connector.apps.sync.columns`): which column is which field, read from the CSV header
  once (with ``column_map`` and ``column_types``) and refused before anything is sent when it is ambiguous;
- the mapping (:mod:`~connector.apps.sync.records`, :mod:`~connector.apps.sync.diff`): row to record, or
  to its final outcome (unreadable, invalid, unchanged since the last sync);
- the packer (:mod:`~connector.apps.sync.packer`): each record encoded once and placed in its request at
  Klaviyo's limits (:mod:`connector.klaviyo.bulk.limits`), one pass;
- the dispatcher (:mod:`~connector.apps.sync.dispatcher`): requests on a thread pool through the bulk
  senders (:mod:`connector.klaviyo.bulk.senders`) under the proactive limiter and AIMD throttle; import
  jobs followed (one listing call a round), at most ``max_jobs_in_flight`` at once, kept compact while
  Klaviyo works on them (:mod:`~connector.apps.sync.accepted`);
- the retry queue (:mod:`~connector.apps.sync.retry`) and the checkpointer
  (:mod:`~connector.apps.sync.checkpointer`) writing final outcomes to the state
  (:mod:`~connector.apps.sync.state`); then the dead letter file (:mod:`~connector.apps.sync.deadletter`).

Flow of one run (``scope`` = kind and list):

1. open the SQLite state (``--state``) or a checkpoint file beside the input, and start or resume the run;
2. stream the rows, skipping those already final in this run (resume); in reverse-ETL mode compare each
   row's digest with the last successful sync and skip the unchanged;
3. pack and send; checkpoint every final outcome (delivered, rejected) as it arrives;
4. in reverse-ETL mode undo what disappeared from the source (remove from the list, unsubscribe);
5. write the dead letter file from the checkpoints, then (only when nothing is left to retry) move the
   baseline forward and drop the checkpoints in one transaction.

Three retry layers, each for its own failures:

1. **The client's** :class:`~connector.client.retry.RetryPolicy`, inside every request: 429 (waiting for
   ``Retry-After``), 5xx and dropped connections (every bulk request is ``retry_safe``), a few quick
   retries with backoff on the client's clock. What it gives up on raises to the sender.
2. **The bulk sender's per-record outcomes** (:mod:`connector.klaviyo.bulk.senders`): a request Klaviyo
   refused because of some records (400/409/413/422 whose errors point at records) is re-sent at once
   without them, which are rejected with Klaviyo's reason (an unnamed 413 is split in halves); an import
   job's errors reject the records they name. What layer 1 gave up on, and jobs that were cancelled or
   did not finish, come back *retryable*; nothing is dropped.
3. **The engine's retry queue** (:class:`~connector.apps.sync.retry.RetryQueue`): retryable records are
   sent again later in new requests, after ``retry_delay * 2**(n-1)`` seconds (at most 30) on the
   client's clock, up to ``max_attempts`` sends; then the run ends with them *pending* (exit code 5), and
   running the same command again resumes them.

A rejection (the record's own data) is final: it goes to the dead letter file, never back into a request.

Example:
    >>> SyncSummary(kind="events", rows=2, added=2, delivered=1, rejected=1).balanced
    True
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import sys
import time
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import IO, Any

import attrs

from connector.apps.gc_pause import fewer_collections
from connector.apps.sync.accepted import AcceptedJob, Rebuild
from connector.apps.sync.checkpointer import Checkpointer
from connector.apps.sync.columns import KINDS, Columns
from connector.apps.sync.deadletter import write_dead_letters
from connector.apps.sync.diff import Change, Undo, classify, deletion_action
from connector.apps.sync.dispatcher import Accepted, Answered, ClientJobs, Dispatcher, Ended, Event, Jobs, Route, Send
from connector.apps.sync.options import SyncOptions
from connector.apps.sync.packer import Item, Outgoing, RecordPacker
from connector.apps.sync.progress import Progress
from connector.apps.sync.readers import Row, RowReader, SourceRows, open_rows
from connector.apps.sync.records import RowRejected, SyncRecord, to_record, undo_resource
from connector.apps.sync.retry import RetryQueue
from connector.apps.sync.state import Done, SyncState
from connector.apps.sync.undo import REMOVE_LIMITS, remove_from_list
from connector.client.clock import Clock
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.limits import EVENT_BULK_CREATE, PROFILE_IMPORT, SUBSCRIBE, UNSUBSCRIBE, RequestLimits
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord, event_bulk_create, profile_import, subscribe, unsubscribe
from connector.klaviyo.bulk.watcher import JobWatcher
from connector.klaviyo.pacing.adaptive import PacingThrottle, paced
from connector.klaviyo.pacing.limiter import RateLimiter

log = logging.getLogger("connector.apps.sync")

#: One packed request in, one outcome per record out (the name the engine's tests patch senders with).
Sender = Send
#: Each kind's bulk operation (its per-request limits).
LIMITS: dict[str, RequestLimits] = {"profiles": PROFILE_IMPORT, "events": EVENT_BULK_CREATE, "subscriptions": SUBSCRIBE}
#: Records per request, per kind (Klaviyo's limits).
PACKING = {kind: limits.max_records for kind, limits in LIMITS.items()}
UNDO_LIMITS = {Undo.UNSUBSCRIBE: UNSUBSCRIBE, Undo.REMOVE_FROM_LIST: REMOVE_LIMITS}
#: Records held whole in memory at once (packed, being sent, or waiting to be retried): bounds memory on any
#: input size. Records of accepted import jobs are held compact instead, up to ``max_jobs_in_flight`` jobs.
MAX_IN_FLIGHT = 40_000


def window_cap(batch: int, concurrency: int) -> int:
    """Whole records a run holds at most: enough requests to keep every worker busy, at most ``MAX_IN_FLIGHT``.

    Example:
        >>> window_cap(PACKING["profiles"], 8), window_cap(50, 4)
        (40000, 400)
    """
    return max(batch * 2, min(MAX_IN_FLIGHT, batch * concurrency * 2))


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


def sync(
    kind: str, source: str | os.PathLike[str], *, client: KlaviyoClient, options: SyncOptions | None = None
) -> SyncSummary:
    """Sync a CSV or JSONL file of ``kind`` (profiles, events, subscriptions) into Klaviyo.

    Args:
        kind: ``profiles``, ``events`` or ``subscriptions``.
        source: the input file (``.csv`` is CSV, anything else JSON lines; or set ``options.format``).
        client: the client to send with (the CLI builds it from the environment); its ``throttle`` is set
            for the run.
        options: everything else (:class:`~connector.apps.sync.options.SyncOptions`; default: send every
            row, no list, Klaviyo's real limits).

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "events.jsonl")
        >>> with open(path, "w") as f:
        ...     _ = f.write('{"metric": "Viewed", "email": "not-an-email"}\\n')
        >>> client = KlaviyoClient(None, base_url="http://127.0.0.1:9")
        >>> summary = sync("events", path, client=client, options=SyncOptions(progress=False))
        >>> summary.rows, summary.rejected, summary.balanced
        (1, 1, True)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    options = options or SyncOptions()
    started = time.monotonic()
    path = os.fspath(source)
    scope = options.scope(kind)
    with ExitStack() as stack:
        handle, reader = open_rows(path, options.format)
        stack.enter_context(handle)
        columns = read_columns(kind, reader, options)  # its mistakes refused before a file is written
        stack.enter_context(fewer_collections())
        throttle = _use_throttle(client, options, stack)
        st = SyncState(options.database(path))
        stack.callback(st.close)
        stat = os.stat(path)
        resumed = st.begin(scope, _fingerprint(path, stat, kind, options))
        if resumed:
            log.info("resuming the interrupted %s sync of %s", kind, path)
        show = _progress(options.progress, stat.st_size, kind, client.clock)
        if show is not None:
            stack.callback(show.close)  # the bar's line ends even when the run does not (Ctrl-C, an error)
        mapper = _Mapper(kind, options, st, scope, columns)
        loop = _open_loop(kind, client, options, mapper, reader, show, stack)
        loop.rows(_skip_done(reader, st.done_numbers(scope) if resumed else iter(())), mapper)
        if options.reverse_etl:
            action = deletion_action(kind, options.list_id)
            loop.deletions(st, kind, action, _undo_route(action, client, options))
        loop.drain()
        if show is not None:
            show.close()
        return _conclude(kind, path, options, st, loop, throttle, resumed, time.monotonic() - started)
    raise AssertionError("unreachable")  # pragma: no cover


def read_columns(kind: str, reader: RowReader, options: SyncOptions) -> Columns:
    """How the input's columns are read: from the CSV header (read now), or JSON lines' keys as they are.

    A mistake in the header, ``column_map``, ``column_types`` or ``key`` is an :class:`InputError` here,
    before any request.

    Example:
        >>> import io
        >>> reader = RowReader(io.StringIO("E-mail,Plan\\n"), "csv")
        >>> read_columns("profiles", reader, SyncOptions(column_types={"plan": "string"})).source("email")
        'E-mail'
    """
    if reader.format == "jsonl":
        if options.column_map or options.column_types:
            raise InputError("--map and --types name CSV columns; JSON lines are read by their keys", label="sync")
        return Columns.for_objects(kind, key=options.key)
    header = reader.read_header()
    if header is None:  # an empty file: no column to check, no row to read
        return Columns.for_header(kind, [])
    return Columns.for_header(
        kind, header, column_map=options.column_map, column_types=options.column_types, key=options.key
    )


def _use_throttle(client: KlaviyoClient, options: SyncOptions, stack: ExitStack) -> PacingThrottle:
    """The run's throttle, set on ``client`` until the run ends."""
    throttle = options.throttle or PacingThrottle(
        RateLimiter(client.clock, scale=options.rate_scale),
        initial=min(4, options.concurrency),
        maximum=options.concurrency,
    )
    return stack.enter_context(paced(client, throttle))


def _fingerprint(path: str, stat: os.stat_result, kind: str, options: SyncOptions) -> str:
    """The input and options a run's checkpoints belong to (another input or options start a new run)."""
    what: list[Any] = [os.path.abspath(path), stat.st_size, stat.st_mtime_ns, kind, options.list_id, options.key]
    if options.column_map or options.column_types:  # only then: earlier runs' checkpoints stay theirs
        what += [sorted(options.column_map.items()), sorted(options.column_types.items())]
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()


def _open_loop(
    kind: str,
    client: KlaviyoClient,
    options: SyncOptions,
    mapper: _Mapper,
    reader: RowReader,
    show: Progress | None,
    stack: ExitStack,
) -> _Loop:
    """The send loop of a run, with its parts built from ``options``."""
    pool = stack.enter_context(ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix="sync"))
    polls = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-poll"))
    clock = client.clock
    dispatcher = Dispatcher(
        clock, concurrency=options.concurrency, max_jobs=options.max_jobs_in_flight, executor=pool, poller=polls
    )
    route = _route(_sender(kind, client, options), LIMITS[kind], options.batch_size)
    again = _rows_again(reader, stack)
    rebuild: Rebuild | None = None
    if again is not None:
        rebuild = functools.partial(_rebuild, again, mapper)

    def progress(force: bool) -> None:
        if show is not None:
            tally, points = loop.tally, loop.points
            show.update(
                done=points.finished,
                earlier=reader.rows - tally.entered,  # rows an interrupted run finished: skipped on resume
                read=reader.rows + tally.undoing,
                position=reader.position,
                read_all=tally.read_all,
                rejected=points.rejected,
                retries=tally.retried,
                force=force,
            )

    loop = _Loop(
        route=route,
        dispatcher=dispatcher,
        retries=RetryQueue(clock, delay=options.retry_delay / options.rate_scale, max_attempts=options.max_attempts),
        points=Checkpointer(mapper.state, mapper.scope, clock),
        window=_Window(window_cap(route.packer.max_records, options.concurrency)),
        clock=clock,
        rebuild=rebuild,
        reverse_etl=options.reverse_etl,
        show=progress,
    )
    return loop


def _rows_again(reader: RowReader, stack: ExitStack) -> SourceRows | None:
    """Random access to the input's rows, when it can be read again (a regular file; not a pipe)."""
    if not reader.stream.seekable():
        return None
    again = SourceRows(reader.stream.name, reader, stat=os.fstat(reader.stream.fileno()))
    stack.callback(again.close)
    return again


def _rebuild(again: SourceRows, mapper: _Mapper, offset: int, seq: int, line: int) -> Item | None:
    """Row ``seq`` read again at ``offset`` and mapped again (None when it is not the same row any more)."""
    row = again.row(offset, seq, line)
    got = mapper.item(row) if row is not None else None
    return got if isinstance(got, Item) else None


def _conclude(
    kind: str,
    path: str,
    options: SyncOptions,
    st: SyncState,
    loop: _Loop,
    throttle: PacingThrottle,
    resumed: bool,
    seconds: float,
) -> SyncSummary:
    """Write the dead letter file, close the run (when nothing is pending) and sum it up."""
    scope = options.scope(kind)
    counts = st.counts(scope)
    rejected = counts["rejected"]
    letters: str | None = None
    if rejected or options.dead_letter is not None:
        target: str | os.PathLike[str] | IO[str] = options.dead_letter or path + ".rejected.jsonl"
        write_dead_letters(target, st.rejected(scope))
        letters = os.fspath(target) if isinstance(target, (str, os.PathLike)) else None
    tally = loop.tally
    if not tally.pending:
        st.finish(scope, keep_baseline=options.reverse_etl)
    st.close()
    if not tally.pending and not options.reverse_etl:
        _remove_checkpoint(options.database(path))
    pending = tally.pending_by_change
    return SyncSummary(
        kind=kind,
        rows=counts["added"] + counts["changed"] + counts["unchanged"] + counts["invalid"] + tally.pending_rows,
        added=counts["added"] + pending.get(Change.ADDED, 0),
        changed=counts["changed"] + pending.get(Change.CHANGED, 0),
        unchanged=counts["unchanged"],
        invalid=counts["invalid"],
        deleted=counts["deleted"] + pending.get(Change.DELETED, 0),
        deleted_ignored=counts["deleted:skipped"],
        deletions_held=tally.deletions_held,
        delivered=counts["delivered"],
        rejected=rejected,
        pending=tally.pending,
        requests=sum(throttle.requests.values()),
        throttled=sum(throttle.throttled.values()),
        seconds=seconds,
        resumed=resumed,
        dead_letter=letters,
    )


@attrs.frozen
class _Mapper:
    """A row to the item to send, or to the row's final outcome (unreadable, invalid, unchanged)."""

    kind: str
    options: SyncOptions
    state: SyncState
    scope: str
    columns: Columns

    def item(self, row: Row) -> Item | Done:
        if row.values is None:
            return Done(row.number, None, None, "invalid", "rejected", row.error, line=row.line or None)
        options = self.options
        try:
            record = to_record(
                self.kind,
                row.values,
                columns=self.columns,
                historical_import=options.historical_import,
                hashed=options.reverse_etl,
            )
        except RowRejected as exc:
            # With its key kept, a row synced before and rejected now is "seen": its baseline stays and
            # it is not undone as a deletion.
            return Done(row.number, exc.key, None, "invalid", "rejected", exc.reason, row.values, line=row.line or None)
        change = Change.ADDED
        if options.reverse_etl:
            change = classify(self.state.baseline(self.scope, record.key), record.digest)
            if change is Change.UNCHANGED:
                return Done(row.number, record.key, record.digest, change.value, "skipped")
        return Item(row.number, record, change, row.values, row.offset, line=row.line)


@attrs.define
class _Window:
    """Whole records held (packed, being sent, waiting for a retry), at most ``cap`` before waiting."""

    cap: int
    held: int = 0

    @property
    def full(self) -> bool:
        return self.held >= self.cap


@attrs.define
class _Tally:
    """What the loop counts besides the checkpoints: rows taken in (after those a resumed run skips) and
    whether the input was read to its end, deletions to undo, retries, records left pending, deletions held back.
    """

    entered: int = 0
    read_all: bool = False
    undoing: int = 0
    retried: int = 0
    pending: int = 0
    pending_rows: int = 0
    pending_by_change: dict[Change, int] = attrs.Factory(dict)
    deletions_held: int = 0

    def pend(self, item: Item) -> None:
        self.pending += 1
        self.pending_rows += item.seq > 0
        self.pending_by_change[item.change] = self.pending_by_change.get(item.change, 0) + 1


@attrs.define(kw_only=True)
class _Loop:
    """The send loop of one run (main thread only): rows in, packed requests out, outcomes to checkpoints."""

    route: Route
    dispatcher: Dispatcher
    retries: RetryQueue[tuple[Route, BatchRecord]]
    points: Checkpointer
    window: _Window
    clock: Clock
    rebuild: Rebuild | None
    reverse_etl: bool
    show: Any  # Callable[[bool], None]: progress
    accepted: dict[str, AcceptedJob] = attrs.Factory(dict)
    ready: list[tuple[Route, list[BatchRecord]]] = attrs.Factory(list)
    tally: _Tally = attrs.Factory(_Tally)

    # -- input ---------------------------------------------------------------------------------

    def rows(self, rows: Iterator[Row], mapper: _Mapper) -> None:
        route, tally = self.route, self.tally
        for count, row in enumerate(rows, 1):
            tally.entered = count
            got = mapper.item(row)
            if isinstance(got, Item):
                self.add(route, got)
            else:
                self.points.final(got)
            if count % 256 == 0:  # collecting after every row cost more than mapping it
                self.step(block=False)
        tally.read_all = True
        self.dispatch(route, route.packer.take())

    def deletions(self, st: SyncState, kind: str, action: Undo, route: Route | None) -> None:
        """Undo the keys of the last successful sync that this run did not see (after every row's outcome)."""
        self.settle()
        self.points.flush(force=True)
        scope = self.points.scope
        if self.tally.pending:
            # A row still pending is not in the checkpoints: it would look deleted. Undo nothing this run.
            log.warning("deletions are not undone while rows are pending; run the sync again")
            return
        unkeyed = st.unkeyed_rejections(scope)
        if unkeyed:
            # An unreadable row's key is unknown: it may be a row synced before. Undoing "deletions" now
            # could remove a record that is still in the source, so none are undone until the input is fixed.
            self.tally.deletions_held = st.count_deleted(scope)
            log.warning(
                "%d unreadable row(s) without a key: %d deletion(s) not undone this run (fix the rows and run again)",
                unkeyed,
                self.tally.deletions_held,
            )
            return
        after, seq = "", st.next_deletion_seq(scope)
        while found := st.deleted(scope, after):
            for key, identity in found:
                after = key
                self.tally.undoing += 1
                if route is None:
                    self.points.final(Done(seq, key, None, Change.DELETED.value, "skipped"))
                else:
                    resource = undo_resource(kind, identity) if action is Undo.UNSUBSCRIBE else dict(identity)
                    self.add(route, Item(seq, SyncRecord(key, "", resource, identity), Change.DELETED, dict(identity)))
                seq -= 1
            if route is not None:
                self.dispatch(route, route.packer.take())

    # -- packing and sending -------------------------------------------------------------------

    def add(self, route: Route, item: Item) -> None:
        packer = route.packer
        record = packer.encode(item)
        refused = packer.too_big(record)
        if refused is not None:
            self.points.final(_done(item, refused, self.reverse_etl))
            return
        if not packer.fits(record):
            self.dispatch(route, packer.take())
        if self.window.full:
            # Full: send what is packed (else nothing could free a place) and wait for outcomes.
            self.dispatch(route, packer.take())
            while self.window.full:
                self.step(block=True)
        packer.add(record)
        self.window.held += 1

    def dispatch(self, route: Route, records: list[BatchRecord]) -> None:
        if not records:
            return
        while not self.dispatcher.room(route):
            self.step(block=True)
        self.dispatcher.submit(route, records)

    def step(self, *, block: bool) -> None:
        """Send what is due again, take what ended (waiting up to 0.2 s for something if ``block``), checkpoint."""
        self._resend()
        timeout = 0.0
        if block:
            retry_in = self.retries.wait()
            if retry_in is not None and not self.dispatcher.busy and not self.ready:
                self.clock.sleep(min(0.2, retry_in))
            else:
                timeout = 0.2 if retry_in is None else min(0.2, retry_in)
        for event in self.dispatcher.collect(timeout):
            self._handle(event)
        self.points.flush()
        self.show(False)

    def _resend(self) -> None:
        due = self.retries.due()
        if due:
            by_route: dict[int, tuple[Route, list[BatchRecord]]] = {}
            for route, record in due:
                by_route.setdefault(id(route), (route, []))[1].append(record)
            for route, records in by_route.values():
                self.ready.extend((route, chunk) for chunk in route.packer.pack(records))
        while self.ready and self.dispatcher.room(self.ready[0][0]):
            self.dispatcher.submit(*self.ready.pop(0))

    def settle(self) -> None:
        """Step until nothing is in flight, waiting to be sent again or waiting for its job."""
        while self.dispatcher.busy or self.ready or len(self.retries):
            self.step(block=True)

    def drain(self) -> None:
        self.settle()
        self.points.flush(force=True)
        self.show(True)

    # -- outcomes ------------------------------------------------------------------------------

    def _handle(self, event: Event) -> None:
        if isinstance(event, Answered):
            for record, outcome in zip(event.records, event.outcomes, strict=True):
                self._outcome(event.route, record, outcome)
        elif isinstance(event, Accepted):
            job = AcceptedJob(event.records, keep=self.rebuild is None, reverse_etl=self.reverse_etl)
            self.accepted[event.job_id] = job
            if job.kept is None:
                self.window.held -= len(job)  # compact now: no longer whole records in memory
        elif isinstance(event, Ended):
            self._ended(event)

    def _ended(self, event: Ended) -> None:
        job = self.accepted.pop(event.job_id)
        result, jobs = event.result, event.route.jobs
        assert jobs is not None
        if result.status == "complete" and not result.errors and not result.failed_count:
            # Every record imported (the one result for which the sender's finish() delivers them all):
            # checkpointed straight from the compact job, no record rebuilt.
            self.points.delivered(job)
            if job.kept is not None:
                self.window.held -= len(job)
            return
        wanted = jobs.needed(result, len(job))
        records = job.records(self.rebuild, wanted)
        outcomes = jobs.finish(result, records)
        plain = [n for n, o in enumerate(outcomes) if o.status is Status.DELIVERED and o.reason is None]
        self.points.delivered(job, plain)
        if job.kept is not None:
            self.window.held -= len(plain)
        others = set(range(len(records))).difference(plain)
        for n in sorted(others):
            record = records[n] if wanted is None or n in wanted else job.record(n, self.rebuild)
            if job.kept is None:
                self.window.held += 1  # whole again, until it has its outcome
            self._outcome(event.route, record, outcomes[n])

    def _outcome(self, route: Route, record: BatchRecord, outcome: RecordOutcome) -> None:
        assert isinstance(record, Outgoing)
        item = record.item
        if outcome.status is Status.RETRYABLE:
            item.attempts += 1
            self.tally.retried += 1
            if item.values is None:
                log.warning("row %s cannot be read again (the input changed during the run): left pending", item.seq)
            elif self.retries.add((route, record), sends=item.attempts):
                return
            else:
                log.warning("row %s not delivered after %d attempts: %s", item.seq, item.attempts, outcome.reason)
            self.tally.pend(item)
            self.window.held -= 1
            return
        self.window.held -= 1
        self.points.final(_done(item, outcome, self.reverse_etl))


# -- helpers -------------------------------------------------------------------------------------


def _done(item: Item, outcome: RecordOutcome, reverse_etl: bool) -> Done:
    """The checkpoint of a final outcome (the input row kept only for a rejection, identifiers only for reverse ETL)."""
    status = "delivered" if outcome.status is Status.DELIVERED else "rejected"
    rec = item.record
    values = item.values if status == "rejected" else None
    identity = rec.identity if reverse_etl else None
    line = (item.line or None) if status == "rejected" else None
    return Done(
        item.seq, rec.key, rec.digest or None, item.change.value, status, outcome.reason, values, identity, line
    )


def _route(sender: Send | Jobs, limits: RequestLimits, batch: int | None) -> Route:
    packer = RecordPacker(limits, batch)
    if callable(sender):
        return Route(packer, send=sender)
    return Route(packer, jobs=sender)


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


def _sender(kind: str, client: KlaviyoClient, options: SyncOptions) -> Send | Jobs:
    """How one packed request of ``kind`` is sent: import jobs for profiles, a plain request otherwise."""
    if kind == "profiles":
        watcher = JobWatcher(interval=max(0.02, 1.0 / options.rate_scale))
        return ClientJobs(profile_import(options.list_id), client, watcher)
    if kind == "events":
        return functools.partial(event_bulk_create().request, client)
    sender = subscribe(
        options.list_id, custom_source=options.custom_source, historical_import=options.historical_import
    )
    return functools.partial(sender.request, client)


def _undo_sender(action: Undo, client: KlaviyoClient, list_id: str | None) -> Send | None:
    if action is Undo.UNSUBSCRIBE:
        return functools.partial(unsubscribe(list_id).request, client)
    if action is Undo.REMOVE_FROM_LIST and list_id:
        return functools.partial(remove_from_list, client, list_id)
    return None


def _undo_route(action: Undo, client: KlaviyoClient, options: SyncOptions) -> Route | None:
    """How deletions are undone (None: they are not; events cannot be taken back, a profile needs a list)."""
    send = _undo_sender(action, client, options.list_id)
    if send is None or action not in UNDO_LIMITS:
        return None
    return Route(RecordPacker(UNDO_LIMITS[action]), send=send)


def _progress(progress: IO[str] | bool | None, total: int, kind: str, clock: Clock) -> Progress | None:
    if progress is False:
        return None
    stream = sys.stderr if progress is None or progress is True else progress
    return Progress(stream, total_bytes=total, label=f"sync {kind}", now=clock.monotonic)


def _remove_checkpoint(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path + suffix)
