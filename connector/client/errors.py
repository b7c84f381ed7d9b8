"""The one error hierarchy of the SDK.

Every failure a caller can see is a :class:`KlaviyoError`:

- :class:`InputError`: a value the user gave is wrong; raised before any request.
- :class:`ConnectionConfigError`: the connection (API key, OAuth client/tokens, base URL) is unusable;
  :class:`ReauthorizationRequired` when an OAuth grant is gone.
- :class:`ApiError`: Klaviyo answered with an error, subclassed by status
  (:class:`BadRequestError`, :class:`AuthenticationError`, :class:`PermissionDeniedError`,
  :class:`NotFoundError`, :class:`ConflictError`, :class:`RateLimitError`, :class:`ServerError`).
- :class:`TransportError`: no answer at all (connection refused/reset, timeout).
- :class:`MalformedResponseError`: an answer that cannot be used (not the JSON:API document due, a
  redirect without a usable ``Location``, a redirect loop).

Each error knows whether retrying may help (:attr:`KlaviyoError.retryable`) and which exit code the
CLI uses for it (:attr:`KlaviyoError.exit_code`).

Example:
    >>> try:
    ...     raise NotFoundError("List not found", status=404, method="GET", path="/api/lists/x")
    ... except ApiError as exc:
    ...     exc.status, exc.exit_code
    (404, 4)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

from connector import structs

EXIT_INPUT = 2
EXIT_CONNECTION = 3
EXIT_API = 4
EXIT_TRANSIENT = 5


@structs.frozen
class ErrorObject:
    """One entry of a JSON:API ``errors`` array as Klaviyo sends it.

    A struct, not a ``NamedTuple``: with postponed annotations ``NamedTuple`` compiles each field's annotation
    when the class is declared, and every CLI process, ``--help`` included, imports the errors.

    Example:
        >>> ErrorObject.from_json({"code": "invalid", "detail": "bad", "source": {"pointer": "/data"}}).pointer
        '/data'
    """

    code: str | None = None
    title: str | None = None
    detail: str | None = None
    status: int | None = None
    id: str | None = None
    pointer: str | None = None
    parameter: str | None = None
    meta: Mapping[str, Any] = MappingProxyType({})

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ErrorObject:
        """Read one error object, tolerating missing keys, nulls and odd types."""
        source = raw.get("source") if isinstance(raw.get("source"), Mapping) else {}
        status = raw.get("status")
        try:
            status_int = int(status) if status is not None else None
        except (TypeError, ValueError):
            status_int = None
        meta = raw.get("meta")
        return cls(
            code=_str_or_none(raw.get("code")),
            title=_str_or_none(raw.get("title")),
            detail=_str_or_none(raw.get("detail")),
            status=status_int,
            id=_str_or_none(raw.get("id")),
            pointer=_str_or_none(source.get("pointer")) if source else None,
            parameter=_str_or_none(source.get("parameter")) if source else None,
            meta=dict(meta) if isinstance(meta, Mapping) else {},
        )

    def to_json(self) -> dict[str, Any]:
        """The error object as plain JSON (for CLI output)."""
        out: dict[str, Any] = {k: v for k, v in structs.asdict(self).items() if v is not None and v != {}}
        if "meta" in out:
            out["meta"] = dict(out["meta"])
        return out

    def describe(self) -> str:
        """A one-line human reading: detail, then where it points."""
        text = self.detail or self.title or self.code or "error"
        where = self.pointer or self.parameter
        return f"{text} (at {where})" if where else text


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


class KlaviyoError(Exception):
    """Base of every error the SDK raises.

    Example:
        >>> KlaviyoError("boom").to_json()["error"]["type"]
        'KlaviyoError'
    """

    exit_code: ClassVar[int] = 1
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict[str, Any]:
        """The shape the CLI prints on stderr: ``{"error": {"type", "message", "status", "errors"}}``."""
        return {"error": {"type": type(self).__name__, "message": self.message, "status": None, "errors": []}}


class InputError(KlaviyoError, ValueError):
    """An input value is missing or malformed; nothing was sent.

    Example:
        >>> str(InputError("must be an email address", label="Email", key="email"))
        'Email: must be an email address'
    """

    exit_code = EXIT_INPUT

    def __init__(self, problem: str, *, label: str | None = None, key: str | None = None) -> None:
        self.label = label
        self.key = key
        self.problem = problem
        super().__init__(f"{label}: {problem}" if label else problem)

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["error"]["input"] = self.key
        return out


class ConnectionConfigError(KlaviyoError):
    """The connection or client configuration cannot be used (bad key format, missing token, bad URL).

    Example:
        >>> ConnectionConfigError("no credentials").exit_code
        3
    """

    exit_code = EXIT_CONNECTION


class ReauthorizationRequired(ConnectionConfigError):
    """The OAuth grant is gone (revoked, app uninstalled, or unused for 90 days): the user must log in again.

    Example:
        >>> "authorize" in str(ReauthorizationRequired())
        True
    """

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Klaviyo rejected the refresh token (invalid_grant): the OAuth connection must be "
            "re-authorized (run `klaviyo-connector oauth login` or reconnect in your integration)."
        )


class TransportError(KlaviyoError):
    """The request got no HTTP answer (connection refused or reset, timeout); safe to retry later.

    Example:
        >>> TransportError("timed out", method="GET", path="/api/lists").retryable
        True
    """

    exit_code = EXIT_TRANSIENT
    retryable = True

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        self.method = method
        self.path = path
        super().__init__(f"{method} {path}: {message}" if method else message)


class MalformedResponseError(KlaviyoError, ValueError):
    """An answer that cannot be used: not the JSON:API document the call expects (an HTML page from a
    captive portal, invalid UTF-8, ``{"data": null}`` on a 201), a redirect without a usable ``Location``,
    a redirect loop, or a redirect that would carry the request somewhere it must not go.

    ``received`` is what came back, shortened and scrubbed of secrets by the caller. It is a
    ``ValueError`` too, as decoding a body has always raised one.

    Example:
        >>> e = MalformedResponseError("the body is not JSON", status=200, method="GET", path="/api/lists",
        ...                            received="<html>Log in to the Wi-Fi</html>")
        >>> e.exit_code, str(e)
        (4, 'GET /api/lists: the body is not JSON (HTTP 200); received: <html>Log in to the Wi-Fi</html>')
    """

    exit_code = EXIT_API

    def __init__(
        self, problem: str, *, status: int | None = None, method: str = "", path: str = "", received: str | None = None
    ) -> None:
        self.problem = problem
        self.status = status
        self.method = method
        self.path = path
        self.received = received
        message = f"{method} {path}: {problem}" if method else problem
        if status is not None:
            message += f" (HTTP {status})"
        if received:
            message += f"; received: {received}"
        super().__init__(message)

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["error"].update(status=self.status, method=self.method, path=self.path, received=self.received)
        return out


def excerpt(text: str | None, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters (the caller scrubs secrets first).

    Example:
        >>> excerpt("a  b" + "c" * 300, limit=8)
        'a bccccc...'
    """
    return _excerpt(text, limit)


