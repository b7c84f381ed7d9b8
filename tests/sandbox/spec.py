"""Validate sandbox traffic against Klaviyo's published OpenAPI spec with openapi-core.

The spec is the repository's vendored copy (``connector/spec/stable.json``). It is loaded with
``Config(spec_validator_cls=None)`` because the published file fails openapi-core's own spec validation.

One relaxation, made on the in-memory copy only: every ``oneOf`` becomes ``anyOf``. The spec uses ``oneOf`` over
structurally identical schemas (e.g. ``send_options`` is ``oneOf[EmailSendOptions, SMSSendOptions,
PushSendOptions]``, all ``{"use_smart_sending": bool}``), so no real document can match exactly one branch.

Requests are validated as if sent to the spec's server (``https://a.klaviyo.com``).

Example:
    resp = session.get(sb.url + "/api/lists", headers=sb.headers())
    check(resp)          # raises AssertionError listing every schema violation
"""

from __future__ import annotations

from typing import Any

import requests
from spec_support import raw_spec, relaxed_openapi

SERVER = "https://a.klaviyo.com"


def spec_dict() -> dict[str, Any]:
    """The vendored spec."""
    return raw_spec()


def openapi() -> Any:
    """The openapi-core ``OpenAPI`` object on the relaxed spec."""
    return relaxed_openapi()


def _as_klaviyo(prepared: requests.PreparedRequest) -> requests.PreparedRequest:
    copy = prepared.copy()
    assert copy.url is not None
    rest = copy.url.partition("://")[2]
    copy.url = SERVER + "/" + rest.partition("/")[2]
    return copy


def _describe(err: BaseException) -> str:
    parts = [repr(err)]
    cause: BaseException | None = err
    while cause is not None:
        for sub in getattr(cause, "schema_errors", ()) or ():
            parts.append(f"  {list(sub.path)}: {sub.message[:300]}")
        cause = cause.__cause__
    return "\n".join(parts)


def check(resp: requests.Response, *, request: bool = True) -> requests.Response:
    """Assert that the response (and, unless ``request=False``, the request) conforms to the spec."""
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    api = openapi()
    oreq = RequestsOpenAPIRequest(_as_klaviyo(resp.request))
    problems: list[str] = []
    if request:
        problems += [f"request: {_describe(e)}" for e in api.iter_request_errors(oreq)]
    problems += [f"response: {_describe(e)}" for e in api.iter_response_errors(oreq, RequestsOpenAPIResponse(resp))]
    assert not problems, (
        f"{resp.request.method} {resp.request.url} -> {resp.status_code}\n"
        + "\n".join(problems)
        + f"\nbody: {resp.text[:2000]}"
    )
    return resp
