"""Import jobs Klaviyo accepted, kept small while Klaviyo works on them.

Once Klaviyo accepted an import request, what its records still need is what the checkpoint will say when
the job completes: row number, key, change (and in reverse-ETL mode the digest and identifiers). An
:class:`AcceptedJob` keeps only that, in flat arrays (about 100 bytes a record instead of about 2.5 KB for
the row, its mapped resource and their encoding), plus where each row starts in the input (byte offset and
line: the line usually once a job, as its distance from the row number). So many jobs
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
    >>> from connector.apps.sync.state import SyncState
    >>> job = AcceptedJob([Outgoing(7, {}, item=item)], keep=False, reverse_etl=False)
    >>> st = SyncState(":memory:"); job.mark_delivered(st, "profiles:")
    >>> len(job), st.db.execute("SELECT * FROM done").fetchall()
    (1, [('profiles:', 7, 'email:a@b.co', None, 'added', 'delivered', None, None, None, None)])
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Collection, Sequence
from typing import Any

from connector.apps.sync.diff import Change
from connector.apps.sync.packer import Item, Outgoing
from connector.apps.sync.records import SyncRecord
from connector.apps.sync.state import SyncState, encode_identity
from connector.klaviyo.bulk.senders import BatchRecord

_NOTHING: dict[str, Any] = {}

#: Reads row ``seq`` at ``offset`` (on ``line``) again and maps it: the item, or None when the input has no such
#: row now.
Rebuild = Callable[[int, int, int], Item | None]


class AcceptedJob:
    """The records of one accepted import job, in the job's order (compact unless ``keep``).

    Strings are kept joined, one per job (:class:`Strings`): a key is then about 20 bytes, not a 70-byte
    object. Without ``reverse_etl`` no digest or identifiers are kept (nothing reads them then).
    """

    __slots__ = ("attempts", "changes", "digests", "gaps", "identities", "kept", "keys", "offsets", "seqs")

    def __init__(self, records: list[BatchRecord], *, keep: bool, reverse_etl: bool) -> None:
        self.kept: list[BatchRecord] | None = records if keep else None
        items = [] if keep else [_item(r) for r in records]
        self.seqs = array("q", [i.seq for i in items])
        self.offsets = array("q", [i.offset for i in items])
        gaps = [i.line - i.seq for i in items]
        # A row's line is its number plus the header and the blank or extra lines before it: usually one
        # distance for the whole job, kept once.
        self.gaps: int | array[int] = gaps[0] if len(set(gaps)) == 1 else array("q", gaps)
        self.keys = Strings([i.record.key for i in items])
        changes = [i.change.value for i in items]
        # Usually one change for the whole job (every row "added" without --state): kept once.
        self.changes: str | list[str] = changes[0] if len(set(changes)) == 1 else changes
        self.attempts = array("H", [min(i.attempts, 65535) for i in items])
        self.digests: Strings | None = None
        self.identities: Strings | None = None
        if reverse_etl:
            self.digests = Strings([i.record.digest for i in items])
            self.identities = Strings([encode_identity(i.record.identity) for i in items])

    def __len__(self) -> int:
        return len(self.kept) if self.kept is not None else len(self.seqs)

    def _changes(self) -> list[str]:
        return [self.changes] * len(self.seqs) if isinstance(self.changes, str) else self.changes

    def mark_delivered(self, state: SyncState, scope: str, only: Sequence[int] | None = None) -> None:
        """Checkpoint the job's records (those at the indexes ``only``, else all) as delivered, from the columns."""
        if self.kept is not None:
            items = [_item(r) for r in self.kept]
            items = items if only is None else [items[n] for n in only]
            reverse = self.digests is not None
            state.mark_delivered(
                scope,
                [i.seq for i in items],
                [i.record.key for i in items],
                [i.change.value for i in items],
                [i.record.digest or None for i in items] if reverse else None,
                [encode_identity(i.record.identity) for i in items] if reverse else None,
            )
            return
        pick = _picker(only)
        digests = [d or None for d in pick(self.digests.unpack())] if self.digests is not None else None
        identities = pick(self.identities.unpack()) if self.identities is not None else None
        seqs = self.seqs if only is None else [self.seqs[n] for n in only]
        state.mark_delivered(scope, seqs, pick(self.keys.unpack()), pick(self._changes()), digests, identities)

    def records(self, rebuild: Rebuild | None, wanted: Collection[int] | None = None) -> list[BatchRecord]:
        """The job's records again, in the job's order: those at the indexes ``wanted`` (else all) with their
        row read again (see the module), the others as bare placeholders (their row number, no resource):
        :meth:`record` makes one whole when its outcome needs it.
        """
        if self.kept is not None:
            return self.kept
        out: list[BatchRecord] = []
        if wanted is not None:  # the others only carry their row number (the outcome's key)
            out = [BatchRecord(seq, _NOTHING) for seq in self.seqs]
        columns = self._columns()
        for n in range(len(self.seqs)) if wanted is None else sorted(wanted):
            record = self._record(n, rebuild, columns)
            if wanted is None:
                out.append(record)
            else:
                out[n] = record
        return out

    def record(self, n: int, rebuild: Rebuild | None) -> BatchRecord:
        """Record ``n`` with its row read again (a placeholder from :meth:`records` made whole).

        A record whose row cannot be read again (the input changed during the run) comes back without a
        resource and without ``values``: its outcome can still be recorded, but it cannot be sent again.
        """
        if self.kept is not None:
            return self.kept[n]
        return self._record(n, rebuild, self._columns())

    def _columns(self) -> tuple[list[str], list[str], list[str] | None, list[str] | None]:
        digests = self.digests.unpack() if self.digests is not None else None
        identities = self.identities.unpack() if self.identities is not None else None
        return self.keys.unpack(), self._changes(), digests, identities

    def _record(
        self, n: int, rebuild: Rebuild | None, columns: tuple[list[str], list[str], list[str] | None, list[str] | None]
    ) -> Outgoing:
        keys, changes, digests, identities = columns
        seq = self.seqs[n]
        line = seq + (self.gaps if isinstance(self.gaps, int) else self.gaps[n])
        item = rebuild(self.offsets[n], seq, line) if rebuild is not None else None
        if item is None or item.record.key != keys[n]:
            identity = _identity(identities[n] if identities is not None else None)
            record = SyncRecord(keys[n], digests[n] if digests is not None else "", {}, identity)
            item = Item(seq, record, Change.ADDED, None, self.offsets[n])
        item.change = Change(changes[n])
        item.attempts = self.attempts[n]
        item.line = line
        return Outgoing(seq, item.record.resource, item.record.dedupe_key, item=item)


