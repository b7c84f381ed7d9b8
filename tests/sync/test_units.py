"""Unit tests of the sync building blocks, on a FakeClock (no real sleeps, no network)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from connector.apps.sync.diff import Change, Undo, classify, deletion_action
from connector.apps.sync.progress import Progress
from connector.apps.sync.readers import RowReader
from connector.apps.sync.records import RowRejected, to_record
from connector.apps.sync.state import Done, SyncState
from connector.client.clock import FakeClock
from connector.klaviyo.pacing.adaptive import Aimd, PacingThrottle
from connector.klaviyo.pacing.limiter import RateLimiter, tier_for
from tests.spec_support import raw_spec

_RATE = re.compile(r"(\d+)/([sm])")


def _spec_tiers() -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for operations in raw_spec()["paths"].values():
        for op in operations.values():
            limits = op.get("x-klaviyo-ratelimit") if isinstance(op, dict) else None
            if limits:
                burst = _RATE.fullmatch(limits["burst"])
                steady = _RATE.fullmatch(limits["steady"])
                assert burst and steady and burst.group(2) == "s" and steady.group(2) == "m"
                found[op["operationId"]] = (int(burst.group(1)), int(steady.group(1)))
    return found


def test_tier_table_matches_the_spec() -> None:
    """Every operation's request is paced by its own tier in the spec (the limiter reads the registry)."""
    spec = _spec_tiers()
    for path, ops in raw_spec()["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            concrete = re.sub(r"\{[^}]+\}", "01JID", path)
            tier = tier_for(method.upper(), concrete)
            assert tier is not None and tier.operation == op["operationId"], (method, concrete)
            assert spec[tier.operation] == (tier.burst, tier.steady), tier.operation


def test_limiter_keeps_burst_and_steady_windows() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, margin=0.0, jitter=0.0)
    slots = []
    for _ in range(300):
        clock.advance(limiter.reserve("POST", "/api/profile-bulk-import-jobs"))
        slots.append(clock.now)
    # No more than 10 in any 1 s and 150 in any 60 s; and no slower than that.
    for i in range(10, len(slots)):
        assert slots[i] - slots[i - 10] >= 1.0 - 1e-9
    for i in range(150, len(slots)):
        assert slots[i] - slots[i - 150] >= 60.0 - 1e-9
    assert slots[149] == pytest.approx(14.0)
    assert slots[150] == pytest.approx(60.0)
    assert slots[299] == pytest.approx(74.0)


def test_limiter_scale_and_block() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, scale=60, margin=0.0, jitter=0.0)
    waits = [limiter.reserve("POST", "/api/event-bulk-create-jobs") for _ in range(151)]
    assert waits[150] == pytest.approx(1.0)  # the steady window is 1 s at scale 60
    limiter.block("POST", "/api/events", 3.0)
    assert limiter.reserve("POST", "/api/events") == pytest.approx(3.0)
    assert limiter.reserve("GET", "/api/accounts") == 0.0


def test_limiter_jitter_is_absolute_whatever_the_scale() -> None:
    # Scheduling jitter is milliseconds whatever the window: at scale 10 the burst window is 100 ms, and the
    # 11th slot must still come at least 30 ms more than a window after the first.
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, scale=10, margin=0.0, jitter=0.03)
    waits = [limiter.reserve("POST", "/api/profile-bulk-import-jobs") for _ in range(11)]
    assert waits[9] == 0.0
    assert waits[10] == pytest.approx(0.13)


def test_aimd_backs_off_and_recovers() -> None:
    aimd = Aimd(initial=8, maximum=8)
    aimd.on_answer(429)
    aimd.on_answer(429)
    assert aimd.limit == 2.0
    for _ in range(60):
        aimd.on_answer(202)
    assert aimd.limit == 8.0
    aimd.on_answer(503)
    assert aimd.limit == 8.0


def test_throttle_waits_on_the_clock_and_counts() -> None:
    clock = FakeClock()
    throttle = PacingThrottle(RateLimiter(clock=clock, margin=0.0, jitter=0.0))
    for _ in range(11):
        throttle.before("POST", "/api/event-bulk-create-jobs")
        throttle.after("POST", "/api/event-bulk-create-jobs", 202, None)
    assert clock.sleeps == [pytest.approx(1.0)]
    throttle.before("POST", "/api/event-bulk-create-jobs")
    throttle.after("POST", "/api/event-bulk-create-jobs", 429, 5.0)
    assert throttle.throttled["bulk_create_events"] == 1
    throttle.before("POST", "/api/event-bulk-create-jobs")
    assert clock.now >= 6.0  # held for Retry-After


