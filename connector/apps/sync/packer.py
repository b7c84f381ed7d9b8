"""The packer: each record encoded once and placed in the request it goes in, in one pass.

A record's resource is encoded to JSON once, here; those bytes measure it (the per-record limit, the
request's byte budget) and later become its part of the request body (the senders splice them in and
do not pack again). Requests close at the operation's limits from
:mod:`connector.klaviyo.bulk.limits` (or ``--batch-size`` records, when smaller); for events, a
repeated ``unique_id`` also closes one (Klaviyo fails a request that repeats one).

Example:
    >>> from connector.apps.sync.diff import Change
    >>> from connector.apps.sync.records import SyncRecord
    >>> from connector.klaviyo.bulk.limits import UNSUBSCRIBE
    >>> packer = RecordPacker(UNSUBSCRIBE, batch=2)
    >>> items = [Item(n, SyncRecord(f"k{n}", "", {"n": n}), Change.ADDED, {}) for n in (1, 2, 3)]
    >>> closed = []
    >>> for record in map(packer.encode, items):
    ...     if not packer.fits(record):
    ...         closed.append(packer.take())
    ...     packer.add(record)
    >>> [[r.key for r in chunk] for chunk in closed + [packer.take()]]
    [[1, 2], [3]]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector import structs
from connector.apps.sync.diff import Change
from connector.apps.sync.records import SyncRecord
from connector.klaviyo.bulk.chunking import Packer, json_bytes
from connector.klaviyo.bulk.limits import EVENT_BULK_CREATE, RequestLimits
from connector.klaviyo.bulk.outcomes import RecordOutcome
from connector.klaviyo.bulk.senders import BatchRecord, too_big


@structs.define(eq=False)
class Item:
    """One record on its way: input row ``seq`` (negative: a deletion to undo), its record, its change.

    ``values`` is the input row (kept for the dead letter file; None when it could not be read again,
    and then the item cannot be sent again), ``offset`` where the row starts in the file (to read it
    again) and ``line`` on which line (for the dead letter file), ``attempts`` the sends that failed so far.

    Example:
        >>> Item(3, SyncRecord("email:a@b.co", "", {}), Change.ADDED, None).attempts
        0
    """

    seq: int
    record: SyncRecord
    change: Change
    values: dict[str, Any] | None
    offset: int = -1
    attempts: int = 0
    line: int = 0


@structs.frozen
class Outgoing(BatchRecord):
    """A :class:`~connector.klaviyo.bulk.senders.BatchRecord` of the sync (``key`` is the row number) with its item.

    Example:
        >>> item = Item(3, SyncRecord("k", "", {}), Change.ADDED, {})
        >>> Outgoing(3, {}, item=item).item is item
        True
    """

    item: Item = structs.field(kw_only=True, eq=False, repr=False)


class RecordPacker:
    """Packs one operation's records into requests at ``limits`` (or ``batch`` records, when smaller).

    Example:
        >>> RecordPacker(EVENT_BULK_CREATE, batch=50).max_records
        50
    """

    def __init__(self, limits: RequestLimits, batch: int | None = None) -> None:
        self.limits = limits
        self.max_records = min(batch or limits.max_records, limits.max_records)
        # Only Bulk Create Events fails a whole request for a repeated key (its unique_id).
        self.distinct = limits is EVENT_BULK_CREATE
        self._packer: Packer[BatchRecord] = self._new()

    def _new(self) -> Packer[BatchRecord]:
        return Packer(max_count=self.max_records, max_bytes=self.limits.max_payload_bytes, distinct=self.distinct)

    def __len__(self) -> int:
        return len(self._packer)

    def encode(self, item: Item) -> Outgoing:
        """The item as a request record: its resource encoded, once (the bytes that will be sent)."""
        rec = item.record
        return Outgoing(item.seq, rec.resource, rec.dedupe_key, json_bytes(rec.resource), item=item)

    def too_big(self, record: BatchRecord) -> RecordOutcome | None:
        """The rejection of a record over the operation's per-record limit (Klaviyo would refuse it), or None."""
        return too_big(self.limits, record)

    def fits(self, record: BatchRecord) -> bool:
        """Whether ``record`` can join the request being packed (else :meth:`take` that one first)."""
        assert record.encoded is not None
        return self._packer.fits(len(record.encoded), record.dedupe_key)

    def add(self, record: BatchRecord) -> None:
        """Add ``record`` to the request being packed."""
        assert record.encoded is not None
        self._packer.add(record, len(record.encoded), record.dedupe_key)

    def take(self) -> list[BatchRecord]:
        """The request packed so far (possibly empty); packing starts over."""
        return self._packer.take()

    def pack(self, records: Iterable[BatchRecord]) -> list[list[BatchRecord]]:
        """``records`` (records sent before, now sent again) in requests of their own, by the same rules.

        Example:
            >>> packer = RecordPacker(EVENT_BULK_CREATE, batch=2)
            >>> items = [Item(n, SyncRecord(str(n), "", {}), Change.ADDED, {}) for n in range(3)]
            >>> [len(c) for c in packer.pack(map(packer.encode, items))]
            [2, 1]
        """
        packer = self._new()
        out: list[list[BatchRecord]] = []
        for record in records:
            if record.encoded is None:
                record = self.encode(record.item) if isinstance(record, Outgoing) else record
            size = len(record.encoded or b"")
            if not packer.fits(size, record.dedupe_key):
                out.append(packer.take())
            packer.add(record, size, record.dedupe_key)
        if packer:
            out.append(packer.take())
        return out
