"""The typed Klaviyo client: one session, one request pipeline, shared by every entry point.

``KlaviyoClient.request`` runs named steps, in order:

1. :meth:`~KlaviyoClient.prepare`: resolve the URL against the configured host (refusing other
   hosts), add the pinned ``revision``, JSON:API content headers and ``User-Agent``, encode the
   body and the query. The result, a :class:`PreparedCall`, does not change between attempts.
2. :meth:`~KlaviyoClient.attempt`: send one try with the credential and explicit connect/read
   timeouts, following redirects without ever carrying the credential off the configured host.
3. :meth:`~KlaviyoClient.interpret`: turn the answer (or the transport failure) into a retry
   :class:`~connector.client.retry.Outcome` and, for a failure, the error of the
   :mod:`connector.client.errors` hierarchy.
4. :meth:`RetryPolicy.decide <connector.client.retry.RetryPolicy.decide>`: a pure decision to wait
   and retry, or to stop.

Example:
    >>> from connections.api_key import ApiKeyConnection
    >>> client = KlaviyoClient(ApiKeyConnection("pk_" + "a" * 34), base_url="http://127.0.0.1:9")
    >>> client.base_url
    'http://127.0.0.1:9'

Reference: https://developers.klaviyo.com/en/reference/api_overview
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

from connector import structs
from connector.client import urls
from connector.client.auth import Credential
from connector.client.clock import Clock, SystemClock
from connector.client.errors import (
    ApiError,
    ConnectionConfigError,
    InputError,
    KlaviyoError,
    MalformedResponseError,
    TransportError,
    excerpt,
)
from connector.client.headers import merge_headers, value_problem
from connector.client.json_depth import MAX_JSON_DEPTH, TOO_DEEP, nested_deeper_than
from connector.client.pagination import PaginationLoopError, first_page_query, next_link, page_resources
from connector.client.response import KlaviyoResponse
from connector.client.retry import Decision, Outcome, RetryPolicy, parse_retry_after
from connector.client.secrets import redact
from connector.version import API_REVISION, USER_AGENT

if TYPE_CHECKING:
    import requests

log = logging.getLogger("connector.client.pipeline")

DEFAULT_BASE_URL = "https://a.klaviyo.com"
JSON_API = "application/vnd.api+json"
#: Seconds to wait for a TCP connection, and then for each read of the answer.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)
MAX_REDIRECTS = 5
#: The redirects the client follows (each hop checked); any other 3xx but 304 is a malformed answer.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

QueryParams = Mapping[str, Any] | Sequence[tuple[str, Any]]
_SURROGATE = re.compile("[\ud800-\udfff]")


class Throttle(Protocol):
    """Proactive rate limiting around each HTTP attempt (see ``connector.apps.sync`` for Klaviyo's tiers).

    ``before`` may wait (on the client's clock) until the endpoint's budget allows another call;
    ``after`` learns from the answer (a 429 shrinks the budget, successes let it recover).
    """

    def before(self, method: str, path: str) -> None:
        """Called before every attempt."""

    def after(self, method: str, path: str, status: int | None, retry_after: float | None) -> None:
        """Called after every attempt; ``status`` is None when no answer came."""


@structs.frozen
class PreparedCall:
    """One logical request, ready to send: everything that stays the same across attempts.

    ``request`` is the prepared HTTP request (URL with the query, headers, encoded body) without
    the ``Authorization`` header, which each attempt adds (an OAuth token may be refreshed between
    attempts).
    """

    method: str
    url: str
    path: str
    request: requests.PreparedRequest
    authenticate: bool
    retry_safe: bool


@structs.frozen
class TransportFailure:
    """An attempt that got no HTTP answer: what happened, and whether the request may have been sent."""

    description: str
    request_sent: bool


Answer = KlaviyoResponse | TransportFailure


class KlaviyoClient:
    """A thread-safe client for Klaviyo's REST API.

    Args:
        credential: the connection that supplies the ``Authorization`` header (API key or OAuth).
        base_url: Klaviyo host; default ``https://a.klaviyo.com`` (the shell reads ``KLAVIYO_BASE_URL``).
        revision: API revision header; default the pinned ``2026-07-15``.
        timeout: ``(connect, read)`` seconds.
        retry: the default :class:`RetryPolicy`; calls may pass their own.
        clock: time source for waits (inject :class:`~connector.client.clock.FakeClock` in tests).
        pool_size: connections kept per host for concurrent use.
        throttle: optional proactive rate limiter consulted around every attempt.

    Example:
        >>> from connections.api_key import ApiKeyConnection
        >>> c = KlaviyoClient(ApiKeyConnection("pk_" + "b" * 34), base_url="https://a.klaviyo.com/")
        >>> c.base_url, c.revision
        ('https://a.klaviyo.com', '2026-07-15')
    """

    def __init__(
        self,
        credential: Credential | None,
        *,
        base_url: str | None = None,
        revision: str | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        pool_size: int = 16,
        session: requests.Session | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self.credential = credential
        self.base_url = _normalise_base_url(base_url or DEFAULT_BASE_URL)
        self._origin = urls.origin(self.base_url)
        self.revision = revision or API_REVISION
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.clock: Clock = clock or SystemClock()
        self._pool_size = pool_size
        self.throttle = throttle
        self._session = session
        self._session_lock = threading.Lock()
        self._refresh_lock = threading.Lock()

    def __repr__(self) -> str:
        kind = type(self.credential).__name__ if self.credential else "no credential"
        return f"KlaviyoClient(base_url={self.base_url!r}, revision={self.revision!r}, auth={kind})"

    # -- session -------------------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        """The pooled ``requests.Session``, created on first use (keeps ``import connector`` fast)."""
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    import requests

                    from connector.client.transport import WatchedAdapter

                    session = requests.Session()
                    # Retries are ours (status-aware, Retry-After-aware); urllib3's own would double them.
                    # The adapter's connections can be cut when an attempt's time budget runs out.
                    adapter = WatchedAdapter(pool_connections=4, pool_maxsize=self._pool_size, max_retries=0)
                    session.mount("http://", adapter)
                    session.mount("https://", adapter)
                    # Environment proxies and .netrc could inject credentials or reroute the key.
                    session.trust_env = False
                    self._session = session
        return self._session

    def close(self) -> None:
        """Close pooled connections."""
        if self._session is not None:
            self._session.close()

    def __enter__(self) -> KlaviyoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- URLs ----------------------------------------------------------------------------------

    def url_for(self, path_or_url: str) -> str:
        """Resolve a path (``/api/lists``) or a full URL on the configured host; refuse any other host.

        Example:
            >>> from connections.api_key import ApiKeyConnection
            >>> c = KlaviyoClient(ApiKeyConnection("pk_" + "c" * 34), base_url="https://a.klaviyo.com")
            >>> c.url_for("/api/lists")
            'https://a.klaviyo.com/api/lists'
        """
        text = path_or_url.strip()
        if not text:
            raise InputError("a path such as /api/lists is required", label="URL", key="url")
        if urls.control_character(text):
            raise InputError(
                "contains a control character (a line break, tab, NUL...), which cannot be sent in a URL",
                label="URL",
                key="url",
            )
        if urls.is_absolute(text):
            problem = urls.unsafe_reason(text)
            if problem is not None:
                raise InputError(
                    f"{text!r} {problem}, so which host it names is ambiguous; the credential is only ever "
                    "sent to the configured Klaviyo host. Give a path such as /api/lists.",
                    label="URL",
                    key="url",
                )
            self._refuse_other_host(text)
            return text
        if not text.startswith("/"):
            text = "/" + text
        return self.base_url + text

    def is_own_host(self, url: str) -> bool:
        """True when ``url`` is on the configured Klaviyo origin (scheme, host and port), as urllib3 reads it."""
        return urls.origin(url) == self._origin

    def _refuse_other_host(self, url: str) -> None:
        if not self.is_own_host(url):
            raise InputError(
                f"{urls.origin(url) or url!r} is not the configured Klaviyo host {self._origin}; "
                "the credential is only ever sent there. Give a path such as /api/lists.",
                label="URL",
                key="url",
            )

    # -- the pipeline --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        revision: str | None = None,
        retry_safe: bool = False,
        retry: RetryPolicy | None = None,
        timeout: tuple[float, float] | None = None,
        authenticate: bool = True,
    ) -> KlaviyoResponse:
        """Send one logical request (with retries) and return the successful response.

        Args:
            method: HTTP method.
            path: a path on the configured host, or a full URL on it (``links.next``).
            params: query parameters (a mapping or a list of pairs; lists are comma-joined).
            json: a JSON body, sent as ``application/vnd.api+json``.
            data, files: a raw or form body, and multipart files (Upload Image From File).
            headers: extra headers; they cannot replace ``Authorization`` nor set framing or hop-by-hop
                headers (see :mod:`connector.client.headers`).
            revision: per-call API revision.
            retry_safe: the call may be repeated after a 5xx or dropped connection without harm.
            retry: a per-call retry policy instead of the client's.
            timeout: per-call ``(connect, read)`` seconds.
            authenticate: False sends no ``Authorization`` (public ``/client`` endpoints).

        Raises:
            ApiError: (a subclass per status) when Klaviyo answers with an error after retries.
            TransportError: when no answer came after retries, or none within the time budget.
            MalformedResponseError: when a redirect cannot be followed safely (no ``Location``, a loop,
                another host for a 307/308 with a body, a ``Location`` parsers read differently).
            InputError: when ``path`` names another host or is ambiguous, or a header, the query or the
                body cannot be sent.
            ConnectionConfigError: when there is no credential or it cannot be sent in a header.

        Example:
            >>> # client.request("POST", "/api/lists", json={"data": {...}})
        """
        call = self.prepare(
            method,
            path,
            params=params,
            json=json,
            data=data,
            files=files,
            headers=headers,
            revision=revision,
            retry_safe=retry_safe,
            authenticate=authenticate,
        )
        return self.send(call, retry or self.retry, timeout)

    def send(
        self, call: PreparedCall, policy: RetryPolicy, timeout: tuple[float, float] | None = None
    ) -> KlaviyoResponse:
        """Attempt ``call`` until it succeeds or ``policy`` decides to stop; raise the last error then."""
        started = self.clock.monotonic()
        deadline = started + policy.total_timeout if policy.total_timeout else None
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            answer = self.attempt(call, timeout, deadline)
            outcome, error = self.interpret(call, answer)
            if isinstance(answer, KlaviyoResponse):
                answer.attempts = attempt
                log.debug("%s %s -> %s (attempt %d)", call.method, call.path, answer.status, attempt)
                if error is None:
                    return answer
            if not refreshed and self._refreshed_after(call, outcome):
                refreshed = True
                attempt -= 1  # a refreshed token is a new start, not a retry of a failure
                continue
            decision = policy.decide(outcome, attempt, self.clock.monotonic() - started)
            if not decision.retry:
                break
            log.info("retrying %s in %.3fs (retry %d of %d)", call.path, decision.wait, attempt, policy.max_retries)
            self.clock.sleep(decision.wait)
        # Raised outside any ``except`` block: no library exception (which could quote a header) is chained.
        raise _final_error(error, decision, outcome, policy)

    # -- step 1: prepare ---------------------------------------------------------------------------

    def prepare(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        revision: str | None = None,
        retry_safe: bool = False,
        authenticate: bool = True,
    ) -> PreparedCall:
        """Resolve the URL, build the headers, encode body and query: everything but the credential."""
        import requests

        method = method.upper()
        url = self.url_for(path)
        body: dict[str, Any] = {}
        if json is not None:
            body["data"] = _encode_json(json)
        elif isinstance(data, str):
            body["data"] = _encode_text(data)  # http.client would encode a str body as Latin-1
        elif data is not None:
            body["data"] = data
        if files is not None:
            body["files"] = files
        request = requests.Request(
            method,
            url,
            params=_encode_params(params) or None,
            headers=self._headers(headers, revision, json is not None),
            **body,
        )
        prepared = self._prepare_request(request)
        # The host is decided on the URL exactly as it will be sent, with the parser that sends it.
        self._refuse_other_host(str(prepared.url))
        return PreparedCall(
            method=method,
            url=str(prepared.url),
            path=urlsplit(url).path,
            request=prepared,
            authenticate=authenticate,
            retry_safe=retry_safe,
        )

    def _prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        import requests

        problem = None
        try:
            return self.session.prepare_request(request)
        except (requests.RequestException, ValueError, TypeError) as exc:
            problem = f"the request cannot be sent as given: {excerpt(str(exc))}"
        raise InputError(problem)  # outside the except block: nothing chained

    def _headers(self, extra: Mapping[str, str] | None, revision: str | None, has_json: bool) -> dict[str, str]:
        headers = {
            "Accept": JSON_API,
            "revision": revision or self.revision,
            "User-Agent": USER_AGENT,
        }
        if has_json:
            headers["Content-Type"] = JSON_API
        return merge_headers(headers, extra)

    # -- step 2: attempt ---------------------------------------------------------------------------

    def attempt(
        self, call: PreparedCall, timeout: tuple[float, float] | None = None, deadline: float | None = None
    ) -> Answer:
        """Send one try of ``call`` (following redirects) and return the answer or the transport failure.

        With a ``deadline`` the whole try (connecting, sending, every redirect hop and the whole body)
        must end by then: a watchdog cuts the connection when it passes, so a server that drips its
        answer cannot hold the call past the budget.
        """
        import requests

        from connector.client.transport import Watchdog

        request = call.request.copy()
        if call.authenticate:
            request.headers["Authorization"] = self._authorization()
        if self.throttle is not None:
            self.throttle.before(call.method, call.path)
        budget = None if deadline is None else max(0.001, deadline - self.clock.monotonic())
        answer: Answer
        with Watchdog(budget) as watchdog:
            try:
                answer = self._follow_redirects(call, request, self._attempt_timeout(timeout, budget))
            except requests.RequestException as exc:
                answer = TransportFailure(_describe_transport(exc), request_sent=not _never_connected(exc))
        if watchdog.expired and isinstance(answer, TransportFailure):
            answer = TransportFailure(f"no complete answer within the time budget ({budget:.3g}s)", True)
        self._tell_throttle(call, answer)
        return answer

    def _tell_throttle(self, call: PreparedCall, answer: Answer) -> None:
        if self.throttle is None:
            return
        if isinstance(answer, KlaviyoResponse):
            retry_after = parse_retry_after(_header(answer.headers, "retry-after"), now=self.clock.time())
            self.throttle.after(call.method, call.path, answer.status, retry_after)
        else:
            self.throttle.after(call.method, call.path, None, None)

    def _attempt_timeout(self, timeout: tuple[float, float] | None, budget: float | None) -> tuple[float, float]:
        connect, read = timeout or self.timeout
        if budget is not None:
            connect, read = min(connect, budget), min(read, budget)
        return connect, read

    def _follow_redirects(
        self, call: PreparedCall, request: requests.PreparedRequest, timeout: tuple[float, float]
    ) -> KlaviyoResponse:
        raw = self._send_once(request, timeout)
        visited = {str(request.url)}
        while 300 <= raw.status_code < 400 and raw.status_code != 304:
            # A redirect must be followable; an unfollowed 3xx must never read as success.
            problem = None
            if raw.status_code not in REDIRECT_STATUSES:
                problem = "an unexpected redirect status"
            elif not raw.headers.get("Location"):
                problem = "a redirect without a Location header"
            elif len(visited) > MAX_REDIRECTS:
                problem = f"more than {MAX_REDIRECTS} redirects"
            if problem is None:
                request = self._next_hop(call, request, raw)
                if str(request.url) in visited:
                    problem = "a redirect loop (the Location was already visited)"
            if problem is not None:
                raise self._redirect_error(call, raw, problem)
            visited.add(str(request.url))
            raw.close()
            raw = self._send_once(request, timeout)
        return KlaviyoResponse(
            status=raw.status_code,
            headers=dict(raw.headers),
            content=raw.content,
            method=call.method,
            url=call.url,
            path=call.path,
            scrub=self._scrub,
        )

    def _redirect_error(self, call: PreparedCall, raw: requests.Response, problem: str) -> MalformedResponseError:
        location = raw.headers.get("Location")
        received = f"Location: {location}" if location is not None else "no Location header"
        return MalformedResponseError(
            problem, status=raw.status_code, method=call.method, path=call.path, received=excerpt(self._scrub(received))
        )

    def _send_once(self, request: requests.PreparedRequest, timeout: tuple[float, float]) -> requests.Response:
        adapter = self.session.get_adapter(str(request.url))
        raw = adapter.send(request, stream=False, timeout=timeout, verify=True, cert=None, proxies={})
        raw.content  # noqa: B018 - read the whole body while the attempt's limits apply
        return raw

    def _next_hop(
        self, call: PreparedCall, request: requests.PreparedRequest, raw: requests.Response
    ) -> requests.PreparedRequest:
        """The request a redirect asks for, checked like a URL the caller gave (every hop, not just the first)."""
        import requests

        status = raw.status_code
        location = str(raw.headers.get("Location", ""))
        target = urljoin(str(request.url), location)
        problem = urls.unsafe_reason(location) or urls.unsafe_reason(target)
        hop = request.copy()
        if problem is None:
            try:
                hop.prepare_url(target, None)
            except (requests.RequestException, ValueError):
                problem = "cannot be parsed"
        if problem is not None:
            raise self._redirect_error(call, raw, f"refused to follow a redirect whose Location {problem}")
        if not self.is_own_host(str(hop.url)):
            if status in (307, 308) and request.body:
                # 307/308 repeat the method and body; the body is for Klaviyo only.
                raise self._redirect_error(call, raw, "refused to re-send the request body to another host")
            # The credential never leaves the configured host, whatever a redirect says.
            hop.headers.pop("Authorization", None)
        if status not in (307, 308) or request.method == "GET":
            hop.method = "GET" if status not in (307, 308) else request.method
            hop.body = None
            for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
                hop.headers.pop(name, None)
        return hop

    def _authorization(self) -> str:
        if self.credential is None:
            raise ConnectionConfigError(
                "No Klaviyo connection is configured: set KLAVIYO_API_KEY (a private key pk_...) "
                "or log in with `klaviyo-connector oauth login`."
            )
        value = self.credential.authorization_header()
        if not isinstance(value, str) or value_problem("Authorization", value):
            # A configuration problem, not a network one: never retried, and the value is not shown.
            raise ConnectionConfigError(
                f"{type(self.credential).__name__}: the key or token contains a line break or characters an "
                "HTTP header cannot carry; copy the credential again"
            )
        return value

    # -- step 3: interpret -------------------------------------------------------------------------

    def interpret(self, call: PreparedCall, answer: Answer) -> tuple[Outcome, KlaviyoError | None]:
        """The retry outcome of one answer, and the error it means (None for a success)."""
        if isinstance(answer, TransportFailure):
            error: KlaviyoError = TransportError(self._scrub(answer.description), method=call.method, path=call.path)
            return Outcome(call.method, None, None, answer.request_sent, call.retry_safe), error
        if answer.status < 400:
            return Outcome(call.method, answer.status, retry_safe=call.retry_safe), None
        # Retry-After is honoured on any error status that is retried (a 503 as much as a 429).
        retry_after = parse_retry_after(_header(answer.headers, "retry-after"), now=self.clock.time())
        return Outcome(call.method, answer.status, retry_after, True, call.retry_safe), self._api_error(answer)

    def _refreshed_after(self, call: PreparedCall, outcome: Outcome) -> bool:
        """After a 401, let the credential renew itself once; True when a repeat may now succeed."""
        if outcome.status != 401 or not call.authenticate or self.credential is None:
            return False
        with self._refresh_lock:
            return self.credential.on_unauthorized()

    def _api_error(self, response: KlaviyoResponse) -> ApiError:
        retry_after = parse_retry_after(_header(response.headers, "retry-after"), now=self.clock.time())
        # Klaviyo (or a proxy) may echo the credential back; scrub before anything is parsed or kept.
        scrubbed = self._scrub(response.text) if response.content else ""
        try:
            body = json.loads(scrubbed) if scrubbed.strip() else None
        except (ValueError, RecursionError):
            body = None
        return ApiError.from_response(
            response.status,
            body,
            method=response.method,
            path=response.path,
            request_id=response.request_id,
            body_text=scrubbed or None,
            retry_after=retry_after,
        )

    def _scrub(self, text: str) -> str:
        return redact(text, self.credential.secrets() if self.credential else ())

    # -- pagination ----------------------------------------------------------------------------

    def pages(
        self, path: str, *, params: QueryParams | None = None, page_size: int | None = None, revision: str | None = None
    ) -> Iterator[KlaviyoResponse]:
        """Yield each page of a collection, first to last, following ``links.next``."""
        seen: set[str] = set()
        response = self.request("GET", path, params=first_page_query(params, page_size), revision=revision)
        while True:
            yield response
            url = next_link(response)
            if url is None:
                return
            if url in seen or url == response.url:
                raise PaginationLoopError(url)
            seen.add(url)
            response = self.request("GET", url, revision=revision)

    def paginate(
        self,
        path: str,
        *,
        params: QueryParams | None = None,
        page_size: int | None = None,
        limit: int | None = None,
        revision: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every resource of a collection, following ``links.next`` page by page.

        Stops after ``limit`` resources when given; only one page is held in memory.

        Example:
            >>> # for lst in client.paginate("/api/lists", page_size=10): print(lst["id"])
        """
        if limit is not None and limit < 0:
            raise ValueError("limit must be 0 or more")
        return self._resources(self.pages(path, params=params, page_size=page_size, revision=revision), limit)

    @staticmethod
    def _resources(pages: Iterator[KlaviyoResponse], limit: int | None) -> Iterator[dict[str, Any]]:
        if limit == 0:
            return
        count = 0
        for page in pages:
            for resource in page_resources(page):
                yield resource
                count += 1
                if limit is not None and count >= limit:
                    return


def _final_error(error: KlaviyoError | None, decision: Decision, outcome: Outcome, policy: RetryPolicy) -> KlaviyoError:
    """The error to raise when the retry policy stops, explaining a Retry-After it refused to wait."""
    assert error is not None
    if decision.reason == Decision.RETRY_AFTER_TOO_LONG and outcome.retry_after is not None:
        error.message = error.args[0] + (
            f"; Klaviyo asked to wait {outcome.retry_after:g}s, more than the "
            f"{policy.max_retry_after:g}s this client will wait, so it gave up"
        )
        error.args = (error.message,)
    return error


def _encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON; a value that is not JSON (NaN, a lone surrogate, too deep) is an InputError."""
    try:
        encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except RecursionError:
        problem = TOO_DEEP
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        problem = f"cannot be encoded as JSON ({excerpt(str(exc), 120)})"
    else:
        # Counting brackets is C-fast; only a body with more containers than the limit is walked.
        containers = encoded.count(b"[") + encoded.count(b"{")
        if containers <= MAX_JSON_DEPTH or not nested_deeper_than(value, MAX_JSON_DEPTH):
            return encoded
        problem = TOO_DEEP
    raise InputError(f"the JSON body {problem}")


def _encode_text(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        problem = "the body contains a lone UTF-16 surrogate, which is not text"
    raise InputError(problem)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _normalise_base_url(url: str) -> str:
    text = url.strip()
    parts = urlsplit(text)
    problem = urls.unsafe_reason(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or problem or not urls.origin(text):
        detail = f" ({problem})" if problem else ""
        raise ConnectionConfigError(f"Base URL {url!r} must be an http(s) URL such as https://a.klaviyo.com{detail}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _encode_params(params: QueryParams | None) -> list[tuple[str, str]]:
    if not params:
        return []
    pairs = params.items() if isinstance(params, Mapping) else params
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            # Klaviyo's array query parameters are comma-joined (OpenAPI explode: false).
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        pair = (str(key), str(value))
        if any(_SURROGATE.search(text) for text in pair):
            raise InputError(f"query parameter {pair[0]!a} has a lone UTF-16 surrogate, which is not text")
        out.append(pair)
    return out


def _never_connected(exc: BaseException) -> bool:
    """True when the connection was refused or never established, so nothing reached Klaviyo."""
    import requests

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if name in ("NewConnectionError", "ConnectionRefusedError", "NameResolutionError"):
            return True
        reason = getattr(current, "reason", None)
        nxt = reason if isinstance(reason, BaseException) else None
        if nxt is None and current.args and isinstance(current.args[0], BaseException):
            nxt = current.args[0]
        current = nxt or current.__cause__ or current.__context__
    return False


def _describe_transport(exc: BaseException) -> str:
    import requests

    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out waiting for Klaviyo"
    if _never_connected(exc):
        return "could not connect to Klaviyo"
    return f"connection to Klaviyo failed ({type(exc).__name__})"


__all__ = ["DEFAULT_BASE_URL", "JSON_API", "KlaviyoClient", "KlaviyoError", "PreparedCall"]
