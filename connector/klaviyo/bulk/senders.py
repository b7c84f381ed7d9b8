"""Send records through Klaviyo's bulk endpoints and get one outcome back per record.

This is the reusable layer under ``deliver`` (and the later bulk sync): hand it
:class:`BatchRecord` objects (your own ``key`` plus the JSON:API item to put in the request's
``data`` array) and it returns one :class:`~connector.klaviyo.bulk.outcomes.RecordOutcome` per record,
in the order given. It

- chunks by Klaviyo's limits: profile imports 10,000 profiles and 5 MB, event bulk creates 1,000
  events and 5 MB, subscribes 1,000 and unsubscribes 100 profiles per request;
- never lets one bad record sink its batch: when Klaviyo refuses a request because of some
  records (error ``source.pointer`` such as ``/data/attributes/profiles/data/3/attributes/email``),
  those records are rejected with Klaviyo's reason and the request is re-sent without them;
- polls profile import jobs to completion and rejects the records named by the job's
  ``import-errors`` (the rest are delivered);
- marks records ``retryable`` (never drops them) when Klaviyo could not take them for reasons that
  are not theirs: 429 after the client's retries, 5xx, no connection, an unfinished job.

Every request is ``retry_safe``: imports and consent changes are idempotent, and every event the
SDK sends carries a ``unique_id``, so Klaviyo deduplicates a repeat.

Example:
    >>> rec = BatchRecord(key=1, resource={"type": "profile", "attributes": {"email": "a@b.co"}})
    >>> # outcomes = import_profiles(client, [rec], list_id="Y6nRLr")
    >>> rec.key
    1

Reference: https://developers.klaviyo.com/en/reference/bulk_import_profiles
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import attrs

from connector.client.errors import ApiError, ErrorObject, KlaviyoError
from connector.client.jsonapi import relationship
from connector.client.pipeline import JSON_API, KlaviyoClient
from connector.klaviyo.bulk.chunking import chunk_by_limits, json_bytes, rounds
from connector.klaviyo.bulk.jobs import IMPORT_JOBS, JobPoller, JobResult
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status, pointer_index

MB = 1024 * 1024
PROFILE_IMPORT_MAX = 10_000
PROFILE_MAX_BYTES = 100 * 1024
EVENTS_MAX = 1_000
SUBSCRIBE_MAX = 1_000
UNSUBSCRIBE_MAX = 100
PAYLOAD_MAX_BYTES = 5 * MB

PROFILES_POINTER = "/data/attributes/profiles/data"
EVENTS_POINTER = "/data/attributes/events-bulk-create/data"

# Statuses whose error objects are about the request's content: records can be at fault.
_CONTENT_ERRORS = frozenset({400, 409, 413, 422})


@attrs.frozen
class BatchRecord:
    """One record for a bulk request: the caller's ``key`` and the JSON:API ``resource`` to send.

    ``dedupe_key`` (events) keeps two records with the same profile, metric and unique id out of
    one request, where Klaviyo would fail the whole request.

    ``encoded`` is ``resource`` already encoded (:func:`~connector.klaviyo.bulk.chunking.json_bytes`), when the
    caller had to encode it anyway (to pack requests by size): each record is then measured and sent from
    those bytes instead of being encoded again. Left out, it is computed once per call.

    Example:
        >>> BatchRecord(key=("line", 3), resource={"type": "profile", "attributes": {}}).dedupe_key is None
        True
        >>> _with_bytes(BatchRecord(1, {"type": "profile"})).encoded
        b'{"type":"profile"}'
    """

    key: Hashable
    resource: dict[str, Any]
    dedupe_key: Hashable | None = None
    encoded: bytes | None = attrs.field(default=None, eq=False, repr=False)


Accept = Callable[[Any, list[BatchRecord]], list[RecordOutcome]]
Body = Callable[[list[dict[str, Any]]], dict[str, Any]]


def import_profiles(
    client: KlaviyoClient,
    records: Sequence[BatchRecord],
    *,
    list_id: str | None = None,
    poller: JobPoller | None = None,
) -> list[RecordOutcome]:
    """Upsert profiles with ``POST /api/profile-bulk-import-jobs`` (adding them to ``list_id`` when given).

    Each record's ``resource`` is ``{"type": "profile", "attributes": {...}}``. Jobs are polled to
    completion with ``poller`` (default :class:`JobPoller` on the client's clock).

    Example:
        >>> # import_profiles(client, [BatchRecord(1, {"type": "profile", "attributes": {"email": "a@b.co"}})])
    """
    wait = poller or JobPoller()
    records = [_with_bytes(r) for r in records]
    outcomes: dict[int, RecordOutcome] = {}
    sendable: list[BatchRecord] = []
    for record in records:
        size = _size(record)
        if size > PROFILE_MAX_BYTES:
            outcomes[id(record)] = RecordOutcome(
                record.key, Status.REJECTED, f"profile is {size} bytes; Klaviyo's limit is 100 KB per profile"
            )
        else:
            sendable.append(record)

    def body(items: list[dict[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "profile-bulk-import-job", "attributes": {"profiles": {"data": items}}}
        if list_id:
            data["relationships"] = {"lists": {"data": [relationship("list", list_id)["data"]]}}
        return {"data": data}

    def accepted(response: Any, sent: list[BatchRecord]) -> list[RecordOutcome]:
        job_id = str(((response.json() or {}).get("data") or {}).get("id") or "")
        if not job_id:
            return _all(sent, Status.RETRYABLE, "Klaviyo accepted the import but returned no job id to follow")
        return _job_outcomes(wait.wait(client, job_id), sent)

    for chunk in chunk_by_limits(sendable, max_count=PROFILE_IMPORT_MAX, max_bytes=PAYLOAD_MAX_BYTES, size=_size):
        for outcome, record in zip(
            _send(client, IMPORT_JOBS, chunk, body, PROFILES_POINTER, accepted), chunk, strict=True
        ):
            outcomes[id(record)] = outcome
    return [outcomes[id(record)] for record in records]


def create_events(client: KlaviyoClient, records: Sequence[BatchRecord]) -> list[RecordOutcome]:
    """Create events with ``POST /api/event-bulk-create-jobs``; each resource is one ``event-bulk-create`` item.

    Example:
        >>> # create_events(client, [BatchRecord(1, event_bulk_item(profile, event), dedupe_key=...)])
    """

    def body(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"data": {"type": "event-bulk-create-job", "attributes": {"events-bulk-create": {"data": items}}}}

    outcomes: dict[int, RecordOutcome] = {}
    records = [_with_bytes(r) for r in records]
    for batch in rounds(records, key=lambda r: r.dedupe_key):
        for chunk in chunk_by_limits(batch, max_count=EVENTS_MAX, max_bytes=PAYLOAD_MAX_BYTES, size=_size):
            sent = _send(client, "/api/event-bulk-create-jobs", chunk, body, EVENTS_POINTER, _delivered)
            for outcome, record in zip(sent, chunk, strict=True):
                outcomes[id(record)] = outcome
    return [outcomes[id(record)] for record in records]


def subscribe_profiles(
    client: KlaviyoClient,
    records: Sequence[BatchRecord],
    *,
    list_id: str | None = None,
    custom_source: str | None = None,
    historical_import: bool = False,
) -> list[RecordOutcome]:
    """Give consent with ``POST /api/profile-subscription-bulk-create-jobs`` (1,000 profiles per request).

    Each resource is ``{"type": "profile", "attributes": {"email"?, "phone_number"?, "subscriptions": {...}}}``.

    Example:
        >>> # subscribe_profiles(client, records, list_id="Y6nRLr", custom_source="Checkout")
    """

    def body(items: list[dict[str, Any]]) -> dict[str, Any]:
        attributes: dict[str, Any] = {"profiles": {"data": items}, "historical_import": historical_import}
        if custom_source:
            attributes["custom_source"] = custom_source
        data: dict[str, Any] = {"type": "profile-subscription-bulk-create-job", "attributes": attributes}
        if list_id:
            data["relationships"] = {"list": relationship("list", list_id)}
        return {"data": data}

    return _chunked(client, "/api/profile-subscription-bulk-create-jobs", records, body, SUBSCRIBE_MAX)


def unsubscribe_profiles(
    client: KlaviyoClient, records: Sequence[BatchRecord], *, list_id: str | None = None
) -> list[RecordOutcome]:
    """Withdraw consent with ``POST /api/profile-subscription-bulk-delete-jobs`` (100 profiles per request).

    With ``list_id``, members of the list are removed from it; Klaviyo unsubscribes non-members globally.

    Example:
        >>> # unsubscribe_profiles(client, records, list_id="Y6nRLr")
    """

    def body(items: list[dict[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": "profile-subscription-bulk-delete-job",
            "attributes": {"profiles": {"data": items}},
        }
        if list_id:
            data["relationships"] = {"list": relationship("list", list_id)}
        return {"data": data}

    return _chunked(client, "/api/profile-subscription-bulk-delete-jobs", records, body, UNSUBSCRIBE_MAX)


# -- the shared send loop ------------------------------------------------------------------------


def _chunked(
    client: KlaviyoClient, path: str, records: Sequence[BatchRecord], body: Body, max_count: int
) -> list[RecordOutcome]:
    out: list[RecordOutcome] = []
    records = [_with_bytes(r) for r in records]
    for chunk in chunk_by_limits(records, max_count=max_count, max_bytes=PAYLOAD_MAX_BYTES, size=_size):
        out.extend(_send(client, path, chunk, body, PROFILES_POINTER, _delivered))
    return out


def _send(
    client: KlaviyoClient, path: str, chunk: list[BatchRecord], body: Body, prefix: str, accepted: Accept
) -> list[RecordOutcome]:
    """POST ``chunk``; reject the records Klaviyo's error pointers name and re-send the others.

    Returns outcomes in ``chunk`` order. Each refusal removes at least one record, so the loop ends.
    """
    results: dict[int, RecordOutcome] = {}
    pending = list(chunk)
    while pending:
        try:
            response = client.request("POST", path, data=_body(body, pending), headers=_HEADERS, retry_safe=True)
        except KlaviyoError as exc:
            culprits = _culprits(exc, prefix, len(pending))
            if culprits:
                for index, reason in culprits.items():
                    results[id(pending[index])] = RecordOutcome(pending[index].key, Status.REJECTED, reason)
                pending = [r for i, r in enumerate(pending) if i not in culprits]
                continue
            if isinstance(exc, ApiError) and exc.status == 413 and len(pending) > 1:
                half = len(pending) // 2
                for part in (pending[:half], pending[half:]):
                    for outcome, record in zip(_send(client, path, part, body, prefix, accepted), part, strict=True):
                        results[id(record)] = outcome
                break
            status = Status.REJECTED if _content_error(exc) else Status.RETRYABLE
            for record in pending:
                results[id(record)] = RecordOutcome(record.key, status, exc.message)
            break
        for outcome, record in zip(accepted(response, pending), pending, strict=True):
            results[id(record)] = outcome
        break
    return [results[id(record)] for record in chunk]


def _culprits(exc: KlaviyoError, prefix: str, count: int) -> dict[int, str]:
    """Indexes of the records the error objects point at, with Klaviyo's words for each."""
    if not _content_error(exc):
        return {}
    assert isinstance(exc, ApiError)
    found: dict[int, str] = {}
    for error in exc.errors:
        index = pointer_index(error.pointer, prefix)
        if index is not None and index < count:
            found.setdefault(index, _reason(error, exc.status))
    return found


def _content_error(exc: KlaviyoError) -> bool:
    return isinstance(exc, ApiError) and exc.status in _CONTENT_ERRORS and not exc.retryable


def _reason(error: ErrorObject, status: int | None = None) -> str:
    prefix = f"HTTP {status} " if status else ""
    code = f"{error.code}: " if error.code else ""
    return f"{prefix}{code}{error.describe()}"


def _delivered(_response: Any, sent: list[BatchRecord]) -> list[RecordOutcome]:
    return _all(sent, Status.DELIVERED)


def _all(records: Sequence[BatchRecord], status: Status, reason: str | None = None) -> list[RecordOutcome]:
    return [RecordOutcome(r.key, status, reason) for r in records]


def _with_bytes(record: BatchRecord) -> BatchRecord:
    """``record`` with its ``encoded`` bytes (encoded here when the caller did not)."""
    if record.encoded is not None:
        return record
    return attrs.evolve(record, encoded=json_bytes(record.resource))


def _size(record: BatchRecord) -> int:
    return len(record.encoded) if record.encoded is not None else len(json_bytes(record.resource))


# The request body is the envelope ``body`` builds around one marker item, encoded, with the marker
# replaced by the records' own bytes: the same bytes ``client.request(json=...)`` would send, without
# encoding every record a second time. The marker's key (a NUL, escaped by JSON) is no JSON:API name.
_HEADERS = {"Content-Type": JSON_API}
_MARKER: dict[str, Any] = {"\x00records": 0}
_MARKER_JSON = b'[{"\\u0000records":0}]'


def _body(body: Body, records: list[BatchRecord]) -> bytes:
    """The encoded request body for ``records`` (see ``_MARKER``).

    Example:
        >>> wrap = lambda items: {"data": {"type": "job", "attributes": {"items": items}}}
        >>> _body(wrap, [_with_bytes(BatchRecord(1, {"id": "é"}))]).decode()
        '{"data":{"type":"job","attributes":{"items":[{"id":"é"}]}}}'
    """
    head, found, tail = json_bytes(body([_MARKER])).partition(_MARKER_JSON)
    if not found:  # pragma: no cover - every body above puts the items in one list
        return json_bytes(body([r.resource for r in records]))
    items = b",".join(r.encoded if r.encoded is not None else json_bytes(r.resource) for r in records)
    return b"".join((head, b"[", items, b"]", tail))


_IDENTIFIERS = ("email", "phone_number", "external_id")


def _job_outcomes(result: JobResult, sent: list[BatchRecord]) -> list[RecordOutcome]:
    """Delivered, except records named by an import error (by pointer, else by identifiers).

    When the job failed more profiles than its errors name (``failed_count`` above the records named, or
    errors that match no record sent), nobody can tell which of the other records were imported: they
    are retryable (an import is idempotent), never delivered.
    """
    rejected: dict[int, str] = {}
    unmatched = 0
    for error, payload in zip(result.errors, result.payloads, strict=True):
        index = pointer_index(error.pointer, PROFILES_POINTER)
        if index is None or index >= len(sent):
            index = _match_payload(payload, sent, rejected)
        if index is None:
            unmatched += 1
        else:
            rejected.setdefault(index, f"import job {result.job_id}: {_reason(error)}")
    unnamed = max(unmatched, result.failed_count - len(rejected))
    if not result.finished:
        why = f"import job {result.job_id} did not finish in time (status {result.status}); sending again is safe"
    elif result.status == "cancelled":
        why = f"import job {result.job_id} was cancelled; sending again is safe"
    elif unnamed > 0:
        why = (
            f"import job {result.job_id} reported {unnamed} failed profile(s) its import errors do not name, so "
            "this one may not have been imported; sending again is safe"
        )
    else:
        why = ""
    outcomes = []
    for index, record in enumerate(sent):
        if index in rejected:
            outcomes.append(RecordOutcome(record.key, Status.REJECTED, rejected[index]))
        elif why:
            outcomes.append(RecordOutcome(record.key, Status.RETRYABLE, why))
        else:
            outcomes.append(RecordOutcome(record.key, Status.DELIVERED))
    return outcomes


def _match_payload(payload: dict[str, Any], sent: list[BatchRecord], taken: dict[int, str]) -> int | None:
    wanted = {k: payload.get(k) for k in _IDENTIFIERS if payload.get(k)}
    if not wanted:
        return None
    for index, record in enumerate(sent):
        attributes = record.resource.get("attributes") or {}
        if index not in taken and all(attributes.get(k) == v for k, v in wanted.items()):
            return index
    return None
