"""The engine holds a bounded number of records however large the input (the "memory stays flat" bullet).

A stalled server is the worst case: the reader must stop reading once ``max_in_flight`` records are held
(buffered, in flight or waiting for a retry), not keep mapping rows into memory. No timing, no RSS:
the spy counts records the engine references and rows read ahead of the outcomes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.apps.sync import engine
from connector.apps.sync.readers import Row
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord

ROWS = 20_000
BATCH = 50
CONCURRENCY = 4


class _Spy(engine._Run):
    """The engine's run loop, counting what it holds at every step."""

    read = 0
    peak_held = 0
    peak_read_ahead = 0
    peak_checkpoint_buffer = 0
    full = threading.Event()

    def rows(self, rows: Iterator[Row], reverse_etl: bool, key: str | None) -> None:
        def counted() -> Iterator[Row]:
            for row in rows:
                type(self).read += 1
                yield row

        super().rows(counted(), reverse_etl, key)

    def _measure(self) -> None:
        held = len(self.buffer) + sum(len(items) for _, items in self.inflight.values()) + len(self.retries)
        cls = type(self)
        cls.peak_held = max(cls.peak_held, held, self.holding)
        cls.peak_read_ahead = max(cls.peak_read_ahead, cls.read - self.finished - self.pending)
        cls.peak_checkpoint_buffer = max(cls.peak_checkpoint_buffer, len(self.done))

    def _add(self, send: Any, item: Any, packing: int) -> None:
        super()._add(send, item, packing)
        self._measure()

    def _collect(self, *, block: bool) -> None:
        self._measure()
        if block and self.holding >= self.max_in_flight:
            type(self).full.set()  # the engine is full and waits: now let the "server" answer
        super()._collect(block=block)
        self._measure()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> type[_Spy]:
    _Spy.read = _Spy.peak_held = _Spy.peak_read_ahead = _Spy.peak_checkpoint_buffer = 0
    _Spy.full = threading.Event()
    monkeypatch.setattr(engine, "_Run", _Spy)
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
        batch_size=BATCH,
        concurrency=CONCURRENCY,
        retry_delay=0.0,
        progress=False,
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

    40,000: four full jobs, still above the 25,000 profiles a second of the real limits with a
    second of job latency, and, with each record's encoded bytes kept for its request, 1M rows under 200 MB.
    """
    run = engine._Run(
        st=None,  # type: ignore[arg-type]
        scope="profiles:",
        kind="profiles",
        send=lambda records: [],
        batch=engine.PACKING["profiles"],
        concurrency=8,
        max_attempts=8,
        retry_delay=1.0,
        progress=None,
        reader_position=lambda: 0,
    )
    assert run.max_in_flight == engine.MAX_IN_FLIGHT == 40_000


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
    options: dict[str, Any] = dict(client=client, list_id="L1", state=state, batch_size=1, concurrency=1)
    source.write_text("email\n" + "".join(f"a{i}@example.com\n" for i in range(10)))
    assert engine.sync("profiles", source, progress=False, **options).delivered == 10
    source.write_text("email\na0@example.com\n")
    second = engine.sync("profiles", source, progress=False, **options)
    assert (second.unchanged, second.deleted, second.delivered, second.pending) == (1, 9, 9, 0)
    assert max(sent) <= 2
