"""The retry decision as a pure function: outcomes in, decisions out, no HTTP and no clock."""

from __future__ import annotations

import pytest

from connector.client.retry import Decision, Outcome, RetryPolicy

POLICY = RetryPolicy(max_retries=3, base_delay=0.5, jitter=0.0, max_delay=60.0, max_retry_after=300.0)


def test_a_success_stops() -> None:
    assert POLICY.decide(Outcome("GET", status=200), 1, 0.0) == Decision.stop(Decision.SUCCEEDED)
    assert POLICY.decide(Outcome("GET", status=304), 1, 0.0).reason == Decision.SUCCEEDED


@pytest.mark.parametrize(
    ("outcome", "retry"),
    [
        (Outcome("POST", status=429), True),  # Klaviyo did nothing: any method
        (Outcome("GET", status=503), True),
        (Outcome("DELETE", status=500), True),
        (Outcome("GET", status=408), True),
        (Outcome("POST", status=503), False),  # could duplicate
        (Outcome("POST", status=503, retry_safe=True), True),
        (Outcome("GET", status=404), False),
        (Outcome("GET", status=400), False),
        (Outcome("GET"), True),  # no answer, idempotent
        (Outcome("POST"), False),  # no answer, may have been processed
        (Outcome("POST", request_sent=False), True),  # never left: safe for any method
        (Outcome("PATCH", retry_safe=True), True),
    ],
)
def test_what_is_retried(outcome: Outcome, retry: bool) -> None:
    decision = POLICY.decide(outcome, 1, 0.0)
    assert decision.retry is retry
    assert decision.reason == (Decision.RETRY if retry else Decision.NOT_RETRYABLE)


def test_retry_on_all_errors_retries_4xx() -> None:
    policy = RetryPolicy(retry_on_all_errors=True, jitter=0.0)
    assert policy.decide(Outcome("POST", status=400), 1, 0.0).retry


def test_waits_grow_exponentially_and_stop_after_max_retries() -> None:
    waits = [POLICY.decide(Outcome("GET", status=500), n, 0.0).wait for n in (1, 2, 3)]
    assert waits == [0.5, 1.0, 2.0]
    assert POLICY.decide(Outcome("GET", status=500), 4, 0.0) == Decision.stop(Decision.EXHAUSTED)
    assert RetryPolicy(max_retries=0).decide(Outcome("GET", status=429), 1, 0.0).reason == Decision.EXHAUSTED


def test_retry_after_wins_when_longer_and_gives_up_above_the_limit() -> None:
    assert POLICY.decide(Outcome("GET", status=429, retry_after=7.0), 1, 0.0).wait == 7.0
    assert POLICY.decide(Outcome("GET", status=429, retry_after=0.1), 1, 0.0).wait == 0.5
    too_long = POLICY.decide(Outcome("GET", status=429, retry_after=301.0), 1, 0.0)
    assert too_long == Decision.stop(Decision.RETRY_AFTER_TOO_LONG)


def test_a_wait_that_would_overrun_the_total_budget_is_not_taken() -> None:
    policy = RetryPolicy(max_retries=10, base_delay=1.0, jitter=0.0, total_timeout=4.0)
    assert policy.decide(Outcome("GET", status=500), 1, 2.0) == Decision(True, 1.0, Decision.RETRY)
    assert policy.decide(Outcome("GET", status=500), 2, 2.0) == Decision.stop(Decision.OUT_OF_TIME)


def test_jitter_comes_from_the_injected_random() -> None:
    policy = RetryPolicy(base_delay=2.0, jitter=0.5, random=lambda: 0.5)
    assert policy.decide(Outcome("GET", status=500), 1, 0.0).wait == 1.5