class ApiError(KlaviyoError):
    """Klaviyo answered with an error status.

    Carries Klaviyo's error objects, the request id (``X-Request-Id``), the method and path.

    Example:
        >>> e = ApiError.from_response(400, {"errors": [{"detail": "bad"}]}, method="POST", path="/api/lists")
        >>> type(e).__name__, e.errors[0].detail
        ('BadRequestError', 'bad')
    """

    exit_code = EXIT_API

    def __init__(
        self,
        message: str,
        *,
        status: int,
        errors: Sequence[ErrorObject] = (),
        request_id: str | None = None,
        method: str = "",
        path: str = "",
        body_text: str | None = None,
    ) -> None:
        self.status = status
        self.errors = list(errors)
        self.request_id = request_id
        self.method = method
        self.path = path
        self.body_text = body_text
        super().__init__(message)

    @property
    def code(self) -> str | None:
        """The first error object's code (``duplicate_profile``, ``not_found``...)."""
        return self.errors[0].code if self.errors else None

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["error"].update(
            status=self.status,
            errors=[e.to_json() for e in self.errors],
            requestId=self.request_id,
            method=self.method,
            path=self.path,
        )
        return out

    @staticmethod
    def from_response(
        status: int,
        body: object,
        *,
        method: str,
        path: str,
        request_id: str | None = None,
        body_text: str | None = None,
        retry_after: float | None = None,
    ) -> ApiError:
        """Build the right subclass for ``status`` from a decoded body (JSON:API or anything else).

        Non-JSON bodies (an HTML 403 page from a proxy) keep a short excerpt in the message.
        """
        errors: list[ErrorObject] = []
        if isinstance(body, Mapping) and isinstance(body.get("errors"), list):
            errors = [ErrorObject.from_json(e) for e in body["errors"] if isinstance(e, Mapping)]
        cls = _class_for_status(status)
        summary = "; ".join(e.describe() for e in errors) if errors else _excerpt(body_text)
        message = f"{method} {path} failed with HTTP {status}"
        if summary:
            message += f": {summary}"
        if request_id:
            message += f" (request id {request_id})"
        common: dict[str, Any] = dict(
            status=status, errors=errors, request_id=request_id, method=method, path=path, body_text=body_text
        )
        if cls is RateLimitError:
            return RateLimitError(message, retry_after=retry_after, **common)
        if cls is ConflictError:
            return ConflictError(message, **common)
        return cls(message, **common)


def _excerpt(text: str | None, limit: int = 200) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."


class BadRequestError(ApiError):
    """HTTP 400: Klaviyo rejected the request body, query or headers."""


class AuthenticationError(ApiError):
    """HTTP 401: the API key or token is missing, wrong or revoked."""

    exit_code = EXIT_CONNECTION


class PermissionDeniedError(ApiError):
    """HTTP 403: the key or token lacks a scope this call needs."""

    exit_code = EXIT_CONNECTION


class NotFoundError(ApiError):
    """HTTP 404: no resource with that id (or the path is wrong)."""


class ConflictError(ApiError):
    """HTTP 409: usually ``duplicate_profile``; :attr:`duplicate_profile_id` names the existing profile.

    Example:
        >>> body = {"errors": [{"code": "duplicate_profile", "meta": {"duplicate_profile_id": "01H"}}]}
        >>> ApiError.from_response(409, body, method="POST", path="/api/profiles").duplicate_profile_id
        '01H'
    """

    @property
    def duplicate_profile_id(self) -> str | None:
        """The id of the profile that already holds the email, phone number or external ID."""
        for err in self.errors:
            value = err.meta.get("duplicate_profile_id")
            if value:
                return str(value)
        return None

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["error"]["duplicateProfileId"] = self.duplicate_profile_id
        return out


class RateLimitError(ApiError):
    """HTTP 429: too many requests; :attr:`retry_after` says how many seconds Klaviyo asked us to wait."""

    exit_code = EXIT_TRANSIENT
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["error"]["retryAfter"] = self.retry_after
        return out


class ServerError(ApiError):
    """HTTP 5xx: Klaviyo failed; retrying later may succeed."""

    exit_code = EXIT_TRANSIENT
    retryable = True


def _class_for_status(status: int) -> type[ApiError]:
    if status >= 500:
        return ServerError
    return {
        400: BadRequestError,
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        409: ConflictError,
        429: RateLimitError,
    }.get(status, ApiError)
