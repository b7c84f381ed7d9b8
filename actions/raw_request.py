"""Raw Request: any call to the configured Klaviyo host through the same pipeline as every action.

The connection's credential, the pinned ``revision``, host pinning, redirects and error mapping all
apply; only the retry rules are chosen per call from the inputs (see :func:`raw_request`).

Example:
    >>> # from connector import Klaviyo
    >>> # r = Klaviyo(api_key="pk_...").raw_request.request("GET", "/api/lists")
    >>> # r.status, r.body["data"]

Reference: https://developers.klaviyo.com/en/reference/api_overview
"""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Mapping, Sequence
from typing import Any

from connector import structs
from connector.client.errors import InputError
from connector.client.headers import FRAMING_HEADERS, HEADER_NAME, value_problem
from connector.client.json_depth import MAX_JSON_DEPTH
from connector.client.pipeline import JSON_API, KlaviyoClient
from connector.client.response import KlaviyoResponse
from connector.client.retry import DEFAULT_BASE_DELAY, RetryPolicy
from connector.framework.definitions import ActionDefinition
from connector.framework.facade import ResourceGroup
from connector.framework.inputs import (
    Collection,
    InputType,
    check_json_value,
    check_text,
    input_field,
    to_data,
    to_number,
    to_str,
)
from connector.klaviyo.operation_actions import switch_input

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
RESPONSE_TYPES = ("json", "text", "binary")
#: More retries than this is a runaway loop, not resilience.
MAX_RETRY_COUNT = 100
#: Response headers never handed back to a flow (they could carry credentials).
_PRIVATE_HEADERS = frozenset({"authorization", "proxy-authorization"})


# -- values ------------------------------------------------------------------------------------


@structs.frozen
class RawBody:
    """The Data input, typed: a JSON value, text, or bytes (each is sent differently).

    Example:
        >>> clean_body('{"a": 1}'), clean_body("plain words").kind
        (RawBody(kind='json', value={'a': 1}), 'text')
    """

    kind: str
    value: Any


def clean_body(value: Any) -> RawBody:
    """Data: text that parses as JSON is a JSON value; other text is sent as it is; bytes stay bytes.

    Example:
        >>> clean_body(b"\\x00\\x01").kind, clean_body([1, 2]).value
        ('bytes', [1, 2])
    """
    if isinstance(value, RawBody):
        return value
    if isinstance(value, (bytes, bytearray)):
        return RawBody("bytes", bytes(value))
    if isinstance(value, str):
        check_text(value)
        try:
            parsed = json.loads(value, parse_constant=_not_json)
        except RecursionError:
            raise InputError(f"is JSON nested more than {MAX_JSON_DEPTH} levels deep") from None
        except ValueError:
            return RawBody("text", value)
        return RawBody("json", check_json_value(parsed))
    if value is None or isinstance(value, (dict, list, int, float, bool)):
        return RawBody("json", check_json_value(value))
    raise InputError(f"must be JSON, text or bytes, got {type(value).__name__}")


def clean_method(value: Any) -> str:
    """An HTTP method from the picklist (any case).

    Example:
        >>> clean_method(" patch ")
        'PATCH'
    """
    method = to_str(value).strip().upper()
    if method not in METHODS:
        raise InputError(f"must be one of {', '.join(METHODS)} (got {value!r})")
    return method


def clean_header_value(value: Any) -> str:
    """A header value that can be sent: one line (a line break would smuggle in another header), no
    other control characters, Latin-1 text only (what HTTP headers carry).

    Example:
        >>> clean_header_value("application/json")
        'application/json'
    """
    text = to_str(value)
    if "\r" in text or "\n" in text:
        raise InputError("a header value must not contain a line break")
    problem = value_problem("header", text)
    if problem is not None:
        raise InputError(problem.replace("the value of header", "a header value"))
    return text.strip()


def clean_milliseconds(value: Any) -> float:
    """A duration in milliseconds, 0 or more.

    Example:
        >>> clean_milliseconds("1500")
        1500
    """
    number = to_number(value)
    if number < 0:
        raise InputError(f"must be 0 or more milliseconds (got {number})")
    return number


