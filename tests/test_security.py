"""The security issue: the credential never leaves Klaviyo, and bad answers never crash.

One section per item of the issue; each test failed before its fix. Socket-level tests use servers on
127.0.0.1 (tests/loopback.py) with budgets of a second or less.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from conftest import API_KEY, BASE
from loopback import answer, drip, header_of, loopback

from actions.raw_request import RAW_REQUEST
from connections.api_key import ApiKeyConnection
from connections.oauth2 import OAuth2Connection
from connector.client.auth import Credential
from connector.client.clock import FakeClock
from connector.client.errors import InputError, KlaviyoError, TransportError
from connector.client.json_depth import MAX_JSON_DEPTH
from connector.client.pipeline import KlaviyoClient
from connector.client.retry import RetryPolicy

ACCESS = "oauth-access-token-value-123456"
ATTACKER = re.compile(r"https?://attacker\.example.*")


def _api_key() -> Credential:
    return ApiKeyConnection(API_KEY)


def _oauth() -> Credential:
    return OAuth2Connection(client_id="cid", token={"access_token": ACCESS})


CREDENTIALS = pytest.mark.parametrize("make_credential", [_api_key, _oauth], ids=["api-key", "oauth"])


@pytest.fixture
def anywhere() -> Iterator[responses.RequestsMock]:
    """Mocked HTTP where the attacker's host answers too, so a leak would be recorded, not hidden."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            rsps.add(method, ATTACKER, json={"data": []})
        yield rsps


def _client(credential: Credential) -> KlaviyoClient:
    return KlaviyoClient(credential, base_url=BASE, clock=FakeClock(), retry=RetryPolicy(jitter=0.0))


def _leaks(rsps: responses.RequestsMock) -> list[str]:
    """Every request that went anywhere but the configured host, or carried the credential off it."""
    return [call.request.url for call in rsps.calls if not str(call.request.url).startswith(BASE + "/")]


# -- 1. the credential can be sent to another host ------------------------------------------------

TRICKS = [
    "https://attacker.example\\@a.klaviyo.com/api/lists",
    "https://attacker.example%5C@a.klaviyo.com/api/lists",
    "https://user:pw@a.klaviyo.com/api/lists",
    "https://a.klaviyo.com@attacker.example/api/lists",
    "https://attacker.example\\\\@a.klaviyo.com/api/lists",
    "https:\\\\attacker.example/api/lists",
    "\\\\attacker.example/api/lists",
    "/\\attacker.example/api/lists",
    "https://a.klaviyo.com\t/api/lists",
    "https://a.klaviyo.com /api/lists",
    "https://a.klaviyo.com/api/lists\r\nX-Injected: 1",
    "https://a.klaviyo.com\x00.attacker.example/api/lists",
    "https://\uff41.klaviyo.com/api/lists",  # a fullwidth "a": IDNA would map it to a.klaviyo.com
]


@CREDENTIALS
@pytest.mark.parametrize("url", TRICKS)
def test_request_with_a_tricky_absolute_url_is_refused_before_sending(
    make_credential: Any, url: str, anywhere: responses.RequestsMock
) -> None:
    with pytest.raises(InputError) as caught:
        _client(make_credential()).request("GET", url)
    assert caught.value.label == "URL"
    assert not anywhere.calls


@pytest.mark.parametrize("url", TRICKS)
def test_raw_request_url_with_userinfo_backslash_or_whitespace_is_an_input_error(
    url: str, anywhere: responses.RequestsMock
) -> None:
    with pytest.raises(InputError) as caught:
        RAW_REQUEST.run(_client(_api_key()), {"method": "GET", "url": url})
    assert caught.value.label == "URL"
    assert not anywhere.calls


def test_the_python_facade_refuses_the_same_urls(anywhere: responses.RequestsMock) -> None:
    from connector.shell.facade import Klaviyo

    k = Klaviyo(client=_client(_api_key()))
    for url in TRICKS:
        with pytest.raises(InputError):
            k.request("GET", url)
        with pytest.raises(InputError):
            k.raw_request.request("GET", url)
    assert not anywhere.calls


