"""The request pipeline, one place per concern, in the order Klaviyo's edge appears to apply them.

``/oauth/*`` → OAuth server. ``/media/*`` → uploaded image bytes (no auth, like a CDN). ``/api/*`` and
``/client/*``: fault draw (dropped connection) → added latency → route (404 / 405; hand-made handlers first,
then the spec-driven store) → auth (401; ``/client`` routes take ``company_id`` instead) → ``revision`` header
(400; another valid revision is served as 2026-07-15 and told so in headers) → rate limit (429) → injected 5xx
→ content type (415) → query parameters (400) → request body against the spec (400) → handler in one store
transaction → ``RateLimit-*`` headers. A body over its size cap never gets here: the server answers 413 first.

Example:
    >>> from .wire import Request
    >>> app = App()
    >>> app.handle(Request("GET", "/api/lists", {}, {"revision": "2026-07-15"}, b"")).status
    401
"""

from __future__ import annotations

import re
import sys
import threading
import time
import traceback
from collections.abc import Callable

from . import limits, revision
from .errors import ApiError, invalid
from .faults import Faults
from .jobs import JobQueue
from .oauth import OAuth
from .query import parse_query
from .ratelimit import RateLimiter
from .resources import all_routes, images, imports
from .resources.accounts import ACCOUNT_ID
from .routing import Ctx, Route, Router
from .store import Store
from .wire import JSONAPI, Request, Response

API_KEY_RE = re.compile(r"^pk_[A-Za-z0-9]{20,}$")
JSON_TYPES = (JSONAPI, "application/json")


# Jobs the hand-made handlers own (processed by their own processor, or finished when accepted).
HANDMADE_JOBS = frozenset(
    {
        imports.KIND,
        "profile-subscription-bulk-create-job",
        "profile-subscription-bulk-delete-job",
        "event-bulk-create-job",
    }
)


def _process_spec_job(store: Store, kind: str, job_id: str) -> None:
    if kind in HANDMADE_JOBS:
        return
    from .resources import generic_jobs  # imported on first use: it needs the parsed spec anyway

    generic_jobs.process(store, kind, job_id)


class App:
    """Routes requests to handlers and applies auth, revision, rate limits, body checks and faults.

    ``handle`` returns None when the fault injector decided to drop the connection. ``job_latency`` keeps
    every bulk job reported as not finished for that many seconds of ``job_clock`` (see :mod:`.jobs`).

    Example:
        >>> App().handle(Request("GET", "/nope", {}, {}, b"")).status
        404
    """

    def __init__(
        self,
        store: Store | None = None,
        limiter: RateLimiter | None = None,
        faults: Faults | None = None,
        oauth: OAuth | None = None,
        *,
        job_latency: float = 0.0,
        job_clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store or Store()
        self.limiter = limiter or RateLimiter("off")
        self.faults = faults or Faults()
        self.oauth = oauth or OAuth()
        self.router = Router(all_routes())
        self._spec_router: Router | None = None
        self._lock = threading.Lock()
        self.jobs = JobQueue(
            self.store,
            {imports.KIND: imports.process},
            fallback=_process_spec_job,
            latency=job_latency,
            clock=job_clock,
        )

    def handle(self, req: Request) -> Response | None:
        """Answer one request.

        Example:
            >>> App().handle(Request("GET", "/oauth/token", {}, {}, b"")).status
            405
        """
        if req.path.startswith("/oauth/"):
            return self.oauth.handle(req)
        if req.path.startswith("/media/"):
            return images.media(self.store, req.path)
        fault = self.faults.draw()
        if fault.reset:
            return None
        if self.faults.latency:
            time.sleep(self.faults.latency)
        served: dict[str, str] = {}
        rate: dict[str, str] = {}
        try:
            route, params = self.match(req.method, req.path)
            if not route.public:
                self._authenticate(req)
            served = revision.served_headers(revision.check(req.header("revision")))
            decision = self.limiter.check(route.op, req.query)
            if not decision.allowed:
                raise ApiError(429, "throttled", "Request was throttled.", headers=decision.headers)
            rate = decision.headers
            if fault.status is not None:
                raise ApiError(fault.status, "error", "Injected server error (sandbox fail_rate).")
            self._check_content_type(req, route.body)
            query = parse_query(req.query, route.query)
            if route.public and query.params.get("company_id", ACCOUNT_ID) != ACCOUNT_ID:
                raise invalid("'company_id' must be the account's public API key.", parameter="company_id")
            if route.body == "json":
                self._check_body(req, route)
            ctx = Ctx(req, params, query, self.store, self.jobs)
            with self.store.transaction():
                response = route.handler(ctx)
        except ApiError as err:
            response = Response(err.status, err.document(), {**err.headers})
        except Exception:  # answer like Klaviyo's 500 instead of killing the connection
            traceback.print_exc(file=sys.stderr)
            response = Response(500, ApiError(500, "error", "A server error occurred.").document())
        if response.status != 429:
            response.headers.update(rate)
        response.headers.update(served)
        return response

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route for a request: hand-made handlers first, then the spec-driven store (built on first need).

        Example:
            >>> App().match("GET", "/api/tags/abc")[0].op
            'get_tag'
        """
        try:
            return self.router.match(method, path)
        except ApiError as err:
            if err.status not in (404, 405) or not path.startswith(("/api/", "/client/")):
                raise
        return self._full_router().match(method, path)

    def _full_router(self) -> Router:
        router = self._spec_router
        if router is None:
            from .spec_routes import spec_routes

            hand_made = list(self.router.routes)
            built = Router(hand_made + spec_routes({r.op for r in hand_made}))
            with self._lock:
                if self._spec_router is None:
                    self._spec_router = built
                router = self._spec_router
        return router

    def body_limit(self, method: str, path: str) -> int:
        """The largest body the operation at ``method path`` accepts (the default cap for unknown paths).

        Example:
            >>> App().body_limit("POST", "/api/profiles")
            102400
        """
        try:
            route, _ = self.match(method, path)
        except ApiError:
            return limits.MAX_BODY
        return limits.body_limit(route.op)

    def _check_body(self, req: Request, route: Route) -> None:
        if not req.body.strip() and req.method not in ("POST", "PATCH"):
            return  # nothing to check: a GET or a DELETE without a body never needs the spec
        from . import body
        from .openapi import SPEC

        op = SPEC.operations().get(route.op)
        if op is not None and op.request is not None:
            body.accept(req, op.request, SPEC.resolve, required=op.body_required)

    def _authenticate(self, req: Request) -> None:
        auth = (req.header("Authorization") or "").strip()
        scheme, _, credential = auth.partition(" ")
        credential = credential.strip()
        if scheme == "Klaviyo-API-Key" and API_KEY_RE.match(credential):
            return
        if scheme == "Bearer" and self.oauth.is_access_token(credential):
            return
        raise ApiError(
            401,
            "not_authenticated",
            "Missing or invalid authorization scheme. Please use 'Klaviyo-API-Key pk_...' or a Bearer token.",
        )

    @staticmethod
    def _check_content_type(req: Request, kind: str) -> None:
        if not req.body:
            return
        ctype = (req.header("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "multipart" and ctype == "multipart/form-data":
            return
        if kind == "json" and ctype in JSON_TYPES:
            return
        raise ApiError(415, "unsupported_media_type", f"Unsupported media type '{ctype}'.")
