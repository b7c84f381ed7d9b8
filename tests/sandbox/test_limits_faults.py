"""Rate limiting (scaled windows, 429 + Retry-After) and injected faults (5xx, resets, latency) with a seed."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from connector.sandbox import Sandbox
from connector.sandbox.ratelimit import RateLimiter

from .conftest import Api
from .spec import check

Factory = Callable[..., Sandbox]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_scaled_burst_window_429_then_recovers(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(rate_limits="scale=10")  # get_accounts: 1 per 100 ms burst, 15 per 6 s steady
    api = Api(sb)
    throttled = None
    for _ in range(10):
        resp = api.get("/api/accounts")
        if resp.status_code == 429:
            throttled = resp
            break
    assert throttled is not None
    assert throttled.json()["errors"][0]["code"] == "throttled"
    assert not any(h.lower().startswith("ratelimit-") for h in throttled.headers)
    wait = float(throttled.headers["Retry-After"])
    assert 0 < wait <= 0.1
    time.sleep(wait + 0.005)
    ok = api.get("/api/accounts")
    assert ok.status_code == 200
    assert ok.headers["RateLimit-Limit"] == "15"
    assert float(ok.headers["RateLimit-Reset"]) <= 6.0


def test_klaviyo_mode_retry_after_is_whole_seconds(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(rate_limits="klaviyo")
    api = Api(sb)
    statuses = [api.get("/api/accounts") for _ in range(3)]
    throttled = next(r for r in statuses if r.status_code == 429)
    assert throttled.headers["Retry-After"] == "1"


def test_off_mode_never_throttles(api: Api) -> None:
    assert all(api.get("/api/accounts", validate=False).status_code == 200 for _ in range(20))


def test_steady_and_daily_windows_with_a_fake_clock() -> None:
    clock = FakeClock()
    rl = RateLimiter("klaviyo", clock=clock)
    # create_list: 10/s burst, 150/min steady, 150/day
    for second in range(15):
        clock.now = 1000.0 + second
        assert all(rl.check("create_list", {}).allowed for _ in range(10))
    clock.now = 1015.5
    refused = rl.check("create_list", {})
    assert not refused.allowed  # steady window (60 s) is full
    clock.now = 1000.0 + 61
    refused = rl.check("create_list", {})
    assert not refused.allowed  # the daily cap of 150 is used up even though a new minute began
    assert int(refused.headers["Retry-After"]) > 3600


def test_reduced_limits_have_their_own_bucket() -> None:
    clock = FakeClock()
    rl = RateLimiter("klaviyo", clock=clock)
    assert rl.check("get_profile", {"include": ["lists"]}).allowed
    assert not rl.check("get_profile", {"include": ["lists"]}).allowed  # 1/s with include=lists
    assert rl.check("get_profile", {}).allowed


def test_bad_mode_is_rejected() -> None:
    for mode in ("fast", "scale=0", "scale=-1", "scale=x"):
        with pytest.raises(ValueError):
            RateLimiter(mode)


def statuses(sb: Sandbox, n: int) -> list[int]:
    session = requests.Session()
    return [check(session.get(sb.url + "/api/lists", headers=sb.headers(), timeout=5)).status_code
            for _ in range(n)]


def test_fail_rate_is_reproducible_with_a_seed(sandbox_factory: Factory) -> None:
    first = statuses(sandbox_factory(fail_rate=0.5, seed=42), 40)
    second = statuses(sandbox_factory(fail_rate=0.5, seed=42), 40)
    assert first == second
    assert {s for s in first if s != 200} <= {500, 502, 503, 504}
    assert 5 < first.count(200) < 35


def test_injected_5xx_is_a_json_api_error(sandbox_factory: Factory) -> None:
    api = Api(sandbox_factory(fail_rate=1.0, seed=1))
    resp = api.get("/api/lists")
    assert resp.status_code >= 500
    assert resp.json()["errors"][0]["detail"]


def test_reset_rate_drops_connections(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(reset_rate=1.0, seed=3)
    with pytest.raises(requests.ConnectionError):
        requests.get(sb.url + "/api/lists", headers=sb.headers(), timeout=5)


def test_reset_rate_is_reproducible(sandbox_factory: Factory) -> None:
    def outcomes(sb: Sandbox) -> list[str]:
        out = []
        for _ in range(20):
            try:
                out.append(str(requests.get(sb.url + "/api/lists", headers=sb.headers(), timeout=5).status_code))
            except requests.ConnectionError:
                out.append("reset")
        return out

    first = outcomes(sandbox_factory(reset_rate=0.3, seed=9))
    assert first == outcomes(sandbox_factory(reset_rate=0.3, seed=9))
    assert "reset" in first and "200" in first


def test_latency_is_added(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(latency_ms=40)
    api = Api(sb)
    start = time.perf_counter()
    check(api.get("/api/lists"))
    assert time.perf_counter() - start >= 0.04
