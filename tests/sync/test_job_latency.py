"""The sync against a fake import-job service on a fake clock: the in-flight window, job latency, and outcomes.

Import jobs complete ``latency`` fake seconds after they were created; the engine polls them, keeps
their records compact meanwhile, and reads rows again only when a job did not import everything. Every
record must end delivered, rejected with Klaviyo's reason, or pending, never unaccounted for and never
delivered when it was not.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from connector.apps.sync import SyncOptions, engine
from connector.apps.sync.records import to_record
from connector.apps.sync.state import SyncState, encode_identity
from connector.client.clock import FakeClock
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.jobs import JobResult
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord, Started
from tests.sync.test_parts import FakeJobs


def _write(path: Path, count: int, failing: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    rows = [f"u{i}@example.com" if i not in failing else f"u{i}+fail@example.com" for i in range(count)]
    path.write_text("email,plan\n" + "".join(f"{email},gold\n" for email in rows))


def _sync(monkeypatch: pytest.MonkeyPatch, source: Path, jobs: FakeJobs, **settings: Any) -> engine.SyncSummary:
    monkeypatch.setattr(engine, "_sender", lambda *args: jobs)
    client = KlaviyoClient(None, base_url="http://127.0.0.1:9", clock=jobs.clock)
    options = SyncOptions(progress=False, retry_delay=0.0, **settings)
    return engine.sync("profiles", source, client=client, options=options)


@pytest.mark.parametrize(("window", "rounds"), [(20, 1), (3, 4), (1, 12)])
def test_the_window_bounds_jobs_in_flight_and_latency_is_paid_once_per_window(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, window: int, rounds: int
) -> None:
    source = tmp_path / "profiles.csv"
    _write(source, 60)
    jobs = FakeJobs(FakeClock(), latency=5.0)
    summary = _sync(monkeypatch, source, jobs, batch_size=5, max_jobs_in_flight=window)
    assert (summary.rows, summary.delivered, summary.rejected, summary.pending) == (60, 60, 0, 0)
    assert len(jobs.sent) == 12 and jobs.peak == min(window, 12)
    # Each window of jobs waits one latency (plus at most two polling intervals), not one per job.
    assert rounds * 5.0 <= jobs.clock.now <= rounds * (5.0 + 2 * jobs.interval)
    assert not (tmp_path / "profiles.csv.sync-checkpoint.sqlite").exists()


@pytest.mark.parametrize("by_payload", [False, True])
def test_import_errors_reject_their_rows_with_klaviyos_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, by_payload: bool
) -> None:
    source = tmp_path / "profiles.csv"
    _write(source, 40, failing={3, 17, 18})
    read_again: list[int] = []
    rebuild = engine._rebuild
    monkeypatch.setattr(engine, "_rebuild", lambda *args: read_again.append(args[3]) or rebuild(*args))
    summary = _sync(monkeypatch, source, FakeJobs(FakeClock(), 2.0, by_payload=by_payload), batch_size=10)
    assert (summary.delivered, summary.rejected, summary.pending, summary.balanced) == (37, 3, 0, True)
    letters = [json.loads(line) for line in Path(str(summary.dead_letter)).read_text().splitlines()]
    assert [(d["row"], d["line"], d["record"]) for d in letters] == [
        (n + 1, n + 2, {"email": f"u{n}+fail@example.com", "plan": "gold"}) for n in (3, 17, 18)
    ]  # rows read again from a compact job keep their line (after the header)
    assert all("Klaviyo says no" in d["reason"] for d in letters)
    # By pointer only the named rows are read again; by identifiers, every row of the jobs with errors.
    assert sorted(read_again) == ([4, 18, 19] if not by_payload else list(range(1, 21)))


class _CancelledOnce(FakeJobs):
    """The first ``first`` jobs are cancelled by Klaviyo; the rest complete."""

    first = 2

    def check(self, waiting: Any) -> dict[str, JobResult]:
        out = super().check(waiting)
        return {j: JobResult(j, "cancelled") if int(j[1:]) < self.first else result for j, result in out.items()}


def test_a_cancelled_job_is_read_again_and_sent_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = tmp_path / "profiles.csv"
    _write(source, 30)
    jobs = _CancelledOnce(FakeClock(), 1.0)
    summary = _sync(monkeypatch, source, jobs, batch_size=10)
    assert (summary.delivered, summary.rejected, summary.pending) == (30, 0, 0)
    # The two cancelled jobs are the first two accepted, whichever rows the dispatcher's threads sent first.
    cancelled = sorted(key for job in jobs.sent[: _CancelledOnce.first] for key in job)
    sent = [key for job in jobs.sent for key in job]
    assert len(cancelled) == 20 and sorted(sent) == sorted(cancelled + list(range(1, 31)))  # theirs twice
    first = cancelled[0]
    resent = next(r for job_id in ("J2", "J3", "J4") for r in jobs.jobs[job_id][1] if r.key == first)
    row = {"email": f"u{first - 1}@example.com", "plan": "gold"}
    assert resent.resource == to_record("profiles", row).resource


def test_jobs_that_never_finish_leave_rows_pending_never_delivered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = tmp_path / "profiles.csv"
    _write(source, 12)
    jobs = FakeJobs(FakeClock(), 1.0, status="timeout")
    summary = _sync(monkeypatch, source, jobs, batch_size=5, max_attempts=3)
    assert (summary.rows, summary.delivered, summary.rejected, summary.pending) == (12, 0, 0, 12)
    assert summary.balanced and not summary.ok
    assert len(jobs.sent) == 3 * 3  # three jobs, each sent max_attempts times
    assert (tmp_path / "profiles.csv.sync-checkpoint.sqlite").exists()  # the next run resumes them


def test_rows_that_cannot_be_read_again_end_pending(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = tmp_path / "profiles.csv"
    _write(source, 10)

    class ChangingTheFile(_CancelledOnce):
        first = 1

        def start(self, records: list[BatchRecord]) -> Started:
            started = super().start(records)
            with source.open("a") as out:  # the input changes while Klaviyo has the job
                out.write("late@example.com,gold\n")
            return started

    summary = _sync(monkeypatch, source, ChangingTheFile(FakeClock(), 1.0), batch_size=4)
    # The first job's rows cannot be sent again from a file that changed: pending (the next run starts over).
    assert (summary.pending, summary.rejected, summary.balanced) == (4, 0, True)
    assert summary.delivered == summary.rows - 4


def test_reverse_etl_through_compact_jobs_keeps_the_same_baseline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rows = [{"external_id": f"x{i}", "email": f"u{i}@example.com", "plan": "gold"} for i in range(25)]
    source = tmp_path / "audience.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    state = tmp_path / "state.sqlite"
    first = _sync(monkeypatch, source, FakeJobs(FakeClock(), 3.0), batch_size=10, state=state, list_id="L1")
    assert (first.added, first.delivered) == (25, 25)
    st = SyncState(str(state))
    baseline = st.db.execute("SELECT key, digest, identity FROM synced ORDER BY key").fetchall()
    st.close()
    expected = sorted(
        (r.key, r.digest, encode_identity(r.identity)) for r in (to_record("profiles", row) for row in rows)
    )
    assert baseline == expected
    second = _sync(monkeypatch, source, FakeJobs(FakeClock(), 3.0), batch_size=10, state=state, list_id="L1")
    assert (second.unchanged, second.to_send, second.requests) == (25, 0, 0)


def test_an_input_that_cannot_be_read_again_keeps_its_records_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fifo = tmp_path / "profiles.csv"
    os.mkfifo(fifo)
    text = "email,plan\n" + "".join(f"u{i}{'+fail' if i == 5 else ''}@example.com,gold\n" for i in range(20))

    def feed() -> None:
        with fifo.open("w") as out:
            out.write(text)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        summary = _sync(monkeypatch, fifo, _CancelledOnce(FakeClock(), 1.0), batch_size=8, dead_letter=tmp_path / "d")
    finally:
        writer.join(timeout=10)
    assert (summary.delivered, summary.rejected, summary.pending) == (19, 1, 0)
    letter = json.loads((tmp_path / "d").read_text())
    assert letter["row"] == 6 and letter["record"]["email"] == "u5+fail@example.com"


def test_undo_senders_still_answer_per_record(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Events (a plain request per chunk) through the same loop: outcomes by row number, in order."""
    seen: list[Any] = []

    def send(records: list[BatchRecord]) -> list[RecordOutcome]:
        seen.extend(r.key for r in records)
        return [RecordOutcome(r.key, Status.DELIVERED) for r in records]

    monkeypatch.setattr(engine, "_sender", lambda *args: send)
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps({"metric": "M", "email": f"u{i}@example.com"}) + "\n" for i in range(7)))
    client = KlaviyoClient(None, base_url="http://127.0.0.1:9", clock=FakeClock())
    summary = engine.sync("events", source, client=client, options=SyncOptions(progress=False, batch_size=3))
    assert summary.delivered == 7 and sorted(seen) == list(range(1, 8))