@CREDENTIALS
def test_links_next_with_a_backslash_authority_is_not_followed(
    make_credential: Any, anywhere: responses.RequestsMock
) -> None:
    trick = "https://attacker.example\\@a.klaviyo.com/api/lists?page%5Bcursor%5D=2"
    anywhere.get(f"{BASE}/api/lists", json={"data": [{"id": "1"}], "links": {"next": trick}})
    with pytest.raises(KlaviyoError):
        list(_client(make_credential()).paginate("/api/lists"))
    assert _leaks(anywhere) == []


@CREDENTIALS
@pytest.mark.parametrize(
    "location",
    [
        "https://attacker.example\\@a.klaviyo.com/api/lists",
        "https://attacker.example%5C@a.klaviyo.com/api/lists",
        "https://a.klaviyo.com@attacker.example/x",
        "\\\\attacker.example/x",
        "/\\attacker.example/x",
        "https://a.klaviyo.com /x",
    ],
)
def test_redirect_to_a_tricky_location_is_refused(
    make_credential: Any, location: str, anywhere: responses.RequestsMock
) -> None:
    anywhere.get(f"{BASE}/api/lists", status=302, headers={"Location": location})
    with pytest.raises(KlaviyoError) as caught:
        _client(make_credential()).request("GET", "/api/lists")
    assert caught.value.exit_code == 4
    assert _leaks(anywhere) == []


@CREDENTIALS
def test_every_redirect_hop_is_checked(make_credential: Any, anywhere: responses.RequestsMock) -> None:
    """Same host, then another host (followed without the credential), then back: once off, never again."""
    anywhere.get(f"{BASE}/api/a", status=302, headers={"Location": "/api/b"})
    anywhere.get(f"{BASE}/api/b", status=302, headers={"Location": "https://attacker.example/c"})
    anywhere.replace("GET", ATTACKER, status=302, headers={"Location": f"{BASE}/api/d"})
    anywhere.get(f"{BASE}/api/d", json={"data": []})
    _client(make_credential()).request("GET", "/api/a")
    sent = [(c.request.url, c.request.headers.get("Authorization")) for c in anywhere.calls]
    assert [url for url, _ in sent] == [f"{BASE}/api/a", f"{BASE}/api/b", "https://attacker.example/c", f"{BASE}/api/d"]
    assert [auth is not None for _, auth in sent] == [True, True, False, False]


def test_over_real_sockets_a_backslash_url_never_reaches_the_other_server() -> None:
    """The issue's exploit end to end: urlsplit reads the configured host, urllib3 would connect elsewhere."""
    with (
        loopback(lambda conn, _: conn.sendall(answer())) as attacker,
        loopback(lambda conn, _: conn.sendall(answer())) as klaviyo,
    ):
        base = f"http://localhost:{klaviyo.port}"
        client = KlaviyoClient(_api_key(), base_url=base, retry=RetryPolicy(max_retries=0))
        with pytest.raises(InputError):
            client.request("GET", f"http://127.0.0.1:{attacker.port}\\@localhost:{klaviyo.port}/api/lists")
        redirecting = answer(302, b"", {"Location": f"http://127.0.0.1:{attacker.port}\\@localhost:{klaviyo.port}/x"})
        klaviyo.respond = lambda conn, _: conn.sendall(redirecting)
        with pytest.raises(KlaviyoError):
            client.request("GET", "/api/lists")
        client.close()
    assert attacker.requests == []
    assert all(header_of(r, "Authorization") for r in klaviyo.requests)


# -- 2. request smuggling through Raw Request's Header input -----------------------------------------

FRAMING = [
    "Content-Length",
    "Transfer-Encoding",
    "Host",
    "Connection",
    "Keep-Alive",
    "TE",
    "Trailer",
    "Upgrade",
    "Proxy-Connection",
    "Proxy-Authenticate",
    "transfer-encoding",
]


@pytest.mark.parametrize("name", FRAMING)
def test_framing_and_hop_by_hop_headers_are_input_errors_naming_header(
    name: str, anywhere: responses.RequestsMock
) -> None:
    client = _client(_api_key())
    with pytest.raises(InputError) as caught:
        RAW_REQUEST.run(client, {"method": "POST", "url": "/api/lists", "data": "{}", "header": {name: "chunked"}})
    assert caught.value.label == "Header" and caught.value.key == "header"
    assert name.lower() in str(caught.value).lower()
    with pytest.raises(InputError) as direct:
        client.request("GET", "/api/lists", headers={name: "10"})  # every entry point, not just Raw Request
    assert direct.value.label == "Header"
    assert not anywhere.calls


