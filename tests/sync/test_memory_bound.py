"""The engine holds a bounded number of records however large the input (the "memory stays flat" bullet).

A stalled server is the worst case: the reader must stop reading once the window's cap of records is held
(packed, in flight or waiting for a retry), not keep mapping rows into memory. No timing, no RSS:
the spy counts records the engine references and rows read ahead of the outcomes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.apps.sync import SyncOptions, engine
from connector.apps.sync.readers import Row
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord

ROWS = 20_000
BATCH = 50
CONCURRENCY = 4


class _Spy(engine._Loop):
    """The engine's send loop, counting what it holds at every step."""

    read = 0
    peak_held = 0
    peak_read_ahead = 0
    peak_checkpoint_buffer = 0
    full = threading.Event()

    def rows(self, rows: Iterator[Row], mapper: Any) -> None:
        def counted() -> Iterator[Row]:
            for row in rows:
                type(self).read += 1
                yield row

        super().rows(counted(), mapper)

    def _measure(self) -> None:
        sending = sum(len(records) for _, records in self.dispatcher.posts.values())
        waiting = len(self.retries) + sum(len(records) for _, records in self.ready)
        held = len(self.route.packer) + sending + waiting
        cls = type(self)
        cls.peak_held = max(cls.peak_held, held, self.window.held)
        cls.peak_read_ahead = max(cls.peak_read_ahead, cls.read - self.points.finished - self.tally.pending)
        cls.peak_checkpoint_buffer = max(cls.peak_checkpoint_buffer, len(self.points.buffer))

    def add(self, route: Any, item: Any) -> None:
        super().add(route, item)
        self._measure()

    def step(self, *, block: bool) -> None:
        self._measure()
        if block and self.window.full:
            type(self).full.set()  # the engine is full and waits: now let the "server" answer
        super().step(block=block)
        self._measure()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> type[_Spy]:
    _Spy.read = _Spy.peak_held = _Spy.peak_read_ahead = _Spy.peak_checkpoint_buffer = 0
    _Spy.full = threading.Event()
    monkeypatch.setattr(engine, "_Loop", _Spy)
    return _Spy


def _fake_sender(spy: type[_Spy], calls: list[int]) -> engine.Sender:
    lock = threading.Lock()
    failed_once: set[Any] = set()

    def send(records: list[BatchRecord]) -> list[RecordOutcome]:
        # A stalled server until the engine is full; then it answers (every 7th record once retryable).
        spy.full.wait(timeout=30)
        out = []
        with lock:
            calls.append(len(records))
            for r in records:
                if isinstance(r.key, int) and r.key % 7 == 0 and r.key not in failed_once:
                    failed_once.add(r.key)
                    out.append(RecordOutcome(r.key, Status.RETRYABLE, "HTTP 503"))
                else:
                    out.append(RecordOutcome(r.key, Status.DELIVERED))
        return out

    return send


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_held_records_never_exceed_the_cap(
    spy: type[_Spy], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(engine, "_sender", lambda *args: _fake_sender(spy, calls))
    source = tmp_path / f"profiles.{fmt}"
    with source.open("w") as out:
        if fmt == "csv":
            out.write("email,plan\n")
            out.writelines(f"u{i}@example.com,gold\n" for i in range(ROWS))
        else:
            out.writelines(f'{{"email": "u{i}@example.com", "plan": "gold"}}\n' for i in range(ROWS))
    summary = engine.sync(
        "profiles",
        source,
        client=KlaviyoClient(None, base_url="http://127.0.0.1:9"),
        options=SyncOptions(batch_size=BATCH, concurrency=CONCURRENCY, retry_delay=0.0, progress=False),
    )
    assert (summary.rows, summary.delivered, summary.rejected, summary.pending) == (ROWS, ROWS, 0, 0)
    cap = max(BATCH * 2, min(engine.MAX_IN_FLIGHT, BATCH * CONCURRENCY * 2))
    assert spy.full.is_set(), "the stalled server must have filled the engine"
    assert spy.read == ROWS
    assert 0 < spy.peak_held <= cap
    # Rows read but without a final outcome: held records plus at most the one row being added.
    assert spy.peak_read_ahead <= cap + 1
    assert spy.peak_checkpoint_buffer <= 5000
    assert max(calls) <= BATCH
    assert sum(calls) == ROWS + len(range(7, ROWS + 1, 7))  # each 7th row sent twice (retried once)


def test_the_cap_of_a_full_packing_run_is_bounded() -> None:
    """With Klaviyo's maxima (10,000 profiles a job, 8 in flight) the cap is MAX_IN_FLIGHT, not 160,000.

    40,000: four full jobs being packed or sent, enough to keep the POSTs going at the 10 jobs a second
    Klaviyo allows. The records of jobs Klaviyo accepted are not among them: they are kept compact
    (``accepted.py``) and bounded by ``max_jobs_in_flight`` instead.
    """
    batch = engine.PACKING["profiles"]
    assert engine.window_cap(batch, 8) == engine.MAX_IN_FLIGHT == 40_000


def test_a_full_engine_sends_its_buffer_instead_of_waiting_for_ever(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Deletions pack 100 a request: with a cap of 2 the engine must send the partial buffer, not wait on it."""
    sent: list[int] = []

    def deliver(records: list[BatchRecord]) -> list[RecordOutcome]:
        sent.append(len(records))
        return [RecordOutcome(r.key, Status.DELIVERED) for r in records]

    monkeypatch.setattr(engine, "_sender", lambda *args: deliver)
    monkeypatch.setattr(engine, "_undo_sender", lambda *args: deliver)
    client = KlaviyoClient(None, base_url="http://127.0.0.1:9")
    source = tmp_path / "audience.csv"
    state = tmp_path / "state.sqlite"
    options = SyncOptions(list_id="L1", state=state, batch_size=1, concurrency=1, progress=False)
    source.write_text("email\n" + "".join(f"a{i}@example.com\n" for i in range(10)))
    assert engine.sync("profiles", source, client=client, options=options).delivered == 10
    source.write_text("email\na0@example.com\n")
    second = engine.sync("profiles", source, client=client, options=options)
    assert (second.unchanged, second.deleted, second.delivered, second.pending) == (1, 9, 9, 0)
    assert max(sent) <= 2
