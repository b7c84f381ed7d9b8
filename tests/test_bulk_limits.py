"""The bulk limits table says what Klaviyo's spec says, and every sender and packer reads it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from connector.klaviyo.bulk import senders
from connector.klaviyo.bulk.chunking import ENVELOPE_BYTES, Packer, chunk_by_limits, json_bytes
from connector.klaviyo.bulk.limits import LIMITS, PAYLOAD_MAX_BYTES, PROFILE_MAX_BYTES, RequestLimits
from connector.klaviyo.bulk.senders import BatchRecord
from tests.spec_support import raw_spec


def _operation(operation_id: str) -> tuple[str, dict[str, Any]]:
    for path, operations in raw_spec()["paths"].items():
        for op in operations.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, op
    raise AssertionError(operation_id)


def _number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.mark.parametrize("limits", list(LIMITS.values()), ids=list(LIMITS))
def test_each_operation_matches_its_spec_description(limits: RequestLimits) -> None:
    path, op = _operation(limits.operation)
    assert path == limits.path
    text = op["description"]
    counts = re.findall(r"(?:up to|Maximum number of profiles[^:]*:) ([\d,]+)", text)
    assert counts and _number(counts[0]) == limits.max_records, counts
    payload = re.search(r"maximum allowed payload size is (\d+)MB", text)
    if payload:  # "5MB", read as 5,000,000 bytes (see limits.py)
        assert int(payload.group(1)) * 1_000_000 == limits.max_payload_bytes
    per_record = re.search(r"payload size per-profile is (\d+)KB", text)
    assert (limits.max_record_bytes is not None) == (per_record is not None)
    if per_record:  # "100KB", read as 100 KiB (see limits.py)
        assert limits.max_record_bytes == int(per_record.group(1)) * 1024
    assert limits.pointer.startswith("/data/attributes/") and limits.pointer.endswith("/data")


def test_the_senders_read_the_table() -> None:
    assert senders.profile_import().limits is LIMITS["bulk_import_profiles"]
    assert senders.event_bulk_create().limits is LIMITS["bulk_create_events"]
    assert senders.subscribe().limits is LIMITS["bulk_subscribe_profiles"]
    assert senders.unsubscribe().limits is LIMITS["bulk_unsubscribe_profiles"]
    assert senders.PAYLOAD_MAX_BYTES == PAYLOAD_MAX_BYTES == 5_000_000
    assert senders.PROFILE_MAX_BYTES == PROFILE_MAX_BYTES


def test_a_request_never_exceeds_the_payload_limit() -> None:
    resource = {"type": "profile", "attributes": {"email": "a@b.co", "properties": {"blob": "x" * 90_000}}}
    records = [senders._with_bytes(BatchRecord(i, resource)) for i in range(200)]
    sender = senders.profile_import("L1")
    chunks = list(sender.pack(records))
    assert sum(map(len, chunks)) == 200 and len(chunks) > 1
    for chunk in chunks:
        body = senders._body(sender.body, chunk)
        assert len(body) <= PAYLOAD_MAX_BYTES
        assert len(body) > PAYLOAD_MAX_BYTES - ENVELOPE_BYTES - 2 * len(json_bytes(resource)) or chunk is chunks[-1]


def test_the_packer_is_the_one_algorithm() -> None:
    sizes = [3, 50, 7, 7, 40, 1, 1, 90, 2]
    packer: Packer[int] = Packer(max_count=3, max_bytes=100)
    fed: list[list[int]] = []
    for size in sizes:
        if not packer.fits(size):
            fed.append(packer.take())
        packer.add(size, size)
    fed.append(packer.take())
    assert fed == list(chunk_by_limits(sizes, max_count=3, max_bytes=100, size=lambda s: s))
    assert fed == [[3, 50, 7], [7, 40, 1], [1, 90, 2]]


def test_distinct_keys_close_a_request() -> None:
    packer: Packer[str] = Packer(max_count=10, max_bytes=10_000, distinct=True)
    out: list[list[str]] = []
    for item in ["a", "b", "a", "c"]:
        if not packer.fits(1, item):
            out.append(packer.take())
        packer.add(item, 1, item)
    out.append(packer.take())
    assert out == [["a", "b"], ["a", "c"]]