@pytest.mark.parametrize(
    "value",
    ["a\rb", "a\nb", "a\x00b", "a\x1bb", "a\x7fb", "\u20ac uro", "emoji \U0001f600", "lone \ud800 surrogate"],
    ids=["CR", "LF", "NUL", "ESC", "DEL", "euro", "emoji", "surrogate"],
)
def test_header_values_that_cannot_be_sent_are_input_errors(value: str, anywhere: responses.RequestsMock) -> None:
    client = _client(_api_key())
    with pytest.raises(InputError) as caught:
        RAW_REQUEST.run(client, {"method": "GET", "url": "/api/lists", "header": {"X-Note": value}})
    assert caught.value.label == "Header"
    with pytest.raises(InputError) as direct:
        client.request("GET", "/api/lists", headers={"X-Note": value})
    assert direct.value.label == "Header"
    assert not anywhere.calls


def test_latin1_header_values_still_go_through(anywhere: responses.RequestsMock) -> None:
    anywhere.get(f"{BASE}/api/lists", json={"data": []})
    _client(_api_key()).request("GET", "/api/lists", headers={"X-Note": "caf\u00e9\tok ", "If-None-Match": '"e1"'})
    assert anywhere.calls[0].request.headers["X-Note"] == "caf\u00e9\tok"


def test_over_real_sockets_no_smuggled_request_reaches_the_server() -> None:
    """Transfer-Encoding plus a body that reads as a second request: refused, nothing reaches the socket."""
    smuggle = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a.klaviyo.com\r\n\r\n"
    with loopback(lambda conn, _: conn.sendall(answer())) as server:
        client = KlaviyoClient(_api_key(), base_url=server.url, retry=RetryPolicy(max_retries=0))
        with pytest.raises(InputError):
            RAW_REQUEST.run(
                client,
                {"method": "POST", "url": "/api/lists", "data": smuggle, "header": {"Transfer-Encoding": "chunked"}},
            )
        client.close()
    assert server.requests == []


# -- 3. timeouts are a budget -----------------------------------------------------------------------


def _elapsed(run: Any) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        run()
    except BaseException as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def test_raw_request_timeout_bounds_a_dripping_answer() -> None:
    """The issue: Timeout 1,500 ms held 19.8 s against one byte every 0.5 s. Here: 300 ms, a byte every 50 ms."""
    with loopback(drip(0.05)) as server:
        client = KlaviyoClient(_api_key(), base_url=server.url)
        took, error = _elapsed(lambda: RAW_REQUEST.run(client, {"method": "GET", "url": "/api/lists", "timeout": 300}))
        client.close()
    assert isinstance(error, TransportError) and error.exit_code == 5
    assert "time budget" in str(error)
    assert took < 1.2


def test_client_total_timeout_bounds_a_body_that_drips_after_quick_headers() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\nContent-Type: application/json\r\n\r\n"

    def respond(conn: Any, _request: bytes) -> None:
        conn.sendall(head)
        drip(0.05, b"[" + b" " * 398 + b"]")(conn, _request)

    with loopback(respond) as server:
        policy = RetryPolicy(max_retries=3, total_timeout=0.3)
        client = KlaviyoClient(_api_key(), base_url=server.url, timeout=(1, 1), retry=policy)
        took, error = _elapsed(lambda: client.request("GET", "/api/lists"))
        client.close()
    assert isinstance(error, TransportError)
    assert took < 1.2
    assert len(server.requests) == 1  # no retry can fit in what is left of the budget


def test_a_silent_server_is_bounded_by_the_budget_across_retries() -> None:
    with loopback(lambda conn, _: time.sleep(3)) as server:
        policy = RetryPolicy(max_retries=5, base_delay=0.05, jitter=0.0, total_timeout=0.5)
        client = KlaviyoClient(_api_key(), base_url=server.url, retry=policy)
        took, error = _elapsed(lambda: client.request("GET", "/api/lists"))
        client.close()
    assert isinstance(error, TransportError)
    assert took < 1.5