def clean_timeout(value: Any) -> float:
    """The total time budget in milliseconds, more than 0."""
    number = clean_milliseconds(value)
    if number == 0:
        raise InputError("must be more than 0 milliseconds; leave it empty for no overall limit")
    return number


def clean_retry_count(value: Any) -> int:
    """0 (no retries) up to :data:`MAX_RETRY_COUNT`."""
    number = to_number(value)
    if isinstance(number, float) and not number.is_integer():
        raise InputError(f"must be a whole number (got {value!r})")
    count = int(number)
    if not 0 <= count <= MAX_RETRY_COUNT:
        raise InputError(f"must be between 0 and {MAX_RETRY_COUNT} (got {count})")
    return count


def clean_response_type(value: Any) -> str:
    """json, text or binary (any case)."""
    kind = to_str(value).strip().lower()
    if kind not in RESPONSE_TYPES:
        raise InputError(f"must be one of {', '.join(RESPONSE_TYPES)} (got {value!r})")
    return kind


def clean_url(value: Any) -> str:
    """A path on the Klaviyo host (the host itself is checked against the connection when sending)."""
    text = to_str(value).strip()
    if not text:
        raise InputError("a path such as /api/lists is required")
    return text


@structs.frozen
class RawResponse:
    """What Raw Request returns: the status, the response headers and the decoded body.

    ``body`` is parsed JSON (Response Type json), a string (text) or bytes (binary). For low-code
    steps :meth:`to_json` gives ``{"data": body, "status": N, "headers": {...}}``; a binary body is
    base64 text there, marked ``"encoding": "base64"``.

    Example:
        >>> RawResponse(200, {"Content-Type": "text/plain"}, b"hi").to_json()["data"]
        'aGk='
    """

    status: int
    headers: Mapping[str, str]
    body: Any

    def to_json(self) -> dict[str, Any]:
        """The low-code output."""
        if isinstance(self.body, (bytes, bytearray)):
            return {
                "data": base64.b64encode(bytes(self.body)).decode(),
                "encoding": "base64",
                "status": self.status,
                "headers": dict(self.headers),
            }
        return {"data": self.body, "status": self.status, "headers": dict(self.headers)}


# -- Raw Request -------------------------------------------------------------------------------


def _pairs_input(label: str, comments: str, clean: Any = to_str, kind: InputType = InputType.STRING) -> Any:
    """A key-value list input (Form Data, File Data, Query Parameter, Header)."""
    return input_field(label, type=kind, comments=comments, collection=Collection.KEY_VALUE_LIST, clean=clean)


def _retry_input(label: str, comments: str, clean: Any) -> Any:
    """A retry setting, 0 unless given (no retries; the default delay)."""
    return input_field(label, comments=comments, default="0", clean=clean)


