"""The :class:`Sandbox`: a local Klaviyo-like API server running in a background thread.

Example:
    >>> import json, urllib.request
    >>> with Sandbox() as sb:
    ...     req = urllib.request.Request(sb.url + "/api/accounts", headers=sb.headers())
    ...     json.load(urllib.request.urlopen(req))["data"][0]["type"]
    'account'
"""

from __future__ import annotations

import secrets
import threading
from types import TracebackType

from .app import App
from .faults import Faults
from .oauth import OAuth
from .ratelimit import RateLimiter
from .server import SandboxHTTPServer, make_server
from .state import State
from .store import Store

REVISION = "2026-07-15"


class Sandbox:
    """A local server that behaves like Klaviyo's REST API (revision 2026-07-15).

    ``rate_limits`` is ``"off"`` (default), ``"klaviyo"`` or ``"scale=F"`` (windows F times shorter);
    ``fail_rate`` / ``reset_rate`` are the fractions of API requests answered 5xx / dropped without a response,
    ``latency_ms`` is added to every API request, and ``seed`` makes the faults reproducible. ``data`` is a
    SQLite file that keeps state across restarts (in memory when None). ``job_latency`` keeps every bulk job
    reported as ``queued``/``processing`` for that many real seconds after it was created (default 0: jobs
    complete as soon as the worker is done; not scaled by ``rate_limits="scale=F"``).

    Any ``Authorization: Klaviyo-API-Key pk_<20+ letters/digits>`` is accepted; :attr:`api_key` is one such key.
    Bearer tokens issued by the sandbox's own OAuth server are accepted too.

    Example:
        >>> sb = Sandbox(rate_limits="scale=100", seed=1).start()
        >>> sb.url.startswith("http://127.0.0.1:")
        True
        >>> sb.stop()
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data: str | None = None,
        rate_limits: str = "off",
        fail_rate: float = 0.0,
        latency_ms: int = 0,
        reset_rate: float = 0.0,
        seed: int | None = None,
        job_latency: float = 0.0,
    ) -> None:
        self.host = host
        self.port = port
        self.data = data
        self.api_key = "pk_sandbox" + secrets.token_hex(16)
        self.store = Store(data)
        self.oauth = OAuth()
        self.app = App(
            self.store,
            RateLimiter(rate_limits),
            Faults(fail_rate, latency_ms, reset_rate, seed),
            self.oauth,
            job_latency=job_latency,
        )
        self.state = State(self.store, self.app.jobs)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def oauth_client_id(self) -> str:
        """Client id of the pre-registered OAuth app (accepts any http(s) redirect URI).

        Example:
            >>> Sandbox().oauth_client_id.startswith("sandbox-")
            True
        """
        return self.oauth.default_client[0]

    @property
    def oauth_client_secret(self) -> str:
        """Client secret of the pre-registered OAuth app.

        Example:
            >>> len(Sandbox().oauth_client_secret) > 20
            True
        """
        return self.oauth.default_client[1]

    def register_oauth_client(self, client_id: str, secret: str, redirect_uris: list[str] | None = None) -> None:
        """Register another OAuth app; with ``redirect_uris`` only those exact URIs are accepted.

        Example:
            >>> Sandbox().register_oauth_client("app", "secret", ["http://localhost:8080/cb"])
        """
        self.oauth.register(client_id, secret, tuple(redirect_uris or ()))

    def expire_access_tokens(self) -> None:
        """Expire every OAuth access token issued so far, to exercise refresh logic.

        Example:
            >>> Sandbox().expire_access_tokens()
        """
        self.oauth.expire_access_tokens()

    @property
    def url(self) -> str:
        """Base URL such as ``http://127.0.0.1:54321`` (no trailing slash); the server must be started.

        Example:
            >>> with Sandbox() as sb:
            ...     sb.url.count(":")
            2
        """
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() or use 'with Sandbox() as sb'")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def headers(self, content_type: bool = False) -> dict[str, str]:
        """Request headers that authenticate with :attr:`api_key` at revision 2026-07-15.

        Example:
            >>> Sandbox().headers()["revision"]
            '2026-07-15'
        """
        out = {
            "Authorization": f"Klaviyo-API-Key {self.api_key}",
            "revision": REVISION,
            "Accept": "application/vnd.api+json",
        }
        if content_type:
            out["Content-Type"] = "application/vnd.api+json"
        return out

    def start(self) -> Sandbox:
        """Bind and serve in a background thread; returns self.

        Example:
            >>> Sandbox().start().stop()
        """
        if self._server is not None:
            return self
        self._server = make_server(self.app, self.host, self.port)
        self.app.jobs.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="klaviyo-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def wait_for_jobs(self) -> None:
        """Block until the background worker has finished every submitted job.

        Example:
            >>> with Sandbox() as sb:
            ...     sb.wait_for_jobs()
        """
        self.app.jobs.wait_idle()

    def stop(self) -> None:
        """Stop serving, finish the job in hand and close the database.

        Example:
            >>> Sandbox().stop()
        """
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.app.jobs.stop()
        self.store.close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` is called from another thread.

        Example:
            >>> Sandbox.serve_forever.__name__
            'serve_forever'
        """
        self.start()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