class Strings:
    """Many strings kept as one (joined by a separator none of them contains), or as a list when one does.

    Example:
        >>> Strings(["a", "b"]).unpack(), Strings(["a\\x1fb", "c"]).unpack(), Strings([]).unpack()
        (['a', 'b'], ['a\\x1fb', 'c'], [])
    """

    __slots__ = ("count", "joined", "listed")

    SEPARATOR = "\x1f"  # the ASCII unit separator

    def __init__(self, strings: list[str]) -> None:
        self.count = len(strings)
        joined = self.SEPARATOR.join(strings)
        whole = joined.count(self.SEPARATOR) == max(0, self.count - 1)
        self.joined = joined if whole else ""
        self.listed: list[str] | None = None if whole else strings

    def unpack(self) -> list[str]:
        """The strings, in order."""
        if self.listed is not None:
            return self.listed
        return self.joined.split(self.SEPARATOR) if self.count else []


def _picker(only: Sequence[int] | None) -> Callable[[list[str]], list[str]]:
    if only is None:
        return lambda column: column
    return lambda column: [column[n] for n in only]


def _item(record: BatchRecord) -> Item:
    assert isinstance(record, Outgoing)
    return record.item


def _identity(encoded: str | None) -> dict[str, str]:
    return dict(json.loads(encoded)) if encoded else {}
