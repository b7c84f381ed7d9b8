"""Raw Request: bodies, headers, host pinning, response types and every retry rule (exact waits, fake clock)."""

from __future__ import annotations

import base64
import json
from email import policy as email_policy
from email.parser import BytesParser
from typing import Any

import pytest
import requests
import responses
from conftest import API_KEY, BASE, assert_request, spec_reply

from actions.raw_request import RAW_REQUEST, Raw, RawResponse
from connections.api_key import ApiKeyConnection
from connector.client.clock import FakeClock
from connector.client.errors import BadRequestError, InputError, RateLimitError, ServerError, TransportError
from connector.client.pipeline import KlaviyoClient
from connector.client.retry import DEFAULT_BASE_DELAY, RetryPolicy

LISTS = f"{BASE}/api/lists"


def _run(client: KlaviyoClient, **raw: Any) -> Any:
    return RAW_REQUEST.run(client, {"method": "GET", "url": "/api/lists", **raw})


def _fail(mocked: responses.RequestsMock, times: int, status: int = 503, **kwargs: Any) -> None:
    for _ in range(times):
        mocked.get(LISTS, status=status, json={"errors": [{"detail": "not now"}]}, **kwargs)


def _ok(mocked: responses.RequestsMock) -> None:
    mocked.get(LISTS, json={"data": []})


# -- the request ------------------------------------------------------------------------------