@structs.frozen
class RawRequestInputs:
    """Inputs of Raw Request (all sixteen catalog inputs; the connection is added by the framework)."""

    exclude_authorization: bool | None = switch_input(
        "Exclude Authorization",
        "Exclude the Authorization header from the request. Turn this on and include the company_id query param when "
        "calling public endpoints (/client).",
    )
    url: str = input_field(
        "URL",
        comments="Input the path only (/api/accounts), The base URL is already included (https://a.klaviyo.com). "
        "For example, to connect to https://a.klaviyo.com/api/accounts, only /api/accounts is entered in this "
        "field.",
        required=True,
        clean=clean_url,
        example="/api/accounts",
    )
    method: str = input_field(
        "Method",
        type=InputType.PICKLIST,
        comments="The HTTP method to use.",
        choices=METHODS,
        required=True,
        clean=clean_method,
    )
    data: RawBody | None = input_field(
        "Data",
        type=InputType.CODE,
        comments="The HTTP body payload to send to the URL.",
        clean=clean_body,
        schema={"type": ["string", "object", "array", "number", "boolean"]},
    )
    form_data: list[tuple[str, str]] = _pairs_input("Form Data", "The Form Data to be sent as a multipart form upload.")
    file_data: list[tuple[str, bytes]] = _pairs_input(
        "File Data", "File Data to be sent as a multipart form upload.", to_data, InputType.DATA
    )
    file_data_file_names: list[tuple[str, str]] = _pairs_input(
        "File Data File Names", "File names to apply to the file data inputs. Keys must match the file data keys above."
    )
    query_parameter: list[tuple[str, str]] = _pairs_input(
        "Query Parameter",
        "A list of query parameters to send with the request. This is the portion at the end of the URL similar to "
        "?key1=value1&key2=value2.",
    )
    header: list[tuple[str, str]] = _pairs_input(
        "Header", "A list of headers to send with the request.", clean_header_value
    )
    response_type: str | None = input_field(
        "Response Type",
        type=InputType.PICKLIST,
        comments="The type of data you expect in the response. You can request json, text, or binary data.",
        default="json",
        choices=RESPONSE_TYPES,
        clean=clean_response_type,
    )
    timeout: float | None = input_field(
        "Timeout",
        comments="The maximum time that a client will await a response to its request",
        clean=clean_timeout,
        example=30000,
    )
    retry_delay_ms: float | None = _retry_input(
        "Retry Delay (ms)",
        "The delay in milliseconds between retries. This is used when 'Use Exponential Backoff' is disabled.",
        clean_milliseconds,
    )
    retry_on_all_errors: bool | None = switch_input(
        "Retry On All Errors",
        "If true, retries on all erroneous responses regardless of type. This is helpful when retrying after HTTP 429 "
        "or other 3xx or 4xx errors. Otherwise, only retries on HTTP 5xx and network errors.",
    )
    max_retry_count: int | None = _retry_input(
        "Max Retry Count", "The maximum number of retries to attempt. Specify 0 for no retries.", clean_retry_count
    )
    use_exponential_backoff: bool | None = switch_input(
        "Use Exponential Backoff",
        "Specifies whether to use a pre-defined exponential backoff strategy for retries. When enabled, "
        "'Retry Delay (ms)' is ignored.",
    )


def _input_error(label: str, key: str, problem: str) -> InputError:
    return InputError(problem, label=label, key=key)


def retry_policy(client: KlaviyoClient, inputs: RawRequestInputs) -> RetryPolicy:
    """The per-call retry policy the inputs ask for (cap, jitter and Retry-After limit come from the client).

    Example:
        >>> # retry_policy(client, RawRequestInputs(url="/api/lists", method="GET", max_retry_count=2))
    """
    # Timeout replaces the client's budget (a CLI step has one by default); empty keeps it.
    total = inputs.timeout / 1000 if inputs.timeout else client.retry.total_timeout
    retries = inputs.max_retry_count or 0
    if retries == 0:
        # "0 for no retries" means none at all, not even after a 429.
        return structs.evolve(client.retry, max_retries=0, total_timeout=total)
    exponential = bool(inputs.use_exponential_backoff)
    delay_ms = inputs.retry_delay_ms or 0
    # A zero wait would hammer Klaviyo during the very outage being retried, so 0 means "the default".
    base = DEFAULT_BASE_DELAY if exponential or delay_ms <= 0 else delay_ms / 1000
    return structs.evolve(
        client.retry,
        max_retries=retries,
        base_delay=base,
        exponential=exponential,
        retry_on_all_errors=bool(inputs.retry_on_all_errors),
        total_timeout=total,
    )


