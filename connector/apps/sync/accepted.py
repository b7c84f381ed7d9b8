"""Import jobs Klaviyo accepted, kept small while Klaviyo works on them.

Once Klaviyo accepted an import request, what its records still need is what the checkpoint will say when
the job completes: row number, key, change (and in reverse-ETL mode the digest and identifiers). An
:class:`AcceptedJob` keeps only that, in flat arrays (about 100 bytes a record instead of about 2.5 KB for
the row, its mapped resource and their encoding), plus where each row starts in the input. So many jobs
can be in flight in the same memory, which is what keeps a sync fast when Klaviyo's jobs take seconds.

When a job completes with every record imported, its rows go to the checkpoints straight from the arrays.
When it did not (import errors, cancelled, timed out), the rows are read again from the input by offset
and mapped again (the mapping is deterministic), so each record gets its outcome with its row in hand:
rejected with Klaviyo's reason (and the row, for the dead letter file), or sent again.

Inputs that cannot be read again (a pipe) keep their records as they are instead (``kept``).

Example:
    >>> from connector.apps.sync.diff import Change
    >>> from connector.apps.sync.packer import Item, Outgoing
    >>> from connector.apps.sync.records import SyncRecord
    >>> from connector.apps.sync.packer import Outgoing
    >>> item = Item(7, SyncRecord("email:a@b.co", "", {"type": "profile"}), Change.ADDED, {"email": "a@b.co"}, 120)
    >>> job = AcceptedJob([Outgoing(7, {}, item=item)], keep=False, reverse_etl=False)
    >>> len(job), list(job.delivered_rows("profiles:"))
    (1, [('profiles:', 7, 'email:a@b.co', None, 'added', 'delivered', None, None, None)])
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterator
from itertools import repeat
from typing import Any

from connector.apps.sync.diff import Change
from connector.apps.sync.packer import Item, Outgoing
from connector.apps.sync.records import SyncRecord
from connector.apps.sync.state import encode_identity
from connector.klaviyo.bulk.senders import BatchRecord

#: Reads row ``seq`` at ``offset`` again and maps it: the item, or None when the input has no such row now.
Rebuild = Callable[[int, int], Item | None]


class AcceptedJob:
    """The records of one accepted import job, in the job's order (compact unless ``keep``)."""

    __slots__ = ("attempts", "changes", "digests", "identities", "kept", "keys", "offsets", "seqs")

    def __init__(self, records: list[BatchRecord], *, keep: bool, reverse_etl: bool) -> None:
        self.kept: list[BatchRecord] | None = records if keep else None
        items = [] if keep else [_item(r) for r in records]
        self.seqs = array("q", [i.seq for i in items])
        self.offsets = array("q", [i.offset for i in items])
        self.keys: list[str] = [i.record.key for i in items]
        self.changes: list[str] = [i.change.value for i in items]
        self.attempts = array("H", [min(i.attempts, 65535) for i in items])
        self.digests: list[str] | None = [i.record.digest for i in items] if reverse_etl else None
        self.identities: list[str] | None = None
        if reverse_etl:
            self.identities = [encode_identity(i.record.identity) for i in items]

    def __len__(self) -> int:
        return len(self.kept) if self.kept is not None else len(self.seqs)

    def delivered_rows(self, scope: str) -> Iterator[tuple[Any, ...]]:
        """Every record as a delivered checkpoint row (see :meth:`SyncState.mark_rows`)."""
        if self.kept is not None:
            items = [_item(r) for r in self.kept]
            reverse = self.digests is not None
            for item in items:
                identity = encode_identity(item.record.identity) if reverse else None
                rec = item.record
                yield (
                    scope,
                    item.seq,
                    rec.key,
                    rec.digest or None,
                    item.change.value,
                    "delivered",
                    None,
                    None,
                    identity,
                )
            return
        digests = self.digests or repeat(None)
        identities = self.identities or repeat(None)
        none = repeat(None)
        yield from zip(
            repeat(scope), self.seqs, self.keys, digests, self.changes, repeat("delivered"), none, none, identities
        )

    def records(self, rebuild: Rebuild | None) -> list[BatchRecord]:
        """The job's records again, in the job's order, each with its row read again (see the module).

        A record whose row cannot be read again (the input changed during the run) comes back without a
        resource and without ``values``: its outcome can still be recorded, but it cannot be sent again.
        """
        if self.kept is not None:
            return self.kept
        out: list[BatchRecord] = []
        for n, seq in enumerate(self.seqs):
            item = rebuild(self.offsets[n], seq) if rebuild is not None else None
            if item is None or item.record.key != self.keys[n]:
                identity = self.identities[n] if self.identities is not None else None
                record = SyncRecord(self.keys[n], self.digests[n] if self.digests else "", {}, _identity(identity))
                item = Item(seq, record, Change.ADDED, None, self.offsets[n])
            item.change = Change(self.changes[n])
            item.attempts = self.attempts[n]
            out.append(Outgoing(seq, item.record.resource, item.record.dedupe_key, item=item))
        return out


def _item(record: BatchRecord) -> Item:
    assert isinstance(record, Outgoing)
    return record.item


def _identity(encoded: str | None) -> dict[str, str]:
    return dict(json.loads(encoded)) if encoded else {}
