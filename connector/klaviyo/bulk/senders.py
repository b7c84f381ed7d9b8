"""Send records through Klaviyo's bulk endpoints and get one outcome back per record.

This is the reusable layer under ``deliver`` and the bulk sync: hand it :class:`BatchRecord` objects (your
own ``key`` plus the JSON:API item to put in the request's ``data`` array) and it returns one
:class:`~connector.klaviyo.bulk.outcomes.RecordOutcome` per record, in the order given. It

- packs requests at Klaviyo's limits, read from the one table in :mod:`connector.klaviyo.bulk.limits`
  (profile imports 10,000 profiles, event bulk creates 1,000 events, subscribes 1,000 and unsubscribes
  100 profiles per request; 5 MB a request; 100 KB a profile);
- never lets one bad record sink its batch: when Klaviyo refuses a request because of some
  records (error ``source.pointer`` such as ``/data/attributes/profiles/data/3/attributes/email``),
  those records are rejected with Klaviyo's reason and the request is re-sent without them;
- polls profile import jobs to completion and rejects the records named by the job's
  ``import-errors`` (the rest are delivered);
- marks records ``retryable`` (never drops them) when Klaviyo could not take them for reasons that
  are not theirs: 429 after the client's retries, 5xx, no connection, an unfinished job.

Every request is ``retry_safe``: imports and consent changes are idempotent, and every event the
SDK sends carries a ``unique_id``, so Klaviyo deduplicates a repeat.

Two ways in:

- the functions :func:`import_profiles`, :func:`create_events`, :func:`subscribe_profiles` and
  :func:`unsubscribe_profiles`: any number of records in, one outcome per record out (blocking);
- one :class:`BulkSender` per operation (:func:`profile_import`, :func:`event_bulk_create`,
  :func:`subscribe`, :func:`unsubscribe`) for callers that pack and pace requests themselves (the sync):
  ``limits`` and :meth:`~BulkSender.too_big` to pack, :meth:`~BulkSender.request` to send one packed
  request, and for imports :meth:`ProfileImport.start` / :meth:`ProfileImport.finish` to follow the job
  in between however the caller likes.

Another bulk operation is one :class:`~connector.klaviyo.bulk.limits.RequestLimits` entry in ``limits.py``
(from its spec description) and a factory like :func:`subscribe` that gives ``BulkSender`` its request body;
an accepted request then delivers its records (202), and strip-and-resend, 413 halving and retryable
failures come with it.

Example:
    >>> rec = BatchRecord(key=1, resource={"type": "profile", "attributes": {"email": "a@b.co"}})
    >>> # outcomes = import_profiles(client, [rec], list_id="Y6nRLr")
    >>> profile_import("Y6nRLr").limits.max_records
    10000

Reference: https://developers.klaviyo.com/en/reference/bulk_import_profiles
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from connector import structs
from connector.client.errors import ApiError, ErrorObject, KlaviyoError
from connector.client.jsonapi import relationship
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.chunking import Packer, json_bytes, rounds
from connector.klaviyo.bulk.jobs import JobPoller, JobResult
from connector.klaviyo.bulk.limits import EVENT_BULK_CREATE, PROFILE_IMPORT, SUBSCRIBE, UNSUBSCRIBE, RequestLimits
from connector.klaviyo.bulk.limits import PAYLOAD_MAX_BYTES as PAYLOAD_MAX_BYTES  # the names this module had
from connector.klaviyo.bulk.limits import PROFILE_MAX_BYTES as PROFILE_MAX_BYTES
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status, pointer_index
from connector.klaviyo.operations.calls import is_retry_safe, send_encoded
from connector.klaviyo.operations.registry import operation

# The names this module had before the limits table (every value now comes from it).
PROFILE_IMPORT_MAX = PROFILE_IMPORT.max_records
EVENTS_MAX = EVENT_BULK_CREATE.max_records
SUBSCRIBE_MAX = SUBSCRIBE.max_records
UNSUBSCRIBE_MAX = UNSUBSCRIBE.max_records

PROFILES_POINTER = PROFILE_IMPORT.pointer
EVENTS_POINTER = EVENT_BULK_CREATE.pointer

# Statuses whose error objects are about the request's content: records can be at fault.
_CONTENT_ERRORS = frozenset({400, 409, 413, 422})


@structs.frozen
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
    encoded: bytes | None = structs.field(default=None, eq=False, repr=False)


@structs.frozen
class Posted:
    """What one packed request came to, after strip-and-resend and 413 halving; records by index in the request.

    ``refused``: the records no accepted request carried, with their outcome (rejected with Klaviyo's reason,
    or retryable). ``accepted``: each request Klaviyo accepted, as (its response, the indexes it carried).

    Example:
        >>> Posted({}, [(None, [0, 1])]).accepted[0][1]
        [0, 1]
    """

    refused: dict[int, RecordOutcome]
    accepted: list[tuple[Any, list[int]]]


Body = Callable[[list[dict[str, Any]]], dict[str, Any]]


def too_big(limits: RequestLimits, record: BatchRecord) -> RecordOutcome | None:
    """The rejection of a record over ``limits``' per-record size, or None (measured on ``record.encoded``).

    Example:
        >>> too_big(PROFILE_IMPORT, BatchRecord(1, {}, encoded=b"x" * 200_000)).reason
        "profile is 200000 bytes; Klaviyo's limit is 100 KB per profile"
    """
    most = limits.max_record_bytes
    if most is None:
        return None
    size = _size(record)
    if size <= most:
        return None
    reason = f"{limits.record} is {size} bytes; Klaviyo's limit is {most // 1024} KB per {limits.record}"
    return RecordOutcome(record.key, Status.REJECTED, reason)


class BulkSender:
    """One bulk operation: its :class:`~connector.klaviyo.bulk.limits.RequestLimits` and its request body.

    ``body(items)`` builds the request document around the records' items. An accepted request delivers its
    records (202: Klaviyo took them); :class:`ProfileImport` follows a job first.

    Example:
        >>> s = unsubscribe("Y6nRLr")
        >>> s.limits.max_records, s.body([])["data"]["relationships"]["list"]["data"]["id"]
        (100, 'Y6nRLr')
    """

    #: Whether two records with the same ``dedupe_key`` must go in different requests.
    distinct = False

    def __init__(self, limits: RequestLimits, body: Body) -> None:
        self.limits = limits
        self.body = body

    def too_big(self, record: BatchRecord) -> RecordOutcome | None:
        """The rejection of a record over Klaviyo's per-record size limit, or None (``record.encoded`` is set).

        Example:
            >>> profile_import().too_big(BatchRecord(1, {}, encoded=b"x" * 200_000)).reason
            "profile is 200000 bytes; Klaviyo's limit is 100 KB per profile"
        """
        return too_big(self.limits, record)

    def packer(self) -> Packer[BatchRecord]:
        """A :class:`~connector.klaviyo.bulk.chunking.Packer` at this operation's limits.

        Example:
            >>> event_bulk_create().packer().max_count
            1000
        """
        return Packer(
            max_count=self.limits.max_records, max_bytes=self.limits.max_payload_bytes, distinct=self.distinct
        )

    def pack(self, records: Sequence[BatchRecord]) -> Iterator[list[BatchRecord]]:
        """The requests ``records`` (encoded, none :meth:`too_big`) go in: one packing pass, in order.

        Example:
            >>> [len(c) for c in unsubscribe().pack([_with_bytes(BatchRecord(i, {})) for i in range(150)])]
            [100, 50]
        """
        packer = self.packer()
        for record in records:
            size = _size(record)
            if not packer.fits(size, record.dedupe_key):
                yield packer.take()
            packer.add(record, size, record.dedupe_key)
        if packer:
            yield packer.take()

    def post(self, client: KlaviyoClient, chunk: list[BatchRecord]) -> Posted:
        """POST one packed request; reject the records Klaviyo's error pointers name and re-send the others.

        Example:
            >>> # subscribe().post(client, chunk).refused
        """
        refused: dict[int, RecordOutcome] = {}
        accepted: list[tuple[Any, list[int]]] = []
        _post(client, self, chunk, list(range(len(chunk))), refused, accepted)
        return Posted(refused, accepted)

    def request(self, client: KlaviyoClient, chunk: list[BatchRecord]) -> list[RecordOutcome]:
        """One packed request's outcomes, in ``chunk`` order (accepted records are delivered).

        Example:
            >>> # event_bulk_create().request(client, chunk)
        """
        posted = self.post(client, chunk)
        out = [posted.refused.get(i) or RecordOutcome(r.key, Status.DELIVERED) for i, r in enumerate(chunk)]
        return out

    def send(self, client: KlaviyoClient, records: Sequence[BatchRecord]) -> list[RecordOutcome]:
        """Pack ``records`` and send every request; one outcome per record, in the order given.

        Example:
            >>> # subscribe("Y6nRLr").send(client, records)
        """
        records = [_with_bytes(r) for r in records]
        outcomes: dict[int, RecordOutcome] = {}
        sendable: list[BatchRecord] = []
        for record in records:
            refused = self.too_big(record)
            if refused is not None:
                outcomes[id(record)] = refused
            else:
                sendable.append(record)
        for chunk in self._requests(sendable):
            for outcome, record in zip(self.request(client, chunk), chunk, strict=True):
                outcomes[id(record)] = outcome
        return [outcomes[id(record)] for record in records]

    def _requests(self, records: list[BatchRecord]) -> Iterator[list[BatchRecord]]:
        return self.pack(records)


class _Events(BulkSender):
    """Bulk Create Events: a repeated ``unique_id`` (same profile and metric) must not share a request."""

    distinct = True

    def _requests(self, records: list[BatchRecord]) -> Iterator[list[BatchRecord]]:
        # Repeats go to later rounds (each round packed on its own), as Klaviyo drops a repeat sent later.
        for batch in rounds(records, key=lambda r: r.dedupe_key):
            yield from self.pack(batch)


@structs.frozen
class Started:
    """One packed import request after its POST: the records refused then, and the jobs that carry the rest.

    ``jobs``: (job id, indexes of the request's records in that job, in the job's order); usually one job,
    more when an oversized request was split. Give each job's :class:`~connector.klaviyo.bulk.jobs.JobResult`
    and those records to :meth:`ProfileImport.finish`.

    Example:
        >>> Started({}, [("J1", [0, 1])]).jobs[0][0]
        'J1'
    """

    refused: dict[int, RecordOutcome]
    jobs: list[tuple[str, list[int]]]


_NO_JOB_ID = "Klaviyo accepted the import but returned no job id to follow"


class ProfileImport(BulkSender):
    """Bulk Profile Import: a request becomes a job; its records' outcomes are known when the job ends.

    :meth:`request` (and so :meth:`send`) waits for each job with ``poller`` (default :class:`JobPoller` on
    the client's clock); callers that follow many jobs at once use :meth:`start` and :meth:`finish` instead.

    Example:
        >>> profile_import().limits.path
        '/api/profile-bulk-import-jobs'
    """

    def __init__(self, limits: RequestLimits, body: Body, poller: JobPoller | None = None) -> None:
        super().__init__(limits, body)
        self.poller = poller

    def start(self, client: KlaviyoClient, chunk: list[BatchRecord]) -> Started:
        """POST one packed request; the jobs Klaviyo created and the records it refused outright.

        Example:
            >>> # profile_import().start(client, chunk).jobs
        """
        posted = self.post(client, chunk)
        refused = dict(posted.refused)
        jobs: list[tuple[str, list[int]]] = []
        for response, indexes in posted.accepted:
            job_id = str(((response.json() or {}).get("data") or {}).get("id") or "")
            if job_id:
                jobs.append((job_id, indexes))
            else:
                refused.update({i: RecordOutcome(chunk[i].key, Status.RETRYABLE, _NO_JOB_ID) for i in indexes})
        return Started(refused, jobs)

    def finish(self, result: JobResult, sent: list[BatchRecord]) -> list[RecordOutcome]:
        """The outcomes of a job's records (``sent``, in the job's order) once it ended (or stopped being waited on).

        Delivered, except records named by an import error (by pointer, else by identifiers) and, when the
        job did not complete, retryable.

        Example:
            >>> [o.status.value for o in profile_import().finish(JobResult("J", "complete"), [BatchRecord(1, {})])]
            ['delivered']
        """
        return _job_outcomes(result, sent)

    def needed(self, result: JobResult, count: int) -> set[int] | None:
        """Which of a job's ``count`` records :meth:`finish` needs with their resource for ``result`` (None: all).

        For callers that keep a job's records small while it runs (the sync): only the records an import
        error names by pointer, when every error does and the job completed; else all (an error without a
        pointer is matched by identifiers; a job that did not complete sends its records again). A record
        passed without its resource whose outcome is not "delivered" must be made whole before it is used.

        Example:
            >>> sender = profile_import()
            >>> sender.needed(JobResult("J", "complete"), 3), sender.needed(JobResult("J", "timeout"), 3)
            (set(), None)
        """
        if result.status != "complete" or result.failed_count > len(result.errors):
            return None
        wanted: set[int] = set()
        for error in result.errors:
            index = pointer_index(error.pointer, self.limits.pointer)
            if index is None or index >= count:
                return None
            wanted.add(index)
        return wanted

    def request(self, client: KlaviyoClient, chunk: list[BatchRecord]) -> list[RecordOutcome]:
        """One packed request's outcomes, in ``chunk`` order, waiting for its job(s) with ``poller``.

        Example:
            >>> # profile_import(poller=JobPoller()).request(client, chunk)
        """
        poller = self.poller or JobPoller()
        started = self.start(client, chunk)
        out: dict[int, RecordOutcome] = dict(started.refused)
        for job_id, indexes in started.jobs:
            sent = [chunk[i] for i in indexes]
            out.update(zip(indexes, self.finish(poller.wait(client, job_id), sent), strict=True))
        return [out[i] for i in range(len(chunk))]


def profile_import(list_id: str | None = None, *, poller: JobPoller | None = None) -> ProfileImport:
    """The Bulk Profile Import sender (``POST /api/profile-bulk-import-jobs``), adding profiles to ``list_id``.

    Each record's resource is ``{"type": "profile", "attributes": {...}}``; ``poller`` waits for the jobs of
    :meth:`ProfileImport.request` and :meth:`~BulkSender.send`.

    Example:
        >>> profile_import("L1").body([])["data"]["relationships"]
        {'lists': {'data': [{'type': 'list', 'id': 'L1'}]}}
    """

    def body(items: list[dict[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "profile-bulk-import-job", "attributes": {"profiles": {"data": items}}}
        if list_id:
            data["relationships"] = {"lists": {"data": [relationship("list", list_id)["data"]]}}
        return {"data": data}

    return ProfileImport(PROFILE_IMPORT, body, poller)


def event_bulk_create() -> BulkSender:
    """The Bulk Create Events sender (``POST /api/event-bulk-create-jobs``); each resource an ``event-bulk-create``.

    Example:
        >>> event_bulk_create().distinct
        True
    """

    def body(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"data": {"type": "event-bulk-create-job", "attributes": {"events-bulk-create": {"data": items}}}}

    return _Events(EVENT_BULK_CREATE, body)


def subscribe(
    list_id: str | None = None, *, custom_source: str | None = None, historical_import: bool = False
) -> BulkSender:
    """The Subscribe Profiles sender (``POST /api/profile-subscription-bulk-create-jobs``).

    Each resource is ``{"type": "profile", "attributes": {"email"?, "phone_number"?, "subscriptions": {...}}}``.

    Example:
        >>> subscribe(historical_import=True).body([])["data"]["attributes"]["historical_import"]
        True
    """

    def body(items: list[dict[str, Any]]) -> dict[str, Any]:
        attributes: dict[str, Any] = {"profiles": {"data": items}, "historical_import": historical_import}
        if custom_source:
            attributes["custom_source"] = custom_source
        data: dict[str, Any] = {"type": "profile-subscription-bulk-create-job", "attributes": attributes}
        if list_id:
            data["relationships"] = {"list": relationship("list", list_id)}
        return {"data": data}

    return BulkSender(SUBSCRIBE, body)


def unsubscribe(list_id: str | None = None) -> BulkSender:
    """The Unsubscribe Profiles sender (``POST /api/profile-subscription-bulk-delete-jobs``).

    With ``list_id``, members of the list are removed from it; Klaviyo unsubscribes non-members globally.

    Example:
        >>> unsubscribe().body([])["data"]["type"]
        'profile-subscription-bulk-delete-job'
    """

    def body(items: list[dict[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": "profile-subscription-bulk-delete-job",
            "attributes": {"profiles": {"data": items}},
        }
        if list_id:
            data["relationships"] = {"list": relationship("list", list_id)}
        return {"data": data}

    return BulkSender(UNSUBSCRIBE, body)


# -- the public functions: any number of records, one outcome each -------------------------------


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
    return profile_import(list_id, poller=poller).send(client, records)


def create_events(client: KlaviyoClient, records: Sequence[BatchRecord]) -> list[RecordOutcome]:
    """Create events with ``POST /api/event-bulk-create-jobs``; each resource is one ``event-bulk-create`` item.

    Example:
        >>> # create_events(client, [BatchRecord(1, event_bulk_item(profile, event), dedupe_key=...)])
    """
    return event_bulk_create().send(client, records)


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
    sender = subscribe(list_id, custom_source=custom_source, historical_import=historical_import)
    return sender.send(client, records)


def unsubscribe_profiles(
    client: KlaviyoClient, records: Sequence[BatchRecord], *, list_id: str | None = None
) -> list[RecordOutcome]:
    """Withdraw consent with ``POST /api/profile-subscription-bulk-delete-jobs`` (100 profiles per request).

    With ``list_id``, members of the list are removed from it; Klaviyo unsubscribes non-members globally.

    Example:
        >>> # unsubscribe_profiles(client, records, list_id="Y6nRLr")
    """
    return unsubscribe(list_id).send(client, records)


# -- the shared send loop ------------------------------------------------------------------------


def _post(
    client: KlaviyoClient,
    sender: BulkSender,
    chunk: list[BatchRecord],
    indexes: list[int],
    refused: dict[int, RecordOutcome],
    accepted: list[tuple[Any, list[int]]],
) -> None:
    """POST the records of ``chunk`` at ``indexes``; fill ``refused`` and ``accepted`` (see :class:`Posted`).

    Each refusal that names records removes at least one, so the loop ends; a 413 without names halves.
    """
    limits = sender.limits
    pending = indexes
    while pending:
        records = chunk if len(pending) == len(chunk) else [chunk[i] for i in pending]
        try:
            response = send_encoded(
                client, limits.operation, _body(sender.body, records), unique_ids=_unique_ids(sender, records)
            )
        except KlaviyoError as exc:
            culprits = _culprits(exc, limits.pointer, len(pending))
            if culprits:
                for index, reason in culprits.items():
                    refused[pending[index]] = RecordOutcome(records[index].key, Status.REJECTED, reason)
                pending = [i for n, i in enumerate(pending) if n not in culprits]
                continue
            if isinstance(exc, ApiError) and exc.status == 413 and len(pending) > 1:
                half = len(pending) // 2
                _post(client, sender, chunk, pending[:half], refused, accepted)
                _post(client, sender, chunk, pending[half:], refused, accepted)
                return
            status = Status.REJECTED if _content_error(exc) else Status.RETRYABLE
            refused.update({i: RecordOutcome(chunk[i].key, status, exc.message) for i in pending})
            return
        accepted.append((response, pending))
        return


def _unique_ids(sender: BulkSender, records: list[BatchRecord]) -> bool:
    """Whether every event of the request carries a ``unique_id`` (the registry's rule: only then is
    repeating an event-creating request safe); True for requests that create no events."""
    if sender.limits.operation != EVENT_BULK_CREATE.operation:
        return True
    return is_retry_safe(operation(EVENT_BULK_CREATE.operation), sender.body([r.resource for r in records]))


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


def _with_bytes(record: BatchRecord) -> BatchRecord:
    """``record`` with its ``encoded`` bytes (encoded here when the caller did not)."""
    if record.encoded is not None:
        return record
    return structs.evolve(record, encoded=json_bytes(record.resource))


def _size(record: BatchRecord) -> int:
    return len(record.encoded) if record.encoded is not None else len(json_bytes(record.resource))


# The request body is the envelope ``body`` builds around one marker item, encoded, with the marker
# replaced by the records' own bytes: the same bytes ``client.request(json=...)`` would send, without
# encoding every record a second time. The marker's key (a NUL, escaped by JSON) is no JSON:API name.
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
