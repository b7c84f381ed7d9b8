"""deliver's overlapping windows against a fake Klaviyo whose import jobs take time on a fake clock.

Import jobs complete ``latency`` fake seconds after Klaviyo accepted them. The fake records when each
request arrived (on the fake clock) and checks every request against the spec, so the tests can assert
what overlapped, what waited for what, and that every line still ends with the outcome it had without
overlap: delivered, rejected with Klaviyo's reason, or retryable; never unaccounted for.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from conftest import BASE
from spec_support import check_request

from connector.apps.delivery import deliver
from connector.apps.delivery.mapping import mapper_for
from connector.apps.delivery.settings import DeliverySettings
from connector.apps.delivery.window import Window
from connector.client.clock import FakeClock
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.jobs import JobPoller

POLL = JobPoller(schedule=(0.5,), timeout=60)
IMPORTS = f"{BASE}/api/profile-bulk-import-jobs"


class FakeKlaviyo:
    """Bulk endpoints on the fake clock: import jobs that take ``latency`` s, events and consent accepted."""

    def __init__(self, mocked: responses.RequestsMock, clock: FakeClock, latency: float) -> None:
        self.clock = clock
        self.latency = latency
        self.jobs: dict[str, tuple[float, list[dict[str, Any]]]] = {}  # id -> (accepted at, profiles)
        self.log: list[tuple[float, str, Any]] = []  # (fake time, what, body)
        self.reject: set[str] = set()  # emails an import job fails with an import error
        mocked.add_callback(responses.POST, IMPORTS, callback=self._import)
        mocked.add_callback(responses.GET, IMPORTS, callback=self._listing)
        mocked.add_callback(responses.GET, re.compile(re.escape(IMPORTS) + r"/[^/]+/import-errors.*"), self._errors)
        for path in ("event-bulk-create-jobs", "profile-subscription-bulk-create-jobs"):
            mocked.add_callback(responses.POST, f"{BASE}/api/{path}", callback=self._accept(path))

    def _checked(self, request: Any) -> Any:
        check_request(request)
        return json.loads(request.body) if request.body else None

    def _import(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = self._checked(request)
        job_id = f"J{len(self.jobs) + 1}"
        profiles = [p["attributes"] for p in body["data"]["attributes"]["profiles"]["data"]]
        self.jobs[job_id] = (self.clock.now, profiles)
        self.log.append((self.clock.now, "import", [p.get("email") for p in profiles]))
        return 202, {}, json.dumps({"data": self._job(job_id)})

    def _job(self, job_id: str) -> dict[str, Any]:
        accepted, profiles = self.jobs[job_id]
        done = self.clock.now >= accepted + self.latency
        failed = sum(p.get("email") in self.reject for p in profiles) if done else 0
        attributes = {"status": "complete" if done else "processing", "failed_count": failed}
        return {"type": "profile-bulk-import-job", "id": job_id, "attributes": attributes}

    def _listing(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._checked(request)
        assert parse_qs(urlsplit(request.url).query)["sort"] == ["-created_at"]
        newest = [self._job(job_id) for job_id in reversed(self.jobs)][:100]
        return 200, {}, json.dumps({"data": newest, "links": {}})

    def _errors(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._checked(request)
        job_id = urlsplit(request.url).path.split("/")[-2]
        _, profiles = self.jobs[job_id]
        errors = [
            {
                "type": "import-error",
                "id": f"{job_id}-{index}",
                "attributes": {
                    "code": "invalid",
                    "title": "Invalid input.",
                    "detail": "Klaviyo says no",
                    "source": {"pointer": f"/data/attributes/profiles/data/{index}/attributes/email"},
                    "original_payload": profile,
                },
            }
            for index, profile in enumerate(profiles)
            if profile.get("email") in self.reject
        ]
        return 200, {}, json.dumps({"data": errors, "links": {}})

    def _accept(self, what: str) -> Any:
        def accept(request: Any) -> tuple[int, dict[str, str], str]:
            self.log.append((self.clock.now, what, self._checked(request)))
            return 202, {}, ""

        return accept

    def imports(self) -> list[tuple[float, list[str]]]:
        return [(at, emails) for at, what, emails in self.log if what == "import"]

    def completed_at(self, job_id: str) -> float:
        return self.jobs[job_id][0] + self.latency


@pytest.fixture
def loose() -> Iterator[responses.RequestsMock]:
    """A mock whose endpoints a test need not all use (the fake serves every bulk endpoint)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def fake(loose: responses.RequestsMock, clock: FakeClock) -> FakeKlaviyo:
    return FakeKlaviyo(loose, clock, latency=5.0)


