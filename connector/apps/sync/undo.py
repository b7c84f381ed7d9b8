"""Undo deleted rows: remove profiles from a list, by their identifiers (Klaviyo's list endpoints take profile ids).

Example:
    >>> id_filter("email", ["a@b.co", 'q"x@b.co'])
    'any(email,["a@b.co","q\\\\"x@b.co"])'
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from connector.client.errors import ApiError, KlaviyoError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.limits import PAYLOAD_MAX_BYTES, RequestLimits
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord
from connector.klaviyo.operations.calls import paginate, request

#: Values per ``any(...)`` filter and profiles per list-removal request.
REMOVE_MAX = 100
#: How the sync packs removals: 100 profiles a request (the lookup filter's values; Klaviyo's
#: ``remove_profiles_from_list`` itself takes up to 1,000 ids), identifiers only (no size limit of its own).
REMOVE_LIMITS = RequestLimits(
    "remove_profiles_from_list",
    "profile",
    max_records=REMOVE_MAX,
    max_payload_bytes=PAYLOAD_MAX_BYTES,
    max_record_bytes=None,
    pointer="/data",
)
_LOOKUP = ("email", "phone_number", "external_id")


def id_filter(field: str, values: Sequence[str]) -> str:
    """A ``filter`` matching profiles whose ``field`` is any of ``values``.

    Example:
        >>> id_filter("external_id", ["u1"])
        'any(external_id,["u1"])'
    """
    return f"any({field},{json.dumps(list(values), ensure_ascii=False, separators=(',', ':'))})"


def remove_from_list(client: KlaviyoClient, list_id: str, records: Sequence[BatchRecord]) -> list[RecordOutcome]:
    """Remove the profiles named by each record's ``resource`` (its identifiers) from ``list_id``.

    A profile Klaviyo does not know is already not on the list: that counts as delivered.

    Example:
        >>> # remove_from_list(client, "Y6nRLr", [BatchRecord("email:a@b.co", {"email": "a@b.co"})])
    """
    try:
        ids: dict[int, str] = {}
        for field in _LOOKUP:
            wanted: dict[str, list[int]] = {}
            for index, record in enumerate(records):
                value = record.resource.get(field)
                if index not in ids and value:
                    wanted.setdefault(str(value).lower() if field == "email" else str(value), []).append(index)
            values = list(wanted)
            for start in range(0, len(values), REMOVE_MAX):
                part = values[start : start + REMOVE_MAX]
                params = {"filter": id_filter(field, part), "fields[profile]": [field]}
                for profile in paginate(client, "get_profiles", params=params, page_size=100):
                    found = str(((profile.get("attributes") or {}).get(field)) or "")
                    for index in wanted.get(found.lower() if field == "email" else found, []):
                        ids[index] = str(profile["id"])
        unique = sorted(set(ids.values()))
        for start in range(0, len(unique), REMOVE_MAX):
            data = [{"type": "profile", "id": pid} for pid in unique[start : start + REMOVE_MAX]]
            request(client, "remove_profiles_from_list", ids={"id": list_id}, body={"data": data})
    except KlaviyoError as exc:
        permanent = isinstance(exc, ApiError) and exc.status in (400, 404, 422) and not exc.retryable
        status = Status.REJECTED if permanent else Status.RETRYABLE
        return [RecordOutcome(r.key, status, exc.message) for r in records]
    return [
        RecordOutcome(r.key, Status.DELIVERED, None if i in ids else "no such profile in Klaviyo (nothing to remove)")
        for i, r in enumerate(records)
    ]
