"""The OAuth 2.0 connection: authorization code with PKCE (S256), refresh, revoke — built on authlib.

Klaviyo's rules (see ``docs/klaviyo-api-notes.md`` §2): authorize at
``https://www.klaviyo.com/oauth/authorize``; token and revoke only at ``https://a.klaviyo.com``;
client authentication is HTTP Basic; PKCE S256 is mandatory; access tokens live about an hour;
a refresh may rotate the refresh token (persist what comes back: ``on_token_updated``); an unused
refresh token dies after 90 days and the token endpoint answers ``invalid_grant``, which becomes
:class:`~connector.client.errors.ReauthorizationRequired`.

Example:
    >>> conn = OAuth2Connection(client_id="cid", client_secret="shh", scopes="lists:read")
    >>> url, state, verifier = conn.authorization_url("http://127.0.0.1:8765/callback")
    >>> url.startswith("https://www.klaviyo.com/oauth/authorize?") and "code_challenge_method=S256" in url
    True

Reference: https://developers.klaviyo.com/en/docs/set_up_oauth
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from connector.client.errors import (
    ApiError,
    ConnectionConfigError,
    KlaviyoError,
    MalformedResponseError,
    ReauthorizationRequired,
    excerpt,
)
from connector.client.headers import value_problem
from connector.client.secrets import MASK, Secret, redact

AUTHORIZE_URL = "https://www.klaviyo.com/oauth/authorize"
API_BASE_URL = "https://a.klaviyo.com"
#: Refresh this many seconds before the access token expires, so a request never carries a dying token.
REFRESH_MARGIN = 60.0

TokenCallback = Callable[[dict[str, Any]], None]


class OAuth2Connection:
    """OAuth 2.0 credentials for one installed Klaviyo app.

    Args:
        client_id, client_secret: the app's credentials (Manage apps page).
        scopes: space-separated scopes, e.g. ``"lists:read profiles:write"``.
        token: a token dict (``access_token``, ``refresh_token``, ``expires_at``...) from a previous login.
        on_token_updated: called with the new token after every exchange or refresh.
        base_url: API host for the token and revoke endpoints (the sandbox in tests).
        authorize_url: where users approve the app.

    Example:
        >>> OAuth2Connection(client_id="cid", client_secret="shh", token={"access_token": "t"})
        OAuth2Connection(client_id='cid', token=********)
    """

    key = "oauth2"
    label = "OAuth 2.0"

    def __init__(
        self,
        *,
        client_id: str = "",
        client_secret: str | Secret | None = None,
        scopes: str | Sequence[str] = "",
        token: Mapping[str, Any] | None = None,
        on_token_updated: TokenCallback | None = None,
        base_url: str = API_BASE_URL,
        authorize_url: str = AUTHORIZE_URL,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
    ) -> None:
        self.client_id = (client_id or "").strip()
        secret = client_secret.reveal() if isinstance(client_secret, Secret) else (client_secret or "")
        self._client_secret = Secret(secret.strip())
        self.scopes = " ".join(scopes.split()) if isinstance(scopes, str) else " ".join(scopes)
        base = base_url.rstrip("/")
        self.token_url = f"{base}/oauth/token"
        self.revoke_url = f"{base}/oauth/revoke"
        self.authorize_url = authorize_url
        # The access and refresh tokens are held as Secret, so reprs, vars() and tracebacks mask them.
        self._token: dict[str, Any] = _hide(token or {})
        self._on_token_updated = on_token_updated
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.RLock()
        self._last_answer: tuple[int, str] | None = None

    def __repr__(self) -> str:
        shown = MASK if self._token else None
        return f"OAuth2Connection(client_id={self.client_id!r}, token={shown})"

    # -- Credential protocol --------------------------------------------------------------------

    def authorization_header(self) -> str:
        """``Bearer <access token>``, refreshing first when it expires within :data:`REFRESH_MARGIN`."""
        with self._lock:
            if self._needs_refresh():
                self.refresh()
            access = self._token.get("access_token")
            if not access:
                raise ConnectionConfigError(
                    "OAuth 2.0: no access token; run `klaviyo-connector oauth login` to authorize the app"
                )
            return f"Bearer {_reveal(access)}"

    def on_unauthorized(self) -> bool:
        """Refresh once after a 401 (the token may have been revoked early); False when impossible."""
        with self._lock:
            if not self._token.get("refresh_token"):
                return False
            self.refresh()
            return True

    def secrets(self) -> Sequence[Secret]:
        """The client secret, the tokens, and the HTTP Basic forms of the client credentials.

        A token endpoint (or a proxy) may echo the ``Authorization: Basic base64(id:secret)`` header
        it received, so those encodings are masked too.
        """
        values = [self._client_secret]
        for name in ("access_token", "refresh_token"):
            if self._token.get(name):
                values.append(_as_secret(self._token[name]))
        secret = self._client_secret.reveal()
        if secret:
            for text in (f"{self.client_id}:{secret}", f"{quote(self.client_id)}:{quote(secret)}"):
                for encoding in ("latin-1", "utf-8"):
                    try:
                        values.append(Secret(base64.b64encode(text.encode(encoding)).decode()))
                    except UnicodeEncodeError:
                        continue
        return values

    # -- token lifecycle -------------------------------------------------------------------------

    @property
    def on_token_updated(self) -> TokenCallback | None:
        """Called with the new token after every exchange or refresh (persist rotated refresh tokens there)."""
        return self._on_token_updated

    @on_token_updated.setter
    def on_token_updated(self, callback: TokenCallback | None) -> None:
        self._on_token_updated = callback

    @property
    def token(self) -> dict[str, Any]:
        """A copy of the current token (contains secrets: store it, don't print it)."""
        with self._lock:
            return _show(self._token)

    def _needs_refresh(self) -> bool:
        if not self._token.get("refresh_token"):
            return False
        expires_at = self._token.get("expires_at")
        if expires_at is None:
            return not self._token.get("access_token")
        return float(expires_at) - self._clock() <= REFRESH_MARGIN

    def _session(self, redirect_uri: str | None = None) -> Any:
        from authlib.integrations.requests_client import OAuth2Session

        if not self.client_id:
            raise ConnectionConfigError(
                "Client ID: required to authorize or refresh the OAuth 2.0 connection (set KLAVIYO_CLIENT_ID)"
            )
        if value_problem("client credentials", f"{self.client_id}:{self._client_secret.reveal()}"):
            raise ConnectionConfigError(
                "Client ID / Client secret: contain a line break or characters HTTP Basic authentication cannot "
                "carry (only Latin-1 text); copy them again from the app's settings"
            )
        session = OAuth2Session(
            client_id=self.client_id,
            client_secret=self._client_secret.reveal(),
            token_endpoint_auth_method="client_secret_basic",
            revocation_endpoint_auth_method="client_secret_basic",
            scope=self.scopes or None,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            default_timeout=self._timeout,
        )
        session.trust_env = False
        session.hooks["response"].append(self._remember)
        return session

    def authorization_url(self, redirect_uri: str, state: str | None = None) -> tuple[str, str, str]:
        """Start a login: returns ``(url, state, code_verifier)``; keep the verifier for :meth:`exchange_code`."""
        from authlib.common.security import generate_token

        verifier = generate_token(64)
        with self._session(redirect_uri) as session:
            url, state_out = session.create_authorization_url(
                self.authorize_url, state=state or generate_token(24), code_verifier=verifier
            )
        return str(url), str(state_out), verifier

    def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """Trade an authorization code (plus the PKCE verifier) for tokens."""
        with self._lock, self._session(redirect_uri) as session:
            token = self._call(
                lambda: session.fetch_token(
                    self.token_url, grant_type="authorization_code", code=code, code_verifier=code_verifier
                )
            )
            self._store(token)
            return _show(self._token)

    def refresh(self) -> dict[str, Any]:
        """Get a new access token with the refresh token; keeps a rotated refresh token."""
        with self._lock:
            refresh_token = self._token.get("refresh_token")
            if not refresh_token:
                raise ReauthorizationRequired("OAuth 2.0: the access token expired and there is no refresh token")
            with self._session() as session:
                token = self._call(lambda: session.refresh_token(self.token_url, refresh_token=_reveal(refresh_token)))
            if not token.get("refresh_token"):
                token["refresh_token"] = _reveal(refresh_token)
            self._store(token)
            return _show(self._token)

    def revoke(self) -> None:
        """Revoke the refresh token (uninstall from the account's point of view) and forget the token."""
        with self._lock:
            value = self._token.get("refresh_token") or self._token.get("access_token")
            if value:
                with self._session() as session:
                    self._call(
                        lambda: session.revoke_token(
                            self.revoke_url, token=_reveal(value), token_type_hint="refresh_token"
                        )
                    )
            self._token = {}

    def _store(self, token: Mapping[str, Any]) -> None:
        fresh = dict(token)
        access = fresh.get("access_token")
        if not isinstance(access, str) or not access:
            raise self._malformed("the answer has no access_token string")
        refresh = fresh.get("refresh_token")
        if refresh is not None and not isinstance(refresh, str):
            raise self._malformed("the answer's refresh_token is not a string")
        # Our clock decides expiry (authlib stamps its own from the wall clock; tests inject time).
        if fresh.get("expires_in") is not None:
            expires_in = fresh["expires_in"]
            if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float, str)):
                raise self._malformed("the answer's expires_in is not a number of seconds")
            seconds = _seconds(expires_in)
            if seconds is None:
                raise self._malformed("the answer's expires_in is not a number of seconds")
            fresh["expires_at"] = int(self._clock()) + seconds
        self._token = _hide(fresh)
        self._last_answer = None  # it quotes the new tokens: keep it no longer than needed for an error
        if self._on_token_updated is not None:
            self._on_token_updated(_show(self._token))

    def _call(self, operation: Callable[[], Any]) -> Any:
        """Run one token-endpoint operation; every failure becomes a typed error that quotes no secret.

        The errors are raised after the ``except`` blocks, so no library exception (whose message may
        quote a token) is chained to them as ``__context__``.
        """
        from authlib.integrations.base_client.errors import OAuthError

        self._last_answer = None
        failure: KlaviyoError | None = None
        try:
            result = operation()
        except OAuthError as exc:
            if exc.error == "invalid_grant":
                failure = ReauthorizationRequired()
            else:
                detail = redact(f"{exc.error}: {exc.description or ''}".strip(": "), self.secrets())
                failure = ConnectionConfigError(f"OAuth 2.0 token endpoint refused the request ({detail})")
        except Exception as exc:  # requests errors, authlib's own, a body that is not JSON; never echo secrets
            failure = self._translate(exc)
        if failure is not None:
            raise failure
        if hasattr(result, "status_code"):
            self._last_answer = None
            if result.status_code >= 400:
                raise ConnectionConfigError(f"OAuth 2.0: revoke failed with HTTP {result.status_code}")
            return None
        if not isinstance(result, Mapping):
            raise self._malformed("the answer is not a token object")
        return dict(result)

    def _translate(self, exc: Exception) -> KlaviyoError:
        import requests

        response = getattr(exc, "response", None)
        if isinstance(exc, requests.HTTPError) and response is not None:
            text = redact(response.text, self.secrets())
            return ApiError.from_response(
                response.status_code, None, method="POST", path=_path(self.token_url), body_text=text
            )
        if isinstance(exc, requests.RequestException):
            return ConnectionConfigError(f"OAuth 2.0: could not reach {self.token_url} ({type(exc).__name__})")
        if isinstance(exc, (ValueError, TypeError, KeyError, RecursionError)):
            return self._malformed("the answer is not a JSON token object")
        raise exc  # a bug of ours: let the CLI report it (its message is not printed)

    def _remember(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Response hook: keep what the token endpoint answered, scrubbed, to quote in an error."""
        content_type = response.headers.get("Content-Type", "")
        text = redact(response.content.decode("utf-8", errors="replace"), self.secrets())
        self._last_answer = (response.status_code, excerpt(f"{content_type}: {text}" if content_type else text))
        return response

    def _malformed(self, problem: str) -> MalformedResponseError:
        status, received = self._last_answer or (None, None)
        return MalformedResponseError(
            f"OAuth 2.0 token endpoint: {problem}",
            status=status,
            method="POST",
            path=_path(self.token_url),
            received=received or "(nothing)",
        )


_TOKEN_KEYS = ("access_token", "refresh_token")


def _hide(token: Mapping[str, Any]) -> dict[str, Any]:
    """The token with its secret values wrapped in :class:`Secret`."""
    return {k: _as_secret(v) if k in _TOKEN_KEYS and v else v for k, v in token.items()}


def _show(token: Mapping[str, Any]) -> dict[str, Any]:
    """The token as plain JSON values, to hand to the caller (who stores it)."""
    return {k: _reveal(v) for k, v in token.items()}


def _as_secret(value: Any) -> Secret:
    return value if isinstance(value, Secret) else Secret(str(value))


def _reveal(value: Any) -> Any:
    return value.reveal() if isinstance(value, Secret) else value


def _seconds(value: Any) -> int | None:
    try:
        return int(float(value))
    except (ValueError, OverflowError):
        return None


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path