def _identify(email: str, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": email, "traits": {"email": email, **traits}}


def _track(email: str, event: str, message_id: str) -> dict[str, Any]:
    return {"type": "track", "event": event, "userId": email, "messageId": message_id, "properties": {}}


def _run(client: KlaviyoClient, lines: list[dict[str, Any]], **options: Any) -> tuple[Any, list[dict[str, Any]]]:
    report = io.StringIO()
    summary = deliver(lines, client=client, report=report, poller=POLL, **options)
    return summary, [json.loads(row) for row in report.getvalue().splitlines()]


def test_windows_overlap_so_import_latency_is_paid_once(client: KlaviyoClient, fake: FakeKlaviyo) -> None:
    lines = [_identify(f"p{i}@example.com") for i in range(6)]
    summary, report = _run(client, lines, window=2, windows_in_flight=3)
    assert (summary.lines, summary.delivered) == (6, 6)
    assert [row["line"] for row in report] == [1, 2, 3, 4, 5, 6] and {r["status"] for r in report} == {"delivered"}
    # The three windows' jobs were all accepted before the first one completed...
    assert [at for at, _ in fake.imports()] == [0.0, 0.0, 0.0]
    # ...so the run waited about one job's latency, not three.
    assert 5.0 <= fake.clock.now <= 5.0 + 2 * POLL.schedule[0]


def test_one_window_in_flight_waits_for_each_windows_jobs(client: KlaviyoClient, fake: FakeKlaviyo) -> None:
    summary, _ = _run(client, [_identify(f"p{i}@example.com") for i in range(6)], window=2, windows_in_flight=1)
    assert summary.delivered == 6
    starts = [at for at, _ in fake.imports()]
    assert starts[1] >= fake.completed_at("J1") and starts[2] >= fake.completed_at("J2")
    assert fake.clock.now >= 15.0


def test_windows_in_flight_bound_the_jobs_started_and_not_finished(client: KlaviyoClient, fake: FakeKlaviyo) -> None:
    summary, _ = _run(client, [_identify(f"p{i}@example.com") for i in range(10)], window=2, windows_in_flight=2)
    assert summary.delivered == 10
    starts = [at for at, _ in fake.imports()]
    for index in range(2, len(starts)):  # the third window starts only once the first has finished
        assert starts[index] >= fake.completed_at(f"J{index - 1}")


def test_a_person_of_an_unfinished_window_waits_for_it(client: KlaviyoClient, fake: FakeKlaviyo) -> None:
    lines = [
        _identify("ada@example.com", plan="free"),
        _identify("bob@example.com"),
        _identify("ada@example.com", plan="pro"),  # the same person, in the next window
        _identify("cy@example.com"),  # someone else: imported at once
    ]
    summary, report = _run(client, lines, window=2, windows_in_flight=4)
    assert summary.delivered == 4 and [row["status"] for row in report] == ["delivered"] * 4
    imports = fake.imports()
    assert imports[0] == (0.0, ["ada@example.com", "bob@example.com"])
    assert imports[1] == (0.0, ["cy@example.com"])
    at, emails = imports[2]
    assert emails == ["ada@example.com"] and at >= fake.completed_at("J1")  # "pro" lands after "free"


def test_events_of_a_window_follow_its_imports(client: KlaviyoClient, fake: FakeKlaviyo) -> None:
    lines = [_identify("ada@example.com"), _track("ada@example.com", "Signed Up", "m1")]
    summary, report = _run(client, lines, window=1, windows_in_flight=2)
    assert summary.delivered == 2 and report[1]["messageId"] == "m1"
    (sent_at,) = [at for at, what, _ in fake.log if what == "event-bulk-create-jobs"]
    assert sent_at >= fake.completed_at("J1")  # the track waited for the identify of an earlier window


def test_outcomes_are_those_of_klaviyo_whatever_the_overlap(client: KlaviyoClient, fake: FakeKlaviyo) -> None:
    fake.reject = {"bad@example.com"}
    lines: list[Any] = [
        _identify("ok1@example.com"),
        _identify("bad@example.com"),
        "not json",
        {"type": "page"},
        _identify("ok2@example.com"),
    ]
    summary, report = _run(client, lines, window=2, windows_in_flight=3)
    assert [(r["line"], r["status"]) for r in report] == [
        (1, "delivered"),
        (2, "rejected"),
        (3, "rejected"),
        (4, "skipped"),
        (5, "delivered"),
    ]
    assert "Klaviyo says no" in report[1]["reason"]
    assert (summary.delivered, summary.rejected, summary.skipped, summary.retryable) == (2, 2, 1, 0)


def test_jobs_that_never_finish_are_retryable_never_delivered(
    loose: responses.RequestsMock, clock: FakeClock, client: KlaviyoClient
) -> None:
    fake = FakeKlaviyo(loose, clock, latency=10_000.0)
    summary, report = _run(client, [_identify(f"p{i}@example.com") for i in range(3)], window=1)
    assert summary.retryable == 3 and summary.delivered == 0
    assert all("did not finish in time" in row["reason"] for row in report)
    assert len(fake.jobs) == 3 and clock.now >= POLL.timeout


def test_requests_are_paced_by_the_registry_tiers(client: KlaviyoClient, fake: FakeKlaviyo) -> None:
    # Bulk Create Events allows 10 requests a second: the 11th waits for the limiter, not for a 429.
    lines = [_track(f"p{i}@example.com", "Viewed", f"m{i}") for i in range(11)]
    summary, _ = _run(client, lines, window=1, windows_in_flight=1)
    assert summary.delivered == 11
    times = [at for at, what, _ in fake.log if what == "event-bulk-create-jobs"]
    assert len(times) == 11 and times[10] - times[0] >= 1.0
    assert client.throttle is None  # the run's throttle is gone when it ends


@pytest.mark.parametrize(
    ("setting", "value"), [("window", 0), ("windows_in_flight", 0), ("windows_in_flight", 1.5), ("rate_scale", 0)]
)
def test_bad_settings_are_refused_naming_them_before_any_request(
    client: KlaviyoClient, mocked: responses.RequestsMock, setting: str, value: Any
) -> None:
    with pytest.raises(InputError, match=f"deliver: {setting} must be"):
        deliver([_identify("a@example.com")], client=client, **{setting: value})
    assert not mocked.calls


def test_a_window_holds_its_events_as_bytes_and_keeps_an_intent_only_when_needed() -> None:
    """Events are most of what a window in flight holds: each is kept encoded, as it will be sent."""
    track = {"type": "track", "event": "Viewed", "userId": "u1", "messageId": "t1", "properties": {"sku": "S1"}}
    order = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u2",
        "messageId": "o1",
        "properties": {"order_id": "o1", "products": [{"product_id": "p1", "price": 2}]},
    }
    window = Window.of([(1, track, None), (2, order, None)], mapper_for("segment")(DeliverySettings()))
    (viewed_line, viewed, _, viewed_intent), (order_line, _, _, order_intent) = window.events
    assert (viewed_line, viewed_intent, order_line) == (1, None, 2)
    [sent] = json.loads(viewed)["attributes"]["events"]["data"]  # one event-bulk-create item, as it is sent
    assert sent["attributes"]["metric"]["data"]["attributes"]["name"] == "Viewed"
    assert (sent["attributes"]["properties"], sent["attributes"]["unique_id"]) == ({"sku": "S1"}, "t1")
    assert order_intent is not None and order_intent.followers  # its product event follows the order
