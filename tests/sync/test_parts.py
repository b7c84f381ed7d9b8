"""The sync engine's parts, one by one: retry queue, packer, checkpointer, dispatcher, accepted jobs, re-reading rows.

No network and no real sleeps: clocks are :class:`FakeClock`, senders are fakes.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from connector.apps.sync import packer as packer_module
from connector.apps.sync.accepted import AcceptedJob, Strings
from connector.apps.sync.checkpointer import Checkpointer
from connector.apps.sync.diff import Change
from connector.apps.sync.dispatcher import Accepted, Answered, Dispatcher, Ended, Event, Route
from connector.apps.sync.packer import Item, Outgoing, RecordPacker
from connector.apps.sync.readers import RowReader, SourceRows, open_rows
from connector.apps.sync.records import SyncRecord, to_record
from connector.apps.sync.retry import RetryQueue
from connector.apps.sync.state import Done, SyncState
from connector.client.clock import FakeClock
from connector.klaviyo.bulk.jobs import JobResult
from connector.klaviyo.bulk.limits import EVENT_BULK_CREATE, PROFILE_IMPORT, SUBSCRIBE
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord, Started

# -- retry queue -----------------------------------------------------------------------------------


def test_retry_queue_backs_off_on_the_clock_up_to_max_attempts() -> None:
    clock = FakeClock()
    queue: RetryQueue[str] = RetryQueue(clock, delay=0.5, max_attempts=8)
    waits = []
    for sends in range(1, 8):
        assert queue.add("r", sends=sends)
        waits.append(queue.wait())
        clock.sleep(queue.wait() or 0.0)
        assert queue.due() == ["r"] and len(queue) == 0
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0]  # doubling, capped at 30 s
    assert not queue.add("r", sends=8)  # the 8th failed send was the last
    assert clock.sleeps == waits  # waited on the fake clock only


def test_retry_queue_takes_the_earliest_first_not_the_oldest() -> None:
    clock = FakeClock()
    queue: RetryQueue[str] = RetryQueue(clock, delay=1.0, max_attempts=9)
    queue.add("slow", sends=4)  # 8 s
    queue.add("fast", sends=1)  # 1 s
    queue.add("fast2", sends=1)
    clock.advance(1.0)
    assert queue.due() == ["fast", "fast2"]  # not held behind "slow"
    assert queue.wait() == pytest.approx(7.0)
    clock.advance(7.0)
    assert queue.due() == ["slow"] and queue.wait() is None


# -- packer ----------------------------------------------------------------------------------------


def _item(n: int, resource: dict[str, Any], dedupe: Any = None) -> Item:
    return Item(n, SyncRecord(f"k{n}", "", resource, {}, dedupe), Change.ADDED, {"n": n})


def _pack(packer: RecordPacker, items: list[Item]) -> tuple[list[list[int]], list[RecordOutcome]]:
    chunks: list[list[int]] = []
    refused: list[RecordOutcome] = []
    for item in items:
        record = packer.encode(item)
        outcome = packer.too_big(record)
        if outcome is not None:
            refused.append(outcome)
            continue
        if not packer.fits(record):
            chunks.append([int(r.key) for r in packer.take()])  # type: ignore[call-overload]
        packer.add(record)
    chunks.append([int(r.key) for r in packer.take()])  # type: ignore[call-overload]
    return chunks, refused


def test_the_packer_encodes_each_record_once_and_packs_by_count_and_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: list[Any] = []
    real = packer_module.json_bytes
    monkeypatch.setattr(packer_module, "json_bytes", lambda value: encoded.append(value) or real(value))
    packer = RecordPacker(SUBSCRIBE, batch=3)
    small = [_item(n, {"n": n}) for n in range(7)]
    assert _pack(packer, small)[0] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(encoded) == 7  # once per record
    big = {"blob": "x" * 2_000_000}  # three of them do not fit in 5 MB
    assert _pack(RecordPacker(SUBSCRIBE), [_item(n, big) for n in range(5)])[0] == [[0, 1], [2, 3], [4]]


def test_the_packer_refuses_a_profile_over_100_kb_with_the_senders_reason() -> None:
    huge = {"type": "profile", "attributes": {"email": "a@b.co", "properties": {"x": "é" * 60_000}}}
    chunks, refused = _pack(RecordPacker(PROFILE_IMPORT), [_item(1, {"a": 1}), _item(2, huge), _item(3, {"a": 3})])
    assert chunks == [[1, 3]]
    assert [(o.key, o.status) for o in refused] == [(2, Status.REJECTED)]
    assert "Klaviyo's limit is 100 KB per profile" in (refused[0].reason or "")


def test_the_event_packer_keeps_a_repeated_unique_id_out_of_the_request() -> None:
    items = [_item(1, {}, "a"), _item(2, {}, "b"), _item(3, {}, "a"), _item(4, {}, "c")]
    assert _pack(RecordPacker(EVENT_BULK_CREATE), items)[0] == [[1, 2], [3, 4]]
    assert _pack(RecordPacker(SUBSCRIBE), items)[0] == [[1, 2, 3, 4]]  # only events care
    again = RecordPacker(EVENT_BULK_CREATE, batch=3).pack([BatchRecord(n, {}, k, b"{}") for n, k in enumerate("aab")])
    assert [[r.key for r in c] for c in again] == [[0], [1, 2]]


# -- checkpointer ----------------------------------------------------------------------------------


def test_the_checkpointer_writes_in_batches_on_the_clock() -> None:
    clock = FakeClock()
    st = SyncState(":memory:")
    points = Checkpointer(st, "s", clock, every=0.5, limit=3)
    points.final(Done(1, "k1", None, "added", "delivered"))
    points.flush()
    assert st.counts("s")["delivered"] == 0  # within 0.5 s: buffered
    clock.advance(0.6)
    points.flush()
    assert st.counts("s")["delivered"] == 1
    for n in (2, 3, 4):  # the limit writes without waiting
        points.final(Done(n, f"k{n}", None, "added", "rejected" if n == 3 else "delivered", "bad" if n == 3 else None))
    assert st.counts("s")["delivered"] == 3 and (points.finished, points.rejected) == (4, 1)


@pytest.mark.parametrize("reverse_etl", [False, True])
def test_a_completed_job_is_checkpointed_as_mark_would_write_it(reverse_etl: bool) -> None:
    rows = [{"email": f"u{i}@example.com", "plan": "gold", "external_id": f"x{i}"} for i in range(5)]
    records_of = [to_record("profiles", row, hashed=reverse_etl) for row in rows]
    items = [
        Item(n + 1, record, Change.ADDED, row) for n, (row, record) in enumerate(zip(rows, records_of, strict=True))
    ]
    items[2].change = Change.CHANGED
    records = [Outgoing(i.seq, i.record.resource, item=i) for i in items]
    fast, plain = SyncState(":memory:"), SyncState(":memory:")
    Checkpointer(fast, "profiles:L'1", FakeClock()).delivered(AcceptedJob(records, keep=False, reverse_etl=reverse_etl))
    plain.mark(
        "profiles:L'1",
        [
            Done(i.seq, i.record.key, i.record.digest or None, i.change.value, "delivered", None, None,
                 i.record.identity if reverse_etl else None)
            for i in items
        ],
    )  # fmt: skip
    query = "SELECT * FROM done ORDER BY seq"
    assert fast.db.execute(query).fetchall() == plain.db.execute(query).fetchall()
    kept, subset = SyncState(":memory:"), SyncState(":memory:")
    Checkpointer(kept, "profiles:L'1", FakeClock()).delivered(AcceptedJob(records, keep=True, reverse_etl=reverse_etl))
    assert kept.db.execute(query).fetchall() == plain.db.execute(query).fetchall()
    Checkpointer(subset, "profiles:L'1", FakeClock()).delivered(
        AcceptedJob(records, keep=False, reverse_etl=reverse_etl), [0, 3]
    )
    assert subset.db.execute(query).fetchall() == [plain.db.execute(query).fetchall()[n] for n in (0, 3)]


# -- accepted jobs ---------------------------------------------------------------------------------


def test_strings_are_joined_unless_one_contains_the_separator() -> None:
    assert Strings(["a", "", "c"]).listed is None and Strings(["a", "", "c"]).unpack() == ["a", "", "c"]
    awkward = ["a\x1fb", "c"]
    assert Strings(awkward).listed == awkward and Strings(awkward).unpack() == awkward
    assert Strings([""]).unpack() == [""] and Strings([]).unpack() == []


def test_an_accepted_job_keeps_no_row_and_reads_back_only_what_is_asked() -> None:
    items = [_item(n, {"n": n}) for n in range(1, 5)]
    for item in items:
        item.offset = item.seq * 100
        item.line = item.seq + 1 + (item.seq >= 3)  # row 2 spans two lines
    items[1].attempts = 2
    job = AcceptedJob([Outgoing(i.seq, i.record.resource, item=i) for i in items], keep=False, reverse_etl=False)
    assert not hasattr(job, "__dict__") and job.kept is None and len(job) == 4
    asked: list[tuple[int, int, int]] = []

    def rebuild(offset: int, seq: int, line: int) -> Item | None:
        asked.append((offset, seq, line))
        return _item(seq, {"again": seq}) if seq != 3 else None  # row 3 no longer readable

    records = job.records(rebuild, wanted={1, 2})
    assert asked == [(200, 2, 3), (300, 3, 5)]
    assert [r.item.line for r in records if isinstance(r, Outgoing)] == [3, 5]  # even a row not read again
    assert [r.key for r in records] == [1, 2, 3, 4] and records[0].resource == {} and records[3].resource == {}
    assert isinstance(records[1], Outgoing) and records[1].resource == {"again": 2} and records[1].item.attempts == 2
    assert isinstance(records[2], Outgoing) and records[2].item.values is None  # cannot be sent again
    whole = job.record(3, rebuild)
    assert isinstance(whole, Outgoing) and whole.resource == {"again": 4} and whole.item.record.key == "k4"
    assert whole.item.line == 6


def test_an_accepted_job_keeps_one_line_distance_when_every_row_has_it() -> None:
    items = [_item(n, {"n": n}) for n in range(1, 4)]
    for item in items:
        item.line = item.seq + 1
    job = AcceptedJob([Outgoing(i.seq, i.record.resource, item=i) for i in items], keep=False, reverse_etl=False)
    assert job.gaps == 1
    assert job.record(2, lambda offset, seq, line: _item(seq, {"line": line})).resource == {"line": 4}


# -- re-reading rows -------------------------------------------------------------------------------

CSV = (
    "\ufeffemail, note\r\n"
    "a@b.co,plain\r\n"
    "\r\n"
    'b@b.co,"two\r\nlines, and ""quotes"""\r\n'
    "c@b.co,é😀\r\n"
    "x,y,z\r\n"
    "d@b.co,\r\n"
)
JSONL = '{"email": "a@b.co"}\n\n  {"email": "é😀"}\r\nnot json\n[1]\n{"email": "d@b.co"}'


