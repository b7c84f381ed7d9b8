"""OAuth 2.0 authorization-code flow with PKCE (S256) as Klaviyo runs it, approving every request at once.

* ``GET /oauth/authorize`` checks ``client_id``, ``redirect_uri``, ``response_type=code``,
  ``code_challenge_method=S256``, ``code_challenge`` and ``state`` and 302-redirects to
  ``redirect_uri?code=...&state=...``. An unknown client or redirect URI is answered 400 JSON (never redirected
  to); other problems are redirected back with ``error=invalid_request``.
* ``POST /oauth/token`` (form body, HTTP Basic client auth): ``grant_type=authorization_code`` verifies the
  PKCE ``code_verifier``; ``grant_type=refresh_token`` rotates the refresh token (the old one stops working).
  Errors are JSON ``{"error": ..., "error_description": ...}``: 401 ``invalid_client`` for bad client auth,
  400 ``invalid_grant`` for a bad/used code, wrong verifier or unknown refresh token, 400
  ``unsupported_grant_type`` otherwise (RFC 6749 names).
* ``POST /oauth/revoke`` (Basic auth, ``token=``) revokes a refresh or access token; 200 even if unknown.

Access tokens last ``expires_in`` = 3600 s; :meth:`OAuth.expire_access_tokens` ends them early for tests.
Tokens live in memory only (they do not survive a restart, as if the app had to be re-authorised).

Example:
    >>> o = OAuth()
    >>> cid, secret = o.default_client
    >>> o.is_access_token("nope")
    False
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from .wire import Request, Response

ACCESS_TTL = 3600
CODE_TTL = 600


@dataclass
class Client:
    """A registered OAuth app; empty ``redirect_uris`` accepts any http(s) redirect URI.

    Example:
        >>> Client("id", "secret").redirect_uris
        ()
    """

    client_id: str
    secret: str
    redirect_uris: tuple[str, ...] = ()


@dataclass
class _Grant:
    client_id: str
    scope: str
    redirect_uri: str = ""
    challenge: str = ""
    expires: float = 0.0
    access: set[str] = field(default_factory=set)


def s256(verifier: str) -> str:
    """PKCE S256 challenge of a verifier (base64url of SHA-256, no padding).

    Example:
        >>> s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _json(status: int, error: str, detail: str) -> Response:
    body = json.dumps({"error": error, "error_description": detail}).encode()
    return Response(status, raw=body, content_type="application/json", headers={"Cache-Control": "no-store"})