def test_get_on_a_spec_path_with_query_and_header_key_value_lists(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/lists", "get")
    mocked.get(LISTS, json=reply, status=status, headers={"X-Request-Id": "r1"})

    out = _run(
        client,
        queryParameter=[{"key": "fields[list]", "value": "name"}, {"key": "sort", "value": "-created"}],
        header='[{"key": "X-Trace", "value": "abc"}]',
    )

    assert_request(mocked.calls[0], "GET", "/api/lists", query={"fields[list]": "name", "sort": "-created"})
    assert mocked.calls[0].request.headers["X-Trace"] == "abc"
    assert out["data"] == reply
    assert out["status"] == 200
    assert out["headers"]["X-Request-Id"] == "r1"
    assert list(out) == ["data", "status", "headers"]


def test_query_and_header_accept_objects_and_key_value_lines(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(LISTS, json={"data": []})
    _run(client, queryParameter='filter=equals(name,"VIP")\npage[size]=5', header={"X-A": "1"})
    assert_request(mocked.calls[0], "GET", "/api/lists", query={"filter": 'equals(name,"VIP")', "page[size]": "5"})
    assert mocked.calls[0].request.headers["X-A"] == "1"


def test_json_data_is_sent_as_json_api_and_validates_against_the_spec(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/lists", "post", id="Y6nRLr")
    mocked.post(LISTS, json=reply, status=status)
    body = {"data": {"type": "list", "attributes": {"name": "VIP"}}}

    out = _run(client, method="POST", data=json.dumps(body))

    assert_request(mocked.calls[0], "POST", "/api/lists", body=body)
    assert out["status"] == 201 and out["data"]["data"]["id"] == "Y6nRLr"


def test_json_data_keeps_the_users_content_type(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(LISTS, status=201, json={"data": {}})
    _run(client, method="POST", data='{"a": "é"}', header={"Content-Type": "application/json"})
    request = mocked.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == '{"a":"é"}'.encode()


def test_text_data_is_sent_as_it_is(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.put(LISTS, status=200, body="")
    _run(client, method="put", data="not json, just words", header={"Content-Type": "text/plain"})
    request = mocked.calls[0].request
    assert request.method == "PUT"
    assert request.body == b"not json, just words"
    assert request.headers["Content-Type"] == "text/plain"


def test_public_client_endpoint_without_authorization(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/client/events", status=202)
    body = {
        "data": {
            "type": "event",
            "attributes": {
                "properties": {"sku": "A1"},
                "metric": {"data": {"type": "metric", "attributes": {"name": "Viewed Product"}}},
                "profile": {"data": {"type": "profile", "attributes": {"email": "ada@example.com"}}},
            },
        }
    }

    out = _run(
        client,
        method="POST",
        url="/client/events",
        excludeAuthorization="true",
        queryParameter={"company_id": "AbC123"},
        data=body,
    )

    assert_request(mocked.calls[0], "POST", "/client/events", query={"company_id": "AbC123"}, body=body, auth=None)
    assert out["data"] is None and out["status"] == 202


def test_full_url_on_the_configured_host_is_accepted(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(LISTS, json={"data": []})
    _run(client, url=f"{BASE}/api/lists")
    assert_request(mocked.calls[0], "GET", "/api/lists")


@pytest.mark.parametrize(
    "url", ["https://evil.example/api/lists", "//evil.example/api/lists", "http://a.klaviyo.com/x"]
)
def test_another_host_is_refused_naming_the_url_input(client: KlaviyoClient, url: str) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        _run(client, url=url)
    assert caught.value.label == "URL"
    assert "is not the configured Klaviyo host" in str(caught.value)
    assert len(nothing_sent.calls) == 0


@pytest.mark.parametrize("name", ["Authorization", "authorization", "Proxy-Authorization"])
def test_authorization_header_is_refused(client: KlaviyoClient, name: str) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        _run(client, header={name: "Klaviyo-API-Key pk_someone_else"})
    assert caught.value.label == "Header"
    assert "the connection supplies it" in str(caught.value)
    assert len(nothing_sent.calls) == 0


def test_even_if_a_header_got_through_the_client_keeps_its_authorization(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    """Defence in depth: the pipeline itself drops a user Authorization header."""
    mocked.get(LISTS, json={"data": []})
    client.request("GET", "/api/lists", headers={"authorization": "Bearer stolen"})
    assert mocked.calls[0].request.headers["Authorization"] == f"Klaviyo-API-Key {API_KEY}"


def test_response_headers_never_include_authorization(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(LISTS, json={}, headers={"Authorization": "echo", "X-Other": "1"})
    out = _run(client)
    assert "Authorization" not in out["headers"] and out["headers"]["X-Other"] == "1"


# -- multipart ----------------------------------------------------------------------------------


def _parts(request: Any) -> list[tuple[str, str | None, str, bytes]]:
    """(field name, file name, content type, payload) of each multipart part."""
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=email_policy.default).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.body
    )
    out = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        out.append((str(name), part.get_filename(), part.get_content_type(), payload))
    return out


def test_file_and_form_data_go_as_multipart_with_file_names(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    status, reply = spec_reply("/api/image-upload", "post", id="7")
    mocked.post(f"{BASE}/api/image-upload", json=reply, status=status)
    png = b"\x89PNG\r\n\x1a\n\x00binary"

    out = _run(
        client,
        method="POST",
        url="/api/image-upload",
        formData=[{"key": "name", "value": "Logo"}],
        fileData=[{"key": "file", "value": {"data": base64.b64encode(png).decode()}}],
        fileDataFileNames=[{"key": "file", "value": "logo.png"}],
    )

    request = mocked.calls[0].request
    assert _parts(request) == [
        ("name", None, "text/plain", b"Logo"),
        ("file", "logo.png", "image/png", png),
    ]
    assert request.headers["Authorization"] == f"Klaviyo-API-Key {API_KEY}"
    assert request.headers["revision"] == "2026-07-15"
    assert out["status"] == 201
    from spec_support import check_request

    check_request(request)  # multipart against upload_image_from_file's schema


def test_file_without_a_name_uses_its_key_and_form_only_is_still_multipart(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(LISTS, status=201, json={})
    mocked.post(LISTS, status=201, json={})
    _run(client, method="POST", fileData={"report": "a,b\n1,2"})
    _run(client, method="POST", formData={"a": "1"})
    assert _parts(mocked.calls[0].request) == [("report", "report", "application/octet-stream", b"a,b\n1,2")]
    assert _parts(mocked.calls[1].request) == [("a", None, "text/plain", b"1")]


@pytest.mark.parametrize(
    ("raw", "label", "problem"),
    [
        ({"data": "{}", "formData": {"a": "1"}}, "Data", "cannot be sent together with Form Data or File Data"),
        ({"data": "x", "fileData": {"f": "1"}}, "Data", "cannot be sent together"),
        ({"fileData": {"f": "1"}, "fileDataFileNames": {"g": "g.txt"}}, "File Data File Names", "g match no"),
        ({"fileDataFileNames": {"g": "g.txt"}}, "File Data File Names", "File Data is empty"),
        ({"formData": {"a": "1"}, "header": {"content-type": "x"}}, "Header", "multipart boundary"),
        ({"fileData": [{"key": "f", "value": {"data": "***"}}]}, "File Data", "base64"),
        ({"header": {"Bad Name": "1"}}, "Header", "not a valid header name"),
        ({"header": {"X-A": "1\r\nX-B: 2"}}, "Header", "line break"),
        ({"queryParameter": [{"key": " ", "value": "1"}]}, "Query Parameter", "needs a name"),
        ({"method": "FETCH"}, "Method", "must be one of GET, POST"),
        ({"method": ""}, "Method", "is required"),
        ({"url": " "}, "URL", "is required"),
        ({"responseType": "xml"}, "Response Type", "json, text, binary"),
        ({"timeout": "0"}, "Timeout", "more than 0"),
        ({"timeout": "soon"}, "Timeout", "must be a number"),
        ({"retryDelayMs": "-5"}, "Retry Delay (ms)", "0 or more"),
        ({"maxRetryCount": "-1"}, "Max Retry Count", "between 0 and 100"),
        ({"maxRetryCount": "1.5"}, "Max Retry Count", "whole number"),
        ({"retryOnAllErrors": "maybe"}, "Retry On All Errors", "true or false"),
        ({"useExponentialBackoff": "maybe"}, "Use Exponential Backoff", "true or false"),
        ({"excludeAuthorization": "maybe"}, "Exclude Authorization", "true or false"),
    ],
)
def test_input_errors_name_the_input_and_send_nothing(
    client: KlaviyoClient, raw: dict[str, Any], label: str, problem: str
) -> None:
    with responses.RequestsMock() as nothing_sent, pytest.raises(InputError) as caught:
        _run(client, **{"method": "POST", **raw})
    assert caught.value.label == label
    assert problem in str(caught.value)
    assert len(nothing_sent.calls) == 0


# -- response types -----------------------------------------------------------------------------


def test_response_types_json_text_binary(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(LISTS, body='{"data": [1]}', content_type="application/json")
    mocked.get(LISTS, body='{"data": [1]}', content_type="application/json")
    mocked.get(LISTS, body=b"\x00\xffraw", content_type="application/octet-stream")
    mocked.get(LISTS, body="<html>ok</html>", content_type="text/html")

    assert _run(client)["data"] == {"data": [1]}
    assert _run(client, responseType="text")["data"] == '{"data": [1]}'
    binary = _run(client, responseType="binary")
    assert binary["data"] == base64.b64encode(b"\x00\xffraw").decode() and binary["encoding"] == "base64"
    assert _run(client, responseType="json")["data"] == "<html>ok</html>"  # not JSON: the text, not a failure


def test_head_and_empty_bodies_give_null_data(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.head(LISTS, status=200)
    assert _run(client, method="HEAD")["data"] is None


def test_python_facade_returns_a_typed_response(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(LISTS, body=b"\x01\x02")
    mocked.post(f"{BASE}/api/image-upload", status=201, json={"data": {"id": "1"}})

    got = Raw(client).request("GET", "/api/lists", response_type="binary", query={"page[size]": 2})
    assert isinstance(got, RawResponse) and got.body == b"\x01\x02" and got.status == 200
    assert_request(mocked.calls[0], "GET", "/api/lists", query={"page[size]": "2"})

    up = Raw(client).request(
        "POST", "/api/image-upload", form={"name": "Logo"}, files={"file": ("logo.gif", b"GIF89a")}
    )
    assert up.body == {"data": {"id": "1"}}
    assert _parts(mocked.calls[1].request) == [
        ("name", None, "text/plain", b"Logo"),
        ("file", "logo.gif", "image/gif", b"GIF89a"),
    ]


def test_python_facade_sends_dicts_as_json_and_bytes_as_is(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.patch(f"{LISTS}/Y6nRLr", json={"data": {}})
    mocked.post(LISTS, status=201, json={})
    body = {"data": {"type": "list", "id": "Y6nRLr", "attributes": {"name": "x"}}}
    Raw(client).request("PATCH", "/api/lists/Y6nRLr", data=body)
    Raw(client).request("POST", "/api/lists", data=b"\x00raw", headers={"Content-Type": "application/octet-stream"})
    assert_request(mocked.calls[0], "PATCH", "/api/lists/Y6nRLr", body=body)
    assert mocked.calls[1].request.body == b"\x00raw"


# -- retries (exact waits from the fake clock) -------------------------------------------------


def test_no_retry_by_default_even_on_429(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    _fail(mocked, 1, status=429, headers={"Retry-After": "1"})
    with pytest.raises(RateLimitError):
        _run(client)
    _fail(mocked, 1, status=503)
    with pytest.raises(ServerError):
        _run(client, maxRetryCount="0", retryOnAllErrors="true")
    assert len(mocked.calls) == 2 and clock.sleeps == []


def test_constant_retry_delay_in_milliseconds(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    _fail(mocked, 3)
    _ok(mocked)
    out = _run(client, maxRetryCount="3", retryDelayMs="250")
    assert out["status"] == 200
    assert clock.sleeps == [0.25, 0.25, 0.25]


@pytest.mark.parametrize("delay", [None, "", "0", 0])
def test_zero_or_empty_retry_delay_means_the_default_base_never_zero(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock, delay: Any
) -> None:
    _fail(mocked, 2)
    _ok(mocked)
    _run(client, maxRetryCount="2", **({} if delay is None else {"retryDelayMs": delay}))
    assert clock.sleeps == [DEFAULT_BASE_DELAY, DEFAULT_BASE_DELAY] == [0.5, 0.5]


def test_gives_up_after_max_retry_count(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    _fail(mocked, 3)
    with pytest.raises(ServerError):
        _run(client, maxRetryCount="2", retryDelayMs="100")
    assert len(mocked.calls) == 3 and clock.sleeps == [0.1, 0.1]


def test_exponential_backoff_ignores_retry_delay_with_zero_jitter(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    _fail(mocked, 4)
    _ok(mocked)
    _run(client, maxRetryCount="4", useExponentialBackoff="true", retryDelayMs="9000")
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]


def test_exponential_backoff_is_capped(client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock) -> None:
    _fail(mocked, 9)
    with pytest.raises(ServerError):
        _run(client, maxRetryCount="8", useExponentialBackoff="true")
    # 0.5 * 2**7 = 64 is over the client's 60 s cap.
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0]


def test_exponential_backoff_applies_the_clients_jitter(mocked: responses.RequestsMock) -> None:
    clock = FakeClock()
    policy = RetryPolicy(jitter=0.25, random=lambda: 1.0)  # the largest reduction, every time
    c = KlaviyoClient(ApiKeyConnection(API_KEY), base_url=BASE, clock=clock, retry=policy)
    _fail(mocked, 2)
    _ok(mocked)
    RAW_REQUEST.run(c, {"method": "GET", "url": "/api/lists", "maxRetryCount": 2, "useExponentialBackoff": True})
    assert clock.sleeps == [0.375, 0.75]


def test_retry_after_longer_than_the_delay_wins(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    _fail(mocked, 1, status=429, headers={"Retry-After": "7"})
    _ok(mocked)
    _run(client, maxRetryCount="1", retryDelayMs="1000")
    assert clock.sleeps == [7.0]


def test_retry_after_shorter_than_the_delay_does_not_shorten_it(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    _fail(mocked, 1, status=429, headers={"Retry-After": "1"})
    _fail(mocked, 1, status=503, headers={"Retry-After": "2"})
    _ok(mocked)
    _run(client, maxRetryCount="2", retryDelayMs="3000")
    assert clock.sleeps == [3.0, 3.0]


def test_post_is_retried_on_5xx_and_network_errors_when_the_user_asks(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    mocked.post(LISTS, status=502, json={})
    mocked.post(LISTS, body=requests.exceptions.ConnectionError("reset by peer"))
    mocked.post(LISTS, status=201, json={"data": {}})
    out = _run(client, method="POST", data='{"data": {}}', maxRetryCount="2", retryDelayMs="10")
    assert out["status"] == 201 and clock.sleeps == [0.01, 0.01]


def test_network_errors_exhaust_into_a_transport_error(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    for _ in range(2):
        mocked.get(LISTS, body=requests.exceptions.ConnectionError("reset by peer"))
    with pytest.raises(TransportError):
        _run(client, maxRetryCount="1")
    assert clock.sleeps == [0.5]


def test_4xx_is_retried_only_with_retry_on_all_errors(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    _fail(mocked, 1, status=400)
    with pytest.raises(BadRequestError):
        _run(client, maxRetryCount="3")
    assert len(mocked.calls) == 1 and clock.sleeps == []

    _fail(mocked, 2, status=400)
    _ok(mocked)
    out = _run(client, maxRetryCount="3", retryOnAllErrors="true", retryDelayMs="200")
    assert out["status"] == 200 and len(mocked.calls) == 4
    assert clock.sleeps == [0.2, 0.2]


def test_timeout_is_a_total_budget_in_milliseconds_across_attempts(
    client: KlaviyoClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    timeouts: list[Any] = []

    def slow_failure(request: Any) -> tuple[int, dict[str, str], str]:
        timeouts.append(request.req_kwargs["timeout"])
        clock.advance(0.6)  # each attempt takes 0.6 s of the budget
        return 503, {}, "{}"

    mocked.add_callback(responses.GET, LISTS, callback=slow_failure)  # answers every attempt
    with pytest.raises(ServerError):
        _run(client, timeout="2000", maxRetryCount="5", retryDelayMs="500")
    # t=0.6 fail, wait 0.5; t=1.7 fail, and a further 0.5 s wait would end at 2.2 s > 2 s: give up.
    assert len(mocked.calls) == 2
    assert clock.sleeps == [0.5]
    # each attempt may use what is left of the budget, no more
    assert timeouts[0] == (2.0, 2.0)
    assert timeouts[1] == (pytest.approx(0.9), pytest.approx(0.9))


def test_without_timeout_each_attempt_uses_the_clients_timeouts(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    seen: list[Any] = []

    def reply(request: Any) -> tuple[int, dict[str, str], str]:
        seen.append(request.req_kwargs["timeout"])
        return 200, {}, "{}"

    mocked.add_callback(responses.GET, LISTS, callback=reply)
    mocked.add_callback(responses.GET, LISTS, callback=reply)
    _run(client)
    _run(client, timeout="90000")
    assert seen == [client.timeout, (10.0, 90.0)]


def test_manifest_entry_matches_the_catalog_shape() -> None:
    specs = RAW_REQUEST.input_specs()
    assert [s.key for s in specs] == [
        "connection",
        "excludeAuthorization",
        "url",
        "method",
        "data",
        "formData",
        "fileData",
        "fileDataFileNames",
        "queryParameter",
        "header",
        "responseType",
        "timeout",
        "retryDelayMs",
        "retryOnAllErrors",
        "maxRetryCount",
        "useExponentialBackoff",
    ]
    defaults = {s.key: s.default for s in specs if s.default is not None}
    assert defaults == {
        "excludeAuthorization": "false",
        "responseType": "json",
        "retryDelayMs": "0",
        "retryOnAllErrors": "false",
        "maxRetryCount": "0",
        "useExponentialBackoff": "false",
    }
    by_key = {s.key: s for s in specs}
    assert by_key["method"].choices == ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
    assert by_key["responseType"].choices == ("json", "text", "binary")


def test_reachable_from_the_klaviyo_facade(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    from connector.shell.facade import Klaviyo

    mocked.get(LISTS, json={"data": []})
    got = Klaviyo(client=client).raw_request.request("GET", "/api/lists", max_retries=1, timeout_ms=5000)
    assert got.body == {"data": []} and got.status == 200
