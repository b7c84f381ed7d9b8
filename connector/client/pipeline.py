"""The typed Klaviyo client: one session, one request pipeline, shared by every entry point.

``KlaviyoClient.request`` does, in order: resolve the URL against the configured host (refusing
other hosts), add the pinned ``revision``, JSON:API content headers, ``User-Agent`` and the
credential, send with explicit connect/read timeouts, follow redirects without ever carrying the
credential off the configured host, turn error statuses into the :mod:`connector.client.errors` hierarchy,
and retry under the shared :class:`~connector.client.retry.RetryPolicy`.

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
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

from connector.client.auth import Credential
from connector.client.clock import Clock, SystemClock
from connector.client.errors import (
    ApiError,
    ConnectionConfigError,
    InputError,
    KlaviyoError,
    RateLimitError,
    TransportError,
)
from connector.client.response import KlaviyoResponse
from connector.client.retry import RetryPolicy, parse_retry_after
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

QueryParams = Mapping[str, Any] | Sequence[tuple[str, Any]]


class Throttle(Protocol):
    """Proactive rate limiting around each HTTP attempt (see ``connector.apps.sync`` for Klaviyo's tiers).

    ``before`` may wait (on the client's clock) until the endpoint's budget allows another call;
    ``after`` learns from the answer (a 429 shrinks the budget, successes let it recover).
    """

    def before(self, method: str, path: str) -> None:
        """Called before every attempt."""

    def after(self, method: str, path: str, status: int | None, retry_after: float | None) -> None:
        """Called after every attempt; ``status`` is None when no answer came."""


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
        self._origin = _origin(self.base_url)
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
                    from requests.adapters import HTTPAdapter

                    session = requests.Session()
                    # Retries are ours (status-aware, Retry-After-aware); urllib3's own would double them.
                    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self._pool_size, max_retries=0)
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
        parts = urlsplit(text)
        if parts.scheme or parts.netloc or text.startswith("//"):
            if _origin(text) != self._origin:
                raise InputError(
                    f"{_origin(text) or text!r} is not the configured Klaviyo host {self._origin}; "
                    "the credential is only ever sent there. Give a path such as /api/lists.",
                    label="URL",
                    key="url",
                )
            return text
        if not text.startswith("/"):
            text = "/" + text
        return self.base_url + text

    def is_own_host(self, url: str) -> bool:
        """True when ``url`` is on the configured Klaviyo origin (scheme, host and port)."""
        return _origin(url) == self._origin

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
            headers: extra headers; they cannot replace ``Authorization``.
            revision: per-call API revision.
            retry_safe: the call may be repeated after a 5xx or dropped connection without harm.
            retry: a per-call retry policy instead of the client's.
            timeout: per-call ``(connect, read)`` seconds.
            authenticate: False sends no ``Authorization`` (public ``/client`` endpoints).

        Raises:
            ApiError: (a subclass per status) when Klaviyo answers with an error after retries.
            TransportError: when no answer came after retries.
            InputError: when ``path`` names another host.

        Example:
            >>> # client.request("POST", "/api/lists", json={"data": {...}})
        """
        import requests

        method = method.upper()
        url = self.url_for(path)
        policy = retry or self.retry
        request_path = urlsplit(url).path
        prepared_headers = self._headers(headers, revision, json is not None)
        body_kwargs: dict[str, Any] = {}
        if json is not None:
            import json as jsonlib

            body_kwargs["data"] = jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
        elif data is not None:
            body_kwargs["data"] = data
        if files is not None:
            body_kwargs["files"] = files
        query = _encode_params(params)
        started = self.clock.monotonic()
        deadline = started + policy.total_timeout if policy.total_timeout else None
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            send_headers = dict(prepared_headers)
            if authenticate:
                send_headers["Authorization"] = self._authorization()
            if self.throttle is not None:
                self.throttle.before(method, request_path)
            try:
                raw = self._send(method, url, query, send_headers, body_kwargs, timeout, deadline)
            except requests.RequestException as exc:
                if self.throttle is not None:
                    self.throttle.after(method, request_path, None, None)
                sent = not _never_connected(exc)
                failure = TransportError(self._scrub(_describe_transport(exc)), method=method, path=request_path)
                if (
                    policy.allows_another(attempt)
                    and policy.should_retry_transport(method, retry_safe, request_sent=sent)
                    and self._wait_before_retry(policy, attempt, None, deadline, request_path)
                ):
                    continue
                raise failure from None
            response = KlaviyoResponse(
                status=raw.status_code,
                headers=dict(raw.headers),
                content=raw.content,
                method=method,
                url=url,
                path=request_path,
                attempts=attempt,
            )
            log.debug("%s %s -> %s (attempt %d)", method, request_path, response.status, attempt)
            if self.throttle is not None:
                self.throttle.after(
                    method,
                    request_path,
                    response.status,
                    parse_retry_after(_header(response.headers, "retry-after"), now=self.clock.time()),
                )
            if response.status < 400:
                return response
            if response.status == 401 and authenticate and not refreshed and self.credential is not None:
                refreshed = True
                with self._refresh_lock:
                    renewed = self.credential.on_unauthorized()
                if renewed:
                    attempt -= 1  # a refreshed token is a new start, not a retry of a failure
                    continue
            error = self._api_error(response)
            if policy.allows_another(attempt) and policy.should_retry_status(response.status, method, retry_safe):
                retry_after = error.retry_after if isinstance(error, RateLimitError) else None
                if retry_after is not None and retry_after > policy.max_retry_after:
                    error.message = error.args[0] + (
                        f"; Klaviyo asked to wait {retry_after:g}s, more than the "
                        f"{policy.max_retry_after:g}s this client will wait, so it gave up"
                    )
                    error.args = (error.message,)
                    raise error
                if self._wait_before_retry(policy, attempt, retry_after, deadline, request_path):
                    continue
            raise error

    def _send(
        self,
        method: str,
        url: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body_kwargs: dict[str, Any],
        timeout: tuple[float, float] | None,
        deadline: float | None,
    ) -> requests.Response:
        connect, read = timeout or self.timeout
        if deadline is not None:
            remaining = max(0.001, deadline - self.clock.monotonic())
            connect, read = min(connect, remaining), min(read, remaining)
        response = self.session.request(
            method,
            url,
            params=query or None,
            headers=headers,
            timeout=(connect, read),
            allow_redirects=False,
            **body_kwargs,
        )
        hops = 0
        while response.is_redirect and hops < MAX_REDIRECTS:
            hops += 1
            target = urljoin(response.url, response.headers["Location"])
            follow_headers = dict(headers)
            if not self.is_own_host(target):
                # The credential never leaves the configured host, whatever a redirect says.
                follow_headers.pop("Authorization", None)
            redirect_method = method if response.status_code in (307, 308) else "GET"
            response.close()
            response = self.session.request(
                redirect_method,
                target,
                headers=follow_headers,
                timeout=(connect, read),
                allow_redirects=False,
                **(body_kwargs if redirect_method == method and method != "GET" else {}),
            )
        return response

    def _wait_before_retry(
        self,
        policy: RetryPolicy,
        attempt: int,
        retry_after: float | None,
        deadline: float | None,
        path: str,
    ) -> bool:
        wait = policy.wait(attempt, retry_after)
        if deadline is not None and self.clock.monotonic() + wait >= deadline:
            return False
        log.info("retrying %s in %.3fs (retry %d of %d)", path, wait, attempt, policy.max_retries)
        self.clock.sleep(wait)
        return True

    def _headers(self, extra: Mapping[str, str] | None, revision: str | None, has_json: bool) -> dict[str, str]:
        headers = {
            "Accept": JSON_API,
            "revision": revision or self.revision,
            "User-Agent": USER_AGENT,
        }
        if has_json:
            headers["Content-Type"] = JSON_API
        for name, value in (extra or {}).items():
            if name.lower() == "authorization":
                continue  # the connection owns Authorization; a user header must not replace it
            headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
            headers[name] = value
        return headers

    def _authorization(self) -> str:
        if self.credential is None:
            raise ConnectionConfigError(
                "No Klaviyo connection is configured: set KLAVIYO_API_KEY (a private key pk_...) "
                "or log in with `klaviyo-connector oauth login`."
            )
        return self.credential.authorization_header()

    def _api_error(self, response: KlaviyoResponse) -> ApiError:
        retry_after = parse_retry_after(_header(response.headers, "retry-after"), now=self.clock.time())
        # Klaviyo (or a proxy) may echo the credential back; scrub before anything is parsed or kept.
        scrubbed = self._scrub(response.text) if response.content else ""
        try:
            body = json.loads(scrubbed) if scrubbed.strip() else None
        except ValueError:
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

        Stops after ``limit`` resources when given. See :class:`connector.client.pagination.Paginator`.

        Example:
            >>> # for lst in client.paginate("/api/lists", page_size=10): print(lst["id"])
        """
        from connector.client.pagination import Paginator

        return Paginator(self, path, params=params, page_size=page_size, limit=limit, revision=revision).items()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _normalise_base_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConnectionConfigError(f"Base URL {url!r} must be an http(s) URL such as https://a.klaviyo.com")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return ""
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default_port
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.hostname.lower()}:{port}"


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
        out.append((key, str(value)))
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


__all__ = ["DEFAULT_BASE_URL", "JSON_API", "KlaviyoClient", "KlaviyoError"]