def test_the_cli_gives_a_step_a_default_total_budget(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import connector.shell.env as env
    from connector.shell.cli import main

    assert env.STEP_TIME_BUDGET == 120.0  # the figure the README states
    monkeypatch.setattr(env, "STEP_TIME_BUDGET", 0.4)
    with loopback(lambda conn, _: time.sleep(3)) as server:
        monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
        monkeypatch.setenv("KLAVIYO_BASE_URL", server.url)
        took, _ = _elapsed(lambda: pytest.fail("") if main(["run", "getList", "-i", "listId=x"]) != 5 else None)
    assert took < 2.0
    assert json.loads(capsys.readouterr().err)["error"]["type"] == "TransportError"


# -- 4. malformed answers are typed errors, never a crash or a success ---------------------------------

HTML = "<html><body>Log in to the hotel Wi-Fi</body></html>"


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    from connector.shell.cli import main

    code = main(argv)
    err = capsys.readouterr().err
    return code, (json.loads(err)["error"] if err.strip() else None)


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
    monkeypatch.setenv("KLAVIYO_BASE_URL", BASE)


@pytest.mark.parametrize(
    "nxt", [5, {"href": f"{BASE}/api/lists?page=2"}, ["x"], True], ids=["number", "object", "array", "bool"]
)
def test_links_next_that_is_not_a_string_is_a_malformed_response(
    nxt: Any, api_env: None, mocked: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    mocked.get(f"{BASE}/api/lists", json={"data": [{"type": "list", "id": "1"}], "links": {"next": nxt}})
    code, error = _cli(["run", "listLists"], capsys)
    assert code == 4 and error["type"] == "MalformedResponseError"
    assert "links.next" in error["message"]


@pytest.mark.parametrize(
    ("argv", "method", "path", "status"),
    [
        (["run", "createList", "-i", "listName=VIP"], "POST", "/api/lists", 201),
        (["run", "getList", "-i", "listId=Y6nRLr"], "GET", "/api/lists/Y6nRLr", 200),
        (["run", "listLists"], "GET", "/api/lists", 200),
        (["run", "upsertProfile", "-i", "email=ada@example.com"], "POST", "/api/profiles", 201),
        (["source", "selectList"], "GET", "/api/lists", 200),
    ],
    ids=["create", "get", "list", "upsert", "source"],
)
@pytest.mark.parametrize(
    "body",
    [HTML.encode(), b'\xff\xfe{"data": {}}', b'{"data": null}', b"[]", b'"text"', b'{"data": 5}', b"[" * 5000],
    ids=["html", "invalid-utf8", "data-null", "array", "string", "data-number", "deep"],
)
def test_a_success_status_with_a_body_that_is_not_the_document_is_a_malformed_response(
    argv: list[str],
    method: str,
    path: str,
    status: int,
    body: bytes,
    api_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(method, re.compile(re.escape(BASE + path) + r"(\?.*)?$"), body=body, status=status)
        code, error = _cli(argv, capsys)
    if body == b'{"data": null}' and argv[1] == "getList":
        assert code == 0  # null primary data is valid JSON:API for a 200 on a single resource
        return
    assert code == 4, error
    assert error["type"] == "MalformedResponseError"
    assert error["status"] == status and error["received"]


def test_what_was_received_is_shortened_and_scrubbed(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/lists", body=f"<html>{API_KEY} " + "x" * 5000 + "</html>", status=201)
    with pytest.raises(KlaviyoError) as caught:
        _client(_api_key()).request("POST", "/api/lists", json={}).json()
    text = str(caught.value) + json.dumps(caught.value.to_json())
    assert API_KEY not in text and "********" in text
    assert len(caught.value.to_json()["error"]["received"]) < 400


@pytest.mark.parametrize(
    "script",
    [
        [(302, {})],
        [(301, {"Location": ""})],
        [(307, {"Location": "/api/lists"})],
        [(302, {"Location": "/api/b"}), (302, {"Location": "/api/lists"})],
        [(300, {"Location": "/api/b"})],
    ],
    ids=["no-location", "empty-location", "self-loop", "loop", "multiple-choices"],
)
def test_a_redirect_that_cannot_be_followed_is_an_error_not_success(
    script: list[tuple[int, dict[str, str]]], api_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        paths = ["/api/lists", "/api/b"]
        for (status, headers), p in zip(script, paths[: len(script)], strict=True):
            rsps.get(f"{BASE}{p}", status=status, headers=headers, body="")
        code, error = _cli(["run", "rawRequest", "-i", "url=/api/lists", "-i", "method=GET"], capsys)
        assert code == 4 and error["type"] == "MalformedResponseError", error
        code, error = _cli(["run", "listLists"], capsys)
    assert code == 4 and error["type"] == "MalformedResponseError"


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, b'{"data": [{"type": "profile", "id": "1"}]}'), (204, b""), (202, b""), (201, b'{"data": {"type": "x"}}')],
    ids=["array", "no-content", "accepted", "no-id"],
)
def test_a_create_answered_without_the_created_resource_is_malformed(
    status: int, body: bytes, api_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the CLI fuzz test: upsertProfile read doc["data"]["id"] and crashed with a TypeError."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{BASE}/api/profiles", status=status, body=body)
        code, error = _cli(["run", "upsertProfile", "-i", "email=ada@example.com"], capsys)
    assert code == 4 and error["type"] == "MalformedResponseError", error


@pytest.mark.parametrize("response_type", ["json", "text", "binary"])
def test_raw_request_output_masks_a_credential_the_server_echoes(
    response_type: str, api_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the CLI fuzz test: Raw Request printed a body (and headers) that echoed the API key."""
    from connector.shell.cli import main

    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/api/lists", json={"echo": f"Klaviyo-API-Key {API_KEY}"}, headers={"X-Debug": API_KEY})
        code = main(
            ["run", "rawRequest", "-i", "url=/api/lists", "-i", "method=GET", "-i", f"responseType={response_type}"]
        )
    out = capsys.readouterr().out
    assert code == 0 and API_KEY not in out
    data = json.loads(out)["data"]
    if response_type == "binary":
        assert API_KEY.encode() not in base64.b64decode(data)


def test_absurd_rate_limit_and_retry_after_headers_are_read_as_finite_numbers(mocked: responses.RequestsMock) -> None:
    """Found by the CLI fuzz test: 400-digit values raised OverflowError or printed Infinity (not JSON)."""
    huge = "9" * 400
    mocked.get(f"{BASE}/api/lists", status=429, headers={"Retry-After": huge, "RateLimit-Limit": huge}, json={})
    with pytest.raises(KlaviyoError) as caught:
        _client(_api_key()).request("GET", "/api/lists")
    json.dumps(caught.value.to_json(), allow_nan=False)  # valid JSON: no Infinity
    from connector.client.response import KlaviyoResponse

    page = KlaviyoResponse(200, {"RateLimit-Limit": huge, "RateLimit-Remaining": "nan"}, b"{}", "GET", "u", "/x")
    assert page.rate_limit.limit is None


def test_too_many_redirects_is_an_error(mocked: responses.RequestsMock) -> None:
    for i in range(6):
        mocked.get(f"{BASE}/api/r{i}", status=302, headers={"Location": f"/api/r{i + 1}"})
    with pytest.raises(KlaviyoError) as caught:
        _client(_api_key()).request("GET", "/api/r0")
    assert caught.value.exit_code == 4 and "redirects" in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "exit_code"),
    [
        ({"body": HTML, "status": 200}, 4),
        ({"body": b"\xff\xfe", "status": 200}, 4),
        ({"json": [1, 2]}, 4),
        ({"json": {"token_type": "Bearer"}}, 4),  # no access_token
        ({"json": {"access_token": "a-new-access-token", "expires_in": "soon"}}, 4),
        ({"json": {"access_token": 12345678, "expires_in": 3600}}, 4),
        ({"body": "upstream down", "status": 503}, 5),
        ({"body": "[" * 5000, "status": 200}, 4),
    ],
    ids=["html", "invalid-utf8", "array", "no-access-token", "bad-expires-in", "number-token", "503", "deep"],
)
def test_an_oauth_token_answer_that_is_not_a_token_is_a_typed_error(
    reply: dict[str, Any], exit_code: int, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/oauth/token", **reply)
    conn = OAuth2Connection(client_id="cid", client_secret="client-secret-value", token={"refresh_token": "rt-123456"})
    with pytest.raises(KlaviyoError) as caught:
        conn.refresh()
    assert caught.value.exit_code == exit_code, caught.value
    assert "client-secret-value" not in str(caught.value) and "rt-123456" not in str(caught.value)


def test_an_oauth_token_answer_that_is_not_a_token_exits_4_from_the_cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, mocked: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = tmp_path / "token.json"
    token_file.write_text(json.dumps({"access_token": "old-access", "refresh_token": "rt-123456", "expires_at": 0}))
    monkeypatch.setenv("KLAVIYO_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("KLAVIYO_CLIENT_ID", "cid")
    monkeypatch.setenv("KLAVIYO_CLIENT_SECRET", "client-secret-value")
    monkeypatch.setenv("KLAVIYO_BASE_URL", BASE)
    mocked.post(f"{BASE}/oauth/token", body=HTML, status=200)
    code, error = _cli(["run", "getList", "-i", "listId=x"], capsys)
    assert code == 4 and error["type"] == "MalformedResponseError"
    assert "Wi-Fi" in error["received"]


# -- 5. inputs that crashed --------------------------------------------------------------------------

DEEP = "[" * 5000 + "]" * 5000


def _inputs_file(tmp_path: Any, text: str) -> str:
    path = tmp_path / "inputs.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("action", "inputs", "input_key"),
    [
        ("rawRequest", '{"url": "/api/lists", "method": "POST", "data": ' + DEEP + "}", "data"),
        ("createProfile", '{"email": "ada@example.com", "properties": {"a": ' + DEEP + "}}", "properties"),
        ("rawRequest", '{"url": "/api/lists", "method": "POST", "data": ' + json.dumps(DEEP) + "}", "data"),
        (
            "createProfile",
            '{"email": "ada@example.com", "properties": ' + json.dumps('{"a": ' + DEEP + "}") + "}",
            "properties",
        ),
        ("bulkCreateEvents", '{"eventsArray": ' + json.dumps("[" * 500 + "]" * 500) + "}", "eventsArray"),
        ("createProfile", '{"email": "ada@example.com", "location": ' + "[" * 400 + "]" * 400 + "}", "location"),
    ],
    ids=["inputs-file", "inputs-file-nested", "json-text", "json-text-nested", "json-500", "value-400"],
)
def test_json_nested_too_deeply_is_an_input_error_naming_the_input(
    action: str, inputs: str, input_key: str, api_env: None, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with responses.RequestsMock() as nothing_sent:
        code, error = _cli(["run", action, "--inputs", _inputs_file(tmp_path, inputs)], capsys)
    assert code == 2, error
    assert error["type"] == "InputError" and error["input"] == input_key
    assert "nested" in error["message"]
    assert not nothing_sent.calls


@pytest.mark.parametrize(
    ("action", "inputs", "input_key"),
    [
        ("createList", {"listName": "VIP \ud800"}, "listName"),
        ("rawRequest", {"url": "/api/lists/\udcff", "method": "GET"}, "url"),
        ("rawRequest", {"url": "/api/lists", "method": "POST", "data": '{"a": "\ud800"}'}, "data"),
        ("rawRequest", {"url": "/api/lists", "method": "POST", "data": {"a": ["\udfff"]}}, "data"),
        ("rawRequest", {"url": "/api/lists", "method": "GET", "queryParameter": {"k\ud800": "v"}}, "queryParameter"),
        ("rawRequest", {"url": "/api/lists", "method": "GET", "header": {"X-Note": "\u20ac"}}, "header"),
        ("createProfile", {"email": "ada@example.com", "properties": {"\ud800": 1}}, "properties"),
        ("createProfile", {"email": "ada@example.com", "properties": '{"a": NaN}'}, "properties"),
        (
            "createEvent",
            {"eventName": "M", "eventProfile": {"email": "ada@example.com"}, "eventProperties": '{"big": -Infinity}'},
            "eventProperties",
        ),
    ],
    ids=["string", "url", "json-text", "json-value", "query-key", "header-not-latin1", "json-key", "nan", "inf"],
)
def test_text_that_cannot_be_sent_is_an_input_error_naming_the_input(
    action: str,
    inputs: dict[str, Any],
    input_key: str,
    api_env: None,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = json.dumps(inputs)  # ensure_ascii: lone surrogates travel as \\ud800 escapes
    with responses.RequestsMock() as nothing_sent:
        code, error = _cli(["run", action, "--inputs", _inputs_file(tmp_path, text)], capsys)
    assert code == 2, error
    assert error["input"] == input_key
    assert not nothing_sent.calls


def test_a_lone_surrogate_from_the_command_line_is_an_input_error(
    api_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Arguments that are not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    code, error = _cli(["run", "createList", "-i", "listName=VIP \udcff"], capsys)
    assert code == 2 and error["input"] == "listName"


@pytest.mark.parametrize(
    "raw",
    [b'{"listName": "\xff\xfe"}', b'{"listName": ' + b"1" * 5000 + b"}", b"[" * 5000, b'{"listName": NaN}'],
    ids=["not-utf8", "huge-int", "deep", "nan"],
)
def test_unreadable_inputs_files_are_input_errors(
    raw: bytes, api_env: None, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "inputs.json"
    path.write_bytes(raw)
    code, error = _cli(["run", "createList", "--inputs", str(path)], capsys)
    assert code == 2, error
    assert error["type"] == "InputError" and "--inputs" in error["message"]


def test_python_values_that_are_not_json_are_input_errors_naming_the_input() -> None:
    from connector.shell.component import COMPONENT

    action = COMPONENT.action("createEvent")
    for bad in ({"big": float("inf")}, {"n": [float("nan")]}, {"k": "\ud800"}):
        with pytest.raises(InputError) as caught:
            action.clean({"eventName": "M", "eventProfile": {"email": "ada@example.com"}, "eventProperties": bad})
        assert caught.value.key == "eventProperties"


def test_a_python_caller_gets_input_errors_too(anywhere: responses.RequestsMock) -> None:
    client = _client(_api_key())
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    for body in ({"a": float("nan")}, {"a": "\ud800"}, deep, {"a": object()}):
        with pytest.raises(InputError):
            client.request("POST", "/api/lists", json=body)
    with pytest.raises(InputError):
        client.request("POST", "/api/lists", data="text \ud800")
    with pytest.raises(InputError):
        client.request("GET", "/api/lists", params={"filter": "\ud800"})
    assert not anywhere.calls


def test_a_body_nested_past_the_limit_is_refused_on_every_python(anywhere: responses.RequestsMock) -> None:
    """Python 3.12+ encodes thousands of levels where 3.10 and 3.11 hit their recursion limit: the limit is ours."""
    client = _client(_api_key())
    anywhere.post("https://a.klaviyo.com/api/lists", status=202)
    allowed: Any = {"a": 1}
    for _ in range(MAX_JSON_DEPTH - 1):
        allowed = [allowed]
    assert client.request("POST", "/api/lists", json=allowed).status == 202
    with pytest.raises(InputError, match=f"nested more than {MAX_JSON_DEPTH} levels"):
        client.request("POST", "/api/lists", json=[allowed])
    assert len(anywhere.calls) == 1


# -- 6. smaller ones ----------------------------------------------------------------------------------

CLIENT_SECRET = "client-secret-value-abcdef"
REFRESH = "oauth-refresh-token-value-654321"


def _chain_text(error: BaseException) -> str:
    """Everything an error and the exceptions chained to it hold (messages, args and attributes)."""
    parts: list[str] = []
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        parts += [str(current), repr(current.args)]
        parts += [repr(value) for value in vars(current).values()]
        stack += [current.__context__, current.__cause__]
    return "\n".join(parts)


def test_the_basic_auth_form_of_the_client_credentials_is_redacted(mocked: responses.RequestsMock) -> None:

    basic = base64.b64encode(f"cid:{CLIENT_SECRET}".encode()).decode()
    mocked.post(f"{BASE}/oauth/token", status=401, json={"error": "invalid_client", "error_description": basic})
    mocked.post(f"{BASE}/oauth/token", status=200, body=f"<html>Authorization: Basic {basic}</html>")
    conn = OAuth2Connection(client_id="cid", client_secret=CLIENT_SECRET, token={"refresh_token": REFRESH})
    for _ in range(2):
        with pytest.raises(KlaviyoError) as caught:
            conn.refresh()
        assert basic not in _chain_text(caught.value) + json.dumps(caught.value.to_json())


def test_oauth_tokens_are_held_as_secrets(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/oauth/token", json={"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600})
    conn = OAuth2Connection(client_id="cid", client_secret=CLIENT_SECRET, token={"refresh_token": "rt-first-123"})
    conn.refresh()
    held = repr(vars(conn)) + str(vars(conn))
    for secret in (ACCESS, REFRESH, CLIENT_SECRET):
        assert secret not in held
    assert conn.token["access_token"] == ACCESS and conn.token["refresh_token"] == REFRESH  # to persist it
    assert conn.authorization_header() == f"Bearer {ACCESS}"


@pytest.mark.parametrize("case", ["token-endpoint-echo", "token-file", "answer-not-utf8", "transport"])
def test_no_secret_hides_in_a_chained_exception(case: str, mocked: responses.RequestsMock, tmp_path: Any) -> None:
    from connections.token_store import TokenFile

    conn = OAuth2Connection(client_id="cid", client_secret=CLIENT_SECRET, token={"refresh_token": REFRESH})
    with pytest.raises(KlaviyoError) as caught:
        if case == "token-endpoint-echo":
            mocked.post(
                f"{BASE}/oauth/token", status=400, json={"error": "invalid_request", "error_description": REFRESH}
            )
            conn.refresh()
        elif case == "token-file":
            path = tmp_path / "token.json"
            path.write_text('{"refresh_token": "' + REFRESH + '", ')
            TokenFile(path).load()
        elif case == "answer-not-utf8":
            mocked.post(f"{BASE}/api/lists", status=201, body=b"\xff" + API_KEY.encode())
            _client(_api_key()).request("POST", "/api/lists", json={}).json()
        else:
            import requests

            mocked.get(f"{BASE}/api/lists", body=requests.exceptions.ConnectionError(f"header {API_KEY}"))
            KlaviyoClient(_api_key(), base_url=BASE, retry=RetryPolicy(max_retries=0)).request("GET", "/api/lists")
    text = _chain_text(caught.value)
    for secret in (API_KEY, REFRESH, CLIENT_SECRET):
        assert secret not in text


@pytest.mark.parametrize("token", ["abc\r\nX-Injected: 1", "abc\ndef", "abc\x1bdef", "t\u00f6k\u20acn"])
def test_a_credential_that_cannot_be_sent_is_a_configuration_error_not_a_retried_network_error(
    token: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KLAVIYO_ACCESS_TOKEN", token)
    monkeypatch.setenv("KLAVIYO_BASE_URL", BASE)
    with responses.RequestsMock() as nothing_sent:
        code, error = _cli(["run", "getList", "-i", "listId=x"], capsys)
    assert code == 3 and error["type"] == "ConnectionConfigError", error
    assert token not in json.dumps(error, ensure_ascii=False)
    assert not nothing_sent.calls


def test_a_credential_with_a_nul_is_a_configuration_error_too(anywhere: responses.RequestsMock) -> None:
    conn = OAuth2Connection(client_id="cid", token={"access_token": "abc\x00def"})
    with pytest.raises(KlaviyoError) as caught:
        _client(conn).request("GET", "/api/lists")
    assert caught.value.exit_code == 3 and not anywhere.calls


def test_raw_request_honours_retry_after_on_a_503(mocked: responses.RequestsMock) -> None:
    clock = FakeClock()
    client = KlaviyoClient(_api_key(), base_url=BASE, clock=clock, retry=RetryPolicy(jitter=0.0))
    mocked.get(f"{BASE}/api/lists", status=503, headers={"Retry-After": "7"}, json={"errors": []})
    mocked.get(f"{BASE}/api/lists", json={"data": []})
    RAW_REQUEST.run(client, {"method": "GET", "url": "/api/lists", "maxRetryCount": 1, "retryDelayMs": 100})
    assert clock.sleeps == [7.0]
    mocked.get(f"{BASE}/api/lists", status=503, headers={"Retry-After": "3600"}, json={"errors": []})
    with pytest.raises(KlaviyoError, match="more than the 300s"):
        client.request("GET", "/api/lists")  # above the limit: give up at once, like a 429
    assert clock.sleeps == [7.0]


@pytest.mark.parametrize("status", [307, 308])
def test_a_307_or_308_to_another_host_never_resends_the_body(status: int, anywhere: responses.RequestsMock) -> None:
    anywhere.post(f"{BASE}/api/lists", status=status, headers={"Location": "https://attacker.example/collect"})
    with pytest.raises(KlaviyoError) as caught:
        _client(_api_key()).request("POST", "/api/lists", json={"data": {"attributes": {"name": "private"}}})
    assert caught.value.exit_code == 4
    assert _leaks(anywhere) == []
