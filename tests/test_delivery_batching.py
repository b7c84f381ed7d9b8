"""Batching layer: limits, strip-and-resend on error pointers, polled import jobs, retryable failures (fake clock)."""

from __future__ import annotations

import json
from typing import Any

import responses
from conftest import BASE, assert_request

from connector.client.clock import FakeClock
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bodies import consent_profile, event_bulk_item
from connector.klaviyo.bulk.jobs import JobPoller
from connector.klaviyo.bulk.outcomes import Status
from connector.klaviyo.bulk.senders import (
    BatchRecord,
    create_events,
    import_profiles,
    subscribe_profiles,
    unsubscribe_profiles,
)

JOB = "01JOB0000000000000000000AA"


def _json(call: Any) -> Any:
    return json.loads(call.request.body)


def _profile(i: int) -> BatchRecord:
    return BatchRecord(i, {"type": "profile", "attributes": {"email": f"p{i}@example.com"}})


def _event(i: int, uid: str | None = None) -> BatchRecord:
    item = event_bulk_item("X", {"email": f"p{i}@example.com"}, {}, unique_id=uid or f"u{i}")
    return BatchRecord(i, item, ("p", "X", uid or f"u{i}"))


def _job(status: str, failed: int = 0) -> dict[str, Any]:
    return {
        "data": {"type": "profile-bulk-import-job", "id": JOB, "attributes": {"status": status, "failed_count": failed}}
    }


def _error(pointer: str, detail: str = "Invalid email.") -> dict[str, Any]:
    return {
        "errors": [
            {
                "id": "e",
                "status": 400,
                "code": "invalid",
                "title": "Invalid input.",
                "detail": detail,
                "source": {"pointer": pointer},
            }
        ]
    }


def test_import_polls_on_the_clock_and_rejects_records_named_by_import_errors(
    client: KlaviyoClient, clock: FakeClock, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/profile-bulk-import-jobs", json=_job("queued"), status=202)
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}", json=_job("processing"))
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}", json=_job("complete", 1))
    errors = {
        "data": [
            {
                "type": "import-error",
                "id": "x",
                "attributes": {
                    "code": "invalid",
                    "title": "Invalid",
                    "detail": "bad phone",
                    "source": {"pointer": "/data/attributes/profiles/data/1/attributes/phone_number"},
                    "original_payload": {},
                },
            }
        ],
        "links": {"self": "x"},
    }
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}/import-errors", json=errors)

    out = import_profiles(client, [_profile(0), _profile(1), _profile(2)], list_id="Y6nRLr", poller=JobPoller())

    assert [o.status for o in out] == [Status.DELIVERED, Status.REJECTED, Status.DELIVERED]
    assert "bad phone" in (out[1].reason or "")
    assert clock.sleeps == [0.25]  # waited on the fake clock, no real sleep
    body = _json(mocked.calls[0])
    assert body["data"]["relationships"] == {"lists": {"data": [{"type": "list", "id": "Y6nRLr"}]}}
    assert_request(mocked.calls[0], "POST", "/api/profile-bulk-import-jobs", body=body)


def test_import_error_without_pointer_is_matched_by_identifiers(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/profile-bulk-import-jobs", json=_job("complete", 1), status=202)
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}", json=_job("complete", 1))
    errors = {
        "data": [
            {
                "type": "import-error",
                "id": "x",
                "attributes": {
                    "code": "c",
                    "title": "t",
                    "detail": "dup",
                    "source": {},
                    "original_payload": {"email": "p1@example.com"},
                },
            }
        ],
        "links": {"self": "x"},
    }
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}/import-errors", json=errors)
    out = import_profiles(client, [_profile(0), _profile(1)])
    assert [o.status for o in out] == [Status.DELIVERED, Status.REJECTED]


def test_unfinished_job_marks_records_retryable(
    client: KlaviyoClient, clock: FakeClock, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/profile-bulk-import-jobs", json=_job("queued"), status=202)
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}", json=_job("processing"))
    out = import_profiles(client, [_profile(0)], poller=JobPoller(timeout=10))
    assert out[0].status is Status.RETRYABLE and "did not finish" in (out[0].reason or "")
    assert sum(clock.sleeps) <= 10


def test_import_chunks_at_10000(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/profile-bulk-import-jobs", json=_job("complete"), status=202)
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}", json=_job("complete"))
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}/import-errors", json={"data": [], "links": {"self": "x"}})
    out = import_profiles(client, [_profile(i) for i in range(10_001)])
    posts = [c for c in mocked.calls if c.request.method == "POST"]
    assert [len(_json(c)["data"]["attributes"]["profiles"]["data"]) for c in posts] == [10_000, 1]
    assert all(o.status is Status.DELIVERED for o in out)


def test_oversized_profile_is_rejected_before_sending(client: KlaviyoClient) -> None:
    big = BatchRecord(
        0, {"type": "profile", "attributes": {"email": "a@example.com", "properties": {"x": "y" * 110_000}}}
    )
    with responses.RequestsMock():
        assert import_profiles(client, [big])[0].status is Status.REJECTED


