"""The request pipeline, one place per concern, in the order Klaviyo's edge appears to apply them.

``/oauth/*`` → OAuth server. ``/media/*`` → uploaded image bytes (no auth, like a CDN). ``/api/*``:
fault draw (dropped connection) → added latency → route (404 / 405) → auth (401) → ``revision`` header (400)
→ rate limit (429) → injected 5xx → content type (415) → query parameters (400) → handler in one store
transaction → ``RateLimit-*`` headers.

Example:
    >>> from .wire import Request
    >>> app = App()
    >>> app.handle(Request("GET", "/api/lists", {}, {"revision": "2026-07-15"}, b"")).status
    401
"""

from __future__ import annotations

import re
import sys
import time
import traceback

from .errors import ApiError
from .faults import Faults
from .jobs import JobQueue
from .oauth import OAuth
from .query import parse_query
from .ratelimit import RateLimiter
from .resources import all_routes, images, imports
from .routing import Ctx, Router
from .store import Store
from .wire import JSONAPI, Request, Response

API_KEY_RE = re.compile(r"^pk_[A-Za-z0-9]{20,}$")
REVISION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[A-Za-z0-9]+)?$")
JSON_TYPES = (JSONAPI, "application/json")


class App:
    """Routes requests to handlers and applies auth, revision, rate limits and faults.

    ``handle`` returns None when the fault injector decided to drop the connection.

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
    ) -> None:
        self.store = store or Store()
        self.limiter = limiter or RateLimiter("off")
        self.faults = faults or Faults()
        self.oauth = oauth or OAuth()
        self.router = Router(all_routes())
        self.jobs = JobQueue(self.store, {imports.KIND: imports.process})

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
        headers: dict[str, str] = {}
        try:
            route, params = self.router.match(req.method, req.path)
            self._authenticate(req)
            revision = req.header("revision")
            if not revision or not REVISION_RE.match(revision.strip()):
                raise ApiError(
                    400, "invalid", "A valid 'revision' header (YYYY-MM-DD) is required.", parameter="revision"
                )
            decision = self.limiter.check(route.op, req.query)
            if not decision.allowed:
                raise ApiError(429, "throttled", "Request was throttled.", headers=decision.headers)
            headers = decision.headers
            if fault.status is not None:
                raise ApiError(fault.status, "error", "Injected server error (sandbox fail_rate).")
            self._check_content_type(req, route.body)
            query = parse_query(req.query, route.query)
            ctx = Ctx(req, params, query, self.store, self.jobs)
            with self.store.transaction():
                response = route.handler(ctx)
        except ApiError as err:
            response = Response(err.status, err.document(), {**err.headers})
        except Exception:  # answer like Klaviyo's 500 instead of killing the connection
            traceback.print_exc(file=sys.stderr)
            response = Response(500, ApiError(500, "error", "A server error occurred.").document())
        if response.status != 429:
            response.headers.update(headers)
        return response

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
