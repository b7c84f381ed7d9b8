"""The client pipeline: headers, host pinning, redirects, errors, retries (fake clock), rate-limit headers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses
from conftest import API_KEY, BASE

from connections.api_key import ApiKeyConnection
from connector.client.clock import FakeClock
from connector.client.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionConfigError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from connector.client.pagination import PaginationLoopError
from connector.client.pipeline import KlaviyoClient
from connector.client.retry import RetryPolicy


def test_every_request_carries_revision_content_type_user_agent_and_key(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/lists", json={"data": {}}, status=201)
    client.request("POST", "/api/lists", json={"data": {"type": "list", "attributes": {"name": "x"}}})
    headers = mocked.calls[0].request.headers
    assert headers["revision"] == "2026-07-15"
    assert headers["Accept"] == "application/vnd.api+json"
    assert headers["Content-Type"] == "application/vnd.api+json"
    assert headers["User-Agent"].startswith("klaviyo-connector-python/0.")
    assert headers["Authorization"] == f"Klaviyo-API-Key {API_KEY}"


def test_revision_overridable_per_client_and_per_call(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/lists", json={"data": []})
    mocked.get(f"{BASE}/api/lists", json={"data": []})
    c = KlaviyoClient(ApiKeyConnection(API_KEY), base_url=BASE, revision="2025-10-15")
    c.request("GET", "/api/lists")
    c.request("GET", "/api/lists", revision="2026-10-15")
    assert [call.request.headers["revision"] for call in mocked.calls] == ["2025-10-15", "2026-10-15"]


def test_base_url_from_argument_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from connector.shell.env import client_from_env
    from connector.shell.facade import Klaviyo

    key = ApiKeyConnection(API_KEY)
    assert KlaviyoClient(key).base_url == "https://a.klaviyo.com"
    monkeypatch.setenv("KLAVIYO_BASE_URL", "http://127.0.0.1:8080/")
    # Only the shell reads the environment: the client takes its host as an argument.
    assert KlaviyoClient(key).base_url == "https://a.klaviyo.com"
    assert client_from_env().base_url == "http://127.0.0.1:8080"
    assert Klaviyo(api_key=API_KEY).client.base_url == "http://127.0.0.1:8080"
    assert Klaviyo(api_key=API_KEY, base_url="https://b.example").client.base_url == "https://b.example"
    assert KlaviyoClient(key, base_url="https://b.example").base_url == "https://b.example"
    with pytest.raises(ConnectionConfigError, match="must be an http"):
        KlaviyoClient(key, base_url="ftp://x")


def test_absolute_url_to_another_host_is_refused_before_sending(client: KlaviyoClient) -> None:
    with responses.RequestsMock() as rsps, pytest.raises(InputError, match="not the configured Klaviyo host"):
        client.request("GET", "https://evil.example/api/lists")
    assert len(rsps.calls) == 0
    # Same host name, other port or scheme is another origin too.
    with pytest.raises(InputError):
        client.url_for("http://a.klaviyo.com/api/lists")
    assert client.url_for(f"{BASE}/api/lists?x=1") == f"{BASE}/api/lists?x=1"


def test_redirect_to_another_host_never_carries_the_key(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/images/x", status=302, headers={"Location": "https://cdn.example/img.png"})
    mocked.get("https://cdn.example/img.png", body=b"PNG")
    mocked.get(f"{BASE}/api/same", status=307, headers={"Location": "/api/other"})
    mocked.get(f"{BASE}/api/other", json={})

    assert client.request("GET", "/api/images/x").content == b"PNG"
    client.request("GET", "/api/same")

    assert "Authorization" not in mocked.calls[1].request.headers
    assert mocked.calls[3].request.headers["Authorization"] == f"Klaviyo-API-Key {API_KEY}"


def test_user_headers_cannot_replace_authorization(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/lists", json={})
    client.request("GET", "/api/lists", headers={"authorization": "Bearer stolen", "X-Extra": "1"})
    sent = mocked.calls[0].request.headers
    assert sent["Authorization"] == f"Klaviyo-API-Key {API_KEY}"
    assert sent["X-Extra"] == "1"


def test_list_query_values_are_comma_joined(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/profiles", json={})
    client.request("GET", "/api/profiles", params={"fields[profile]": ["email", "first_name"], "skip": None})
    assert mocked.calls[0].request.url == f"{BASE}/api/profiles?fields%5Bprofile%5D=email%2Cfirst_name"


@pytest.mark.parametrize(
    ("status", "cls", "exit_code"),
    [
        (400, BadRequestError, 4),
        (401, AuthenticationError, 3),
        (403, PermissionDeniedError, 3),
        (404, NotFoundError, 4),
        (409, ConflictError, 4),
        (418, ApiError, 4),
        (500, ServerError, 5),
    ],
)
def test_error_statuses_map_to_the_hierarchy(
    client: KlaviyoClient, mocked: responses.RequestsMock, status: int, cls: type[ApiError], exit_code: int
) -> None:
    body = {
        "errors": [
            {
                "id": "e1",
                "status": status,
                "code": "invalid",
                "title": "Invalid input.",
                "detail": "The name is bad.",
                "source": {"pointer": "/data/attributes/name"},
            }
        ]
    }
    mocked.post(f"{BASE}/api/lists", json=body, status=status, headers={"X-Request-Id": "req-123"})
    with pytest.raises(ApiError) as caught:
        client.request("POST", "/api/lists", json={})
    err = caught.value
    assert type(err) is cls
    assert err.status == status and err.exit_code == exit_code
    assert err.request_id == "req-123" and err.method == "POST" and err.path == "/api/lists"
    assert err.errors[0].pointer == "/data/attributes/name"
    assert "The name is bad. (at /data/attributes/name)" in str(err)
    assert "req-123" in str(err)


def test_conflict_exposes_duplicate_profile_id(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{BASE}/api/profiles",
        status=409,
        json={"errors": [{"code": "duplicate_profile", "detail": "exists", "meta": {"duplicate_profile_id": "01HX"}}]},
    )
    with pytest.raises(ConflictError) as caught:
        client.request("POST", "/api/profiles", json={})
    assert caught.value.duplicate_profile_id == "01HX"
    assert caught.value.to_json()["error"]["duplicateProfileId"] == "01HX"


def test_html_error_body_is_handled(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/lists", status=403, body="<html><body><h1>403 Forbidden</h1></body></html>")
    with pytest.raises(PermissionDeniedError) as caught:
        client.request("GET", "/api/lists")
    assert caught.value.errors == []
    assert "403 Forbidden" in str(caught.value)


def test_rate_limit_headers_parsed_on_every_response(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{BASE}/api/lists",
        json={"data": []},
        headers={"RateLimit-Limit": "150", "RateLimit-Remaining": "12", "RateLimit-Reset": "33"},
    )
    info = client.request("GET", "/api/lists").rate_limit
    assert (info.limit, info.remaining, info.reset) == (150, 12, 33.0)


# -- retries ------------------------------------------------------------------------------------


def test_429_is_retried_for_post_waiting_retry_after_when_greater(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    mocked.post(f"{BASE}/api/lists", status=429, headers={"Retry-After": "7"}, json={"errors": []})
    mocked.post(f"{BASE}/api/lists", status=429, headers={"Retry-After": "0"}, json={"errors": []})
    mocked.post(f"{BASE}/api/lists", status=201, json={"data": {}})
    response = client.request("POST", "/api/lists", json={})
    assert response.status == 201 and response.attempts == 3
    # retry 1: max(7, 0.5) = 7; retry 2: max(0, 1.0) = 1.0
    assert clock.sleeps == [7.0, 1.0]


def test_retry_after_as_http_date(client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock) -> None:
    from email.utils import formatdate

    when = formatdate(clock.time() + 12, usegmt=True)
    mocked.get(f"{BASE}/api/lists", status=429, headers={"Retry-After": when}, json={})
    mocked.get(f"{BASE}/api/lists", json={})
    client.request("GET", "/api/lists")
    assert clock.sleeps == [pytest.approx(12.0, abs=1.0)]


def test_gives_up_when_retry_after_exceeds_the_cap(mocked: responses.RequestsMock) -> None:
    clock = FakeClock()
    c = KlaviyoClient(
        ApiKeyConnection(API_KEY), base_url=BASE, clock=clock, retry=RetryPolicy(max_retry_after=30, jitter=0)
    )
    mocked.get(f"{BASE}/api/lists", status=429, headers={"Retry-After": "3600"}, json={})
    with pytest.raises(RateLimitError) as caught:
        c.request("GET", "/api/lists")
    assert caught.value.retry_after == 3600
    assert "more than the 30s this client will wait" in str(caught.value)
    assert clock.sleeps == []


def test_exponential_backoff_with_cap_then_gives_up(mocked: responses.RequestsMock) -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_retries=4, base_delay=1.0, max_delay=3.0, jitter=0)
    c = KlaviyoClient(ApiKeyConnection(API_KEY), base_url=BASE, clock=clock, retry=policy)
    for _ in range(5):
        mocked.get(f"{BASE}/api/lists", status=503, json={"errors": [{"detail": "down"}]})
    with pytest.raises(ServerError):
        c.request("GET", "/api/lists")
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0]
    assert len(mocked.calls) == 5


def test_jitter_reduces_the_wait_by_the_injected_fraction(mocked: responses.RequestsMock) -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_retries=1, base_delay=2.0, jitter=0.5, random=lambda: 0.5)
    c = KlaviyoClient(ApiKeyConnection(API_KEY), base_url=BASE, clock=clock, retry=policy)
    mocked.get(f"{BASE}/api/lists", status=500, json={})
    mocked.get(f"{BASE}/api/lists", json={})
    c.request("GET", "/api/lists")
    assert clock.sleeps == [1.5]  # 2.0 * (1 - 0.5 * 0.5)


def test_5xx_not_retried_for_post_unless_marked_safe(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    mocked.post(f"{BASE}/api/lists", status=502, json={})
    with pytest.raises(ServerError):
        client.request("POST", "/api/lists", json={})
    assert len(mocked.calls) == 1 and clock.sleeps == []

    mocked.post(f"{BASE}/api/events", status=502, json={})
    mocked.post(f"{BASE}/api/events", status=202)
    assert client.request("POST", "/api/events", json={}, retry_safe=True).status == 202
    assert clock.sleeps == [0.5]


def test_4xx_other_than_429_is_not_retried(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/lists/x", status=404, json={"errors": [{"code": "not_found"}]})
    with pytest.raises(NotFoundError):
        client.request("GET", "/api/lists/x")
    assert len(mocked.calls) == 1


def test_connection_errors_retried_for_get_and_reported_as_transport_error(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    for _ in range(4):
        mocked.get(f"{BASE}/api/lists", body=requests.exceptions.ConnectionError("reset by peer"))
    with pytest.raises(TransportError) as caught:
        client.request("GET", "/api/lists")
    assert caught.value.retryable and caught.value.exit_code == 5
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_connection_reset_on_post_is_not_retried(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/lists", body=requests.exceptions.ConnectionError("reset by peer"))
    with pytest.raises(TransportError):
        client.request("POST", "/api/lists", json={})
    assert len(mocked.calls) == 1


def test_total_timeout_budget_stops_retrying(mocked: responses.RequestsMock) -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_retries=10, base_delay=1.0, jitter=0, total_timeout=4.0)
    c = KlaviyoClient(ApiKeyConnection(API_KEY), base_url=BASE, clock=clock, retry=policy)
    for _ in range(3):
        mocked.get(f"{BASE}/api/lists", status=500, json={})
    with pytest.raises(ServerError):
        c.request("GET", "/api/lists")
    assert clock.sleeps == [1.0, 2.0]  # a third wait of 4.0 would overrun the 4s budget


class _RefreshingCredential:
    def __init__(self) -> None:
        self.token = "old"
        self.refreshes = 0

    def authorization_header(self) -> str:
        return f"Bearer {self.token}"

    def on_unauthorized(self) -> bool:
        self.refreshes += 1
        self.token = "new"
        return True

    def secrets(self) -> list[Any]:
        return []


def test_401_triggers_one_refresh_and_a_repeat(mocked: responses.RequestsMock, clock: FakeClock) -> None:
    cred = _RefreshingCredential()
    c = KlaviyoClient(cred, base_url=BASE, clock=clock)
    mocked.get(f"{BASE}/api/lists", status=401, json={"errors": [{"code": "not_authenticated"}]})
    mocked.get(f"{BASE}/api/lists", json={"data": []})
    c.request("GET", "/api/lists")
    assert [call.request.headers["Authorization"] for call in mocked.calls] == ["Bearer old", "Bearer new"]
    assert cred.refreshes == 1 and clock.sleeps == []

    mocked.get(f"{BASE}/api/x", status=401, json={})
    mocked.get(f"{BASE}/api/x", status=401, json={})
    with pytest.raises(AuthenticationError):
        c.request("GET", "/api/x")
    assert cred.refreshes == 2  # one refresh per call, never a loop


def test_no_credential_is_a_connection_error_before_sending() -> None:
    c = KlaviyoClient(None, base_url=BASE)
    with responses.RequestsMock() as rsps, pytest.raises(ConnectionConfigError, match="KLAVIYO_API_KEY"):
        c.request("GET", "/api/lists")
    assert len(rsps.calls) == 0


def test_public_client_endpoints_can_skip_authorization(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/client/subscriptions", status=202)
    client.request("POST", "/client/subscriptions", params={"company_id": "AbC123"}, json={}, authenticate=False)
    assert "Authorization" not in mocked.calls[0].request.headers


# -- pagination ---------------------------------------------------------------------------------


def test_pagination_loop_is_detected(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    loop = f"{BASE}/api/profiles?page%5Bcursor%5D=same"
    mocked.get(f"{BASE}/api/profiles", json={"data": [{"id": "1"}], "links": {"next": loop}})
    mocked.get(loop, json={"data": [{"id": "2"}], "links": {"next": loop}})
    with pytest.raises(PaginationLoopError):
        list(client.paginate("/api/profiles"))


def test_pagination_refuses_next_link_on_another_host(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/profiles", json={"data": [{"id": "1"}], "links": {"next": "https://evil.example/p"}})
    with pytest.raises(InputError, match="not the configured Klaviyo host"):
        list(client.paginate("/api/profiles"))
    assert len(mocked.calls) == 1


def test_pagination_page_size_and_streaming(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    nxt = f"{BASE}/api/profiles?page%5Bcursor%5D=2&page%5Bsize%5D=2"
    mocked.get(f"{BASE}/api/profiles", json={"data": [{"id": "1"}, {"id": "2"}], "links": {"next": nxt}})
    mocked.get(nxt, json={"data": [{"id": "3"}], "links": {"next": None}})
    items = client.paginate("/api/profiles", page_size=2)
    assert next(items)["id"] == "1"
    assert len(mocked.calls) == 1  # the second page is fetched only when needed
    assert [i["id"] for i in items] == ["2", "3"]
    assert "page%5Bsize%5D=2" in mocked.calls[0].request.url


def test_request_body_is_compact_utf8_json(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/lists", json={}, status=201)
    client.request("POST", "/api/lists", json={"name": "Café"})
    body = mocked.calls[0].request.body
    assert json.loads(body) == {"name": "Café"} and b" " not in body


class _RecordingThrottle:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def before(self, method: str, path: str) -> None:
        self.calls.append(("before", method, path))

    def after(self, method: str, path: str, status: int | None, retry_after: float | None) -> None:
        self.calls.append(("after", method, path, status, retry_after))


def test_throttle_is_consulted_around_every_attempt(mocked: responses.RequestsMock, clock: FakeClock) -> None:
    throttle = _RecordingThrottle()
    c = KlaviyoClient(
        ApiKeyConnection(API_KEY), base_url=BASE, clock=clock, retry=RetryPolicy(jitter=0), throttle=throttle
    )
    mocked.get(f"{BASE}/api/lists", status=429, headers={"Retry-After": "2"}, json={})
    mocked.get(f"{BASE}/api/lists", body=requests.exceptions.ConnectionError("reset"))
    mocked.get(f"{BASE}/api/lists", json={})
    c.request("GET", "/api/lists")
    assert throttle.calls == [
        ("before", "GET", "/api/lists"),
        ("after", "GET", "/api/lists", 429, 2.0),
        ("before", "GET", "/api/lists"),
        ("after", "GET", "/api/lists", None, None),
        ("before", "GET", "/api/lists"),
        ("after", "GET", "/api/lists", 200, None),
    ]


def test_next_link_and_page_resources_are_pure_functions_of_one_page() -> None:
    from connector.client.pagination import first_page_query, next_link, page_resources
    from connector.client.response import KlaviyoResponse

    def page(body: Any) -> KlaviyoResponse:
        return KlaviyoResponse(200, {}, json.dumps(body).encode(), "GET", f"{BASE}/api/lists", "/api/lists")

    nxt = f"{BASE}/api/lists?page%5Bcursor%5D=2"
    assert next_link(page({"data": [{"id": "1"}], "links": {"next": nxt}})) == nxt
    assert next_link(page({"data": [], "links": {"next": None}})) is None
    assert next_link(page({"data": []})) is None
    assert page_resources(page({"data": [{"id": "1"}]})) == [{"id": "1"}]
    assert first_page_query([("page[size]", 5), ("sort", "name")], 20) == [("sort", "name"), ("page[size]", 20)]


def test_no_function_of_the_pipeline_is_over_60_lines() -> None:
    """The architecture issue: request() was ~120 lines; the pipeline is now named steps, each short."""
    import ast
    from pathlib import Path

    import connector.client.pipeline as pipeline

    tree = ast.parse(Path(pipeline.__file__).read_text(encoding="utf-8"))
    lengths = {
        node.name: node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.end_lineno is not None
    }
    assert {"prepare", "attempt", "interpret", "send", "request"} <= set(lengths)
    assert max(lengths.values()) <= 60, {name: n for name, n in lengths.items() if n > 60}
