"""Job latency: every bulk job stays queued/processing for S seconds after creation, then completes."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import pytest

from connector.sandbox import Sandbox
from connector.sandbox.cli import add_arguments, run
from connector.sandbox.jobs import JobQueue
from connector.sandbox.store import Store

from .conftest import Api, make_list
from .test_bulk import bulk_events_body, import_body, subscribe_body

Factory = Callable[..., Sandbox]
EMAIL_SUB = {"email": {"marketing": {"consent": "SUBSCRIBED"}}}


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def slow_sandbox(factory: Factory, latency: float = 30.0) -> tuple[Sandbox, Clock]:
    sb = factory(job_latency=latency)
    clock = Clock()
    sb.app.jobs.clock = clock  # the queue's clock is injectable: no test waits for real seconds
    return sb, clock


def test_view_is_not_final_until_the_latency_has_passed() -> None:
    clock = Clock()
    queue = JobQueue(Store(), {}, latency=10, clock=clock)
    job = queue.stamp({"status": "complete", "completed_at": "2020-01-01T00:00:00+00:00"})
    assert queue.view(job)["status"] == "processing" and queue.view(job)["completed_at"] is None
    clock.now += 10
    shown = queue.view(job)
    assert shown["status"] == "complete"
    assert shown["completed_at"] > "2020-01-01T00:00:00+00:00"  # never before creation + latency


def test_a_queued_job_shows_queued_first_then_processing() -> None:
    clock = Clock()
    queue = JobQueue(Store(), {}, latency=10, clock=clock)
    job = queue.stamp({"status": "queued"})
    assert queue.view(job)["status"] == "queued"
    clock.now += 6
    assert queue.view(job)["status"] == "processing"


def test_profile_bulk_import_waits_for_the_latency(sandbox_factory: Factory) -> None:
    sb, clock = slow_sandbox(sandbox_factory)
    api = Api(sb)
    job = api.post("/api/profile-bulk-import-jobs", json=import_body([{"email": "lat@example.com"}])).json()["data"]
    sb.wait_for_jobs()  # the worker is done ...
    doc = api.get(f"/api/profile-bulk-import-jobs/{job['id']}").json()["data"]
    assert doc["attributes"]["status"] in ("queued", "processing")  # ... but the job is not reported done yet
    assert doc["attributes"]["completed_at"] is None
    listed = api.get("/api/profile-bulk-import-jobs", params={"filter": "equals(status,'complete')"}).json()
    assert listed["data"] == []
    clock.now += 30
    doc = api.get(f"/api/profile-bulk-import-jobs/{job['id']}").json()["data"]
    assert doc["attributes"]["status"] == "complete" and doc["attributes"]["completed_count"] == 1


def test_spec_driven_jobs_wait_for_the_latency(sandbox_factory: Factory) -> None:
    sb, clock = slow_sandbox(sandbox_factory)
    api = Api(sb)
    body = {"data": {"type": "catalog-item-bulk-create-job", "attributes": {"items": {"data": [
        {"type": "catalog-item", "attributes": {"external_id": "L1", "title": "T", "description": "D",
                                                "url": "https://example.com/l1"}}]}}}}
    job = api.post("/api/catalog-item-bulk-create-jobs", json=body).json()["data"]
    sb.wait_for_jobs()
    path = f"/api/catalog-item-bulk-create-jobs/{job['id']}"
    assert api.get(path).json()["data"]["attributes"]["status"] in ("queued", "processing")
    clock.now += 30
    assert api.get(path).json()["data"]["attributes"]["status"] == "complete"


def test_subscription_and_event_jobs_wait_for_the_latency(sandbox_factory: Factory) -> None:
    sb, clock = slow_sandbox(sandbox_factory)
    api = Api(sb)
    list_id = make_list(api)
    api.post("/api/profile-subscription-bulk-create-jobs",
             json=subscribe_body([{"email": "s@example.com", "subscriptions": EMAIL_SUB}], list_id))
    api.post("/api/event-bulk-create-jobs", json=bulk_events_body([("e@example.com", [{"metric": "Viewed"}])]))
    statuses: Any = {job["status"] for job in sb.state.jobs()}
    assert statuses <= {"queued", "processing"} and len(sb.state.jobs()) == 2
    clock.now += 30
    assert {job["status"] for job in sb.state.jobs()} == {"complete"}


def test_a_small_real_latency_end_to_end(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(job_latency=0.2)
    api = Api(sb)
    started = time.monotonic()
    job = api.post("/api/profile-bulk-import-jobs", json=import_body([{"email": "r@example.com"}])).json()["data"]
    status = job["attributes"]["status"]
    while status != "complete":
        assert time.monotonic() - started < 5
        time.sleep(0.02)
        status = api.get(f"/api/profile-bulk-import-jobs/{job['id']}").json()["data"]["attributes"]["status"]
    assert time.monotonic() - started >= 0.2


def test_default_latency_is_zero(sandbox: Sandbox) -> None:
    assert sandbox.app.jobs.latency == 0.0


def test_cli_option_and_validation() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["--job-latency", "2.5"]).job_latency == 2.5
    assert parser.parse_args([]).job_latency == 0.0
    with pytest.raises(ValueError):
        Sandbox(job_latency=-1)
    args = parser.parse_args(["--job-latency", "-1"])
    assert run(args) == 2