def test_events_strip_the_pointed_record_and_resend_the_rest(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    pointer = "/data/attributes/events-bulk-create/data/1/attributes/profile/data/attributes/email"
    mocked.post(f"{BASE}/api/event-bulk-create-jobs", json=_error(pointer), status=400)
    mocked.post(f"{BASE}/api/event-bulk-create-jobs", status=202)

    out = create_events(client, [_event(0), _event(1), _event(2)])

    assert [o.status for o in out] == [Status.DELIVERED, Status.REJECTED, Status.DELIVERED]
    assert "Invalid email." in (out[1].reason or "")
    resent = _json(mocked.calls[1])
    assert_request(mocked.calls[1], "POST", "/api/event-bulk-create-jobs", body=resent)
    assert len(resent["data"]["attributes"]["events-bulk-create"]["data"]) == 2


def test_request_level_400_rejects_everything_with_the_reason(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        f"{BASE}/api/profile-subscription-bulk-create-jobs",
        json=_error("/data/relationships/list/data/id", "A list with id NOPE does not exist."),
        status=400,
    )
    records = [BatchRecord(i, consent_profile(subscribe=True, email=f"p{i}@example.com")) for i in range(2)]
    out = subscribe_profiles(client, records, list_id="NOPE")
    assert {o.status for o in out} == {Status.REJECTED}
    assert "does not exist" in (out[0].reason or "")


def test_429_after_retries_and_5xx_are_retryable(
    client: KlaviyoClient, clock: FakeClock, mocked: responses.RequestsMock
) -> None:
    for _ in range(4):
        mocked.post(f"{BASE}/api/event-bulk-create-jobs", status=429, headers={"Retry-After": "2"})
    out = create_events(client, [_event(0)])
    assert out[0].status is Status.RETRYABLE
    assert clock.sleeps == [2.0, 2.0, 2.0]  # Retry-After honoured, on the fake clock

    mocked.reset()
    for _ in range(4):
        mocked.post(f"{BASE}/api/profile-subscription-bulk-delete-jobs", status=503)
    out = unsubscribe_profiles(client, [BatchRecord(0, consent_profile(subscribe=False, email="a@example.com"))])
    assert out[0].status is Status.RETRYABLE


def test_subscribe_chunks_1000_and_unsubscribe_100(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/profile-subscription-bulk-create-jobs", status=202)
    mocked.post(f"{BASE}/api/profile-subscription-bulk-delete-jobs", status=202)
    subscribe_profiles(
        client, [BatchRecord(i, consent_profile(subscribe=True, email=f"p{i}@example.com")) for i in range(1001)]
    )
    unsubscribe_profiles(
        client, [BatchRecord(i, consent_profile(subscribe=False, email=f"p{i}@example.com")) for i in range(101)]
    )
    sizes = [len(_json(c)["data"]["attributes"]["profiles"]["data"]) for c in mocked.calls]
    assert sizes == [1000, 1, 100, 1]


def test_events_chunk_at_1000_and_repeated_unique_ids_go_in_separate_requests(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/event-bulk-create-jobs", status=202)
    records = [_event(i) for i in range(1001)] + [_event(5000, uid="u0")]
    records[-1] = BatchRecord(5000, records[0].resource, records[0].dedupe_key)
    out = create_events(client, records)
    sizes = [len(_json(c)["data"]["attributes"]["events-bulk-create"]["data"]) for c in mocked.calls]
    assert sizes == [1000, 1, 1]
    assert all(o.status is Status.DELIVERED for o in out)


def test_import_failures_the_errors_do_not_name_leave_the_unnamed_records_retryable(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """A job that counts 2 failed profiles but names only one (by pointer) and one it cannot be matched to."""
    mocked.post(f"{BASE}/api/profile-bulk-import-jobs", json=_job("complete", 2), status=202)
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}", json=_job("complete", 2))
    named = {"source": {"pointer": "/data/attributes/profiles/data/0/attributes/email"}, "original_payload": {}}
    unnamed = {"source": {}, "original_payload": {"email": "someone-else@example.com"}}
    errors = {
        "data": [
            {"type": "import-error", "id": str(i), "attributes": {"code": "c", "title": "t", "detail": f"d{i}", **e}}
            for i, e in enumerate((named, unnamed))
        ],
        "links": {"self": "x"},
    }
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}/import-errors", json=errors)

    out = import_profiles(client, [_profile(0), _profile(1), _profile(2)])

    assert [o.status for o in out] == [Status.REJECTED, Status.RETRYABLE, Status.RETRYABLE]
    assert "d0" in (out[0].reason or "")
    assert "1 failed profile" in (out[1].reason or "") and "sending again is safe" in (out[1].reason or "")


def test_import_failed_count_without_any_error_is_never_delivered(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/profile-bulk-import-jobs", json=_job("complete", 1), status=202)
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}", json=_job("complete", 1))
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs/{JOB}/import-errors", json={"data": [], "links": {"self": "x"}})
    out = import_profiles(client, [_profile(0), _profile(1)])
    assert {o.status for o in out} == {Status.RETRYABLE}