class OAuth:
    """The sandbox's authorization server.

    Example:
        >>> OAuth().register("app", "s3cret", ["http://localhost/cb"]).client_id
        'app'
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clients: dict[str, Client] = {}
        self._codes: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._access: dict[str, tuple[str, float]] = {}
        default = self.register("sandbox-" + secrets.token_hex(6), secrets.token_urlsafe(24))
        self.default_client = (default.client_id, default.secret)

    def register(self, client_id: str, secret: str, redirect_uris: list[str] | tuple[str, ...] = ()) -> Client:
        """Register (or replace) a client.

        Example:
            >>> OAuth().register("a", "b").secret
            'b'
        """
        client = Client(client_id, secret, tuple(redirect_uris))
        with self._lock:
            self.clients[client_id] = client
        return client

    def is_access_token(self, token: str) -> bool:
        """True if a Bearer token was issued here and is neither expired nor revoked.

        Example:
            >>> OAuth().is_access_token("")
            False
        """
        with self._lock:
            entry = self._access.get(token)
        return entry is not None and entry[1] > time.time()

    def expire_access_tokens(self) -> None:
        """Make every issued access token expired (to test refresh handling).

        Example:
            >>> OAuth().expire_access_tokens()
        """
        with self._lock:
            self._access = {t: (r, 0.0) for t, (r, _) in self._access.items()}

    def handle(self, req: Request) -> Response:
        """Serve ``/oauth/authorize``, ``/oauth/token`` and ``/oauth/revoke``.

        Example:
            >>> OAuth().handle(Request("GET", "/oauth/nope", {}, {}, b"")).status
            404
        """
        path = req.path.rstrip("/")
        if path == "/oauth/authorize" and req.method == "GET":
            return self._authorize(req)
        if path == "/oauth/token" and req.method == "POST":
            return self._token(req)
        if path == "/oauth/revoke" and req.method == "POST":
            return self._revoke(req)
        if path in ("/oauth/authorize", "/oauth/token", "/oauth/revoke"):
            return _json(405, "invalid_request", "Method not allowed.")
        return _json(404, "not_found", "Unknown OAuth endpoint.")

    def _authorize(self, req: Request) -> Response:
        q = {k: v[-1] for k, v in req.query.items()}
        client = self.clients.get(q.get("client_id", ""))
        if client is None:
            return _json(400, "invalid_client", "Unknown client_id.")
        redirect = q.get("redirect_uri", "")
        parts = urlsplit(redirect)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            return _json(400, "invalid_request", "redirect_uri must be an absolute http(s) URL.")
        if client.redirect_uris and redirect not in client.redirect_uris:
            return _json(400, "invalid_request", "redirect_uri is not registered for this client.")
        problem = None
        if q.get("response_type") != "code":
            problem = "response_type must be 'code'."
        elif q.get("code_challenge_method") != "S256":
            problem = "code_challenge_method must be 'S256'."
        elif len(q.get("code_challenge", "")) < 43:
            problem = "code_challenge is required (base64url SHA-256 of the verifier)."
        elif not q.get("state"):
            problem = "state is required."
        sep = "&" if parts.query else "?"
        if problem:
            params = {"error": "invalid_request", "error_description": problem, "state": q.get("state", "")}
            return Response(302, headers={"Location": redirect + sep + urlencode(params)})
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(
                client.client_id, q.get("scope", ""), redirect, q["code_challenge"], time.time() + CODE_TTL
            )
        return Response(302, headers={"Location": redirect + sep + urlencode({"code": code, "state": q["state"]})})

    def _client(self, req: Request) -> Client | None:
        header = req.header("Authorization") or ""
        if not header.startswith("Basic "):
            return None
        try:
            cid, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        client = self.clients.get(cid)
        if client is None or not secrets.compare_digest(client.secret, secret):
            return None
        return client

    def _form(self, req: Request) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}

    def _issue(self, grant: _Grant) -> Response:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = (refresh, time.time() + ACCESS_TTL)
            grant.access.add(access)
            self._refresh[refresh] = grant
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
            "refresh_token": refresh,
            "scope": grant.scope,
        }
        return Response(
            200, raw=json.dumps(body).encode(), content_type="application/json", headers={"Cache-Control": "no-store"}
        )

    def _token(self, req: Request) -> Response:
        client = self._client(req)
        if client is None:
            return _json(401, "invalid_client", "Client authentication failed (HTTP Basic client_id:secret).")
        form = self._form(req)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with self._lock:
                grant = self._codes.pop(form.get("code", ""), None)
            if grant is None or grant.client_id != client.client_id or grant.expires < time.time():
                return _json(400, "invalid_grant", "The authorization code is invalid, used or expired.")
            if form.get("redirect_uri", grant.redirect_uri) != grant.redirect_uri:
                return _json(400, "invalid_grant", "redirect_uri does not match the authorization request.")
            verifier = form.get("code_verifier", "")
            if not 43 <= len(verifier) <= 128 or not secrets.compare_digest(s256(verifier), grant.challenge):
                return _json(400, "invalid_grant", "Invalid code verifier.")
            return self._issue(_Grant(client.client_id, grant.scope))
        if grant_type == "refresh_token":
            with self._lock:
                old = self._refresh.get(form.get("refresh_token", ""))
                if old is None or old.client_id != client.client_id:
                    return _json(400, "invalid_grant", "The refresh token is invalid or revoked.")
                del self._refresh[form["refresh_token"]]
            return self._issue(_Grant(client.client_id, old.scope))
        return _json(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")

    def _revoke(self, req: Request) -> Response:
        client = self._client(req)
        if client is None:
            return _json(401, "invalid_client", "Client authentication failed (HTTP Basic client_id:secret).")
        token = self._form(req).get("token", "")
        with self._lock:
            grant = self._refresh.get(token)
            if grant is not None and grant.client_id == client.client_id:
                del self._refresh[token]
                for access in grant.access:
                    self._access.pop(access, None)
            self._access.pop(token, None)
        return Response(200, raw=b"{}", content_type="application/json")