def _headers(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in pairs:
        name = name.strip()
        lowered = name.lower()
        if not HEADER_NAME.fullmatch(name):
            raise _input_error("Header", "header", f"{name!r} is not a valid header name")
        if lowered in _PRIVATE_HEADERS:
            raise _input_error(
                "Header",
                "header",
                f"{name} cannot be set here: the connection supplies it (turn on Exclude Authorization "
                "to send none, for public /client endpoints)",
            )
        if lowered in FRAMING_HEADERS or lowered.startswith("proxy-"):
            raise _input_error(
                "Header",
                "header",
                f"{name} cannot be set here: the HTTP library sets it from the body and URL (a second "
                "framing header could smuggle another request onto the connection)",
            )
        headers[name] = value
    return headers


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _query(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    for name, _ in pairs:
        if not name.strip():
            raise _input_error("Query Parameter", "queryParameter", "every parameter needs a name")
    return [(name.strip(), value) for name, value in pairs]


def _multipart(inputs: RawRequestInputs) -> list[tuple[str, tuple[str | None, Any] | tuple[str, bytes, str]]]:
    file_keys = [key for key, _ in inputs.file_data]
    names = dict(inputs.file_data_file_names)
    stray = [key for key in names if key not in file_keys]
    if stray:
        raise _input_error(
            "File Data File Names",
            "fileDataFileNames",
            f"key(s) {', '.join(stray)} match no File Data key (File Data keys: {', '.join(file_keys) or 'none'})",
        )
    parts: list[tuple[str, tuple[str | None, Any] | tuple[str, bytes, str]]] = []
    for key, value in inputs.form_data:
        # (None, value) makes requests send a plain multipart field, even when there is no file.
        parts.append((key, (None, value)))
    for key, content in inputs.file_data:
        filename = names.get(key) or key
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        parts.append((key, (filename, content, content_type)))
    return parts


def _body_kwargs(inputs: RawRequestInputs, headers: dict[str, str]) -> dict[str, Any]:
    multipart = bool(inputs.form_data or inputs.file_data)
    if inputs.file_data_file_names and not inputs.file_data:
        raise _input_error("File Data File Names", "fileDataFileNames", "names files, but File Data is empty")
    if multipart:
        if inputs.data is not None:
            raise _input_error(
                "Data", "data", "cannot be sent together with Form Data or File Data; use one kind of body"
            )
        if _header(headers, "Content-Type") is not None:
            raise _input_error(
                "Header",
                "header",
                "Content-Type cannot be set with Form Data or File Data: the multipart boundary is set for you",
            )
        return {"files": _multipart(inputs)}
    body = inputs.data
    if body is None:
        return {}
    if body.kind == "json":
        if _header(headers, "Content-Type") is None:
            headers["Content-Type"] = JSON_API
        return {"data": json.dumps(body.value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()}
    if body.kind == "text":
        return {"data": str(body.value).encode()}
    return {"data": body.value}


def _decode(response: KlaviyoResponse, response_type: str) -> Any:
    """The body as the Response Type asks, with the connection's secrets masked (a server may echo them)."""
    if response_type == "binary":
        # Latin-1 maps bytes to characters one to one, so masking cannot corrupt the other bytes.
        return response.scrub(response.content.decode("latin-1")).encode("latin-1")
    text = response.scrub(response.text)
    if response_type == "text":
        return text
    if not response.content.strip():
        return None
    try:
        return json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError):
        # An HTML page, plain text, NaN or JSON nested too deeply to decode: give the text back
        # rather than fail after a success.
        return text


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def raw_request(client: KlaviyoClient, inputs: RawRequestInputs) -> RawResponse:
    """Send one request to the configured Klaviyo host and return :class:`RawResponse`.

    Rules beyond the catalog's input comments (documented here and in the README):

    - URL: a path (``/api/lists``) or a full URL on the configured host; any other host is refused.
    - Data: text that parses as JSON is sent as JSON with ``Content-Type: application/vnd.api+json``
      unless a Header sets another Content-Type; other text is sent as it is (UTF-8). Form Data and
      File Data are sent as ``multipart/form-data`` (files get File Data File Names, else their key,
      as file name); Data together with them is an input error.
    - Header cannot set ``Authorization`` (the connection owns it); Exclude Authorization sends none.
    - Response Type: json gives parsed JSON (None for an empty body, the text when it is not JSON),
      text a string, binary bytes (base64 in low-code output). An error status raises the same
      errors as every action, after retries.
    - Timeout is in milliseconds and is the total budget across every attempt and wait, reading the
      answer included (a server dripping its answer is cut off when it runs out); each attempt's own
      timeout is capped by what is left of it. Empty: the client's budget (a CLI step has one by
      default), else the client's per-attempt timeouts only.
    - Max Retry Count 0 (the default): no retry at all, not even after a 429. Above 0 the call is
      retried on 429, 408, 5xx and network errors whatever the method (the user asked for retries);
      Retry On All Errors retries every failure, 4xx included.
    - Waits: Retry Delay (ms) flat when Use Exponential Backoff is off, where empty or 0 means the
      default 0.5 s (never a zero wait); with backoff, 0.5 s * 2**(n-1) less up to the client's jitter,
      capped at its max delay (60 s by default). A ``Retry-After`` is always honoured: the wait is
      the greater of it and the computed delay (above 300 s the call gives up at once).

    Example:
        >>> # raw_request(client, RAW_REQUEST.clean({"url": "/api/lists", "method": "GET"}))
    """
    client.url_for(inputs.url)  # refuse another host before anything else (the error names URL)
    headers = _headers(inputs.header)
    params = _query(inputs.query_parameter)
    body_kwargs = _body_kwargs(inputs, headers)
    policy = retry_policy(client, inputs)
    timeout = None
    if inputs.timeout:
        # One attempt may use the whole budget the user gave, whatever the client's read timeout.
        total = inputs.timeout / 1000
        timeout = (min(client.timeout[0], total), total)
    response = client.request(
        inputs.method,
        inputs.url,
        params=params,
        headers=headers,
        retry=policy,
        retry_safe=policy.max_retries > 0,  # the user asked for retries, whatever the method
        timeout=timeout,
        authenticate=not inputs.exclude_authorization,
        **body_kwargs,
    )
    safe_headers = {k: response.scrub(v) for k, v in response.headers.items() if k.lower() not in _PRIVATE_HEADERS}
    return RawResponse(response.status, safe_headers, _decode(response, inputs.response_type or "json"))


RAW_REQUEST = ActionDefinition(
    key="rawRequest",
    label="Raw Request",
    description="Send raw HTTP request to Klaviyo.",
    inputs=RawRequestInputs,
    perform=raw_request,
    operation_ids=(),
)

ACTIONS = (RAW_REQUEST,)
DATA_SOURCES = ()


class Raw(ResourceGroup):
    """``Klaviyo(...).raw_request``: any Klaviyo endpoint, through the same auth, retries and errors.

    Example:
        >>> # k = Klaviyo(api_key="pk_...")
        >>> # k.raw_request.request("GET", "/api/lists", query={"fields[list]": "name"}).body
    """

    def request(
        self,
        method: str,
        url: str,
        *,
        data: Any = None,
        form: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        files: Mapping[str, bytes | tuple[str, bytes]] | None = None,
        query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        response_type: str = "json",
        timeout_ms: float | None = None,
        max_retries: int = 0,
        retry_delay_ms: float | None = None,
        exponential: bool = False,
        retry_on_all_errors: bool = False,
        exclude_authorization: bool = False,
    ) -> RawResponse:
        """Send one request; ``files`` maps a field to bytes or ``(file name, bytes)``.

        Example:
            >>> # k.raw_request.request("POST", "/api/image-upload", files={"file": ("a.png", png)})
        """
        file_data: list[tuple[str, bytes]] = []
        file_names: list[tuple[str, str]] = []
        for key, value in (files or {}).items():
            if isinstance(value, tuple):
                file_names.append((key, value[0]))
                value = value[1]
            file_data.append((key, value))
        result: RawResponse = self._perform(
            RAW_REQUEST,
            method=method,
            url=url,
            data=data,
            form_data=_pairs(form),
            file_data=file_data,
            file_data_file_names=file_names,
            query_parameter=_pairs(query),
            header=_pairs(headers),
            response_type=response_type,
            timeout=timeout_ms,
            retry_delay_ms=retry_delay_ms,
            max_retry_count=max_retries,
            use_exponential_backoff=exponential,
            retry_on_all_errors=retry_on_all_errors,
            exclude_authorization=exclude_authorization,
        )
        return result


def _pairs(values: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> list[tuple[str, Any]]:
    if values is None:
        return []
    if isinstance(values, Mapping):
        return [(str(k), v) for k, v in values.items()]
    return [(str(k), v) for k, v in values]


FACADE = Raw