def test_readers_csv_and_jsonl() -> None:
    csv_rows = list(RowReader(io.StringIO('email,note\n\na@b.co,"multi\nline"\nb@b.co,\nx,y,z\n'), "csv"))
    assert [(r.number, r.values) for r in csv_rows[:2]] == [
        (1, {"email": "a@b.co", "note": "multi\nline"}),
        (2, {"email": "b@b.co"}),
    ]
    assert csv_rows[2].error and "3 cells" in csv_rows[2].error
    reader = RowReader(io.StringIO('{"a": 1}\n\n[1]\n{bad\n'), "jsonl")
    rows = list(reader)
    assert [r.number for r in rows] == [1, 2, 3]
    assert rows[1].error == "expected a JSON object"
    assert reader.position == len('{"a": 1}\n\n[1]\n{bad\n')


def test_records_map_each_kind() -> None:
    profile = to_record("profiles", {"email": "A@b.co", "city": "Paris", "properties.tier": "gold", "first_name": "A"})
    assert profile.key == "email:a@b.co"
    attributes: dict[str, Any] = profile.resource["attributes"]
    assert attributes["location"] == {"city": "Paris"} and attributes["properties"] == {"tier": "gold"}
    event = to_record("events", {"metric": "Viewed", "profile": {"external_id": "u1"}, "value": "9.5", "sku": "x"})
    again = to_record("events", {"sku": "x", "value": "9.5", "profile": {"external_id": "u1"}, "metric": "Viewed"})
    assert event.key == again.key  # deterministic unique id from the content
    item = event.resource["attributes"]["events"]["data"][0]["attributes"]
    assert item["unique_id"] == event.key and item["value"] == 9.5 and item["properties"] == {"sku": "x"}
    sub = to_record("subscriptions", {"email": "a@b.co", "channels": "email"})
    assert sub.resource["attributes"]["subscriptions"] == {"email": {"marketing": {"consent": "SUBSCRIBED"}}}
    with pytest.raises(RowRejected, match="Email"):
        to_record("profiles", {"email": "nope"})
    with pytest.raises(RowRejected, match="Metric"):
        to_record("events", {"email": "a@b.co"})


def test_state_resume_baseline_and_deletions() -> None:
    st = SyncState(":memory:")
    scope = "subscriptions:L"
    assert st.begin(scope, "f1") is False
    st.mark(
        scope, [Done(1, "email:a", "d1", "added", "delivered"), Done(2, "email:b", "d2", "added", "rejected", "bad")]
    )
    assert st.begin(scope, "f1") is True and list(st.done_numbers(scope)) == [1, 2]
    assert [r["reason"] for r in st.rejected(scope)] == ["bad"]
    st.finish(scope, keep_baseline=True)
    assert st.baseline(scope, "email:a") == "d1" and st.baseline(scope, "email:b") is None
    assert classify(st.baseline(scope, "email:a"), "d1") is Change.UNCHANGED
    assert st.begin(scope, "f2") is False
    assert st.deleted(scope) == [("email:a", {})]
    st.mark(scope, [Done(-1, "email:a", None, "deleted", "delivered")])
    assert st.deleted(scope) == []
    st.finish(scope, keep_baseline=True)
    assert st.baseline(scope, "email:a") is None
    assert deletion_action("events", "L") is Undo.IGNORE


def test_progress_bar_and_lines() -> None:
    now = [0.0]
    bar = io.StringIO()
    p = Progress(bar, total_bytes=1000, tty=True, now=lambda: now[0])
    now[0] = 2.0
    p.update(done=100, rejected=2, retries=1, read=200, position=500)  # half the file: ~400 records
    p.close()
    text = bar.getvalue()
    assert text.startswith("\r") and "25%" in text and "50/s" in text and "ETA 0:06" in text and "rejected 2" in text
    lines = io.StringIO()
    p = Progress(lines, total_bytes=1000, tty=False, now=lambda: now[0])
    p.update(done=1, rejected=0, retries=0, read=1, position=1)
    p.update(done=2, rejected=0, retries=0, read=2, position=2)  # within 10 s: no second line
    assert lines.getvalue().count("\n") == 1
