"""Klaviyo's per-request limits of the bulk operations, in one table that every sender and packer reads.

Each :class:`RequestLimits` names the spec operation (``operationId``; its path comes from the registry), the most
records one request may carry, the most bytes its body may have, the most bytes one record may have (where
Klaviyo states one) and the JSON pointer under which Klaviyo's error objects name a record.

Sources: the operations' descriptions in Klaviyo's OpenAPI spec (``connector/spec/stable.json``, revision
2026-07-15) and the limits summary of ``klaviyo-api-notes.md`` (section 8):

- ``bulk_import_profiles``: "Accepts up to 10,000 profiles per request. The maximum allowed payload size is
  5MB. The maximum allowed payload size per-profile is 100KB."
- ``bulk_create_events``: "Accepts up to 1,000 events per request. The maximum allowed payload size is 5MB."
- ``bulk_subscribe_profiles``: "Maximum number of profiles can be submitted for subscription: 1000"
- ``bulk_unsubscribe_profiles``: "Maximum number of profiles per call: 100"

Example:
    >>> PROFILE_IMPORT.max_records, PROFILE_IMPORT.max_payload_bytes, PROFILE_IMPORT.max_record_bytes
    (10000, 5000000, 102400)
    >>> LIMITS["bulk_unsubscribe_profiles"].max_records
    100
"""

from __future__ import annotations

from connector import structs
from connector.klaviyo.operations.registry import operation

#: "5MB" read as 5,000,000 bytes (SI), not 5 MiB (5,242,880). The spec does not say which; splitting at the
#: smaller reading is correct under both (a request is never refused for its size), and costs nothing in
#: practice: 10,000 typical profiles or 1,000 events stay far below either. (Before this table, the
#: senders used 5 MiB and the Bulk Create Events action 5,000,000.)
PAYLOAD_MAX_BYTES = 5_000_000

#: "100KB" per profile read as 100 KiB (102,400 bytes): a record is refused here, before sending, only when it
#: is over the limit under both readings; one between the two is left to Klaviyo, which then names it in
#: its answer (rejected with Klaviyo's own reason) rather than being rejected by a guess of ours.
PROFILE_MAX_BYTES = 100 * 1024


@structs.frozen
class RequestLimits:
    """What one request of a bulk operation may carry.

    ``record`` names what one record is (for messages). ``max_record_bytes`` is None where Klaviyo states
    no per-record limit. ``pointer`` is the JSON pointer of the records' array in the request body
    (``/data/attributes/profiles/data``): Klaviyo's error objects name a record as ``{pointer}/{index}/...``.

    Example:
        >>> SUBSCRIBE.path
        '/api/profile-subscription-bulk-create-jobs'
    """

    operation: str
    record: str
    max_records: int
    max_payload_bytes: int
    max_record_bytes: int | None
    pointer: str

    @property
    def path(self) -> str:
        """The operation's path, from the registry (the spec owns it; this table owns only the limits)."""
        return operation(self.operation).path


PROFILE_IMPORT = RequestLimits(
    "bulk_import_profiles",
    "profile",
    max_records=10_000,
    max_payload_bytes=PAYLOAD_MAX_BYTES,
    max_record_bytes=PROFILE_MAX_BYTES,
    pointer="/data/attributes/profiles/data",
)
EVENT_BULK_CREATE = RequestLimits(
    "bulk_create_events",
    "event",
    max_records=1_000,
    max_payload_bytes=PAYLOAD_MAX_BYTES,
    max_record_bytes=None,  # "A single string cannot exceed 100KB": a per-string rule, left to Klaviyo
    pointer="/data/attributes/events-bulk-create/data",
)
# The subscription endpoints state no payload size; 1,000 (100) consent profiles are far below 5 MB, and the
# same byte budget keeps a request of unusually large records from being refused as a whole.
SUBSCRIBE = RequestLimits(
    "bulk_subscribe_profiles",
    "profile",
    max_records=1_000,
    max_payload_bytes=PAYLOAD_MAX_BYTES,
    max_record_bytes=None,
    pointer="/data/attributes/profiles/data",
)
UNSUBSCRIBE = RequestLimits(
    "bulk_unsubscribe_profiles",
    "profile",
    max_records=100,
    max_payload_bytes=PAYLOAD_MAX_BYTES,
    max_record_bytes=None,
    pointer="/data/attributes/profiles/data",
)

#: Every bulk operation's limits by ``operationId``.
LIMITS: dict[str, RequestLimits] = {
    limits.operation: limits for limits in (PROFILE_IMPORT, EVENT_BULK_CREATE, SUBSCRIBE, UNSUBSCRIBE)
}

#: Import jobs a sync follows at once by default (``--max-jobs-in-flight``). Klaviyo documents no limit on
#: profile import jobs in progress (the spec states "The maximum number of jobs in progress at one time is
#: 500" only for the catalog bulk jobs); creation is what it limits, 10/s and 150/min (tier M), and the
#: client's limiter keeps to that. 100 keeps a sync at the 150 jobs/min ceiling with jobs that take up to
#: 40 s, is one listing call's page (``GET /api/profile-bulk-import-jobs``, 100 a page: every job followed
#: is seen with one status read a second), and stays far below the only in-progress limit Klaviyo states.
MAX_JOBS_IN_FLIGHT = 100