@pytest.mark.parametrize(("name", "text"), [("in.csv", CSV), ("in.jsonl", JSONL)])
def test_rows_read_again_by_offset_are_the_rows_read_first(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    handle, reader = open_rows(path)
    first = list(reader)
    handle.close()
    again = SourceRows(path, reader)
    assert [again.row(r.offset, r.number, r.line) for r in first] == first  # in order: read on
    assert [again.row(r.offset, r.number, r.line) for r in reversed(first)] == first[::-1]  # any order: seeks
    again.close()
    assert reader.position == len(text.encode("utf-8")) and len(first) == 5
    # The line each row starts on: the CSV header is line 1, blank lines count, a quoted cell spans two.
    assert [r.line for r in first] == ([2, 4, 6, 7, 8] if name == "in.csv" else [1, 3, 4, 5, 6])


def test_a_changed_file_is_not_read_again(tmp_path: Path) -> None:
    import os

    path = tmp_path / "in.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n')
    handle, reader = open_rows(path)
    rows = list(reader)
    again = SourceRows(path, reader, stat=os.fstat(handle.fileno()))
    handle.close()
    assert again.row(rows[1].offset, 2, 2) == rows[1]
    path.write_text('{"a": 3}\n{"a": 4}\n{"a": 5}\n')
    assert again.row(rows[0].offset, 1, 1) is None
    again.close()


def test_a_reader_can_start_in_the_middle_with_the_header() -> None:
    reader = RowReader(io.StringIO("c@b.co,3\n"), "csv", header=["email", "n"], number=6, position=40)
    assert [(r.number, r.values, r.offset) for r in reader] == [(7, {"email": "c@b.co", "n": "3"}, 40)]


# -- dispatcher ------------------------------------------------------------------------------------


class FakeJobs:
    """A job service on a fake clock: a job completes ``latency`` seconds after it was created.

    Records whose resource has ``"fail"`` are named by an import error (by pointer, or by identifiers when
    ``by_payload``); ``status`` is what every job ends as (``complete``, ``cancelled``, ``timeout``).
    """

    interval = 1.0

    def __init__(self, clock: FakeClock, latency: float, *, by_payload: bool = False, status: str = "complete") -> None:
        from connector.klaviyo.bulk.senders import profile_import

        self.clock = clock
        self.latency = latency
        self.by_payload = by_payload
        self.status = status
        self.sender = profile_import()
        self.lock = threading.Lock()
        self.jobs: dict[str, tuple[float, list[BatchRecord]]] = {}
        self.active = self.peak = 0
        self.sent: list[list[Any]] = []

    def start(self, records: list[BatchRecord]) -> Started:
        with self.lock:
            job_id = f"J{len(self.jobs)}"
            self.jobs[job_id] = (self.clock.now, records)
            self.sent.append([r.key for r in records])
            self.active += 1
            self.peak = max(self.peak, self.active)
        return Started({}, [(job_id, list(range(len(records))))])

    def check(self, waiting: Mapping[str, float]) -> dict[str, JobResult]:
        from connector.client.errors import ErrorObject

        out = {}
        with self.lock:
            for job_id in waiting:
                created, records = self.jobs[job_id]
                if self.clock.now < created + self.latency:
                    continue
                errors, payloads = [], []
                for n, record in enumerate(records):
                    attributes = record.resource.get("attributes") or {}
                    if "fail" in str(attributes.get("email")):
                        pointer = None if self.by_payload else f"/data/attributes/profiles/data/{n}/attributes/email"
                        errors.append(ErrorObject(code="invalid", detail="Klaviyo says no", pointer=pointer))
                        payloads.append({"email": attributes["email"]})
                out[job_id] = JobResult(job_id, self.status, tuple(errors), tuple(payloads), len(errors))
                self.active -= 1
        return out

    def needed(self, result: JobResult, count: int) -> set[int] | None:
        return self.sender.needed(result, count)

    def finish(self, result: JobResult, sent: list[BatchRecord]) -> list[RecordOutcome]:
        return self.sender.finish(result, sent)


def _collect_all(dispatcher: Dispatcher) -> list[Event]:
    events: list[Event] = []
    while dispatcher.busy:
        events += dispatcher.collect(0.2)
    return events


def test_the_dispatcher_follows_jobs_without_holding_a_worker() -> None:
    clock = FakeClock()
    jobs = FakeJobs(clock, latency=5.0)
    route = Route(RecordPacker(PROFILE_IMPORT), jobs=jobs)
    with ThreadPoolExecutor(1) as pool, ThreadPoolExecutor(1) as polls:
        dispatcher = Dispatcher(clock, concurrency=2, max_jobs=3, executor=pool, poller=polls)
        for n in range(3):  # one worker, yet three jobs in flight at once
            assert dispatcher.room(route)
            dispatcher.submit(route, [BatchRecord(n, {"attributes": {"email": f"u{n}@b.co"}})])
        assert not dispatcher.room(route)  # the window: 3 jobs
        events = _collect_all(dispatcher)
    assert jobs.peak == 3
    assert [type(e).__name__ for e in events].count("Accepted") == 3
    ended = [e for e in events if isinstance(e, Ended)]
    assert sorted(e.job_id for e in ended) == ["J0", "J1", "J2"] and all(e.result.status == "complete" for e in ended)
    assert 5.0 <= clock.now <= 7.0  # the three waited together: one latency (and a polling interval), not three


def test_a_send_that_raises_loses_nothing() -> None:
    def broken(records: list[BatchRecord]) -> list[RecordOutcome]:
        raise RuntimeError("bug")

    route = Route(RecordPacker(SUBSCRIBE), send=broken)
    with ThreadPoolExecutor(1) as pool:
        dispatcher = Dispatcher(FakeClock(), concurrency=1, max_jobs=1, executor=pool, poller=pool)
        dispatcher.submit(route, [BatchRecord(1, {}), BatchRecord(2, {})])
        events = _collect_all(dispatcher)
    assert len(events) == 1 and isinstance(events[0], Answered)
    assert [(o.key, o.status) for o in events[0].outcomes] == [(1, Status.RETRYABLE), (2, Status.RETRYABLE)]


def test_a_start_that_refuses_some_records_answers_them_and_follows_the_rest() -> None:
    clock = FakeClock()

    class Refusing(FakeJobs):
        def start(self, records: list[BatchRecord]) -> Started:
            started = super().start([records[0], records[2]])
            refused = {1: RecordOutcome(records[1].key, Status.REJECTED, "HTTP 400 bad")}
            return Started(refused, [(started.jobs[0][0], [0, 2])])

    route = Route(RecordPacker(PROFILE_IMPORT), jobs=Refusing(clock, latency=0.0))
    with ThreadPoolExecutor(1) as pool:
        dispatcher = Dispatcher(clock, concurrency=1, max_jobs=1, executor=pool, poller=pool)
        dispatcher.submit(route, [BatchRecord(n, {}) for n in range(3)])
        events = _collect_all(dispatcher)
    answered = [e for e in events if isinstance(e, Answered)]
    accepted = [e for e in events if isinstance(e, Accepted)]
    assert [(o.key, o.status) for o in answered[0].outcomes] == [(1, Status.REJECTED)]
    assert [r.key for r in accepted[0].records] == [0, 2]
